package dev.atrium.config;

/**
 * Rate limits per route class, counted per client IP and per user across all nodes.
 *
 * @param login sign-in attempts
 * @param register registrations
 * @param writes state-changing API requests
 * @param uploads file uploads
 */
public record LimitSettings(RateLimit login, RateLimit register, RateLimit writes, RateLimit uploads) {
}
