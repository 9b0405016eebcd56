package dev.atrium.forecast.model;

import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;

/**
 * The forecaster's architecture, built from DJL blocks: a window of {@code w} scaled points in,
 * {@code h} future points out, through two ReLU layers each followed by Monte-Carlo dropout:
 * {@code Linear(hidden) → ReLU → McDropout(p) → Linear(hidden) → ReLU → McDropout(p) → Linear(h)},
 * applied to the window minus its last value and predicting the change from it
 * ({@link LastValueResidual}). Training and loading both build it here, so saved parameters always
 * fit the block they load into.
 */
public final class ForecastNet {

  private ForecastNet() {
  }

  /** A fresh, uninitialized block for {@code (batch, window)} inputs. */
  public static Block build(int hidden, float dropout, int horizon) {
    return new LastValueResidual(new SequentialBlock()
        .add(Linear.builder().setUnits(hidden).build())
        .add(Activation.reluBlock())
        .add(new McDropout(dropout))
        .add(Linear.builder().setUnits(hidden).build())
        .add(Activation.reluBlock())
        .add(new McDropout(dropout))
        .add(Linear.builder().setUnits(horizon).build()));
  }

  /** The architecture as one line, for {@code model info} and the README. */
  public static String describe(int window, int hidden, float dropout, int horizon) {
    return String.format(java.util.Locale.ROOT,
        "window %d minus its last value → Linear(%d) → ReLU → McDropout(%s) → Linear(%d) → ReLU → McDropout(%s)"
            + " → Linear(%d) + last value",
        window, hidden, dropout, hidden, dropout, horizon);
  }
}
