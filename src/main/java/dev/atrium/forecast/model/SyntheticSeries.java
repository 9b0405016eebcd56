package dev.atrium.forecast.model;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Locale;
import java.util.Random;

/**
 * A seeded synthetic time series for training and checking the forecast model: two sines (periods
 * {@value #SLOW_PERIOD} and {@value #FAST_PERIOD} points, amplitudes {@value #SLOW_AMPLITUDE} and
 * {@value #FAST_AMPLITUDE}, phases drawn from the seed) around a level of {@value #LEVEL}, an
 * optional linear trend, and Gaussian noise of σ {@value #NOISE} (a tenth of the larger
 * amplitude). The same rows, seed and trend always give the same bytes.
 *
 * @param rows number of points
 * @param seed seed for the phases and the noise
 * @param trend added per point (0 for none)
 */
public record SyntheticSeries(int rows, long seed, double trend) {

  /** Mean level of the series. */
  public static final double LEVEL = 10.0;
  /** Period of the slow sine, in points. */
  public static final double SLOW_PERIOD = 50;
  /** Amplitude of the slow sine. */
  public static final double SLOW_AMPLITUDE = 1.0;
  /** Period of the fast sine, in points. */
  public static final double FAST_PERIOD = 13;
  /** Amplitude of the fast sine. */
  public static final double FAST_AMPLITUDE = 0.5;
  /** Standard deviation of the noise. */
  public static final double NOISE = 0.1;
  /** Timestamp of the first point; one point per minute after it. */
  public static final Instant START = Instant.parse("2024-01-01T00:00:00Z");

  /** Checks the arguments. */
  public SyntheticSeries {
    if (rows < 1) {
      throw new IllegalArgumentException("rows must be at least 1, got " + rows);
    }
    if (!Double.isFinite(trend)) {
      throw new IllegalArgumentException("trend must be finite, got " + trend);
    }
  }

  /** The values, rounded as the CSV writes them. */
  public double[] values() {
    Random random = new Random(seed);
    double slowPhase = random.nextDouble() * 2 * Math.PI;
    double fastPhase = random.nextDouble() * 2 * Math.PI;
    double[] values = new double[rows];
    for (int t = 0; t < rows; t++) {
      double value = LEVEL + trend * t
          + SLOW_AMPLITUDE * StrictMath.sin(2 * Math.PI * t / SLOW_PERIOD + slowPhase)
          + FAST_AMPLITUDE * StrictMath.sin(2 * Math.PI * t / FAST_PERIOD + fastPhase)
          + NOISE * random.nextGaussian();
      values[t] = Math.round(value * 1e6) / 1e6;
    }
    return values;
  }

  /** The series as CSV: a {@code timestamp} column (ISO-8601, one per minute) and a {@code value} column. */
  public byte[] csv() {
    double[] values = values();
    StringBuilder text = new StringBuilder(rows * 32).append("timestamp,value\n");
    for (int t = 0; t < rows; t++) {
      text.append(START.plusSeconds(60L * t)).append(',')
          .append(String.format(Locale.ROOT, "%.6f", values[t])).append('\n');
    }
    return text.toString().getBytes(StandardCharsets.US_ASCII);
  }
}
