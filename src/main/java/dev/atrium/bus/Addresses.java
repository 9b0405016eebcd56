package dev.atrium.bus;

import java.time.Duration;

/**
 * The event-bus address catalogue: every address Atrium sends to, publishes on or consumes, with
 * its contract. Other JVM services that join the cluster use these names and messages.
 *
 * <p>Failure codes are {@link FailureCodes}; a caller maps a timeout or "no handlers" to 503.
 */
public final class Addresses {

  /**
   * <b>Request</b>, served by every node's {@code NodeVerticle}; any one of them answers.
   * <ul>
   *   <li>Payload: any JSON object (ignored).</li>
   *   <li>Reply: {@code {node, mode, version, clustered, uptimeMs}} of the answering node.</li>
   *   <li>Failures: none of its own; 503 when no node is up.</li>
   * </ul>
   * Timeout: {@link #NODE_TIMEOUT}.
   */
  public static final String NODE_PING = "atrium.node.ping";

  /**
   * <b>Request</b>, served only by the node itself on the same JVM ({@code localConsumer}):
   * describes this node and the cluster it sees.
   * <ul>
   *   <li>Payload: empty object.</li>
   *   <li>Reply: {@code {node, mode, version, clustered, uptimeMs, members: [nodeId…]}}.</li>
   * </ul>
   * Timeout: {@link #NODE_TIMEOUT}.
   */
  public static final String NODE_DESCRIBE = "atrium.node.describe";

  /**
   * <b>Publish</b> to every node after an account change that revokes tokens (logout, disable,
   * password or admin-flag change): each node drops its cached copy at once.
   * <ul>
   *   <li>Payload: {@code {user}} — the user id.</li>
   *   <li>No reply.</li>
   * </ul>
   */
  public static final String ACCOUNTS_CHANGED = "atrium.accounts.changed";

  /**
   * <b>Publish</b> to every node after a room's membership, roles, visibility or existence
   * changed: each node drops its cached access decisions for that room.
   * <ul>
   *   <li>Payload: {@code {room}} — the room id.</li>
   *   <li>No reply.</li>
   * </ul>
   */
  public static final String ROOM_ACCESS_CHANGED = "atrium.rooms.access.changed";

  /**
   * <b>Publish</b> after every accepted change to a room's frames, from the node that made it, to
   * every node (the control channel turns it into {@code frames_changed} on {@code room.<id>}).
   * Metadata only — clients fetch the bytes over HTTP.
   * <ul>
   *   <li>Payload: {@code {room, action: put|insert|delete|move|undo, frames: [{index, id, version, hash}]}};
   *       for {@code delete} the entries carry the removed ids and positions only; for {@code move}
   *       {@code from} and {@code to} as well.</li>
   *   <li>No reply.</li>
   * </ul>
   */
  public static final String FRAMES_CHANGED = "atrium.frames.changed";

  // ---- control channel: browsers reach these through the SockJS bridge --------------------------
  // Every message from a browser carries the sender's identity in headers set by the bridge from
  // the socket ({@link #HEADER_USER}, {@link #HEADER_SOCKET}, {@link #HEADER_SESSION}); payload
  // fields never say who is asking. Other JVM services on the cluster set the same headers.

  /** Header: the sending user's id (set by the bridge). */
  public static final String HEADER_USER = "atrium-user";
  /** Header: the sending socket's id (set by the bridge); a lock or token holder is {@code user/socket}. */
  public static final String HEADER_SOCKET = "atrium-socket";
  /** Header: the sending browser session's id (set by the bridge). */
  public static final String HEADER_SESSION = "atrium-session";

  /**
   * <b>Request</b>: join a room's live channel (the bridge also requires the user may view it).
   * <ul>
   *   <li>Payload: {@code {room}}.</li>
   *   <li>Reply: {@code {room, seq, presence: [{user, socket}], presenter: {holder, expiresAt} | null,
   *       locks: [{frame, holder, expiresAt}]}}.</li>
   *   <li>Failures: 404 room not visible, 400 malformed.</li>
   * </ul>
   * Timeout: {@link #CONTROL_TIMEOUT}.
   */
  public static final String CONTROL_JOIN = "atrium.control.join";

  /** <b>Request</b>: leave a room. Payload {@code {room}}; reply {@code {}}. Timeout {@link #CONTROL_TIMEOUT}. */
  public static final String CONTROL_LEAVE = "atrium.control.leave";

  /**
   * <b>Request</b>: take a frame's edit lock ({@code frame: "*"} for the room-wide lock), held by
   * {@code user/socket} for {@code ttlMs} (default 10 s; renew every 3–5 s).
   * <ul>
   *   <li>Payload: {@code {room, frame, ttlMs?}}.</li>
   *   <li>Reply: {@code {room, frame, holder, expiresAt}}.</li>
   *   <li>Failures: 423 held by someone else, 403 role below editor, 404 room not visible.</li>
   * </ul>
   * Publishes {@code lock {frame, holder}} on {@code room.<id>}. Timeout {@link #CONTROL_TIMEOUT}.
   */
  public static final String LOCKS_ACQUIRE = "atrium.locks.acquire";

  /** <b>Request</b>: extend a held lock. Payload/reply as {@link #LOCKS_ACQUIRE}; 409 when not the holder (lost or never held). */
  public static final String LOCKS_RENEW = "atrium.locks.renew";

  /** <b>Request</b>: release a held lock. Payload {@code {room, frame}}; reply {@code {released: true}}; 409 when not the holder. */
  public static final String LOCKS_RELEASE = "atrium.locks.release";

  /**
   * <b>Request</b>: become the room's presenter (granted to the first asker; 5 s, renew to keep).
   * <ul>
   *   <li>Payload: {@code {room}}.</li>
   *   <li>Reply: {@code {room, granted, holder, expiresAt}} ({@code granted: false} names the current holder).</li>
   * </ul>
   * Publishes {@code presenter {holder}} when granted. Timeout {@link #CONTROL_TIMEOUT}.
   */
  public static final String PRESENTER_REQUEST = "atrium.presenter.request";

  /** <b>Request</b>: keep the presenter token. Payload {@code {room}}; reply as {@link #PRESENTER_REQUEST}; 409 when not the holder. */
  public static final String PRESENTER_RENEW = "atrium.presenter.renew";

  /** <b>Request</b>: give the presenter token up. Payload {@code {room}}; reply {@code {released}}; 409 when not the holder. */
  public static final String PRESENTER_RELEASE = "atrium.presenter.release";

  /**
   * <b>Request</b>: the presenter shows frame {@code frame}. Payload {@code {room, frame}}; reply
   * {@code {accepted: true}}; 403 "not the presenter" otherwise. Steps are broadcast on
   * {@code room.<id>} as {@code step {frame}}, coalesced to at most the configured rate (latest wins).
   */
  public static final String PRESENTER_STEP = "atrium.presenter.step";

  /**
   * <b>Publish</b>, internal (never bridged): a socket closed (or was dropped for silence,
   * backpressure, replacement or revocation) on some node. Payload {@code {socket, user, session,
   * rooms: [room…], reason}}; the lock and token service releases everything it held at once.
   */
  public static final String CONTROL_SOCKET_CLOSED = "atrium.control.socket.closed";

  /**
   * <b>Publish</b>, internal (never bridged): close one socket on whichever node hosts it.
   * Payload {@code {socket, reason: "replaced", by}}; the hosting node sends
   * {@code connection-replaced} to the socket first.
   */
  public static final String CONTROL_CLOSE = "atrium.control.close";

  /**
   * <b>Publish</b>, internal (never bridged): a dataset left the Data Cache (the shared catalogue
   * in the store of record), or lost one of its owners. On a removal every node's dataset store
   * drops its parsed copy and what it knew of the dataset, so {@code exists} turns false
   * everywhere, and the forecast pipeline discards its work.
   * <ul>
   *   <li>Payload: {@code {hash, change: "removed", reason: deleted|removed|evicted|expired}}:
   *       {@code deleted} by its last owner or an admin, {@code removed} by the pipeline (quick
   *       draw), {@code evicted} past the count or byte bound, {@code expired} unused past the TTL.</li>
   *   <li>Or {@code {hash, change: "owner-left", user}}: one owner gave the dataset up and others
   *       keep it; every node forgets who owns it, so that user's next draw is refused.</li>
   *   <li>No reply. Published once, by the node whose removal took effect.</li>
   * </ul>
   */
  public static final String DATASETS_CHANGED = "atrium.datasets.changed";

  /** Prefix of the browser-facing room addresses: {@code room.<id>}. */
  public static final String ROOM_PREFIX = "room.";

  /**
   * Prefix of one socket's own address, {@code atrium.client.<socket>} (browsers may register the
   * alias {@code atrium.client.self}): {@code welcome}, {@code session-restored},
   * {@code connection-replaced}, {@code disconnected}, {@code room-left}.
   */
  public static final String CLIENT_PREFIX = "atrium.client.";

  /** How long a control request may take: one or two coordination-store round trips. */
  public static final Duration CONTROL_TIMEOUT = Duration.ofSeconds(3);

  /** Suffix of a service address's node-local twin ({@link #nodeLocal}). */
  public static final String NODE_LOCAL_SUFFIX = ".local";

  /**
   * The node-local twin of a lock or presenter request address: every node's service also
   * consumes it locally only, so a request sent to it is served on the sender's node. The control
   * bridge forwards a socket's requests there, which keeps one socket's requests (a presenter's
   * steps) in order and in one place; JVM services on the cluster bus use the plain address.
   */
  public static String nodeLocal(String address) {
    return address + NODE_LOCAL_SUFFIX;
  }

  /** The browser-facing address of a room. */
  public static String room(String roomId) {
    return ROOM_PREFIX + roomId;
  }

  /** Prefix of {@link #nodePing(String)}. */
  public static final String NODE_PREFIX = "atrium.node.";

  /** How long a node request may take: a node answers from memory, so 2 s means it is gone. */
  public static final Duration NODE_TIMEOUT = Duration.ofSeconds(2);

  // ---- forecast pipeline (Step 5) ------------------------------------------------------------------

  /**
   * <b>Request</b>, served by every node's {@code ForecastSchedulerVerticle} (any one answers): a
   * user's draw, priority 0, most recent first.
   * <ul>
   *   <li>Payload: {@code {dataset, index}}.</li>
   *   <li>Reply: the plot {@code {dataset, index, history, forecast, density, model, computedAt}}
   *       (README "Forecasts"), from the Result Cache when there, else once computed. Identical
   *       draws waiting at one scheduler share one computation.</li>
   *   <li>Failures: 404 unknown dataset (or gone before the task ran); 400 index out of range or
   *       with too little history; 503 user queue full ("queue full"); 503 not started within
   *       the deadline ({@code forecast.deadline}, "deadline"); 503 node shutting down.</li>
   * </ul>
   * Timeout: the deadline plus {@link #FORECAST_SERVICE_ALLOWANCE}, so a draw is answered by the
   * scheduler (dropped or computed) before the caller gives up.
   */
  public static final String FORECAST_USER = "atrium.forecast.user";

  /**
   * <b>Request</b>, served by every node's {@code ForecastSchedulerVerticle}: queue background
   * (precompute) tasks for indexes {@code from} (inclusive) to {@code to} (exclusive), priority 1,
   * oldest first, run only when no user draw waits.
   * <ul>
   *   <li>Payload: {@code {dataset, from, to}}.</li>
   *   <li>Reply: {@code {accepted}}, how many of the indexes were queued, lowest first (the
   *       producer sends the rest later).</li>
   *   <li>Failures: 404 unknown dataset; 400 bad range; 503 background queue full now (the
   *       producer pauses and retries).</li>
   * </ul>
   * Timeout: {@link #FORECAST_BACKGROUND_TIMEOUT}.
   */
  public static final String FORECAST_BACKGROUND = "atrium.forecast.background";

  /**
   * <b>Publish</b> to every node after a plot was computed: each node puts it in its Result Cache,
   * and the node processing that dataset counts it as done.
   * <ul>
   *   <li>Payload: {@code {dataset, index, result}}, {@code result} as the reply of
   *       {@link #FORECAST_USER}.</li>
   *   <li>No reply.</li>
   * </ul>
   */
  public static final String FORECAST_READY = "atrium.forecast.ready";

  /**
   * <b>Request</b>, served only by the node itself ({@code localConsumer}): this node's forecast
   * figures, as {@code GET /api/forecast/status} shows them (README "Forecasts").
   * <ul>
   *   <li>Payload: empty object.</li>
   *   <li>Reply: {@code {node, scheduling, model, workers, user: {...}, background: {...}, ...}}.</li>
   * </ul>
   * Timeout: {@link #FORECAST_STATUS_TIMEOUT}.
   */
  public static final String FORECAST_STATUS = "atrium.forecast.status";

  /** How long past the deadline a draw may wait for its computation to finish. */
  public static final Duration FORECAST_SERVICE_ALLOWANCE = Duration.ofSeconds(15);
  /** How long a background request may take: the scheduler answers from memory after one dataset lookup. */
  public static final Duration FORECAST_BACKGROUND_TIMEOUT = Duration.ofSeconds(10);
  /** How long a status request may take: answered from memory. */
  public static final Duration FORECAST_STATUS_TIMEOUT = Duration.ofSeconds(2);

  private Addresses() {
  }

  /**
   * <b>Request</b> to one specific node, served only by the node with that id: reaches exactly
   * that member, so a caller can tell whether it is alive. Payload, reply and timeout as
   * {@link #NODE_PING}; 503 when the node is gone (timeout, or no handlers once the cluster has
   * purged its registrations).
   */
  public static String nodePing(String nodeId) {
    return NODE_PREFIX + nodeId + ".ping";
  }
}
