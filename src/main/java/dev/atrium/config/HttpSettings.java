package dev.atrium.config;

import java.time.Duration;
import java.util.List;

/**
 * What the HTTP server needs.
 *
 * @param host bind address
 * @param port port
 * @param instances server verticle instances (already resolved: never 0)
 * @param bodyLimit largest request body in bytes
 * @param compression whether responses may be compressed
 * @param allowedOrigins cross-origin callers allowed
 * @param trustedProxies proxies (IP or CIDR) whose forwarded headers are believed
 * @param shutdownGrace how long in-flight requests may finish on shutdown
 */
public record HttpSettings(String host, int port, int instances, long bodyLimit, boolean compression,
    List<String> allowedOrigins, List<String> trustedProxies, Duration shutdownGrace) {
}
