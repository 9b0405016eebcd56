package dev.atrium.forecast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.atrium.testing.AtriumProcess;
import dev.atrium.testing.FreePorts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A local node in its own JVM starts the forecast pipeline in the order of DESIGN §6 (queues →
 * model → workers → accepting, before HTTP) and on SIGTERM stops it in reverse (stats snapshot →
 * HTTP → accepting → workers → model → queues → caches), exiting 0.
 */
@DisplayName("Forecast pipeline startup and shutdown order")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ForecastLifecycleTest {

  private static final Duration READY = Duration.ofSeconds(60);

  private static final String[] STARTUP = {
      "verticle deployed [name: DatasetsVerticle",
      "verticle deployed [name: ForecastSchedulerVerticle",
      "forecast model loaded [name: tiny",
      "verticle deployed [name: CalcWorkerVerticle",
      "verticle deployed [name: InferenceWorkerVerticle",
      "forecasts ready [model: tiny",
      "verticle deployed [name: HttpServerVerticle",
      "atrium ready"};

  private static final String[] SHUTDOWN = {
      "received SIGTERM",
      "stats snapshot",
      "forecast stats snapshot [{",
      "verticle undeployed [name: HttpServerVerticle]",
      "forecast draws no longer accepted",
      "verticle undeployed [name: InferenceWorkerVerticle]",
      "verticle undeployed [name: CalcWorkerVerticle]",
      "forecast model unloaded [name: tiny]",
      "forecast queues flushed",
      "verticle undeployed [name: ForecastSchedulerVerticle]",
      "forecast result cache cleared",
      "verticle undeployed [name: DatasetsVerticle]",
      "shutdown complete"};

  @TempDir
  Path home;

  @Test
  @DisplayName("starts queues, model, workers and draws before HTTP, and stops them in reverse on SIGTERM with exit 0")
  void order() throws Exception {
    int port = FreePorts.next();
    try (AtriumProcess node = AtriumProcess.builder()
        .name("forecast-lifecycle")
        .workDir(home)
        .env("HOME", home.toString())
        .env("XDG_CONFIG_HOME", home.resolve("config").toString())
        .env("XDG_DATA_HOME", home.resolve("data").toString())
        .env("ATRIUM_FORECAST_MODEL", TestModels.tiny().toString())
        .args("serve", "--port", Integer.toString(port), "--data-dir", home.resolve("atrium").toString())
        .start()) {
      node.waitForReady(port, READY);

      node.sigterm();
      assertThat(node.waitForExit(READY)).as("exited; output:\n%s", node.tail(80)).isTrue();

      assertThat(node.exitCode()).as(node.tail(80)).isZero();
      assertInOrder(node.lines(), STARTUP);
      assertInOrder(node.lines(), SHUTDOWN);
      assertThat(node.output()).doesNotContain("forecast model closed with forecasters open");
    }
  }

  private static void assertInOrder(List<String> lines, String... markers) {
    List<Integer> at = new ArrayList<>();
    for (String marker : markers) {
      int index = -1;
      for (int i = 0; i < lines.size() && index < 0; i++) {
        if (lines.get(i).contains(marker)) {
          index = i;
        }
      }
      if (index < 0) {
        fail("no output line contains '" + marker + "'; output:\n" + String.join("\n", lines));
      }
      at.add(index);
    }
    for (int i = 1; i < markers.length; i++) {
      if (at.get(i) <= at.get(i - 1)) {
        fail("'" + markers[i] + "' should come after '" + markers[i - 1] + "'; output:\n" + String.join("\n", lines));
      }
    }
  }
}
