package dev.atrium.presenter;

import dev.atrium.bus.RoomEvents;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;

/**
 * Broadcasts a room's presenter steps at most {@code rate} times a second, latest frame first,
 * through a token bucket per room: tokens come back at {@code rate} per second up to
 * {@link #BURST}, and each broadcast takes one. A step that finds a token goes out at once; steps
 * that find none replace each other, and the newest goes out as soon as the next token comes. So
 * intermediate frames of a fast scrub are dropped, the presenter's last frame is always broadcast
 * (at most one interval late), and the sustained rate never exceeds {@code rate} (any one second
 * holds at most {@code rate + BURST - 1} broadcasts).
 *
 * <p>The burst of two is what keeps a presenter that steps at exactly the rate (60/s against a
 * 60/s bound) from being held back: with a bucket of one, every step that arrives a little early
 * (network and scheduling jitter) waits for its slot, the slots drift later with each late
 * timer, and steps end up held for half an interval on average (measured: 8–12 ms median at 60/s
 * against 1–3 ms without the bound).
 *
 * <p>Confined to the event loop of the verticle that owns it (its timers run there too).
 */
final class StepCoalescer {

  /** Broadcasts a room may make back to back after a quiet spell. */
  static final int BURST = 2;

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
    steps.refill(now, intervalNanos);
    steps.pending = new Step(frame, holder);
    if (steps.tokens >= 1) {
      publish(room, steps);
    }
    arm(room, steps, now);
  }

  /** Drops a step not yet broadcast when {@code holder} is no longer the presenter. */
  void cancel(String room, String holder) {
    RoomSteps steps = rooms.get(room);
    if (steps != null && steps.pending != null && steps.pending.holder().equals(holder)) {
      steps.pending = null;
    }
  }

  private void publish(String room, RoomSteps steps) {
    Step step = steps.pending;
    steps.pending = null;
    steps.tokens -= 1;
    events.publish(room, "step", new JsonObject().put("frame", step.frame()).put("holder", step.holder()));
  }

  /**
   * One timer per room: when a step waits, at its token; otherwise when the bucket is full again,
   * to forget the quiet room.
   */
  private void arm(String room, RoomSteps steps, long now) {
    if (steps.timer != 0) {
      return;
    }
    double missing = steps.pending != null ? 1 - steps.tokens : BURST - steps.tokens;
    long delayMs = Math.max(1, (long) Math.ceil(missing * intervalNanos / 1e6));
    steps.timer = vertx.setTimer(delayMs, id -> {
      steps.timer = 0;
      long at = System.nanoTime();
      steps.refill(at, intervalNanos);
      if (steps.pending != null && steps.tokens >= 1) {
        publish(room, steps);
      }
      if (steps.pending == null && steps.tokens >= BURST) {
        rooms.remove(room);
      } else {
        arm(room, steps, at);
      }
    });
  }

  private static final class RoomSteps {
    private Step pending;
    private double tokens = BURST;
    private long refilledAt;
    private long timer = 0;

    private RoomSteps(long now) {
      refilledAt = now;
    }

    private void refill(long now, long intervalNanos) {
      tokens = Math.min(BURST, tokens + (double) (now - refilledAt) / intervalNanos);
      refilledAt = now;
    }
  }

  private record Step(int frame, String holder) {
  }
}
