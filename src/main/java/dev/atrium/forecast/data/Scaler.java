package dev.atrium.forecast.data;

/**
 * A per-column standard scaler: {@code (x - mean) / std}. A constant column gets {@code std = 1}
 * so scaling never divides by zero.
 *
 * @param mean the column mean
 * @param std the column's population standard deviation (1 when the column is constant)
 */
public record Scaler(double mean, double std) {

  /** Fits a scaler to a column. */
  public static Scaler fit(double[] values) {
    double sum = 0;
    for (double v : values) {
      sum += v;
    }
    double mean = values.length == 0 ? 0 : sum / values.length;
    double squares = 0;
    for (double v : values) {
      squares += (v - mean) * (v - mean);
    }
    double std = values.length == 0 ? 0 : Math.sqrt(squares / values.length);
    return new Scaler(mean, std > 1e-12 ? std : 1.0);
  }

  /** A value in model units. */
  public double scale(double value) {
    return (value - mean) / std;
  }

  /** A model-unit value back in the column's units. */
  public double unscale(double value) {
    return value * std + mean;
  }
}
