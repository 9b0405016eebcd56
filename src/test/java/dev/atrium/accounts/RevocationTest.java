package dev.atrium.accounts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.testing.NodeFixture;
import dev.atrium.testing.NodeFixture.Reply;
import dev.atrium.testing.NodeFixture.Session;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@DisplayName("Sign-in revocation and account rules")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RevocationTest {

  private static final String PASSWORD = "correct horse battery staple";
  private static final String NEW_PASSWORD = "another long passphrase";

  private static NodeFixture node;
  private static Session admin;

  @BeforeAll
  static void startNode() throws Exception {
    NodeFixture.flushRedis();
    node = NodeFixture.development().start();
    admin = node.admin();
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  @DisplayName("logout makes the user's earlier cookie and bearer token answer 401 at once, and clears a refused cookie")
  void logoutRevokesEverySession() {
    Sessions user = twoSessions("logout");

    Reply logout = node.call("POST", "/api/auth/logout").cookie(user.byCookie().cookie()).send();

    assertThat(logout.status()).as(logout.toString()).isEqualTo(204);
    assertRevoked(user);
    Reply refused = me(node.call("GET", "/api/auth/me").cookie(user.byCookie().cookie()));
    assertThat(refused.setCookie(node.cookieName()).map(c -> c.attribute("Max-Age")))
        .as("a refused cookie is cleared").contains("0");
  }

  @Test
  @DisplayName("an admin disabling the user makes their cookie and bearer token answer 401 at once")
  void disablingRevokes() {
    Sessions user = twoSessions("disable");

    Reply disable = patchUser(user.byCookie().userId(), new JsonObject().put("disabled", true));

    assertThat(disable.status()).as(disable.toString()).isEqualTo(200);
    assertThat(disable.json().getBoolean("disabled")).isTrue();
    assertRevoked(user);
  }

  @Test
  @DisplayName("a disabled user cannot sign in (401, the same answer as a wrong password); re-enabled, they can")
  void disabledUserCannotSignIn() {
    Session user = node.registerNew("disabled");
    Reply wrongPassword = login(user.email(), "not the password at all");
    assertThat(wrongPassword.status()).as(wrongPassword.toString()).isEqualTo(401);

    assertThat(patchUser(user.userId(), new JsonObject().put("disabled", true)).status()).isEqualTo(200);
    Reply disabled = login(user.email(), PASSWORD);

    assertThat(disabled.status()).as(disabled.toString()).isEqualTo(401);
    assertThat(disabled.json().getString("error")).isEqualTo(wrongPassword.json().getString("error"));
    assertThat(disabled.json().getString("message")).isEqualTo(wrongPassword.json().getString("message"));
    assertThat(disabled.setCookie(node.cookieName())).isEmpty();

    assertThat(patchUser(user.userId(), new JsonObject().put("disabled", false)).status()).isEqualTo(200);
    Reply enabled = login(user.email(), PASSWORD);
    assertThat(enabled.status()).as(enabled.toString()).isEqualTo(200);
    assertThat(me(node.call("GET", "/api/auth/me").bearer(enabled.json().getString("token"))).status())
        .isEqualTo(200);
  }

  @Test
  @DisplayName("a password change revokes the earlier cookie and bearer token at once; the new token works")
  void passwordChangeRevokes() {
    Sessions user = twoSessions("password");

    Reply change = node.call("POST", "/api/auth/password").bearer(user.byBearer().token())
        .json(new JsonObject().put("current", PASSWORD).put("password", NEW_PASSWORD).put("token", true)).send();

    assertThat(change.status()).as(change.toString()).isEqualTo(200);
    assertRevoked(user);
    String newToken = change.json().getString("token");
    assertThat(newToken).isNotBlank();
    Reply byNewToken = me(node.call("GET", "/api/auth/me").bearer(newToken));
    assertThat(byNewToken.status()).as(byNewToken.toString()).isEqualTo(200);
    String newCookie = change.setCookie(node.cookieName()).orElseThrow().value();
    assertThat(me(node.call("GET", "/api/auth/me").cookie(newCookie)).status()).isEqualTo(200);
    assertThat(login(user.byCookie().email(), PASSWORD).status()).isEqualTo(401);
    assertThat(login(user.byCookie().email(), NEW_PASSWORD).status()).isEqualTo(200);
  }

  @Test
  @DisplayName("a password change with a wrong current password is refused with 403 and revokes nothing")
  void passwordChangeNeedsCurrentPassword() {
    Session user = node.registerNew("wrong-current");

    Reply change = node.call("POST", "/api/auth/password").bearer(user.token())
        .json(new JsonObject().put("current", "not my password").put("password", NEW_PASSWORD)).send();

    assertThat(change.status()).as(change.toString()).isEqualTo(403);
    assertThat(me(node.call("GET", "/api/auth/me").bearer(user.token())).status()).isEqualTo(200);
  }

  @Test
  @DisplayName("an admin-flag change revokes the earlier cookie and bearer token at once; a new sign-in is admin")
  void adminFlagChangeRevokes() {
    Sessions user = twoSessions("promote");

    Reply promote = patchUser(user.byCookie().userId(), new JsonObject().put("admin", true));

    assertThat(promote.status()).as(promote.toString()).isEqualTo(200);
    assertThat(promote.json().getBoolean("admin")).isTrue();
    assertRevoked(user);
    Reply again = login(user.byCookie().email(), PASSWORD);
    Reply me = me(node.call("GET", "/api/auth/me").bearer(again.json().getString("token")));
    assertThat(me.status()).as(me.toString()).isEqualTo(200);
    assertThat(me.json().getBoolean("admin")).isTrue();
  }

  @Test
  @DisplayName("with ENABLE_REGISTRATION=false registration answers 403")
  void closedRegistration() throws Exception {
    try (NodeFixture closed = NodeFixture.development().env("ENABLE_REGISTRATION", "false").start()) {
      Reply reply = closed.call("POST", "/api/auth/register")
          .json(new JsonObject().put("email", "new@atrium.test").put("password", PASSWORD)).send();

      assertThat(reply.status()).as(reply.toString()).isEqualTo(403);
      assertThat(reply.json().getString("error")).isEqualTo("forbidden");
      assertThat(reply.setCookies()).isEmpty();
    }
  }

  @Test
  @DisplayName("registering an e-mail that exists in another letter case answers 409")
  void duplicateEmailInAnotherCase() {
    String local = "Dup-" + UUID.randomUUID().toString().substring(0, 8);
    node.register(local + "@Atrium.Test", PASSWORD);

    Reply again = node.call("POST", "/api/auth/register")
        .json(new JsonObject().put("email", local.toLowerCase() + "@ATRIUM.test").put("password", PASSWORD)).send();

    assertThat(again.status()).as(again.toString()).isEqualTo(409);
    assertThat(again.json().getString("error")).isEqualTo("conflict");
  }

  @Test
  @DisplayName("a password shorter than 10 characters answers 400 naming the password")
  void shortPassword() {
    Reply reply = node.call("POST", "/api/auth/register")
        .json(new JsonObject().put("email", "short-" + UUID.randomUUID() + "@atrium.test").put("password", "123456789"))
        .send();

    assertThat(reply.status()).as(reply.toString()).isEqualTo(400);
    assertThat(reply.json().getString("error")).isEqualTo("bad_request");
    assertThat(reply.json().getString("message")).contains("password");
  }

  @Test
  @DisplayName("a malformed JSON body answers 400 with the JSON error shape")
  void malformedJson() {
    Reply reply = node.call("POST", "/api/auth/register").body("{\"email\": \"x@atrium.test\", ", "application/json")
        .send();

    assertThat(reply.status()).as(reply.toString()).isEqualTo(400);
    assertThat(reply.header("Content-Type")).startsWith("application/json");
    assertThat(reply.json().getString("error")).isEqualTo("bad_request");
    assertThat(reply.json().getString("message")).isNotBlank();
    assertThat(reply.json().containsKey("requestId")).isTrue();
  }

  @Test
  @DisplayName("a signed-in non-admin gets 403 from the admin routes; anonymous callers get 401")
  void adminRoutesNeedAnAdmin() {
    Session user = node.registerNew("plain");

    Reply asUser = node.call("GET", "/api/admin/users").bearer(user.token()).send();
    Reply patchAsUser = node.call("PATCH", "/api/admin/users/" + user.userId()).bearer(user.token())
        .json(new JsonObject().put("admin", true)).send();
    Reply anonymous = node.call("GET", "/api/admin/users").send();
    Reply asAdmin = node.call("GET", "/api/admin/users").bearer(admin.token()).send();

    assertThat(asUser.status()).as(asUser.toString()).isEqualTo(403);
    assertThat(patchAsUser.status()).as(patchAsUser.toString()).isEqualTo(403);
    assertThat(anonymous.status()).as(anonymous.toString()).isEqualTo(401);
    assertThat(asAdmin.status()).as(asAdmin.toString()).isEqualTo(200);
    assertThat(asAdmin.json().getJsonArray("users").stream()
        .map(u -> ((JsonObject) u).getString("id"))).contains(user.userId());
    assertThat(me(node.call("GET", "/api/auth/me").bearer(user.token())).json().getBoolean("admin")).isFalse();
  }

  /** A fresh account signed in twice: once used by its cookie, once by its bearer token. */
  private static Sessions twoSessions(String prefix) {
    Session registered = node.registerNew(prefix);
    Session byCookie = node.login(registered.email(), PASSWORD);
    Session byBearer = node.login(registered.email(), PASSWORD);
    assertThat(byCookie.cookie()).isNotEqualTo(byBearer.token());
    assertThat(me(node.call("GET", "/api/auth/me").cookie(byCookie.cookie())).status()).isEqualTo(200);
    assertThat(me(node.call("GET", "/api/auth/me").bearer(byBearer.token())).status()).isEqualTo(200);
    return new Sessions(byCookie, byBearer);
  }

  private static void assertRevoked(Sessions user) {
    Reply cookie = me(node.call("GET", "/api/auth/me").cookie(user.byCookie().cookie()));
    Reply bearer = me(node.call("GET", "/api/auth/me").bearer(user.byBearer().token()));
    assertThat(cookie.status()).as("cookie: " + cookie).isEqualTo(401);
    assertThat(bearer.status()).as("bearer: " + bearer).isEqualTo(401);
    assertThat(bearer.json().getString("error")).isEqualTo("unauthorized");
  }

  private static Reply me(NodeFixture.Call call) {
    return call.send();
  }

  private static Reply login(String email, String password) {
    return node.call("POST", "/api/auth/login")
        .json(new JsonObject().put("email", email).put("password", password).put("token", true)).send();
  }

  private static Reply patchUser(String id, JsonObject body) {
    return node.call("PATCH", "/api/admin/users/" + id).bearer(admin.token()).json(body).send();
  }

  private record Sessions(Session byCookie, Session byBearer) {
  }
}
