package dev.atrium.forecast;

import dev.atrium.forecast.ForecastQueues.Task;
import dev.atrium.forecast.data.Dataset;
import io.vertx.core.json.JsonObject;

/**
 * An inference worker's output, waiting for a calc worker: the task, its dataset and the sampled
 * trajectories in model (scaled) units.
 *
 * @param task the task
 * @param dataset its dataset (for the scaler, the history and timestamps)
 * @param samples {@code samples[k][step]}, scaled
 */
public record CalcJob(Task<JsonObject> task, Dataset dataset, float[][] samples) {
}
