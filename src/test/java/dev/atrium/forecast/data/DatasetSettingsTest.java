package dev.atrium.forecast.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atrium.config.ConfigException;
import dev.atrium.config.DatasetSettings;
import dev.atrium.config.Settings;
import dev.atrium.config.SettingsLoader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Data Cache settings: defaults, environment, and the values refused at startup. */
@DisplayName("Data Cache settings")
class DatasetSettingsTest {

  @TempDir
  Path tmp;

  private Settings load(Map<String, String> extra) {
    Map<String, String> env = new HashMap<>(extra);
    env.put("HOME", tmp.toString());
    env.put("ATRIUM_MODE", "local");
    return new SettingsLoader(env, tmp).load(null, Map.of()).settings();
  }

  @Test
  @DisplayName("defaults: 8 MB uploads, 1000 datasets, 1 GB, 24 h, 256 MB in memory; sweep every minute")
  void defaults() {
    DatasetSettings datasets = load(Map.of()).datasets();
    assertThat(datasets).isEqualTo(new DatasetSettings(8L << 20, 1000, 1L << 30, Duration.ofHours(24), 256L << 20));
    assertThat(datasets.sweepInterval()).isEqualTo(Duration.ofMinutes(1));
    assertThat(datasets.touchInterval()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  @DisplayName("the environment sets each; a short TTL sweeps and records uses more often")
  void fromEnvironment() {
    DatasetSettings datasets = load(Map.of("ATRIUM_DATASET_MAX_UPLOAD", "1KB", "ATRIUM_DATASET_MAX_COUNT", "3",
        "ATRIUM_DATASET_MAX_BYTES", "2KB", "ATRIUM_DATASET_TTL", "2s", "ATRIUM_DATASET_LOCAL_CACHE", "1MB")).datasets();
    assertThat(datasets).isEqualTo(new DatasetSettings(1024, 3, 2048, Duration.ofSeconds(2), 1L << 20));
    assertThat(datasets.sweepInterval()).isEqualTo(Duration.ofMillis(500));
    assertThat(datasets.touchInterval()).isEqualTo(Duration.ofMillis(500));
  }

  @Test
  @DisplayName("an upload limit past one MongoDB document, a byte bound under it, no count or no TTL are refused by name")
  void refused() {
    assertThatThrownBy(() -> load(Map.of("ATRIUM_DATASET_MAX_UPLOAD", "16MB")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("datasets.maxUpload (ATRIUM_DATASET_MAX_UPLOAD) = '16777216'")
        .hasMessageContaining("MongoDB document");
    assertThatThrownBy(() -> load(Map.of("ATRIUM_DATASET_MAX_BYTES", "4MB")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("datasets.maxBytes (ATRIUM_DATASET_MAX_BYTES) = '4194304'")
        .hasMessageContaining("must be at least datasets.maxUpload");
    assertThatThrownBy(() -> load(Map.of("ATRIUM_DATASET_MAX_COUNT", "0")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("datasets.maxCount");
    assertThatThrownBy(() -> load(Map.of("ATRIUM_DATASET_TTL", "0")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("datasets.ttl");
  }
}
