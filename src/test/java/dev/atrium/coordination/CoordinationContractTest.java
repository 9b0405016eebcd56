package dev.atrium.coordination;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atrium.coordination.Coordination.WindowCount;
import dev.atrium.coordination.impl.InProcessCoordination;
import dev.atrium.coordination.impl.RedisCoordination;
import dev.atrium.testing.RedisExtension;
import dev.atrium.testing.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One contract, run against both {@link Coordination} implementations: the code above them relies
 * on the same atomic guarantees from either.
 */
@DisplayName("The coordination contract")
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CoordinationContractTest {

  private static final Duration SHORT_TTL = Duration.ofMillis(300);
  private static final Duration PAST_SHORT_TTL = Duration.ofMillis(600);
  private static final Duration LONG_TTL = Duration.ofSeconds(30);

  @Nested
  @DisplayName("in process")
  class InProcess extends Contract {

    @Override
    Coordination create(Vertx vertx) {
      return new InProcessCoordination(vertx);
    }

    @Test
    @DisplayName("describes itself as in-process")
    void describes() {
      assertThat(coordination.describe()).isEqualTo("in-process");
    }
  }

  @Nested
  @DisplayName("in Redis")
  @ExtendWith(RedisExtension.class)
  class InRedis extends Contract {

    private TestRedis redis;

    @BeforeEach
    void flush(TestRedis redis) {
      this.redis = redis;
      redis.flushAll();
    }

    @Override
    Coordination create(Vertx vertx) {
      return new RedisCoordination(vertx, TestRedis.shared().url());
    }

    @Test
    @DisplayName("describes itself as the Redis endpoint")
    void describes() {
      assertThat(coordination.describe()).isEqualTo("redis 127.0.0.1:" + redis.port());
    }

    @Test
    @DisplayName("ping fails, rather than hangs, when the Redis server is down")
    void pingFailsWhenDown(Vertx vertx) throws Exception {
      try (TestRedis stopped = TestRedis.startNew()) {
        stopped.stop();
        Coordination down = new RedisCoordination(vertx, stopped.url());
        try {
          assertThat(down.describe()).isEqualTo("redis 127.0.0.1:" + stopped.port());
          assertThatThrownBy(() -> down.ping().toCompletionStage().toCompletableFuture()
              .get(5, TimeUnit.SECONDS))
              .as("ping against a stopped server must fail within 5 s")
              .isInstanceOf(ExecutionException.class)
              .isNotInstanceOf(TimeoutException.class);
        } finally {
          down.close();
        }
      }
    }
  }

  /** The contract itself; each implementation's nested class supplies the instance. */
  abstract static class Contract {

    Coordination coordination;
    String key;

    abstract Coordination create(Vertx vertx);

    @BeforeEach
    void open(Vertx vertx) {
      coordination = create(vertx);
      key = "test:lock:" + UUID.randomUUID();
    }

    @AfterEach
    void close() throws Exception {
      await(coordination.close());
    }

    @Test
    @DisplayName("acquire is exclusive: of 20 concurrent holders exactly one wins")
    void acquireIsExclusive() throws Exception {
      int contenders = 20;
      CountDownLatch go = new CountDownLatch(1);
      AtomicReferenceArray<Future<Boolean>> attempts = new AtomicReferenceArray<>(contenders);
      List<Thread> threads = new ArrayList<>();
      for (int i = 0; i < contenders; i++) {
        int index = i;
        Thread thread = new Thread(() -> {
          try {
            go.await();
            attempts.set(index, coordination.acquire(key, "holder-" + index, LONG_TTL));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }, "contender-" + i);
        threads.add(thread);
        thread.start();
      }
      go.countDown();
      for (Thread thread : threads) {
        thread.join(10_000);
      }

      List<String> winners = new ArrayList<>();
      for (int i = 0; i < contenders; i++) {
        assertThat(attempts.get(i)).as("attempt %d was made", i).isNotNull();
        if (await(attempts.get(i))) {
          winners.add("holder-" + i);
        }
      }
      assertThat(winners).hasSize(1);
      assertThat(await(coordination.holder(key))).isEqualTo(winners.get(0));
    }

    @Test
    @DisplayName("a second acquire of a held key fails and leaves the holder in place")
    void acquireOfHeldKeyFails() throws Exception {
      assertThat(await(coordination.acquire(key, "a", LONG_TTL))).isTrue();

      assertThat(await(coordination.acquire(key, "b", LONG_TTL))).isFalse();
      assertThat(await(coordination.acquire(key, "a", LONG_TTL))).as("not re-entrant").isFalse();
      assertThat(await(coordination.holder(key))).isEqualTo("a");
    }

    @Test
    @DisplayName("renew by the holder succeeds and extends the key's life")
    void renewExtends() throws Exception {
      Duration firstTtl = Duration.ofMillis(600);
      assertThat(await(coordination.acquire(key, "a", firstTtl))).isTrue();
      Thread.sleep(100);

      assertThat(await(coordination.renew(key, "a", Duration.ofSeconds(5)))).isTrue();
      Thread.sleep(firstTtl.toMillis() + 300); // well past the first TTL

      assertThat(await(coordination.holder(key))).isEqualTo("a");
    }

    @Test
    @DisplayName("renew and release by someone else are refused and leave the key as it was")
    void nonHolderIsRefused() throws Exception {
      assertThat(await(coordination.acquire(key, "a", LONG_TTL))).isTrue();

      assertThat(await(coordination.renew(key, "b", LONG_TTL))).isFalse();
      assertThat(await(coordination.release(key, "b"))).isFalse();

      assertThat(await(coordination.holder(key))).isEqualTo("a");
      assertThat(await(coordination.acquire(key, "b", LONG_TTL))).isFalse();
    }

    @Test
    @DisplayName("release by the holder frees the key for the next holder")
    void releaseFrees() throws Exception {
      assertThat(await(coordination.acquire(key, "a", LONG_TTL))).isTrue();

      assertThat(await(coordination.release(key, "a"))).isTrue();

      assertThat(await(coordination.holder(key))).isNull();
      assertThat(await(coordination.release(key, "a"))).as("second release").isFalse();
      assertThat(await(coordination.acquire(key, "b", LONG_TTL))).isTrue();
      assertThat(await(coordination.holder(key))).isEqualTo("b");
    }

    @Test
    @DisplayName("renew and release of a key nobody holds are refused")
    void absentKeyIsRefused() throws Exception {
      assertThat(await(coordination.renew(key, "a", LONG_TTL))).isFalse();
      assertThat(await(coordination.release(key, "a"))).isFalse();
      assertThat(await(coordination.holder(key))).isNull();
    }

    @Test
    @DisplayName("after the TTL the key is free and its old holder can neither renew nor release it")
    void expiryFrees() throws Exception {
      assertThat(await(coordination.acquire(key, "a", SHORT_TTL))).isTrue();

      Thread.sleep(PAST_SHORT_TTL.toMillis());

      assertThat(await(coordination.holder(key))).isNull();
      assertThat(await(coordination.renew(key, "a", LONG_TTL))).isFalse();
      assertThat(await(coordination.release(key, "a"))).isFalse();
      assertThat(await(coordination.holder(key))).as("a refused renew must not recreate the key").isNull();
      assertThat(await(coordination.acquire(key, "b", LONG_TTL))).isTrue();
    }

    @Test
    @DisplayName("an expired holder cannot renew or release the key once someone else took it")
    void expiredHolderCannotTouchNewHolder() throws Exception {
      assertThat(await(coordination.acquire(key, "a", SHORT_TTL))).isTrue();
      Thread.sleep(PAST_SHORT_TTL.toMillis());
      assertThat(await(coordination.acquire(key, "b", LONG_TTL))).isTrue();

      assertThat(await(coordination.renew(key, "a", LONG_TTL))).isFalse();
      assertThat(await(coordination.release(key, "a"))).isFalse();

      assertThat(await(coordination.holder(key))).isEqualTo("b");
    }

    @Test
    @DisplayName("increment counts hits within the window and starts again after it")
    void incrementWindow() throws Exception {
      Duration window = Duration.ofMillis(300);
      String counter = "test:rate:" + UUID.randomUUID();

      WindowCount first = await(coordination.increment(counter, window));
      WindowCount second = await(coordination.increment(counter, window));
      WindowCount third = await(coordination.increment(counter, window));

      assertThat(List.of(first.count(), second.count(), third.count())).containsExactly(1L, 2L, 3L);
      assertThat(first.resetIn()).isPositive().isLessThanOrEqualTo(window);
      assertThat(third.resetIn()).isPositive().isLessThanOrEqualTo(first.resetIn());

      Thread.sleep(PAST_SHORT_TTL.toMillis());

      WindowCount restarted = await(coordination.increment(counter, window));
      assertThat(restarted.count()).isEqualTo(1L);
      assertThat(restarted.resetIn()).isPositive().isLessThanOrEqualTo(window);
    }

    @Test
    @DisplayName("counters of different keys are independent")
    void incrementPerKey() throws Exception {
      Duration window = Duration.ofSeconds(10);

      await(coordination.increment("test:rate:x", window));
      await(coordination.increment("test:rate:x", window));

      assertThat(await(coordination.increment("test:rate:y", window)).count()).isEqualTo(1L);
      assertThat(await(coordination.increment("test:rate:x", window)).count()).isEqualTo(3L);
    }

    @Test
    @DisplayName("count reads a counter without counting, and is 0 for a counter that does not exist")
    void countReadsCounter() throws Exception {
      String counter = "test:seq:" + UUID.randomUUID();
      assertThat(await(coordination.count(counter))).isZero();

      await(coordination.increment(counter, LONG_TTL));
      await(coordination.increment(counter, LONG_TTL));

      assertThat(await(coordination.count(counter))).isEqualTo(2L);
      assertThat(await(coordination.count(counter))).as("reading does not count").isEqualTo(2L);
      assertThat(await(coordination.increment(counter, LONG_TTL)).count()).isEqualTo(3L);
    }

    @Test
    @DisplayName("held gives a key's value and remaining life, and null once it is gone")
    void heldGivesValueAndLife() throws Exception {
      assertThat(await(coordination.held(key))).isNull();
      assertThat(await(coordination.acquire(key, "a", SHORT_TTL))).isTrue();

      Coordination.Held held = await(coordination.held(key));
      assertThat(held.value()).isEqualTo("a");
      assertThat(held.ttl()).isPositive().isLessThanOrEqualTo(SHORT_TTL);

      Thread.sleep(PAST_SHORT_TTL.toMillis());
      assertThat(await(coordination.held(key))).isNull();
    }

    @Test
    @DisplayName("scan finds exactly the held keys and counters with a prefix, glob characters taken literally")
    void scanByPrefix() throws Exception {
      String base = "test:scan:" + UUID.randomUUID() + ":";
      await(coordination.acquire(base + "1", "u1/s1", LONG_TTL));
      await(coordination.acquire(base + "*", "u2/s2", LONG_TTL));
      await(coordination.acquire(base + "gone", "u3/s3", SHORT_TTL));
      await(coordination.acquire(base.substring(0, base.length() - 1) + "x:1", "other", LONG_TTL));
      await(coordination.increment(base + "counter", LONG_TTL));
      await(coordination.hashPut(base + "hash", "f", "v", LONG_TTL));
      Thread.sleep(PAST_SHORT_TTL.toMillis());

      Map<String, Coordination.Held> found = await(coordination.scan(base));

      assertThat(found.keySet()).as("hashes are not held keys; the expired key is gone")
          .containsExactlyInAnyOrder(base + "1", base + "*", base + "counter");
      assertThat(found.get(base + "1").value()).isEqualTo("u1/s1");
      assertThat(found.get(base + "counter").value()).as("a counter's value is its count").isEqualTo("1");
      assertThat(found.get(base + "*").ttl()).isPositive().isLessThanOrEqualTo(LONG_TTL);
      assertThat(await(coordination.scan(base + "*"))).as("'*' in a prefix is no wildcard")
          .containsOnlyKeys(base + "*");
      assertThat(await(coordination.scan("test:scan:none-" + UUID.randomUUID()))).isEmpty();
    }

    @Test
    @DisplayName("hash fields are put, listed and removed, and a removal succeeds for one caller only")
    void hashFields() throws Exception {
      String hash = "test:hash:" + UUID.randomUUID();
      assertThat(await(coordination.hashAll(hash))).isEmpty();

      await(coordination.hashPut(hash, "s1", "{\"user\":\"a\"}", LONG_TTL));
      await(coordination.hashPut(hash, "s2", "two", LONG_TTL));
      await(coordination.hashPut(hash, "s2", "two again", LONG_TTL));

      assertThat(await(coordination.hashAll(hash)))
          .containsExactlyInAnyOrderEntriesOf(Map.of("s1", "{\"user\":\"a\"}", "s2", "two again"));
      assertThat(await(coordination.hashRemove(hash, "s1"))).isTrue();
      assertThat(await(coordination.hashRemove(hash, "s1"))).as("second removal").isFalse();
      assertThat(await(coordination.hashRemove(hash, "never"))).isFalse();
      assertThat(await(coordination.hashAll(hash))).containsExactlyEntriesOf(Map.of("s2", "two again"));
      assertThat(await(coordination.hashRemove(hash, "s2"))).isTrue();
      assertThat(await(coordination.hashAll(hash))).isEmpty();
    }

    @Test
    @DisplayName("a hash lives for the TTL of its last put, then all its fields are gone")
    void hashExpires() throws Exception {
      String hash = "test:hash:" + UUID.randomUUID();
      await(coordination.hashPut(hash, "a", "1", SHORT_TTL));
      Thread.sleep(SHORT_TTL.toMillis() / 2);
      await(coordination.hashPut(hash, "b", "2", Duration.ofMillis(900)));
      Thread.sleep(PAST_SHORT_TTL.toMillis());

      assertThat(await(coordination.hashAll(hash))).as("the second put extended the whole hash")
          .containsExactlyInAnyOrderEntriesOf(Map.of("a", "1", "b", "2"));

      Thread.sleep(700);
      assertThat(await(coordination.hashAll(hash))).isEmpty();
      assertThat(await(coordination.hashRemove(hash, "a"))).isFalse();
    }

    @Test
    @DisplayName("ping succeeds with a non-negative round-trip time")
    void pingSucceeds() throws Exception {
      assertThat(await(coordination.ping())).isGreaterThanOrEqualTo(Duration.ZERO);
    }
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }
}
