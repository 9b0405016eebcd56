package dev.atrium.blobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.atrium.blobs.DataProvider.BlobInfo;
import dev.atrium.blobs.DataProvider.BlobMismatchException;
import dev.atrium.blobs.DataProvider.BlobNotFoundException;
import dev.atrium.frames.Field;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What every {@link DataProvider} promises, whatever it stores on. Each implementation's test class
 * extends this, supplies the instance and a raw view of what its store physically holds (files,
 * objects), so "nothing stored" and "exactly one copy" are checked beneath the interface.
 */
@ExtendWith(VertxExtension.class)
abstract class DataProviderContract {

  static final Duration WAIT = Duration.ofSeconds(20);

  DataProvider provider;
  Vertx vertx;

  /** The provider under test, over an empty store. */
  abstract DataProvider create(Vertx vertx) throws Exception;

  /** Every entry the store physically holds now (file paths, object names), blobs or not. */
  abstract List<String> storedEntries() throws Exception;

  @BeforeEach
  void openProvider(Vertx vertx) throws Exception {
    this.vertx = vertx;
    provider = create(vertx);
  }

  @Test
  @DisplayName("gives back exactly the bytes it stored, empty and 1 MiB blobs included")
  void roundTrip() throws Exception {
    for (byte[] data : List.of(bytes("hello"), new byte[0], random(1 << 20, 7))) {
      String sha = Field.sha256Hex(data);
      assertThat(await(provider.exists(sha))).as("exists before put").isFalse();
      await(provider.put(sha, data));
      assertThat(await(provider.exists(sha))).as("exists after put").isTrue();
      assertThat(await(provider.get(sha))).as("bytes of a %d-byte blob", data.length).isEqualTo(data);
    }
  }

  @Test
  @DisplayName("stores a blob put twice only once")
  void deduplicates() throws Exception {
    byte[] data = random(4096, 1);
    String sha = Field.sha256Hex(data);
    await(provider.put(sha, data));
    await(provider.put(sha, data.clone()));
    assertThat(storedEntries()).hasSize(1);
    assertThat(await(provider.list())).extracting(BlobInfo::sha256).containsExactly(sha);
    assertThat(await(provider.get(sha))).isEqualTo(data);
  }

  @Test
  @DisplayName("refuses bytes that do not hash to their address and stores nothing")
  void refusesMismatch() throws Exception {
    byte[] data = bytes("the real bytes");
    String sha = Field.sha256Hex(data);
    Throwable failure = failure(provider.put(sha, bytes("other bytes")));
    assertThat(failure).isInstanceOf(BlobMismatchException.class).hasMessageContaining(sha);
    assertThat(storedEntries()).isEmpty();
    assertThat(await(provider.exists(sha))).isFalse();
    assertThat(await(provider.list())).isEmpty();
  }

  @Test
  @DisplayName("fails a get of a missing blob with BlobNotFoundException")
  void missingBlob() throws Exception {
    String sha = Field.sha256Hex(bytes("never stored"));
    assertThat(failure(provider.get(sha))).isInstanceOf(BlobNotFoundException.class).hasMessageContaining(sha);
  }

  @Test
  @DisplayName("deletes a blob, and deleting it again (or a blob never stored) succeeds")
  void deleteIsIdempotent() throws Exception {
    byte[] data = bytes("to be deleted");
    String sha = Field.sha256Hex(data);
    await(provider.put(sha, data));
    await(provider.delete(sha));
    assertThat(await(provider.exists(sha))).isFalse();
    assertThat(failure(provider.get(sha))).isInstanceOf(BlobNotFoundException.class);
    await(provider.delete(sha));
    await(provider.delete(Field.sha256Hex(bytes("never stored"))));
    assertThat(storedEntries()).isEmpty();
    assertThat(await(provider.list())).isEmpty();
  }

  @Test
  @DisplayName("lists exactly the blobs stored, with their sizes and creation times")
  void listsWhatIsStored() throws Exception {
    Instant before = Instant.now();
    List<byte[]> blobs = List.of(bytes("one"), bytes("two two"), random(10_000, 3), new byte[0]);
    for (byte[] data : blobs) {
      await(provider.put(Field.sha256Hex(data), data));
    }
    byte[] removed = bytes("removed again");
    await(provider.put(Field.sha256Hex(removed), removed));
    await(provider.delete(Field.sha256Hex(removed)));

    Map<String, BlobInfo> listed = await(provider.list()).stream()
        .collect(Collectors.toMap(BlobInfo::sha256, Function.identity()));
    Map<String, Long> expected = blobs.stream()
        .collect(Collectors.toMap(Field::sha256Hex, data -> (long) data.length));
    assertThat(listed.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
    for (BlobInfo info : listed.values()) {
      assertThat(info.size()).as("size of %s", info.sha256()).isEqualTo(expected.get(info.sha256()));
      // a coarse window: timestamps must be the store's clock at writing, not zero or garbage
      assertThat(info.created()).as("created of %s", info.sha256())
          .isBetween(before.minusSeconds(120), Instant.now().plusSeconds(120));
    }
  }

  @Test
  @DisplayName("refuses addresses that are not 64 lower-case hex digits, on every call")
  void refusesInvalidAddresses() throws Exception {
    byte[] data = bytes("x");
    String good = Field.sha256Hex(data);
    List<String> invalid = new ArrayList<>(List.of(good.toUpperCase(), good.substring(1), good + "0",
        "../../../../etc/passwd", "", "ab/cd/" + good.substring(6), good.substring(0, 63) + "g"));
    invalid.add(null);
    for (String sha : invalid) {
      assertThat(failure(provider.put(sha, data))).as("put %s", sha).isInstanceOf(IllegalArgumentException.class);
      assertThat(failure(provider.get(sha))).as("get %s", sha).isInstanceOf(IllegalArgumentException.class);
      assertThat(failure(provider.exists(sha))).as("exists %s", sha).isInstanceOf(IllegalArgumentException.class);
      assertThat(failure(provider.delete(sha))).as("delete %s", sha).isInstanceOf(IllegalArgumentException.class);
      assertThat(failure(provider.quarantine(sha, Instant.now().plusSeconds(1)))).as("quarantine %s", sha)
          .isInstanceOf(IllegalArgumentException.class);
      assertThat(failure(provider.restore(sha))).as("restore %s", sha).isInstanceOf(IllegalArgumentException.class);
      assertThat(failure(provider.purge(sha))).as("purge %s", sha).isInstanceOf(IllegalArgumentException.class);
    }
    assertThat(storedEntries()).isEmpty();
  }

  @Test
  @DisplayName("lets 50 concurrent puts of one blob all succeed and leaves exactly one copy")
  void concurrentPutsOfOneBlob(VertxTestContext context) {
    byte[] data = random(64 * 1024, 11);
    String sha = Field.sha256Hex(data);
    int writers = 50;
    Checkpoint stored = context.checkpoint(writers);
    Checkpoint verified = context.checkpoint();
    List<Future<Boolean>> puts = new ArrayList<>();
    for (int i = 0; i < writers; i++) {
      puts.add(provider.put(sha, data.clone()).onComplete(context.succeeding(done -> stored.flag())));
    }
    Future.all(puts)
        .compose(all -> provider.get(sha))
        .onComplete(context.succeeding(read -> context.verify(() -> {
          assertThat(read).isEqualTo(data);
          assertThat(storedEntries()).hasSize(1);
          afterConcurrentPuts(sha);
          verified.flag();
        })));
  }

  // ---- garbage-collection protocol: put's answer and age, quarantine, restore, purge ----------

  @Test
  @DisplayName("put answers true when it stored the blob and false when it was already stored")
  void putTellsWhetherItStored() throws Exception {
    byte[] data = random(3000, 31);
    String sha = Field.sha256Hex(data);
    assertThat(await(provider.put(sha, data))).as("first put").isTrue();
    assertThat(await(provider.put(sha, data.clone()))).as("second put").isFalse();
    assertThat(await(provider.put(sha, data.clone()))).as("third put").isFalse();
    assertThat(storedEntries()).hasSize(1);
    assertThat(await(provider.get(sha))).isEqualTo(data);
  }

  @Test
  @DisplayName("a second put of a stored blob restarts its age")
  void secondPutRestartsAge() throws Exception {
    byte[] data = bytes("aging");
    String sha = Field.sha256Hex(data);
    await(provider.put(sha, data));
    Instant first = createdOf(sha);
    Thread.sleep(clockStep().toMillis());
    assertThat(await(provider.put(sha, data))).isFalse();
    Instant second = createdOf(sha);
    assertThat(second).as("the listed time after the second put").isAfter(first);
    // the restarted age is what quarantine judges by: a cutoff between the two puts spares it
    assertThat(await(provider.quarantine(sha, second))).as("quarantine with a cutoff at the touch").isFalse();
    assertThat(await(provider.exists(sha))).isTrue();
  }

  @Test
  @DisplayName("quarantine hides an old blob from exists and list, get still reads it, restore brings it back")
  void quarantineAndRestore() throws Exception {
    byte[] data = random(5000, 33);
    String sha = Field.sha256Hex(data);
    byte[] other = bytes("a bystander");
    await(provider.put(sha, data));
    await(provider.put(Field.sha256Hex(other), other));

    assertThat(await(provider.quarantine(sha, Instant.now().plusSeconds(1)))).as("quarantine").isTrue();
    assertThat(await(provider.exists(sha))).as("exists while quarantined").isFalse();
    assertThat(await(provider.get(sha))).as("get while quarantined").isEqualTo(data);
    assertThat(await(provider.list())).extracting(BlobInfo::sha256).as("listed while quarantined")
        .containsExactly(Field.sha256Hex(other));
    assertThat(storedEntries()).as("moved aside, not copied").hasSize(2);
    assertThat(await(provider.quarantine(sha, Instant.now().plusSeconds(1)))).as("quarantine again").isFalse();

    await(provider.restore(sha));
    assertThat(await(provider.exists(sha))).as("exists after restore").isTrue();
    assertThat(await(provider.get(sha))).isEqualTo(data);
    assertThat(await(provider.list())).extracting(BlobInfo::sha256)
        .containsExactlyInAnyOrder(sha, Field.sha256Hex(other));
    assertThat(storedEntries()).as("one copy of each blob, nothing left aside").hasSize(2);
    assertThat(await(provider.put(sha, data))).as("a put after restore finds it stored").isFalse();
  }

  @Test
  @DisplayName("quarantine leaves a blob stored or touched after its cutoff")
  void quarantineSparesYoungBlobs() throws Exception {
    Instant beforeStoring = Instant.now().minusSeconds(1);
    byte[] data = bytes("young");
    String sha = Field.sha256Hex(data);
    await(provider.put(sha, data));
    assertThat(await(provider.quarantine(sha, beforeStoring))).isFalse();
    assertThat(await(provider.exists(sha))).isTrue();
    assertThat(await(provider.list())).extracting(BlobInfo::sha256).containsExactly(sha);
    assertThat(storedEntries()).hasSize(1);
    assertThat(await(provider.quarantine(Field.sha256Hex(bytes("never stored")), Instant.now().plusSeconds(1))))
        .as("quarantine of a blob never stored").isFalse();
    assertThat(storedEntries()).hasSize(1);
  }

  @Test
  @DisplayName("purge deletes a quarantined blob for good")
  void purgeDeletes() throws Exception {
    byte[] data = bytes("doomed");
    String sha = Field.sha256Hex(data);
    await(provider.put(sha, data));
    assertThat(await(provider.quarantine(sha, Instant.now().plusSeconds(1)))).isTrue();
    await(provider.purge(sha));
    assertThat(failure(provider.get(sha))).isInstanceOf(BlobNotFoundException.class).hasMessageContaining(sha);
    assertThat(await(provider.exists(sha))).isFalse();
    assertThat(await(provider.list())).isEmpty();
    assertThat(storedEntries()).isEmpty();
    await(provider.purge(sha));
    await(provider.restore(sha));
    assertThat(await(provider.exists(sha))).as("a restore after the purge brings nothing back").isFalse();
    assertThat(storedEntries()).isEmpty();
  }

  @Test
  @DisplayName("a put of a quarantined blob stores it again, and restoring the quarantined copy keeps one blob")
  void putWhileQuarantined() throws Exception {
    byte[] data = random(2500, 35);
    String sha = Field.sha256Hex(data);
    await(provider.put(sha, data));
    assertThat(await(provider.quarantine(sha, Instant.now().plusSeconds(1)))).isTrue();
    assertThat(await(provider.put(sha, data.clone()))).as("put of a quarantined blob stores it").isTrue();
    assertThat(await(provider.exists(sha))).isTrue();
    assertThat(await(provider.list())).extracting(BlobInfo::sha256).containsExactly(sha);

    await(provider.restore(sha));
    assertThat(await(provider.exists(sha))).isTrue();
    assertThat(await(provider.get(sha))).isEqualTo(data);
    assertThat(await(provider.list())).extracting(BlobInfo::sha256).containsExactly(sha);
    assertThat(storedEntries()).as("the stored blob and no quarantined copy").hasSize(1);

    // the other ending: quarantined again, stored again, then the quarantined copy purged
    assertThat(await(provider.quarantine(sha, Instant.now().plusSeconds(1)))).isTrue();
    assertThat(await(provider.put(sha, data.clone()))).isTrue();
    await(provider.purge(sha));
    assertThat(await(provider.exists(sha))).as("purge drops only the quarantined copy").isTrue();
    assertThat(await(provider.get(sha))).isEqualTo(data);
    assertThat(storedEntries()).hasSize(1);
  }

  @Test
  @DisplayName("restore and purge of a blob never quarantined change nothing")
  void restoreAndPurgeWithoutQuarantine() throws Exception {
    byte[] data = bytes("left alone");
    String sha = Field.sha256Hex(data);
    await(provider.put(sha, data));
    Instant created = createdOf(sha);
    await(provider.restore(sha));
    await(provider.purge(sha));
    assertThat(await(provider.exists(sha))).isTrue();
    assertThat(await(provider.get(sha))).isEqualTo(data);
    assertThat(createdOf(sha)).as("its age").isEqualTo(created);
    assertThat(storedEntries()).hasSize(1);

    String absent = Field.sha256Hex(bytes("never stored"));
    await(provider.restore(absent));
    await(provider.purge(absent));
    assertThat(await(provider.exists(absent))).isFalse();
    assertThat(failure(provider.get(absent))).isInstanceOf(BlobNotFoundException.class);
    assertThat(storedEntries()).hasSize(1);
  }

  /** How long to wait for the store's clock to tell two times apart (it may keep whole seconds). */
  Duration clockStep() {
    return Duration.ofMillis(20);
  }

  /** The time {@link DataProvider#list} gives for a stored blob. */
  Instant createdOf(String sha256) throws Exception {
    return await(provider.list()).stream().filter(info -> info.sha256().equals(sha256)).findFirst()
        .map(BlobInfo::created).orElseThrow(() -> new AssertionError("not listed: " + sha256));
  }

  /** More checks after the concurrent puts, for an implementation to add. */
  void afterConcurrentPuts(String sha256) throws Exception {
  }

  static <T> T await(Future<T> future) throws Exception {
    try {
      return future.toCompletionStage().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  static Throwable failure(Future<?> future) throws Exception {
    try {
      Object value = future.toCompletionStage().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
      return fail("expected a failure, got " + value);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (TimeoutException e) {
      return fail("no answer within " + WAIT);
    }
  }

  static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] random(int size, long seed) {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    return data;
  }
}
