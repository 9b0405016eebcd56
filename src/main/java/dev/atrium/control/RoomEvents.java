package dev.atrium.control;

import dev.atrium.bus.Addresses;
import dev.atrium.coordination.Coordination;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the control channel's room events ({@code presence}, {@code frames_changed}) on
 * {@code room.<id>} as {@code {type, seq, room, ...}}. {@code seq} is the room's next number from
 * the coordination store's counter {@code seq:<room>} — the same counter the lock and token
 * service numbers its {@code lock}, {@code presenter} and {@code step} events from — so every event
 * of a room, from any node and any publisher, has its own number, and a client that sees a gap
 * knows it missed something and refetches.
 *
 * <p>The events of one room leave this node in {@code seq} order: each waits for the number of the
 * one before it. Confined to the owning verticle's context.
 */
final class RoomEvents {

  /** The life of a room's counter, as every publisher of room events uses it. */
  static final Duration SEQ_WINDOW = Duration.ofDays(7);

  private static final Logger LOG = LoggerFactory.getLogger(RoomEvents.class);

  private final EventBus bus;
  private final Coordination store;
  private final Context context;
  private final Map<String, Future<Long>> tails = new HashMap<>();

  RoomEvents(EventBus bus, Coordination store, Context context) {
    this.bus = bus;
    this.store = store;
    this.context = context;
  }

  /** The key of a room's event counter. */
  static String seqKey(String room) {
    return "seq:" + room;
  }

  /** The room's last number, without taking one (0 when it has none). */
  Future<Long> current(String room) {
    return OnContext.back(context, store.count(seqKey(room)));
  }

  /**
   * Publishes an event about a change that has already happened.
   *
   * @return the event's {@code seq}; fails (after a warning) when the store does not answer, and
   *     then nothing is published
   */
  Future<Long> publish(String room, String type, JsonObject fields) {
    Future<Long> previous = tails.getOrDefault(room, Future.succeededFuture());
    Future<Long> next = previous.transform(ignored -> OnContext.back(context,
            store.increment(seqKey(room), SEQ_WINDOW))
        .map(count -> {
          JsonObject event = new JsonObject().put("type", type).put("seq", count.count()).put("room", room);
          fields.forEach(entry -> event.put(entry.getKey(), entry.getValue()));
          bus.publish(Addresses.room(room), event);
          return count.count();
        }))
        .onFailure(failure -> LOG.warn("room event not published [room: {}, type: {}]: {}", room, type,
            failure.toString()));
    tails.put(room, next);
    next.onComplete(done -> tails.remove(room, next));
    return next;
  }
}
