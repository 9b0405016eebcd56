package dev.atrium.bench;

import dev.atrium.boot.AtriumServer;
import dev.atrium.bus.Addresses;
import dev.atrium.config.SettingsLoader;
import dev.atrium.testing.AtriumProcess;
import dev.atrium.testing.FreePorts;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Step 1 figures: event-bus request-reply within one node and between two clustered JVMs
 * (messages/s, p50/p99 latency), and the time from process start to ready in local mode.
 * Both sides of every round trip are real Atrium nodes answering {@code atrium.node.*.ping}.
 */
final class FoundationBench {

  private static final Duration WARMUP = Duration.ofSeconds(3);
  private static final Duration MEASURE = Duration.ofSeconds(6);
  private static final int PIPELINED = 128;
  private static final int STARTUP_RUNS = 5;

  private final PrintStream out;
  private final Path work;

  FoundationBench(PrintStream out, Path work) {
    this.out = out;
    this.work = work;
  }

  void run() throws Exception {
    out.println("== Step 1: event bus and startup ==");
    localEventBus();
    clusteredEventBus();
    startupToReady();
  }

  private void localEventBus() throws Exception {
    AtriumServer node = startInProcess(Map.of());
    try {
      String address = Addresses.nodePing(node.identity().nodeId());
      measure(node, address, "local request-reply");
    } finally {
      node.stop().toCompletionStage().toCompletableFuture().get();
    }
  }

  private void clusteredEventBus() throws Exception {
    int hzA = FreePorts.next();
    int hzB = FreePorts.next();
    String members = "127.0.0.1:" + hzA + ",127.0.0.1:" + hzB;
    int portB = FreePorts.next();
    try (AtriumProcess remote = AtriumProcess.builder().name("bench-node-b").echo(false)
        .args("serve", "--cluster", "--port", String.valueOf(portB), "--data-dir", work.resolve("b").toString())
        .env("HOME", work.toString()).env("ATRIUM_LOG_LEVEL", "WARN")
        .env("ATRIUM_CLUSTER_MEMBERS", members).env("ATRIUM_CLUSTER_PORT", String.valueOf(hzB))
        .env("ATRIUM_EVENTBUS_PORT", "0")
        .start()) {
      remote.waitForReady(portB, Duration.ofSeconds(90));
      String remoteId = nodeId(portB);
      AtriumServer local = startInProcess(Map.of("ATRIUM_CLUSTER", "true", "ATRIUM_CLUSTER_MEMBERS", members,
          "ATRIUM_CLUSTER_PORT", String.valueOf(hzA), "ATRIUM_EVENTBUS_PORT", "0"));
      try {
        measure(local, Addresses.nodePing(remoteId), "clustered request-reply (2 JVMs)");
      } finally {
        local.stop().toCompletionStage().toCompletableFuture().get();
      }
    }
  }

  private void measure(AtriumServer node, String address, String label) throws Exception {
    new RequestReplyLoad(node.vertx(), address, PIPELINED).run(WARMUP);
    out.println(new RequestReplyLoad(node.vertx(), address, 1).run(MEASURE).line(label + ", 1 in flight"));
    out.println(new RequestReplyLoad(node.vertx(), address, PIPELINED).run(MEASURE)
        .line(label + ", " + PIPELINED + " in flight"));
  }

  private void startupToReady() throws Exception {
    Path jar = Path.of("target", "atrium.jar");
    List<String> variants = new ArrayList<>(List.of("class path"));
    if (Files.isRegularFile(jar)) {
      variants.add("java -jar target/atrium.jar");
    }
    for (String variant : variants) {
      List<Long> toReady = new ArrayList<>();
      List<Long> reported = new ArrayList<>();
      for (int run = 0; run < STARTUP_RUNS; run++) {
        int port = FreePorts.next();
        Path dataDir = Files.createTempDirectory(work, "startup");
        AtriumProcess.Builder builder = AtriumProcess.builder().name("bench-startup").echo(false)
            .args("serve", "--port", String.valueOf(port), "--data-dir", dataDir.toString())
            .env("HOME", work.toString());
        if (variant.startsWith("java -jar")) {
          builder.jar(jar);
        }
        long start = System.nanoTime();
        try (AtriumProcess process = builder.start()) {
          awaitReady(port);
          toReady.add((System.nanoTime() - start) / 1_000_000);
          reported.add(reportedSinceJvmStart(process));
          process.sigterm();
          process.waitForExit(Duration.ofSeconds(30));
        }
      }
      toReady.sort(null);
      reported.sort(null);
      out.printf("%-44s median %d ms, min %d ms, max %d ms over %d runs (node's own log: median %d ms since JVM start)%n",
          "start to ready, local mode, " + variant, toReady.get(STARTUP_RUNS / 2), toReady.get(0),
          toReady.get(STARTUP_RUNS - 1), STARTUP_RUNS, reported.get(STARTUP_RUNS / 2));
    }
  }

  private static void awaitReady(int port) throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
        .timeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (client.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (java.io.IOException e) {
        // not listening yet
      }
      Thread.sleep(10);
    }
    throw new IllegalStateException("node on port " + port + " not ready within 60 s");
  }

  private static long reportedSinceJvmStart(AtriumProcess process) {
    Pattern pattern = Pattern.compile("since jvm start ms: (\\d+)");
    String line = process.waitForLine(pattern, Duration.ofSeconds(5)).orElse("");
    Matcher m = pattern.matcher(line);
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  private static String nodeId(int port) throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/cluster")).build(),
        HttpResponse.BodyHandlers.ofString());
    return new io.vertx.core.json.JsonObject(response.body()).getString("node");
  }

  private AtriumServer startInProcess(Map<String, String> extraEnv) throws Exception {
    Map<String, String> env = new HashMap<>(extraEnv);
    env.put("HOME", work.toString());
    env.put("ATRIUM_PORT", String.valueOf(FreePorts.next()));
    env.put("ATRIUM_DATA_DIR", Files.createTempDirectory(work, "node").toString());
    var settings = new SettingsLoader(env, work).load(null, Map.of()).settings();
    return AtriumServer.start(settings).toCompletionStage().toCompletableFuture().get();
  }
}
