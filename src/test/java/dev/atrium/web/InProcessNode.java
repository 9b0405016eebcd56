package dev.atrium.web;

import dev.atrium.boot.AtriumServer;
import dev.atrium.config.Settings;
import dev.atrium.config.SettingsLoader;
import dev.atrium.testing.FreePorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Atrium node started in this JVM with {@link AtriumServer#start(Settings)} in local mode,
 * its data and home under a test directory so no user configuration leaks in, plus a plain
 * {@link HttpClient} aimed at it.
 *
 * <pre>{@code
 * try (InProcessNode node = InProcessNode.start(tmp, Map.of("ATRIUM_BODY_LIMIT", "1KB"))) {
 *   HttpResponse<String> health = node.get("/health");
 * }
 * }</pre>
 */
public final class InProcessNode implements AutoCloseable {

  /** How long startup and shutdown may take in a test. */
  public static final Duration LIFECYCLE_TIMEOUT = Duration.ofSeconds(30);

  private final AtriumServer server;
  private final int port;
  private final HttpClient client;

  private InProcessNode(AtriumServer server, int port) {
    this.server = server;
    this.port = port;
    this.client = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(2))
        .build();
  }

  /**
   * Starts a node on a free port with {@code dir} as home, working directory and data directory.
   *
   * @param dir an empty test directory
   * @param extraEnv environment entries added on top (e.g. {@code ATRIUM_BODY_LIMIT})
   */
  public static InProcessNode start(Path dir, Map<String, String> extraEnv) throws Exception {
    Settings settings = settings(dir, extraEnv);
    return new InProcessNode(startServer(settings), settings.http().port());
  }

  /** Settings of a local-mode node rooted in {@code dir}, on a free port. */
  public static Settings settings(Path dir, Map<String, String> extraEnv) {
    Map<String, String> env = new HashMap<>();
    env.put("HOME", dir.toString());
    env.put("XDG_CONFIG_HOME", dir.resolve(".config").toString());
    env.put("ATRIUM_MODE", "local");
    env.put("ATRIUM_PORT", String.valueOf(FreePorts.next()));
    env.put("ATRIUM_DATA_DIR", dir.resolve("data").toString());
    env.put("ATRIUM_SHUTDOWN_GRACE", "1s");
    env.putAll(extraEnv);
    return new SettingsLoader(env, dir).load(null, Map.of()).settings();
  }

  private static AtriumServer startServer(Settings settings) throws Exception {
    return AtriumServer.start(settings).toCompletionStage().toCompletableFuture()
        .get(LIFECYCLE_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
  }

  /** The running server. */
  public AtriumServer server() {
    return server;
  }

  /** The node id. */
  public String nodeId() {
    return server.identity().nodeId();
  }

  /** The HTTP port. */
  public int port() {
    return port;
  }

  /** The client every helper method uses (HTTP/1.1, no automatic decompression). */
  public HttpClient client() {
    return client;
  }

  /** {@code http://127.0.0.1:PORT} + {@code path}. */
  public URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  /** A request builder for {@code path} with a 10 s response timeout. */
  public HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10));
  }

  /** {@code GET path} with the body as text. */
  public HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return send(request(path).GET().build());
  }

  /** Sends a request, reading the body as text. */
  public HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
    return client.send(request, HttpResponse.BodyHandlers.ofString());
  }

  /** Stops the node and waits for the shutdown to complete. */
  @Override
  public void close() throws Exception {
    server.stop().toCompletionStage().toCompletableFuture()
        .get(LIFECYCLE_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
  }
}
