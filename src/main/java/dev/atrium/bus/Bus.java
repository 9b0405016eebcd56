package dev.atrium.bus;

import dev.atrium.observe.RequestIds;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import java.time.Duration;

/**
 * The two ways Atrium code uses the event bus, so that every request has an explicit timeout and
 * every message carries the request id of the HTTP request (or bus message) that caused it.
 */
public final class Bus {

  private Bus() {
  }

  /**
   * Sends a request and waits for the reply at most {@code timeout}; the timeout is part of the
   * call because the right value depends on the kind of work (see {@link Addresses}).
   */
  public static <T> Future<Message<T>> request(EventBus bus, String address, Object body, Duration timeout) {
    return bus.request(address, body, options(timeout));
  }

  /** Delivery options with the timeout and the current request id. */
  public static DeliveryOptions options(Duration timeout) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeout.toMillis());
    String requestId = RequestIds.current();
    if (requestId != null) {
      options.addHeader(RequestIds.HEADER, requestId);
    }
    return options;
  }

  /**
   * Registers a consumer whose handler runs with the sender's request id bound, so its log lines
   * carry it. The returned consumer's {@code completion()} tells when the registration has
   * reached the cluster.
   */
  public static <T> MessageConsumer<T> consumer(EventBus bus, String address, Handler<Message<T>> handler) {
    return bus.consumer(address, withRequestId(handler));
  }

  /**
   * Like {@link #consumer}, but registered on this node only: a send from this node (a bridged
   * socket's request included) is served here, never by another node. Every node must register
   * one, since a node without it cannot serve the address.
   */
  public static <T> MessageConsumer<T> localConsumer(EventBus bus, String address, Handler<Message<T>> handler) {
    return bus.localConsumer(address, withRequestId(handler));
  }

  private static <T> Handler<Message<T>> withRequestId(Handler<Message<T>> handler) {
    return message -> {
      String requestId = message.headers().get(RequestIds.HEADER);
      if (RequestIds.wellFormed(requestId)) {
        RequestIds.bind(requestId);
      }
      handler.handle(message);
    };
  }
}
