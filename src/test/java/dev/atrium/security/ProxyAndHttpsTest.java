package dev.atrium.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.testing.NodeFixture;
import dev.atrium.testing.NodeFixture.Reply;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every node here shares the one test Redis, so login counters are shared too: each test uses its
 * own client addresses and e-mails, and only {@link #untrustedForwardedForIsIgnored} counts against
 * 127.0.0.1.
 */
@DisplayName("Trusted proxies and HTTPS")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ProxyAndHttpsTest {

  private static final String HSTS = "max-age=31536000; includeSubDomains";

  /** Development, believes X-Forwarded-* from 127.0.0.1, 5 logins a minute. */
  private static NodeFixture trusting;
  /** Development, no trusted proxies, 5 logins a minute. */
  private static NodeFixture untrusting;
  /** Production, reached directly over plain HTTP. */
  private static NodeFixture production;
  /** Production behind a TLS-terminating proxy on 127.0.0.1. */
  private static NodeFixture proxied;

  @BeforeAll
  static void startNodes() throws Exception {
    NodeFixture.flushRedis();
    trusting = NodeFixture.development().env("ATRIUM_TRUSTED_PROXIES", "127.0.0.1")
        .env("ATRIUM_LIMIT_LOGIN", "5/1m").start();
    untrusting = NodeFixture.development().env("ATRIUM_LIMIT_LOGIN", "5/1m").start();
    production = NodeFixture.production().start();
    proxied = NodeFixture.production().env("ATRIUM_TRUSTED_PROXIES", "127.0.0.1").start();
  }

  @AfterAll
  static void stopNodes() throws Exception {
    for (NodeFixture node : new NodeFixture[] {trusting, untrusting, production, proxied}) {
      if (node != null) {
        node.close();
      }
    }
  }

  @Test
  @DisplayName("behind a trusted proxy each X-Forwarded-For client gets its own 5 login attempts; the 6th is 429 while another client still gets 401")
  void trustedForwardedForKeysTheLimit() {
    String first = "203.0.113.10";
    String second = "203.0.113.20";

    for (int i = 1; i <= 5; i++) {
      assertThat(wrongLogin(trusting, first).status()).as("attempt %d from %s", i, first).isEqualTo(401);
    }
    Reply sixth = wrongLogin(trusting, first);
    assertThat(sixth.status()).as(sixth.toString()).isEqualTo(429);
    assertThat(sixth.json().getString("error")).isEqualTo("too_many_requests");
    assertThat(Long.parseLong(sixth.header("Retry-After"))).isBetween(1L, 60L);

    for (int i = 1; i <= 5; i++) {
      assertThat(wrongLogin(trusting, second).status()).as("attempt %d from %s", i, second).isEqualTo(401);
    }
    assertThat(wrongLogin(trusting, second).status()).isEqualTo(429);
    assertThat(wrongLogin(trusting, first).status()).isEqualTo(429);
  }

  @Test
  @DisplayName("behind a trusted proxy a client cannot buy fresh attempts by prepending addresses to X-Forwarded-For")
  void prependedForwardedForDoesNotHelp() {
    String client = "203.0.113.30";

    for (int i = 1; i <= 5; i++) {
      Reply reply = wrongLogin(trusting, "198.51.100." + i + ", " + client);
      assertThat(reply.status()).as("attempt %d: %s", i, reply).isEqualTo(401);
    }

    assertThat(wrongLogin(trusting, "198.51.100.99, " + client).status()).isEqualTo(429);
  }

  @Test
  @DisplayName("without trusted proxies X-Forwarded-For is ignored: every attempt counts against 127.0.0.1")
  void untrustedForwardedForIsIgnored() {
    for (int i = 1; i <= 5; i++) {
      Reply reply = wrongLogin(untrusting, "203.0.113." + (100 + i));
      assertThat(reply.status()).as("attempt %d: %s", i, reply).isEqualTo(401);
    }

    Reply sixth = wrongLogin(untrusting, "203.0.113.106");
    assertThat(sixth.status()).as(sixth.toString()).isEqualTo(429);
    assertThat(sixth.header("Retry-After")).isNotBlank();
  }

  @Test
  @DisplayName("production redirects a plain-HTTP GET with 301 to https://<host><path>, query kept")
  void plainGetIsRedirected() {
    Reply reply = production.call("GET", "/api/rooms").send();
    Reply withQuery = production.call("GET", "/api/rooms?page=1&size=5").send();

    assertThat(reply.status()).as(reply.toString()).isEqualTo(301);
    assertThat(reply.header("Location")).isEqualTo("https://127.0.0.1:" + production.port() + "/api/rooms");
    assertThat(reply.header("Strict-Transport-Security")).as("HSTS only over HTTPS").isNull();
    assertThat(withQuery.header("Location"))
        .isEqualTo("https://127.0.0.1:" + production.port() + "/api/rooms?page=1&size=5");
  }

  @Test
  @DisplayName("production redirects a plain-HTTP POST with 308, so method and body are kept, and creates nothing")
  void plainPostIsRedirectedWith308() {
    Reply reply = production.call("POST", "/api/auth/login")
        .json(new JsonObject().put("email", NodeFixture.ADMIN_EMAIL).put("password", NodeFixture.ADMIN_PASSWORD))
        .send();
    Reply rooms = production.call("POST", "/api/rooms").json(new JsonObject().put("title", "x")).send();

    assertThat(reply.status()).as(reply.toString()).isEqualTo(308);
    assertThat(reply.header("Location")).isEqualTo("https://127.0.0.1:" + production.port() + "/api/auth/login");
    assertThat(reply.setCookies()).as("no session over plain HTTP").isEmpty();
    assertThat(rooms.status()).isEqualTo(308);
    assertThat(rooms.header("Location")).isEqualTo("https://127.0.0.1:" + production.port() + "/api/rooms");
  }

  @Test
  @DisplayName("production ignores X-Forwarded-Proto: https from an untrusted peer and still redirects")
  void spoofedForwardedProtoIsIgnored() {
    Reply reply = production.call("GET", "/api/rooms").header("X-Forwarded-Proto", "https").send();

    assertThat(reply.status()).as(reply.toString()).isEqualTo(301);
    assertThat(reply.header("Strict-Transport-Security")).isNull();
  }

  @Test
  @DisplayName("production does not redirect the readiness and liveness probes")
  void probesAreNotRedirected() {
    Reply ready = production.call("GET", "/health/ready").send();
    Reply live = production.call("GET", "/health").send();

    assertThat(ready.status()).as(ready.toString()).isEqualTo(200);
    assertThat(ready.header("Location")).isNull();
    assertThat(ready.json().getString("status")).isEqualTo("UP");
    assertThat(live.status()).as(live.toString()).isEqualTo(200);
    assertThat(live.header("Location")).isNull();
  }

  @Test
  @DisplayName("behind a trusted proxy, X-Forwarded-Proto: https is served and carries Strict-Transport-Security")
  void forwardedHttpsIsServedWithHsts() {
    Reply anonymous = proxied.call("GET", "/api/rooms").header("X-Forwarded-Proto", "https").send();
    Reply login = proxied.call("POST", "/api/auth/login").header("X-Forwarded-Proto", "https")
        .header("X-Forwarded-For", "198.51.100.200")
        .json(new JsonObject().put("email", NodeFixture.ADMIN_EMAIL).put("password", NodeFixture.ADMIN_PASSWORD)
            .put("token", true))
        .send();
    assertThat(login.status()).as(login.toString()).isEqualTo(200);
    Reply rooms = proxied.call("GET", "/api/rooms").header("X-Forwarded-Proto", "https")
        .bearer(login.json().getString("token")).send();

    assertThat(anonymous.status()).as(anonymous.toString()).isEqualTo(401);
    assertThat(anonymous.header("Strict-Transport-Security")).isEqualTo(HSTS);
    assertThat(login.header("Strict-Transport-Security")).isEqualTo(HSTS);
    assertThat(rooms.status()).as(rooms.toString()).isEqualTo(200);
    assertThat(rooms.header("Strict-Transport-Security")).isEqualTo(HSTS);
    assertThat(rooms.json().getJsonArray("rooms")).isNotNull();
  }

  @Test
  @DisplayName("behind a trusted proxy, X-Forwarded-Proto: http (or none) is redirected to the forwarded host")
  void forwardedHttpIsRedirected() {
    Reply forwardedHttp = proxied.call("GET", "/api/rooms").header("X-Forwarded-Proto", "http")
        .header("X-Forwarded-Host", "atrium.example.org").send();
    Reply direct = proxied.call("GET", "/api/rooms").send();

    assertThat(forwardedHttp.status()).as(forwardedHttp.toString()).isEqualTo(301);
    assertThat(forwardedHttp.header("Location")).isEqualTo("https://atrium.example.org/api/rooms");
    assertThat(direct.status()).isEqualTo(301);
  }

  private static Reply wrongLogin(NodeFixture node, String forwardedFor) {
    return node.call("POST", "/api/auth/login").header("X-Forwarded-For", forwardedFor)
        .json(new JsonObject().put("email", "nobody-" + UUID.randomUUID() + "@atrium.test")
            .put("password", "not the password"))
        .send();
  }
}
