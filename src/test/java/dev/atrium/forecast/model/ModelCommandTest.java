package dev.atrium.forecast.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.boot.Main;
import dev.atrium.frames.Field;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code atrium model synth|train|info}, run in-process through picocli. */
@DisplayName("The atrium model commands")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ModelCommandTest {

  @TempDir
  Path tmp;

  /** Exit code, standard output and standard error of one command. */
  private record Run(int exit, String out, String err) {
  }

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  @DisplayName("synth writes the CSV and its sha256; train on it writes a model that info then verifies")
  void synthTrainInfo() throws IOException {
    Path csv = tmp.resolve("data/synthetic.csv");
    Run synth = run("model", "synth", "--out", csv.toString(), "--rows", "600", "--seed", "3");
    assertThat(synth.exit()).as(synth.err()).isZero();
    String csvSha = Field.sha256Hex(Files.readAllBytes(csv));
    assertThat(synth.out()).isEqualTo("wrote " + csv + ": 600 rows, seed 3, trend 0.0, sha256 " + csvSha + "\n");
    assertThat(Files.readAllLines(csv)).hasSize(601);

    Path out = tmp.resolve("model");
    Run train = run("model", "train", "--csv", csv.toString(), "--target", "value", "--window", "16", "--horizon", "4",
        "--epochs", "2", "--hidden", "16", "--dropout", "0.2", "--seed", "5", "--out", out.toString());
    assertThat(train.exit()).as(train.err()).isZero();
    ModelConfig config = ModelConfig.parse(Files.readAllBytes(out.resolve("model.json")));
    assertThat(config.trainingCsvSha256()).isEqualTo(csvSha);
    assertThat(config.target()).isEqualTo("value");
    assertThat(config.dropout()).isEqualTo(0.2f);
    assertThat(config.seed()).isEqualTo(5);
    assertThat(train.out())
        .contains("training on " + csv + ", column 'value': 600 rows, sha256 " + csvSha)
        .contains("epoch 1/2: training loss ")
        .contains("epoch 2/2: training loss ")
        .contains("validation MAE    ")
        .contains("naive MAE         ")
        .contains("params            forecast-0002.params, sha256 " + config.paramsSha256()
            + " (verified by loading it back)");

    Run info = run("model", "info", out.toString());
    assertThat(info.exit()).as(info.err()).isZero();
    assertThat(info.out()).startsWith("model forecast at " + out.toAbsolutePath() + "\n")
        .contains("window 16, horizon 4, hidden 16, dropout 0.2")
        .contains("sha256 " + config.paramsSha256() + " (verified)");
  }

  @Test
  @DisplayName("info without a directory verifies the shipped model")
  void infoDefault() {
    Run info = run("model", "info");
    assertThat(info.exit()).as(info.err()).isZero();
    assertThat(info.out()).startsWith("model forecast at classpath:/models/default/\n")
        .contains("sha256 " + ShippedModel.config().paramsSha256() + " (verified)");
  }

  @Test
  @DisplayName("info on a broken model exits 1 with the file and the cause")
  void infoBroken() throws IOException {
    Path dir = ShippedModel.copyTo(tmp.resolve("broken")).toAbsolutePath();
    Path params = dir.resolve(ShippedModel.config().params());
    Files.delete(params);
    Run info = run("model", "info", dir.toString());
    assertThat(info.exit()).isEqualTo(Main.EXIT_FAILURE);
    assertThat(info.err()).isEqualTo("atrium: model file " + params + ": missing\n");
  }

  @Test
  @DisplayName("train with an unknown column exits 2 naming it and writes nothing")
  void unknownColumn() throws IOException {
    Path csv = Files.writeString(tmp.resolve("two.csv"), "timestamp,temp,load\nt0,1,2\nt1,2,3\n");
    Path out = tmp.resolve("never");
    Run train = run("model", "train", "--csv", csv.toString(), "--target", "nope", "--out", out.toString());
    assertThat(train.exit()).isEqualTo(Main.EXIT_CONFIG);
    assertThat(train.err()).startsWith("atrium: " + csv + ": unknown column 'nope'").contains("[temp, load]");
    assertThat(out).doesNotExist();
  }

  @Test
  @DisplayName("train on a bad CSV, a missing file or a too-short series exits 2 saying why")
  void badInput() throws IOException {
    Path ragged = Files.writeString(tmp.resolve("ragged.csv"), "value\n1\n2,3\n");
    Run bad = run("model", "train", "--csv", ragged.toString(), "--target", "value");
    assertThat(bad.exit()).isEqualTo(Main.EXIT_CONFIG);
    assertThat(bad.err()).startsWith("atrium: " + ragged + ": ");

    Run missing = run("model", "train", "--csv", tmp.resolve("none.csv").toString(), "--target", "value");
    assertThat(missing.exit()).isEqualTo(Main.EXIT_CONFIG);
    assertThat(missing.err()).isEqualTo("atrium: " + tmp.resolve("none.csv") + ": no such file\n");

    Path shortCsv = tmp.resolve("short.csv");
    Files.write(shortCsv, new SyntheticSeries(30, 1, 0).csv());
    Run tooShort = run("model", "train", "--csv", shortCsv.toString(), "--target", "value");
    assertThat(tooShort.exit()).isEqualTo(Main.EXIT_CONFIG);
    assertThat(tooShort.err()).startsWith("atrium: a series of 30 rows is too short for window 32, horizon 8");
  }

  @Test
  @DisplayName("model --help lists train, synth and info")
  void help() {
    Run help = run("model", "--help");
    assertThat(help.exit()).isZero();
    assertThat(help.out()).contains("Usage: atrium model").contains("train").contains("synth").contains("info");
  }
}
