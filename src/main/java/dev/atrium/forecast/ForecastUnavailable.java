package dev.atrium.forecast;

import dev.atrium.bus.FailureCodes;
import dev.atrium.web.ApiException;
import dev.atrium.web.RetryAfter;

/**
 * A draw the pipeline cannot serve now — the user queue is full, the draw passed its deadline,
 * the node is shutting down: 503 with {@code Retry-After}.
 */
public final class ForecastUnavailable extends ApiException implements RetryAfter {

  private static final long serialVersionUID = 1L;
  /** Seconds a client should wait before drawing again. */
  public static final long RETRY_AFTER_SECONDS = 1;

  /** @param message what was full or late, for the client */
  public ForecastUnavailable(String message) {
    super(FailureCodes.UNAVAILABLE, message);
  }

  @Override
  public long retryAfterSeconds() {
    return RETRY_AFTER_SECONDS;
  }
}
