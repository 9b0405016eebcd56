package dev.atrium.rooms;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.IndexOptions;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.mongo.UpdateOptions;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Rooms ({@code rooms}) and their members ({@code room_members}, one document per room and user,
 * unique on the pair) in the store of record.
 */
public final class RoomStore {

  static final String ROOMS = "rooms";
  static final String MEMBERS = "room_members";

  private final MongoClient mongo;

  /** @param mongo the records client */
  public RoomStore(MongoClient mongo) {
    this.mongo = mongo;
  }

  /** Indexes for membership lookups both ways (idempotent). */
  public Future<Void> ensureIndexes() {
    return mongo.createIndexWithOptions(MEMBERS, new JsonObject().put("room", 1).put("user", 1),
            new IndexOptions().unique(true).name("room_user_unique"))
        .compose(v -> mongo.createIndexWithOptions(MEMBERS, new JsonObject().put("user", 1),
            new IndexOptions().name("user")))
        .compose(v -> mongo.createIndexWithOptions(ROOMS, new JsonObject().put("owner", 1),
            new IndexOptions().name("owner")));
  }

  /** Creates a room owned by {@code owner}. */
  public Future<RoomRecord> create(String title, boolean isPublic, String owner, String baseRoom) {
    JsonObject doc = new JsonObject()
        .put("_id", UUID.randomUUID().toString())
        .put("title", title)
        .put("owner", owner)
        .put("visibility", isPublic ? "public" : "private")
        .put("createdAt", System.currentTimeMillis())
        .put("baseRoom", baseRoom);
    return mongo.insert(ROOMS, doc).map(id -> RoomRecord.fromDocument(doc));
  }

  /** The room, or null. */
  public Future<RoomRecord> room(String id) {
    return mongo.findOne(ROOMS, new JsonObject().put("_id", id), null)
        .map(doc -> doc == null ? null : RoomRecord.fromDocument(doc));
  }

  /** Changes title and/or visibility; returns the updated room or null. */
  public Future<RoomRecord> update(String id, String title, Boolean isPublic) {
    JsonObject set = new JsonObject();
    if (title != null) {
      set.put("title", title);
    }
    if (isPublic != null) {
      set.put("visibility", isPublic ? "public" : "private");
    }
    return mongo.findOneAndUpdateWithOptions(ROOMS, new JsonObject().put("_id", id), new JsonObject().put("$set", set),
            new FindOptions(), new UpdateOptions().setReturningNewDocument(true))
        .map(doc -> doc == null ? null : RoomRecord.fromDocument(doc));
  }

  /** Removes the room and its memberships. */
  public Future<Boolean> delete(String id) {
    return mongo.removeDocuments(MEMBERS, new JsonObject().put("room", id))
        .compose(v -> mongo.removeDocument(ROOMS, new JsonObject().put("_id", id)))
        .map(result -> result != null && result.getRemovedCount() > 0);
  }

  /** The role of {@code user} in {@code room} by membership, or null. */
  public Future<Role> memberRole(String room, String user) {
    return mongo.findOne(MEMBERS, new JsonObject().put("room", room).put("user", user), null)
        .map(doc -> doc == null ? null : Role.parse(doc.getString("role")));
  }

  /** Sets (adds or changes) a membership. */
  public Future<Void> putMember(String room, String user, Role role) {
    return mongo.updateCollectionWithOptions(MEMBERS, new JsonObject().put("room", room).put("user", user),
        new JsonObject().put("$set", new JsonObject().put("role", role.id())), new UpdateOptions().setUpsert(true))
        .mapEmpty();
  }

  /** Removes a membership; true when there was one. */
  public Future<Boolean> removeMember(String room, String user) {
    return mongo.removeDocument(MEMBERS, new JsonObject().put("room", room).put("user", user))
        .map(result -> result != null && result.getRemovedCount() > 0);
  }

  /** The members of a room: {@code {user, role}} documents. */
  public Future<List<JsonObject>> members(String room) {
    return mongo.findWithOptions(MEMBERS, new JsonObject().put("room", room),
        new FindOptions().setFields(new JsonObject().put("user", 1).put("role", 1).put("_id", 0)));
  }

  /**
   * One page of the rooms {@code user} may see (owned, member of, or public), newest first,
   * optionally filtered by a case-insensitive title substring.
   */
  public Future<List<RoomRecord>> visibleTo(String user, boolean everything, String titleContains, int skip, int limit) {
    Future<List<String>> memberOf = everything ? Future.succeededFuture(List.of())
        : mongo.find(MEMBERS, new JsonObject().put("user", user))
            .map(docs -> docs.stream().map(doc -> doc.getString("room")).toList());
    return memberOf.compose(rooms -> {
      JsonObject query = everything ? new JsonObject() : new JsonObject().put("$or", new JsonArray()
          .add(new JsonObject().put("owner", user))
          .add(new JsonObject().put("_id", new JsonObject().put("$in", new JsonArray(rooms))))
          .add(new JsonObject().put("visibility", "public")));
      if (titleContains != null && !titleContains.isBlank()) {
        query.put("title", new JsonObject().put("$regex", Pattern.quote(titleContains)).put("$options", "i"));
      }
      FindOptions options = new FindOptions().setSkip(skip).setLimit(limit)
          .setSort(new JsonObject().put("createdAt", -1).put("_id", 1));
      return mongo.findWithOptions(ROOMS, query, options);
    }).map(docs -> docs.stream().map(RoomRecord::fromDocument).toList());
  }
}
