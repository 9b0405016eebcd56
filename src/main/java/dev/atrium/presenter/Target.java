package dev.atrium.presenter;

import dev.atrium.frames.FrameLocks;
import io.vertx.core.json.JsonObject;

/**
 * What a lock or token guards: a frame ({@code frame} = its id), the whole room ({@code frame} =
 * {@code *}), or the room's presenter token ({@code frame} = null); with its coordination key and
 * the type of the room events that report it. Public for {@link #presenterKey} only; the rest is
 * the lock and token service's.
 *
 * @param room the room id
 * @param frame the frame id, {@code *}, or null for the presenter token
 */
public record Target(String room, String frame) {

  /** The frame id that stands for the whole room. */
  static final String ROOM_WIDE = "*";

  static Target lock(String room, String frame) {
    return new Target(room, frame);
  }

  static Target presenter(String room) {
    return new Target(room, null);
  }

  /**
   * The key of a room's presenter token in the coordination store: the one definition, for the
   * lock and token service that sets it and the control channel that reports it.
   */
  public static String presenterKey(String room) {
    return "presenter:" + room;
  }

  boolean isPresenter() {
    return frame == null;
  }

  /** The coordination key the data channel checks (locks) or the step check reads (token). */
  String key() {
    if (isPresenter()) {
      return presenterKey(room);
    }
    return ROOM_WIDE.equals(frame) ? FrameLocks.roomKey(room) : FrameLocks.frameKey(room, frame);
  }

  /** {@code lock} or {@code presenter}. */
  String eventType() {
    return isPresenter() ? "presenter" : "lock";
  }

  /** The event fields (besides type, seq and room) for a holder, or null when free. */
  JsonObject state(String holder, Long expiresAt) {
    JsonObject state = new JsonObject();
    if (!isPresenter()) {
      state.put("frame", frame);
    }
    state.put("holder", holder);
    if (holder != null && expiresAt != null) {
      state.put("expiresAt", expiresAt);
    }
    return state;
  }

  /** For messages: "frame F", "room R" or "the presenter token of room R". */
  String describe() {
    if (isPresenter()) {
      return "the presenter token of room " + room;
    }
    return ROOM_WIDE.equals(frame) ? "room " + room : "frame " + frame;
  }
}
