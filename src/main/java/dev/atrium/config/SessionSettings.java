package dev.atrium.config;

/**
 * Connection limits for browser sessions.
 *
 * @param maxSocketsPerSession sockets one session may hold (0 = unlimited)
 * @param enforceConnectionLimits whether limits are enforced at all
 */
public record SessionSettings(int maxSocketsPerSession, boolean enforceConnectionLimits) {
}
