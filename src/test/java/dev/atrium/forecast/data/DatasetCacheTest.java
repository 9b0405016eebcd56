package dev.atrium.forecast.data;

import static dev.atrium.forecast.data.DatasetApiTest.await;
import static dev.atrium.forecast.data.DatasetApiTest.failure;
import static dev.atrium.forecast.data.DatasetApiTest.series;
import static dev.atrium.forecast.data.DatasetApiTest.sha256;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.accounts.AuthUser;
import dev.atrium.bus.Addresses;
import dev.atrium.frames.Field;
import dev.atrium.testing.NodeFixture;
import dev.atrium.testing.NodeFixture.Reply;
import dev.atrium.web.ApiException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Data Cache behind the API on a real in-process node with small bounds (3 datasets, 2 KB,
 * 1 KB uploads): least-recently-used eviction over either bound, removal notices reaching a second
 * store (another node's view, with its own local copies), bytes without an entry, transient
 * datasets, and concurrent identical uploads and loads.
 */
@DisplayName("Data Cache")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DatasetCacheTest {

  private static NodeFixture node;
  private static MongoClient mongo;
  private static DatasetStore store;
  private static Vertx vertx;

  @BeforeAll
  static void startNode() throws Exception {
    node = NodeFixture.local().implicitUser()
        .env("ATRIUM_DATASET_MAX_COUNT", "3")
        .env("ATRIUM_DATASET_MAX_UPLOAD", "1KB")
        .env("ATRIUM_DATASET_MAX_BYTES", "2KB")
        .env("ATRIUM_LIMIT_WRITES", "100000/1m")
        .env("ATRIUM_LIMIT_UPLOADS", "100000/1m")
        .start();
    mongo = node.server().records().client();
    store = node.server().datasets();
    vertx = node.server().vertx();
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @BeforeEach
  void empty() {
    for (JsonObject entry : await(mongo.find(DatasetStore.ENTRIES, new JsonObject()))) {
      await(store.remove(entry.getString("_id")));
    }
    await(mongo.removeDocuments(DatasetStore.BYTES, new JsonObject()));
  }

  @Test
  @DisplayName("past the count bound the least recently used dataset is evicted, on every node's view")
  void evictOverCount() {
    List<String> hashes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      hashes.add(upload(series("count" + i, 3)));
    }
    // another node holds the first in memory (its load counts as a use, so the ages are set after)
    Other other = Other.start();
    assertThat(await(other.store.get(hashes.get(0))).rows()).isEqualTo(3);
    lastUsed(hashes.get(0), 1_000);
    lastUsed(hashes.get(1), 2_000);
    lastUsed(hashes.get(2), 3_000);

    String fourth = upload(series("count3", 3));

    assertThat(stored()).containsExactlyInAnyOrder(hashes.get(1), hashes.get(2), fourth);
    assertThat(storedBytes()).containsExactlyInAnyOrder(hashes.get(1), hashes.get(2), fourth);
    assertThat(await(store.exists(hashes.get(0)))).isFalse();
    assertThat(node.call("GET", "/api/datasets/" + hashes.get(0)).send().status()).isEqualTo(404);
    eventually(() -> !await(other.store.exists(hashes.get(0))));
    assertThat(other.notices).contains(new JsonObject().put("hash", hashes.get(0)).put("change", "removed")
        .put("reason", "evicted"));
    other.stop();
  }

  @Test
  @DisplayName("a dataset used since it was stored is kept; the least recently used one goes instead")
  void evictLeastRecentlyUsed() {
    String a = upload(series("lru-a", 3));
    String b = upload(series("lru-b", 3));
    String c = upload(series("lru-c", 3));
    lastUsed(a, 1_000);
    lastUsed(b, 2_000);
    lastUsed(c, 3_000);
    // a node that does not hold it in memory loads it: the use is recorded in the catalogue
    Other other = Other.start();
    assertThat(await(other.store.get(a)).hash()).isEqualTo(a);
    other.stop();

    String d = upload(series("lru-d", 3));

    assertThat(stored()).containsExactlyInAnyOrder(a, c, d);
  }

  @Test
  @DisplayName("past the byte bound the least recently used datasets are evicted until the total fits")
  void evictOverBytes() {
    String a = upload(sized("bytes-a", 700));
    String b = upload(sized("bytes-b", 700));
    lastUsed(a, 1_000);
    lastUsed(b, 2_000);

    String c = upload(sized("bytes-c", 700));

    assertThat(stored()).containsExactlyInAnyOrder(b, c);
    long total = await(mongo.find(DatasetStore.ENTRIES, new JsonObject())).stream()
        .mapToLong(entry -> entry.getLong("bytes")).sum();
    assertThat(total).isLessThanOrEqualTo(2048);

    String big = upload(sized("bytes-big", 1000));

    assertThat(stored()).containsExactlyInAnyOrder(c, big);
    assertThat(storedBytes()).containsExactlyInAnyOrder(c, big);
  }

  @Test
  @DisplayName("a delete reaches another node's store, which held the dataset in memory")
  void deleteReachesOtherNodes() {
    String hash = upload(series("other", 5));
    Other other = Other.start();
    assertThat(await(other.store.get(hash)).rows()).isEqualTo(5);
    assertThat(await(other.store.exists(hash))).isTrue();

    assertThat(node.call("DELETE", "/api/datasets/" + hash).send().status()).isEqualTo(204);

    assertThat(await(store.exists(hash))).isFalse();
    eventually(() -> !await(other.store.exists(hash)));
    assertThat(failure(other.store.get(hash))).isInstanceOfSatisfying(ApiException.class,
        e -> assertThat(e.status()).isEqualTo(404));
    assertThat(other.notices).containsExactly(new JsonObject().put("hash", hash).put("change", "removed")
        .put("reason", "deleted"));
    other.stop();
  }

  @Test
  @DisplayName("what a draw reads of an entry is remembered per node, yet an owner joining is seen at once and one leaving is refused at once, on every node")
  void usableFollowsOwners() {
    AuthUser alice = new AuthUser("alice-" + UUID.randomUUID(), "alice@example.org", false, false);
    AuthUser bob = new AuthUser("bob-" + UUID.randomUUID(), "bob@example.org", false, false);
    AuthUser admin = new AuthUser("admin-" + UUID.randomUUID(), "admin@example.org", true, false);
    byte[] csv = series("owners", 6).getBytes(StandardCharsets.UTF_8);
    String hash = await(store.upload(csv, alice.id(), false)).dataset().hash();
    Other other = Other.start();

    DatasetStore.Usable seen = await(other.store.usable(hash, alice));
    assertThat(seen.rows()).isEqualTo(6);
    assertThat(seen.columns().getList()).hasSize(1);
    assertThat(await(other.store.usable(hash, bob))).isNull();
    assertThat(await(other.store.usable(hash, admin))).isNotNull();

    // bob uploads the same bytes: the remembered entry lacks him, so it is read again
    assertThat(await(store.upload(csv, bob.id(), false)).created()).isFalse();
    assertThat(await(other.store.usable(hash, bob))).isNotNull();

    // alice gives it up on this node: the other node refuses her as soon as the notice arrives
    assertThat(await(store.release(hash, alice))).isTrue();
    assertThat(await(store.usable(hash, alice))).isNull();
    eventually(() -> await(other.store.usable(hash, alice)) == null);
    assertThat(await(other.store.usable(hash, bob))).isNotNull();
    assertThat(other.notices).contains(new JsonObject().put("hash", hash).put("change", "owner-left")
        .put("user", alice.id()));

    // bob, the last owner, deletes it: nobody may use it, admins included
    assertThat(await(store.release(hash, bob))).isTrue();
    eventually(() -> await(other.store.usable(hash, admin)) == null);
    assertThat(await(other.store.usable(hash, bob))).isNull();
    other.stop();
  }

  @Test
  @DisplayName("bytes without a catalogue entry are an absent dataset, and the sweep removes them once they are old")
  void orphanBytes() {
    byte[] csv = series("orphan", 4).getBytes(StandardCharsets.UTF_8);
    String old = Field.sha256Hex(csv);
    byte[] fresh = series("fresh-orphan", 4).getBytes(StandardCharsets.UTF_8);
    await(mongo.insert(DatasetStore.BYTES, new JsonObject().put("_id", old)
        .put("csv", new JsonObject().put("$binary", csv)).put("token", "t").put("storedAt", 1_000L)));
    await(mongo.insert(DatasetStore.BYTES, new JsonObject().put("_id", Field.sha256Hex(fresh))
        .put("csv", new JsonObject().put("$binary", fresh)).put("token", "t")
        .put("storedAt", System.currentTimeMillis())));

    assertThat(await(store.exists(old))).isFalse();
    assertThat(failure(store.get(old))).isInstanceOfSatisfying(ApiException.class,
        e -> assertThat(e.status()).isEqualTo(404));
    assertThat(node.call("GET", "/api/datasets/" + old).send().status()).isEqualTo(404);

    await(store.sweep());

    assertThat(storedBytes()).containsExactly(Field.sha256Hex(fresh));
  }

  @Test
  @DisplayName("remove() deletes whoever owns it; a transient dataset is unlisted and removeTransient spares kept ones")
  void removeAndTransient() {
    String kept = upload(series("kept", 3));
    assertThat(await(store.removeTransient(kept))).isFalse();
    assertThat(await(store.exists(kept))).isTrue();
    assertThat(await(store.remove(kept))).isTrue();
    assertThat(await(store.remove(kept))).isFalse();
    assertThat(await(store.exists(kept))).isFalse();
    assertThat(stored()).isEmpty();
    assertThat(storedBytes()).isEmpty();

    byte[] quick = series("quick", 6).getBytes(StandardCharsets.UTF_8);
    DatasetStore.Stored stored = await(store.upload(quick, AuthUser.LOCAL.id(), true));
    assertThat(stored.created()).isTrue();
    assertThat(await(store.get(stored.dataset().hash())).rows()).isEqualTo(6);
    JsonArray listed = node.call("GET", "/api/datasets").send().json().getJsonArray("datasets");
    assertThat(listed).isEmpty();
    assertThat(await(store.removeTransient(stored.dataset().hash()))).isTrue();
    assertThat(await(store.exists(stored.dataset().hash()))).isFalse();
    assertThat(storedBytes()).isEmpty();
  }

  @Test
  @DisplayName("concurrent uploads of the same bytes make one dataset with every uploader an owner")
  void concurrentSameUpload() {
    byte[] csv = series("race", 50).getBytes(StandardCharsets.UTF_8);
    List<Future<DatasetStore.Stored>> uploads = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      uploads.add(store.upload(csv, "user-" + i, false));
    }

    await(Future.all(uploads));

    assertThat(uploads.stream().filter(f -> f.result().created()).count()).isEqualTo(1);
    JsonObject entry = await(mongo.findOne(DatasetStore.ENTRIES, new JsonObject(), null));
    assertThat(entry.getJsonArray("owners")).containsExactlyInAnyOrder("user-0", "user-1", "user-2", "user-3",
        "user-4", "user-5");
    assertThat(stored()).containsExactly(Field.sha256Hex(csv));
    assertThat(storedBytes()).containsExactly(Field.sha256Hex(csv));
  }

  @Test
  @DisplayName("concurrent loads of a dataset this node does not hold share one read and one parse")
  void concurrentLoads() {
    String hash = upload(series("loads", 30));
    Other other = Other.start();
    List<Future<Dataset>> loads = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      loads.add(other.store.get(hash));
    }

    await(Future.all(loads));

    Dataset first = loads.get(0).result();
    assertThat(loads).allSatisfy(load -> assertThat(load.result()).isSameAs(first));
    assertThat(first.rows()).isEqualTo(30);
    other.stop();
  }

  // ---- helpers ----------------------------------------------------------------------------------

  /** A second node's view: its own store (own memory) and its own removal-notice consumer. */
  private record Other(DatasetStore store, String deployment, ConcurrentLinkedQueue<JsonObject> notices,
      io.vertx.core.eventbus.MessageConsumer<JsonObject> listener) {

    static Other start() {
      DatasetStore store = new DatasetStore(vertx, mongo, DatasetCacheTest.store.settings());
      String id = await(vertx.deployVerticle(new DatasetsVerticle(store)));
      ConcurrentLinkedQueue<JsonObject> notices = new ConcurrentLinkedQueue<>();
      var listener = vertx.eventBus().<JsonObject>consumer(Addresses.DATASETS_CHANGED, m -> notices.add(m.body()));
      await(listener.completion());
      return new Other(store, id, notices, listener);
    }

    void stop() {
      await(listener.unregister());
      await(vertx.undeploy(deployment));
    }
  }

  private static String upload(String csv) {
    Reply reply = node.call("POST", "/api/datasets").body(csv, "text/csv").send();
    assertThat(reply.status()).as(reply.toString()).isEqualTo(201);
    return reply.json().getString("hash");
  }

  /** A one-column CSV of exactly {@code size} bytes. */
  private static String sized(String name, int size) {
    StringBuilder csv = new StringBuilder(series(name, 0));
    while (csv.length() + 2 <= size) {
      csv.append("1\n");
    }
    if (csv.length() < size) {
      csv.insert(csv.indexOf("\n"), 'x');
    }
    assertThat(csv.length()).isEqualTo(size);
    return csv.toString();
  }

  private static void lastUsed(String hash, long at) {
    await(mongo.updateCollection(DatasetStore.ENTRIES, new JsonObject().put("_id", hash),
        new JsonObject().put("$set", new JsonObject().put("lastUsed", at))));
  }

  private static List<String> stored() {
    return await(mongo.find(DatasetStore.ENTRIES, new JsonObject())).stream().map(e -> e.getString("_id")).toList();
  }

  private static List<String> storedBytes() {
    return await(mongo.findWithOptions(DatasetStore.BYTES, new JsonObject(),
            new io.vertx.ext.mongo.FindOptions().setFields(new JsonObject().put("_id", 1))))
        .stream().map(e -> e.getString("_id")).toList();
  }

  /** Waits (polling, up to 10 s) for something delivered asynchronously, such as a bus notice. */
  static void eventually(BooleanSupplier condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 10 s");
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
