package dev.atrium.config;

/**
 * Secrets and the first admin account.
 *
 * @param jwtSecret HS256 signing secret, or null
 * @param adminEmail admin account e-mail
 * @param adminPassword admin account password
 */
public record AuthSettings(String jwtSecret, String adminEmail, String adminPassword) {

  @Override
  public String toString() {
    return "AuthSettings[jwtSecret=****, adminEmail=" + adminEmail + ", adminPassword=****]";
  }
}
