package dev.atrium.bus;

/**
 * Failure codes carried by {@code message.fail(code, reason)} on the event bus. They are HTTP
 * status codes, so the HTTP side maps them one to one ({@link BusFailures#httpStatus}).
 */
public final class FailureCodes {

  /** The payload is malformed or misses a field. */
  public static final int BAD_REQUEST = 400;
  /** The caller is not authenticated. */
  public static final int UNAUTHORIZED = 401;
  /** The caller may see the object but not do this to it. */
  public static final int FORBIDDEN = 403;
  /** No such object (or the caller may not know it exists). */
  public static final int NOT_FOUND = 404;
  /** A version or state conflict: the caller's view is stale. */
  public static final int CONFLICT = 409;
  /** The payload is larger than allowed. */
  public static final int PAYLOAD_TOO_LARGE = 413;
  /** Well-formed but semantically wrong (e.g. a digest mismatch). */
  public static final int UNPROCESSABLE = 422;
  /** Someone else holds the lock. */
  public static final int LOCKED = 423;
  /** Rate limit or queue bound reached. */
  public static final int TOO_MANY_REQUESTS = 429;
  /** A bug on the recipient's side. */
  public static final int INTERNAL = 500;
  /** Nobody can serve this now: no handler, timeout, dependency down, shutting down. */
  public static final int UNAVAILABLE = 503;

  private FailureCodes() {
  }
}
