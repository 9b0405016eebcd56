package dev.atrium.control;

import dev.atrium.accounts.AuthHandler;
import dev.atrium.accounts.AuthUser;
import dev.atrium.bus.Addresses;
import dev.atrium.bus.FailureCodes;
import dev.atrium.observe.RequestIds;
import dev.atrium.rooms.Role;
import dev.atrium.security.OriginGuard;
import dev.atrium.web.ApiException;
import dev.atrium.web.HttpModule;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.sockjs.BridgeEvent;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import io.vertx.ext.web.handler.sockjs.Transport;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SockJS endpoint {@code /eventbus} with the Vert.x event-bus bridge, as a firewall.
 *
 * <h2>Who may connect</h2>
 * Every request of every transport first passes {@link OriginGuard#everyRequest()} (Vert.x checks
 * the origin of WebSocket transports only) and the sign-in handler; without a user (cookie, bearer
 * token, or the implicit local user in local mode) it is refused with 401. The JSONP and htmlfile
 * transports are off: they exist for browsers without CORS and would let other sites' pages in.
 * A browser session cookie {@value #SESSION_COOKIE} (random 128 bits, HttpOnly, SameSite=Lax,
 * Secure outside local mode) is set on the first request that lacks one.
 *
 * <h2>Identity</h2>
 * When a socket is created the user and session are taken from the request that opened it (the
 * WebSocket upgrade or the first XHR request) and kept with the socket. On every {@code send} the
 * headers {@code atrium-user}, {@code atrium-socket} and {@code atrium-session} are overwritten from
 * the socket, and any other {@code atrium-*} header the browser put there is removed: no payload or
 * header from the browser ever says who is asking.
 *
 * <h2>What may pass</h2>
 * {@code send} only to the addresses of {@link PermittedAddresses#INBOUND}, with a JSON body naming
 * a {@code room} the user holds the needed role in (404 or 403 otherwise, as an error reply);
 * {@code publish} never. A reply address must be a fresh random UUID, as vertx-eventbus.js makes
 * them, not one in flight; a {@code send} to a server reply address is let through only when that
 * address came with a message delivered to this very socket. {@code register} of
 * {@code room.<id>} only after a successful join of that room (and while the user may view it);
 * of {@code atrium.client.self} or the socket's own {@code atrium.client.<socket>} to receive the
 * channel's own messages; of nothing else. Refusals are answered as the bridge does,
 * {@code {type: err, body: rejected}}.
 *
 * <h2>Out</h2>
 * Every message to the browser goes through {@link ControlSocket#deliver} (bounded buffer, latest
 * step wins, events of rooms not joined dropped).
 */
final class ControlBridge implements HttpModule {

  /** The browser session cookie. */
  static final String SESSION_COOKIE = "atrium_sid";
  /** Where the endpoint is mounted. */
  static final String PATH = "/eventbus/*";

  private static final Logger LOG = LoggerFactory.getLogger(ControlBridge.class);
  private static final String SESSION_KEY = "atrium.control.session";
  /** Largest XHR send body: a batch of small control messages. */
  private static final long MAX_SEND_BYTES = 256 * 1024;
  private static final Pattern SESSION_ID = Pattern.compile("[0-9a-f]{32}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private final ControlChannelVerticle channel;
  private final Vertx vertx;
  private final Handler<RoutingContext> auth;
  private final OriginGuard origins;
  private final boolean secureCookie;

  ControlBridge(ControlChannelVerticle channel, Vertx vertx, Handler<RoutingContext> auth, OriginGuard origins,
      boolean secureCookie) {
    this.channel = channel;
    this.vertx = vertx;
    this.auth = auth;
    this.origins = origins;
    this.secureCookie = secureCookie;
  }

  @Override
  public void mount(Router router) {
    SockJSHandlerOptions options = new SockJSHandlerOptions()
        .addDisabledTransport(Transport.JSON_P.name())
        .addDisabledTransport(Transport.HTML_FILE.name());
    Router sockJs = SockJSHandler.create(vertx, options).bridge(
        PermittedAddresses.bridgeOptions(channel.heartbeatTimeout(), Addresses.CONTROL_TIMEOUT), this::onBridgeEvent);
    // XHR sends carry a small body; read it first (bounded), before any asynchronous check
    router.post(PATH).handler(BodyHandler.create(false).setBodyLimit(MAX_SEND_BYTES));
    // the sign-in check may wait for the account store: hold the request (a WebSocket upgrade
    // must not have been read to its end when the SockJS handler takes it over)
    router.route(PATH).handler(ControlBridge::hold);
    router.route(PATH).handler(origins.everyRequest());
    router.route(PATH).handler(auth);
    router.route(PATH).handler(this::admit);
    router.route(PATH).subRouter(sockJs);
  }

  private static void hold(RoutingContext ctx) {
    if (!ctx.request().isEnded()) {
      ctx.request().pause();
      // refused (403/401) while held: let the rest of the request through unread, or a keep-alive
      // connection would never reach its next request
      ctx.addEndHandler(done -> {
        if (!ctx.request().isEnded()) {
          ctx.request().resume();
        }
      });
    }
    ctx.next();
  }

  /** Refuses anonymous requests; gives the browser a session id when it has none. */
  private void admit(RoutingContext ctx) {
    if (AuthHandler.user(ctx) == null) {
      ctx.fail(new ApiException(FailureCodes.UNAUTHORIZED, "sign in first"));
      return;
    }
    Cookie cookie = ctx.request().getCookie(SESSION_COOKIE);
    String session = cookie == null ? null : cookie.getValue().toLowerCase(Locale.ROOT);
    if (session == null || !SESSION_ID.matcher(session).matches()) {
      byte[] bytes = new byte[16];
      RANDOM.nextBytes(bytes);
      session = HexFormat.of().formatHex(bytes);
      ctx.response().addCookie(Cookie.cookie(SESSION_COOKIE, session).setPath("/").setHttpOnly(true)
          .setSameSite(CookieSameSite.LAX).setSecure(secureCookie));
    }
    ctx.put(SESSION_KEY, session);
    if (!ctx.request().isEnded()) {
      ctx.request().resume();
    }
    ctx.next();
  }

  void onBridgeEvent(BridgeEvent event) {
    Context here = Vertx.currentContext();
    switch (event.type()) {
      case SOCKET_CREATED -> created(event, here);
      case SOCKET_PING -> {
        ControlSocket socket = channel.socket(event.socket());
        if (socket != null) {
          socket.touch();
        }
        event.complete(true);
      }
      case SOCKET_IDLE -> {
        ControlSocket socket = channel.socket(event.socket());
        if (socket != null) {
          socket.closingFor("timeout");
        }
        event.complete(true);
      }
      case SOCKET_CLOSED, SOCKET_ERROR -> {
        ControlSocket socket = channel.socket(event.socket());
        if (socket != null) {
          channel.closed(socket);
        }
        event.complete(true);
      }
      case SEND -> send(event, here);
      case PUBLISH -> refuse(event, "publish is not allowed", null);
      case REGISTER -> register(event, here);
      case REGISTERED -> registered(event);
      case UNREGISTER -> unregister(event);
      case RECEIVE -> receive(event);
      default -> event.complete(false);
    }
  }

  private void created(BridgeEvent event, Context here) {
    RoutingContext request = event.socket().routingContext();
    AuthUser user = request == null ? null : AuthHandler.user(request);
    String session = request == null ? null : request.get(SESSION_KEY);
    if (user == null || session == null) {
      event.complete(false);
      return;
    }
    channel.open(event.socket(), here, user, session, transport(event.socket().uri()));
    event.complete(true);
  }

  private void send(BridgeEvent event, Context here) {
    ControlSocket socket = channel.socket(event.socket());
    JsonObject raw = event.getRawMessage();
    String address = raw.getString("address");
    if (socket == null || address == null) {
      event.complete(false);
      return;
    }
    socket.touch();
    String replyAddress = raw.getString("replyAddress");
    Role role = PermittedAddresses.INBOUND.get(address);
    if (role == null) {
      if (replyAddress == null && socket.takeServerReply(address)) {
        identify(raw, socket);
        event.complete(true);
      } else {
        refuse(event, "address not permitted: " + address, null);
      }
      return;
    }
    if (replyAddress != null && !socket.claimClientReply(replyAddress)) {
      refuse(event, "reply address refused: " + replyAddress, null);
      return;
    }
    String room = raw.getValue("body") instanceof JsonObject body && body.getValue("room") instanceof String text
        && !text.isBlank() ? text : null;
    if (room == null) {
      refuse(event, "room missing", new Refusal(socket, replyAddress, FailureCodes.BAD_REQUEST,
          "the body must be a JSON object with a room"));
      return;
    }
    identify(raw, socket);
    if (PermittedAddresses.servedOnOwnNode(address)) {
      // served by this node's lock and token service: the socket's requests stay in order
      raw.put("address", Addresses.nodeLocal(address));
    }
    channel.require(socket.user, room, role, here).onComplete(checked -> {
      if (checked.succeeded()) {
        event.complete(true);
      } else {
        ApiException failure = checked.cause() instanceof ApiException api ? api
            : new ApiException(FailureCodes.UNAVAILABLE, "room access could not be checked");
        refuse(event, failure.getMessage(), new Refusal(socket, replyAddress, failure.status(), failure.getMessage()));
      }
    });
  }

  /** Replaces every identity header with the socket's; other headers pass as strings. */
  private static void identify(JsonObject raw, ControlSocket socket) {
    JsonObject headers = new JsonObject();
    if (raw.getValue("headers") instanceof JsonObject given) {
      given.forEach(entry -> {
        String name = entry.getKey();
        if (!name.toLowerCase(Locale.ROOT).startsWith("atrium-") && entry.getValue() != null && headers.size() < 16) {
          headers.put(name, String.valueOf(entry.getValue()));
        }
      });
    }
    if (!RequestIds.wellFormed(headers.getString(RequestIds.HEADER))) {
      headers.put(RequestIds.HEADER, RequestIds.generate());
    }
    headers.put(Addresses.HEADER_USER, socket.user.id()).put(Addresses.HEADER_SOCKET, socket.id)
        .put(Addresses.HEADER_SESSION, socket.session);
    raw.put("headers", headers);
  }

  private void register(BridgeEvent event, Context here) {
    ControlSocket socket = channel.socket(event.socket());
    JsonObject raw = event.getRawMessage();
    String address = raw.getString("address");
    if (socket == null || address == null) {
      event.complete(false);
      return;
    }
    socket.touch();
    if (ControlChannelVerticle.CLIENT_SELF.equals(address) || socket.ownAddress().equals(address)) {
      socket.clientAddress(address);
      raw.put("address", socket.ownAddress());
      event.complete(true);
      return;
    }
    if (!address.startsWith(Addresses.ROOM_PREFIX)) {
      refuse(event, "register refused: " + address, null);
      return;
    }
    String room = address.substring(Addresses.ROOM_PREFIX.length());
    if (!socket.rooms.contains(room)) {
      refuse(event, "register refused: room " + room + " not joined", null);
      return;
    }
    channel.require(socket.user, room, Role.VIEWER, here).onComplete(checked -> {
      if (checked.succeeded()) {
        event.complete(true);
      } else {
        refuse(event, "register refused: " + checked.cause().getMessage(), null);
      }
    });
  }

  private void registered(BridgeEvent event) {
    ControlSocket socket = channel.socket(event.socket());
    if (socket != null && socket.ownAddress().equals(event.getRawMessage().getString("address"))) {
      channel.clientReady(socket);
    }
    event.complete(true);
  }

  private void unregister(BridgeEvent event) {
    ControlSocket socket = channel.socket(event.socket());
    JsonObject raw = event.getRawMessage();
    if (socket != null && ControlChannelVerticle.CLIENT_SELF.equals(raw.getString("address"))) {
      raw.put("address", socket.ownAddress());
    }
    event.complete(true);
  }

  /** Every outbound message is written by the socket's own bounded buffer, never by the bridge. */
  private void receive(BridgeEvent event) {
    ControlSocket socket = channel.socket(event.socket());
    if (socket != null) {
      socket.deliver(event.getRawMessage());
    }
    event.complete(false);
  }

  private static void refuse(BridgeEvent event, String why, Refusal refusal) {
    if (refusal != null && refusal.replyAddress() != null) {
      refusal.socket().failReply(refusal.replyAddress(), refusal.code(), refusal.message());
    }
    LOG.debug("bridge refused [{}]", why);
    event.complete(false);
  }

  /** The SockJS transport, from the request path ({@code /eventbus/<server>/<session>/<transport>}). */
  private static String transport(String uri) {
    if (uri == null) {
      return "unknown";
    }
    String path = uri.contains("?") ? uri.substring(0, uri.indexOf('?')) : uri;
    return path.substring(path.lastIndexOf('/') + 1);
  }

  /** An error reply for a refused request that carried a reply address. */
  private record Refusal(ControlSocket socket, String replyAddress, int code, String message) {
  }
}
