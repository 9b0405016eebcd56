package dev.atrium.accounts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.config.Mode;
import dev.atrium.testing.NodeFixture;
import dev.atrium.testing.NodeFixture.Reply;
import dev.atrium.testing.NodeFixture.SetCookie;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@DisplayName("The session cookie")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CookieTest {

  private static NodeFixture local;
  private static NodeFixture development;
  private static NodeFixture production;

  @BeforeAll
  static void startNodes() throws Exception {
    NodeFixture.flushRedis();
    local = NodeFixture.local().start();
    development = NodeFixture.development().start();
    production = NodeFixture.production().behindHttpsProxy().start();
  }

  @AfterAll
  static void stopNodes() throws Exception {
    for (NodeFixture node : new NodeFixture[] {local, development, production}) {
      if (node != null) {
        node.close();
      }
    }
  }

  @Test
  @DisplayName("in local mode it is atrium_session, HttpOnly, SameSite=Lax, Path=/, Max-Age=86400 and not Secure")
  void localCookie() {
    SetCookie cookie = signIn(local);

    assertThat(cookie.name()).isEqualTo("atrium_session");
    assertThat(cookie.value()).isNotEmpty();
    assertThat(cookie.has("HttpOnly")).as(cookie.raw()).isTrue();
    assertThat(cookie.attribute("SameSite")).as(cookie.raw()).isEqualToIgnoringCase("Lax");
    assertThat(cookie.attribute("Path")).as(cookie.raw()).isEqualTo("/");
    assertThat(cookie.attribute("Max-Age")).as(cookie.raw()).isEqualTo("86400");
    assertThat(cookie.has("Secure")).as(cookie.raw()).isFalse();
    assertThat(cookie.has("Domain")).as(cookie.raw()).isFalse();
  }

  @Test
  @DisplayName("in development mode it is __Host-atrium_session, Secure, HttpOnly, SameSite=Lax, Path=/ and has no Domain")
  void developmentCookie() {
    assertHostCookie(signIn(development));
  }

  @Test
  @DisplayName("in production mode it is __Host-atrium_session, Secure, HttpOnly, SameSite=Lax, Path=/ and has no Domain")
  void productionCookie() {
    assertHostCookie(signIn(production));
  }

  @Test
  @DisplayName("in local mode the cookie signs requests in, and logout clears it with Max-Age=0")
  void localLogoutClearsCookie() {
    assertLogoutClears(local);
  }

  @Test
  @DisplayName("in development mode logout clears the __Host- cookie with Max-Age=0")
  void developmentLogoutClearsCookie() {
    assertLogoutClears(development);
  }

  @Test
  @DisplayName("in production mode logout clears the __Host- cookie with Max-Age=0")
  void productionLogoutClearsCookie() {
    assertLogoutClears(production);
  }

  private static SetCookie signIn(NodeFixture node) {
    String email = node.mode() == Mode.PRODUCTION ? NodeFixture.ADMIN_EMAIL
        : node.registerNew("cookie").email();
    String password = node.mode() == Mode.PRODUCTION ? NodeFixture.ADMIN_PASSWORD
        : "correct horse battery staple";
    Reply reply = node.call("POST", "/api/auth/login")
        .json(new JsonObject().put("email", email).put("password", password)).send();
    assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
    assertThat(reply.json().containsKey("token")).as("no token unless asked for").isFalse();
    assertThat(reply.setCookies()).as(reply.headers().getAll("Set-Cookie").toString()).hasSize(1);
    return reply.setCookies().get(0);
  }

  private static void assertHostCookie(SetCookie cookie) {
    assertThat(cookie.name()).isEqualTo("__Host-atrium_session");
    assertThat(cookie.value()).isNotEmpty();
    assertThat(cookie.has("Secure")).as(cookie.raw()).isTrue();
    assertThat(cookie.has("HttpOnly")).as(cookie.raw()).isTrue();
    assertThat(cookie.attribute("SameSite")).as(cookie.raw()).isEqualToIgnoringCase("Lax");
    assertThat(cookie.attribute("Path")).as(cookie.raw()).isEqualTo("/");
    assertThat(cookie.has("Domain")).as(cookie.raw()).isFalse();
    assertThat(cookie.attribute("Max-Age")).as(cookie.raw()).isEqualTo("86400");
  }

  private static void assertLogoutClears(NodeFixture node) {
    SetCookie session = signIn(node);
    Reply me = node.call("GET", "/api/auth/me").cookie(session.value()).send();
    assertThat(me.status()).as(me.toString()).isEqualTo(200);

    Reply logout = node.call("POST", "/api/auth/logout").cookie(session.value()).send();

    assertThat(logout.status()).as(logout.toString()).isEqualTo(204);
    SetCookie cleared = logout.setCookie(node.cookieName()).orElseThrow(
        () -> new AssertionError("logout did not set " + node.cookieName() + ": " + logout.headers()));
    assertThat(cleared.attribute("Max-Age")).as(cleared.raw()).isEqualTo("0");
    assertThat(cleared.value()).as(cleared.raw()).isEmpty();
    assertThat(cleared.attribute("Path")).as(cleared.raw()).isEqualTo("/");
    assertThat(cleared.has("Secure")).as(cleared.raw()).isEqualTo(node.mode() != Mode.LOCAL);
    Reply after = node.call("GET", "/api/auth/me").cookie(session.value()).send();
    assertThat(after.status()).as(after.toString()).isEqualTo(401);
  }
}
