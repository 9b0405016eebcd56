package dev.atrium.bus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.observe.RequestIds;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@DisplayName("Event-bus failures and the bus helpers")
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BusFailuresTest {

  static {
    // The request-id slot must exist before VertxExtension builds this test's Vert.x instance.
    RequestIds.init();
  }

  private static final Duration SHORT = Duration.ofMillis(200);

  @Test
  @DisplayName("a timeout maps to 503 with a retry hint naming the request")
  void timeoutIs503() {
    ReplyException failure = new ReplyException(ReplyFailure.TIMEOUT, -1, "Timed out after waiting 200(ms)");

    assertThat(BusFailures.httpStatus(failure)).isEqualTo(503);
    assertThat(BusFailures.clientMessage("GET /api/x", failure))
        .isEqualTo("no answer in time for GET /api/x; try again");
  }

  @Test
  @DisplayName("no handlers maps to 503 with a retry hint naming the request")
  void noHandlersIs503() {
    ReplyException failure = new ReplyException(ReplyFailure.NO_HANDLERS, -1, "No handlers for address atrium.x");

    assertThat(BusFailures.httpStatus(failure)).isEqualTo(503);
    assertThat(BusFailures.clientMessage("GET /api/x", failure))
        .isEqualTo("nobody serves GET /api/x now; try again");
  }

  @Test
  @DisplayName("a recipient failure with an HTTP code keeps the code and the recipient's message")
  void recipientHttpCodeIsKept() {
    ReplyException locked = new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 423, "held by someone else");

    assertThat(BusFailures.httpStatus(locked)).isEqualTo(423);
    assertThat(BusFailures.clientMessage("atrium.x", locked)).isEqualTo("held by someone else");
    assertThat(BusFailures.httpStatus(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 400, "bad")))
        .isEqualTo(400);
    assertThat(BusFailures.httpStatus(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 599, "odd")))
        .isEqualTo(599);
  }

  @Test
  @DisplayName("a recipient failure with a non-HTTP code (7, -1, 399, 600) is 500 and hides the message")
  void recipientOtherCodeIs500() {
    for (int code : new int[] {7, -1, 399, 600}) {
      ReplyException failure = new ReplyException(ReplyFailure.RECIPIENT_FAILURE, code, "secret detail");

      assertThat(BusFailures.httpStatus(failure)).as("code %d", code).isEqualTo(500);
      assertThat(BusFailures.clientMessage("atrium.x", failure)).as("code %d", code)
          .isEqualTo("internal error");
    }
  }

  @Test
  @DisplayName("anything that is not a ReplyException is 500 without details")
  void otherFailuresAre500() {
    RuntimeException failure = new IllegalStateException("secret detail");

    assertThat(BusFailures.httpStatus(failure)).isEqualTo(500);
    assertThat(BusFailures.clientMessage("atrium.x", failure)).isEqualTo("internal error");
  }

  @Test
  @DisplayName("Bus.request to an address nobody consumes fails with NO_HANDLERS (mapped to 503)")
  void requestWithoutConsumer(Vertx vertx, VertxTestContext context) {
    Bus.request(vertx.eventBus(), "atrium.test.nobody", new JsonObject(), SHORT)
        .onComplete(context.failing(failure -> context.verify(() -> {
          assertThat(failure).isInstanceOf(ReplyException.class);
          assertThat(((ReplyException) failure).failureType()).isEqualTo(ReplyFailure.NO_HANDLERS);
          assertThat(BusFailures.httpStatus(failure)).isEqualTo(503);
          context.completeNow();
        })));
  }

  @Test
  @DisplayName("Bus.request to a consumer that never replies fails with TIMEOUT after the given timeout")
  void requestTimesOut(Vertx vertx, VertxTestContext context) {
    Checkpoint received = context.checkpoint();
    Checkpoint timedOut = context.checkpoint();
    vertx.eventBus().consumer("atrium.test.silent", message -> received.flag());
    long start = System.nanoTime();

    Bus.request(vertx.eventBus(), "atrium.test.silent", new JsonObject(), SHORT)
        .onComplete(context.failing(failure -> context.verify(() -> {
          long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
          assertThat(failure).isInstanceOf(ReplyException.class);
          assertThat(((ReplyException) failure).failureType()).isEqualTo(ReplyFailure.TIMEOUT);
          assertThat(BusFailures.httpStatus(failure)).isEqualTo(503);
          // the timeout it was given, not the 30 s default send timeout
          assertThat(elapsedMs).isBetween(SHORT.toMillis() - 20, 5_000L);
          timedOut.flag();
        })));
  }

  @Test
  @DisplayName("a recipient's fail(409, ...) reaches the requester as RECIPIENT_FAILURE 409")
  void recipientFailureTravels(Vertx vertx, VertxTestContext context) {
    Bus.<JsonObject>consumer(vertx.eventBus(), "atrium.test.conflict",
        message -> message.fail(FailureCodes.CONFLICT, "version conflict: base 3, current 4"));

    Bus.request(vertx.eventBus(), "atrium.test.conflict", new JsonObject(), Duration.ofSeconds(2))
        .onComplete(context.failing(failure -> context.verify(() -> {
          assertThat(BusFailures.httpStatus(failure)).isEqualTo(409);
          assertThat(BusFailures.clientMessage("atrium.test.conflict", failure))
              .isEqualTo("version conflict: base 3, current 4");
          context.completeNow();
        })));
  }

  @Test
  @DisplayName("Bus.request carries the sender's request id and Bus.consumer binds it for the handler")
  void requestIdTravels(Vertx vertx, VertxTestContext context) {
    Bus.<JsonObject>consumer(vertx.eventBus(), "atrium.test.rid", message -> message.reply(new JsonObject()
        .put("header", message.headers().get(RequestIds.HEADER))
        .put("bound", RequestIds.current())));

    ContextInternal request = ((ContextInternal) vertx.getOrCreateContext()).duplicate();
    request.runOnContext(v -> {
      RequestIds.bind("rid-bus-1");
      Bus.<JsonObject>request(vertx.eventBus(), "atrium.test.rid", new JsonObject(), Duration.ofSeconds(2))
          .onComplete(context.succeeding(reply -> context.verify(() -> {
            assertThat(reply.body().getString("header")).isEqualTo("rid-bus-1");
            assertThat(reply.body().getString("bound")).isEqualTo("rid-bus-1");
            context.completeNow();
          })));
    });
  }

  @Test
  @DisplayName("a message without a request id leaves the consumer's handler without one")
  void noRequestIdNoBinding(Vertx vertx, VertxTestContext context) {
    Bus.<JsonObject>consumer(vertx.eventBus(), "atrium.test.norid", message -> message.reply(new JsonObject()
        .put("header", message.headers().get(RequestIds.HEADER))
        .put("bound", RequestIds.current())));

    Bus.<JsonObject>request(vertx.eventBus(), "atrium.test.norid", new JsonObject(), Duration.ofSeconds(2))
        .onComplete(context.succeeding(reply -> context.verify(() -> {
          assertThat(reply.body().getString("header")).isNull();
          assertThat(reply.body().getString("bound")).isNull();
          context.completeNow();
        })));
  }
}
