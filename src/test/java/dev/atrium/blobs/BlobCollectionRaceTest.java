package dev.atrium.blobs;

import static dev.atrium.blobs.DataProviderContract.await;
import static dev.atrium.blobs.DataProviderContract.failure;
import static dev.atrium.blobs.DataProviderContract.random;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.cloud.NoCredentials;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import dev.atrium.blobs.DataProvider.BlobInfo;
import dev.atrium.blobs.DataProvider.BlobNotFoundException;
import dev.atrium.blobs.impl.GcsDataProvider;
import dev.atrium.blobs.impl.LocalDataProvider;
import dev.atrium.frames.Field;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The race garbage collection exists to win, played step by step against real providers: a writer
 * stores a blob that is already stored (a dedup hit) and then writes a record referring to it, while
 * a collector finds the blob old and unreferenced. The steps are those of {@code FrameStore}
 * (put → insert the record → re-check {@code exists} and put again if it was moved aside) and of
 * {@code BlobCollector.collect} (list and read references → quarantine old unreferenced blobs →
 * read references again → restore the referenced, purge the rest); each step runs to completion
 * before the next, in every one of the 35 orders of the 3 + 4 steps (see {@link #cases} for which
 * stores and cutoffs). Every interleaving the
 * collector's Javadoc argues about is among them:
 * <ul>
 *   <li>the record exists before the collector's first look: never a candidate;
 *   <li>the writer's put restarts the blob's age before the quarantine: left alone (within the grace
 *       period only; see {@link Cutoff});
 *   <li>the record appears between the quarantine and the second look: restored;
 *   <li>the record appears after the second look: purged from quarantine, and the writer's re-check
 *       finds it gone and stores it again;
 *   <li>the writer's put comes after the quarantine: it stores the blob anew, and the restore or
 *       purge drops only the copy aside.
 * </ul>
 * In every order the referenced blob is there at the end, readable, listed, with nothing left
 * aside, and an unreferenced old blob beside it is collected. A control shows that the steps can
 * lose the blob: a writer that skips the re-check loses it exactly when it found the blob stored
 * before the quarantine and referenced it after the second look, a writer slower than the grace period.
 */
@DisplayName("Garbage collection racing a writer of an already stored blob, step by step")
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BlobCollectionRaceTest {

  /** How long ago the blobs were stored, as the collector sees it. */
  private static final Duration AGE = Duration.ofHours(2);
  private static final Duration GRACE = Duration.ofHours(1);

  private static Vertx vertx;
  private static GcsEmulator emulator;
  private static Storage storage;

  @TempDir
  Path root;

  @BeforeAll
  static void start(Vertx shared) throws IOException {
    vertx = shared;
    emulator = GcsEmulator.start();
    storage = StorageOptions.http().setHost(emulator.host()).setProjectId("test")
        .setCredentials(NoCredentials.getInstance()).build().getService();
  }

  @AfterAll
  static void stop() throws Exception {
    if (storage != null) {
      storage.close();
    }
    if (emulator != null) {
      assertThat(emulator.unknownRequests()).as("requests the emulator answered 501").isZero();
      emulator.close();
    }
  }

  /** Where the collector puts its cutoff relative to the writer. */
  enum Cutoff {
    /** The writer works within the grace period: its put's touch makes the blob young again. */
    WITHIN_GRACE,
    /** The writer is slower than the grace period (or clocks disagree): its touch does not save the blob. */
    WRITER_TOO_SLOW;

    Instant at() {
      return this == WITHIN_GRACE ? Instant.now().minus(GRACE) : Instant.now().plus(GRACE);
    }
  }

  /** A step of either side. */
  enum Step {
    PUT("writer put"), RECORD("writer record"), CHECK("writer re-check"),
    LOOK("collector list+refs"), QUARANTINE("collector quarantine"), REREAD("collector refs again"),
    SETTLE("collector restore/purge");

    final String label;

    Step(String label) {
      this.label = label;
    }
  }

  /** One order of the writer's 3 steps among the collector's 4, each side in its own order. */
  record Interleaving(List<Step> steps) {

    static List<Interleaving> all() {
      List<Interleaving> out = new ArrayList<>();
      for (int mask = 0; mask < 1 << 7; mask++) {
        if (Integer.bitCount(mask) != 3) {
          continue;
        }
        List<Step> steps = new ArrayList<>();
        int writer = 0;
        int collector = 0;
        for (int i = 0; i < 7; i++) {
          steps.add((mask & 1 << i) != 0 ? List.of(Step.PUT, Step.RECORD, Step.CHECK).get(writer++)
              : List.of(Step.LOOK, Step.QUARANTINE, Step.REREAD, Step.SETTLE).get(collector++));
        }
        out.add(new Interleaving(List.copyOf(steps)));
      }
      return out;
    }

    boolean before(Step a, Step b) {
      return steps.indexOf(a) < steps.indexOf(b);
    }

    /** Which case of the collector's reasoning this order is. */
    String reasoning(Cutoff cutoff) {
      if (before(Step.RECORD, Step.LOOK)) {
        return "referenced at the first look: never a candidate";
      }
      if (before(Step.PUT, Step.QUARANTINE)) {
        if (cutoff == Cutoff.WITHIN_GRACE) {
          return "the put restarted its age: left alone";
        }
        return before(Step.RECORD, Step.REREAD) ? "referenced at the second look: restored"
            : "referenced after the second look: purged, the writer's re-check stores it again";
      }
      return "put after the quarantine: stored anew, the copy aside "
          + (before(Step.RECORD, Step.REREAD) ? "dropped by restore" : "purged");
    }

    /** What a writer without the re-check loses: found it stored before the quarantine, referenced it after the second look. */
    boolean losesWithoutRecheck(Cutoff cutoff) {
      return cutoff == Cutoff.WRITER_TOO_SLOW && !before(Step.QUARANTINE, Step.PUT)
          && before(Step.REREAD, Step.RECORD);
    }

    @Override
    public String toString() {
      return steps.stream().map(step -> step.label).collect(Collectors.joining(" → "));
    }
  }

  /** A provider over an empty store, and what lies beneath it. */
  interface Store {
    DataProvider provider();

    /** Makes a stored blob look stored {@code by} earlier. */
    void backdate(String sha256, Duration by) throws IOException;

    /** What lies in quarantine now. */
    List<String> aside() throws IOException;
  }

  enum Kind {
    LOCAL, GCS;

    Store open(Path root) throws IOException {
      return this == LOCAL ? local(root) : gcs();
    }
  }

  static Store local(Path root) throws IOException {
    Files.createDirectories(root);
    DataProvider provider = new LocalDataProvider(vertx, root);
    return new Store() {
      @Override
      public DataProvider provider() {
        return provider;
      }

      @Override
      public void backdate(String sha256, Duration by) throws IOException {
        Path file = root.resolve("blobs").resolve(sha256.substring(0, 2)).resolve(sha256.substring(2, 4)).resolve(sha256);
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().minus(by)));
      }

      @Override
      public List<String> aside() throws IOException {
        Path quarantine = root.resolve("blobs-quarantine");
        if (!Files.isDirectory(quarantine)) {
          return List.of();
        }
        try (Stream<Path> files = Files.list(quarantine)) {
          return files.map(path -> path.getFileName().toString()).toList();
        }
      }
    };
  }

  static Store gcs() {
    String bucket = "race-" + UUID.randomUUID();
    DataProvider provider = new GcsDataProvider(vertx, storage, bucket, "atrium/");
    return new Store() {
      @Override
      public DataProvider provider() {
        return provider;
      }

      @Override
      public void backdate(String sha256, Duration by) {
        emulator.backdate(bucket, "atrium/blobs/" + sha256, by);
      }

      @Override
      public List<String> aside() {
        return emulator.objects().stream()
            .filter(object -> object.bucket().equals(bucket) && object.name().startsWith("atrium/quarantine/"))
            .map(GcsEmulator.StoredObject::name).toList();
      }
    };
  }

  /**
   * Every order on the local store, for both cutoffs; on Cloud Storage (the emulator, preconditions
   * on) every order for the slow writer, where quarantine, restore and purge all happen. Within the
   * grace period Cloud Storage only adds "the touch restarts the age", which the contract covers
   * ({@code secondPutRestartsAge}), and the class stays quick.
   */
  static Stream<Arguments> cases() {
    List<Arguments> cases = new ArrayList<>();
    for (Kind kind : Kind.values()) {
      for (Cutoff cutoff : Cutoff.values()) {
        if (kind == Kind.GCS && cutoff == Cutoff.WITHIN_GRACE) {
          continue;
        }
        for (Interleaving order : Interleaving.all()) {
          cases.add(Arguments.of(kind, cutoff, order, order.reasoning(cutoff)));
        }
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}, {1}: {2} ({3})")
  @MethodSource("cases")
  @DisplayName("the referenced blob survives")
  void referencedBlobSurvives(Kind kind, Cutoff cutoff, Interleaving order, String reasoning) throws Exception {
    Store store = kind.open(root);
    DataProvider provider = store.provider();
    byte[] data = random(1000, order.hashCode());
    String sha = Field.sha256Hex(data);
    byte[] garbage = random(700, order.hashCode() + 1);
    String garbageSha = Field.sha256Hex(garbage);
    for (byte[] blob : List.of(data, garbage)) {
      assertThat(await(provider.put(Field.sha256Hex(blob), blob))).isTrue();
      store.backdate(Field.sha256Hex(blob), AGE);
    }

    Race race = new Race(provider, sha, data, cutoff.at(), true);
    race.run(order);

    assertThat(race.records).containsExactly(sha);
    assertThat(await(provider.exists(sha))).as("exists at the end").isTrue();
    assertThat(await(provider.get(sha))).as("its bytes").isEqualTo(data);
    assertThat(await(provider.list())).extracting(BlobInfo::sha256).as("listed at the end").containsExactly(sha);
    assertThat(store.aside()).as("left in quarantine").isEmpty();
    assertThat(failure(provider.get(garbageSha))).as("the unreferenced old blob is collected")
        .isInstanceOf(BlobNotFoundException.class);
  }

  @Test
  @DisplayName("control: a writer that skips the re-check loses the blob exactly when it outlasts the grace period across the collection")
  void withoutTheRecheckTheBlobIsLost() throws Exception {
    Map<String, Boolean> lost = new LinkedHashMap<>();
    Set<String> expected = new HashSet<>();
    int run = 0;
    for (Cutoff cutoff : Cutoff.values()) {
      for (Interleaving order : Interleaving.all()) {
        Store store = local(root.resolve("run-" + run++));
        DataProvider provider = store.provider();
        byte[] data = random(500, run);
        String sha = Field.sha256Hex(data);
        await(provider.put(sha, data));
        store.backdate(sha, AGE);

        new Race(provider, sha, data, cutoff.at(), false).run(order);

        String name = cutoff + ": " + order;
        lost.put(name, !await(provider.exists(sha)) && failure(provider.get(sha)) instanceof BlobNotFoundException);
        if (order.losesWithoutRecheck(cutoff)) {
          expected.add(name);
        }
      }
    }
    Set<String> actual = lost.entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey)
        .collect(Collectors.toSet());
    assertThat(expected).as("orders where only the re-check saves the blob").isNotEmpty()
        .allMatch(name -> name.startsWith(Cutoff.WRITER_TOO_SLOW.name()));
    assertThat(actual).as("orders that lose the blob without the re-check").containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  @DisplayName("the orders cover every case the collector's reasoning names, 35 of them")
  void ordersCoverEveryCase() {
    List<Interleaving> all = Interleaving.all();
    assertThat(all).hasSize(35).doesNotHaveDuplicates()
        .allMatch(order -> order.before(Step.PUT, Step.RECORD) && order.before(Step.RECORD, Step.CHECK)
            && order.before(Step.LOOK, Step.QUARANTINE) && order.before(Step.QUARANTINE, Step.REREAD)
            && order.before(Step.REREAD, Step.SETTLE));
    Set<String> reasons = new HashSet<>();
    for (Cutoff cutoff : Cutoff.values()) {
      all.forEach(order -> reasons.add(order.reasoning(cutoff)));
    }
    assertThat(reasons).containsExactlyInAnyOrder(
        "referenced at the first look: never a candidate",
        "the put restarted its age: left alone",
        "referenced at the second look: restored",
        "referenced after the second look: purged, the writer's re-check stores it again",
        "put after the quarantine: stored anew, the copy aside dropped by restore",
        "put after the quarantine: stored anew, the copy aside purged");
  }

  /**
   * The two sides' state: the records (what the collector's reference reads see) and each side's
   * progress. The collector's steps mirror {@code BlobCollector.collect}, the writer's
   * {@code FrameStore.storeBlobs} / insert / {@code confirmBlobs}.
   */
  static final class Race {
    final DataProvider provider;
    final String sha;
    final byte[] data;
    final Instant cutoff;
    final boolean recheck;
    final Set<String> records = new HashSet<>();

    boolean writerFoundItStored;
    List<String> candidates = List.of();
    final Map<String, Boolean> moved = new LinkedHashMap<>();
    Set<String> usedNow = Set.of();

    Race(DataProvider provider, String sha, byte[] data, Instant cutoff, boolean recheck) {
      this.provider = provider;
      this.sha = sha;
      this.data = data;
      this.cutoff = cutoff;
      this.recheck = recheck;
    }

    void run(Interleaving order) throws Exception {
      for (Step step : order.steps()) {
        step(step);
      }
    }

    void step(Step step) throws Exception {
      switch (step) {
        case PUT -> writerFoundItStored = !await(provider.put(sha, data.clone()));
        case RECORD -> records.add(sha);
        case CHECK -> {
          if (recheck && writerFoundItStored && !await(provider.exists(sha))) {
            await(provider.put(sha, data.clone()));
          }
        }
        case LOOK -> {
          Set<String> used = Set.copyOf(records);
          candidates = await(provider.list()).stream()
              .filter(blob -> !used.contains(blob.sha256()) && blob.created().isBefore(cutoff))
              .map(BlobInfo::sha256).toList();
        }
        case QUARANTINE -> {
          for (String candidate : candidates) {
            moved.put(candidate, await(provider.quarantine(candidate, cutoff)));
          }
        }
        case REREAD -> usedNow = Set.copyOf(records);
        case SETTLE -> {
          for (Map.Entry<String, Boolean> move : moved.entrySet()) {
            if (move.getValue()) {
              await(usedNow.contains(move.getKey()) ? provider.restore(move.getKey()) : provider.purge(move.getKey()));
            }
          }
        }
        default -> throw new IllegalStateException(step.name());
      }
    }
  }
}
