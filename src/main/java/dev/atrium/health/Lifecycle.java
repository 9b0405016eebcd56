package dev.atrium.health;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Where the node is in its life. Written only by the boot sequence; read by the readiness check,
 * so a load balancer sends traffic only between "ready" and "draining".
 */
public final class Lifecycle {

  /** The phases, in order. */
  public enum Phase { STARTING, READY, DRAINING, STOPPED }

  private final AtomicReference<Phase> phase = new AtomicReference<>(Phase.STARTING);

  /** The current phase. */
  public Phase phase() {
    return phase.get();
  }

  /** Moves to {@code next}; returns false if the node was already there or past it. */
  public boolean advance(Phase next) {
    Phase current;
    do {
      current = phase.get();
      if (current.compareTo(next) >= 0) {
        return false;
      }
    } while (!phase.compareAndSet(current, next));
    return true;
  }
}
