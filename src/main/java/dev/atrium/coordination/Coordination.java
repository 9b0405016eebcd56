package dev.atrium.coordination;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.Map;

/**
 * Ephemeral coordination state: keys that may be lost and expire anyway — locks, presenter
 * tokens, session-to-socket maps, rate-limit counters. Redis in production
 * ({@code impl.RedisCoordination}), a map in the process in local mode
 * ({@code impl.InProcessCoordination}); both give the same atomic guarantees, so the code above
 * them is the same.
 *
 * <p>Holder-checked operations are compare-and-set: a holder whose key expired and was taken by
 * someone else can neither renew nor release it.
 */
public interface Coordination {

  /** Sets {@code key} to {@code holder} for {@code ttl} if nobody holds it (Redis {@code SET NX PX}). */
  Future<Boolean> acquire(String key, String holder, Duration ttl);

  /** Extends the key's life to {@code ttl} only if {@code holder} still holds it. */
  Future<Boolean> renew(String key, String holder, Duration ttl);

  /** Deletes the key only if {@code holder} still holds it. */
  Future<Boolean> release(String key, String holder);

  /** The current holder of {@code key}, or null. */
  Future<String> holder(String key);

  /**
   * Counts one more hit in the fixed window that starts with the key's first hit and lasts
   * {@code window}; the window restarts once it has passed.
   */
  Future<WindowCount> increment(String key, Duration window);

  /** The current count of an {@link #increment} counter, without counting; 0 when there is none. */
  Future<Long> count(String key);

  /**
   * The value of {@code key} (a counter's value is its count) and its remaining life, or null when
   * nobody holds it.
   */
  Future<Held> held(String key);

  /**
   * Every held key (and counter, but no hash) that starts with {@code prefix}, with its value and
   * remaining life, as {@link #held} gives them. Walks the
   * store's key space (Redis {@code SCAN MATCH}, in batches, never blocking the server), so use it
   * for small, rare reads such as a room's locks when a client joins, not on a hot path.
   */
  Future<Map<String, Held>> scan(String prefix);

  /**
   * Sets one field of the hash {@code key} (Redis {@code HSET}) and gives the whole hash
   * {@code ttl} to live from now ({@code PEXPIRE}), in one atomic step.
   */
  Future<Void> hashPut(String key, String field, String value, Duration ttl);

  /** Removes one field of a hash ({@code HDEL}); true only for the caller that removed it. */
  Future<Boolean> hashRemove(String key, String field);

  /** Every field of a hash ({@code HGETALL}); empty when there is none. */
  Future<Map<String, String>> hashAll(String key);

  /** Round-trip time of a trivial command; fails when the backend is unreachable. */
  Future<Duration> ping();

  /** Where the state lives, for logs and health: {@code in-process} or the Redis endpoint. */
  String describe();

  /** Releases connections. */
  Future<Void> close();

  /**
   * A fixed-window counter after an increment.
   *
   * @param count hits in the window so far, this one included
   * @param resetIn time until the window ends
   */
  record WindowCount(long count, Duration resetIn) {
  }

  /**
   * A held key.
   *
   * @param value its value (the holder)
   * @param ttl its remaining life; null when it never expires
   */
  record Held(String value, Duration ttl) {
  }
}
