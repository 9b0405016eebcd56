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
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signing keys and the admin password at startup, in a separate JVM: the configurations that
 * must not start (exit 2 with one line naming the setting) and production signing with an RSA key
 * pair. (Production with no signing key at all is covered by {@link StartupFailureTest}.)
 */
@DisplayName("Signing keys and admin password at startup")
@ExtendWith(RedisExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ProductionSecretsTest {

  /** A refused start must end well within this; the run counts as a hang past it. */
  private static final Duration FAIL_FAST = Duration.ofSeconds(15);
  private static final String JWT_SECRET = "0123456789abcdef0123456789abcdef01234567";
  private static final String ADMIN_EMAIL = "root@atrium.test";
  private static final String ADMIN_PASSWORD = "production-admin-password-42";
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(2))
      .version(HttpClient.Version.HTTP_1_1)
      .build();

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
  @DisplayName("refuses production with ATRIUM_JWT_PRIVATE_KEY but no ATRIUM_JWT_PUBLIC_KEY: exit 2, 'must be set together'")
  void refusesHalfAKeyPair() throws Exception {
    KeyFiles keys = rsaKeyFiles();
    Map<String, String> env = production("redis://127.0.0.1:" + FreePorts.next());
    env.remove("ATRIUM_JWT_SECRET");
    env.put("ATRIUM_JWT_PRIVATE_KEY", keys.privateKey().toString());

    Result result = run("prod-half-key-pair", env);

    assertThat(result.exitCode()).as(result.describe()).isEqualTo(2);
    assertThat(result.errorLine()).as(result.describe())
        .contains("ATRIUM_JWT_PRIVATE_KEY", "ATRIUM_JWT_PUBLIC_KEY", "must be set together");
    assertDidNotStart(result);
  }

  @Test
  @DisplayName("refuses production with both ATRIUM_JWT_SECRET and a key pair: exit 2 naming both")
  void refusesSecretAndKeyPair() throws Exception {
    KeyFiles keys = rsaKeyFiles();
    Map<String, String> env = production("redis://127.0.0.1:" + FreePorts.next());
    env.put("ATRIUM_JWT_PRIVATE_KEY", keys.privateKey().toString());
    env.put("ATRIUM_JWT_PUBLIC_KEY", keys.publicKey().toString());

    Result result = run("prod-secret-and-pair", env);

    assertThat(result.exitCode()).as(result.describe()).isEqualTo(2);
    assertThat(result.errorLine()).as(result.describe()).contains("ATRIUM_JWT_SECRET", "ATRIUM_JWT_PRIVATE_KEY", "not both");
    assertDidNotStart(result);
  }

  @Test
  @DisplayName("refuses production with a 16-byte ATRIUM_JWT_SECRET: exit 2, 'too short'")
  void refusesShortSecret() {
    Map<String, String> env = production("redis://127.0.0.1:" + FreePorts.next());
    env.put("ATRIUM_JWT_SECRET", "0123456789abcdef");

    Result result = run("prod-short-secret", env);

    assertThat(result.exitCode()).as(result.describe()).isEqualTo(2);
    assertThat(result.errorLine()).as(result.describe()).contains("ATRIUM_JWT_SECRET", "too short", "32 bytes");
    assertThat(result.output()).as("the secret itself is never printed").doesNotContain("0123456789abcdef");
    assertDidNotStart(result);
  }

  @Test
  @DisplayName("refuses local mode bound to 0.0.0.0 with the default admin password: exit 2 naming ADMIN_PASSWORD")
  void refusesLocalOnTheNetworkWithDefaultPassword() {
    Map<String, String> env = isolatedEnv(home);
    env.put("ATRIUM_MODE", "local");
    env.put("ATRIUM_HOST", "0.0.0.0");

    Result result = run("local-network-default-password", env);

    assertThat(result.exitCode()).as(result.describe()).isEqualTo(2);
    assertThat(result.errorLine()).as(result.describe()).contains("ADMIN_PASSWORD", "0.0.0.0", "ATRIUM_HOST");
    assertDidNotStart(result);
  }

  @Test
  @DisplayName("starts in production with an RSA key pair; the admin's login token is RS256, signed by that key, and accepted")
  void startsWithRsaKeyPair(TestRedis redis) throws Exception {
    redis.flushAll();
    KeyFiles keys = rsaKeyFiles();
    Map<String, String> env = production(redis.url());
    env.remove("ATRIUM_JWT_SECRET");
    env.put("ATRIUM_JWT_PRIVATE_KEY", keys.privateKey().toString());
    env.put("ATRIUM_JWT_PUBLIC_KEY", keys.publicKey().toString());
    int port = FreePorts.next();
    try (AtriumProcess node = AtriumProcess.builder().name("prod-rsa").workDir(home).env(env)
        .args("serve", "--port", Integer.toString(port), "--data-dir", dataDir.toString())
        .start()) {
      node.waitForReady(port, READY_TIMEOUT);
      assertThat(node.output()).contains("mode: production");

      HttpResponse<String> login = send(port, HttpRequest.newBuilder(uri(port, "/api/auth/login"))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(new JsonObject()
              .put("email", ADMIN_EMAIL).put("password", ADMIN_PASSWORD).put("token", true).encode())));
      assertThat(login.statusCode()).as("%s\n%s", login.body(), node.tail(TAIL)).isEqualTo(200);
      String token = new JsonObject(login.body()).getString("token");
      assertThat(token).as(login.body()).isNotNull();

      String[] parts = token.split("\\.");
      assertThat(parts).hasSize(3);
      JsonObject header = new JsonObject(decode(parts[0]));
      assertThat(header.getString("alg")).isEqualTo("RS256");
      JsonObject claims = new JsonObject(decode(parts[1]));
      assertThat(claims.getString("iss")).isEqualTo("atrium");
      assertThat(claims.getValue("aud").toString()).contains("atrium");
      assertThat(claims.getString("sub")).isEqualTo(new JsonObject(login.body()).getJsonObject("user").getString("id"));
      assertThat(verifiesRs256(keys.pair().getPublic(), parts)).as("signature checks out with the configured public key")
          .isTrue();

      HttpResponse<String> me = send(port, HttpRequest.newBuilder(uri(port, "/api/auth/me"))
          .header("Authorization", "Bearer " + token).GET());
      assertThat(me.statusCode()).as(me.body()).isEqualTo(200);
      assertThat(new JsonObject(me.body()).getString("email")).isEqualTo(ADMIN_EMAIL);
      assertThat(new JsonObject(me.body()).getBoolean("admin")).isTrue();

      // key confusion: the same claims as HS256 with the public key as the HMAC secret are refused
      String forged = hs256(parts[1], Files.readAllBytes(keys.publicKey()));
      HttpResponse<String> confused = send(port, HttpRequest.newBuilder(uri(port, "/api/auth/me"))
          .header("Authorization", "Bearer " + forged).GET());
      assertThat(confused.statusCode()).as(confused.body()).isEqualTo(401);

      node.sigterm();
      assertThat(awaitExit(node, EXIT_TIMEOUT)).as(node.tail(TAIL)).isZero();
    }
  }

  // ---------------------------------------------------------------------------------------------

  /** Production settings that pass every check but the one a test breaks (Redis as given). */
  private Map<String, String> production(String redisUrl) {
    Map<String, String> env = isolatedEnv(home);
    env.put("ATRIUM_MODE", "production");
    env.put("ATRIUM_HOST", "127.0.0.1");
    env.put("REDIS_URL", redisUrl);
    env.put("MONGO_URI", "mongodb://127.0.0.1:" + mongoPort);
    env.put("GCS_BUCKET_NAME", "atrium-test");
    env.put("ATRIUM_JWT_SECRET", JWT_SECRET);
    env.put("ADMIN_EMAIL", ADMIN_EMAIL);
    env.put("ADMIN_PASSWORD", ADMIN_PASSWORD);
    // TLS ends at the proxy in front of production; the test speaks for it (X-Forwarded-Proto)
    env.put("ATRIUM_TRUSTED_PROXIES", "127.0.0.1");
    env.put("ATRIUM_SHUTDOWN_GRACE", "1s");
    return env;
  }

  private KeyFiles rsaKeyFiles() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    KeyPair pair = generator.generateKeyPair();
    Path keys = Files.createDirectories(home.resolve("keys"));
    Path privateKey = Files.writeString(keys.resolve("jwt-private.pem"),
        pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
    Path publicKey = Files.writeString(keys.resolve("jwt-public.pem"), pem("PUBLIC KEY", pair.getPublic().getEncoded()));
    return new KeyFiles(pair, privateKey, publicKey);
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  private static boolean verifiesRs256(PublicKey key, String[] parts) throws Exception {
    Signature signature = Signature.getInstance("SHA256withRSA");
    signature.initVerify(key);
    signature.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
    return signature.verify(Base64.getUrlDecoder().decode(parts[2]));
  }

  private static String hs256(String payload, byte[] secret) throws Exception {
    Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
    String header = url.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret, "HmacSHA256"));
    byte[] sig = mac.doFinal((header + "." + payload).getBytes(StandardCharsets.US_ASCII));
    return header + "." + payload + "." + url.encodeToString(sig);
  }

  private static String decode(String part) {
    return new String(Base64.getUrlDecoder().decode(part), StandardCharsets.UTF_8);
  }

  private static URI uri(int port, String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  /** Sends through the (test-played) TLS proxy: production redirects plain HTTP to HTTPS. */
  private static HttpResponse<String> send(int port, HttpRequest.Builder request) throws Exception {
    return HTTP.send(request.header("X-Forwarded-Proto", "https").timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Runs {@code serve} to its end; a run that outlives {@link #FAIL_FAST} fails the test. */
  private Result run(String name, Map<String, String> env) {
    try (AtriumProcess node = AtriumProcess.builder().name(name).workDir(home).env(env)
        .args("serve", "--port", Integer.toString(FreePorts.next()), "--data-dir", dataDir.toString())
        .start()) {
      long start = System.nanoTime();
      if (!node.waitForExit(FAIL_FAST)) {
        String tail = node.tail(TAIL);
        node.sigkill();
        fail(name + " was still running " + FAIL_FAST.toSeconds() + " s after it started; last output:\n" + tail);
      }
      return new Result(node.exitCode(), node.lines(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }
  }

  private static void assertDidNotStart(Result result) {
    assertThat(result.output()).as("refused before anything starts").doesNotContain("atrium starting");
  }

  private record KeyFiles(KeyPair pair, Path privateKey, Path publicKey) {
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
