package dev.atrium.presenter;

import dev.atrium.bus.RoomEvents;
import dev.atrium.accounts.AuthUser;
import dev.atrium.bus.Addresses;
import dev.atrium.bus.Bus;
import dev.atrium.bus.FailureCodes;
import dev.atrium.config.ControlSettings;
import dev.atrium.coordination.Coordination;
import dev.atrium.presenter.Grants.Grant;
import dev.atrium.rooms.Role;
import dev.atrium.rooms.RoomAccess;
import dev.atrium.web.ApiException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lock and presenter-token service of the control channel (one instance per node): edit locks
 * on frames ({@code lock:<room>:<frameId>}) and rooms ({@code lock:<room>:*}) that the data
 * channel honours, and each room's presenter token ({@code presenter:<room>}) with the
 * presenter's coalesced steps. It serves {@link Addresses#LOCKS_ACQUIRE} …
 * {@link Addresses#PRESENTER_STEP} and consumes {@link Addresses#CONTROL_SOCKET_CLOSED}; it
 * publishes {@code lock}, {@code presenter} and {@code step} events on {@code room.<id>}.
 *
 * <h2>Who is asking</h2>
 * Only the {@link Addresses#HEADER_USER} and {@link Addresses#HEADER_SOCKET} headers (set by the
 * bridge from the socket) say who asks; a message without them fails with 401, and nothing in a
 * payload is ever taken as an identity. A holder is {@code <user>/<socket>}, so the data channel
 * lets the user write from any of their sockets while only the holding socket renews or releases.
 *
 * <h2>State and atomicity</h2>
 * The locks and tokens themselves live only in the coordination store (Redis {@code SET NX PX};
 * renew and release are one compare-and-set script each), so whichever node serves a request, the
 * store decides: exactly one of any number of concurrent acquirers wins, and a holder whose key
 * expired or was taken can neither renew nor release it. Acquiring what the caller already holds
 * is a renew (idempotent). What this node keeps in memory is only bookkeeping ({@link Grants}):
 * the keys its consumers granted or renewed, per socket.
 *
 * <h2>In a cluster</h2>
 * A plain request address has consumers on every node and the clustered event bus spreads
 * requests round-robin, so a JVM service's acquire, renew and release may each be served by a
 * different node; a browser socket's requests all go to its own node's node-local twins.
 * <ul>
 *   <li><b>Release on disconnect.</b> {@link Addresses#CONTROL_SOCKET_CLOSED} is published, so
 *       it reaches every node; each node releases, by compare-and-set on the closed socket's
 *       holder, every key it has itself granted or renewed for that socket ({@link Grants}), and
 *       nothing else: a node that granted nothing to the socket sends no script to the store. A
 *       socket's requests are all served by its own node (see <em>Presenter steps</em> below), so
 *       that node holds the record of every key the socket holds and releases it at once; a key
 *       a JVM service took through a plain address under the socket's name is released by
 *       whichever node granted it. The one gap is a key granted by a node that has died since: it
 *       is freed by its TTL, and without an event — a client learns the state at its next join.
 *       No grant list is replicated between nodes: that would cost a cluster-wide publish per
 *       renew to cover only that failure.</li>
 *   <li><b>Expiry (frozen holder).</b> Nothing needs to happen for the lock itself: its TTL frees
 *       it. So that the room learns it, every {@link #SWEEP_INTERVAL} each node asks the store for
 *       the holder of every key it granted; a key whose holder is gone is forgotten, and when it is
 *       free a {@code lock}/{@code presenter} event with {@code holder: null} is published. The
 *       event thus follows the expiry by at most the sweep interval (plus one round trip); a key
 *       lost with a Redis restart is noticed the same way. Two nodes that both renewed a key may
 *       both announce it free: a duplicate of the same state, numbered twice.</li>
 *   <li><b>Event order.</b> Every change publishes an event numbered from the room's shared
 *       counter <em>after</em> the change, and every lock or token event reports the holder read
 *       from the store <em>after</em> its number was taken ({@link RoomEvents#publishState}). So
 *       the highest-numbered event of a key always reports its latest state, whichever nodes
 *       published what in which order, and a client that applies events by {@code seq} ends right.</li>
 *   <li><b>Presenter steps.</b> A step is accepted only from the token's holder. Reading the
 *       holder from the store for every step would cost a round trip per step (measured: about
 *       0.09–0.2 ms per sequential GET against a Redis on the same host, and a pool connection), so a verified holder is trusted for
 *       {@link #PRESENTER_CACHE} at most, and never past the token's known expiry; a release, a
 *       failed renew or a closed socket seen on this node drops it at once, and a refusal is always
 *       re-checked against the store. Hence a former presenter's step may still be accepted by a
 *       node that did not see the release for at most that long. Steps are coalesced per room on
 *       the node that accepted them ({@link StepCoalescer}). The control bridge therefore
 *       forwards a socket's requests to the node-local twin of each address
 *       ({@link Addresses#nodeLocal}, consumed on every node with {@link Bus#localConsumer}): they
 *       are all served by the socket's own node, in the order the socket sent them, so one
 *       presenter's steps are coalesced in one place and the room ends on the last frame sent. JVM
 *       services on the cluster bus send to the plain addresses, served by any node.</li>
 * </ul>
 *
 * <h2>Redis restart while a lock is held</h2>
 * The key is gone, so the holder's next renew fails the compare-and-set (409; 503 while the store
 * is unreachable): the holder is told by that reply, and the room by a {@code lock} event with
 * {@code holder: null} (from the failed renew or the sweep). Others may then write without a lock;
 * the former holder's writes are still fenced by the version check of the data channel.
 *
 * <p>Everything runs on this verticle's event loop; the coordination store's callbacks are brought
 * back to it, so the bookkeeping needs no locks.
 */
public final class PresenterTokenVerticle extends VerticleBase {

  /** How often this node checks that what it granted is still held. */
  public static final Duration SWEEP_INTERVAL = Duration.ofSeconds(1);
  /** How long this node trusts a presenter it verified, at most. */
  public static final Duration PRESENTER_CACHE = Duration.ofMillis(250);
  /** Shortest lock a client may ask for with {@code ttlMs}. */
  public static final Duration MIN_LOCK_TTL = Duration.ofMillis(100);
  /** Longest lock a client may ask for with {@code ttlMs} (or the configured default if longer). */
  public static final Duration MAX_LOCK_TTL = Duration.ofSeconds(60);

  private static final Logger LOG = LoggerFactory.getLogger(PresenterTokenVerticle.class);
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");
  private static final String NOT_HOLDER = "not the holder (the lock expired or was taken)";
  private static final String NOT_TOKEN_HOLDER = "not the holder (the presenter token expired or was taken)";

  private final Coordination rawStore;
  private final RoomAccess access;
  private final ControlSettings settings;
  private final Grants grants = new Grants();
  private final Map<String, Verified> presenters = new HashMap<>();
  private LoopStore store;
  private RoomEvents events;
  private StepCoalescer steps;
  private boolean sweeping;

  /**
   * @param store the coordination store (Redis or in-process) holding locks, tokens and event counters
   * @param access who may do what in which room
   * @param settings TTLs and the step rate
   */
  public PresenterTokenVerticle(Coordination store, RoomAccess access, ControlSettings settings) {
    this.rawStore = store;
    this.access = access;
    this.settings = settings;
  }

  @Override
  public Future<?> start() {
    store = new LoopStore(rawStore);
    events = new RoomEvents(vertx.eventBus(), rawStore, context);
    steps = new StepCoalescer(vertx, events, settings.stepRate());
    List<MessageConsumer<?>> consumers = new ArrayList<>();
    serve(consumers, Addresses.LOCKS_ACQUIRE, this::acquireLock);
    serve(consumers, Addresses.LOCKS_RENEW, this::renewLock);
    serve(consumers, Addresses.LOCKS_RELEASE, this::releaseLock);
    serve(consumers, Addresses.PRESENTER_REQUEST, this::requestPresenter);
    serve(consumers, Addresses.PRESENTER_RENEW, this::renewPresenter);
    serve(consumers, Addresses.PRESENTER_RELEASE, this::releasePresenter);
    serve(consumers, Addresses.PRESENTER_STEP, this::step);
    consumers.add(Bus.<Object>consumer(vertx.eventBus(), Addresses.CONTROL_SOCKET_CLOSED, this::socketClosed));
    vertx.setPeriodic(SWEEP_INTERVAL.toMillis(), id -> sweep());
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  // ---- locks ----------------------------------------------------------------------------------

  private Future<JsonObject> acquireLock(Caller caller, JsonObject body) {
    Target target = lockTarget(body);
    Duration ttl = lockTtl(body);
    return LoopStore.back(access.require(caller.authUser(), target.room(), Role.EDITOR))
        .compose(grant -> roomLockAllows(target, caller))
        .compose(v -> take(target, caller, ttl, 3))
        .map(taken -> {
          if (taken.otherHolder() != null) {
            throw new ApiException(FailureCodes.LOCKED,
                target.describe() + " is locked by " + userOf(taken.otherHolder()));
          }
          return lockReply(target, caller, taken.expiresAt());
        });
  }

  private Future<JsonObject> renewLock(Caller caller, JsonObject body) {
    Target target = lockTarget(body);
    Duration ttl = lockTtl(body);
    return LoopStore.back(access.require(caller.authUser(), target.room(), Role.EDITOR))
        .compose(grant -> renew(target, caller, ttl, NOT_HOLDER))
        .map(expiresAt -> lockReply(target, caller, expiresAt));
  }

  private Future<JsonObject> releaseLock(Caller caller, JsonObject body) {
    return release(lockTarget(body), caller.holder(), NOT_HOLDER).map(v -> new JsonObject().put("released", true));
  }

  /** A frame lock is pointless while another user holds the room-wide lock: the write would get 423. */
  private Future<Void> roomLockAllows(Target target, Caller caller) {
    if (Target.ROOM_WIDE.equals(target.frame())) {
      return Future.succeededFuture();
    }
    Target room = Target.lock(target.room(), Target.ROOM_WIDE);
    return store.holder(room.key()).compose(holder -> holder == null || userOf(holder).equals(caller.user())
        ? Future.succeededFuture()
        : Future.failedFuture(new ApiException(FailureCodes.LOCKED, room.describe() + " is locked by " + userOf(holder))));
  }

  private static JsonObject lockReply(Target target, Caller caller, long expiresAt) {
    return new JsonObject().put("room", target.room()).put("frame", target.frame()).put("holder", caller.holder())
        .put("expiresAt", expiresAt);
  }

  // ---- presenter token ------------------------------------------------------------------------

  private Future<JsonObject> requestPresenter(Caller caller, JsonObject body) {
    Target target = Target.presenter(room(body));
    return LoopStore.back(access.require(caller.authUser(), target.room(), Role.VIEWER))
        .compose(grant -> take(target, caller, settings.presenterTtl(), 3))
        .map(taken -> {
          if (taken.otherHolder() == null) {
            return presenterReply(target, caller, taken.expiresAt());
          }
          JsonObject refused = new JsonObject().put("room", target.room()).put("granted", false)
              .put("holder", userOf(taken.otherHolder()));
          Grant known = grants.get(target.key());
          if (known != null && known.holder().equals(taken.otherHolder())
              && known.expiresAt() > System.currentTimeMillis()) {
            refused.put("expiresAt", known.expiresAt());
          }
          return refused;
        });
  }

  private Future<JsonObject> renewPresenter(Caller caller, JsonObject body) {
    Target target = Target.presenter(room(body));
    return LoopStore.back(access.require(caller.authUser(), target.room(), Role.VIEWER))
        .compose(grant -> renew(target, caller, settings.presenterTtl(), NOT_TOKEN_HOLDER))
        .map(expiresAt -> presenterReply(target, caller, expiresAt));
  }

  private Future<JsonObject> releasePresenter(Caller caller, JsonObject body) {
    return release(Target.presenter(room(body)), caller.holder(), NOT_TOKEN_HOLDER)
        .map(v -> new JsonObject().put("released", true));
  }

  private Future<JsonObject> step(Caller caller, JsonObject body) {
    String room = room(body);
    int frame = frameIndex(body);
    return LoopStore.back(access.require(caller.authUser(), room, Role.VIEWER))
        .compose(grant -> presenter(room, caller.holder()))
        .map(current -> {
          if (!caller.holder().equals(current)) {
            throw new ApiException(FailureCodes.FORBIDDEN, current == null
                ? "not the presenter (nobody presents in room " + room + ")"
                : "not the presenter (holder: " + userOf(current) + ")");
          }
          steps.offer(room, frame, current);
          return new JsonObject().put("accepted", true);
        });
  }

  private static JsonObject presenterReply(Target target, Caller caller, long expiresAt) {
    return new JsonObject().put("room", target.room()).put("granted", true).put("holder", caller.holder())
        .put("expiresAt", expiresAt);
  }

  /** The room's presenter as far as a step needs to know: trusted briefly once verified. */
  private Future<String> presenter(String room, String holder) {
    Verified verified = presenters.get(room);
    long now = System.nanoTime();
    if (verified != null && verified.holder().equals(holder) && now - verified.until() < 0) {
      return Future.succeededFuture(holder);
    }
    return store.holder(Target.presenterKey(room)).map(current -> {
      if (current == null) {
        presenters.remove(room);
      } else {
        Grant known = grants.get(Target.presenterKey(room));
        trustPresenter(room, current, known != null && known.holder().equals(current) ? known.expiresAt() : null);
      }
      return current;
    });
  }

  private void trustPresenter(String room, String holder, Long expiresAt) {
    long now = System.nanoTime();
    long until = now + PRESENTER_CACHE.toNanos();
    if (expiresAt != null) {
      long expiresIn = TimeUnit.MILLISECONDS.toNanos(expiresAt - System.currentTimeMillis());
      until = now + Math.min(PRESENTER_CACHE.toNanos(), expiresIn);
    }
    presenters.put(room, new Verified(holder, until));
  }

  // ---- shared steps ---------------------------------------------------------------------------

  /**
   * Takes {@code target} for the caller: a fresh grant (announced), a renew when the caller holds
   * it already, or the other holder's name. A key that changes hands between the calls is tried
   * again, {@code attempts} times in all.
   */
  private Future<Taken> take(Target target, Caller caller, Duration ttl, int attempts) {
    String holder = caller.holder();
    return store.acquire(target.key(), holder, ttl).compose(won -> {
      if (won) {
        return Future.succeededFuture(granted(target, caller, ttl, true));
      }
      return store.holder(target.key()).compose(current -> {
        if (current != null && !current.equals(holder)) {
          return Future.succeededFuture(new Taken(current, 0));
        }
        Future<Boolean> renewed = current == null ? Future.succeededFuture(false) : store.renew(target.key(), holder, ttl);
        return renewed.compose(ok -> {
          if (ok) {
            return Future.succeededFuture(granted(target, caller, ttl, false));
          }
          return attempts > 1 ? take(target, caller, ttl, attempts - 1)
              : Future.failedFuture(new ApiException(FailureCodes.UNAVAILABLE,
                  target.describe() + " changed hands while taking it; try again"));
        });
      });
    });
  }

  private Taken granted(Target target, Caller caller, Duration ttl, boolean fresh) {
    long expiresAt = System.currentTimeMillis() + ttl.toMillis();
    grants.put(new Grant(target, caller.holder(), caller.socket(), expiresAt));
    if (target.isPresenter()) {
      trustPresenter(target.room(), caller.holder(), expiresAt);
    }
    if (fresh) {
      LOG.debug("granted [{}, holder: {}, ttl ms: {}]", target.describe(), caller.holder(), ttl.toMillis());
      announce(target, caller.holder(), expiresAt);
    }
    return new Taken(null, expiresAt);
  }

  private Future<Long> renew(Target target, Caller caller, Duration ttl, String notHolder) {
    return store.renew(target.key(), caller.holder(), ttl).compose(renewed -> {
      if (renewed) {
        return Future.succeededFuture(granted(target, caller, ttl, false).expiresAt());
      }
      lost(target, caller.holder());
      return Future.failedFuture(new ApiException(FailureCodes.CONFLICT, notHolder));
    });
  }

  private Future<Void> release(Target target, String holder, String notHolder) {
    return store.release(target.key(), holder).compose(released -> {
      if (released) {
        released(target, holder);
        return Future.succeededFuture();
      }
      lost(target, holder);
      return Future.failedFuture(new ApiException(FailureCodes.CONFLICT, notHolder));
    });
  }

  /** After a successful release: forget, stop the holder's pending step, tell the room. */
  private void released(Target target, String holder) {
    LOG.debug("released [{}, holder: {}]", target.describe(), holder);
    forget(target, holder);
    announce(target, null, null);
  }

  /**
   * {@code holder} turned out not to hold {@code target} (renew or release refused): if this node
   * had granted it, the room may not know it is free yet.
   */
  private void lost(Target target, String holder) {
    Grant known = grants.get(target.key());
    if (known != null && known.holder().equals(holder)) {
      forget(target, holder);
      announceIfFree(target);
    }
  }

  private void forget(Target target, String holder) {
    grants.remove(target.key(), holder);
    if (target.isPresenter()) {
      Verified verified = presenters.get(target.room());
      if (verified != null && verified.holder().equals(holder)) {
        presenters.remove(target.room());
      }
      steps.cancel(target.room(), holder);
    }
  }

  /** Publishes the target's state as read after the event's number is taken (see the class notes). */
  private void announce(Target target, String knownHolder, Long knownExpiresAt) {
    events.publishState(target.room(), target.eventType(), () -> store.holder(target.key())
        .map(current -> target.state(current,
            current != null && current.equals(knownHolder) ? knownExpiresAt : null)));
  }

  private void announceIfFree(Target target) {
    store.holder(target.key()).onSuccess(current -> {
      if (current == null) {
        announce(target, null, null);
      }
    });
  }

  // ---- disconnects and expiry -----------------------------------------------------------------

  private void socketClosed(Message<Object> message) {
    if (!(message.body() instanceof JsonObject body) || !(body.getValue("socket") instanceof String socket)
        || !(body.getValue("user") instanceof String user)) {
      LOG.warn("socket-closed notice ignored: it names no socket and user [{}]", message.body());
      return;
    }
    String holder = user + "/" + socket;
    List<Target> targets = new ArrayList<>();
    for (Grant grant : grants.ofSocket(socket)) {
      if (grant.holder().equals(holder)) {
        targets.add(grant.target());
      }
    }
    List<Future<Boolean>> releases = new ArrayList<>();
    for (Target target : targets) {
      releases.add(store.release(target.key(), holder).onSuccess(released -> {
        if (released) {
          released(target, holder);
        } else {
          forget(target, holder);
        }
      }));
    }
    Future.join(releases).onComplete(done -> {
      long count = releases.stream().filter(f -> f.succeeded() && f.result()).count();
      if (count > 0) {
        LOG.info("released for a closed socket [holder: {}, released: {}]", holder, count);
      }
      if (done.failed()) {
        LOG.warn("releasing for a closed socket failed in part [holder: {}]; the TTL frees the rest: {}", holder,
            done.cause().toString());
      }
    });
  }

  /** Announces what this node granted and has since expired or been lost (see the class notes). */
  private void sweep() {
    long now = System.nanoTime();
    presenters.values().removeIf(verified -> now - verified.until() >= 0);
    if (sweeping || grants.size() == 0) {
      return;
    }
    sweeping = true;
    List<Future<String>> checks = new ArrayList<>();
    for (Grant grant : grants.all()) {
      checks.add(store.holder(grant.key()).onSuccess(current -> {
        if (!grant.holder().equals(current) && grants.removeExact(grant)) {
          forget(grant.target(), grant.holder());
          if (current == null) {
            LOG.debug("expired [{}, holder: {}]", grant.target().describe(), grant.holder());
            announce(grant.target(), null, null);
          }
        }
      }));
    }
    Future.join(checks).timeout(SWEEP_INTERVAL.toMillis() * 5, TimeUnit.MILLISECONDS).onComplete(done -> {
      sweeping = false;
      if (done.failed()) {
        LOG.warn("lock sweep incomplete [grants: {}]: {}", grants.size(), done.cause().toString());
      }
    });
  }

  // ---- messages -------------------------------------------------------------------------------

  /**
   * Serves {@code address} cluster-wide (JVM services on the bus) and its node-local twin (the
   * control bridge's sockets; see {@link Addresses#nodeLocal}).
   */
  private void serve(List<MessageConsumer<?>> consumers, String address,
      BiFunction<Caller, JsonObject, Future<JsonObject>> handler) {
    Handler<Message<Object>> serving = serving(address, handler);
    consumers.add(Bus.consumer(vertx.eventBus(), address, serving));
    consumers.add(Bus.localConsumer(vertx.eventBus(), Addresses.nodeLocal(address), serving));
  }

  private Handler<Message<Object>> serving(String address,
      BiFunction<Caller, JsonObject, Future<JsonObject>> handler) {
    return message -> {
      Future<JsonObject> reply;
      try {
        reply = handler.apply(Caller.of(message.headers()), payload(message));
      } catch (ApiException e) {
        reply = Future.failedFuture(e);
      } catch (RuntimeException e) {
        LOG.error("request failed [address: {}]", address, e);
        message.fail(FailureCodes.INTERNAL, "internal error");
        return;
      }
      reply.onComplete(done -> {
        if (done.succeeded()) {
          message.reply(done.result());
        } else {
          fail(message, address, done.cause());
        }
      });
    };
  }

  private static void fail(Message<?> message, String address, Throwable failure) {
    if (failure instanceof ApiException api) {
      message.fail(api.status(), api.getMessage());
      return;
    }
    LOG.warn("request failed [address: {}]: {}", address, failure.toString());
    message.fail(FailureCodes.UNAVAILABLE, "the lock service's stores did not answer; try again");
  }

  private static JsonObject payload(Message<Object> message) {
    if (message.body() instanceof JsonObject body) {
      return body;
    }
    throw new ApiException(FailureCodes.BAD_REQUEST, "the payload must be a JSON object");
  }

  private static String room(JsonObject body) {
    return id(body, "room");
  }

  private static String id(JsonObject body, String field) {
    Object value = body.getValue(field);
    if (!(value instanceof String text) || !ID.matcher(text).matches()) {
      throw new ApiException(FailureCodes.BAD_REQUEST, field + " must be an id (letters, digits, '.', '_', '-')");
    }
    return text;
  }

  private static Target lockTarget(JsonObject body) {
    String room = room(body);
    if (Target.ROOM_WIDE.equals(body.getValue("frame"))) {
      return Target.lock(room, Target.ROOM_WIDE);
    }
    return Target.lock(room, id(body, "frame"));
  }

  private Duration lockTtl(JsonObject body) {
    Object value = body.getValue("ttlMs");
    if (value == null) {
      return settings.lockTtl();
    }
    long max = Math.max(MAX_LOCK_TTL.toMillis(), settings.lockTtl().toMillis());
    if (!(value instanceof Integer || value instanceof Long)
        || ((Number) value).longValue() < MIN_LOCK_TTL.toMillis() || ((Number) value).longValue() > max) {
      throw new ApiException(FailureCodes.BAD_REQUEST,
          "ttlMs must be a whole number of milliseconds from " + MIN_LOCK_TTL.toMillis() + " to " + max);
    }
    return Duration.ofMillis(((Number) value).longValue());
  }

  private static int frameIndex(JsonObject body) {
    Object value = body.getValue("frame");
    if (!(value instanceof Integer || value instanceof Long) || ((Number) value).longValue() < 0
        || ((Number) value).longValue() > Integer.MAX_VALUE) {
      throw new ApiException(FailureCodes.BAD_REQUEST, "frame must be a frame index (a whole number, 0 or more)");
    }
    return ((Number) value).intValue();
  }

  /** The user part of a holder ({@code <user>/<socket>}). */
  static String userOf(String holder) {
    int slash = holder.indexOf('/');
    return slash < 0 ? holder : holder.substring(0, slash);
  }

  /**
   * Who sent a message, from the bridge's headers only.
   *
   * @param user the user id
   * @param socket the socket id
   */
  record Caller(String user, String socket) {

    static Caller of(MultiMap headers) {
      String user = headers.get(Addresses.HEADER_USER);
      String socket = headers.get(Addresses.HEADER_SOCKET);
      if (user == null || user.isBlank() || socket == null || socket.isBlank()) {
        throw new ApiException(FailureCodes.UNAUTHORIZED,
            "no identity: the message lacks the " + Addresses.HEADER_USER + " and " + Addresses.HEADER_SOCKET + " headers");
      }
      if (user.contains("/")) {
        throw new ApiException(FailureCodes.UNAUTHORIZED, "malformed identity: a user id cannot contain '/'");
      }
      return new Caller(user, socket);
    }

    String holder() {
      return user + "/" + socket;
    }

    /** The principal for room access; the implicit local user owns everything in local mode. */
    AuthUser authUser() {
      return user.equals(AuthUser.LOCAL.id()) ? AuthUser.LOCAL : new AuthUser(user, null, false, false);
    }
  }

  /** The outcome of {@link #take}: the other holder's name, or the caller's new expiry. */
  private record Taken(String otherHolder, long expiresAt) {
  }

  /** A presenter verified against the store, trusted until {@code until} ({@link System#nanoTime()}). */
  private record Verified(String holder, long until) {
  }
}
