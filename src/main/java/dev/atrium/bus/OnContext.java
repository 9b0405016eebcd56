package dev.atrium.bus;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

/**
 * Brings work back onto one context. The coordination store's and the record store's clients may
 * complete on their own connection's event loop, and the SockJS bridge keeps per-socket maps that
 * only its socket's event loop may touch; so the control channel hands every callback to the
 * context that owns the state it changes.
 */
public final class OnContext {

  private OnContext() {
  }

  /** Runs {@code task} on {@code context}: at once when already there, else queued. */
  public static void run(Context context, Runnable task) {
    if (Vertx.currentContext() == context) {
      task.run();
    } else {
      context.runOnContext(v -> task.run());
    }
  }

  /** A future with the outcome of {@code future} whose callbacks run on {@code context}. */
  public static <T> Future<T> back(Context context, Future<T> future) {
    if (future.isComplete() && Vertx.currentContext() == context) {
      return future;
    }
    Promise<T> promise = Promise.promise();
    future.onComplete(done -> run(context, () -> promise.handle(done)));
    return promise.future();
  }
}
