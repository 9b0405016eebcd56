package dev.atrium.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atrium.bus.Addresses;
import dev.atrium.web.InProcessNode;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("An Atrium node started in-process in local mode")
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class AtriumServerTest {

  private static final int BODY_LIMIT = 1024;
  private static final String GENERATED_ID = "[0-9a-f]{16}";

  @TempDir
  static Path dir;

  private static InProcessNode node;

  @BeforeAll
  static void startNode() throws Exception {
    node = InProcessNode.start(dir, Map.of("ATRIUM_BODY_LIMIT", "1KB"));
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Nested
  @DisplayName("health and metrics")
  class HealthAndMetrics {

    @Test
    @DisplayName("GET /health answers 200 {\"status\":\"UP\"} as JSON")
    void liveness() throws Exception {
      HttpResponse<String> response = node.get("/health");

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
          type -> assertThat(type).startsWith("application/json"));
      assertThat(new JsonObject(response.body())).isEqualTo(new JsonObject().put("status", "UP"));
    }

    @Test
    @DisplayName("GET /health/ready answers 200 with node, coordination and records checks all UP")
    void readiness() throws Exception {
      HttpResponse<String> response = node.get("/health/ready");

      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      JsonObject body = new JsonObject(response.body());
      assertThat(body.getString("status")).isEqualTo("UP");
      assertThat(body.getString("outcome")).isEqualTo("UP");
      JsonArray checks = body.getJsonArray("checks");
      assertThat(checks.stream().map(c -> ((JsonObject) c).getString("id")))
          .containsExactlyInAnyOrder("node", "coordination", "records");

      JsonObject nodeCheck = check(checks, "node");
      assertThat(nodeCheck.getString("status")).isEqualTo("UP");
      assertThat(nodeCheck.getJsonObject("data").getString("phase")).isEqualTo("ready");

      JsonObject coordination = check(checks, "coordination");
      assertThat(coordination.getString("status")).isEqualTo("UP");
      assertThat(coordination.getJsonObject("data").getValue("latencyMs")).isInstanceOf(Number.class);
      assertThat(coordination.getJsonObject("data").getString("backend")).isEqualTo("in-process");

      JsonObject records = check(checks, "records");
      assertThat(records.getString("status")).isEqualTo("UP");
      assertThat(records.getJsonObject("data").getValue("latencyMs")).isInstanceOf(Number.class);
      assertThat(records.getJsonObject("data").getString("backend"))
          .startsWith("embedded mongo-wire 127.0.0.1:")
          .contains(dir.resolve("data").toString());
    }

    @Test
    @DisplayName("GET /metrics exposes JVM, process, HTTP server and event-bus series in Prometheus text")
    void metrics() throws Exception {
      node.get("/health"); // at least one served request, so the HTTP server series exist

      HttpResponse<String> response = node.get("/metrics");

      assertThat(response.statusCode()).isEqualTo(200);
      List<String> series = Arrays.stream(response.body().split("\n"))
          .filter(line -> !line.startsWith("#") && !line.isBlank())
          .toList();
      assertThat(series).anyMatch(line -> line.startsWith("jvm_"));
      assertThat(series).anyMatch(line -> line.startsWith("process_"));
      assertThat(series).anyMatch(line -> line.startsWith("vertx_http_server_"));
      assertThat(series).anyMatch(line -> line.startsWith("vertx_eventbus_"));
    }

    @Test
    @DisplayName("GET /metrics is gzip-compressed when the client accepts gzip")
    void metricsCompressed() throws Exception {
      HttpResponse<byte[]> response = node.client().send(
          node.request("/metrics").header("Accept-Encoding", "gzip").GET().build(),
          HttpResponse.BodyHandlers.ofByteArray());

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("Content-Encoding")).hasValue("gzip");
      String text;
      try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(response.body()))) {
        text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      assertThat(text).contains("jvm_");
    }
  }

  @Nested
  @DisplayName("request ids")
  class RequestIdHeader {

    @Test
    @DisplayName("a well-formed incoming X-Request-Id is echoed and appears in error bodies")
    void echoesWellFormed() throws Exception {
      String offered = "client-id_1.2:3";
      HttpResponse<String> response = node.send(
          node.request("/nope").header("X-Request-Id", offered).GET().build());

      assertThat(response.headers().firstValue("X-Request-Id")).hasValue(offered);
      assertThat(new JsonObject(response.body()).getString("requestId")).isEqualTo(offered);
    }

    @Test
    @DisplayName("an id of exactly 128 allowed characters is still accepted")
    void acceptsLongestId() throws Exception {
      String offered = "a".repeat(128);
      HttpResponse<String> response = node.send(
          node.request("/health").header("X-Request-Id", offered).GET().build());

      assertThat(response.headers().firstValue("X-Request-Id")).hasValue(offered);
    }

    @Test
    @DisplayName("a malformed incoming id (spaces, or 200 characters) is replaced by a generated 16-hex id")
    void replacesMalformed() throws Exception {
      for (String offered : List.of("has spaces in it", "b".repeat(200), "semi;colon")) {
        HttpResponse<String> response = node.send(
            node.request("/nope").header("X-Request-Id", offered).GET().build());

        String echoed = response.headers().firstValue("X-Request-Id").orElseThrow();
        assertThat(echoed).as("id replacing '%s'", offered).matches(GENERATED_ID);
        assertThat(new JsonObject(response.body()).getString("requestId")).isEqualTo(echoed);
      }
    }

    @Test
    @DisplayName("a request without an id gets a fresh generated one each time")
    void generatesWhenAbsent() throws Exception {
      String first = node.get("/health").headers().firstValue("X-Request-Id").orElseThrow();
      String second = node.get("/health").headers().firstValue("X-Request-Id").orElseThrow();

      assertThat(first).matches(GENERATED_ID);
      assertThat(second).matches(GENERATED_ID).isNotEqualTo(first);
    }
  }

  @Nested
  @DisplayName("error responses")
  class Errors {

    @Test
    @DisplayName("GET /nope answers 404 with the JSON error shape")
    void notFound() throws Exception {
      HttpResponse<String> response = node.get("/nope");

      assertErrorShape(response, 404, "not_found");
      assertThat(new JsonObject(response.body()).getString("message")).contains("/nope");
    }

    @Test
    @DisplayName("GET of an unknown /api path answers 404, not 405")
    void unknownApiGetIsNotFound() throws Exception {
      assertErrorShape(node.get("/api/unknown"), 404, "not_found");
    }

    @Test
    @DisplayName("POST /health answers 405 method_not_allowed")
    void methodNotAllowed() throws Exception {
      HttpResponse<String> response = node.send(
          node.request("/health").POST(HttpRequest.BodyPublishers.noBody()).build());

      assertErrorShape(response, 405, "method_not_allowed");
    }

    @Test
    @DisplayName("a JSON body one byte over the limit with Content-Length answers 413 payload_too_large")
    void bodyOverLimitWithLength() throws Exception {
      HttpResponse<String> response = node.send(node.request("/api/anything")
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofByteArray(jsonOfSize(BODY_LIMIT + 1))).build());

      assertErrorShape(response, 413, "payload_too_large");
    }

    @Test
    @DisplayName("a chunked JSON body one byte over the limit, without Content-Length, answers 413 payload_too_large")
    void bodyOverLimitChunked() throws Exception {
      HttpResponse<String> response = node.send(node.request("/api/anything")
          .header("Content-Type", "application/json")
          .POST(chunked(BODY_LIMIT + 1)).build());

      assertErrorShape(response, 413, "payload_too_large");
    }

    @Test
    @DisplayName("a body exactly at the limit passes the guard (404: the route does not exist), sized or chunked")
    void bodyAtLimit() throws Exception {
      HttpResponse<String> sized = node.send(node.request("/api/anything")
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofByteArray(jsonOfSize(BODY_LIMIT))).build());
      HttpResponse<String> chunked = node.send(node.request("/api/anything")
          .header("Content-Type", "application/json")
          .POST(chunked(BODY_LIMIT)).build());

      assertErrorShape(sized, 404, "not_found");
      assertErrorShape(chunked, 404, "not_found");
    }

    @Test
    @DisplayName("responses, errors included, carry the security headers")
    void securityHeaders() throws Exception {
      for (HttpResponse<String> response : List.of(node.get("/health"), node.get("/nope"))) {
        assertThat(response.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(response.headers().firstValue("X-Frame-Options")).hasValue("DENY");
        assertThat(response.headers().firstValue("Content-Security-Policy"))
            .hasValueSatisfying(csp -> assertThat(csp).contains("default-src 'self'")
                .contains("frame-ancestors 'none'"));
      }
    }

    private HttpRequest.BodyPublisher chunked(int size) {
      // fromPublisher without a length: the client must send Transfer-Encoding: chunked
      return HttpRequest.BodyPublishers.fromPublisher(
          HttpRequest.BodyPublishers.ofByteArray(jsonOfSize(size)));
    }

    /** A JSON document of exactly {@code size} bytes (a structured body, read whole up to the limit). */
    private byte[] jsonOfSize(int size) {
      String frame = "{\"pad\":\"\"}";
      byte[] bytes = ("{\"pad\":\"" + "x".repeat(size - frame.length()) + "\"}").getBytes(StandardCharsets.UTF_8);
      assertThat(bytes).hasSize(size);
      return bytes;
    }
  }

  @Nested
  @DisplayName("cluster routes")
  class ClusterRoutes {

    @Test
    @DisplayName("GET /api/cluster describes this node with itself as the only member")
    void describesItself() throws Exception {
      HttpResponse<String> response = node.get("/api/cluster");

      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      JsonObject body = new JsonObject(response.body());
      assertThat(body.getString("node")).isEqualTo(node.nodeId());
      assertThat(body.getString("mode")).isEqualTo("local");
      assertThat(body.getBoolean("clustered")).isFalse();
      assertThat(body.getJsonArray("members")).containsExactly(node.nodeId());
    }

    @Test
    @DisplayName("pinging this node's own id answers 200 from this node")
    void pingsItself() throws Exception {
      HttpResponse<String> response = node.get("/api/cluster/nodes/" + node.nodeId() + "/ping");

      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      assertThat(new JsonObject(response.body()).getString("node")).isEqualTo(node.nodeId());
    }

    @Test
    @DisplayName("pinging an unknown node id answers 503 JSON (no handler) within the node timeout")
    void unknownNodeIsUnavailable() throws Exception {
      String unknown = UUID.randomUUID().toString();
      HttpResponse<String> response = node.send(node.request("/api/cluster/nodes/" + unknown + "/ping")
          .timeout(Addresses.NODE_TIMEOUT.plus(Duration.ofSeconds(3))).GET().build());

      assertErrorShape(response, 503, "unavailable");
      assertThat(new JsonObject(response.body()).getString("message")).contains("try again")
          .doesNotContain("No handlers for address"); // Vert.x's wording, not a message for clients
    }

    @Test
    @DisplayName("a malformed node id answers 400 bad_request")
    void malformedNodeId() throws Exception {
      assertErrorShape(node.get("/api/cluster/nodes/not_a*node/ping"), 400, "bad_request");
    }
  }

  @Nested
  @DisplayName("shutdown")
  class Shutdown {

    @Test
    @DisplayName("after stop() the port refuses connections, and stop() again returns the same future")
    void stopIsFinalAndIdempotent(@TempDir Path own) throws Exception {
      InProcessNode other = InProcessNode.start(own, Map.of());
      assertThat(other.get("/health/ready").statusCode()).isEqualTo(200);

      Future<Void> first = other.server().stop();
      Future<Void> second = other.server().stop();
      first.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);

      assertThat(second).isSameAs(first);
      assertThat(other.server().stop()).isSameAs(first);
      // a new client, so no pooled connection from before the stop is tried
      HttpClient fresh = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      assertThatThrownBy(() -> fresh.send(other.request("/health/ready").GET().build(),
          HttpResponse.BodyHandlers.ofString()))
          .isInstanceOf(ConnectException.class);
    }
  }

  private static JsonObject check(JsonArray checks, String id) {
    return checks.stream().map(JsonObject.class::cast)
        .filter(c -> id.equals(c.getString("id")))
        .findFirst().orElseThrow(() -> new AssertionError("no check " + id + " in " + checks));
  }

  private static void assertErrorShape(HttpResponse<String> response, int status, String error)
      throws IOException {
    assertThat(response.statusCode()).as("status of %s: %s", response.uri(), response.body())
        .isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
    JsonObject body = new JsonObject(response.body());
    assertThat(body.fieldNames()).containsExactlyInAnyOrder("error", "message", "requestId");
    assertThat(body.getString("error")).isEqualTo(error);
    assertThat(body.getString("message")).isNotBlank();
    assertThat(body.getString("requestId"))
        .isEqualTo(response.headers().firstValue("X-Request-Id").orElseThrow());
  }
}
