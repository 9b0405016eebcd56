package dev.atrium.forecast;

import java.util.Arrays;

/**
 * The numbers of a forecast plot, from K sampled trajectories: mean and quantiles per horizon
 * step, and a Gaussian kernel density estimate of the last step on a fixed grid. Pure functions.
 */
public final class PlotMath {

  /** The quantiles reported per step, in percent. */
  public static final int[] PERCENTS = {5, 25, 50, 75, 95};
  /** The grid reaches this many bandwidths beyond the smallest and largest sample. */
  public static final double GRID_REACH = 3.0;

  private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2 * Math.PI);

  private PlotMath() {
  }

  /** The arithmetic mean. */
  public static double mean(double[] values) {
    double sum = 0;
    for (double v : values) {
      sum += v;
    }
    return sum / values.length;
  }

  /** The sample standard deviation (divides by n - 1); 0 for fewer than two values. */
  public static double standardDeviation(double[] values) {
    if (values.length < 2) {
      return 0;
    }
    double mean = mean(values);
    double squares = 0;
    for (double v : values) {
      squares += (v - mean) * (v - mean);
    }
    return Math.sqrt(squares / (values.length - 1));
  }

  /**
   * A quantile of sorted values by linear interpolation between closest ranks (NumPy's default,
   * Hyndman and Fan type 7).
   *
   * @param sorted ascending values, at least one
   * @param fraction 0 to 1
   */
  public static double quantile(double[] sorted, double fraction) {
    double position = fraction * (sorted.length - 1);
    int lower = (int) Math.floor(position);
    int upper = Math.min(lower + 1, sorted.length - 1);
    return sorted[lower] + (position - lower) * (sorted[upper] - sorted[lower]);
  }

  /**
   * Silverman's rule of thumb, {@code 0.9 * min(sigma, IQR / 1.34) * n^(-1/5)}. When one spread
   * measure is zero (many equal samples) the other is used; when both are, a bandwidth small
   * against the values' magnitude, so the density is a narrow peak instead of a division by zero.
   */
  public static double silvermanBandwidth(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return silvermanOfSorted(sorted);
  }

  private static double silvermanOfSorted(double[] sorted) {
    double sigma = standardDeviation(sorted);
    double iqr = (quantile(sorted, 0.75) - quantile(sorted, 0.25)) / 1.34;
    double spread = Math.min(sigma, iqr);
    if (spread <= 0) {
      spread = Math.max(sigma, iqr);
    }
    if (spread <= 0) {
      return 1e-3 * Math.max(1.0, Math.abs(sorted[sorted.length / 2]));
    }
    return 0.9 * spread * Math.pow(sorted.length, -0.2);
  }

  /**
   * A Gaussian kernel density estimate with Silverman's bandwidth, on {@code points} evenly spaced
   * grid points from {@code min - 3h} to {@code max + 3h}.
   */
  public static Density density(double[] values, int points) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return densityOfSorted(sorted, points);
  }

  /** {@link #density} of values already in ascending order. */
  private static Density densityOfSorted(double[] sorted, int points) {
    double bandwidth = silvermanOfSorted(sorted);
    double min = sorted[0];
    double max = sorted[sorted.length - 1];
    double start = min - GRID_REACH * bandwidth;
    double step = (max - min + 2 * GRID_REACH * bandwidth) / (points - 1);
    double[] grid = new double[points];
    double[] density = new double[points];
    for (int j = 0; j < points; j++) {
      grid[j] = start + j * step;
    }
    // On an even grid z_j = z_c + (j - c) * d, so exp(-z_j^2 / 2) follows from its neighbour by
    // one multiplication: e_{j+1} = e_j * r_j with r_{j+1} = r_j * exp(-d^2), and the same way
    // downwards. Starting at the grid point c nearest the sample, the terms only shrink, so a far
    // sample underflows to 0 where its kernel is 0 anyway. Three exp calls per sample, not one
    // per grid point.
    double d = step / bandwidth;
    double decay = Math.exp(-d * d);
    for (double v : sorted) {
      int c = (int) Math.max(0, Math.min(points - 1, Math.round((v - start) / step)));
      double zc = (grid[c] - v) / bandwidth;
      double ec = Math.exp(-0.5 * zc * zc);
      density[c] += ec;
      double e = ec;
      double r = Math.exp(-zc * d - 0.5 * d * d);
      for (int j = c + 1; j < points; j++) {
        e *= r;
        density[j] += e;
        r *= decay;
      }
      e = ec;
      r = Math.exp(zc * d - 0.5 * d * d);
      for (int j = c - 1; j >= 0; j--) {
        e *= r;
        density[j] += e;
        r *= decay;
      }
    }
    double norm = INV_SQRT_2PI / (sorted.length * bandwidth);
    for (int j = 0; j < points; j++) {
      density[j] *= norm;
    }
    return new Density(grid, density, bandwidth);
  }

  /**
   * Mean and quantiles per horizon step, and the density of the last step.
   *
   * @param samples {@code samples[k][step]}, in the series' units; at least two samples
   * @param densityPoints grid size of the density
   */
  public static Summary summarize(double[][] samples, int densityPoints) {
    int horizon = samples[0].length;
    double[] mean = new double[horizon];
    double[][] quantiles = new double[PERCENTS.length][horizon];
    double[] column = new double[samples.length];
    for (int step = 0; step < horizon; step++) {
      for (int k = 0; k < samples.length; k++) {
        column[k] = samples[k][step];
      }
      mean[step] = mean(column);
      Arrays.sort(column);
      for (int q = 0; q < PERCENTS.length; q++) {
        quantiles[q][step] = quantile(column, PERCENTS[q] / 100.0);
      }
    }
    // the loop left the last step's values sorted: the density needs them so
    return new Summary(mean, quantiles, densityOfSorted(column, densityPoints));
  }

  /**
   * A density on a grid.
   *
   * @param grid the points, ascending and evenly spaced
   * @param values the density at each point
   * @param bandwidth the kernel bandwidth used
   */
  public record Density(double[] grid, double[] values, double bandwidth) {
  }

  /**
   * A forecast's plot numbers.
   *
   * @param mean mean per step
   * @param quantiles {@code quantiles[q][step]} for {@link #PERCENTS}{@code [q]}
   * @param density density of the last step
   */
  public record Summary(double[] mean, double[][] quantiles, Density density) {
  }
}
