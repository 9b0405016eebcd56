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

  /** Prefix of {@link #nodePing(String)}. */
  public static final String NODE_PREFIX = "atrium.node.";

  /** How long a node request may take: a node answers from memory, so 2 s means it is gone. */
  public static final Duration NODE_TIMEOUT = Duration.ofSeconds(2);

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
