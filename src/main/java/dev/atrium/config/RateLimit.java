package dev.atrium.config;

import java.time.Duration;

/**
 * At most {@code count} requests per {@code window}; a count of 0 means no limit.
 *
 * @param count requests allowed in one window
 * @param window the window
 */
public record RateLimit(int count, Duration window) {

  /** Whether the limit is on. */
  public boolean enabled() {
    return count > 0;
  }

  @Override
  public String toString() {
    return count + "/" + window.toMillis() + "ms";
  }
}
