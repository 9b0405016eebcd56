package dev.atrium.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.atrium.testing.AtriumProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Shared plumbing for the tests that run Atrium in separate JVMs: a clean environment that sees
 * no user configuration, a plain HTTP client with a per-request timeout, and order checks on
 * output lines.
 */
final class ProcessTests {

  /** Per-request limit: a request that hangs fails the test instead of the test hanging. */
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
  /** How long a local node may take to become ready (it usually needs ~2 s). */
  static final Duration READY_TIMEOUT = Duration.ofSeconds(40);
  /** How long an ordered shutdown may take before the test calls it a hang. */
  static final Duration EXIT_TIMEOUT = Duration.ofSeconds(40);
  /** Lines shown in failure messages. */
  static final int TAIL = 80;

  private static final HttpClient HTTP = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(2))
      .version(HttpClient.Version.HTTP_1_1)
      .build();

  private ProcessTests() {
  }

  /**
   * An environment that points HOME and XDG_CONFIG_HOME at {@code home}, so no developer's
   * {@code ~/.config/atrium/atrium.json} is read.
   */
  static Map<String, String> isolatedEnv(Path home) {
    try {
      Path config = Files.createDirectories(home.resolve("config"));
      Map<String, String> env = new LinkedHashMap<>();
      env.put("HOME", home.toString());
      env.put("XDG_CONFIG_HOME", config.toString());
      env.put("XDG_DATA_HOME", Files.createDirectories(home.resolve("data")).toString());
      return env;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** GET with the per-request timeout; {@code requestId} may be null. */
  static HttpResponse<String> get(int port, String path, String requestId)
      throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(REQUEST_TIMEOUT)
        .GET();
    if (requestId != null) {
      request.header("X-Request-Id", requestId);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** GET that must answer; an I/O failure fails the test with the node's last output. */
  static HttpResponse<String> mustGet(AtriumProcess node, int port, String path, String requestId)
      throws InterruptedException {
    try {
      return get(port, path, requestId);
    } catch (IOException e) {
      throw new AssertionError("GET " + path + " on " + node.name() + " failed: " + e
          + "; last output:\n" + node.tail(TAIL), e);
    }
  }

  /** Index of the first line containing {@code marker}, or -1. */
  static int indexOf(List<String> lines, String marker) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(marker)) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Asserts that every marker occurs in {@code lines} and that their first occurrences are in
   * the given order (strictly increasing line indexes).
   */
  static void assertInOrder(List<String> lines, String... markers) {
    List<Integer> indexes = new ArrayList<>();
    for (String marker : markers) {
      int index = indexOf(lines, marker);
      if (index < 0) {
        fail("no output line contains '" + marker + "'; output:\n" + String.join("\n", lines));
      }
      indexes.add(index);
    }
    for (int i = 1; i < markers.length; i++) {
      if (indexes.get(i) <= indexes.get(i - 1)) {
        fail("'" + markers[i] + "' (line " + indexes.get(i) + ") should come after '" + markers[i - 1]
            + "' (line " + indexes.get(i - 1) + "); output:\n" + String.join("\n", lines));
      }
    }
    assertThat(indexes).isSorted();
  }

  /** Waits for the process to exit; fails (and kills it) if it does not within {@code timeout}. */
  static int awaitExit(AtriumProcess node, Duration timeout) {
    if (!node.waitForExit(timeout)) {
      String tail = node.tail(TAIL);
      node.sigkill();
      node.waitForExit(Duration.ofSeconds(10));
      fail(node.name() + " did not exit within " + timeout + "; last output:\n" + tail);
    }
    return node.exitCode();
  }

  /** Sends SIGINT, as Ctrl-C in a terminal does. */
  static void sigint(AtriumProcess node) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-INT", Long.toString(node.pid()))
        .redirectErrorStream(true)
        .start();
    String out = new String(kill.getInputStream().readAllBytes());
    assertThat(kill.waitFor()).as("kill -INT %d: %s", node.pid(), out).isZero();
  }
}
