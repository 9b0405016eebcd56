package dev.atrium.forecast;

import dev.atrium.bus.FailureCodes;
import dev.atrium.forecast.ForecastQueues.Task;
import dev.atrium.forecast.data.Dataset;
import dev.atrium.forecast.data.Datasets;
import dev.atrium.forecast.model.ForecastModel;
import dev.atrium.forecast.model.Forecaster;
import dev.atrium.web.ApiException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One inference worker (deployed with {@code ThreadingModel.WORKER}, one instance per configured
 * worker, each with its own {@link Forecaster}, i.e. its own DJL predictor). It pulls a task from
 * the scheduler when idle, fetches the dataset, builds the scaled window that ends at the task's
 * index, runs K stochastic forward passes and hands the samples to the calc queue. A dataset
 * that is gone by now makes the task discarded, not failed.
 */
public final class InferenceWorkerVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(InferenceWorkerVerticle.class);

  private final TaskSource source;
  private final ForecastModel model;
  private final Datasets datasets;
  private final int samples;
  private Forecaster forecaster;
  private Promise<Task<JsonObject>> pending;
  private boolean stopped;

  /**
   * @param source the scheduler
   * @param model the loaded model; this worker takes its own forecaster from it
   * @param datasets the Data Cache
   * @param samples forward passes per task (K)
   */
  public InferenceWorkerVerticle(TaskSource source, ForecastModel model, Datasets datasets, int samples) {
    this.source = source;
    this.model = model;
    this.datasets = datasets;
    this.samples = samples;
  }

  @Override
  public Future<?> start() {
    forecaster = model.newForecaster();
    pull();
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    if (pending != null) {
      source.withdraw(pending);
    }
    forecaster.close();
    return Future.succeededFuture();
  }

  private void pull() {
    if (stopped) {
      return;
    }
    Promise<Task<JsonObject>> next = Promise.promise();
    pending = next;
    next.future().onSuccess(task -> context.runOnContext(v -> run(task)));
    source.pullTask(next);
  }

  private void run(Task<JsonObject> task) {
    pending = null;
    if (stopped) {
      source.failed(task, FailureCodes.UNAVAILABLE, "inference worker stopped; try again");
      return;
    }
    datasets.get(task.key().dataset())
        .onSuccess(dataset -> infer(task, dataset))
        .onFailure(failure -> lookupFailed(task, failure))
        .onComplete(done -> pull());
  }

  private void infer(Task<JsonObject> task, Dataset dataset) {
    int index = task.key().index();
    String problem = ForecastWindow.problem(dataset.rows(), index, forecaster.window());
    if (problem != null) {
      source.failed(task, FailureCodes.BAD_REQUEST, problem);
      return;
    }
    try {
      float[][] drawn = forecaster.sample(ForecastWindow.scaled(dataset, index, forecaster.window()), samples);
      source.inferred(new CalcJob(task, dataset, drawn));
    } catch (RuntimeException e) {
      LOG.error("forecast inference failed [task: {}, model: {}]", task, model.name(), e);
      source.failed(task, FailureCodes.INTERNAL, "forecast inference failed");
    }
  }

  private void lookupFailed(Task<JsonObject> task, Throwable failure) {
    if (failure instanceof ApiException api && api.status() == FailureCodes.NOT_FOUND) {
      source.discarded(task);
    } else {
      LOG.warn("dataset lookup failed [task: {}]", task, failure);
      source.failed(task, FailureCodes.UNAVAILABLE, "dataset " + task.key().dataset() + " cannot be read now; try again");
    }
  }
}
