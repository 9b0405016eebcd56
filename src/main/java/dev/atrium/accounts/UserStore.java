package dev.atrium.accounts;

import dev.atrium.bus.FailureCodes;
import dev.atrium.web.ApiException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.IndexOptions;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.mongo.UpdateOptions;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * Accounts in the store of record ({@code users}). E-mails are unique case-insensitively through a
 * unique index on the lower-cased address, so two nodes registering the same address at once
 * cannot both succeed. Every change that must end earlier sign-ins bumps {@code tokenVersion} in
 * the same atomic update.
 */
public final class UserStore {

  static final String COLLECTION = "users";
  private static final String DUPLICATE_KEY = "E11000";

  private final MongoClient mongo;

  /** @param mongo the records client */
  public UserStore(MongoClient mongo) {
    this.mongo = mongo;
  }

  /** Creates the unique e-mail index (idempotent). */
  public Future<Void> ensureIndexes() {
    return mongo.createIndexWithOptions(COLLECTION, new JsonObject().put("emailKey", 1),
        new IndexOptions().unique(true).name("emailKey_unique"));
  }

  /** Lower-cased, trimmed: the form uniqueness is decided on. */
  public static String emailKey(String email) {
    return email.trim().toLowerCase(Locale.ROOT);
  }

  /** Inserts a new account; fails with 409 when the e-mail is taken. */
  public Future<UserRecord> create(String email, String passwordHash, boolean admin) {
    long now = System.currentTimeMillis();
    JsonObject doc = new JsonObject()
        .put("_id", UUID.randomUUID().toString())
        .put("email", email.trim())
        .put("emailKey", emailKey(email))
        .put("passwordHash", passwordHash)
        .put("admin", admin)
        .put("disabled", false)
        .put("tokenVersion", 0L)
        .put("createdAt", now)
        .put("lastLoginAt", 0L);
    return mongo.insert(COLLECTION, doc)
        .map(id -> UserRecord.fromDocument(doc))
        .recover(failure -> String.valueOf(failure.getMessage()).contains(DUPLICATE_KEY)
            ? Future.failedFuture(new ApiException(FailureCodes.CONFLICT, "an account with that e-mail exists"))
            : Future.failedFuture(failure));
  }

  /** The account with this e-mail (any case), or null. */
  public Future<UserRecord> byEmail(String email) {
    return mongo.findOne(COLLECTION, new JsonObject().put("emailKey", emailKey(email)), null)
        .map(doc -> doc == null ? null : UserRecord.fromDocument(doc));
  }

  /** The account with this id, or null. */
  public Future<UserRecord> byId(String id) {
    return mongo.findOne(COLLECTION, new JsonObject().put("_id", id), null)
        .map(doc -> doc == null ? null : UserRecord.fromDocument(doc));
  }

  /** Accounts ordered by e-mail, one page. */
  public Future<List<UserRecord>> list(int skip, int limit) {
    FindOptions options = new FindOptions().setSkip(skip).setLimit(limit).setSort(new JsonObject().put("emailKey", 1));
    return mongo.findWithOptions(COLLECTION, new JsonObject(), options)
        .map(docs -> docs.stream().map(UserRecord::fromDocument).toList());
  }

  /** Notes a successful sign-in. */
  public Future<Void> recordLogin(String id) {
    return mongo.updateCollection(COLLECTION, new JsonObject().put("_id", id),
        new JsonObject().put("$set", new JsonObject().put("lastLoginAt", System.currentTimeMillis()))).mapEmpty();
  }

  /**
   * Applies {@code set} and increments the token version in one atomic update, so every token
   * issued before it stops working; returns the updated account, or null when there is none.
   */
  public Future<UserRecord> updateAndRevoke(String id, JsonObject set) {
    JsonObject update = new JsonObject().put("$inc", new JsonObject().put("tokenVersion", 1));
    if (!set.isEmpty()) {
      update.put("$set", set);
    }
    return mongo.findOneAndUpdateWithOptions(COLLECTION, new JsonObject().put("_id", id), update,
            new FindOptions(), new UpdateOptions().setReturningNewDocument(true))
        .map(doc -> doc == null ? null : UserRecord.fromDocument(doc));
  }
}
