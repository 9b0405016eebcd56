package dev.atrium.presenter;

import dev.atrium.bus.OnContext;
import dev.atrium.coordination.Coordination;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;

/**
 * The part of the coordination store this service uses, with every callback brought back to the
 * calling context (the owning verticle's event loop) whatever thread the client completes on, so
 * the service's bookkeeping needs no locks.
 */
final class LoopStore {

  private final Coordination store;

  /** @param store the coordination store */
  LoopStore(Coordination store) {
    this.store = store;
  }

  /** A future whose callbacks run on the context that is current now (if any). */
  static <T> Future<T> back(Future<T> future) {
    Context context = Vertx.currentContext();
    return context == null ? future : OnContext.back(context, future);
  }

  /** See {@link Coordination#acquire}. */
  Future<Boolean> acquire(String key, String holder, Duration ttl) {
    return back(store.acquire(key, holder, ttl));
  }

  /** See {@link Coordination#renew}. */
  Future<Boolean> renew(String key, String holder, Duration ttl) {
    return back(store.renew(key, holder, ttl));
  }

  /** See {@link Coordination#release}. */
  Future<Boolean> release(String key, String holder) {
    return back(store.release(key, holder));
  }

  /** See {@link Coordination#holder}. */
  Future<String> holder(String key) {
    return back(store.holder(key));
  }
}
