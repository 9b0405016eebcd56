package dev.atrium.web;

/** A failure that tells the client when to try again ({@code Retry-After}, seconds). */
public interface RetryAfter {

  /** Seconds until a retry may succeed. */
  long retryAfterSeconds();
}
