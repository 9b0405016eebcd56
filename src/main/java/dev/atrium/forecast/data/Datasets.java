package dev.atrium.forecast.data;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * The Data Cache as the forecast pipeline sees it: datasets by hash, reachable from every node of
 * the cluster, bounded and expiring. Every method may be called from any event-loop context and
 * completes on the caller's context.
 */
public interface Datasets {

  /** The dataset; fails with {@code ApiException(404)} when it is unknown, deleted or expired. */
  Future<Dataset> get(String hash);

  /** Whether the dataset still exists (cheap: a node-local answer when it has one). */
  Future<Boolean> exists(String hash);

  /**
   * Records background-processing progress shown by {@code GET /api/datasets/{hash}}, e.g.
   * {@code {state, done, total, discarded}}; ignored when the dataset is gone.
   */
  Future<Void> progress(String hash, JsonObject progress);

  /** Removes a dataset whoever owns it (quick draw's transient datasets); true when it existed. */
  Future<Boolean> remove(String hash);
}
