package dev.atrium.records;

import dev.atrium.config.StoreSettings;
import de.bwaldvogel.mongo.MongoServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store of record: one {@link MongoClient} whatever the mode. With {@code MONGO_URI} it talks
 * to that MongoDB; without, to an embedded MongoDB-wire server (mongo-java-server, H2 backend)
 * started in this process on a loopback port with its file under the data directory — so the
 * same client code serves a laptop and a cluster.
 */
public final class Records {

  private static final Logger LOG = LoggerFactory.getLogger(Records.class);
  /** How long the driver looks for a server before a call fails: startup must not hang on it. */
  private static final int SERVER_SELECTION_TIMEOUT_MS = 3_000;

  private final MongoClient client;
  private final MongoServer embedded;
  private final String description;

  private Records(MongoClient client, MongoServer embedded, String description) {
    this.client = client;
    this.embedded = embedded;
    this.description = description;
  }

  /**
   * Connects to the configured MongoDB, or starts the embedded server first. The future fails
   * when the embedded server cannot start (e.g. its file is locked by another Atrium).
   */
  public static Future<Records> open(Vertx vertx, StoreSettings stores) {
    if (stores.mongoUri() != null) {
      URI uri = URI.create(stores.mongoUri());
      return Future.succeededFuture(connect(vertx, stores.mongoUri(), stores.mongoDatabase(), null,
          "mongodb " + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())));
    }
    Path file = stores.dataDir().resolve("records").resolve("atrium.mv.db");
    return vertx.executeBlocking(() -> startEmbedded(file)).map(server -> {
      InetSocketAddress address = server.getLocalAddress();
      String uri = "mongodb://127.0.0.1:" + address.getPort();
      return connect(vertx, uri, stores.mongoDatabase(), server,
          "embedded mongo-wire 127.0.0.1:" + address.getPort() + " (" + file + ")");
    });
  }

  private static MongoServer startEmbedded(Path file) {
    try {
      Files.createDirectories(file.getParent());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create records directory " + file.getParent(), e);
    }
    MongoServer server = new MongoServer(new DurableH2Backend(file.toString()));
    server.bind("127.0.0.1", 0);
    LOG.info("embedded records server started [file: {}, port: {}]", file, server.getLocalAddress().getPort());
    return server;
  }

  private static Records connect(Vertx vertx, String uri, String database, MongoServer embedded, String description) {
    JsonObject config = new JsonObject()
        .put("connection_string", uri)
        .put("db_name", database)
        .put("serverSelectionTimeoutMS", SERVER_SELECTION_TIMEOUT_MS)
        .put("connectTimeoutMS", SERVER_SELECTION_TIMEOUT_MS);
    return new Records(MongoClient.createShared(vertx, config, "atrium-records"), embedded, description);
  }

  /** The client every store of record uses. */
  public MongoClient client() {
    return client;
  }

  /** Round-trip time of a {@code ping} command; fails when MongoDB is unreachable. */
  public Future<Duration> ping() {
    long start = System.nanoTime();
    return client.runCommand("ping", new JsonObject().put("ping", 1))
        .map(reply -> Duration.ofNanos(System.nanoTime() - start));
  }

  /** Where records live, for logs and health. */
  public String describe() {
    return description;
  }

  /** Whether records live in the embedded server. */
  public boolean embedded() {
    return embedded != null;
  }

  /** Closes the client, then the embedded server (which flushes its file). */
  public Future<Void> close(Vertx vertx) {
    return client.close().compose(v -> embedded == null
        ? Future.succeededFuture()
        : vertx.executeBlocking(() -> {
          embedded.shutdown();
          return null;
        }));
  }
}
