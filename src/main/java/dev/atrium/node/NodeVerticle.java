package dev.atrium.node;

import dev.atrium.bus.Addresses;
import dev.atrium.bus.Bus;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers for this node on the event bus: {@link Addresses#NODE_PING} (any node),
 * {@link Addresses#nodePing} (this node only) and {@link Addresses#NODE_DESCRIBE} (this JVM).
 * Operators and the cluster tests use them to see which members are alive.
 */
public final class NodeVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(NodeVerticle.class);

  private final NodeIdentity identity;
  private final Supplier<List<String>> members;

  /**
   * @param identity this node
   * @param members the cluster members' node ids as the cluster manager sees them now
   */
  public NodeVerticle(NodeIdentity identity, Supplier<List<String>> members) {
    this.identity = identity;
    this.members = members;
  }

  @Override
  public Future<?> start() {
    var anyNode = Bus.<JsonObject>consumer(vertx.eventBus(), Addresses.NODE_PING, this::ping);
    var thisNode = Bus.<JsonObject>consumer(vertx.eventBus(), Addresses.nodePing(identity.nodeId()), this::ping);
    vertx.eventBus().<JsonObject>localConsumer(Addresses.NODE_DESCRIBE, this::describe);
    return Future.join(anyNode.completion(), thisNode.completion());
  }

  private void ping(Message<JsonObject> message) {
    LOG.info("node ping answered [node: {}, address: {}]", identity.nodeId(), message.address());
    message.reply(identity.toJson());
  }

  private void describe(Message<JsonObject> message) {
    message.reply(identity.toJson().put("members", new JsonArray(List.copyOf(members.get()))));
  }
}
