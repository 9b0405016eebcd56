package dev.atrium.forecast.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.forecast.data.CsvTable;
import dev.atrium.forecast.data.Dataset;
import dev.atrium.forecast.data.Scaler;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shipped model forecasts: on a series it has never seen (other seed, so other phases and
 * noise), read and scaled the way the pipeline does it, the mean of its Monte-Carlo samples has a
 * lower mean absolute error than repeating the last value.
 */
@DisplayName("Forecast sanity of the shipped model")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ForecastSanityTest {

  private static final Logger LOG = LoggerFactory.getLogger(ForecastSanityTest.class);
  private static final int K = 64;
  private static final int STRIDE = 5;

  @Test
  @DisplayName("on a fresh sine-plus-noise series the mean of 64 samples beats the naive last-value forecast")
  void beatsNaive() throws ModelLoadException {
    assertMeanBeatsNaive(new SyntheticSeries(5000, 2024, 0), "seed 2024");
  }

  @Test
  @DisplayName("it still does on a shorter series with a slow trend, scaled by that series' own scaler")
  void beatsNaiveWithTrend() throws ModelLoadException {
    assertMeanBeatsNaive(new SyntheticSeries(2000, 99, 0.0005), "seed 99, trend 0.0005");
  }

  private static void assertMeanBeatsNaive(SyntheticSeries synthetic, String label) throws ModelLoadException {
    Dataset dataset = CsvTable.parse(synthetic.csv());
    int column = CsvTable.column(dataset, "value");
    double[] series = dataset.values()[column];
    Scaler scaler = dataset.scalers().get(column);

    double modelError = 0;
    double naiveError = 0;
    long cells = 0;
    try (DjlForecastModel model = DjlForecastModel.loadDefault(); DjlForecaster forecaster = model.newForecaster()) {
      int w = model.window();
      int h = model.horizon();
      float[] window = new float[w];
      for (int start = 0; start + w + h <= series.length; start += STRIDE) {
        for (int i = 0; i < w; i++) {
          window[i] = (float) scaler.scale(series[start + i]);
        }
        float[][] samples = forecaster.sample(window, K);
        double last = series[start + w - 1];
        for (int j = 0; j < h; j++) {
          double mean = 0;
          for (float[] sample : samples) {
            mean += sample[j];
          }
          double forecast = scaler.unscale(mean / K);
          double actual = series[start + w + j];
          modelError += Math.abs(forecast - actual);
          naiveError += Math.abs(last - actual);
          cells++;
        }
      }
    }
    double modelMae = modelError / cells;
    double naiveMae = naiveError / cells;
    String figures = String.format(Locale.ROOT,
        "forecast sanity [%s]: model MAE %.4f (mean of %d samples), naive last-value MAE %.4f, over %d windows x %d steps",
        label, modelMae, K, naiveMae, cells / 8, 8);
    System.out.println(figures);
    LOG.info(figures);
    assertThat(modelMae).as(figures).isLessThan(naiveMae);
  }
}
