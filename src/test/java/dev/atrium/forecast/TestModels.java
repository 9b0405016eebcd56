package dev.atrium.forecast;

import dev.atrium.forecast.model.ModelTrainer;
import dev.atrium.forecast.model.SyntheticSeries;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A small real model for pipeline tests, trained once per test JVM with {@link ModelTrainer} on
 * the project's synthetic series (window 8, horizon 3, one epoch: seconds, not minutes). Its
 * forecasts are poor; the tests check scheduling, not accuracy.
 */
final class TestModels {

  /** Points of history the tiny model reads. */
  static final int WINDOW = 8;
  /** Points it predicts. */
  static final int HORIZON = 3;

  private static Path tiny;

  private TestModels() {
  }

  /** The model directory, trained on first use. */
  static synchronized Path tiny() {
    if (tiny == null) {
      try {
        Path dir = Files.createTempDirectory("atrium-tiny-model-");
        SyntheticSeries series = new SyntheticSeries(200, 3, 0);
        ModelTrainer.train(series.values(), "value", "test", new ModelTrainer.Options("tiny", WINDOW, HORIZON, 16,
            0.1f, 1, 7, 64, 2e-3f, 0.2, 4), dir, line -> { });
        tiny = dir;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return tiny;
  }
}
