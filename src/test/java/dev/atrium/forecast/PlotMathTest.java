package dev.atrium.forecast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Quantiles, Silverman's bandwidth and the density estimate against values worked out by hand. */
@DisplayName("Plot math")
class PlotMathTest {

  @Test
  @DisplayName("quantiles interpolate linearly between ranks, as NumPy's percentile does")
  void quantiles() {
    double[] sorted = {1, 2, 3, 4, 5};

    assertThat(PlotMath.quantile(sorted, 0.05)).isCloseTo(1.2, within(1e-12));
    assertThat(PlotMath.quantile(sorted, 0.25)).isCloseTo(2.0, within(1e-12));
    assertThat(PlotMath.quantile(sorted, 0.5)).isCloseTo(3.0, within(1e-12));
    assertThat(PlotMath.quantile(sorted, 0.95)).isCloseTo(4.8, within(1e-12));
    assertThat(PlotMath.quantile(new double[] {10, 20, 30, 40}, 0.5)).isCloseTo(25.0, within(1e-12));
    assertThat(PlotMath.quantile(new double[] {7}, 0.95)).isEqualTo(7.0);
  }

  @Test
  @DisplayName("Silverman's bandwidth of 1..5 is 0.9 * min(sqrt(2.5), 2/1.34) * 5^(-1/5)")
  void silverman() {
    double expected = 0.9 * Math.min(Math.sqrt(2.5), 2 / 1.34) * Math.pow(5, -0.2);

    assertThat(PlotMath.silvermanBandwidth(new double[] {5, 3, 1, 4, 2})).isCloseTo(expected, within(1e-12));
    assertThat(expected).isCloseTo(0.973585, within(1e-6));
  }

  @Test
  @DisplayName("a sample with no interquartile spread falls back to sigma; identical samples still get a bandwidth")
  void zeroSpread() {
    double[] mostlyEqual = {1, 1, 1, 1, 1, 1, 1, 1, 1, 5};
    double sigma = PlotMath.standardDeviation(mostlyEqual);

    assertThat(PlotMath.silvermanBandwidth(mostlyEqual)).isCloseTo(0.9 * sigma * Math.pow(10, -0.2), within(1e-12));
    double constant = PlotMath.silvermanBandwidth(new double[] {2.5, 2.5, 2.5});
    assertThat(constant).isPositive();
    PlotMath.Density density = PlotMath.density(new double[] {2.5, 2.5, 2.5}, 128);
    assertThat(trapezoid(density)).isCloseTo(1.0, within(0.01));
  }

  @Test
  @DisplayName("the density integrates to about 1 over its grid, which spans min - 3h to max + 3h")
  void densityIntegratesToOne() {
    Random random = new Random(42);
    double[] values = new double[64];
    for (int i = 0; i < values.length; i++) {
      values[i] = 100 + 7 * random.nextGaussian();
    }

    PlotMath.Density density = PlotMath.density(values, 128);

    double min = java.util.Arrays.stream(values).min().orElseThrow();
    double max = java.util.Arrays.stream(values).max().orElseThrow();
    assertThat(density.grid()).hasSize(128);
    assertThat(density.grid()[0]).isCloseTo(min - 3 * density.bandwidth(), within(1e-9));
    assertThat(density.grid()[127]).isCloseTo(max + 3 * density.bandwidth(), within(1e-9));
    assertThat(trapezoid(density)).isCloseTo(1.0, within(0.01));
  }

  @Test
  @DisplayName("the density equals the direct kernel sum at every grid point, far outliers included")
  void densityMatchesDirectSum() {
    Random random = new Random(7);
    double[] values = new double[64];
    for (int i = 0; i < values.length; i++) {
      values[i] = random.nextGaussian();
    }
    values[63] = 60;

    PlotMath.Density density = PlotMath.density(values, 128);

    double h = density.bandwidth();
    for (int j = 0; j < 128; j++) {
      double sum = 0;
      for (double v : values) {
        double z = (density.grid()[j] - v) / h;
        sum += Math.exp(-0.5 * z * z);
      }
      double direct = sum / (values.length * h * Math.sqrt(2 * Math.PI));
      assertThat(density.values()[j]).as("grid point " + j).isCloseTo(direct, within(1e-12 + 1e-9 * direct));
    }
    assertThat(trapezoid(density)).isCloseTo(1.0, within(0.02));
  }

  @Test
  @DisplayName("summaries give the mean and the five quantiles per step, and the last step's density")
  void summary() {
    double[][] samples = new double[5][];
    for (int k = 0; k < 5; k++) {
      samples[k] = new double[] {k + 1, 10 * (k + 1)};
    }

    PlotMath.Summary summary = PlotMath.summarize(samples, 32);

    assertThat(summary.mean()).containsExactly(3.0, 30.0);
    assertThat(summary.quantiles()[0][0]).isCloseTo(1.2, within(1e-12));
    assertThat(summary.quantiles()[2]).containsExactly(3.0, 30.0);
    assertThat(summary.quantiles()[4][1]).isCloseTo(48.0, within(1e-12));
    assertThat(summary.density().grid()[0]).isLessThan(10.0);
    assertThat(summary.density().grid()[31]).isGreaterThan(50.0);
    assertThat(trapezoid(summary.density())).isCloseTo(1.0, within(0.01));
  }

  private static double trapezoid(PlotMath.Density density) {
    double[] x = density.grid();
    double[] y = density.values();
    double area = 0;
    for (int i = 1; i < x.length; i++) {
      area += (x[i] - x[i - 1]) * (y[i] + y[i - 1]) / 2;
    }
    return area;
  }
}
