package dev.atrium.bench;

import dev.atrium.forecast.model.DjlSetup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Benchmark entry point: {@code mvn -Pbench -DskipTests verify} (builds the jar, then runs this
 * with the test class path). Pass {@code -Dbench=foundation,auth,codec,frames,control,model,forecast} or
 * {@code -Dbench=auth} (JMH) to pick suites; all run by default.
 * Figures are printed, never asserted.
 */
public final class Bench {

  private Bench() {
  }

  /** Runs the chosen suites and prints their figures. */
  public static void main(String[] args) throws Exception {
    // before any DJL class loads: libtorch from the jar, nothing downloaded; one intra-op thread
    DjlSetup.apply();
    // Before Logback starts: the nodes' per-request INFO lines would otherwise be measured too.
    System.setProperty("ATRIUM_LOG_LEVEL", System.getProperty("bench.log", "WARN"));
    List<String> suites = List.of(System.getProperty("bench", "all").split(","));
    Path work = Files.createTempDirectory("atrium-bench");
    if (suites.contains("all") || suites.contains("foundation")) {
      new FoundationBench(System.out, work).run();
    }
    if (suites.contains("all") || suites.contains("auth")) {
      AuthBench.run(System.out);
    }
    if (suites.contains("all") || suites.contains("codec")) {
      CodecBench.run(System.out);
    }
    if (suites.contains("all") || suites.contains("frames")) {
      new FrameBench(System.out, work).run();
    }
    if (suites.contains("all") || suites.contains("control")) {
      new ControlBench(System.out, work).run();
    }
    if (suites.contains("all") || suites.contains("model")) {
      ModelBench.run(System.out);
    }
    if (suites.contains("all") || suites.contains("forecast")) {
      new ForecastBench(System.out, work).run();
    }
    System.exit(0);
  }
}
