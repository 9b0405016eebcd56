package dev.atrium.process;

import static dev.atrium.process.ProcessTests.READY_TIMEOUT;
import static dev.atrium.process.ProcessTests.TAIL;
import static dev.atrium.process.ProcessTests.isolatedEnv;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.testing.AtriumProcess;
import dev.atrium.testing.FreePorts;
import dev.atrium.testing.RedisExtension;
import dev.atrium.testing.TestRedis;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Login rate limits counted in Redis, shared by separate Atrium processes that are <em>not</em>
 * clustered (the shared counter is the only thing they have in common), and failing closed while
 * Redis is down.
 */
@DisplayName("Login rate limits shared through Redis")
@ExtendWith(RedisExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SharedRateLimitTest {

  private static final String JWT_SECRET = "shared-rate-limit-test-secret-0123456789";
  private static final String WRONG_PASSWORD = "not-the-right-password";
  /** The default ATRIUM_LIMIT_LOGIN is 5 per minute. */
  private static final int LOGIN_LIMIT = 5;
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);
  /** How long a node may take to notice Redis is back. */
  private static final Duration RECOVERY = Duration.ofSeconds(20);

  private static final HttpClient HTTP = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(2))
      .version(HttpClient.Version.HTTP_1_1)
      .build();

  @TempDir
  Path home;

  private TestRedis sharedRedis;

  @AfterEach
  void leaveNoCounters() {
    // later test classes sign in against the same shared server
    if (sharedRedis != null && sharedRedis.isRunning()) {
      sharedRedis.flushAll();
    }
  }

  @Test
  @DisplayName("two unclustered nodes share one login budget per account: 5 failures → 401, the 6th and 7th → 429 on either node")
  void loginBudgetSharedAcrossNodes(TestRedis redis) throws Exception {
    sharedRedis = redis;
    redis.flushAll();
    int portA = FreePorts.next();
    int portB = FreePorts.next();
    try (AtriumProcess a = node("limit-a", redis.url(), portA);
        AtriumProcess b = node("limit-b", redis.url(), portB)) {
      a.waitForReady(portA, READY_TIMEOUT);
      b.waitForReady(portB, READY_TIMEOUT);
      String account = "victim@example.com";

      // Every attempt comes from a different client address (through a trusted proxy), so the
      // per-IP budget never runs out: only the per-account counter, shared in Redis, can refuse.
      for (int attempt = 1; attempt <= LOGIN_LIMIT; attempt++) {
        int port = attempt % 2 == 1 ? portA : portB;
        HttpResponse<String> reply = login(port, account, "203.0.113." + attempt);
        assertThat(reply.statusCode()).as("attempt %d on %s: %s", attempt, port == portA ? "A" : "B", reply.body())
            .isEqualTo(401);
        assertThat(new JsonObject(reply.body()).getString("message")).isEqualTo("wrong e-mail or password");
      }

      // attempt 6 lands on B (5 went A, B, A, B, A), attempt 7 on A
      HttpResponse<String> sixth = login(portB, account, "203.0.113.6");
      assertTooMany(sixth, "6th attempt, on node B");
      HttpResponse<String> seventh = login(portA, account, "203.0.113.7");
      assertTooMany(seventh, "7th attempt, on node A");

      // the budget is the account's, not the nodes': another account still gets its answer
      HttpResponse<String> other = login(portA, "someone-else@example.com", "203.0.113.8");
      assertThat(other.statusCode()).as(other.body()).isEqualTo(401);

      // and the counter the nodes shared is the one in Redis: every attempt was counted there
      assertThat(redisGet(redis, "rl:login:account:" + account)).isEqualTo("7");
    }
  }

  @Test
  @DisplayName("with Redis down, login fails closed (503) while /health stays 200 and /health/ready reports coordination DOWN; back up, logins count again")
  void failsClosedWithoutRedis() throws Exception {
    try (TestRedis redis = TestRedis.startNew()) {
      int port = FreePorts.next();
      try (AtriumProcess node = node("limit-outage", redis.url(), port)) {
        node.waitForReady(port, READY_TIMEOUT);
        String account = "outage@example.com";
        HttpResponse<String> before = login(port, account, null);
        assertThat(before.statusCode()).as("with Redis up: %s", before.body()).isEqualTo(401);
        assertThat(redisGet(redis, "rl:login:account:" + account)).isEqualTo("1");

        redis.stop();

        HttpResponse<String> down = login(port, account, null);
        assertThat(down.statusCode()).as("login with Redis down: %s\n%s", down.body(), node.tail(TAIL))
            .isEqualTo(503);
        JsonObject body = new JsonObject(down.body());
        assertThat(body.getString("error")).isEqualTo("unavailable");
        assertThat(body.getString("message")).isEqualTo("sign-in is unavailable right now; try again shortly");

        HttpResponse<String> live = get(port, "/health");
        assertThat(live.statusCode()).as("liveness with Redis down: %s", live.body()).isEqualTo(200);
        HttpResponse<String> ready = get(port, "/health/ready");
        assertThat(ready.statusCode()).as("readiness with Redis down: %s", ready.body()).isEqualTo(503);
        JsonObject readiness = new JsonObject(ready.body());
        assertThat(check(readiness, "coordination").getString("status")).isEqualTo("DOWN");
        assertThat(check(readiness, "coordination").getJsonObject("data").getString("backend"))
            .isEqualTo("redis 127.0.0.1:" + redis.port());
        assertThat(check(readiness, "records").getString("status")).isEqualTo("UP");

        redis.start();

        // Redis restarted empty: the first login counted after the outage is a plain 401 again
        HttpResponse<String> after = awaitNot503(port, account, node);
        assertThat(after.statusCode()).as("login once Redis is back: %s", after.body()).isEqualTo(401);
        assertThat(redisGet(redis, "rl:login:account:" + account)).isEqualTo("1");
        HttpResponse<String> readyAgain = get(port, "/health/ready");
        assertThat(readyAgain.statusCode()).as(readyAgain.body()).isEqualTo(200);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------

  private AtriumProcess node(String name, String redisUrl, int port) throws IOException {
    Map<String, String> env = isolatedEnv(home);
    env.put("ATRIUM_MODE", "development");
    env.put("REDIS_URL", redisUrl);
    env.put("GCS_BUCKET_NAME", "atrium-test");
    env.put("ATRIUM_JWT_SECRET", JWT_SECRET);
    env.put("ATRIUM_TRUSTED_PROXIES", "127.0.0.1");
    env.put("ATRIUM_SHUTDOWN_GRACE", "1s");
    Path dataDir = Files.createDirectories(home.resolve("data-" + name));
    return AtriumProcess.builder().name(name).workDir(home).env(env)
        .args("serve", "--port", Integer.toString(port), "--data-dir", dataDir.toString())
        .start();
  }

  /** A failed sign-in; {@code clientIp} (may be null) is sent as X-Forwarded-For. */
  private static HttpResponse<String> login(int port, String email, String clientIp) throws Exception {
    String body = new JsonObject().put("email", email).put("password", WRONG_PASSWORD).encode();
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/auth/login"))
        .timeout(REQUEST_TIMEOUT)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (clientIp != null) {
      request.header("X-Forwarded-For", clientIp);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(int port, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(REQUEST_TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void assertTooMany(HttpResponse<String> reply, String what) {
    assertThat(reply.statusCode()).as("%s: %s", what, reply.body()).isEqualTo(429);
    JsonObject body = new JsonObject(reply.body());
    assertThat(body.getString("error")).isEqualTo("too_many_requests");
    assertThat(body.getString("message")).startsWith("too many login requests; retry in ");
    String retryAfter = reply.headers().firstValue("Retry-After").orElse(null);
    assertThat(retryAfter).as("%s: Retry-After", what).isNotNull().matches("\\d+");
    assertThat(Integer.parseInt(retryAfter)).as("%s: Retry-After seconds", what).isBetween(1, 60);
  }

  /** Logs in until the node stops answering 503 (Redis reconnect); 401 is expected then. */
  private static HttpResponse<String> awaitNot503(int port, String account, AtriumProcess node) throws Exception {
    long deadline = System.nanoTime() + RECOVERY.toNanos();
    HttpResponse<String> reply = login(port, account, null);
    while (reply.statusCode() == 503) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("login still 503 " + RECOVERY.toSeconds() + " s after Redis restarted: "
            + reply.body() + "\n" + node.tail(TAIL));
      }
      Thread.sleep(200);
      reply = login(port, account, null);
    }
    return reply;
  }

  private static JsonObject check(JsonObject health, String id) {
    JsonArray checks = health.getJsonArray("checks");
    for (int i = 0; i < checks.size(); i++) {
      JsonObject check = checks.getJsonObject(i);
      if (id.equals(check.getString("id"))) {
        return check;
      }
    }
    throw new AssertionError("no check '" + id + "' in " + health.encodePrettily());
  }

  /** {@code GET key} over a plain socket (RESP); the value, or null when the key does not exist. */
  private static String redisGet(TestRedis redis, String key) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", redis.port()), 2_000);
      socket.setSoTimeout(2_000);
      byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
      OutputStream out = socket.getOutputStream();
      out.write(("*2\r\n$3\r\nGET\r\n$" + keyBytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(keyBytes);
      out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      String header = in.readLine();
      if (header == null || !header.startsWith("$")) {
        throw new AssertionError("GET " + key + " answered " + header);
      }
      return header.equals("$-1") ? null : in.readLine();
    }
  }
}
