package dev.atrium.forecast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atrium.config.ConfigException;
import dev.atrium.config.ForecastSettings;
import dev.atrium.config.ForecastSettings.Scheduling;
import dev.atrium.config.SettingsLoader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The forecast settings: defaults, environment, and the values refused at startup by name. */
@DisplayName("Forecast settings")
class ForecastSettingsTest {

  @TempDir
  Path tmp;

  private ForecastSettings load(Map<String, String> extra) {
    Map<String, String> env = new HashMap<>(extra);
    env.put("HOME", tmp.toString());
    env.put("ATRIUM_MODE", "local");
    return new SettingsLoader(env, tmp).load(null, Map.of()).settings().forecast();
  }

  @Test
  @DisplayName("defaults: shipped model, automatic worker counts, K 64, 30 s deadline, 1000/10000 queues, priority, batch 256, 10000 plots for 1 h, 128 grid points")
  void defaults() {
    int cores = Runtime.getRuntime().availableProcessors();
    assertThat(load(Map.of())).isEqualTo(new ForecastSettings(null, ForecastSettings.automaticInferenceWorkers(cores),
        ForecastSettings.automaticCalcWorkers(cores), 64, Duration.ofSeconds(30), 1000,
        10_000, Scheduling.PRIORITY, 256, 10_000, Duration.ofHours(1), 128));
  }

  @Test
  @DisplayName("automatic worker counts leave a core to the event loops and split the rest about 3:1")
  void automaticWorkers() {
    int[][] expected = {{1, 1, 1}, {2, 1, 1}, {3, 1, 1}, {4, 2, 1}, {8, 5, 2}, {16, 11, 4}, {64, 47, 16}};
    for (int[] row : expected) {
      assertThat(new int[] {ForecastSettings.automaticInferenceWorkers(row[0]),
          ForecastSettings.automaticCalcWorkers(row[0])}).as("%d cores", row[0]).containsExactly(row[1], row[2]);
    }
  }

  @Test
  @DisplayName("the environment sets each")
  void fromEnvironment() {
    Map<String, String> env = new HashMap<>();
    env.put("ATRIUM_FORECAST_MODEL", "/models/m1");
    env.put("ATRIUM_INFERENCE_WORKERS", "3");
    env.put("ATRIUM_CALC_WORKERS", "5");
    env.put("ATRIUM_FORECAST_SAMPLES", "16");
    env.put("ATRIUM_FORECAST_DEADLINE", "500ms");
    env.put("ATRIUM_FORECAST_USER_QUEUE", "7");
    env.put("ATRIUM_FORECAST_BACKGROUND_QUEUE", "70");
    env.put("ATRIUM_FORECAST_SCHEDULING", "FIFO");
    env.put("ATRIUM_FORECAST_PROCESS_BATCH", "9");
    env.put("ATRIUM_FORECAST_RESULT_CACHE", "11");
    env.put("ATRIUM_FORECAST_RESULT_TTL", "2m");
    env.put("ATRIUM_FORECAST_DENSITY_POINTS", "64");

    assertThat(load(env)).isEqualTo(new ForecastSettings(Path.of("/models/m1"), 3, 5, 16, Duration.ofMillis(500), 7,
        70, Scheduling.FIFO, 9, 11, Duration.ofMinutes(2), 64));
  }

  @Test
  @DisplayName("an unknown scheduling, fewer than 2 samples, empty queues or a zero deadline are refused by name")
  void refused() {
    assertThatThrownBy(() -> load(Map.of("ATRIUM_FORECAST_SCHEDULING", "lifo")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("forecast.scheduling (ATRIUM_FORECAST_SCHEDULING) = 'lifo'")
        .hasMessageContaining("must be priority or fifo");
    assertThatThrownBy(() -> load(Map.of("ATRIUM_FORECAST_SAMPLES", "1")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("forecast.samples (ATRIUM_FORECAST_SAMPLES) = '1'").hasMessageContaining("at least 2");
    assertThatThrownBy(() -> load(Map.of("ATRIUM_FORECAST_USER_QUEUE", "0")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("forecast.userQueue");
    assertThatThrownBy(() -> load(Map.of("ATRIUM_FORECAST_DEADLINE", "0")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("forecast.deadline");
    assertThatThrownBy(() -> load(Map.of("ATRIUM_FORECAST_DENSITY_POINTS", "4")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("forecast.densityPoints");
  }
}
