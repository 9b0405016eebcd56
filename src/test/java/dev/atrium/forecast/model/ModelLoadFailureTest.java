package dev.atrium.forecast.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.atrium.frames.Field;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way a model directory can be broken gives a {@link ModelLoadException} whose message names
 * the file (or directory) and the cause, as startup prints it. Each test damages a copy of the
 * shipped model.
 */
@DisplayName("Loading a broken model directory")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ModelLoadFailureTest {

  @TempDir
  Path tmp;

  private Path dir;
  private ModelConfig config;
  private Path params;
  private Path json;

  @BeforeEach
  void copyShipped() throws IOException {
    dir = ShippedModel.copyTo(tmp.resolve("model")).toAbsolutePath();
    config = ShippedModel.config();
    params = dir.resolve(config.params());
    json = dir.resolve(ModelConfig.FILE);
  }

  private static ModelLoadException failure(Path dir) {
    ModelLoadException e = catchThrowableOfType(ModelLoadException.class, () -> DjlForecastModel.load(dir).close());
    assertThat(e).as("load of %s should fail", dir).isNotNull();
    return e;
  }

  private void rewriteConfig(String from, String to) throws IOException {
    String text = Files.readString(json);
    assertThat(text).contains(from);
    Files.writeString(json, text.replace(from, to));
  }

  @Test
  @DisplayName("the intact copy loads (so each failure below is the damage done)")
  void intactCopyLoads() throws ModelLoadException {
    try (DjlForecastModel model = DjlForecastModel.load(dir)) {
      assertThat(model.sha256()).isEqualTo(config.paramsSha256());
      assertThat(model.source()).isEqualTo(dir.toString());
    }
  }

  @Test
  @DisplayName("a missing directory is named")
  void missingDirectory() {
    Path nowhere = tmp.resolve("no-such-model").toAbsolutePath();
    assertThat(failure(nowhere)).hasMessage("model directory " + nowhere + ": does not exist");
  }

  @Test
  @DisplayName("a file given as the directory is named")
  void fileAsDirectory() {
    assertThat(failure(json)).hasMessage("model directory " + json + ": is not a directory");
  }

  @Test
  @DisplayName("a missing model.json is named")
  void missingConfig() throws IOException {
    Files.delete(json);
    assertThat(failure(dir)).hasMessage("model file " + json + ": missing");
  }

  @Test
  @DisplayName("a missing parameters file is named")
  void missingParams() throws IOException {
    Files.delete(params);
    assertThat(failure(dir)).hasMessage("model file " + params + ": missing");
  }

  @Test
  @DisplayName("a changed parameters file fails the sha256 check, with both hashes")
  void shaMismatch() throws IOException {
    byte[] bytes = Files.readAllBytes(params);
    bytes[bytes.length - 1] ^= 0x01;
    Files.write(params, bytes);
    assertThat(failure(dir)).hasMessage("model file " + params + ": sha256 mismatch (model.json says "
        + config.paramsSha256() + ", file is " + Field.sha256Hex(bytes) + ")");
  }

  @Test
  @DisplayName("a truncated parameters file fails the sha256 check")
  void truncatedShaMismatch() throws IOException {
    byte[] bytes = Files.readAllBytes(params);
    Files.write(params, Arrays.copyOf(bytes, bytes.length / 2));
    assertThat(failure(dir).getMessage()).startsWith("model file " + params + ": sha256 mismatch");
  }

  @Test
  @DisplayName("a truncated parameters file whose sha256 model.json matches is reported as truncated")
  void truncatedParams() throws IOException {
    byte[] cut = Arrays.copyOf(Files.readAllBytes(params), 5000);
    Files.write(params, cut);
    rewriteConfig(config.paramsSha256(), Field.sha256Hex(cut));
    assertThat(failure(dir)).hasMessage("model file " + params
        + ": truncated parameters: the file ends after 5000 bytes, inside parameter data");
  }

  @Test
  @DisplayName("parameters that are not DJL parameters at all are reported as corrupt")
  void corruptParams() throws IOException {
    byte[] junk = "this is not a parameters file, it is a sentence".getBytes(StandardCharsets.US_ASCII);
    Files.write(params, junk);
    rewriteConfig(config.paramsSha256(), Field.sha256Hex(junk));
    assertThat(failure(dir).getMessage()).startsWith("model file " + params + ": corrupt parameters: ");
  }

  @Test
  @DisplayName("parameters followed by extra bytes are reported as corrupt")
  void trailingBytes() throws IOException {
    byte[] bytes = Files.readAllBytes(params);
    byte[] longer = Arrays.copyOf(bytes, bytes.length + 3);
    Files.write(params, longer);
    rewriteConfig(config.paramsSha256(), Field.sha256Hex(longer));
    assertThat(failure(dir)).hasMessage("model file " + params
        + ": corrupt parameters: 3 unexpected bytes after the last parameter");
  }

  @Test
  @DisplayName("a model.json whose window does not fit the parameters is a shape mismatch naming the parameter")
  void shapeMismatch() throws IOException {
    rewriteConfig("\"window\" : 32", "\"window\" : 16");
    assertThat(failure(dir)).hasMessage("model file " + params + ": shape mismatch: parameter 01delta_01Linear_weight is"
        + " (64, 32) but model.json (window 16, hidden 64, horizon 8) needs (64, 16)");
  }

  @Test
  @DisplayName("a model.json whose horizon does not fit the parameters is a shape mismatch too")
  void horizonMismatch() throws IOException {
    rewriteConfig("\"horizon\" : 8", "\"horizon\" : 4");
    assertThat(failure(dir).getMessage()).startsWith("model file " + params + ": shape mismatch: parameter 01delta_07Linear_weight is (8, 64)");
  }

  @Test
  @DisplayName("a model.json that is not JSON is named with the place of the error")
  void badJson() throws IOException {
    Files.writeString(json, "{\n  \"name\": \"forecast\",\n  window: 32\n}\n");
    assertThat(failure(dir).getMessage()).startsWith("model file " + json + ": bad JSON at line 3, column ");
  }

  @Test
  @DisplayName("a model.json without a required field is named with the field")
  void missingField() throws IOException {
    rewriteConfig("\"horizon\" : 8,", "");
    assertThat(failure(dir).getMessage()).startsWith("model file " + json + ": bad JSON")
        .contains("'horizon'");
  }

  @Test
  @DisplayName("a model.json with an impossible value is named with the field and the value")
  void invalidValue() throws IOException {
    rewriteConfig("\"dropout\" : 0.1", "\"dropout\" : 1.5");
    assertThat(failure(dir)).hasMessage("model file " + json + ": invalid: dropout must be in [0, 1), got 1.5");
  }

  @Test
  @DisplayName("a params entry that leaves the directory is refused before anything is read")
  void paramsOutsideDirectory() throws IOException {
    rewriteConfig("\"params\" : \"" + config.params() + "\"", "\"params\" : \"../" + config.params() + "\"");
    assertThat(failure(dir)).hasMessage("model file " + json
        + ": invalid: params must be a plain file name in the model directory, got '../" + config.params() + "'");
  }
}
