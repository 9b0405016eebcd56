package dev.atrium.web;

/**
 * A failure with an HTTP status and a message the client may read. Handlers fail their
 * {@code RoutingContext} with it; {@link ErrorResponses} renders it.
 */
public class ApiException extends RuntimeException {

  private final int status;

  /**
   * @param status HTTP status (4xx or 5xx)
   * @param message what was wrong and where, safe to show to the client
   */
  public ApiException(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  /** The HTTP status. */
  public int status() {
    return status;
  }
}
