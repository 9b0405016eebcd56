package dev.atrium.control;

import dev.atrium.bus.RoomEvents;
import dev.atrium.bus.OnContext;
import dev.atrium.accounts.AuthUser;
import dev.atrium.bus.Addresses;
import dev.atrium.bus.Bus;
import dev.atrium.bus.FailureCodes;
import dev.atrium.config.SessionSettings;
import dev.atrium.coordination.Coordination;
import dev.atrium.frames.FrameLocks;
import dev.atrium.frames.FrameStore;
import dev.atrium.presenter.Target;
import dev.atrium.rooms.RoomAccess;
import dev.atrium.rooms.Role;
import dev.atrium.security.OriginGuard;
import dev.atrium.web.ApiException;
import dev.atrium.web.HttpModule;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control channel of one node: the browsers' SockJS sockets (through {@link #bridge}), the
 * rooms they joined, who is present where, their browser sessions, and the translation of data
 * changes into room events.
 *
 * <h2>State</h2>
 * This node's sockets live here ({@link ControlSocket}, in a concurrent map the bridge reads);
 * everything other nodes must see lives in the coordination store: presence
 * ({@code presence:<room>}, see {@link Presence}), sessions and restore records ({@link Sessions}),
 * and the per-room event counter ({@code seq:<room>}, see {@link RoomEvents}). Bookkeeping runs on
 * this verticle's event loop; the bridge hands it over from the sockets' loops.
 *
 * <h2>Joining and leaving</h2>
 * {@link Addresses#CONTROL_JOIN} and {@link Addresses#CONTROL_LEAVE} are consumed <em>locally</em>
 * (each node serves the joins of its own sockets, which it must know to route events to them):
 * a join checks the user may view the room (404 otherwise), records the socket in the room's
 * presence, publishes {@code presence {change: joined}} and replies with the room's state (a socket
 * may be in at most {@value #MAX_ROOMS_PER_SOCKET} rooms; 429 past that). Only events of joined
 * rooms reach a socket, whatever it registered; leaving stops them at once. When a room's members or
 * visibility change ({@link Addresses#ROOM_ACCESS_CHANGED}), this node's sockets that may no longer
 * view it are told {@code room-left} and taken out of it. When an account's tokens are revoked
 * ({@link Addresses#ACCOUNTS_CHANGED}: sign-out, disabled, new password), its sockets are closed
 * ({@code disconnected, reason: revoked}), so they must sign in again to reconnect.
 *
 * <h2>Silence, closing and sessions</h2>
 * A socket that sends no ping (nor anything else) for the heartbeat timeout is closed (checked every
 * quarter of the timeout, so within 1.25 timeouts; the bridge's own ping check is the backstop).
 * Presence and session entries carry a {@code seen} time that their node refreshes every half
 * timeout; entries of a node that died unannounced are removed once three timeouts old, and a
 * {@code presence {change: left, reason: lost}} is published for them. Whenever a
 * socket closes — by the browser, for silence, for being too slow, or replaced — it leaves every
 * room ({@code presence {change: left, reason}}), leaves its session, and
 * {@link Addresses#CONTROL_SOCKET_CLOSED} is published so the lock and token service releases what
 * it held. A session holds at most {@code sessions.maxSockets} sockets (0 = no limit); a new one
 * past the limit closes the oldest, wherever it is, by publishing {@link Addresses#CONTROL_CLOSE}: the
 * hosting node tells it {@code connection-replaced} and closes it. A socket that closed while in
 * rooms (for any reason but being replaced) leaves a restore record for {@link #restoreWindow}; the
 * next new socket of the session takes it when it registers its client address, is put back in
 * those rooms, and gets {@code session-restored} with each room's state and frame versions. A
 * session is the {@code atrium_sid} cookie <em>and</em> the user: the same cookie value under
 * another account is another session.
 *
 * <h2>frames_changed, exactly once</h2>
 * {@link Addresses#FRAMES_CHANGED} is published to every node, but only the node where the change
 * was made turns it into a {@code frames_changed} room event: an outbound interceptor sees the
 * publication as it leaves this node (no other node's interceptor sees it), takes the room's next
 * {@code seq} and publishes the event on {@code room.<id>}, which reaches the room's clients on
 * every node.
 */
public final class ControlChannelVerticle extends VerticleBase {

  /** The alias under which a browser registers its own channel ({@code atrium.client.<socket>}). */
  public static final String CLIENT_SELF = Addresses.CLIENT_PREFIX + "self";

  /** Rooms one socket may be in at once. */
  static final int MAX_ROOMS_PER_SOCKET = 100;

  private static final Logger LOG = LoggerFactory.getLogger(ControlChannelVerticle.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SessionSettings limits;
  private final boolean secureCookies;
  private final String nodeId;
  private final Coordination store;
  private final RoomAccess access;
  private final FrameStore frames;
  private final int maxFrames;
  private final MeterRegistry registry;
  private final Map<String, ControlSocket> sockets = new ConcurrentHashMap<>();
  private final Map<SockJSSocket, ControlSocket> bySocket = new ConcurrentHashMap<>();
  private final AtomicLong pendingTotal = new AtomicLong();
  private final AtomicLong pendingPeak = new AtomicLong();
  private final Map<String, Counter> disconnects = new ConcurrentHashMap<>();
  private Counter coalesced;
  private Counter dropped;
  private ControlSocket.Outbound outbound;
  private RoomEvents events;
  private Presence presence;
  private Sessions sessions;
  private Handler<DeliveryContext<Object>> interceptor;
  private long timer = -1;
  private long lastRefresh;

  /**
   * @param limits heartbeat timeout, outbound bound and sockets per session
   * @param secureCookies whether the session cookie is marked Secure (outside local mode)
   * @param nodeId this node's id (for presence entries)
   * @param store the coordination store
   * @param access room authorization
   * @param frames the frame store (frame versions for session-restored)
   * @param maxFrames most frame entries a session-restored room lists (the data channel's page size)
   * @param registry where the channel's meters go
   */
  public ControlChannelVerticle(SessionSettings limits, boolean secureCookies, String nodeId, Coordination store,
      RoomAccess access, FrameStore frames, int maxFrames, MeterRegistry registry) {
    this.limits = limits;
    this.secureCookies = secureCookies;
    this.nodeId = nodeId;
    this.store = store;
    this.access = access;
    this.frames = frames;
    this.maxFrames = maxFrames;
    this.registry = registry;
  }

  /**
   * The HTTP part: the SockJS bridge at {@code /eventbus}, behind the Origin check and the sign-in
   * handler. Call after this verticle is deployed.
   */
  public HttpModule bridge(Handler<RoutingContext> auth, OriginGuard origins) {
    return new ControlBridge(this, vertx, auth, origins, secureCookies);
  }

  /** How long a closed socket's rooms wait for the session's next socket. */
  Duration restoreWindow() {
    Duration threeBeats = limits.heartbeatTimeout().multipliedBy(3);
    return threeBeats.compareTo(Duration.ofSeconds(30)) > 0 ? threeBeats : Duration.ofSeconds(30);
  }

  /** After this long without a refresh, an entry in presence or sessions belongs to a dead node. */
  private Duration staleAfter() {
    return limits.heartbeatTimeout().multipliedBy(3);
  }

  Duration heartbeatTimeout() {
    return limits.heartbeatTimeout();
  }

  @Override
  public Future<?> start() {
    events = new RoomEvents(vertx.eventBus(), store, context);
    presence = new Presence(store, context, nodeId, staleAfter());
    sessions = new Sessions(store, context, nodeId, staleAfter(), restoreWindow());
    bindMeters();
    List<MessageConsumer<?>> consumers = List.of(
        Bus.<JsonObject>localConsumer(vertx.eventBus(), Addresses.CONTROL_JOIN, this::join),
        Bus.<JsonObject>localConsumer(vertx.eventBus(), Addresses.CONTROL_LEAVE, this::leave),
        Bus.<JsonObject>consumer(vertx.eventBus(), Addresses.CONTROL_CLOSE, this::closeRequested),
        Bus.<JsonObject>consumer(vertx.eventBus(), Addresses.ROOM_ACCESS_CHANGED, this::accessChanged),
        Bus.<JsonObject>consumer(vertx.eventBus(), Addresses.ACCOUNTS_CHANGED, this::accountChanged));
    interceptor = this::intercept;
    vertx.eventBus().addOutboundInterceptor(interceptor);
    long tick = Math.max(100, Math.min(1_000, limits.heartbeatTimeout().toMillis() / 4));
    timer = vertx.setPeriodic(tick, id -> tick());
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  @Override
  public Future<?> stop() {
    vertx.eventBus().removeOutboundInterceptor(interceptor);
    vertx.cancelTimer(timer);
    List<Future<Void>> cleanups = new ArrayList<>();
    for (ControlSocket socket : List.copyOf(sockets.values())) {
      if (socket.markClosed()) {
        sockets.remove(socket.id);
        bySocket.remove(socket.socket);
        cleanups.add(cleanup(socket));
      }
    }
    return Future.join(cleanups).otherwiseEmpty();
  }

  // ---- sockets (called by the bridge, on the socket's loop) -----------------------------------

  /** Registers a new socket of an authenticated user and session; the bookkeeping follows on this loop. */
  ControlSocket open(SockJSSocket socket, Context socketContext, AuthUser user, String session, String transport) {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    ControlSocket control = new ControlSocket(HexFormat.of().formatHex(bytes), socket, socketContext, user, session,
        transport, limits.outboundLimit(), limits.outboundStall().toNanos(), outbound);
    sockets.put(control.id, control);
    bySocket.put(socket, control);
    OnContext.run(context, () -> opened(control));
    return control;
  }

  /** The control socket of a SockJS socket, or null once closed. */
  ControlSocket socket(SockJSSocket socket) {
    return bySocket.get(socket);
  }

  /** The socket's SockJS session has closed: leave everything, once. */
  void closed(ControlSocket socket) {
    if (!socket.markClosed()) {
      return;
    }
    sockets.remove(socket.id);
    bySocket.remove(socket.socket);
    OnContext.run(context, () -> cleanup(socket));
  }

  /**
   * The browser listens on its client address: it is told who it is and, the first time, gets the
   * session's latest restore record, if any (taken now rather than at connect, so that the socket it
   * replaces has had the time to close).
   */
  void clientReady(ControlSocket socket) {
    socket.tell(new JsonObject().put("type", "welcome").put("socket", socket.id).put("user", socket.user.id())
        .put("node", nodeId).put("heartbeatMs", limits.heartbeatTimeout().toMillis()));
    if (socket.firstClientRegistration()) {
      OnContext.run(context, () -> sessions.takeRestore(socket)
          .compose(restore -> restore == null ? Future.succeededFuture() : restore(socket, restore))
          .onFailure(failure -> LOG.warn("control session not restored [socket: {}]: {}", socket.id,
              failure.toString())));
    }
  }

  /** Checks a room role for a bridged message; the result's callbacks run on {@code on}. */
  Future<RoomAccess.Grant> require(AuthUser user, String room, Role role, Context on) {
    return OnContext.back(on, access.require(user, room, role));
  }

  private void opened(ControlSocket socket) {
    LOG.info("control socket opened [socket: {}, user: {}, transport: {}, sockets: {}]", socket.id, socket.user.id(),
        socket.transport, sockets.size());
    sessions.open(socket, limits.maxSocketsPerSession())
        .onSuccess(victims -> victims.forEach(victim -> vertx.eventBus().publish(Addresses.CONTROL_CLOSE,
            new JsonObject().put("socket", victim).put("reason", "replaced").put("by", socket.id))))
        .onFailure(failure -> LOG.warn("control session bookkeeping failed [socket: {}]: {}", socket.id,
            failure.toString()));
  }

  private Future<Void> restore(ControlSocket socket, Sessions.Restore restore) {
    JsonArray rooms = new JsonArray();
    Future<Void> chain = Future.succeededFuture();
    for (String room : restore.rooms()) {
      chain = chain.compose(v -> joinRoom(socket, room)
          .compose(state -> roomFrames(room).map(state::mergeIn))
          .map(state -> {
            rooms.add(state);
            return (Void) null;
          })
          .otherwise(failure -> {
            LOG.info("room not restored [socket: {}, room: {}]: {}", socket.id, room, failure.getMessage());
            return null;
          }));
    }
    return chain.onSuccess(v -> {
      LOG.info("control session restored [socket: {}, previous: {}, rooms: {}]", socket.id, restore.previous(),
          rooms.size());
      socket.tell(new JsonObject().put("type", "session-restored").put("socket", socket.id)
          .put("previous", restore.previous()).put("rooms", rooms));
    });
  }

  private Future<Void> cleanup(ControlSocket socket) {
    String reason = socket.closeReason();
    List<String> rooms = new ArrayList<>(socket.rooms);
    socket.rooms.clear();
    vertx.eventBus().publish(Addresses.CONTROL_SOCKET_CLOSED, new JsonObject().put("socket", socket.id)
        .put("user", socket.user.id()).put("session", socket.session).put("rooms", new JsonArray(rooms))
        .put("reason", reason));
    LOG.info("control socket closed [socket: {}, user: {}, reason: {}, rooms: {}]", socket.id, socket.user.id(),
        reason, rooms.size());
    List<Future<?>> steps = new ArrayList<>();
    for (String room : rooms) {
      steps.add(presence.remove(socket.id, room).compose(removed -> removed
          ? events.publish(room, "presence", change("left", socket.user.id(), socket.id).put("reason", reason))
          : Future.succeededFuture()));
    }
    steps.add(sessions.close(socket, new LinkedHashSet<>(rooms), !"replaced".equals(reason)));
    return Future.join(steps).<Void>mapEmpty().onFailure(failure -> LOG.warn(
        "control socket cleanup incomplete [socket: {}]: {}", socket.id, failure.toString()));
  }

  // ---- join and leave -------------------------------------------------------------------------

  private void join(Message<JsonObject> message) {
    ControlSocket socket = sender(message);
    String room = room(message);
    if (socket == null || room == null) {
      fail(message, socket == null ? new ApiException(FailureCodes.BAD_REQUEST,
          "join through the control channel's SockJS bridge") : new ApiException(FailureCodes.BAD_REQUEST,
          "room missing"));
      return;
    }
    joinRoom(socket, room).onSuccess(message::reply).onFailure(failure -> fail(message, failure));
  }

  private void leave(Message<JsonObject> message) {
    ControlSocket socket = sender(message);
    String room = room(message);
    if (socket == null || room == null) {
      fail(message, new ApiException(FailureCodes.BAD_REQUEST, socket == null
          ? "leave through the control channel's SockJS bridge" : "room missing"));
      return;
    }
    leaveRoom(socket, room, "left").onSuccess(v -> message.reply(new JsonObject()))
        .onFailure(failure -> fail(message, failure));
  }

  /** Puts a socket in a room (idempotent) and answers with the room's state. */
  private Future<JsonObject> joinRoom(ControlSocket socket, String room) {
    return OnContext.back(context, access.require(socket.user, room, Role.VIEWER))
        .compose(grant -> {
          if (socket.isClosed()) {
            return Future.failedFuture(new ApiException(FailureCodes.CONFLICT, "socket closed"));
          }
          if (socket.rooms.size() >= MAX_ROOMS_PER_SOCKET && !socket.rooms.contains(room)) {
            return Future.failedFuture(new ApiException(FailureCodes.TOO_MANY_REQUESTS,
                "a socket may be in at most " + MAX_ROOMS_PER_SOCKET + " rooms"));
          }
          if (!socket.join(room)) {
            return events.current(room);
          }
          return presence.put(socket, room, socket.joinedAt(room))
              .compose(v -> events.publish(room, "presence", change("joined", socket.user.id(), socket.id)))
              .onFailure(failure -> socket.rooms.remove(room));
        })
        .compose(seq -> roomState(room).map(state -> state.put("seq", seq).put("socket", socket.id)));
  }

  private Future<Void> leaveRoom(ControlSocket socket, String room, String reason) {
    if (!socket.rooms.remove(room)) {
      return Future.succeededFuture();
    }
    return presence.remove(socket.id, room).compose(removed -> removed
        ? events.publish(room, "presence", change("left", socket.user.id(), socket.id).put("reason", reason))
            .<Void>mapEmpty()
        : Future.<Void>succeededFuture());
  }

  private static JsonObject change(String change, String user, String socket) {
    return new JsonObject().put("change", change).put("user", user).put("socket", socket);
  }

  /** {@code {room, presence, presenter, locks}} as the coordination store has them now. */
  private Future<JsonObject> roomState(String room) {
    Future<List<JsonObject>> present = presence.list(room, lost -> events.publish(room, "presence",
        change("left", lost.getString("user"), lost.getString("socket")).put("reason", "lost")));
    Future<Coordination.Held> presenter = OnContext.back(context, store.held(Target.presenterKey(room)));
    String lockPrefix = FrameLocks.frameKey(room, "");
    Future<Map<String, Coordination.Held>> locks = OnContext.back(context, store.scan(lockPrefix));
    return Future.all(present, presenter, locks).map(all -> {
      long now = System.currentTimeMillis();
      JsonArray lockList = new JsonArray();
      locks.result().forEach((key, held) -> lockList.add(holding(held, now)
          .put("frame", key.substring(lockPrefix.length()))));
      return new JsonObject().put("room", room).put("presence", new JsonArray(new ArrayList<>(present.result())))
          .put("presenter", presenter.result() == null ? null : holding(presenter.result(), now))
          .put("locks", lockList);
    });
  }

  private static JsonObject holding(Coordination.Held held, long now) {
    return new JsonObject().put("holder", held.value())
        .put("expiresAt", held.ttl() == null ? null : now + held.ttl().toMillis());
  }

  /** {@code frames: {count, frames: [{index, id, version, hash}], complete}} (first {@code maxFrames}). */
  private Future<JsonObject> roomFrames(String room) {
    return OnContext.back(context, frames.slice(room, 0, maxFrames)
        .compose(slice -> frames.records(slice.ids()).map(records -> {
          JsonArray list = new JsonArray();
          for (int i = 0; i < records.size(); i++) {
            JsonObject record = records.get(i);
            list.add(new JsonObject().put("index", i).put("id", record.getString("_id"))
                .put("version", record.getLong("version")).put("hash", record.getString("hash")));
          }
          return new JsonObject().put("frames", new JsonObject().put("count", slice.size()).put("frames", list)
              .put("complete", list.size() >= slice.size()));
        })))
        .recover(failure -> Future.succeededFuture(new JsonObject().put("frames", new JsonObject()
            .put("error", failure.getMessage()))));
  }

  // ---- cluster-wide requests and notices ------------------------------------------------------

  private void closeRequested(Message<JsonObject> message) {
    ControlSocket socket = sockets.get(message.body().getString("socket", ""));
    if (socket != null) {
      String by = message.body().getString("by");
      LOG.info("control socket replaced [socket: {}, by: {}]", socket.id, by);
      socket.close(message.body().getString("reason", "replaced"),
          "another socket of this browser session (" + by + ") replaced this one");
    }
  }

  /** Membership or visibility changed: sockets of this node that may no longer view the room leave it. */
  private void accessChanged(Message<JsonObject> message) {
    String room = message.body().getString("room");
    if (room == null) {
      return;
    }
    access.evict(room);
    for (ControlSocket socket : sockets.values()) {
      if (socket.rooms.contains(room)) {
        OnContext.back(context, access.grant(socket.user, room)).onSuccess(grant -> {
          if (grant.isEmpty() && socket.rooms.contains(room)) {
            socket.tell(new JsonObject().put("type", "room-left").put("room", room).put("reason", "access"));
            leaveRoom(socket, room, "access");
          }
        });
      }
    }
  }

  /**
   * An account changed in a way that revokes its tokens (sign-out, disabled, password or admin
   * flag changed): its sockets signed in with a token are closed, so the browser reconnects and
   * signs in again — or cannot. The implicit local user has no token and is not affected.
   */
  private void accountChanged(Message<JsonObject> message) {
    String user = message.body() == null ? null : message.body().getString("user");
    for (ControlSocket socket : sockets.values()) {
      if (socket.user.id().equals(user) && !socket.user.implicit()) {
        socket.close("revoked", "the account's sign-in changed; reconnect to sign in again");
      }
    }
  }

  /** Turns this node's own frame-change publications into frames_changed room events. */
  private void intercept(DeliveryContext<Object> delivery) {
    try {
      Message<Object> message = delivery.message();
      if (Addresses.FRAMES_CHANGED.equals(message.address()) && delivery.body() instanceof JsonObject body) {
        JsonObject change = body.copy();
        context.runOnContext(v -> framesChanged(change));
      }
    } finally {
      delivery.next();
    }
  }

  private void framesChanged(JsonObject change) {
    String room = change.getString("room");
    if (room == null) {
      return;
    }
    JsonObject fields = change.copy();
    fields.remove("room");
    events.publish(room, "frames_changed", fields);
  }

  // ---- timers ---------------------------------------------------------------------------------

  private void tick() {
    long now = System.nanoTime();
    long timeout = limits.heartbeatTimeout().toNanos();
    for (ControlSocket socket : sockets.values()) {
      if (now - socket.lastSeen() > timeout) {
        socket.close("timeout", "no ping for " + limits.heartbeatTimeout().toMillis() + " ms");
      } else {
        socket.checkStall(now);
      }
    }
    if (now - lastRefresh > timeout / 2) {
      lastRefresh = now;
      refresh();
    }
  }

  /** Re-announces this node's sockets in presence and sessions, and clears out dead nodes' entries. */
  private void refresh() {
    Set<String> rooms = new HashSet<>();
    for (ControlSocket socket : sockets.values()) {
      if (socket.isClosed()) {
        continue;
      }
      sessions.refresh(socket);
      for (String room : socket.rooms) {
        presence.put(socket, room, socket.joinedAt(room));
        rooms.add(room);
      }
    }
    rooms.forEach(room -> presence.list(room, lost -> events.publish(room, "presence",
        change("left", lost.getString("user"), lost.getString("socket")).put("reason", "lost"))));
  }

  // ---- helpers --------------------------------------------------------------------------------

  private ControlSocket sender(Message<JsonObject> message) {
    String id = message.headers().get(Addresses.HEADER_SOCKET);
    ControlSocket socket = id == null ? null : sockets.get(id);
    return socket == null || socket.isClosed() ? null : socket;
  }

  private static String room(Message<JsonObject> message) {
    Object room = message.body() == null ? null : message.body().getValue("room");
    return room instanceof String text && !text.isBlank() ? text : null;
  }

  private static void fail(Message<?> message, Throwable failure) {
    if (failure instanceof ApiException api) {
      message.fail(api.status(), api.getMessage());
    } else if (failure instanceof ReplyException reply) {
      message.fail(reply.failureCode() > 0 ? reply.failureCode() : FailureCodes.UNAVAILABLE, reply.getMessage());
    } else {
      LOG.warn("control request failed [address: {}]", message.address(), failure);
      message.fail(FailureCodes.UNAVAILABLE, "control channel unavailable: " + failure.getMessage());
    }
  }

  private void bindMeters() {
    coalesced = Counter.builder("atrium.control.outbound.coalesced")
        .description("step events replaced by a later step while a socket's outbound buffer was full")
        .register(registry);
    dropped = Counter.builder("atrium.control.outbound.dropped")
        .description("room events dropped while a socket's outbound buffer was full").register(registry);
    Gauge.builder("atrium.control.sockets", sockets, Map::size).description("open control-channel sockets")
        .register(registry);
    Gauge.builder("atrium.control.outbound.pending", pendingTotal, AtomicLong::get).baseUnit("bytes")
        .description("bytes written to control-channel sockets and not yet sent").register(registry);
    Gauge.builder("atrium.control.outbound.peak", pendingPeak, AtomicLong::get).baseUnit("bytes")
        .description("most bytes one socket has had unsent since start").register(registry);
    outbound = new ControlSocket.Outbound() {
      @Override
      public void pending(long delta, long socketTotal) {
        pendingTotal.addAndGet(delta);
        pendingPeak.accumulateAndGet(socketTotal, Math::max);
      }

      @Override
      public void coalesced() {
        coalesced.increment();
      }

      @Override
      public void dropped() {
        dropped.increment();
      }

      @Override
      public void disconnected(String reason) {
        disconnects.computeIfAbsent(reason, r -> Counter.builder("atrium.control.disconnects").tag("reason", r)
            .description("control-channel sockets closed by the server, by reason").register(registry)).increment();
      }
    };
  }
}
