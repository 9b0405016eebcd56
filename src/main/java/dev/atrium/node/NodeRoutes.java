package dev.atrium.node;

import dev.atrium.bus.Addresses;
import dev.atrium.accounts.AuthHandler;
import dev.atrium.bus.Bus;
import dev.atrium.bus.FailureCodes;
import dev.atrium.web.ApiException;
import dev.atrium.web.HttpModule;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.regex.Pattern;

/**
 * HTTP view of the cluster, for operators (administrators only): which node answers, which
 * members it sees, and whether one given member is alive.
 */
public final class NodeRoutes implements HttpModule {

  private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9-]{1,64}");

  private final EventBus bus;

  /** @param bus the event bus the node addresses are on */
  public NodeRoutes(EventBus bus) {
    this.bus = bus;
  }

  @Override
  public void mount(Router router) {
    router.route("/api/cluster/*").handler(NodeRoutes::requireAdmin);
    router.get("/api/cluster").handler(this::describe);
    router.get("/api/cluster/nodes/:node/ping").handler(this::pingNode);
  }

  private static void requireAdmin(RoutingContext ctx) {
    if (!AuthHandler.require(ctx).admin()) {
      throw new ApiException(FailureCodes.FORBIDDEN, "administrators only");
    }
    ctx.next();
  }

  private void describe(RoutingContext ctx) {
    Bus.<JsonObject>request(bus, Addresses.NODE_DESCRIBE, new JsonObject(), Addresses.NODE_TIMEOUT)
        .onSuccess(reply -> replyJson(ctx, reply))
        .onFailure(ctx::fail);
  }

  private void pingNode(RoutingContext ctx) {
    String node = ctx.pathParam("node");
    if (!NODE_ID.matcher(node).matches()) {
      ctx.fail(new ApiException(FailureCodes.BAD_REQUEST, "node id '" + node + "' is malformed"));
      return;
    }
    Bus.<JsonObject>request(bus, Addresses.nodePing(node), new JsonObject(), Addresses.NODE_TIMEOUT)
        .onSuccess(reply -> replyJson(ctx, reply))
        .onFailure(ctx::fail);
  }

  private static void replyJson(RoutingContext ctx, Message<JsonObject> reply) {
    ctx.json(reply.body());
  }
}
