package dev.atrium.forecast;

import dev.atrium.config.ForecastSettings;
import dev.atrium.forecast.data.Datasets;
import dev.atrium.forecast.model.ForecastModel;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The forecast pipeline of one node, started and stopped step by step in the order of DESIGN §6 —
 * queues → model → caches → workers → accepting; at shutdown accepting stops, then workers, model,
 * queues (flushed), caches — so the server can interleave the steps with its own and a test or
 * benchmark can run the same pipeline without a whole server.
 */
public final class Forecasts {

  private static final Logger LOG = LoggerFactory.getLogger(Forecasts.class);

  private final Vertx vertx;
  private final ForecastSettings settings;
  private final Datasets datasets;
  private final MeterRegistry registry;
  private final ResultCache results;
  private ForecastSchedulerVerticle scheduler;
  private String schedulerId;
  private ForecastModel model;
  private String inferenceId;
  private String calcId;

  /**
   * @param vertx the node's Vert.x
   * @param settings the pipeline settings
   * @param datasets the Data Cache
   * @param registry where the figures are published
   */
  public Forecasts(Vertx vertx, ForecastSettings settings, Datasets datasets, MeterRegistry registry) {
    this.vertx = vertx;
    this.settings = settings;
    // the scheduler and workers see series: a dataset with its target column first
    this.datasets = new SeriesDatasets(datasets);
    this.registry = registry;
    this.results = new ResultCache(settings.resultCacheCount(), settings.resultTtl());
  }

  /** Step 1: the scheduler and its queues. */
  public Future<Void> startQueues() {
    PlotCodec.register(vertx.eventBus());
    scheduler = new ForecastSchedulerVerticle(settings, datasets, results, registry);
    return vertx.deployVerticle(scheduler).map(id -> {
      schedulerId = id;
      LOG.info("verticle deployed [name: ForecastSchedulerVerticle, instances: 1]");
      return null;
    });
  }

  /**
   * Step 2: loads the model on a worker thread. A failure carries the loader's message (which
   * names the file) and fails startup.
   */
  public Future<Void> loadModel(Callable<ForecastModel> loader) {
    return vertx.executeBlocking(loader, false).map(loaded -> {
      model = loaded;
      return null;
    });
  }

  /**
   * Step 3: the inference and calc workers, each kind on its own worker pool sized to its count
   * so neither waits for a thread the other holds.
   */
  public Future<Void> startWorkers() {
    DeploymentOptions inference = new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)
        .setInstances(settings.inferenceWorkers()).setWorkerPoolName("atrium-inference")
        .setWorkerPoolSize(settings.inferenceWorkers());
    DeploymentOptions calc = new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)
        .setInstances(settings.calcWorkers()).setWorkerPoolName("atrium-calc")
        .setWorkerPoolSize(settings.calcWorkers());
    // the consumers of inference results first: calc workers are running before anything is inferred
    return vertx.deployVerticle(() -> new CalcWorkerVerticle(scheduler, results, model, settings.densityPoints()), calc)
        .compose(id -> {
          calcId = id;
          LOG.info("verticle deployed [name: CalcWorkerVerticle, instances: {}]", settings.calcWorkers());
          return vertx.deployVerticle(() -> new InferenceWorkerVerticle(scheduler, model, datasets,
              settings.samples()), inference);
        })
        .map(id -> {
          inferenceId = id;
          LOG.info("verticle deployed [name: InferenceWorkerVerticle, instances: {}, samples: {}]",
              settings.inferenceWorkers(), settings.samples());
          return null;
        });
  }

  /** Step 4: the scheduler serves draws and background requests. */
  public Future<Void> accept(String nodeId) {
    return scheduler.accept(model, nodeId);
  }

  /** Shutdown step 1: no more draws or background requests reach this node. */
  public Future<Void> stopAccepting() {
    return scheduler == null ? Future.succeededFuture() : scheduler.stopAccepting();
  }

  /** Shutdown step 2: the workers stop (each closes its forecaster). */
  public Future<Void> stopWorkers() {
    // inference first, so that no sampled forecast is handed to a calc worker that has gone
    Future<Void> inference = inferenceId == null ? Future.succeededFuture() : vertx.undeploy(inferenceId)
        .onSuccess(v -> LOG.info("verticle undeployed [name: InferenceWorkerVerticle]"));
    return inference.compose(v -> calcId == null ? Future.<Void>succeededFuture() : vertx.undeploy(calcId)
            .onSuccess(u -> LOG.info("verticle undeployed [name: CalcWorkerVerticle]")))
        .onSuccess(v -> {
          calcId = null;
          inferenceId = null;
        });
  }

  /** Shutdown step 3: the model is unloaded. */
  public void unloadModel() {
    if (model != null) {
      model.close();
      model = null;
    }
  }

  /** Shutdown step 4: the queues are flushed (waiters get 503) and the scheduler stops. */
  public Future<Void> stopQueues() {
    return schedulerId == null ? Future.succeededFuture() : vertx.undeploy(schedulerId).onSuccess(v -> {
      schedulerId = null;
      LOG.info("verticle undeployed [name: ForecastSchedulerVerticle]");
    });
  }

  /** Shutdown step 5: the Result Cache is emptied. */
  public void clearCaches() {
    results.clear();
  }

  /** The scheduler (pause and resume the workers, read the status, start processing). */
  public ForecastSchedulerVerticle scheduler() {
    return scheduler;
  }

  /** This node's Result Cache. */
  public ResultCache results() {
    return results;
  }

  /** The loaded model, or null before step 2 and after shutdown step 3. */
  public ForecastModel model() {
    return model;
  }

  /** The settings. */
  public ForecastSettings settings() {
    return settings;
  }
}
