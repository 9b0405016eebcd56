package dev.atrium.records;

import static org.assertj.core.api.Assertions.assertThat;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import dev.atrium.config.StoreSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.junit5.VertxExtension;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The store of record")
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RecordsTest {

  private static final String DATABASE = "atrium";

  @Test
  @DisplayName("without MONGO_URI starts the embedded server with its file under the data directory")
  void embeddedRoundTrip(Vertx vertx, @TempDir Path dataDir) throws Exception {
    Records records = await(Records.open(vertx, stores(dataDir, null)));
    try {
      assertThat(records.embedded()).isTrue();
      assertThat(records.describe()).startsWith("embedded mongo-wire 127.0.0.1:")
          .contains(dataDir.toString());
      assertThat(await(records.ping())).isNotNull();

      String id = await(records.client().insert("things", new JsonObject().put("name", "first").put("n", 1)));
      List<JsonObject> found = await(records.client().find("things", new JsonObject().put("name", "first")));

      assertThat(id).isNotBlank();
      assertThat(found).singleElement().satisfies(doc -> {
        assertThat(doc.getString("_id")).isEqualTo(id);
        assertThat(doc.getInteger("n")).isEqualTo(1);
      });
      assertThat(dataDir.resolve("records").resolve("atrium.mv.db")).isRegularFile();
    } finally {
      await(records.close(vertx));
    }
  }

  @Test
  @DisplayName("keeps documents on disk: closed and opened again on the same data directory it still has them")
  void embeddedPersists(Vertx vertx, @TempDir Path dataDir) throws Exception {
    Records first = await(Records.open(vertx, stores(dataDir, null)));
    String id;
    try {
      id = await(first.client().insert("things", new JsonObject().put("name", "kept").put("n", 42)));
    } finally {
      await(first.close(vertx));
    }
    Path file = dataDir.resolve("records").resolve("atrium.mv.db");
    assertThat(file).isRegularFile();
    assertThat(Files.size(file)).isPositive();

    Records second = await(Records.open(vertx, stores(dataDir, null)));
    try {
      assertThat(second.describe()).as("a fresh embedded server").isNotEqualTo(first.describe());
      List<JsonObject> found = await(second.client().find("things", new JsonObject().put("name", "kept")));

      assertThat(found).singleElement().satisfies(doc -> {
        assertThat(doc.getString("_id")).isEqualTo(id);
        assertThat(doc.getInteger("n")).isEqualTo(42);
      });
    } finally {
      await(second.close(vertx));
    }
  }

  @Test
  @DisplayName("a second node on a data directory already in use fails to open instead of sharing the file")
  void embeddedFileIsExclusive(Vertx vertx, @TempDir Path dataDir) throws Exception {
    Records first = await(Records.open(vertx, stores(dataDir, null)));
    Vertx otherNode = Vertx.vertx();
    try {
      Future<Records> second = Records.open(otherNode, stores(dataDir, null));
      Throwable failure = second.toCompletionStage().toCompletableFuture()
          .handle((ok, error) -> error).get(30, TimeUnit.SECONDS);

      assertThat(failure).as("opening a records file already open").isNotNull()
          .hasMessageContaining("locked");
    } finally {
      await(first.close(vertx));
      await(otherNode.close());
    }
  }

  @Test
  @DisplayName("with MONGO_URI talks to that server and names its host:port")
  void externalServer(Vertx vertx, @TempDir Path dataDir) throws Exception {
    MongoServer server = new MongoServer(H2Backend.inMemory());
    InetSocketAddress address = server.bind();
    String uri = "mongodb://127.0.0.1:" + address.getPort();
    // A document written by someone else first: seeing it proves Records reads that server.
    MongoClient seeder = MongoClient.create(vertx, new JsonObject()
        .put("connection_string", uri).put("db_name", DATABASE));
    try {
      await(seeder.insert("things", new JsonObject().put("name", "seeded")));

      Records records = await(Records.open(vertx, stores(dataDir, uri)));
      try {
        assertThat(records.embedded()).isFalse();
        assertThat(records.describe()).isEqualTo("mongodb 127.0.0.1:" + address.getPort());
        assertThat(await(records.ping())).isNotNull();
        assertThat(await(records.client().find("things", new JsonObject().put("name", "seeded"))))
            .hasSize(1);

        await(records.client().insert("things", new JsonObject().put("name", "written")));

        assertThat(await(seeder.find("things", new JsonObject().put("name", "written")))).hasSize(1);
        assertThat(dataDir.resolve("records")).as("no embedded file with MONGO_URI").doesNotExist();
      } finally {
        await(records.close(vertx));
      }
    } finally {
      await(seeder.close());
      server.shutdownNow();
    }
  }

  private static StoreSettings stores(Path dataDir, String mongoUri) {
    return new StoreSettings(dataDir, null, mongoUri, DATABASE, null);
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }
}
