package dev.atrium.forecast;

import dev.atrium.bus.Addresses;
import dev.atrium.bus.FailureCodes;
import dev.atrium.forecast.ForecastQueues.Task;
import dev.atrium.forecast.data.Dataset;
import dev.atrium.forecast.data.Scaler;
import dev.atrium.forecast.model.ForecastModel;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One calc worker (deployed with {@code ThreadingModel.WORKER}, N instances): pulls sampled
 * trajectories, unscales them with the dataset's target scaler, computes the plot
 * ({@link PlotMath}), stores it in the Result Cache, publishes it on
 * {@link Addresses#FORECAST_READY} and completes the task's waiters.
 */
public final class CalcWorkerVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(CalcWorkerVerticle.class);

  private final TaskSource source;
  private final ResultCache results;
  private final ForecastModel model;
  private final int densityPoints;
  private Promise<CalcJob> pending;
  private boolean stopped;

  /**
   * @param source the scheduler
   * @param results this node's Result Cache
   * @param model the loaded model (named in every plot)
   * @param densityPoints grid size of the final-step density
   */
  public CalcWorkerVerticle(TaskSource source, ResultCache results, ForecastModel model, int densityPoints) {
    this.source = source;
    this.results = results;
    this.model = model;
    this.densityPoints = densityPoints;
  }

  @Override
  public Future<?> start() {
    pull();
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    if (pending != null) {
      source.withdraw(pending);
    }
    return Future.succeededFuture();
  }

  private void pull() {
    if (stopped) {
      return;
    }
    Promise<CalcJob> next = Promise.promise();
    pending = next;
    next.future().onSuccess(job -> context.runOnContext(v -> run(job)));
    source.pullCalc(next);
  }

  private void run(CalcJob job) {
    pending = null;
    Task<JsonObject> task = job.task();
    try {
      JsonObject plot = plot(job);
      results.put(task.key(), plot);
      vertx.eventBus().publish(Addresses.FORECAST_READY, new JsonObject()
          .put("dataset", task.key().dataset()).put("index", task.key().index()).put("result", plot),
          PlotCodec.options());
      source.completed(task, plot);
    } catch (RuntimeException e) {
      LOG.error("forecast plot failed [task: {}]", task, e);
      source.failed(task, FailureCodes.INTERNAL, "forecast plot failed");
    }
    pull();
  }

  /** The plot JSON of one task (README "Forecasts"). */
  JsonObject plot(CalcJob job) {
    Dataset dataset = job.dataset();
    int index = job.task().key().index();
    int column = dataset.targetIndex();
    Scaler scaler = dataset.scalers().get(column);
    float[][] scaled = job.samples();
    double[][] samples = new double[scaled.length][];
    for (int k = 0; k < scaled.length; k++) {
      samples[k] = new double[scaled[k].length];
      for (int step = 0; step < scaled[k].length; step++) {
        samples[k][step] = scaler.unscale(scaled[k][step]);
      }
    }
    PlotMath.Summary summary = PlotMath.summarize(samples, densityPoints);
    JsonObject quantiles = new JsonObject();
    for (int q = 0; q < PlotMath.PERCENTS.length; q++) {
      quantiles.put(Integer.toString(PlotMath.PERCENTS[q]), array(summary.quantiles()[q]));
    }
    return new JsonObject()
        .put("dataset", dataset.hash())
        .put("index", index)
        .put("column", dataset.columns().get(column))
        .put("history", history(dataset, column, index, model.window()))
        .put("forecast", new JsonObject().put("mean", array(summary.mean())).put("quantiles", quantiles))
        .put("density", new JsonObject().put("grid", array(summary.density().grid()))
            .put("values", array(summary.density().values())).put("bandwidth", summary.density().bandwidth()))
        .put("model", new JsonObject().put("name", model.name()).put("sha256", model.sha256()))
        .put("samples", scaled.length)
        .put("computedAt", Instant.now().toString());
  }

  private static JsonObject history(Dataset dataset, int column, int index, int window) {
    int start = index - window + 1;
    JsonArray values = new JsonArray();
    for (int row = start; row <= index; row++) {
      values.add(dataset.values()[column][row]);
    }
    JsonObject history = new JsonObject().put("start", start).put("values", values);
    if (dataset.timestamps() != null) {
      history.put("timestamps", new JsonArray(dataset.timestamps().subList(start, index + 1)));
    }
    return history;
  }

  private static JsonArray array(double[] values) {
    JsonArray out = new JsonArray();
    for (double v : values) {
      out.add(v);
    }
    return out;
  }
}
