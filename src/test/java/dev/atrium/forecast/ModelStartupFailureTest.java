package dev.atrium.forecast;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.testing.AtriumProcess;
import dev.atrium.testing.AtriumProcess.ProcessResult;
import dev.atrium.testing.FreePorts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code atrium serve} in its own JVM with a model it cannot load: the process exits 1 before it
 * is ready, its one error line names the setting and the file, and what had started (the forecast
 * queues among it) is released again.
 */
@DisplayName("atrium serve with a bad forecast model")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ModelStartupFailureTest {

  private static final Duration FAIL_FAST = Duration.ofSeconds(60);

  @TempDir
  Path home;

  @TempDir
  Path models;

  @Test
  @DisplayName("a model directory that does not exist: exit 1 naming ATRIUM_FORECAST_MODEL and the directory")
  void missingDirectory() {
    Path missing = models.resolve("no-such-model");

    ProcessResult result = serve(missing);

    assertThat(result.exitCode()).as(result.output()).isEqualTo(1);
    assertThat(errorLine(result)).contains("startup failed", "ATRIUM_FORECAST_MODEL", missing.toString(),
        "does not exist");
    assertThat(result.output()).doesNotContain("atrium ready").contains("forecast queues flushed");
  }

  @Test
  @DisplayName("a model whose parameters file is corrupt: exit 1 naming that file")
  void corruptParameters() throws IOException {
    Path model = copyOfTinyModel("corrupt");
    Path params = paramsFile(model);
    byte[] bytes = Files.readAllBytes(params);
    bytes[bytes.length / 2] ^= 0x5a;
    Files.write(params, bytes);

    ProcessResult result = serve(model);

    assertThat(result.exitCode()).as(result.output()).isEqualTo(1);
    assertThat(errorLine(result)).contains("startup failed", "ATRIUM_FORECAST_MODEL", params.toString());
    assertThat(result.output()).doesNotContain("atrium ready");
  }

  @Test
  @DisplayName("a model directory without model.json: exit 1 naming model.json")
  void missingConfig() throws IOException {
    Path model = copyOfTinyModel("no-config");
    Files.delete(model.resolve("model.json"));

    ProcessResult result = serve(model);

    assertThat(result.exitCode()).as(result.output()).isEqualTo(1);
    assertThat(errorLine(result)).contains("startup failed", model.resolve("model.json").toString(), "missing");
  }

  // ---------------------------------------------------------------------------------------------

  private ProcessResult serve(Path model) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("HOME", home.toString());
    env.put("XDG_CONFIG_HOME", home.resolve("config").toString());
    env.put("XDG_DATA_HOME", home.resolve("data").toString());
    env.put("ATRIUM_FORECAST_MODEL", model.toString());
    return AtriumProcess.run(FAIL_FAST, env, "serve", "--port", Integer.toString(FreePorts.next()),
        "--data-dir", home.resolve("atrium").toString());
  }

  private Path copyOfTinyModel(String name) throws IOException {
    Path target = Files.createDirectories(models.resolve(name));
    try (Stream<Path> files = Files.list(TestModels.tiny())) {
      for (Path file : files.toList()) {
        Files.copy(file, target.resolve(file.getFileName()));
      }
    }
    return target;
  }

  private static Path paramsFile(Path model) throws IOException {
    try (Stream<Path> files = Files.list(model)) {
      return files.filter(file -> file.getFileName().toString().endsWith(".params")).findFirst().orElseThrow();
    }
  }

  private static String errorLine(ProcessResult result) {
    return result.lines().stream().filter(line -> line.startsWith("atrium: ")).findFirst()
        .orElseThrow(() -> new AssertionError("no 'atrium: ...' line; output:\n" + result.output()));
  }
}
