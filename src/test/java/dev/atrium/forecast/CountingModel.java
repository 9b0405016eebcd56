package dev.atrium.forecast;

import dev.atrium.forecast.model.ForecastModel;
import dev.atrium.forecast.model.Forecaster;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real model, with every {@link Forecaster#sample} call counted: the tests' way to see how
 * often the model actually ran. Forecasts are the real model's.
 */
final class CountingModel implements ForecastModel {

  private final ForecastModel model;
  private final AtomicInteger calls = new AtomicInteger();
  private final List<Float> lastPoints = new CopyOnWriteArrayList<>();

  CountingModel(ForecastModel model) {
    this.model = model;
  }

  /** Forward calls so far ({@code sample} calls, each K passes). */
  int calls() {
    return calls.get();
  }

  /** The last value of each window sampled, in call order (which index ran when). */
  List<Float> lastPoints() {
    return lastPoints;
  }

  @Override
  public String name() {
    return model.name();
  }

  @Override
  public String sha256() {
    return model.sha256();
  }

  @Override
  public int window() {
    return model.window();
  }

  @Override
  public int horizon() {
    return model.horizon();
  }

  @Override
  public Forecaster newForecaster() {
    Forecaster real = model.newForecaster();
    return new Forecaster() {
      @Override
      public int window() {
        return real.window();
      }

      @Override
      public int horizon() {
        return real.horizon();
      }

      @Override
      public float[][] sample(float[] scaledWindow, int k) {
        calls.incrementAndGet();
        lastPoints.add(scaledWindow[scaledWindow.length - 1]);
        return real.sample(scaledWindow, k);
      }

      @Override
      public void close() {
        real.close();
      }
    };
  }

  @Override
  public void close() {
    model.close();
  }
}
