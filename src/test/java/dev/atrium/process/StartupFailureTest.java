package dev.atrium.process;

import static dev.atrium.process.ProcessTests.EXIT_TIMEOUT;
import static dev.atrium.process.ProcessTests.READY_TIMEOUT;
import static dev.atrium.process.ProcessTests.TAIL;
import static dev.atrium.process.ProcessTests.awaitExit;
import static dev.atrium.process.ProcessTests.isolatedEnv;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import dev.atrium.testing.AtriumProcess;
import dev.atrium.testing.FreePorts;
import dev.atrium.testing.RedisExtension;
import dev.atrium.testing.TestRedis;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code atrium serve} in its own JVM refusing configurations it cannot run with (exit 2),
 * failing fast on dependencies it cannot reach or a port it cannot bind (exit 1), and starting in
 * production mode when everything is in place.
 */
@DisplayName("atrium serve in its own JVM")
@ExtendWith(RedisExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class StartupFailureTest {

  /** A failing start must end well within this; the run counts as a hang past it. */
  private static final Duration FAIL_FAST = Duration.ofSeconds(15);
  private static final String JWT_SECRET = "0123456789abcdef0123456789abcdef01234567";
  private static final String ADMIN_PASSWORD = "not-the-default-admin-password";

  private static MongoServer mongo;
  private static int mongoPort;

  @TempDir
  Path home;

  @TempDir
  Path dataDir;

  @BeforeAll
  static void startMongo() {
    mongo = new MongoServer(H2Backend.inMemory());
    mongo.bind("127.0.0.1", 0);
    mongoPort = mongo.getLocalAddress().getPort();
  }

  @AfterAll
  static void stopMongo() {
    if (mongo != null) {
      mongo.shutdownNow();
    }
  }

  @Test
  @DisplayName("refuses production with the default admin password (unset) and exits 2 naming ADMIN_PASSWORD")
  void refusesUnsetAdminPassword() {
    Map<String, String> env = production(closedRedis(), closedMongo());
    env.remove("ADMIN_PASSWORD");

    Result result = run("prod-no-admin-password", env);

    assertThat(result.exitCode).as(result.describe()).isEqualTo(2);
    assertThat(result.errorLine()).as(result.describe()).contains("ADMIN_PASSWORD", "default");
    assertDidNotStart(result);
  }

  @Test
  @DisplayName("refuses production with ADMIN_PASSWORD=atrium-admin set explicitly and exits 2")
  void refusesExplicitDefaultAdminPassword() {
    Map<String, String> env = production(closedRedis(), closedMongo());
    env.put("ADMIN_PASSWORD", "atrium-admin");

    Result result = run("prod-default-admin-password", env);

    assertThat(result.exitCode).as(result.describe()).isEqualTo(2);
    assertThat(result.errorLine()).as(result.describe()).contains("ADMIN_PASSWORD", "default");
    assertDidNotStart(result);
  }

  @Test
  @DisplayName("refuses production without ATRIUM_JWT_SECRET and exits 2 naming it")
  void refusesMissingJwtSecret() {
    Map<String, String> env = production(closedRedis(), closedMongo());
    env.remove("ATRIUM_JWT_SECRET");

    Result result = run("prod-no-jwt-secret", env);

    assertThat(result.exitCode).as(result.describe()).isEqualTo(2);
    assertThat(result.errorLine()).as(result.describe()).contains("ATRIUM_JWT_SECRET", "required");
    assertDidNotStart(result);
  }

  @Test
  @DisplayName("exits 1 naming REDIS_URL as unreachable when nothing listens on its port")
  void failsOnUnreachableRedis() {
    int closedPort = FreePorts.next();
    Map<String, String> env = production("redis://127.0.0.1:" + closedPort, reachableMongo());

    Result result = run("prod-redis-unreachable", env);

    assertThat(result.exitCode).as(result.describe()).isEqualTo(1);
    assertThat(result.errorLine()).as(result.describe())
        .contains("startup failed", "REDIS_URL", "redis 127.0.0.1:" + closedPort, "unreachable");
    assertThat(result.output()).doesNotContain("atrium ready");
  }

  @Test
  @DisplayName("exits 1 naming MONGO_URI when Redis answers but nothing listens on the MongoDB port")
  void failsOnUnreachableMongo(TestRedis redis) {
    int closedPort = FreePorts.next();
    Map<String, String> env = production(redis.url(), "mongodb://127.0.0.1:" + closedPort);

    Result result = run("prod-mongo-unreachable", env);

    assertThat(result.exitCode).as(result.describe()).isEqualTo(1);
    assertThat(result.errorLine()).as(result.describe())
        .contains("startup failed", "MONGO_URI", "mongodb 127.0.0.1:" + closedPort, "unreachable");
    assertThat(result.output()).doesNotContain("atrium ready");
  }

  @Test
  @DisplayName("starts in production with Redis, MongoDB and good secrets, reports both backends ready, and exits 0 on SIGTERM")
  void startsInProduction(TestRedis redis) throws Exception {
    int port = FreePorts.next();
    Map<String, String> env = production(redis.url(), reachableMongo());
    try (AtriumProcess node = builder("prod-ok", env)
        .args("serve", "--port", Integer.toString(port), "--data-dir", dataDir.toString())
        .start()) {
      node.waitForReady(port, READY_TIMEOUT);

      HttpResponse<String> ready = ProcessTests.mustGet(node, port, "/health/ready", null);
      assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
      JsonObject body = new JsonObject(ready.body());
      assertThat(body.getString("status")).isEqualTo("UP");
      assertThat(check(body, "coordination").getString("status")).isEqualTo("UP");
      assertThat(check(body, "coordination").getJsonObject("data").getString("backend"))
          .isEqualTo("redis 127.0.0.1:" + redis.port());
      assertThat(check(body, "records").getString("status")).isEqualTo("UP");
      assertThat(check(body, "records").getJsonObject("data").getString("backend"))
          .isEqualTo("mongodb 127.0.0.1:" + mongoPort);
      assertThat(node.output()).contains("mode: production");

      node.sigterm();
      int exit = awaitExit(node, EXIT_TIMEOUT);
      assertThat(exit).as("exit code after SIGTERM; output:\n%s", node.tail(TAIL)).isZero();
      assertThat(node.output()).contains("shutdown complete");
    }
  }

  @Test
  @DisplayName("refuses ATRIUM_PORT=70000 and exits 2 naming http.port and the value")
  void refusesInvalidPort() {
    Map<String, String> env = isolatedEnv(home);
    env.put("ATRIUM_PORT", "70000");

    Result result = run("invalid-port", env, "serve", "--data-dir", dataDir.toString());

    assertThat(result.exitCode).as(result.describe()).isEqualTo(2);
    assertThat(result.errorLine()).as(result.describe()).contains("http.port", "ATRIUM_PORT", "70000");
    assertDidNotStart(result);
  }

  @Test
  @DisplayName("exits 1 with a 'startup failed' line when the HTTP port is already taken")
  void failsWhenPortTaken() throws Exception {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
      int port = taken.getLocalPort();

      Result result = run("port-taken", isolatedEnv(home),
          "serve", "--port", Integer.toString(port), "--data-dir", dataDir.toString());

      assertThat(result.exitCode).as(result.describe()).isEqualTo(1);
      assertThat(result.errorLine()).as(result.describe()).contains("startup failed", "already in use");
      assertThat(result.output()).doesNotContain("atrium ready");
      // what had started is released again before the process exits
      assertThat(result.output()).contains("records closed", "vert.x closed");
    }
  }

  // ---------------------------------------------------------------------------------------------

  private Map<String, String> production(String redisUrl, String mongoUri) {
    Map<String, String> env = isolatedEnv(home);
    env.put("REDIS_URL", redisUrl);
    env.put("GCS_BUCKET_NAME", "atrium-test");
    env.put("MONGO_URI", mongoUri);
    env.put("ATRIUM_JWT_SECRET", JWT_SECRET);
    env.put("ADMIN_PASSWORD", ADMIN_PASSWORD);
    return env;
  }

  private static String closedRedis() {
    return "redis://127.0.0.1:" + FreePorts.next();
  }

  private static String closedMongo() {
    return "mongodb://127.0.0.1:" + FreePorts.next();
  }

  private static String reachableMongo() {
    return "mongodb://127.0.0.1:" + mongoPort;
  }

  private AtriumProcess.Builder builder(String name, Map<String, String> env) {
    return AtriumProcess.builder().name(name).workDir(home).env(env);
  }

  private Result run(String name, Map<String, String> env) {
    return run(name, env, "serve", "--port", Integer.toString(FreePorts.next()),
        "--data-dir", dataDir.toString());
  }

  /** Runs {@code serve} to its end; a run that outlives {@link #FAIL_FAST} fails the test. */
  private Result run(String name, Map<String, String> env, String... args) {
    try (AtriumProcess node = builder(name, env).args(args).start()) {
      long start = System.nanoTime();
      if (!node.waitForExit(FAIL_FAST)) {
        String tail = node.tail(TAIL);
        node.sigkill();
        fail(name + " was still running " + FAIL_FAST.toSeconds() + " s after it started; last output:\n"
            + tail);
      }
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      return new Result(node.exitCode(), node.lines(), ms);
    }
  }

  private static void assertDidNotStart(Result result) {
    assertThat(result.output()).as("refused before anything starts").doesNotContain("atrium starting");
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

  /** How a run ended. */
  private record Result(int exitCode, List<String> lines, long ms) {

    String output() {
      return String.join("\n", lines);
    }

    /** The one line the operator reads on stderr: {@code atrium: ...}. */
    String errorLine() {
      return lines.stream().filter(line -> line.startsWith("atrium: ")).findFirst()
          .orElseThrow(() -> new AssertionError("no 'atrium: ...' line; " + describe()));
    }

    String describe() {
      return "exit " + exitCode + " after " + ms + " ms; output:\n" + output();
    }
  }
}
