package dev.atrium.frames;

import dev.atrium.bus.FailureCodes;
import dev.atrium.coordination.Coordination;
import dev.atrium.web.ApiException;
import io.vertx.core.Future;
import java.util.List;

/**
 * The edit locks the data channel honours: one per frame ({@code lock:<room>:<frameId>}) and one
 * room-wide ({@code lock:<room>:*}), held in the coordination store by the lock service of the
 * control channel. A lock's value is its holder, {@code <userId>} or {@code <userId>/<anything>};
 * a write is refused with 423 when either lock is held by a different user. The lock only keeps
 * other people out; the version check of the write itself is the fence.
 */
public final class FrameLocks {

  private final Coordination store;

  /** @param store where locks live */
  public FrameLocks(Coordination store) {
    this.store = store;
  }

  /** The key of a frame's lock. */
  public static String frameKey(String room, String frameId) {
    return "lock:" + room + ":" + frameId;
  }

  /** The key of the room-wide lock. */
  public static String roomKey(String room) {
    return "lock:" + room + ":*";
  }

  /** Succeeds when {@code userId} may write the frame now; 423 naming the holder otherwise. */
  public Future<Void> checkWritable(String room, String frameId, String userId) {
    return Future.all(store.holder(roomKey(room)), store.holder(frameKey(room, frameId))).compose(holders -> {
      for (int i = 0; i < 2; i++) {
        String holder = holders.resultAt(i);
        if (holder != null && !ownedBy(holder, userId)) {
          String what = i == 0 ? "room " + room : "frame " + frameId;
          return Future.failedFuture(new ApiException(FailureCodes.LOCKED, what + " is locked by another user"));
        }
      }
      return Future.succeededFuture();
    });
  }

  /** Succeeds when nobody but {@code userId} holds the room-wide lock (for inserts and deletes). */
  public Future<Void> checkRoomWritable(String room, String userId) {
    return store.holder(roomKey(room)).compose(holder -> holder != null && !ownedBy(holder, userId)
        ? Future.failedFuture(new ApiException(FailureCodes.LOCKED, "room " + room + " is locked by another user"))
        : Future.succeededFuture());
  }

  /**
   * Succeeds when nobody but {@code userId} holds the lock of any of these frames; 423 naming a
   * frame otherwise. The room lock is not read: for callers that checked it with
   * {@link #checkRoomWritable} already.
   */
  public Future<Void> checkFramesWritable(String room, List<String> frameIds, String userId) {
    return Future.all(frameIds.stream().map(frameId -> store.holder(frameKey(room, frameId))
        .compose(holder -> holder != null && !ownedBy(holder, userId)
            ? Future.<Void>failedFuture(new ApiException(FailureCodes.LOCKED, "frame " + frameId
                + " is locked by another user"))
            : Future.<Void>succeededFuture())).toList()).mapEmpty();
  }

  static boolean ownedBy(String holder, String userId) {
    return holder.equals(userId) || holder.startsWith(userId + "/");
  }
}
