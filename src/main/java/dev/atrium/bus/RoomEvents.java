package dev.atrium.bus;

import dev.atrium.coordination.Coordination;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes room events on {@code room.<id>} as {@code {type, seq, room, ...}} for every publisher
 * of them (the control channel's presence and frames_changed, the lock service's lock, presenter
 * and step). {@code seq} is the room's next number from the coordination store's counter
 * {@code seq:<room>}, shared by every node and every publisher, so a client that misses an event
 * sees the gap and refetches.
 *
 * <p>Events of one room leave this node in {@code seq} order: each waits for the one before it
 * (a store round trip each, under a millisecond). Events of one room published by different nodes
 * may still reach a client out of order; clients order them by {@code seq}. The counter lives as
 * long as the store keeps it: after a Redis restart, or {@link #SEQ_WINDOW} after the room's first
 * event, it starts again at 1, which a client must treat like a gap. So must it a number that was
 * taken but never published (the store failed between numbering and reading the state).
 *
 * <p>Confined to the context it is given: results come back there.
 */
public final class RoomEvents {

  /** The life of a room's counter. */
  public static final Duration SEQ_WINDOW = Duration.ofDays(7);

  private static final Logger LOG = LoggerFactory.getLogger(RoomEvents.class);

  private final EventBus bus;
  private final Coordination store;
  private final Context context;
  private final Map<String, Future<Long>> tails = new HashMap<>();

  /**
   * @param bus where events are published
   * @param store the coordination store holding the per-room counters
   * @param context the owning verticle's context
   */
  public RoomEvents(EventBus bus, Coordination store, Context context) {
    this.bus = bus;
    this.store = store;
    this.context = context;
  }

  /** The key of a room's event counter. */
  public static String seqKey(String room) {
    return "seq:" + room;
  }

  /** The room's last number, without taking one (0 when it has none). */
  public Future<Long> current(String room) {
    return OnContext.back(context, store.count(seqKey(room)));
  }

  /**
   * Publishes a change that has already happened: the number is taken after the change, so an
   * event describing a later change by anyone gets a higher number.
   *
   * @return the event's {@code seq}; fails (after a warning) when the store does not answer, and
   *     then nothing is published
   */
  public Future<Long> publish(String room, String type, JsonObject fields) {
    return publishState(room, type, () -> Future.succeededFuture(fields));
  }

  /**
   * Publishes state that is read after the number is taken ({@code state} runs once the number is
   * known), so no change numbered after this event can be older than what it reports.
   */
  public Future<Long> publishState(String room, String type, Supplier<Future<JsonObject>> state) {
    Future<Long> previous = tails.getOrDefault(room, Future.succeededFuture());
    Future<Long> next = previous.transform(ignored -> OnContext.back(context,
            store.increment(seqKey(room), SEQ_WINDOW))
        .compose(count -> state.get().map(fields -> {
          JsonObject event = new JsonObject().put("type", type).put("seq", count.count()).put("room", room);
          fields.forEach(entry -> event.put(entry.getKey(), entry.getValue()));
          bus.publish(Addresses.room(room), event);
          return count.count();
        })))
        .onFailure(failure -> LOG.warn("room event not published [room: {}, type: {}]: {}", room, type,
            failure.toString()));
    tails.put(room, next);
    next.onComplete(done -> tails.remove(room, next));
    return next;
  }
}
