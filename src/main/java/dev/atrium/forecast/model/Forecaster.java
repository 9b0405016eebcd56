package dev.atrium.forecast.model;

/**
 * One inference worker's handle on a loaded model, with its own DJL {@code Predictor}: not
 * thread-safe, used by one worker thread at a time, closed with the worker.
 */
public interface Forecaster extends AutoCloseable {

  /** Points of history the model reads. */
  int window();

  /** Points the model predicts. */
  int horizon();

  /**
   * Runs {@code k} stochastic forward passes (dropout on) over one scaled window.
   *
   * @param scaledWindow exactly {@link #window()} values in model (scaled) units, oldest first
   * @param k number of samples, at least 1
   * @return {@code k} rows of {@link #horizon()} scaled predictions
   */
  float[][] sample(float[] scaledWindow, int k);

  @Override
  void close();
}
