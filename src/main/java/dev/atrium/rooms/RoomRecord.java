package dev.atrium.rooms;

import io.vertx.core.json.JsonObject;

/**
 * A room as stored.
 *
 * @param id room id
 * @param title title
 * @param owner the creating user's id
 * @param isPublic whether any signed-in user may view it
 * @param createdAt creation time, epoch ms
 * @param baseRoom the room it was created from, or null
 */
public record RoomRecord(String id, String title, String owner, boolean isPublic, long createdAt, String baseRoom) {

  static RoomRecord fromDocument(JsonObject doc) {
    return new RoomRecord(doc.getString("_id"), doc.getString("title"), doc.getString("owner"),
        "public".equals(doc.getString("visibility")), doc.getLong("createdAt", 0L), doc.getString("baseRoom"));
  }

  /** The wire form, with the caller's role. */
  public JsonObject toJson(Role role) {
    return new JsonObject()
        .put("id", id)
        .put("title", title)
        .put("owner", owner)
        .put("visibility", isPublic ? "public" : "private")
        .put("createdAt", createdAt)
        .put("baseRoom", baseRoom)
        .put("role", role == null ? null : role.id());
  }
}
