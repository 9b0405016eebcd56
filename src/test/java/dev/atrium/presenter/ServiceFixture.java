package dev.atrium.presenter;

import dev.atrium.bus.Addresses;
import dev.atrium.bus.Bus;
import dev.atrium.observe.RequestIds;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Helpers for talking to the lock and token service over the event bus, as the bridge would. */
final class ServiceFixture {

  static {
    // The request-id context slot must exist before any Vert.x instance is built.
    RequestIds.init();
  }

  /** How long one blocking wait may take. */
  static final Duration WAIT = Duration.ofSeconds(10);

  private ServiceFixture() {
  }

  /** Makes sure the static initializer ran (call before building Vert.x). */
  static void init() {
  }

  /** Waits for a future on the test thread. */
  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (Exception e) {
      throw new IllegalStateException(e.getCause() != null ? e.getCause().toString() : e.toString(), e);
    }
  }

  /** A request carrying {@code user}/{@code socket} headers (none when null); a failure becomes a reply with its code. */
  static Future<Reply> send(EventBus bus, String address, Object body, String user, String socket) {
    DeliveryOptions options = Bus.options(Addresses.CONTROL_TIMEOUT);
    if (user != null) {
      options.addHeader(Addresses.HEADER_USER, user);
    }
    if (socket != null) {
      options.addHeader(Addresses.HEADER_SOCKET, socket);
    }
    return bus.<JsonObject>request(address, body, options)
        .map(message -> new Reply(message.body(), 0, null))
        .recover(failure -> failure instanceof ReplyException reply
            ? Future.succeededFuture(new Reply(null, reply.failureCode(), reply.getMessage()))
            : Future.failedFuture(failure));
  }

  /** {@link #send} and wait. */
  static Reply call(EventBus bus, String address, Object body, String user, String socket) {
    return await(send(bus, address, body, user, socket));
  }

  /**
   * A reply or a failure.
   *
   * @param body the reply body (null on failure)
   * @param code the failure code; 0 for a reply
   * @param message the failure message
   */
  record Reply(JsonObject body, int code, String message) {

    boolean ok() {
      return code == 0;
    }

    @Override
    public String toString() {
      return ok() ? "reply " + body : "failure " + code + ": " + message;
    }
  }

  /** An event as received, with its arrival time ({@link System#nanoTime()}). */
  record Received(JsonObject event, long atNanos) {
  }

  /** Every event published on one room's address, in arrival order. */
  static final class RoomListener implements AutoCloseable {

    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final MessageConsumer<JsonObject> consumer;

    RoomListener(Vertx vertx, String room) {
      consumer = vertx.eventBus().consumer(Addresses.room(room),
          message -> received.add(new Received(message.body(), System.nanoTime())));
      await(consumer.completion());
    }

    /** What arrived so far. */
    List<Received> received() {
      return new ArrayList<>(received);
    }

    /** The events so far. */
    List<JsonObject> events() {
      return received().stream().map(Received::event).toList();
    }

    /** The events of one type so far. */
    List<JsonObject> events(String type) {
      return events().stream().filter(event -> type.equals(event.getString("type"))).toList();
    }

    /** Waits until an event matches, at most {@code limit}; fails otherwise. */
    Received awaitEvent(Predicate<JsonObject> match, Duration limit, String what) {
      long deadline = System.nanoTime() + limit.toNanos();
      while (true) {
        for (Received one : received) {
          if (match.test(one.event())) {
            return one;
          }
        }
        if (System.nanoTime() - deadline > 0) {
          throw new AssertionError("no event within " + limit.toMillis() + " ms: " + what + "; got " + events());
        }
        sleep(5);
      }
    }

    @Override
    public void close() {
      await(consumer.unregister());
    }
  }

  /** Matches a lock event of {@code frame} with {@code holder} (null: free). */
  static Predicate<JsonObject> lockEvent(String frame, String holder) {
    return event -> "lock".equals(event.getString("type")) && frame.equals(event.getString("frame"))
        && event.containsKey("holder") && java.util.Objects.equals(holder, event.getString("holder"));
  }

  /** Matches a presenter event with {@code holder} (null: free). */
  static Predicate<JsonObject> presenterEvent(String holder) {
    return event -> "presenter".equals(event.getString("type")) && event.containsKey("holder")
        && java.util.Objects.equals(holder, event.getString("holder"));
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
