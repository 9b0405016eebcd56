package dev.atrium.forecast.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atrium.frames.Field;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Training a small model into a directory and loading it back. */
@DisplayName("Training a forecast model")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ModelTrainerTest {

  private static final ModelTrainer.Options TINY =
      new ModelTrainer.Options("tiny", 16, 4, 16, 0.1f, 3, 11, 32, 2e-3f, 0.2, 8);

  @TempDir
  Path tmp;

  @Test
  @DisplayName("a tiny model trains, writes model.json and its parameters, and loads back with the recorded sha256")
  void trainAndLoad() throws Exception {
    double[] series = new SyntheticSeries(800, 3, 0).values();
    Path out = tmp.resolve("tiny");

    ModelConfig config = ModelTrainer.train(series, "value", "ab".repeat(32), TINY, out, line -> { });

    assertThat(config.params()).isEqualTo("tiny-0003.params");
    try (Stream<Path> files = Files.list(out)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("model.json", "tiny-0003.params");
    }
    assertThat(Field.sha256Hex(Files.readAllBytes(out.resolve(config.params())))).isEqualTo(config.paramsSha256());
    assertThat(ModelConfig.parse(Files.readAllBytes(out.resolve("model.json")))).isEqualTo(config);
    assertThat(config.window()).isEqualTo(16);
    assertThat(config.horizon()).isEqualTo(4);
    assertThat(config.trainingRows()).isEqualTo(800);
    assertThat(config.trainingCsvSha256()).isEqualTo("ab".repeat(32));
    assertThat(config.validationWindows()).as("tail of 160 rows, horizon 4").isEqualTo(157);
    assertThat(config.trainingLoss()).isPositive().isFinite();
    assertThat(config.validationLoss()).isPositive().isFinite();
    assertThat(config.naiveMae()).isPositive();

    try (DjlForecastModel model = DjlForecastModel.load(out); DjlForecaster forecaster = model.newForecaster()) {
      assertThat(model.sha256()).isEqualTo(config.paramsSha256());
      assertThat(model.config()).isEqualTo(config);
      float[][] samples = forecaster.sample(new float[16], 5);
      assertThat(samples).hasNumberOfRows(5);
      assertThat(samples[0]).hasSize(4);
    }
  }

  @Test
  @DisplayName("the same series, options and seed give byte-identical parameters; another seed does not")
  void reproducible() throws IOException {
    double[] series = new SyntheticSeries(600, 5, 0.001).values();
    ModelConfig first = ModelTrainer.train(series, "value", "00".repeat(32), TINY, tmp.resolve("a"), line -> { });
    ModelConfig second = ModelTrainer.train(series, "value", "00".repeat(32), TINY, tmp.resolve("b"), line -> { });
    ModelTrainer.Options otherSeed = new ModelTrainer.Options("tiny", 16, 4, 16, 0.1f, 3, 12, 32, 2e-3f, 0.2, 8);
    ModelConfig third = ModelTrainer.train(series, "value", "00".repeat(32), otherSeed, tmp.resolve("c"), line -> { });

    assertThat(second.paramsSha256()).isEqualTo(first.paramsSha256());
    assertThat(second.validationMae()).isEqualTo(first.validationMae());
    assertThat(third.paramsSha256()).isNotEqualTo(first.paramsSha256());
  }

  @Test
  @DisplayName("retraining into the same directory replaces the older parameters file of that model")
  void retrainReplaces() throws IOException {
    double[] series = new SyntheticSeries(600, 5, 0).values();
    Path out = tmp.resolve("m");
    Files.createDirectories(out);
    Files.writeString(out.resolve("notes.txt"), "kept");
    ModelTrainer.train(series, "value", "00".repeat(32), TINY, out, line -> { });
    ModelTrainer.Options twoEpochs = new ModelTrainer.Options("tiny", 16, 4, 16, 0.1f, 2, 11, 32, 2e-3f, 0.2, 8);
    ModelTrainer.train(series, "value", "00".repeat(32), twoEpochs, out, line -> { });
    try (Stream<Path> files = Files.list(out)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("model.json", "tiny-0002.params", "notes.txt");
    }
  }

  @Test
  @DisplayName("one progress line per epoch")
  void progressLines() throws IOException {
    java.util.List<String> lines = new java.util.ArrayList<>();
    ModelTrainer.train(new SyntheticSeries(400, 1, 0).values(), "value", "00".repeat(32), TINY, tmp.resolve("p"),
        lines::add);
    assertThat(lines).hasSize(3);
    assertThat(lines.get(2)).matches("epoch 3/3: training loss \\d+\\.\\d{5}, validation loss \\d+\\.\\d{5}");
  }

  @Test
  @DisplayName("a series too short for the window, horizon and validation tail is refused with the rows it needs")
  void tooShort() {
    assertThatThrownBy(() -> ModelTrainer.train(new SyntheticSeries(20, 1, 0).values(), "value", "00".repeat(32),
        TINY, tmp.resolve("short"), line -> { }))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a series of 20 rows is too short for window 16, horizon 4 and a 20% validation tail"
            + " (needs at least 25 rows)");
    assertThat(tmp.resolve("short")).doesNotExist();
  }

  @Test
  @DisplayName("bad options are refused naming the option")
  void badOptions() {
    assertThatThrownBy(() -> new ModelTrainer.Options("tiny", 0, 4, 16, 0.1f, 3, 1, 32, 2e-3f, 0.2, 8))
        .hasMessage("window must be at least 1, got 0");
    assertThatThrownBy(() -> new ModelTrainer.Options("tiny", 8, 4, 16, 1f, 3, 1, 32, 2e-3f, 0.2, 8))
        .hasMessage("dropout must be in [0, 1), got 1.0");
    assertThatThrownBy(() -> new ModelTrainer.Options("../x", 8, 4, 16, 0.1f, 3, 1, 32, 2e-3f, 0.2, 8))
        .hasMessageStartingWith("name must be");
  }
}
