package dev.atrium.presenter;

import dev.atrium.bus.RoomEvents;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;

/**
 * Broadcasts a room's presenter steps at most {@code rate} times a second, latest frame first.
 * Each room has broadcast slots one interval ({@code 1 s / rate}, in nanoseconds) apart: a step
 * that arrives once its slot has come goes out at once; steps arriving before it replace each
 * other and the newest goes out when the slot comes (a timer, rounded up to the millisecond). So
 * intermediate frames of a fast scrub are dropped, and the presenter's last frame is always
 * broadcast, at most one interval late. Slots stay on their grid while the presenter keeps up
 * with it: a presenter stepping at exactly the rate (60/s against 16.67 ms slots) has its steps
 * broadcast as they come, never held back by a whole-millisecond interval that drifts against
 * its clock.
 *
 * <p>Confined to the event loop of the verticle that owns it (its timers run there too).
 */
final class StepCoalescer {

  private final Vertx vertx;
  private final RoomEvents events;
  private final long intervalNanos;
  private final Map<String, RoomSteps> rooms = new HashMap<>();

  /**
   * @param vertx for the timers
   * @param events publishes the {@code step} events
   * @param rate most steps per second per room, at least 1
   */
  StepCoalescer(Vertx vertx, RoomEvents events, int rate) {
    this.vertx = vertx;
    this.events = events;
    this.intervalNanos = 1_000_000_000L / Math.max(1, rate);
  }

  /** Takes the presenter's newest frame. */
  void offer(String room, int frame, String holder) {
    long now = System.nanoTime();
    RoomSteps steps = rooms.get(room);
    if (steps == null) {
      steps = new RoomSteps(now);
      rooms.put(room, steps);
    }
    steps.pending = new Step(frame, holder);
    if (steps.timer == 0 && now - steps.nextSlot >= 0) {
      flush(room, steps, now);
    } else if (steps.timer == 0) {
      arm(room, steps, now);
    }
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

  /** Broadcasts the pending step in the current slot and waits for the next one. */
  private void flush(String room, RoomSteps steps, long now) {
    Step step = steps.pending;
    steps.pending = null;
    // on time (within one interval of the slot): keep the grid; late: the grid restarts now
    steps.nextSlot = now - steps.nextSlot < intervalNanos ? steps.nextSlot + intervalNanos : now + intervalNanos;
    events.publish(room, "step", new JsonObject().put("frame", step.frame()).put("holder", step.holder()));
    arm(room, steps, now);
  }

  /** A timer at the next slot: it broadcasts what is pending then, or forgets the idle room. */
  private void arm(String room, RoomSteps steps, long now) {
    long delayMs = Math.max(1, (steps.nextSlot - now + 999_999) / 1_000_000);
    steps.timer = vertx.setTimer(delayMs, id -> {
      steps.timer = 0;
      if (steps.pending != null) {
        flush(room, steps, System.nanoTime());
      } else {
        rooms.remove(room);
      }
    });
  }

  private static final class RoomSteps {
    private Step pending;
    private long nextSlot;
    private long timer;

    private RoomSteps(long now) {
      nextSlot = now;
    }
  }

  private record Step(int frame, String holder) {
  }
}
