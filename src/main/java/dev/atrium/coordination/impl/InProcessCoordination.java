package dev.atrium.coordination.impl;

import dev.atrium.coordination.Coordination;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * {@link Coordination} in this process, for local mode: a concurrent map whose per-key
 * {@code compute} gives the same atomicity as the Redis scripts. Expired entries are ignored at
 * once and swept every few seconds.
 */
public final class InProcessCoordination implements Coordination {

  private static final long SWEEP_INTERVAL_MS = 5_000;

  private final ConcurrentMap<String, Entry> entries = new ConcurrentHashMap<>();
  private final Vertx vertx;
  private final long sweepTimer;

  /** @param vertx used for the periodic sweep of expired keys */
  public InProcessCoordination(Vertx vertx) {
    this.vertx = vertx;
    this.sweepTimer = vertx.setPeriodic(SWEEP_INTERVAL_MS, id -> sweep());
  }

  @Override
  public Future<Boolean> acquire(String key, String holder, Duration ttl) {
    long now = System.nanoTime();
    boolean[] won = new boolean[1];
    entries.compute(key, (k, current) -> {
      if (current != null && current.alive(now)) {
        return current;
      }
      won[0] = true;
      return new Entry(holder, 0, now + ttl.toNanos());
    });
    return Future.succeededFuture(won[0]);
  }

  @Override
  public Future<Boolean> renew(String key, String holder, Duration ttl) {
    long now = System.nanoTime();
    boolean[] renewed = new boolean[1];
    entries.computeIfPresent(key, (k, current) -> {
      if (current.alive(now) && holder.equals(current.value())) {
        renewed[0] = true;
        return new Entry(holder, 0, now + ttl.toNanos());
      }
      return current.alive(now) ? current : null;
    });
    return Future.succeededFuture(renewed[0]);
  }

  @Override
  public Future<Boolean> release(String key, String holder) {
    long now = System.nanoTime();
    boolean[] released = new boolean[1];
    entries.computeIfPresent(key, (k, current) -> {
      if (current.alive(now) && holder.equals(current.value())) {
        released[0] = true;
        return null;
      }
      return current.alive(now) ? current : null;
    });
    return Future.succeededFuture(released[0]);
  }

  @Override
  public Future<String> holder(String key) {
    Entry entry = entries.get(key);
    return Future.succeededFuture(entry != null && entry.alive(System.nanoTime()) ? entry.value() : null);
  }

  @Override
  public Future<WindowCount> increment(String key, Duration window) {
    long now = System.nanoTime();
    Entry after = entries.compute(key, (k, current) -> current != null && current.alive(now)
        ? new Entry(null, current.count() + 1, current.expiresAt())
        : new Entry(null, 1, now + window.toNanos()));
    return Future.succeededFuture(new WindowCount(after.count(), Duration.ofNanos(after.expiresAt() - now)));
  }

  @Override
  public Future<Duration> ping() {
    return Future.succeededFuture(Duration.ZERO);
  }

  @Override
  public String describe() {
    return "in-process";
  }

  @Override
  public Future<Void> close() {
    vertx.cancelTimer(sweepTimer);
    entries.clear();
    return Future.succeededFuture();
  }

  private void sweep() {
    long now = System.nanoTime();
    entries.entrySet().removeIf(e -> !e.getValue().alive(now));
  }

  private record Entry(String value, long count, long expiresAt) {
    boolean alive(long now) {
      return now - expiresAt < 0;
    }
  }
}
