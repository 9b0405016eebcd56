package dev.atrium.frames;

import dev.atrium.blobs.BlobCache;
import dev.atrium.blobs.DataProvider;
import dev.atrium.bus.FailureCodes;
import dev.atrium.web.ApiException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.mongo.UpdateOptions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Frames in the store of record, their bytes in a {@link DataProvider}.
 *
 * <ul>
 *   <li>{@code room_frames}: one document per room, {@code {_id: room, frames: [frameId…], count,
 *       seq}} — the ordered index. Every change to it is one atomic update ({@code $push} with
 *       {@code $position}, or a rewrite conditional on {@code seq}), so inserting at N shifts later
 *       frames without touching their data.</li>
 *   <li>{@code frames}: {@code {_id, room, version, hash, fields: {name: {dtype, shape, blob}}}} —
 *       the current version. An edit is one {@code findOneAndUpdate} conditional on
 *       {@code version} (compare-and-set at the store of record: the version is the fencing token).
 *       {@code room} is the owning room: a room created {@code from} another shares the other's
 *       frames, and its first edit of one clones it (copy-on-write).</li>
 *   <li>{@code frame_versions}: {@code {_id: frameId:version, frame, version, hash, fields}} — the
 *       last {@code historyDepth} versions, for {@code ?version=K} and undo.</li>
 * </ul>
 *
 * Blobs are written (and verified) before any record refers to them, and records before the
 * index, so nothing is visible before its bytes are complete.
 */
public final class FrameStore {

  static final String INDEX = "room_frames";
  static final String FRAMES = "frames";
  static final String VERSIONS = "frame_versions";
  private static final int CAS_ATTEMPTS = 8;

  private final MongoClient mongo;
  private final DataProvider blobs;
  private final BlobCache cache;
  private final int historyDepth;

  /**
   * @param mongo records client
   * @param blobs where array bytes live
   * @param cache in-memory blob cache in front of {@code blobs}
   * @param historyDepth versions kept per frame
   */
  public FrameStore(MongoClient mongo, DataProvider blobs, BlobCache cache, int historyDepth) {
    this.mongo = mongo;
    this.blobs = blobs;
    this.cache = cache;
    this.historyDepth = historyDepth;
  }

  /** Indexes for history lookups (idempotent). */
  public Future<Void> ensureIndexes() {
    return mongo.createIndex(VERSIONS, new JsonObject().put("frame", 1).put("version", 1));
  }

  // ---- reads ----------------------------------------------------------------------------------

  /** Number of frames in a room (0 when it has none yet). */
  public Future<Integer> size(String room) {
    return mongo.findOne(INDEX, new JsonObject().put("_id", room), new JsonObject().put("count", 1))
        .map(doc -> doc == null ? 0 : doc.getInteger("count", 0));
  }

  /** Frame ids at {@code [from, from + count)} of the room's index, and the index's size. */
  public Future<Slice> slice(String room, int from, int count) {
    JsonObject projection = new JsonObject().put("count", 1).put("seq", 1)
        .put("frames", new JsonObject().put("$slice", new JsonArray().add(from).add(Math.max(count, 1))));
    // Only slice an index that reaches past from: the embedded store (local mode) fails a $slice
    // that starts beyond the end of the array instead of returning an empty one.
    JsonObject reaching = new JsonObject().put("_id", room).put("count", new JsonObject().put("$gt", from));
    return mongo.findOne(INDEX, reaching, projection)
        .compose(doc -> doc != null ? Future.succeededFuture(doc)
            : mongo.findOne(INDEX, new JsonObject().put("_id", room), new JsonObject().put("count", 1).put("seq", 1)))
        .map(doc -> {
          if (doc == null) {
            return new Slice(List.of(), 0, 0);
          }
          List<String> ids = new ArrayList<>();
          doc.getJsonArray("frames", new JsonArray()).forEach(id -> ids.add((String) id));
          int size = doc.getInteger("count", 0);
          return new Slice(from >= size ? List.of() : ids.subList(0, Math.min(ids.size(), count)), size,
              doc.getLong("seq", 0L));
        });
  }

  /** The current records (without bytes) of the frames with these ids, in the given order. */
  public Future<List<JsonObject>> records(List<String> ids) {
    if (ids.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return mongo.find(FRAMES, new JsonObject().put("_id", new JsonObject().put("$in", new JsonArray(ids))))
        .map(docs -> {
          Map<String, JsonObject> byId = new LinkedHashMap<>();
          docs.forEach(doc -> byId.put(doc.getString("_id"), doc));
          List<JsonObject> ordered = new ArrayList<>(ids.size());
          for (String id : ids) {
            JsonObject doc = byId.get(id);
            if (doc == null) {
              throw new ApiException(FailureCodes.CONFLICT, "frame " + id + " was removed concurrently; retry");
            }
            ordered.add(doc);
          }
          return ordered;
        });
  }

  /** One stored version of a frame, from history; null when it is not kept. */
  public Future<JsonObject> version(String frameId, long version) {
    return mongo.findOne(VERSIONS, new JsonObject().put("_id", frameId + ":" + version), null);
  }

  /** Loads the bytes of the selected fields (all when {@code names} is null) of a record. */
  public Future<Frame> load(JsonObject record, Collection<String> names) {
    JsonObject fields = record.getJsonObject("fields");
    SortedMap<String, Future<Field>> loading = new TreeMap<>();
    for (String name : fields.fieldNames()) {
      if (names == null || names.contains(name)) {
        loading.put(name, field(fields.getJsonObject(name)));
      }
    }
    return Future.all(new ArrayList<>(loading.values())).map(done -> {
      TreeMap<String, Field> loaded = new TreeMap<>();
      loading.forEach((name, future) -> loaded.put(name, future.result()));
      return Frame.of(loaded, "frame " + record.getString("_id"));
    });
  }

  private Future<Field> field(JsonObject ref) {
    DType dtype = DType.parse(ref.getString("dtype"));
    int[] shape = ref.getJsonArray("shape").stream().mapToInt(n -> ((Number) n).intValue()).toArray();
    String sha = ref.getString("blob");
    return cache.get(sha, blobs).map(bytes -> Field.stored(dtype, shape, bytes, sha));
  }

  // ---- writes ---------------------------------------------------------------------------------

  /**
   * Inserts frames at {@code at} (null = append): blobs first, then records, then the index in
   * one atomic update. Fails with 404 when {@code at} is past the end, and then removes the
   * records it staged (their blobs are left to garbage collection).
   */
  public Future<List<Stored>> insert(String room, Integer at, List<Frame> frames) {
    return stage(room, frames).compose(staged -> link(room, at, staged)
        .recover(failure -> discard(staged).transform(x -> Future.failedFuture(failure))));
  }

  /**
   * Stores frames' blobs and records without making them part of the room; {@link #link} then
   * makes a whole batch visible in one atomic index update, and {@link #discard} drops a batch
   * that will not be linked (an import that failed half-way).
   */
  public Future<List<JsonObject>> stage(String room, List<Frame> frames) {
    return storeBlobs(frames).compose(existing -> {
      List<JsonObject> docs = new ArrayList<>();
      for (Frame frame : frames) {
        docs.add(record(UUID.randomUUID().toString(), room, 1, frame));
      }
      return insertAll(docs).compose(x -> history(docs)).compose(x -> confirmBlobs(existing)).map(x -> docs);
    });
  }

  /** Makes staged records frames of the room at {@code at} (null = append), all at once. */
  public Future<List<Stored>> link(String room, Integer at, List<JsonObject> docs) {
    if (docs.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return appendToIndex(room, at, docs).map(first -> {
      List<Stored> stored = new ArrayList<>();
      for (int i = 0; i < docs.size(); i++) {
        stored.add(new Stored(first + i, docs.get(i).getString("_id"), 1, docs.get(i).getString("hash")));
      }
      return stored;
    });
  }

  /** Removes staged records that were never linked. */
  public Future<Void> discard(List<JsonObject> docs) {
    if (docs.isEmpty()) {
      return Future.succeededFuture();
    }
    JsonArray ids = new JsonArray(docs.stream().map(doc -> doc.getString("_id")).toList());
    return mongo.removeDocuments(FRAMES, new JsonObject().put("_id", new JsonObject().put("$in", ids)))
        .compose(v -> mongo.removeDocuments(VERSIONS, new JsonObject().put("frame", new JsonObject().put("$in", ids))))
        .mapEmpty();
  }

  private Future<Integer> appendToIndex(String room, Integer at, List<JsonObject> docs) {
    JsonArray ids = new JsonArray(docs.stream().map(doc -> doc.getString("_id")).toList());
    JsonObject push = new JsonObject().put("$each", ids);
    JsonObject query = new JsonObject().put("_id", room);
    if (at != null) {
      push.put("$position", at);
      query.put("count", new JsonObject().put("$gte", at));
    }
    JsonObject update = new JsonObject()
        .put("$push", new JsonObject().put("frames", push))
        .put("$inc", new JsonObject().put("count", ids.size()).put("seq", 1));
    return mongo.findOneAndUpdateWithOptions(INDEX, query, update,
            new FindOptions().setFields(new JsonObject().put("count", 1)),
            new UpdateOptions().setReturningNewDocument(true).setUpsert(at == null || at == 0))
        .compose(doc -> doc == null
            ? size(room).compose(size -> Future.failedFuture(new ApiException(FailureCodes.NOT_FOUND,
                "at=" + at + " is past the end of the room (" + size + " frames)")))
            : Future.succeededFuture(at == null ? doc.getInteger("count") - ids.size() : at))
        .recover(failure -> failure instanceof ApiException ? Future.failedFuture(failure)
            // the upsert lost a race with another first insert: the index exists now, try again
            : String.valueOf(failure.getMessage()).contains("E11000") ? appendToIndex(room, at, docs)
            : Future.failedFuture(failure));
  }

  /**
   * Writes a new version of the frame {@code located} found: refused before any blob is stored
   * when {@code baseVersion} is not its version, and applied in one atomic update conditional on
   * {@code baseVersion} (the fence against writes since it was found). {@code merge} keeps fields
   * the new content does not name (PATCH); otherwise the content replaces the frame (PUT).
   */
  public Future<Stored> update(String room, Located located, long baseVersion, Frame content, boolean merge) {
    return requireVersion(located, baseVersion).compose(v -> storeBlobs(List.of(content))).compose(existing -> {
      JsonObject fields = merge ? located.record().getJsonObject("fields").copy() : new JsonObject();
      fieldRefs(content).forEach(fields::put);
      return write(room, located, baseVersion, fields).compose(stored -> confirmBlobs(existing).map(stored));
    });
  }

  /**
   * Restores the previous version's content of the frame {@code located} found as a new version;
   * with {@code baseVersion}, only if that is its version. The write is conditional on the version
   * found.
   */
  public Future<Stored> undo(String room, Located located, Long baseVersion) {
    long version = located.record().getLong("version");
    return (baseVersion == null ? Future.<Void>succeededFuture() : requireVersion(located, baseVersion))
        .compose(v -> version(located.id(), version - 1))
        .compose(previous -> previous == null
            ? Future.failedFuture(new ApiException(FailureCodes.CONFLICT, "frame " + located.index()
                + " has no earlier version kept"))
            : write(room, located, version, previous.getJsonObject("fields")));
  }

  /**
   * Succeeds when the frame found is at {@code baseVersion}; otherwise a {@link VersionConflict}
   * naming its version. A check of what was read, not a fence: the write's compare-and-set is.
   */
  public static Future<Void> requireVersion(Located located, long baseVersion) {
    long current = located.record().getLong("version");
    return current == baseVersion ? Future.succeededFuture() : Future.failedFuture(conflict(baseVersion, current));
  }

  private Future<Stored> write(String room, Located located, long baseVersion, JsonObject fields) {
    String hash = hashOf(fields);
    if (!room.equals(located.record().getString("room")) || located.record().getBoolean("shared", false)) {
      return copyOnWrite(room, located, baseVersion, fields, hash);
    }
    JsonObject update = new JsonObject()
        .put("$set", new JsonObject().put("fields", fields).put("hash", hash).put("updatedAt", System.currentTimeMillis()))
        .put("$inc", new JsonObject().put("version", 1));
    return mongo.findOneAndUpdateWithOptions(FRAMES, new JsonObject().put("_id", located.id()).put("version", baseVersion),
            update, new FindOptions(), new UpdateOptions().setReturningNewDocument(true))
        .compose(doc -> doc == null
            ? currentVersion(located.id()).compose(now -> Future.failedFuture(conflict(baseVersion, now)))
            : history(List.of(doc)).map(v -> new Stored(located.index(), located.id(), doc.getLong("version"), hash)));
  }

  /** First edit of a frame shared from another room: a new record for this room, swapped into the index. */
  private Future<Stored> copyOnWrite(String room, Located located, long baseVersion, JsonObject fields, String hash) {
    String cloneId = UUID.randomUUID().toString();
    long version = baseVersion + 1;
    JsonObject clone = new JsonObject().put("_id", cloneId).put("room", room).put("version", version)
        .put("hash", hash).put("fields", fields).put("updatedAt", System.currentTimeMillis());
    String slot = "frames." + located.index();
    JsonObject query = new JsonObject().put("_id", room).put("seq", located.seq()).put(slot, located.id());
    JsonObject update = new JsonObject().put("$set", new JsonObject().put(slot, cloneId))
        .put("$inc", new JsonObject().put("seq", 1));
    return mongo.insert(FRAMES, clone)
        .compose(v -> mongo.findOneAndUpdateWithOptions(INDEX, query, update,
            new FindOptions().setFields(new JsonObject().put("seq", 1)), new UpdateOptions()))
        .compose(doc -> doc == null
            ? mongo.removeDocument(FRAMES, new JsonObject().put("_id", cloneId))
                .compose(r -> currentVersion(located.id()))
                .compose(now -> Future.failedFuture(conflict(baseVersion, now)))
            : history(List.of(predecessor(cloneId, located.record()), clone))
                .map(v -> new Stored(located.index(), cloneId, version, hash)));
  }

  /** Removes the frames at {@code [from, to)}; their records stay until no room refers to them. */
  public Future<List<Stored>> delete(String room, int from, int to) {
    return rewriteIndex(room, ids -> {
      if (from < 0 || to > ids.size() || from >= to) {
        throw new ApiException(FailureCodes.NOT_FOUND, "frames " + from + ":" + to + " out of range (room has "
            + ids.size() + " frames)");
      }
      List<String> removed = new ArrayList<>(ids.subList(from, to));
      ids.subList(from, to).clear();
      return removed;
    }).compose(removed -> mongo.findWithOptions(FRAMES,
            new JsonObject().put("_id", new JsonObject().put("$in", new JsonArray(removed))),
            new FindOptions().setFields(new JsonObject().put("version", 1).put("hash", 1)))
        .compose(docs -> {
          // the last version and hash of each removed frame, so the answer and the change event
          // name what was removed (a record another room dropped meanwhile is listed without them)
          Map<String, JsonObject> byId = new LinkedHashMap<>();
          docs.forEach(doc -> byId.put(doc.getString("_id"), doc));
          List<Stored> out = new ArrayList<>();
          for (int i = 0; i < removed.size(); i++) {
            JsonObject doc = byId.get(removed.get(i));
            out.add(doc == null ? new Stored(from + i, removed.get(i), 0, null)
                : new Stored(from + i, removed.get(i), doc.getLong("version"), doc.getString("hash")));
          }
          return dropUnreferenced(room, removed).map(v -> out);
        }));
  }

  /** Moves the frame at {@code from} to {@code to}. */
  public Future<Stored> move(String room, int from, int to) {
    return rewriteIndex(room, ids -> {
      if (from < 0 || from >= ids.size() || to < 0 || to >= ids.size()) {
        throw new ApiException(FailureCodes.NOT_FOUND, "move " + from + " → " + to + " out of range (room has "
            + ids.size() + " frames)");
      }
      String id = ids.remove(from);
      ids.add(to, id);
      return List.of(id);
    }).compose(moved -> records(moved).map(docs -> new Stored(to, moved.get(0), docs.get(0).getLong("version"),
        docs.get(0).getString("hash"))));
  }

  /**
   * Gives {@code room} the same frames as {@code base}, shared rather than copied: both indexes
   * refer to the same records, which are marked shared so that the first edit through either room
   * clones the record for that room (copy-on-write) and the other room keeps what it had.
   */
  public Future<Void> shareFrom(String base, String room) {
    return mongo.findOne(INDEX, new JsonObject().put("_id", base), null).compose(doc -> {
      JsonArray ids = doc == null ? new JsonArray() : doc.getJsonArray("frames", new JsonArray());
      Future<?> marked = ids.isEmpty() ? Future.succeededFuture()
          : mongo.updateCollectionWithOptions(FRAMES, new JsonObject().put("_id", new JsonObject().put("$in", ids)),
              new JsonObject().put("$set", new JsonObject().put("shared", true)),
              new UpdateOptions().setMulti(true));
      return marked.compose(v -> mongo.insert(INDEX, new JsonObject().put("_id", room).put("frames", ids)
          .put("count", ids.size()).put("seq", 0L))).mapEmpty();
    });
  }

  /** Deletes a room's index and every frame record no other room refers to. */
  public Future<Void> deleteRoom(String room) {
    return mongo.findOne(INDEX, new JsonObject().put("_id", room), null).compose(doc -> {
      List<String> ids = new ArrayList<>();
      if (doc != null) {
        doc.getJsonArray("frames", new JsonArray()).forEach(id -> ids.add((String) id));
      }
      return mongo.removeDocument(INDEX, new JsonObject().put("_id", room))
          .compose(v -> dropUnreferenced(room, ids));
    });
  }

  private Future<Void> dropUnreferenced(String room, List<String> candidates) {
    if (candidates.isEmpty()) {
      return Future.succeededFuture();
    }
    JsonObject stillUsed = new JsonObject().put("frames", new JsonObject().put("$in", new JsonArray(candidates)));
    return mongo.findWithOptions(INDEX, stillUsed, new FindOptions().setFields(new JsonObject().put("frames", 1)))
        .compose(docs -> {
          java.util.Set<String> used = new java.util.HashSet<>();
          docs.forEach(doc -> doc.getJsonArray("frames").forEach(id -> used.add((String) id)));
          List<String> drop = candidates.stream().filter(id -> !used.contains(id)).toList();
          if (drop.isEmpty()) {
            return Future.succeededFuture();
          }
          JsonArray dropIds = new JsonArray(drop);
          return mongo.removeDocuments(FRAMES, new JsonObject().put("_id", new JsonObject().put("$in", dropIds)))
              .compose(v -> mongo.removeDocuments(VERSIONS, new JsonObject().put("frame",
                  new JsonObject().put("$in", dropIds))))
              .mapEmpty();
        });
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** The frame at {@code index}: its id, record and the index sequence it was read at. */
  public Future<Located> at(String room, int index) {
    if (index < 0) {
      return Future.failedFuture(new ApiException(FailureCodes.NOT_FOUND, "frame index " + index + " is negative"));
    }
    return slice(room, index, 1).compose(slice -> {
      if (slice.ids().isEmpty()) {
        return Future.failedFuture(new ApiException(FailureCodes.NOT_FOUND, "frame " + index
            + " out of range (room has " + slice.size() + " frames)"));
      }
      String id = slice.ids().get(0);
      return records(List.of(id)).map(docs -> new Located(index, id, docs.get(0), slice.seq()));
    });
  }

  private <T> Future<T> rewriteIndex(String room, java.util.function.Function<List<String>, T> change) {
    return rewriteIndex(room, change, CAS_ATTEMPTS);
  }

  private <T> Future<T> rewriteIndex(String room, java.util.function.Function<List<String>, T> change, int attempts) {
    return mongo.findOne(INDEX, new JsonObject().put("_id", room), null).compose(doc -> {
      List<String> ids = new ArrayList<>();
      if (doc != null) {
        doc.getJsonArray("frames", new JsonArray()).forEach(id -> ids.add((String) id));
      }
      long seq = doc == null ? 0 : doc.getLong("seq", 0L);
      T result = change.apply(ids);
      JsonObject update = new JsonObject().put("$set", new JsonObject().put("frames", new JsonArray(ids))
          .put("count", ids.size())).put("$inc", new JsonObject().put("seq", 1));
      return mongo.findOneAndUpdateWithOptions(INDEX, new JsonObject().put("_id", room).put("seq", seq), update,
              new FindOptions().setFields(new JsonObject().put("seq", 1)), new UpdateOptions())
          .compose(updated -> {
            if (updated != null) {
              return Future.succeededFuture(result);
            }
            return attempts > 1 ? rewriteIndex(room, change, attempts - 1)
                : Future.failedFuture(new ApiException(FailureCodes.CONFLICT, "the room's frames changed concurrently; retry"));
          });
    });
  }

  /**
   * Stores the frames' blobs; the result holds those that were already stored (the others this
   * call wrote). After the records that refer to them exist, {@link #confirmBlobs} checks that no
   * garbage collection moved one of those aside in between.
   */
  private Future<Map<String, byte[]>> storeBlobs(List<Frame> frames) {
    Map<String, byte[]> unique = new LinkedHashMap<>();
    for (Frame frame : frames) {
      frame.fields().values().forEach(field -> unique.putIfAbsent(field.sha256(), field.data()));
    }
    Map<String, byte[]> existing = new java.util.concurrent.ConcurrentHashMap<>();
    List<Future<Boolean>> puts = new ArrayList<>();
    unique.forEach((sha, bytes) -> puts.add(blobs.put(sha, bytes).onSuccess(stored -> {
      if (!stored) {
        existing.put(sha, bytes);
      }
    })));
    return Future.all(puts).map(done -> existing);
  }

  /** Stores again any pre-existing blob a collector moved aside while its referencing record was written. */
  private Future<Void> confirmBlobs(Map<String, byte[]> existing) {
    List<Future<?>> checks = new ArrayList<>();
    existing.forEach((sha, bytes) -> checks.add(blobs.exists(sha)
        .compose(present -> present ? Future.succeededFuture() : blobs.put(sha, bytes))));
    return Future.all(checks).mapEmpty();
  }

  private Future<Void> insertAll(List<JsonObject> docs) {
    List<Future<String>> inserts = new ArrayList<>();
    docs.forEach(doc -> inserts.add(mongo.insert(FRAMES, doc)));
    return Future.all(inserts).mapEmpty();
  }

  private Future<Void> history(List<JsonObject> docs) {
    List<Future<?>> writes = new ArrayList<>();
    for (JsonObject doc : docs) {
      String id = doc.getString("_id");
      long version = doc.getLong("version");
      JsonObject entry = new JsonObject().put("_id", id + ":" + version).put("frame", id).put("version", version)
          .put("hash", doc.getString("hash")).put("fields", doc.getJsonObject("fields"));
      writes.add(mongo.save(VERSIONS, entry));
      if (version > historyDepth) {
        writes.add(mongo.removeDocuments(VERSIONS, new JsonObject().put("frame", id)
            .put("version", new JsonObject().put("$lte", version - historyDepth))));
      }
    }
    return Future.all(writes).mapEmpty();
  }

  /** The shared record's content as the clone's previous version, so undo and ?version=K work after copy-on-write. */
  private static JsonObject predecessor(String cloneId, JsonObject shared) {
    return new JsonObject().put("_id", cloneId).put("version", shared.getLong("version"))
        .put("hash", shared.getString("hash")).put("fields", shared.getJsonObject("fields"));
  }

  private Future<Long> currentVersion(String frameId) {
    return mongo.findOne(FRAMES, new JsonObject().put("_id", frameId), new JsonObject().put("version", 1))
        .map(doc -> doc == null ? 0L : doc.getLong("version"));
  }

  private static JsonObject record(String id, String room, long version, Frame frame) {
    JsonObject fields = new JsonObject();
    fieldRefs(frame).forEach(fields::put);
    return new JsonObject().put("_id", id).put("room", room).put("version", version).put("hash", frame.hash())
        .put("fields", fields).put("updatedAt", System.currentTimeMillis());
  }

  private static Map<String, JsonObject> fieldRefs(Frame frame) {
    Map<String, JsonObject> refs = new LinkedHashMap<>();
    frame.fields().forEach((name, field) -> refs.put(name, new JsonObject()
        .put("dtype", field.dtype().id())
        .put("shape", new JsonArray(java.util.Arrays.stream(field.shape()).boxed().toList()))
        .put("blob", field.sha256())));
    return refs;
  }

  /** The frame hash of stored field references. */
  static String hashOf(JsonObject fields) {
    TreeMap<String, Frame.FieldRef> refs = new TreeMap<>();
    for (String name : fields.fieldNames()) {
      JsonObject ref = fields.getJsonObject(name);
      refs.put(name, new Frame.FieldRef(DType.parse(ref.getString("dtype")),
          ref.getJsonArray("shape").stream().mapToInt(n -> ((Number) n).intValue()).toArray(), ref.getString("blob")));
    }
    return Frame.hashOf(refs);
  }

  private static ApiException conflict(long base, long current) {
    return new VersionConflict(base, current);
  }

  /**
   * Frame ids of part of a room's index.
   *
   * @param ids the ids
   * @param size frames in the room
   * @param seq the index's change counter when read
   */
  public record Slice(List<String> ids, int size, long seq) {
  }

  /**
   * A frame found by index.
   *
   * @param index its position
   * @param id its id
   * @param record its current record
   * @param seq the index's change counter when found
   */
  public record Located(int index, String id, JsonObject record, long seq) {
  }

  /**
   * The outcome of a write.
   *
   * @param index position in the room
   * @param id frame id
   * @param version version now
   * @param hash content hash now
   */
  public record Stored(int index, String id, long version, String hash) {
  }

  /** 409: the client's base version is not the current one; carries the current version. */
  public static final class VersionConflict extends ApiException {
    private final long current;

    VersionConflict(long base, long current) {
      super(FailureCodes.CONFLICT, "version conflict: base " + base + ", current " + current);
      this.current = current;
    }

    /** The frame's current version. */
    public long current() {
      return current;
    }
  }
}
