package dev.atrium.control;

import dev.atrium.bus.OnContext;
import dev.atrium.accounts.AuthUser;
import dev.atrium.bus.Addresses;
import io.vertx.core.Context;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

/**
 * One browser connection to the control channel: who it is (taken from the upgrade request, never
 * from a message), which rooms it has joined, and its bounded outbound buffer.
 *
 * <h2>Outbound buffer</h2>
 * Every message to the browser goes through {@link #deliver}: the bytes written and not yet
 * handed to the network (WebSocket) or to a poll response (XHR) are counted, and at most
 * {@code limit} of them may be outstanding. Past the limit, a {@code step} event is kept as the
 * latest of its room (older ones are dropped: latest wins) and sent as soon as the buffer drains;
 * other events are dropped and counted — the client sees the gap in the room's {@code seq} and
 * refetches. Replies to the client's own requests and the channel's own messages (welcome,
 * session-restored, connection-replaced, disconnected) are never dropped. A client that reads,
 * however slowly, keeps its socket (it gets the latest steps); a socket whose buffer stays full with
 * nothing sent for the stall time, or that loses more than {@link #MAX_DROPPED} other events, is
 * closed with a reason. So the memory one slow client can hold is about {@code limit} plus one step per
 * joined room, whatever is published.
 *
 * <p>Thread safety: bridge events of one socket arrive on its transport's event loop, but the
 * bus consumers the bridge registers for it may run on other loops, and the channel's timers run
 * on the verticle's; the outbound state is therefore guarded by this object's monitor, and the
 * rest is concurrent or volatile.
 */
final class ControlSocket {

  /** More dropped (non-step) events than this closes the socket. */
  static final int MAX_DROPPED = 256;
  /** How long a reply address given by the client, or by a server message, stays claimable. */
  private static final long REPLY_WINDOW_NANOS = 60_000_000_000L;
  /** vertx-eventbus.js reply addresses: random UUIDs. */
  private static final Pattern UUID = Pattern.compile(
      "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  final String id;
  final SockJSSocket socket;
  final Context context;
  final AuthUser user;
  final String session;
  final String transport;
  /** The socket's own bus address: {@code atrium.client.<socket>}. */
  private final String ownAddress;
  /** Rooms joined through {@code atrium.control.join} and not left since, with when they were joined. */
  final Map<String, Long> joined = new ConcurrentHashMap<>();
  /** The joined rooms (a view: removing leaves). */
  final Set<String> rooms = joined.keySet();

  private final long limit;
  private final long stallNanos;
  private final Outbound stats;
  private final AtomicBoolean closing = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicBoolean clientRegistered = new AtomicBoolean();
  /** The socket's place in its session (oldest first), from the store; set once it is counted. */
  volatile long sessionOrder;
  private volatile long lastSeen = System.nanoTime();
  private volatile String clientAddress = ControlChannelVerticle.CLIENT_SELF;
  private volatile String closeReason;

  // guarded by this
  private final Map<String, Long> clientReplies = new LinkedHashMap<>();
  private final Map<String, Long> serverReplies = new LinkedHashMap<>();
  private final LinkedHashMap<String, JsonObject> latestSteps = new LinkedHashMap<>();
  private long pendingBytes;
  private long stalledSince;
  private boolean flushing;
  private int dropped;

  ControlSocket(String id, SockJSSocket socket, Context context, AuthUser user, String session, String transport,
      long limit, long stallNanos, Outbound stats) {
    this.id = id;
    this.socket = socket;
    this.context = context;
    this.user = user;
    this.session = session;
    this.transport = transport;
    this.limit = limit;
    this.stallNanos = stallNanos;
    this.stats = stats;
    this.ownAddress = Addresses.CLIENT_PREFIX + id;
  }

  /** Marks a room joined; false when it already was. */
  boolean join(String room) {
    return joined.putIfAbsent(room, System.currentTimeMillis()) == null;
  }

  /** When the socket joined a room (now when it has not). */
  long joinedAt(String room) {
    return joined.getOrDefault(room, System.currentTimeMillis());
  }

  /** The socket's own bus address: {@code atrium.client.<socket>}. */
  String ownAddress() {
    return ownAddress;
  }

  /** The address under which the browser registered its own channel (the alias or the real one). */
  String clientAddress() {
    return clientAddress;
  }

  void clientAddress(String address) {
    clientAddress = address;
  }

  /** Counts a ping or any message from the browser as a sign of life. */
  void touch() {
    lastSeen = System.nanoTime();
  }

  long lastSeen() {
    return lastSeen;
  }

  boolean isClosed() {
    return closed.get();
  }

  /** Why the socket is closing, once known: timeout, slow, replaced, closed (by the client), ... */
  String closeReason() {
    String reason = closeReason;
    return reason == null ? "closed" : reason;
  }

  /** Marks the socket closed; true only the first time. */
  boolean markClosed() {
    return closed.compareAndSet(false, true);
  }

  // ---- reply addresses ------------------------------------------------------------------------

  /**
   * Claims a reply address the client put on a request: it must look like one vertx-eventbus.js
   * generates (a random UUID) and not be in flight already, so it names nothing but this request.
   */
  synchronized boolean claimClientReply(String address) {
    long now = System.nanoTime();
    expire(clientReplies, now);
    if (!UUID.matcher(address).matches() || clientReplies.containsKey(address)) {
      return false;
    }
    clientReplies.put(address, now + REPLY_WINDOW_NANOS);
    return true;
  }

  /** True (once) when {@code address} is a reply address a server message delivered to this socket carried. */
  synchronized boolean takeServerReply(String address) {
    expire(serverReplies, System.nanoTime());
    return serverReplies.remove(address) != null;
  }

  private static void expire(Map<String, Long> deadlines, long now) {
    Iterator<Long> it = deadlines.values().iterator();
    while (it.hasNext()) {
      if (now - it.next() > 0) {
        it.remove();
      } else {
        break; // insertion order is deadline order
      }
    }
  }

  // ---- outbound -------------------------------------------------------------------------------

  /**
   * Delivers a bridge envelope ({@code {type: rec|err, address, body, ...}}) to the browser, within
   * the outbound bound. Room events of rooms the socket has not joined (or has left) are dropped
   * here, whatever the browser registered.
   */
  void deliver(JsonObject envelope) {
    String address = envelope.getString("address");
    synchronized (this) {
      if (closing.get()) {
        return;
      }
      boolean important = false;
      String stepRoom = null;
      if (address != null && address.startsWith(Addresses.ROOM_PREFIX)) {
        String room = address.substring(Addresses.ROOM_PREFIX.length());
        if (!rooms.contains(room)) {
          return;
        }
        if (envelope.getValue("body") instanceof JsonObject body && "step".equals(body.getString("type"))) {
          stepRoom = room;
        }
      } else if (address != null && clientReplies.remove(address) != null) {
        important = true;
      } else if (ownAddress().equals(address)) {
        envelope.put("address", clientAddress);
        important = true;
      }
      String replyAddress = envelope.getString("replyAddress");
      if (replyAddress != null) {
        long now = System.nanoTime();
        expire(serverReplies, now);
        serverReplies.put(replyAddress, now + REPLY_WINDOW_NANOS);
      }
      if (!latestSteps.isEmpty() && pendingBytes <= limit / 2) {
        flush();
      }
      String text = envelope.encode();
      if (important || (latestSteps.isEmpty() && fits(text.length()))) {
        write(text);
        return;
      }
      markStalled();
      if (stepRoom != null) {
        if (latestSteps.put(stepRoom, envelope) != null) {
          stats.coalesced();
        }
        return;
      }
      dropped++;
      stats.dropped();
      if (dropped <= MAX_DROPPED) {
        return;
      }
    }
    close("slow", "too slow: more than " + MAX_DROPPED + " events dropped while the outbound buffer was full");
  }

  /** Writes one of the channel's own messages on the browser's client address; never dropped. */
  void tell(JsonObject body) {
    JsonObject envelope = new JsonObject().put("type", "rec").put("address", clientAddress).put("body", body);
    synchronized (this) {
      if (!closed.get()) {
        write(envelope.encode());
      }
    }
  }

  /** Writes an error reply to one of the client's requests (as the bridge words them). */
  void failReply(String replyAddress, int code, String message) {
    JsonObject envelope = new JsonObject().put("type", "err").put("address", replyAddress)
        .put("failureCode", code).put("failureType", "RECIPIENT_FAILURE").put("message", message);
    synchronized (this) {
      clientReplies.remove(replyAddress);
      if (!closed.get()) {
        write(envelope.encode());
      }
    }
  }

  private boolean fits(long size) {
    return pendingBytes == 0 || pendingBytes + size <= limit;
  }

  private void markStalled() {
    if (stalledSince == 0) {
      stalledSince = System.nanoTime() | 1;
    }
  }

  // guarded by this
  private void write(String text) {
    long size = text.length();
    pendingBytes += size;
    stats.pending(size, pendingBytes);
    socket.write(text).onComplete(done -> written(size));
  }

  private void written(long size) {
    synchronized (this) {
      pendingBytes -= size;
      stats.pending(-size, pendingBytes);
      if (stalledSince != 0) {
        stalledSince = System.nanoTime() | 1; // the client reads, slowly: that is progress, not a stall
      }
      if (pendingBytes <= limit / 2) {
        flush();
      }
    }
  }

  // guarded by this; a write that fails at once (closed socket) re-enters through written()
  private void flush() {
    if (flushing) {
      return;
    }
    flushing = true;
    try {
      flushSteps();
    } finally {
      flushing = false;
    }
  }

  private void flushSteps() {
    Iterator<JsonObject> steps = latestSteps.values().iterator();
    while (steps.hasNext() && !closing.get()) {
      JsonObject envelope = steps.next();
      envelope.put("body", envelope.getJsonObject("body").copy().put("coalesced", true));
      String text = envelope.encode();
      if (!fits(text.length())) {
        return;
      }
      steps.remove();
      write(text);
    }
    if (latestSteps.isEmpty() && pendingBytes <= limit) {
      stalledSince = 0;
    }
  }

  /** Closes the socket when its buffer has been full, with nothing sent, for longer than the stall time. */
  void checkStall(long now) {
    boolean stalled;
    synchronized (this) {
      stalled = stalledSince != 0 && now - stalledSince > stallNanos && (pendingBytes > 0 || !latestSteps.isEmpty());
    }
    if (stalled) {
      close("slow", "too slow: the outbound buffer stayed full for " + (stallNanos / 1_000_000) + " ms");
    }
  }

  /** Bytes written and not yet sent. */
  synchronized long pendingBytes() {
    return pendingBytes;
  }

  // ---- client channel -------------------------------------------------------------------------

  /** True the first time the browser listens on its client address (the moment to restore a session). */
  boolean firstClientRegistration() {
    return clientRegistered.compareAndSet(false, true);
  }

  // ---- closing --------------------------------------------------------------------------------

  /**
   * Closes the socket for {@code reason}: the browser is told why (a {@code disconnected} message,
   * or {@code connection-replaced}), then the SockJS session is closed; the bridge's close event
   * does the rest (presence, session, {@code atrium.control.socket.closed}).
   */
  void close(String reason, String message) {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    closeReason = reason;
    JsonObject notice = "replaced".equals(reason)
        ? new JsonObject().put("type", "connection-replaced").put("reason", message)
        : new JsonObject().put("type", "disconnected").put("reason", reason).put("message", message);
    tell(notice);
    stats.disconnected(reason);
    OnContext.run(context, socket::close);
  }

  /** Records why the bridge is about to close the socket (it closes it itself). */
  void closingFor(String reason) {
    if (closing.compareAndSet(false, true)) {
      closeReason = reason;
      stats.disconnected(reason);
    }
  }

  /** What the outbound buffers report to the node's metrics. */
  interface Outbound {
    void pending(long delta, long socketTotal);

    void coalesced();

    void dropped();

    void disconnected(String reason);
  }
}
