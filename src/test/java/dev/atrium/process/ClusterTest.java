package dev.atrium.process;

import static dev.atrium.process.ProcessTests.EXIT_TIMEOUT;
import static dev.atrium.process.ProcessTests.TAIL;
import static dev.atrium.process.ProcessTests.awaitExit;
import static dev.atrium.process.ProcessTests.isolatedEnv;
import static dev.atrium.process.ProcessTests.mustGet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.atrium.testing.AtriumProcess;
import dev.atrium.testing.FreePorts;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two clustered nodes in separate JVMs: they find each other over Hazelcast, answer each other's
 * requests over the clustered event bus (request ids included), and the survivor notices a
 * killed member within 15 s, answering requests for it with 503 while staying ready itself.
 */
@DisplayName("Two clustered Atrium nodes in separate JVMs")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ClusterTest {

  /** Forming the cluster on a small, busy machine; not the 15 s failure-detection requirement. */
  private static final Duration FORMING = Duration.ofSeconds(60);
  /** The requirement: a killed member is noticed, and requests for it fail with 503, within this. */
  private static final Duration DETECTION = Duration.ofSeconds(15);
  /** A request to a node answers within the 2 s bus timeout; this allows for a loaded machine. */
  private static final Duration NODE_REQUEST_BOUND = Duration.ofMillis(3_500);

  @TempDir
  Path root;

  private final List<AtriumProcess> started = new ArrayList<>();

  @AfterEach
  void closeNodes() {
    started.forEach(AtriumProcess::close);
  }

  @Test
  @DisplayName("form a cluster, answer each other's pings, and the survivor detects a killed member within 15 s")
  void clusterAndFailureDetection() throws Exception {
    int httpA = FreePorts.next();
    int httpB = FreePorts.next();
    int hzA = FreePorts.next();
    int hzB = FreePorts.next();
    String members = "127.0.0.1:" + hzA + ",127.0.0.1:" + hzB;

    AtriumProcess a = startNode("cluster-a", httpA, hzA, members);
    AtriumProcess b = startNode("cluster-b", httpB, hzB, members);

    long formingDeadline = System.nanoTime() + FORMING.toNanos();
    a.waitForReady(httpA, remaining(formingDeadline));
    b.waitForReady(httpB, remaining(formingDeadline));
    JsonObject clusterA = awaitMembers(a, httpA, 2, formingDeadline);
    JsonObject clusterB = awaitMembers(b, httpB, 2, formingDeadline);
    String idA = clusterA.getString("node");
    String idB = clusterB.getString("node");
    assertThat(idA).isNotBlank().isNotEqualTo(idB);
    assertThat(clusterA.getBoolean("clustered")).isTrue();
    assertThat(clusterA.getJsonArray("members").getList()).containsExactlyInAnyOrder(idA, idB);
    assertThat(clusterB.getJsonArray("members").getList()).containsExactlyInAnyOrder(idA, idB);

    // A answers for B and B for A, over the clustered event bus; the request id travels along.
    assertPingAnswered(a, httpA, b, idB);
    assertPingAnswered(b, httpB, a, idA);

    // Kill B as in a crash; from now on, 15 s for A to notice and to answer for B with 503.
    b.sigkill();
    long t0 = System.nanoTime();
    long detectionDeadline = t0 + DETECTION.toNanos();
    assertThat(b.waitForExit(Duration.ofSeconds(10))).as("B exits after SIGKILL").isTrue();

    // Right after the kill A may still route to B (its subscriptions are not purged yet): the
    // request times out on the bus. Either way the client gets a quick 503.
    assertPingUnavailable(a, httpA, idB, "kill-early-" + shortId(), detectionDeadline);

    Optional<String> left = a.waitForLine(
        Pattern.compile(Pattern.quote("cluster member left [node: " + idB)), remaining(detectionDeadline));
    assertThat(left).as("A logs B leaving within %s of the kill; last output of A:\n%s", DETECTION,
        a.tail(TAIL)).isPresent();

    // Once B has left, Vert.x purges its subscriptions: no handler for the address, still 503.
    assertPingUnavailable(a, httpA, idB, "kill-late-" + shortId(), detectionDeadline);

    // A carries on alone: one member, and ready.
    JsonObject alone = awaitMembers(a, httpA, 1, System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
    assertThat(alone.getJsonArray("members").getList()).containsExactly(idA);
    HttpResponse<String> ready = mustGet(a, httpA, "/health/ready", null);
    assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);

    a.sigterm();
    int exit = awaitExit(a, EXIT_TIMEOUT);
    assertThat(exit).as("A's exit code after SIGTERM; output:\n%s", a.tail(TAIL)).isZero();
    // "- left the cluster": Atrium's own line, not Hazelcast's "... recently joined or left the cluster"
    ProcessTests.assertInOrder(a.lines(), "received SIGTERM", "coordination closed", "- left the cluster",
        "shutdown complete");
    assertThat(a.lines()).noneMatch(line -> line.contains("- vert.x closed"));
  }

  private AtriumProcess startNode(String name, int httpPort, int hazelcastPort, String members)
      throws IOException {
    Path home = Files.createDirectories(root.resolve(name + "-home"));
    Path data = Files.createDirectories(root.resolve(name + "-data"));
    Map<String, String> env = isolatedEnv(home);
    env.put("ATRIUM_CLUSTER_MEMBERS", members);
    env.put("ATRIUM_CLUSTER_PORT", Integer.toString(hazelcastPort));
    env.put("ATRIUM_EVENTBUS_PORT", "0");
    AtriumProcess node = AtriumProcess.builder()
        .name(name)
        .workDir(home)
        .env(env)
        .args("serve", "--cluster", "--port", Integer.toString(httpPort), "--data-dir", data.toString())
        .start();
    started.add(node);
    return node;
  }

  /** Polls {@code /api/cluster} until it lists {@code count} members; returns that answer. */
  private static JsonObject awaitMembers(AtriumProcess node, int port, int count, long deadline)
      throws InterruptedException {
    String last = "no answer";
    while (true) {
      try {
        HttpResponse<String> response = ProcessTests.get(port, "/api/cluster", null);
        last = response.statusCode() + " " + response.body();
        if (response.statusCode() == 200) {
          JsonObject body = new JsonObject(response.body());
          if (body.getJsonArray("members").size() == count) {
            return body;
          }
        }
      } catch (IOException e) {
        last = e.toString();
      }
      if (System.nanoTime() - deadline >= 0) {
        return fail(node.name() + " did not list " + count + " members in time (last answer: " + last
            + "); last output:\n" + node.tail(TAIL));
      }
      Thread.sleep(250);
    }
  }

  /** GET {@code via:/api/cluster/nodes/<id>/ping} answers 200 from the target, which logs our request id. */
  private static void assertPingAnswered(AtriumProcess via, int viaPort, AtriumProcess target, String targetId)
      throws InterruptedException {
    String requestId = via.name() + "-to-" + target.name() + "-" + shortId();
    HttpResponse<String> response = mustGet(via, viaPort, "/api/cluster/nodes/" + targetId + "/ping", requestId);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(new JsonObject(response.body()).getString("node")).isEqualTo(targetId);
    assertThat(response.headers().firstValue("X-Request-Id")).hasValue(requestId);

    Optional<String> answered = target.waitForLine(
        Pattern.compile(Pattern.quote("[" + requestId + "]") + ".*node ping answered"), Duration.ofSeconds(5));
    assertThat(answered).as("%s logs the ping with request id %s; last output:\n%s", target.name(),
        requestId, target.tail(TAIL)).isPresent();
    assertThat(answered.get()).contains("node: " + targetId);
  }

  /**
   * Pings the killed node through {@code via}: the answer must be 503 with the JSON error shape,
   * come within {@link #NODE_REQUEST_BOUND} and before {@code deadline}. A dead node can answer
   * nothing else, so there is nothing to retry: any other outcome is a failure.
   */
  private static void assertPingUnavailable(AtriumProcess via, int viaPort, String deadId, String requestId,
      long deadline) throws InterruptedException {
    long start = System.nanoTime();
    HttpResponse<String> response = mustGet(via, viaPort, "/api/cluster/nodes/" + deadId + "/ping", requestId);
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    String what = "ping for the killed node (request " + requestId + "): " + response.statusCode() + " in "
        + took.toMillis() + " ms, body " + response.body();
    assertThat(response.statusCode()).as(what).isEqualTo(503);
    assertThat(took).as("a ping for a dead node must fail fast; " + what).isLessThanOrEqualTo(NODE_REQUEST_BOUND);
    assertThat(System.nanoTime() - deadline).as("answered within %s of the kill; %s", DETECTION, what)
        .isLessThanOrEqualTo(0L);
    assertThat(response.headers().firstValue("Content-Type")).as(what)
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
    JsonObject error = new JsonObject(response.body());
    assertThat(error.getString("error")).as(what).isEqualTo("unavailable");
    assertThat(error.getString("message")).as(what).isNotBlank();
    assertThat(error.getString("requestId")).as(what).isEqualTo(requestId);
  }

  private static String shortId() {
    return UUID.randomUUID().toString().substring(0, 8);
  }

  private static Duration remaining(long deadline) {
    return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
  }
}
