package dev.atrium.forecast.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.atrium.forecast.data.CsvTable;
import dev.atrium.forecast.data.Dataset;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The seeded synthetic series the default model is trained on. */
@DisplayName("Synthetic sine-plus-noise series")
class SyntheticSeriesTest {

  @Test
  @DisplayName("the same rows and seed give the same bytes; another seed other values")
  void seeded() {
    assertThat(new SyntheticSeries(500, 7, 0).csv()).isEqualTo(new SyntheticSeries(500, 7, 0).csv());
    assertThat(new SyntheticSeries(500, 8, 0).values()).isNotEqualTo(new SyntheticSeries(500, 7, 0).values());
  }

  @Test
  @DisplayName("the CSV has a timestamp and a value column, one minute apart, and parses as a dataset")
  void csvShape() {
    byte[] csv = new SyntheticSeries(3, 7, 0).csv();
    String[] lines = new String(csv, StandardCharsets.US_ASCII).split("\n");
    assertThat(lines).hasSize(4);
    assertThat(lines[0]).isEqualTo("timestamp,value");
    assertThat(lines[1]).startsWith("2024-01-01T00:00:00Z,");
    assertThat(lines[2]).startsWith("2024-01-01T00:01:00Z,").matches(".*,\\d+\\.\\d{6}");
    Dataset dataset = CsvTable.parse(new SyntheticSeries(1000, 7, 0).csv());
    assertThat(dataset.columns()).containsExactly("value");
    assertThat(dataset.timestampColumn()).isEqualTo("timestamp");
    assertThat(dataset.values()[0]).containsExactly(new SyntheticSeries(1000, 7, 0).values());
  }

  @Test
  @DisplayName("level 10, the two sines' variance plus noise, the trend added per point")
  void statistics() {
    double[] flat = new SyntheticSeries(10_000, 3, 0).values();
    double mean = 0;
    for (double v : flat) {
      mean += v / flat.length;
    }
    double variance = 0;
    for (double v : flat) {
      variance += (v - mean) * (v - mean) / flat.length;
    }
    assertThat(mean).isCloseTo(SyntheticSeries.LEVEL, within(0.01));
    // 1²/2 + 0.5²/2 + 0.1² = 0.635
    assertThat(variance).isCloseTo(0.635, within(0.02));
    double[] trending = new SyntheticSeries(10_000, 3, 0.001).values();
    assertThat(trending[9_999] - flat[9_999]).isCloseTo(9.999, within(1e-5));
  }

  @Test
  @DisplayName("no rows is refused")
  void refusesNoRows() {
    assertThatThrownBy(() -> new SyntheticSeries(0, 1, 0)).hasMessage("rows must be at least 1, got 0");
  }
}
