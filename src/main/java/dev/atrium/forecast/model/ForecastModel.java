package dev.atrium.forecast.model;

/**
 * A loaded forecast model shared by the inference workers of one node. Each worker takes its own
 * {@link Forecaster}; closing the model unloads it (after its forecasters are closed).
 */
public interface ForecastModel extends AutoCloseable {

  /** The model's name (from its config). */
  String name();

  /** Lower-case hex sha256 of the weights file, checked at load. */
  String sha256();

  /** Points of history the model reads. */
  int window();

  /** Points the model predicts. */
  int horizon();

  /** A new forecaster with its own predictor, for one worker. */
  Forecaster newForecaster();

  @Override
  void close();
}
