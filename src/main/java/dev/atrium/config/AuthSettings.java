package dev.atrium.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Sign-in: token keys and lifetime, registration, the implicit local user, the first admin.
 *
 * @param jwtSecret HS256 signing secret, or null
 * @param jwtPrivateKey PEM private key that signs tokens, or null
 * @param jwtPublicKey PEM public key that verifies tokens, or null
 * @param tokenTtl how long a token is valid
 * @param registration whether self-registration is open
 * @param localUser whether token-less requests act as the implicit local user (local mode on loopback only)
 * @param adminEmail admin account e-mail
 * @param adminPassword admin account password
 */
public record AuthSettings(String jwtSecret, Path jwtPrivateKey, Path jwtPublicKey, Duration tokenTtl,
    boolean registration, boolean localUser, String adminEmail, String adminPassword) {

  @Override
  public String toString() {
    return "AuthSettings[jwtSecret=****, jwtPrivateKey=" + jwtPrivateKey + ", jwtPublicKey=" + jwtPublicKey
        + ", tokenTtl=" + tokenTtl + ", registration=" + registration + ", localUser=" + localUser
        + ", adminEmail=" + adminEmail + ", adminPassword=****]";
  }
}
