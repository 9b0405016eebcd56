package dev.atrium.frames;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.atrium.accounts.AuthUser;
import dev.atrium.bus.Addresses;
import dev.atrium.bus.FailureCodes;
import dev.atrium.rooms.Role;
import dev.atrium.rooms.RoomAccess;
import dev.atrium.web.ApiException;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The data channel's operations on frames, each in the same order: may this user do it (room
 * role), is the frame or room locked by someone else (423), then the store's atomic step, then one
 * {@link Addresses#FRAMES_CHANGED} publication with metadata only.
 */
public final class FrameService {

  /** Longest a cached index lookup lives without a change event. */
  public static final java.time.Duration LOCATED_TTL = java.time.Duration.ofSeconds(30);

  private final FrameStore store;
  private final RoomAccess access;
  private final FrameLocks locks;
  private final EventBus bus;
  private final int maxRange;
  private final Cache<String, Map<Integer, FrameStore.Located>> located = Caffeine.newBuilder()
      .maximumSize(10_000)
      .expireAfterWrite(LOCATED_TTL)
      .build();

  /**
   * @param store frames and blobs
   * @param access room authorization
   * @param locks edit locks
   * @param bus where changes are announced
   * @param maxRange most frames one read may ask for
   */
  public FrameService(FrameStore store, RoomAccess access, FrameLocks locks, EventBus bus, int maxRange) {
    this.store = store;
    this.access = access;
    this.locks = locks;
    this.bus = bus;
    this.maxRange = maxRange;
  }

  /** The store (for streaming import and export). */
  public FrameStore store() {
    return store;
  }

  /** Most frames one read may ask for. */
  public int maxRange() {
    return maxRange;
  }

  /** Reads frames by index, with the selected fields (all when null; none when empty). */
  public Future<List<FrameView>> read(AuthUser user, String room, Selection selection, Collection<String> fields) {
    return access.require(user, room, Role.VIEWER).compose(grant -> store.size(room)).compose(size -> {
      List<Integer> indices = selection.indices(size, maxRange);
      return readIndices(room, indices, fields);
    });
  }

  private Future<List<FrameView>> readIndices(String room, List<Integer> indices, Collection<String> fields) {
    if (indices.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    int from = indices.stream().mapToInt(Integer::intValue).min().orElse(0);
    int to = indices.stream().mapToInt(Integer::intValue).max().orElse(0) + 1;
    return store.slice(room, from, to - from).compose(slice -> {
      List<String> ids = new ArrayList<>();
      for (int index : indices) {
        int offset = index - from;
        if (offset >= slice.ids().size()) {
          return Future.failedFuture(new ApiException(FailureCodes.NOT_FOUND, "frame " + index
              + " out of range (room has " + slice.size() + " frames)"));
        }
        ids.add(slice.ids().get(offset));
      }
      return store.records(ids).compose(records -> {
        List<Future<FrameView>> views = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
          views.add(view(indices.get(i), records.get(i), fields));
        }
        return Future.all(views).map(all -> all.<FrameView>list());
      });
    });
  }

  /** One frame, current or (with {@code version}) a kept earlier version. */
  public Future<FrameView> readOne(AuthUser user, String room, int index, Long version, Collection<String> fields) {
    return access.require(user, room, Role.VIEWER).compose(grant -> store.at(room, index)).compose(located -> {
      long current = located.record().getLong("version");
      if (version == null || version == current) {
        return view(index, located.record(), fields);
      }
      return store.version(located.id(), version).compose(old -> old == null
          ? Future.failedFuture(new ApiException(FailureCodes.NOT_FOUND, "frame " + index + " version " + version
              + " is not kept (current " + current + ")"))
          : view(index, old.copy().put("_id", located.id()), fields));
    });
  }

  /**
   * The frame at {@code index} (record only, no bytes) after checking the caller may view the
   * room. Served from a per-node cache that every change of the room clears — this node's own
   * writes at once, other nodes' when their {@code atrium.frames.changed} arrives (milliseconds;
   * entries also expire after {@link #LOCATED_TTL} should an event be lost). Writes never use it:
   * they read the store and are fenced by the version check there.
   */
  public Future<FrameStore.Located> locate(AuthUser user, String room, int index) {
    return access.require(user, room, Role.VIEWER).compose(grant -> {
      Map<Integer, FrameStore.Located> perRoom = located.get(room, key -> new ConcurrentHashMap<>());
      FrameStore.Located hit = perRoom.get(index);
      if (hit != null) {
        return Future.succeededFuture(hit);
      }
      // an invalidation meanwhile detaches perRoom, so a load that began before it is not kept
      return store.at(room, index).onSuccess(found -> perRoom.put(index, found));
    });
  }

  /** Forgets every cached lookup of a room (after any change to its frames). */
  public void invalidate(String room) {
    located.invalidate(room);
  }

  /** A view of a stored record with the selected fields' bytes (all when null; none when empty). */
  public Future<FrameView> view(int index, JsonObject record, Collection<String> fields) {
    long version = record.getLong("version");
    String hash = record.getString("hash");
    String id = record.getString("_id");
    if (fields != null && fields.isEmpty()) {
      return Future.succeededFuture(new FrameView(index, id, version, hash, null));
    }
    if (fields != null) {
      for (String name : fields) {
        if (!record.getJsonObject("fields").containsKey(name)) {
          return Future.failedFuture(new ApiException(FailureCodes.NOT_FOUND, "frame " + index + " has no field '"
              + name + "'"));
        }
      }
    }
    return store.load(record, fields).map(frame -> new FrameView(index, id, version, hash, frame));
  }

  /** Appends (at == null) or inserts frames. */
  public Future<List<FrameStore.Stored>> insert(AuthUser user, String room, Integer at, List<Frame> frames) {
    return access.require(user, room, Role.EDITOR)
        .compose(grant -> locks.checkRoomWritable(room, user.id()))
        .compose(v -> store.insert(room, at, frames))
        .onSuccess(stored -> publish(room, "insert", stored, null));
  }

  /** Replaces ({@code merge} false) or merges fields into the frame at {@code index}. */
  public Future<FrameStore.Stored> update(AuthUser user, String room, int index, long baseVersion, Frame content,
      boolean merge) {
    return access.require(user, room, Role.EDITOR)
        .compose(grant -> store.at(room, index))
        // the store refuses a stale base before storing any blob (conflicts are common under
        // contention); its compare-and-set stays the fence
        .compose(located -> locks.checkWritable(room, located.id(), user.id())
            .compose(v -> store.update(room, located, baseVersion, content, merge)))
        .onSuccess(stored -> publish(room, "put", List.of(stored), null));
  }

  /** Restores the previous version as a new one. */
  public Future<FrameStore.Stored> undo(AuthUser user, String room, int index, Long baseVersion) {
    return access.require(user, room, Role.EDITOR)
        .compose(grant -> store.at(room, index))
        .compose(located -> locks.checkWritable(room, located.id(), user.id())
            .compose(v -> store.undo(room, located, baseVersion)))
        .onSuccess(stored -> publish(room, "undo", List.of(stored), null));
  }

  /**
   * Removes frames {@code [from, to)}; with {@code baseVersion}, only if the single frame is at it.
   * Refused (423) when another user holds the room lock or the lock of any of those frames.
   */
  public Future<List<FrameStore.Stored>> delete(AuthUser user, String room, int from, int to, Long baseVersion) {
    return access.require(user, room, Role.EDITOR)
        .compose(grant -> locks.checkRoomWritable(room, user.id()))
        .compose(v -> baseVersion == null ? Future.<Void>succeededFuture()
            : store.at(room, from).compose(located -> FrameStore.requireVersion(located, baseVersion)))
        .compose(v -> store.slice(room, from, Math.max(to - from, 0)))
        .compose(slice -> locks.checkFramesWritable(room, slice.ids(), user.id()))
        .compose(v -> store.delete(room, from, to))
        .onSuccess(stored -> publish(room, "delete", stored, null));
  }

  /** Moves the frame at {@code from} to {@code to}. */
  public Future<FrameStore.Stored> move(AuthUser user, String room, int from, int to) {
    return access.require(user, room, Role.EDITOR)
        .compose(grant -> locks.checkRoomWritable(room, user.id()))
        .compose(v -> store.at(room, from))
        .compose(located -> locks.checkFramesWritable(room, List.of(located.id()), user.id()))
        .compose(v -> store.move(room, from, to))
        .onSuccess(stored -> publish(room, "move", List.of(stored), new JsonObject().put("from", from).put("to", to)));
  }

  /** Announces a change (metadata only) to every node, after dropping this node's cached lookups. */
  public void publish(String room, String action, List<FrameStore.Stored> frames, JsonObject extra) {
    invalidate(room);
    JsonArray entries = new JsonArray();
    for (FrameStore.Stored stored : frames) {
      JsonObject entry = new JsonObject().put("index", stored.index()).put("id", stored.id());
      if (stored.hash() != null) {
        entry.put("version", stored.version()).put("hash", stored.hash());
      }
      entries.add(entry);
    }
    JsonObject event = new JsonObject().put("room", room).put("action", action).put("frames", entries);
    if (extra != null) {
      event.mergeIn(extra);
    }
    bus.publish(Addresses.FRAMES_CHANGED, event);
  }
}
