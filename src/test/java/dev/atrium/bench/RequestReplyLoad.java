package dev.atrium.bench;

import dev.atrium.bus.Bus;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Keeps {@code inFlight} event-bus requests outstanding to one address for a fixed time, from one
 * event-loop context, and records each round trip.
 */
final class RequestReplyLoad {

  private static final Duration SEND_TIMEOUT = Duration.ofSeconds(5);

  private final Vertx vertx;
  private final String address;
  private final int inFlight;

  RequestReplyLoad(Vertx vertx, String address, int inFlight) {
    this.vertx = vertx;
    this.address = address;
    this.inFlight = inFlight;
  }

  /** Runs for {@code duration}; the result's throughput counts replies per second. */
  Result run(Duration duration) throws Exception {
    CompletableFuture<Result> done = new CompletableFuture<>();
    Context context = vertx.getOrCreateContext();
    context.runOnContext(v -> {
      Latencies latencies = new Latencies();
      long start = System.nanoTime();
      long deadline = start + duration.toNanos();
      int[] outstanding = {0};
      int[] failures = {0};
      Promise<Void> finished = Promise.promise();
      Runnable[] send = new Runnable[1];
      send[0] = () -> {
        outstanding[0]++;
        long sent = System.nanoTime();
        Bus.request(vertx.eventBus(), address, new JsonObject(), SEND_TIMEOUT).onComplete(reply -> {
          outstanding[0]--;
          long now = System.nanoTime();
          if (reply.succeeded()) {
            latencies.record(now - sent);
          } else {
            failures[0]++;
          }
          if (now < deadline) {
            send[0].run();
          } else if (outstanding[0] == 0) {
            finished.tryComplete();
          }
        });
      };
      for (int i = 0; i < inFlight; i++) {
        send[0].run();
      }
      finished.future().onComplete(x -> done.complete(
          new Result(latencies, failures[0], (System.nanoTime() - start) / 1e9)));
    });
    return done.get();
  }

  record Result(Latencies latencies, int failures, double seconds) {
    double perSecond() {
      return latencies.count() / seconds;
    }

    String line(String label) {
      return String.format("%-44s %10.0f msg/s   %s, failures %d", label, perSecond(), latencies.summary(),
          failures);
    }
  }
}
