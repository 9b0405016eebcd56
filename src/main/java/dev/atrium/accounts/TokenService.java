package dev.atrium.accounts;

import dev.atrium.config.AuthSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.UUID;

/**
 * Issues and verifies Atrium's signed tokens (JWT through vertx-auth-jwt). Exactly one algorithm
 * is accepted — the one of the configured key (HS256 for a secret, RS256 or ES256 for a PEM pair) —
 * so {@code alg: none} and key confusion (an HS256 token "signed" with the public RSA key) are
 * refused before any signature is looked at. {@code iss}, {@code aud} and {@code exp} (with a
 * small leeway) are checked on every token.
 */
public final class TokenService {

  /** Issuer and audience of every token. */
  public static final String ISSUER = "atrium";
  /** Audience of every token. */
  public static final String AUDIENCE = "atrium";
  /** Clock difference tolerated between nodes, in seconds. */
  public static final int LEEWAY_SECONDS = 30;

  private final JWTAuth jwt;
  private final String algorithm;
  private final int ttlSeconds;

  private TokenService(JWTAuth jwt, String algorithm, int ttlSeconds) {
    this.jwt = jwt;
    this.algorithm = algorithm;
    this.ttlSeconds = ttlSeconds;
  }

  /**
   * Builds the service from the configured key. With neither a secret nor a key pair (local mode
   * only — startup refuses it elsewhere) a random secret is created once under {@code dataDir}
   * and reused, so sign-ins survive restarts. Reads files: call from a worker thread.
   */
  public static TokenService create(Vertx vertx, AuthSettings auth, Path dataDir) {
    PubSecKeyOptions[] keys;
    String algorithm;
    if (auth.jwtPrivateKey() != null) {
      String publicPem = read(auth.jwtPublicKey());
      algorithm = asymmetricAlgorithm(publicPem, auth.jwtPublicKey());
      keys = new PubSecKeyOptions[] {
          new PubSecKeyOptions().setAlgorithm(algorithm).setBuffer(publicPem),
          new PubSecKeyOptions().setAlgorithm(algorithm).setBuffer(read(auth.jwtPrivateKey()))};
    } else {
      String secret = auth.jwtSecret() != null ? auth.jwtSecret() : localSecret(dataDir);
      algorithm = "HS256";
      keys = new PubSecKeyOptions[] {new PubSecKeyOptions().setAlgorithm(algorithm).setBuffer(secret)};
    }
    JWTAuthOptions options = new JWTAuthOptions().setJWTOptions(new JWTOptions()
        .setIssuer(ISSUER)
        .addAudience(AUDIENCE)
        .setLeeway(LEEWAY_SECONDS));
    for (PubSecKeyOptions key : keys) {
      options.addPubSecKey(key);
    }
    return new TokenService(JWTAuth.create(vertx, options), algorithm, (int) auth.tokenTtl().toSeconds());
  }

  /** The algorithm tokens are signed with and the only one accepted. */
  public String algorithm() {
    return algorithm;
  }

  /** Token lifetime in seconds. */
  public int ttlSeconds() {
    return ttlSeconds;
  }

  /** A signed token for {@code user} at its current token version. */
  public String issue(UserRecord user) {
    JsonObject claims = new JsonObject().put("tv", user.tokenVersion()).put("jti", UUID.randomUUID().toString());
    return jwt.generateToken(claims, new JWTOptions()
        .setAlgorithm(algorithm)
        .setSubject(user.id())
        .setIssuer(ISSUER)
        .addAudience(AUDIENCE)
        .setExpiresInSeconds(ttlSeconds));
  }

  /**
   * Checks a token's algorithm, signature, issuer, audience and expiry; fails on any mismatch.
   * The result's {@code sub} and {@code tv} still have to be matched against the account.
   */
  public Future<Claims> verify(String token) {
    String problem = headerProblem(token);
    if (problem != null) {
      return Future.failedFuture(new SecurityException(problem));
    }
    return jwt.authenticate(new TokenCredentials(token)).compose(user -> {
      JsonObject claims = user.principal();
      String subject = claims.getString("sub");
      Object version = claims.getValue("tv");
      if (subject == null || !(version instanceof Number number)) {
        return Future.failedFuture(new SecurityException("token lacks sub or tv"));
      }
      return Future.succeededFuture(new Claims(subject, number.longValue(), claims.getLong("exp", 0L)));
    });
  }

  private String headerProblem(String token) {
    int dot = token.indexOf('.');
    if (dot <= 0) {
      return "malformed token";
    }
    try {
      JsonObject header = new JsonObject(new String(Base64.getUrlDecoder().decode(token.substring(0, dot)),
          StandardCharsets.UTF_8));
      return algorithm.equals(header.getString("alg")) ? null : "algorithm not accepted";
    } catch (IllegalArgumentException | DecodeException | ClassCastException e) {
      return "malformed token header";
    }
  }

  private static String asymmetricAlgorithm(String publicPem, Path file) {
    String base64 = publicPem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    byte[] der = Base64.getDecoder().decode(base64);
    for (String[] candidate : new String[][] {{"RSA", "RS256"}, {"EC", "ES256"}}) {
      try {
        KeyFactory.getInstance(candidate[0]).generatePublic(new X509EncodedKeySpec(der));
        return candidate[1];
      } catch (Exception e) {
        // try the next key type
      }
    }
    throw new IllegalStateException("ATRIUM_JWT_PUBLIC_KEY " + file + " is neither an RSA nor an EC public key (PEM)");
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read key file " + file, e);
    }
  }

  private static String localSecret(Path dataDir) {
    Path file = dataDir.resolve("secrets").resolve("jwt-secret");
    try {
      if (Files.isRegularFile(file)) {
        return Files.readString(file).trim();
      }
      Files.createDirectories(file.getParent());
      byte[] random = new byte[48];
      new java.security.SecureRandom().nextBytes(random);
      String secret = Base64.getEncoder().encodeToString(random);
      Path temp = Files.createTempFile(file.getParent(), "jwt-secret", ".tmp",
          java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
              java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
      Files.writeString(temp, secret);
      Files.move(temp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      return secret;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the local signing secret " + file, e);
    }
  }

  /**
   * What a valid token says.
   *
   * @param subject user id
   * @param tokenVersion the account's token version when issued
   * @param expiresAt expiry, epoch seconds
   */
  public record Claims(String subject, long tokenVersion, long expiresAt) {
  }
}
