package dev.atrium.blobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.cloud.NoCredentials;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import dev.atrium.blobs.DataProvider.BlobInfo;
import dev.atrium.blobs.DataProvider.BlobMismatchException;
import dev.atrium.blobs.GcsEmulator.StoredObject;
import dev.atrium.blobs.impl.GcsDataProvider;
import dev.atrium.frames.Field;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The contract against the real {@code google-cloud-storage} HTTP client talking to
 * {@link GcsEmulator}, with preconditions on as in production: here {@code ifGenerationMatch=0} is
 * evaluated, so a duplicate upload really meets a 412.
 */
@DisplayName("The Cloud Storage data provider, with preconditions, over HTTP")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GcsEmulatorDataProviderTest extends DataProviderContract {

  private static final Logger LOG = LoggerFactory.getLogger(GcsEmulatorDataProviderTest.class);

  private static GcsEmulator emulator;
  private static Storage storage;

  private final String bucket = "emulated-" + UUID.randomUUID();

  @BeforeAll
  static void startEmulator() throws Exception {
    emulator = GcsEmulator.start();
    storage = StorageOptions.http()
        .setHost(emulator.host())
        .setProjectId("test")
        .setCredentials(NoCredentials.getInstance())
        .build()
        .getService();
  }

  @AfterAll
  static void stopEmulator() throws Exception {
    if (emulator != null) {
      LOG.info("requests the client made [distinct shapes: {}]", emulator.requests().stream()
          .map(line -> line.replaceAll(" -> [0-9]+$", "").replaceAll("[0-9a-f]{64}", "<sha>").replaceAll("emulated-[0-9a-f-]{36}", "<bucket>"))
          .distinct().toList());
      emulator.close();
    }
    if (storage != null) {
      storage.close();
    }
  }

  @AfterEach
  void everyRequestWasUnderstood() {
    assertThat(emulator.unknownRequests()).as("requests the emulator answered 501 (see the log)").isZero();
  }

  @Override
  DataProvider create(Vertx vertx) {
    return new GcsDataProvider(vertx, storage, bucket, "atrium/");
  }

  @Override
  List<String> storedEntries() {
    return emulator.objects().stream().filter(object -> object.bucket().equals(bucket)).map(StoredObject::name).toList();
  }

  @Override
  void afterConcurrentPuts(String sha256) {
    List<String> uploads = uploads();
    assertThat(uploads).as("every writer uploads with the precondition").hasSize(50)
        .allMatch(line -> line.contains("ifGenerationMatch=0"));
    assertThat(uploads).as("one upload created the object, the other 49 met a 412")
        .filteredOn(line -> line.endsWith("-> 200")).hasSize(1);
    assertThat(uploads).filteredOn(line -> line.endsWith("-> 412")).hasSize(49);
  }

  @Test
  @DisplayName("uploads with ifGenerationMatch=0, and a duplicate's 412 counts as stored without replacing the object")
  void duplicateMeetsPrecondition() throws Exception {
    byte[] data = random(2048, 9);
    String sha = Field.sha256Hex(data);
    await(provider.put(sha, data));
    StoredObject first = only();
    int refusedBefore = emulator.preconditionFailures();
    await(provider.put(sha, data));
    assertThat(emulator.preconditionFailures()).as("the second upload met a 412").isEqualTo(refusedBefore + 1);
    assertThat(only().generation()).as("the first object stays").isEqualTo(first.generation());
    assertThat(uploads()).hasSize(2).allMatch(line -> line.contains("ifGenerationMatch=0"));
  }

  @Test
  @DisplayName("refuses bytes that the store corrupted on the way back")
  void detectsCorruptDownload() throws Exception {
    byte[] data = random(5000, 13);
    String sha = Field.sha256Hex(data);
    await(provider.put(sha, data));
    emulator.corruptDownloads.set(true);
    try {
      assertThat(failure(provider.get(sha))).isInstanceOf(BlobMismatchException.class).hasMessageContaining(sha);
    } finally {
      emulator.corruptDownloads.set(false);
    }
    assertThat(await(provider.get(sha))).isEqualTo(data);
  }

  @Test
  @DisplayName("lists every blob across result pages")
  void listsAcrossPages() throws Exception {
    List<Future<Boolean>> puts = new ArrayList<>();
    Set<String> expected = new HashSet<>();
    for (int i = 0; i < 30; i++) {
      byte[] data = bytes("blob " + i);
      expected.add(Field.sha256Hex(data));
      puts.add(provider.put(Field.sha256Hex(data), data));
    }
    await(Future.all(puts));
    emulator.pageSize = 7;
    try {
      assertThat(await(provider.list())).extracting(BlobInfo::sha256).containsExactlyInAnyOrderElementsOf(expected);
    } finally {
      emulator.pageSize = 1000;
    }
    assertThat(emulator.requests()).as("list pages fetched")
        .filteredOn(line -> line.startsWith("GET /storage/v1/b/" + bucket + "/o?")).hasSize(5);
  }

  @Test
  @DisplayName("refuses corrupt bytes even when the store's checksum header describes the intact ones")
  void detectsCorruptDownloadDespiteHashHeader() throws Exception {
    byte[] data = random(5000, 17);
    String sha = Field.sha256Hex(data);
    await(provider.put(sha, data));
    emulator.corruptDownloads.set(true);
    emulator.hashHeaderOnCorrupt.set(true);
    try {
      Throwable failure = failure(provider.get(sha));
      LOG.info("corrupt download with a hash header failed with [{}]", failure.toString());
      assertThat(failure).isInstanceOf(BlobMismatchException.class);
    } finally {
      emulator.corruptDownloads.set(false);
      emulator.hashHeaderOnCorrupt.set(false);
    }
  }

  // ---- garbage-collection protocol on the wire ----------------------------------------------------

  @Test
  @DisplayName("restarts a stored blob's age with a metadata update (a PATCH sent as POST + X-HTTP-Method-Override)")
  void duplicatePutTouches() throws Exception {
    byte[] data = random(1500, 41);
    String sha = Field.sha256Hex(data);
    assertThat(await(provider.put(sha, data))).isTrue();
    StoredObject first = only();
    assertThat(await(provider.put(sha, data))).isFalse();
    StoredObject touched = only();
    assertThat(touched.generation()).as("the same object, not a new upload").isEqualTo(first.generation());
    assertThat(touched.metageneration()).isEqualTo(first.metageneration() + 1);
    assertThat(touched.metadata()).containsKey("touched");
    assertThat(touched.created()).isEqualTo(first.created());
    assertThat(touched.updated()).isAfter(first.updated());
    assertThat(createdOf(sha)).as("list reports the update time").isEqualTo(touched.updated());
    assertThat(requestsFor(sha)).filteredOn(line -> line.startsWith("POST /storage/v1/b/" + bucket + "/o/"))
        .singleElement().asString()
        .contains("?projection=full [X-HTTP-Method-Override: PATCH] -> 200");
  }

  @Test
  @DisplayName("quarantines by a rewrite aside and a delete conditional on the metageneration; restores with ifGenerationMatch=0")
  void quarantineAndRestoreOnTheWire() throws Exception {
    byte[] data = random(1700, 43);
    String sha = Field.sha256Hex(data);
    await(provider.put(sha, data));
    long generation = only().generation();
    assertThat(await(provider.quarantine(sha, Instant.now().plusSeconds(1)))).isTrue();
    assertThat(storedEntries()).containsExactly("atrium/quarantine/" + sha);
    assertThat(emulator.object(bucket, "atrium/quarantine/" + sha).data()).isEqualTo(data);
    assertThat(requestsFor(sha)).anySatisfy(line -> assertThat(line)
            .startsWith("POST /storage/v1/b/" + bucket + "/o/atrium%2Fblobs%2F" + sha + "/rewriteTo/b/" + bucket
                + "/o/atrium%2Fquarantine%2F" + sha + "?")
            .contains("sourceGeneration=" + generation).endsWith("-> 200"))
        .anySatisfy(line -> assertThat(line)
            .startsWith("DELETE /storage/v1/b/" + bucket + "/o/atrium%2Fblobs%2F" + sha + "?")
            .contains("ifMetagenerationMatch=1").endsWith("-> 204"));

    await(provider.restore(sha));
    assertThat(storedEntries()).containsExactly("atrium/blobs/" + sha);
    assertThat(requestsFor(sha)).anySatisfy(line -> assertThat(line)
        .startsWith("POST /storage/v1/b/" + bucket + "/o/atrium%2Fquarantine%2F" + sha + "/rewriteTo/b/" + bucket
            + "/o/atrium%2Fblobs%2F" + sha + "?")
        .contains("ifGenerationMatch=0").endsWith("-> 200"));
  }

  @Test
  @DisplayName("a writer's touch between quarantine's look and its delete keeps the blob: the delete meets a 412")
  void touchDuringQuarantineWins() throws Exception {
    byte[] data = random(1900, 45);
    String sha = Field.sha256Hex(data);
    await(provider.put(sha, data));
    AtomicReference<Boolean> writerPut = new AtomicReference<>();
    GcsEmulator.Hook writer = emulator.before("^POST /storage/v1/b/[^/]+/o/atrium%2Fblobs%2F" + sha + "/rewriteTo/",
        () -> writerPut.set(await(provider.put(sha, data))));

    assertThat(await(provider.quarantine(sha, Instant.now().plusSeconds(1)))).as("quarantine").isFalse();
    assertThat(writer.ran()).as("the writer's put ran between the look and the delete").isTrue();
    assertThat(writerPut.get()).as("the writer found it stored").isFalse();
    assertThat(await(provider.exists(sha))).isTrue();
    assertThat(storedEntries()).as("the copy aside is gone again").containsExactly("atrium/blobs/" + sha);
    assertThat(requestsFor(sha)).anySatisfy(line -> assertThat(line)
        .startsWith("DELETE /storage/v1/b/" + bucket + "/o/atrium%2Fblobs%2F" + sha + "?")
        .contains("ifMetagenerationMatch=1").endsWith("-> 412"));
  }

  @Test
  @DisplayName("a blob deleted and stored again between quarantine's look and its delete stays (the delete names the old generation)")
  void newGenerationDuringQuarantineStays() throws Exception {
    byte[] data = random(2100, 47);
    String sha = Field.sha256Hex(data);
    await(provider.put(sha, data));
    GcsEmulator.Hook replace = emulator.before("^DELETE /storage/v1/b/[^/]+/o/atrium%2Fblobs%2F" + sha + "\\?.*ifMetagenerationMatch",
        () -> {
          await(provider.delete(sha));
          assertThat(await(provider.put(sha, data))).isTrue();
        });
    assertThat(await(provider.quarantine(sha, Instant.now().plusSeconds(1)))).isFalse();
    assertThat(replace.ran()).isTrue();
    assertThat(await(provider.exists(sha))).isTrue();
    assertThat(storedEntries()).containsExactly("atrium/blobs/" + sha);
  }

  @Test
  @DisplayName("restore keeps a blob stored again while its copy was aside: the copy back meets ifGenerationMatch=0")
  void restoreDoesNotReplaceANewerBlob() throws Exception {
    byte[] data = random(2300, 49);
    String sha = Field.sha256Hex(data);
    await(provider.put(sha, data));
    assertThat(await(provider.quarantine(sha, Instant.now().plusSeconds(1)))).isTrue();
    AtomicReference<Boolean> writerPut = new AtomicReference<>();
    GcsEmulator.Hook writer = emulator.before("^POST /storage/v1/b/[^/]+/o/atrium%2Fquarantine%2F" + sha + "/rewriteTo/",
        () -> writerPut.set(await(provider.put(sha, data))));

    await(provider.restore(sha));
    assertThat(writer.ran()).isTrue();
    assertThat(writerPut.get()).as("the writer stored it anew").isTrue();
    long stored = emulator.object(bucket, "atrium/blobs/" + sha).generation();
    assertThat(storedEntries()).containsExactly("atrium/blobs/" + sha);
    assertThat(only().generation()).as("the writer's object, not replaced by the copy back").isEqualTo(stored);
    assertThat(requestsFor(sha)).anySatisfy(line -> assertThat(line)
        .startsWith("POST /storage/v1/b/" + bucket + "/o/atrium%2Fquarantine%2F" + sha + "/rewriteTo/")
        .contains("ifGenerationMatch=0").endsWith("-> 412"));
    assertThat(await(provider.get(sha))).isEqualTo(data);
  }

  @Test
  @DisplayName("a get that misses the blob and then its quarantined copy, because a restore ran in between, finds it restored")
  void getDuringRestoreFindsTheBlob() throws Exception {
    byte[] data = random(2500, 51);
    String sha = Field.sha256Hex(data);
    await(provider.put(sha, data));
    assertThat(await(provider.quarantine(sha, Instant.now().plusSeconds(1)))).isTrue();
    GcsEmulator.Hook restore = emulator.before("^GET /download/storage/v1/b/[^/]+/o/atrium%2Fquarantine%2F" + sha,
        () -> await(provider.restore(sha)));
    assertThat(await(provider.get(sha))).isEqualTo(data);
    assertThat(restore.ran()).isTrue();
    assertThat(requestsFor(sha)).anySatisfy(line -> assertThat(line)
        .startsWith("GET /download/storage/v1/b/" + bucket + "/o/atrium%2Fquarantine%2F" + sha).endsWith("-> 404"));
  }

  /** The requests to this test's bucket that name the blob. */
  private List<String> requestsFor(String sha) {
    return emulator.requests().stream().filter(line -> line.contains(bucket) && line.contains(sha)).toList();
  }

  private StoredObject only() {
    List<StoredObject> objects = emulator.objects().stream().filter(object -> object.bucket().equals(bucket)).toList();
    assertThat(objects).hasSize(1);
    return objects.get(0);
  }

  /** The upload requests to this test's bucket (multipart uploads name the object in the body). */
  private List<String> uploads() {
    return emulator.requests().stream()
        .filter(line -> line.startsWith("POST /upload/storage/v1/b/" + bucket + "/o?"))
        .toList();
  }
}
