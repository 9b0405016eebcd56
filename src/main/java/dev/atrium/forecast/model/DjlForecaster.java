package dev.atrium.forecast.model;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Batchifier;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One worker's forecaster: its own DJL {@link Predictor} (which holds its own {@code NDManager};
 * every call's arrays live in a per-call child of it and are freed when the call returns) over
 * the shared parameters of a {@link DjlForecastModel}. Dropout stays on in the predictor
 * ({@link McDropout}), so each forward pass is one sample.
 *
 * <p>{@link #sample} replicates the window {@code k} times and runs one batched forward pass;
 * {@link #sampleEach} runs {@code k} passes of batch 1 — the same distribution, kept so the
 * benchmark can show which is faster. Not thread-safe: one thread at a time.
 */
public final class DjlForecaster implements Forecaster {

  private final DjlForecastModel owner;
  private final int window;
  private final int horizon;
  private final Predictor<float[][], float[][]> predictor;
  private final AtomicBoolean closed = new AtomicBoolean();

  DjlForecaster(DjlForecastModel owner, Model model, int window, int horizon) {
    this.owner = owner;
    this.window = window;
    this.horizon = horizon;
    this.predictor = model.newPredictor(new RowsTranslator(window, horizon));
  }

  @Override
  public int window() {
    return window;
  }

  @Override
  public int horizon() {
    return horizon;
  }

  /** {@code k} samples from one forward pass over a batch of {@code k} copies of the window. */
  @Override
  public float[][] sample(float[] scaledWindow, int k) {
    check(scaledWindow, k);
    float[][] batch = new float[k][];
    java.util.Arrays.fill(batch, scaledWindow);
    return predict(batch);
  }

  /** {@code k} samples from {@code k} forward passes of batch 1. */
  public float[][] sampleEach(float[] scaledWindow, int k) {
    check(scaledWindow, k);
    float[][] one = {scaledWindow};
    float[][] samples = new float[k][];
    for (int i = 0; i < k; i++) {
      samples[i] = predict(one)[0];
    }
    return samples;
  }

  private float[][] predict(float[][] rows) {
    if (closed.get()) {
      throw new IllegalStateException("forecaster of model " + owner.name() + " is closed");
    }
    DjlSetup.onThisThread();
    try {
      return predictor.predict(rows);
    } catch (TranslateException e) {
      throw new IllegalStateException("forward pass failed [model: " + owner.name() + "]", e);
    }
  }

  private void check(float[] scaledWindow, int k) {
    if (scaledWindow.length != window) {
      throw new IllegalArgumentException("window has " + scaledWindow.length + " values, the model reads " + window);
    }
    if (k < 1) {
      throw new IllegalArgumentException("k must be at least 1, got " + k);
    }
    for (int i = 0; i < scaledWindow.length; i++) {
      if (!Float.isFinite(scaledWindow[i])) {
        throw new IllegalArgumentException("window value " + i + " is not finite: " + scaledWindow[i]);
      }
    }
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      predictor.close();
      owner.released(this);
    }
  }

  /** Rows of {@code window} floats in, rows of {@code horizon} floats out; batching is the caller's. */
  private static final class RowsTranslator implements Translator<float[][], float[][]> {
    private final int window;
    private final int horizon;

    RowsTranslator(int window, int horizon) {
      this.window = window;
      this.horizon = horizon;
    }

    @Override
    public NDList processInput(TranslatorContext ctx, float[][] rows) {
      float[] flat = new float[rows.length * window];
      for (int r = 0; r < rows.length; r++) {
        System.arraycopy(rows[r], 0, flat, r * window, window);
      }
      return new NDList(ctx.getNDManager().create(flat, new Shape(rows.length, window)));
    }

    @Override
    public float[][] processOutput(TranslatorContext ctx, NDList list) {
      NDArray out = list.singletonOrThrow();
      float[] flat = out.toFloatArray();
      int rows = flat.length / horizon;
      float[][] result = new float[rows][horizon];
      for (int r = 0; r < rows; r++) {
        System.arraycopy(flat, r * horizon, result[r], 0, horizon);
      }
      return result;
    }

    @Override
    public Batchifier getBatchifier() {
      return null;
    }
  }
}
