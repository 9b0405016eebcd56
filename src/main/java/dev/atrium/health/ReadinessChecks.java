package dev.atrium.health;

import dev.atrium.coordination.Coordination;
import dev.atrium.records.Records;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * The readiness checks behind {@code GET /health/ready}: the node's own phase and each dependency
 * (coordination store, store of record, cluster), each with its status and how long its check
 * took. Any check down, or slower than its timeout, makes the node not ready (503).
 */
public final class ReadinessChecks {

  /** How long one dependency check may take before it counts as down. */
  public static final long CHECK_TIMEOUT_MS = 2_000;

  private ReadinessChecks() {
  }

  /**
   * @param members the cluster's member ids, or null when not clustered
   */
  public static HealthChecks create(Vertx vertx, Lifecycle lifecycle, Coordination coordination,
      Records records, Supplier<List<String>> members) {
    HealthChecks checks = HealthChecks.create(vertx);
    checks.register("node", promise -> {
      JsonObject data = new JsonObject().put("phase", lifecycle.phase().name().toLowerCase());
      promise.complete(lifecycle.phase() == Lifecycle.Phase.READY ? Status.OK(data) : Status.KO(data));
    });
    checks.register("coordination", CHECK_TIMEOUT_MS,
        promise -> timed(coordination.ping(), coordination.describe(), promise));
    checks.register("records", CHECK_TIMEOUT_MS, promise -> timed(records.ping(), records.describe(), promise));
    if (members != null) {
      checks.register("cluster", promise -> {
        List<String> nodes = members.get();
        JsonObject data = new JsonObject().put("members", nodes.size());
        promise.complete(nodes.isEmpty() ? Status.KO(data) : Status.OK(data));
      });
    }
    return checks;
  }

  private static void timed(Future<Duration> check, String backend, Promise<Status> promise) {
    long start = System.nanoTime();
    check.onComplete(result -> {
      JsonObject data = new JsonObject()
          .put("backend", backend)
          .put("latencyMs", (System.nanoTime() - start) / 1_000_000.0);
      if (result.succeeded()) {
        promise.complete(Status.OK(data));
      } else {
        promise.complete(Status.KO(data.put("error", String.valueOf(result.cause().getMessage()))));
      }
    });
  }
}
