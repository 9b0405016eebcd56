package dev.atrium.accounts;

import io.vertx.core.json.JsonObject;

/**
 * A user account as stored.
 *
 * @param id user id
 * @param email e-mail as registered
 * @param passwordHash Argon2id hash
 * @param admin administers accounts
 * @param disabled may not sign in; earlier tokens stop working
 * @param tokenVersion tokens carry the version they were issued at; any other version is refused
 * @param createdAt creation time, epoch ms
 * @param lastLoginAt last sign-in, epoch ms, or 0
 */
public record UserRecord(String id, String email, String passwordHash, boolean admin, boolean disabled,
    long tokenVersion, long createdAt, long lastLoginAt) {

  static UserRecord fromDocument(JsonObject doc) {
    return new UserRecord(doc.getString("_id"), doc.getString("email"), doc.getString("passwordHash"),
        doc.getBoolean("admin", false), doc.getBoolean("disabled", false), doc.getLong("tokenVersion", 0L),
        doc.getLong("createdAt", 0L), doc.getLong("lastLoginAt", 0L));
  }

  /** The public view: never the hash or the token version. */
  public JsonObject toJson() {
    return new JsonObject()
        .put("id", id)
        .put("email", email)
        .put("admin", admin)
        .put("disabled", disabled)
        .put("createdAt", createdAt)
        .put("lastLoginAt", lastLoginAt == 0 ? null : lastLoginAt);
  }

  /** The principal this account acts as. */
  public AuthUser principal() {
    return new AuthUser(id, email, admin, false);
  }
}
