package dev.atrium.coordination;

import io.vertx.core.Future;
import java.time.Duration;

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
}
