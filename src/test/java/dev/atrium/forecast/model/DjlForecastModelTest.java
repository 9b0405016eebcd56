package dev.atrium.forecast.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.atrium.frames.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The shipped model: loading from the class path and Monte-Carlo sampling, batched and one by one. */
@DisplayName("The shipped forecast model")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DjlForecastModelTest {

  private static DjlForecastModel model;

  @BeforeAll
  static void load() throws ModelLoadException {
    model = DjlForecastModel.loadDefault();
  }

  @AfterAll
  static void unload() {
    model.close();
  }

  /** One period of the slow sine in scaled units, the kind of window the pipeline sends. */
  private static float[] window(int length, double phase) {
    float[] window = new float[length];
    for (int i = 0; i < length; i++) {
      window[i] = (float) (1.3 * Math.sin(2 * Math.PI * i / SyntheticSeries.SLOW_PERIOD + phase));
    }
    return window;
  }

  @Test
  @DisplayName("loads from the class path with the config and sha256 its model.json records, and the file has that sha256")
  void loadsDefault() {
    ModelConfig config = ShippedModel.config();
    assertThat(model.name()).isEqualTo(config.name()).isEqualTo("forecast");
    assertThat(model.window()).isEqualTo(32);
    assertThat(model.horizon()).isEqualTo(8);
    assertThat(model.sha256()).isEqualTo(config.paramsSha256())
        .isEqualTo(Field.sha256Hex(ShippedModel.bytes(config.params())));
    assertThat(model.source()).isEqualTo("classpath:/models/default/");
    assertThat(config.validationMae()).as("recorded validation MAE beats naive").isLessThan(config.naiveMae());
  }

  @Test
  @DisplayName("sample gives k rows of h finite values, and the rows differ because dropout stays on")
  void sampleBatched() {
    try (DjlForecaster forecaster = model.newForecaster()) {
      for (int k : new int[] {1, 16, 64}) {
        float[][] samples = forecaster.sample(window(32, 0.4), k);
        assertThat(samples).hasNumberOfRows(k);
        for (float[] row : samples) {
          assertThat(row).hasSize(8);
          for (float v : row) {
            assertThat(Float.isFinite(v)).isTrue();
          }
        }
        if (k > 1) {
          // two passes can coincide when dropout only hits units the ReLU had already zeroed
          assertThat(distinctRows(samples)).as("distinct samples of %d", k).isGreaterThanOrEqualTo(k * 3 / 4);
        }
      }
    }
  }

  @Test
  @DisplayName("sampleEach gives the same distribution one pass at a time: spread-out rows with about the batched mean")
  void sampleOneByOne() {
    try (DjlForecaster forecaster = model.newForecaster()) {
      float[] window = window(32, 1.1);
      float[][] each = forecaster.sampleEach(window, 256);
      float[][] batched = forecaster.sample(window, 256);
      assertThat(each).hasNumberOfRows(256);
      assertThat(distinctRows(each)).isGreaterThanOrEqualTo(192);
      for (int j = 0; j < 8; j++) {
        assertThat(spread(each, j)).as("spread of step %d", j).isGreaterThan(0.01);
      }
      float[] meanEach = mean(each);
      float[] meanBatched = mean(batched);
      for (int j = 0; j < 8; j++) {
        // both estimate the same expectation; the sampling error of a mean of 256 is far below 0.1
        assertThat(meanEach[j]).as("step %d", j).isCloseTo(meanBatched[j], within(0.1f));
      }
    }
  }

  @Test
  @DisplayName("a window of the wrong length, k below 1 and a non-finite value are refused")
  void refusesBadInput() {
    try (DjlForecaster forecaster = model.newForecaster()) {
      assertThatThrownBy(() -> forecaster.sample(new float[31], 4))
          .isInstanceOf(IllegalArgumentException.class).hasMessage("window has 31 values, the model reads 32");
      assertThatThrownBy(() -> forecaster.sample(new float[32], 0))
          .isInstanceOf(IllegalArgumentException.class).hasMessage("k must be at least 1, got 0");
      float[] bad = new float[32];
      bad[5] = Float.NaN;
      assertThatThrownBy(() -> forecaster.sampleEach(bad, 2))
          .isInstanceOf(IllegalArgumentException.class).hasMessage("window value 5 is not finite: NaN");
    }
  }

  @Test
  @DisplayName("four threads, each with its own forecaster over the shared model, all get the single-threaded answer")
  void forecasterPerThread() throws Exception {
    float[] window = window(32, 2.0);
    float[] reference;
    try (DjlForecaster forecaster = model.newForecaster()) {
      reference = mean(forecaster.sample(window, 4096));
    }
    int threads = 4;
    CyclicBarrier start = new CyclicBarrier(threads);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<float[]>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        boolean batched = t % 2 == 0;
        results.add(pool.submit((Callable<float[]>) () -> {
          try (DjlForecaster forecaster = model.newForecaster()) {
            start.await(10, TimeUnit.SECONDS);
            float[][] all = new float[0][];
            for (int round = 0; round < 50; round++) {
              float[][] samples = batched ? forecaster.sample(window, 64) : forecaster.sampleEach(window, 8);
              all = concat(all, samples);
            }
            return mean(all);
          }
        }));
      }
      for (Future<float[]> result : results) {
        float[] mean = result.get(60, TimeUnit.SECONDS);
        for (int j = 0; j < 8; j++) {
          assertThat(mean[j]).as("step %d", j).isCloseTo(reference[j], within(0.1f));
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  @DisplayName("a closed forecaster refuses to sample, and a closed model refuses new forecasters")
  void closing() throws ModelLoadException {
    DjlForecastModel own = DjlForecastModel.loadDefault();
    DjlForecaster open = own.newForecaster();
    DjlForecaster closed = own.newForecaster();
    closed.close();
    assertThatThrownBy(() -> closed.sample(new float[32], 1)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    own.close();
    assertThatThrownBy(() -> open.sample(new float[32], 1)).as("closing the model closed its forecasters")
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(own::newForecaster).isInstanceOf(IllegalStateException.class)
        .hasMessage("forecast model forecast is closed");
  }

  private static long distinctRows(float[][] rows) {
    return Arrays.stream(rows).map(Arrays::toString).distinct().count();
  }

  private static double spread(float[][] rows, int step) {
    double mean = 0;
    for (float[] row : rows) {
      mean += row[step] / (double) rows.length;
    }
    double variance = 0;
    for (float[] row : rows) {
      variance += (row[step] - mean) * (row[step] - mean) / rows.length;
    }
    return Math.sqrt(variance);
  }

  private static float[] mean(float[][] rows) {
    float[] mean = new float[rows[0].length];
    for (float[] row : rows) {
      for (int j = 0; j < row.length; j++) {
        mean[j] += row[j] / rows.length;
      }
    }
    return mean;
  }

  private static float[][] concat(float[][] a, float[][] b) {
    float[][] all = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }
}
