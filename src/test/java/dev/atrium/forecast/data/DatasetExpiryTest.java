package dev.atrium.forecast.data;

import static dev.atrium.forecast.data.DatasetApiTest.await;
import static dev.atrium.forecast.data.DatasetApiTest.series;
import static dev.atrium.forecast.data.DatasetCacheTest.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.bus.Addresses;
import dev.atrium.testing.NodeFixture;
import dev.atrium.testing.NodeFixture.Reply;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Data Cache's TTL on a real in-process node with a 3 s TTL (swept every 750 ms): an unused
 * dataset expires and the expiry is announced; one in use is kept alive by its uses.
 */
@DisplayName("Data Cache expiry")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DatasetExpiryTest {

  private static NodeFixture node;
  private static MongoClient mongo;
  private static DatasetStore store;

  @BeforeAll
  static void startNode() throws Exception {
    node = NodeFixture.local().implicitUser()
        .env("ATRIUM_DATASET_TTL", "3s")
        .env("ATRIUM_LIMIT_WRITES", "100000/1m")
        .env("ATRIUM_LIMIT_UPLOADS", "100000/1m")
        .start();
    mongo = node.server().records().client();
    store = node.server().datasets();
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  @DisplayName("a dataset unused for the TTL is removed from both collections and every node hears it expired")
  void unusedExpires() {
    ConcurrentLinkedQueue<JsonObject> notices = new ConcurrentLinkedQueue<>();
    var listener = node.server().vertx().eventBus().<JsonObject>consumer(Addresses.DATASETS_CHANGED,
        m -> notices.add(m.body()));
    await(listener.completion());
    String hash = upload(series("expiring", 5));
    assertThat(await(store.exists(hash))).isTrue();

    eventually(() -> node.call("GET", "/api/datasets/" + hash).send().status() == 404);

    assertThat(await(store.exists(hash))).isFalse();
    assertThat(await(mongo.count(DatasetStore.ENTRIES, new JsonObject().put("_id", hash)))).isZero();
    assertThat(await(mongo.count(DatasetStore.BYTES, new JsonObject().put("_id", hash)))).isZero();
    eventually(() -> notices.contains(new JsonObject().put("hash", hash).put("change", "removed")
        .put("reason", "expired")));
    await(listener.unregister());
  }

  @Test
  @DisplayName("a dataset in use outlives the TTL several times over, then expires once left alone")
  void usedStays() throws InterruptedException {
    String hash = upload(series("in-use", 5));
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
    while (System.nanoTime() < until) {
      assertThat(await(store.get(hash)).rows()).isEqualTo(5);
      Thread.sleep(100);
    }
    assertThat(await(store.exists(hash))).isTrue();
    assertThat(node.call("GET", "/api/datasets/" + hash).send().status()).isEqualTo(200);

    eventually(() -> !await(store.exists(hash)));
  }

  private static String upload(String csv) {
    Reply reply = node.call("POST", "/api/datasets").body(csv, "text/csv").send();
    assertThat(reply.status()).as(reply.toString()).isEqualTo(201);
    return reply.json().getString("hash");
  }
}
