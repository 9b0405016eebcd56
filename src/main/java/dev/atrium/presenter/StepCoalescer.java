package dev.atrium.presenter;

import dev.atrium.bus.RoomEvents;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;

/**
 * Broadcasts a room's presenter steps at most {@code rate} times a second, latest frame first:
 * a step arriving while the room is idle goes out at once; steps arriving within one interval
 * ({@code 1 s / rate}) of the last broadcast replace each other, and the newest goes out when the
 * interval ends. So intermediate frames of a fast scrub are dropped, and the presenter's last
 * frame is always broadcast (at most one interval late).
 *
 * <p>Confined to the event loop of the verticle that owns it (its timers run there too).
 */
final class StepCoalescer {

  private final Vertx vertx;
  private final RoomEvents events;
  private final long intervalMs;
  private final Map<String, RoomSteps> rooms = new HashMap<>();

  /**
   * @param vertx for the timers
   * @param events publishes the {@code step} events
   * @param rate most steps per second per room, at least 1
   */
  StepCoalescer(Vertx vertx, RoomEvents events, int rate) {
    this.vertx = vertx;
    this.events = events;
    // rounded up, so that the rate is never exceeded (60/s: one step per 17 ms)
    this.intervalMs = Math.max(1, (1000L + rate - 1) / Math.max(1, rate));
  }

  /** Takes the presenter's newest frame. */
  void offer(String room, int frame, String holder) {
    RoomSteps steps = rooms.get(room);
    if (steps == null) {
      steps = new RoomSteps();
      rooms.put(room, steps);
      steps.pending = new Step(frame, holder);
      flush(room, steps);
      return;
    }
    steps.pending = new Step(frame, holder);
  }

  /** Drops a step not yet broadcast when {@code holder} is no longer the presenter. */
  void cancel(String room, String holder) {
    RoomSteps steps = rooms.get(room);
    if (steps != null && steps.pending != null && steps.pending.holder().equals(holder)) {
      steps.pending = null;
    }
  }

  /** Rooms with a step in flight or an interval running, for tests and metrics. */
  int activeRooms() {
    return rooms.size();
  }

  private void flush(String room, RoomSteps steps) {
    Step step = steps.pending;
    if (step == null) {
      rooms.remove(room);
      return;
    }
    steps.pending = null;
    events.publish(room, "step", new JsonObject().put("frame", step.frame()).put("holder", step.holder()));
    vertx.setTimer(intervalMs, id -> flush(room, steps));
  }

  private static final class RoomSteps {
    private Step pending;
  }

  private record Step(int frame, String holder) {
  }
}
