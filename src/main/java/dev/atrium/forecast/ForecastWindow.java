package dev.atrium.forecast;

import dev.atrium.forecast.data.Dataset;
import dev.atrium.forecast.data.Scaler;

/**
 * Which indexes of a dataset can have a forecast, and the model input for one: the window of the
 * target column (the first numeric column) that ends at the index, i.e. rows
 * {@code index - window + 1} to {@code index}, scaled with the column's scaler.
 */
public final class ForecastWindow {

  private ForecastWindow() {
  }

  /** The first index with enough history for a model reading {@code window} points. */
  public static int first(int window) {
    return window - 1;
  }

  /** How many indexes of a {@code rows}-row dataset can have a forecast. */
  public static int count(int rows, int window) {
    return Math.max(0, rows - first(window));
  }

  /**
   * What is wrong with asking for a forecast at {@code index}, or null when nothing is. The
   * message says what and where, for a 400.
   */
  public static String problem(int rows, int index, int window) {
    if (index < 0 || index >= rows) {
      return "index " + index + " out of range 0.." + (rows - 1);
    }
    if (index < first(window)) {
      return "index " + index + " needs " + window + " points of history (the first index with a forecast is "
          + first(window) + ")";
    }
    return null;
  }

  /** The scaled model input for {@code index}; the index must be valid. */
  public static float[] scaled(Dataset dataset, int index, int window) {
    int column = dataset.targetIndex();
    double[] values = dataset.values()[column];
    Scaler scaler = dataset.scalers().get(column);
    float[] out = new float[window];
    int start = index - window + 1;
    for (int i = 0; i < window; i++) {
      out[i] = (float) scaler.scale(values[start + i]);
    }
    return out;
  }
}
