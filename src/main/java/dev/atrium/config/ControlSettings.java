package dev.atrium.config;

import java.time.Duration;

/**
 * The control channel's lock and presenter-token service.
 *
 * @param lockTtl default life of an edit lock when the client names none (clients renew every 3–5 s)
 * @param presenterTtl life of the presenter token after its grant or last renew
 * @param stepRate most presenter steps broadcast per second per room (the latest frame wins)
 */
public record ControlSettings(Duration lockTtl, Duration presenterTtl, int stepRate) {

  /** Refuses values the service cannot work with. */
  public ControlSettings {
    if (lockTtl == null || lockTtl.isNegative() || lockTtl.isZero()) {
      throw new IllegalArgumentException("lockTtl must be longer than zero");
    }
    if (presenterTtl == null || presenterTtl.isNegative() || presenterTtl.isZero()) {
      throw new IllegalArgumentException("presenterTtl must be longer than zero");
    }
    if (stepRate < 1) {
      throw new IllegalArgumentException("stepRate must be at least 1");
    }
  }
}
