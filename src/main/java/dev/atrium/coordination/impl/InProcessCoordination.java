package dev.atrium.coordination.impl;

import dev.atrium.coordination.Coordination;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
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
  private final ConcurrentMap<String, HashEntry> hashes = new ConcurrentHashMap<>();
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
  public Future<Long> count(String key) {
    Entry entry = entries.get(key);
    return Future.succeededFuture(entry != null && entry.alive(System.nanoTime()) ? entry.count() : 0L);
  }

  @Override
  public Future<Held> held(String key) {
    long now = System.nanoTime();
    Entry entry = entries.get(key);
    return Future.succeededFuture(entry != null && entry.alive(now)
        ? new Held(entry.text(), Duration.ofNanos(entry.expiresAt() - now)) : null);
  }

  @Override
  public Future<Map<String, Held>> scan(String prefix) {
    long now = System.nanoTime();
    Map<String, Held> out = new TreeMap<>();
    entries.forEach((key, entry) -> {
      if (key.startsWith(prefix) && entry.alive(now)) {
        out.put(key, new Held(entry.text(), Duration.ofNanos(entry.expiresAt() - now)));
      }
    });
    return Future.succeededFuture(out);
  }

  @Override
  public Future<Void> hashPut(String key, String field, String value, Duration ttl) {
    long now = System.nanoTime();
    hashes.compute(key, (k, current) -> {
      Map<String, String> fields = current != null && current.alive(now) ? new HashMap<>(current.fields())
          : new HashMap<>();
      fields.put(field, value);
      return new HashEntry(Map.copyOf(fields), now + ttl.toNanos());
    });
    return Future.succeededFuture();
  }

  @Override
  public Future<Boolean> hashRemove(String key, String field) {
    long now = System.nanoTime();
    boolean[] removed = new boolean[1];
    hashes.computeIfPresent(key, (k, current) -> {
      if (!current.alive(now)) {
        return null;
      }
      if (!current.fields().containsKey(field)) {
        return current;
      }
      removed[0] = true;
      Map<String, String> fields = new HashMap<>(current.fields());
      fields.remove(field);
      return fields.isEmpty() ? null : new HashEntry(Map.copyOf(fields), current.expiresAt());
    });
    return Future.succeededFuture(removed[0]);
  }

  @Override
  public Future<Map<String, String>> hashAll(String key) {
    HashEntry entry = hashes.get(key);
    return Future.succeededFuture(entry != null && entry.alive(System.nanoTime()) ? entry.fields() : Map.of());
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
    hashes.clear();
    return Future.succeededFuture();
  }

  private void sweep() {
    long now = System.nanoTime();
    entries.entrySet().removeIf(e -> !e.getValue().alive(now));
    hashes.entrySet().removeIf(e -> !e.getValue().alive(now));
  }

  private record Entry(String value, long count, long expiresAt) {
    boolean alive(long now) {
      return now - expiresAt < 0;
    }

    /** The value as Redis would return it: a counter's value is its count. */
    String text() {
      return value != null ? value : Long.toString(count);
    }
  }

  private record HashEntry(Map<String, String> fields, long expiresAt) {
    boolean alive(long now) {
      return now - expiresAt < 0;
    }
  }
}
