package dev.atrium.bus;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

/**
 * Turns what an event-bus request failed with into an HTTP status and a message a client may
 * read: a timeout or no handler is 503 (the caller may retry), a recipient failure keeps its
 * code when it is an HTTP error code, anything else is 500 without details.
 */
public final class BusFailures {

  private BusFailures() {
  }

  /** The HTTP status for a failed request. */
  public static int httpStatus(Throwable failure) {
    if (failure instanceof ReplyException reply) {
      if (reply.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
        int code = reply.failureCode();
        return code >= 400 && code <= 599 ? code : FailureCodes.INTERNAL;
      }
      return FailureCodes.UNAVAILABLE;
    }
    return FailureCodes.INTERNAL;
  }

  /** A client-safe message for a failed request made while serving {@code what}. */
  public static String clientMessage(String what, Throwable failure) {
    if (failure instanceof ReplyException reply) {
      return switch (reply.failureType()) {
        case TIMEOUT -> "no answer in time for " + what + "; try again";
        case NO_HANDLERS -> "nobody serves " + what + " now; try again";
        case RECIPIENT_FAILURE, ERROR -> httpStatus(failure) == FailureCodes.INTERNAL
            ? "internal error" : reply.getMessage();
      };
    }
    return "internal error";
  }
}
