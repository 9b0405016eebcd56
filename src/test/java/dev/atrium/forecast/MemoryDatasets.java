package dev.atrium.forecast;

import dev.atrium.bus.Addresses;
import dev.atrium.bus.FailureCodes;
import dev.atrium.forecast.data.Dataset;
import dev.atrium.forecast.data.Datasets;
import dev.atrium.web.ApiException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link Datasets} contract over a map, for the scheduler tests that run without a node: what
 * they need to control is when a dataset disappears. Removal publishes
 * {@link Addresses#DATASETS_CHANGED} as the real Data Cache does.
 */
final class MemoryDatasets implements Datasets {

  private final Vertx vertx;
  private final Map<String, Dataset> datasets = new ConcurrentHashMap<>();
  private final Map<String, JsonObject> progress = new ConcurrentHashMap<>();

  MemoryDatasets(Vertx vertx) {
    this.vertx = vertx;
  }

  Dataset add(Dataset dataset) {
    datasets.put(dataset.hash(), dataset);
    return dataset;
  }

  /** The last progress written for a dataset, or null. */
  JsonObject lastProgress(String hash) {
    return progress.get(hash);
  }

  @Override
  public Future<Dataset> get(String hash) {
    Dataset dataset = datasets.get(hash);
    return dataset == null
        ? Future.failedFuture(new ApiException(FailureCodes.NOT_FOUND, "no dataset " + hash))
        : Future.succeededFuture(dataset);
  }

  @Override
  public Future<Boolean> exists(String hash) {
    return Future.succeededFuture(datasets.containsKey(hash));
  }

  @Override
  public Future<Void> progress(String hash, JsonObject value) {
    if (datasets.containsKey(hash)) {
      progress.put(hash, value.copy());
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<Boolean> remove(String hash) {
    boolean existed = datasets.remove(hash) != null;
    if (existed) {
      vertx.eventBus().publish(Addresses.DATASETS_CHANGED,
          new JsonObject().put("hash", hash).put("change", "removed").put("reason", "removed"));
    }
    return Future.succeededFuture(existed);
  }
}
