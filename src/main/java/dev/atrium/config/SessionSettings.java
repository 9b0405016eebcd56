package dev.atrium.config;

import java.time.Duration;

/**
 * Connection limits for browser sessions and their control-channel sockets.
 *
 * @param maxSocketsPerSession sockets one session may hold (0 = unlimited)
 * @param enforceConnectionLimits whether limits are enforced at all
 * @param heartbeatTimeout a socket silent (no ping) for this long is closed and leaves its rooms
 * @param outboundLimit bytes of events one socket may have unsent before steps are coalesced and
 *     other events dropped
 * @param outboundStall how long a socket's outbound buffer may stay full before it is closed
 */
public record SessionSettings(int maxSocketsPerSession, boolean enforceConnectionLimits, Duration heartbeatTimeout,
    long outboundLimit, Duration outboundStall) {

  /** Default heartbeat timeout: vertx-eventbus.js pings every 5 s. */
  public static final Duration DEFAULT_HEARTBEAT_TIMEOUT = Duration.ofSeconds(10);
  /** Default outbound bound per socket. */
  public static final long DEFAULT_OUTBOUND_LIMIT = 1L << 20;
  /** Default time a socket's outbound buffer may stay full. */
  public static final Duration DEFAULT_OUTBOUND_STALL = Duration.ofSeconds(10);

  /** Limits with the control channel's defaults. */
  public SessionSettings(int maxSocketsPerSession, boolean enforceConnectionLimits) {
    this(maxSocketsPerSession, enforceConnectionLimits, DEFAULT_HEARTBEAT_TIMEOUT, DEFAULT_OUTBOUND_LIMIT,
        DEFAULT_OUTBOUND_STALL);
  }
}
