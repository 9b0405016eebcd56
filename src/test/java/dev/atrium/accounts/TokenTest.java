package dev.atrium.accounts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.testing.NodeFixture;
import dev.atrium.testing.NodeFixture.Reply;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Signed tokens")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TokenTest {

  private static final String HS256_HEADER = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
  private static final String PASSWORD = "correct horse battery staple";

  @TempDir
  static Path keys;

  /** Signs with {@link NodeFixture#JWT_SECRET} (HS256). */
  private static NodeFixture hsNode;
  private static String hsUser;
  /** Signs with an RSA key pair (RS256). */
  private static NodeFixture rsNode;
  private static String rsUser;
  private static String rsEmail;
  private static String publicPem;

  @BeforeAll
  static void startNodes() throws Exception {
    NodeFixture.flushRedis();
    hsNode = NodeFixture.development().start();
    hsUser = hsNode.registerNew("hs").userId();

    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    KeyPair pair = generator.generateKeyPair();
    publicPem = pem("PUBLIC KEY", pair.getPublic().getEncoded());
    Path publicFile = Files.writeString(keys.resolve("jwt-public.pem"), publicPem);
    Path privateFile = Files.writeString(keys.resolve("jwt-private.pem"),
        pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
    rsNode = NodeFixture.local()
        .env("ATRIUM_JWT_PRIVATE_KEY", privateFile.toString())
        .env("ATRIUM_JWT_PUBLIC_KEY", publicFile.toString())
        .start();
    rsEmail = "rs-" + UUID.randomUUID().toString().substring(0, 8) + "@atrium.test";
    rsUser = rsNode.register(rsEmail, PASSWORD).userId();
  }

  @AfterAll
  static void stopNodes() throws Exception {
    if (hsNode != null) {
      hsNode.close();
    }
    if (rsNode != null) {
      rsNode.close();
    }
  }

  @Test
  @DisplayName("a correct HS256 token built by hand with the node's secret is accepted (the forgery harness is sound)")
  void handBuiltTokenWithTheRightSecretIsAccepted() {
    String token = hs256(claims(hsUser), NodeFixture.JWT_SECRET.getBytes(StandardCharsets.UTF_8));

    Reply me = me(hsNode, token);

    assertThat(me.status()).as(me.toString()).isEqualTo(200);
    assertThat(me.json().getString("id")).isEqualTo(hsUser);
    assertThat(me.json().getBoolean("implicit")).isFalse();
  }

  @Test
  @DisplayName("a token with alg none and an empty signature is refused with 401")
  void algNoneIsRefused() {
    String token = unsigned("{\"alg\":\"none\",\"typ\":\"JWT\"}", claims(hsUser));

    assertUnauthorized(me(hsNode, token));
  }

  @Test
  @DisplayName("an HS256 token signed with a wrong 40-byte key is refused with 401")
  void wrongKeyIsRefused() {
    byte[] wrongKey = new byte[40];
    new SecureRandom().nextBytes(wrongKey);

    assertUnauthorized(me(hsNode, hs256(claims(hsUser), wrongKey)));
  }

  @Test
  @DisplayName("on an RS256 node, an HS256 token keyed with the PEM public key text is refused with 401 (no key confusion)")
  void keyConfusionIsRefused() {
    String token = hs256(claims(rsUser), publicPem.getBytes(StandardCharsets.UTF_8));

    assertUnauthorized(me(rsNode, token));
  }

  @Test
  @DisplayName("on an RS256 node, a token from sign-in is RS256 and works")
  void rsTokenFromSignInWorks() {
    NodeFixture.Session session = rsNode.login(rsEmail, PASSWORD);
    JsonObject header = new JsonObject(new String(Base64.getUrlDecoder().decode(session.token().split("\\.")[0]),
        StandardCharsets.UTF_8));

    Reply me = me(rsNode, session.token());

    assertThat(header.getString("alg")).isEqualTo("RS256");
    assertThat(me.status()).as(me.toString()).isEqualTo(200);
    assertThat(me.json().getString("id")).isEqualTo(rsUser);
  }

  @Test
  @DisplayName("a correctly signed token for another audience is refused with 401")
  void wrongAudienceIsRefused() {
    JsonObject claims = claims(hsUser).put("aud", "someone-else");

    assertUnauthorized(me(hsNode, hs256(claims, NodeFixture.JWT_SECRET.getBytes(StandardCharsets.UTF_8))));
  }

  @Test
  @DisplayName("a correctly signed token from another issuer is refused with 401")
  void wrongIssuerIsRefused() {
    JsonObject claims = claims(hsUser).put("iss", "not-atrium");

    assertUnauthorized(me(hsNode, hs256(claims, NodeFixture.JWT_SECRET.getBytes(StandardCharsets.UTF_8))));
  }

  @Test
  @DisplayName("a correctly signed token that expired beyond the 30 s leeway is refused with 401")
  void expiredTokenIsRefused() {
    JsonObject claims = claims(hsUser).put("exp", now() - 120).put("iat", now() - 3600);

    assertUnauthorized(me(hsNode, hs256(claims, NodeFixture.JWT_SECRET.getBytes(StandardCharsets.UTF_8))));
  }

  @Test
  @DisplayName("a token that expired a few seconds ago is still accepted within the 30 s leeway")
  void expiryWithinLeewayIsAccepted() {
    JsonObject claims = claims(hsUser).put("exp", now() - 5).put("iat", now() - 3600);

    Reply me = me(hsNode, hs256(claims, NodeFixture.JWT_SECRET.getBytes(StandardCharsets.UTF_8)));

    assertThat(me.status()).as(me.toString()).isEqualTo(200);
  }

  @Test
  @DisplayName("a correctly signed token carrying a token version the account does not have is refused with 401")
  void wrongTokenVersionIsRefused() {
    JsonObject claims = claims(hsUser).put("tv", 7);

    assertUnauthorized(me(hsNode, hs256(claims, NodeFixture.JWT_SECRET.getBytes(StandardCharsets.UTF_8))));
  }

  @Test
  @DisplayName("a correctly signed token for a user that does not exist is refused with 401")
  void unknownSubjectIsRefused() {
    JsonObject claims = claims(UUID.randomUUID().toString());

    assertUnauthorized(me(hsNode, hs256(claims, NodeFixture.JWT_SECRET.getBytes(StandardCharsets.UTF_8))));
  }

  private static Reply me(NodeFixture node, String token) {
    return node.call("GET", "/api/auth/me").bearer(token).send();
  }

  private static void assertUnauthorized(Reply reply) {
    assertThat(reply.status()).as(reply.toString()).isEqualTo(401);
    assertThat(reply.json().getString("error")).isEqualTo("unauthorized");
  }

  private static long now() {
    return System.currentTimeMillis() / 1000;
  }

  private static JsonObject claims(String subject) {
    return new JsonObject()
        .put("sub", subject)
        .put("tv", 0)
        .put("jti", UUID.randomUUID().toString())
        .put("iss", TokenService.ISSUER)
        .put("aud", TokenService.AUDIENCE)
        .put("iat", now())
        .put("exp", now() + 600);
  }

  private static String unsigned(String header, JsonObject claims) {
    return base64Url(header.getBytes(StandardCharsets.UTF_8)) + "."
        + base64Url(claims.encode().getBytes(StandardCharsets.UTF_8)) + ".";
  }

  private static String hs256(JsonObject claims, byte[] key) {
    String input = base64Url(HS256_HEADER.getBytes(StandardCharsets.UTF_8)) + "."
        + base64Url(claims.encode().getBytes(StandardCharsets.UTF_8));
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return input + "." + base64Url(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String base64Url(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static String pem(String type, byte[] der) {
    String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
  }
}
