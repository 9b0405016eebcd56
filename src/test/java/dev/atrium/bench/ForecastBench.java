package dev.atrium.bench;

import com.sun.management.OperatingSystemMXBean;
import dev.atrium.boot.AtriumServer;
import dev.atrium.config.SettingsLoader;
import dev.atrium.forecast.ForecastSchedulerVerticle;
import dev.atrium.forecast.model.ForecastModel;
import dev.atrium.forecast.model.SyntheticSeries;
import dev.atrium.testing.FreePorts;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Step 5 headline figures (printed, never asserted), on in-process local-mode nodes started with
 * {@link AtriumServer#start}, a synthetic series ({@link SyntheticSeries}) uploaded over HTTP:
 * <ol>
 *   <li>User latency: the same 100 draws ({@code GET /api/datasets/{hash}/plots/{index}} over
 *       real HTTP, distinct indexes, Result Cache cleared before each run) with an empty queue,
 *       with the background queue held at 10,000 tasks (topped up every {@value #TOP_UP_MS} ms),
 *       and the same loaded run on a fresh node with {@code ATRIUM_FORECAST_SCHEDULING=fifo}.
 *       Arrivals are open-loop, one every {@value #INTERVAL_MS} ms, in all three runs; the two
 *       priority runs are also printed closed-loop (next draw when the previous answered). Draws go
 *       through a Vert.x HTTP client on its own single event loop (the JDK client's extra threads
 *       added milliseconds of their own on two busy cores). Background tasks cycle over the
 *       indexes below the draws', so the queue never runs dry.</li>
 *   <li>Saturation: forecasts/s draining 10,000 background tasks through the whole pipeline
 *       (offer → the last plot, from the scheduler's done count) against {@link ModelBench#bareLoop}
 *       over the same model in the same JVM, as many threads (each its own predictor) as the node
 *       has inference workers; and the CPU time per thread group during the drain.</li>
 * </ol>
 * Worker counts come from {@code ATRIUM_INFERENCE_WORKERS} / {@code ATRIUM_CALC_WORKERS} in the
 * bench's own environment when set (else the node's defaults), so variants run with the same command.
 *
 * <p>Run through {@link Bench} ({@code mvn -Pbench -DskipTests verify -Dbench=forecast}).
 */
final class ForecastBench {

  private static final int ROWS = 150_000;
  private static final int DRAWS = 100;
  private static final int WARM_DRAWS = 30;
  private static final int LOADED_DEPTH = 10_000;
  private static final int DRAIN = 10_000;
  private static final int DRAIN_ROUNDS = 4;
  private static final int WARM_DRAINS = 4;
  private static final long INTERVAL_MS = 50;
  private static final long TOP_UP_MS = 10;
  private static final Duration BARE = Duration.ofSeconds(2);
  private static final Duration FIFO_DEADLINE = Duration.ofMinutes(5);
  private static final long TIMEOUT_S = 120;
  private static final double LOADED_TARGET = 2;
  private static final double FIFO_TARGET = 100;
  private static final double SATURATION_TARGET = 85;
  private static final String OUTSIDE = "outside Java threads (JIT, GC, native)";
  private static final List<String> PASSED_ON = List.of("ATRIUM_INFERENCE_WORKERS", "ATRIUM_CALC_WORKERS",
      "ATRIUM_FORECAST_SAMPLES");

  private final PrintStream out;
  private final Path work;
  /** Uploads. */
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();
  /** Draws: a Vert.x client on its own single event loop, keep-alive, enough connections for every open draw. */
  private Vertx clientVertx;
  private HttpClientAgent client;

  ForecastBench(PrintStream out, Path work) {
    this.out = out;
    this.work = work;
  }

  void run() {
    try {
      measure();
    } catch (Exception e) {
      // Bench exits only after the suites return: a failure must not leave the JVM running
      out.println("forecast bench failed: " + e);
      e.printStackTrace(out);
    }
    out.println();
  }

  private void measure() throws Exception {
    clientVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    client = clientVertx.httpClientBuilder()
        .with(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true).setDefaultHost("127.0.0.1"))
        .with(new PoolOptions().setHttp1MaxSize(2 * DRAWS))
        .build();
    try {
      measureWithClient();
    } finally {
      await(clientVertx.close());
    }
  }

  private void measureWithClient() throws Exception {
    out.println("== Step 5: forecast pipeline (user latency under background load, saturation) ==");
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("atrium.access"))
        .setLevel(ch.qos.logback.classic.Level.WARN);
    byte[] csv = new SyntheticSeries(ROWS, 5, 0).csv();
    OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    out.printf("%d CPU cores, load average %.2f before the bench; synthetic series of %,d rows (%,d bytes CSV),"
            + " uploaded over HTTP; bench env: %s; PyTorch threads intra %s / inter %s%n",
        Runtime.getRuntime().availableProcessors(), os.getSystemLoadAverage(), ROWS, csv.length, passedOn(),
        System.getProperty("ai.djl.pytorch.num_threads"), System.getProperty("ai.djl.pytorch.num_interop_threads"));

    Runs priority;
    Saturation saturation;
    try (Node node = new Node(Map.of())) {
      node.upload(csv);
      out.printf("node: scheduling %s, %d inference + %d calc workers, K = %d samples, model %s (window %d,"
              + " horizon %d); user draws at indexes %d..%d (%d distinct, background never reaches them)%n",
          node.settings.getString("scheduling"), node.inferenceWorkers(), node.calcWorkers(), node.samples(),
          node.settings.getJsonObject("model").getString("name"), node.window(), node.horizon(),
          node.userIndexes()[0], node.userIndexes()[DRAWS - 1], DRAWS);
      out.printf("arrivals: open-loop, one draw every %d ms (sent on schedule whatever is outstanding; Vert.x HTTP client,"
              + " own event loop, keep-alive), the same"
              + " %d indexes in every run, Result Cache cleared before each; \"loaded\" = background queue held at"
              + " %,d tasks (topped up every %d ms); background tasks cycle over indexes %d..%d%n", INTERVAL_MS, DRAWS,
          LOADED_DEPTH, TOP_UP_MS, node.window() - 1, node.backgroundEnd - 1);
      node.warmUp();
      priority = new Runs();
      priority.unloaded = node.draws(false, true);
      priority.loaded = node.draws(true, true);
      priority.unloadedClosed = node.draws(false, false);
      priority.loadedClosed = node.draws(true, false);
      saturation = node.saturation();
    }
    Run fifo;
    Map<String, String> fifoEnv = Map.of("ATRIUM_FORECAST_SCHEDULING", "fifo",
        "ATRIUM_FORECAST_DEADLINE", FIFO_DEADLINE.toSeconds() + "s");
    try (Node node = new Node(fifoEnv)) {
      node.upload(csv);
      node.warmUp();
      fifo = node.draws(true, true);
    }

    out.println("-- user draw latency, open-loop (one every " + INTERVAL_MS + " ms), 100 draws over HTTP --");
    out.println(priority.unloaded.line("priority, empty queue       "));
    out.println(priority.loaded.line("priority, 10,000 background "));
    out.println(fifo.line("fifo,     10,000 background "));
    out.printf("   (fifo node: ATRIUM_FORECAST_SCHEDULING=fifo, ATRIUM_FORECAST_DEADLINE=%ds instead of 30 s so no"
        + " draw is dropped)%n", FIFO_DEADLINE.toSeconds());
    out.println("-- the priority runs closed-loop (next draw when the previous answered) --");
    out.println(priority.unloadedClosed.line("priority, empty queue       "));
    out.println(priority.loadedClosed.line("priority, 10,000 background "));
    double loadedRatio = priority.loaded.p99() / priority.unloaded.p99();
    double fifoRatio = fifo.p99() / priority.loaded.p99();
    out.printf("loaded p99 / unloaded p99 = %.2fx (target <= %.0fx): %s   [closed-loop: %.2fx]%n", loadedRatio,
        LOADED_TARGET, loadedRatio <= LOADED_TARGET ? "met" : "MISSED",
        priority.loadedClosed.p99() / priority.unloadedClosed.p99());
    out.printf("fifo p99 / loaded p99   = %.0fx (target >= %.0fx): %s%n", fifoRatio, FIFO_TARGET,
        fifoRatio >= FIFO_TARGET ? "met" : "MISSED");

    out.println(saturation.report());
  }

  private static String passedOn() {
    List<String> set = new ArrayList<>();
    for (String key : PASSED_ON) {
      if (System.getenv(key) != null) {
        set.add(key + "=" + System.getenv(key));
      }
    }
    return set.isEmpty() ? "(node defaults)" : String.join(" ", set);
  }

  // ---- one node --------------------------------------------------------------------------------

  /** An in-process local-mode node with the series uploaded, and the measurements made on it. */
  private final class Node implements AutoCloseable {
    final int port;
    final AtriumServer server;
    final ForecastSchedulerVerticle scheduler;
    JsonObject settings;
    String hash;
    /** Next background index to offer; background indexes run up from the first forecastable one. */
    int cursor;
    int backgroundEnd;
    int[] users;
    int[] warmUsers;

    Node(Map<String, String> extra) throws Exception {
      port = FreePorts.next();
      Map<String, String> env = new HashMap<>();
      env.put("HOME", work.toString());
      env.put("XDG_CONFIG_HOME", work.resolve(".config").toString());
      env.put("ATRIUM_MODE", "local");
      env.put("ATRIUM_PORT", String.valueOf(port));
      env.put("ATRIUM_HTTP_INSTANCES", String.valueOf(Runtime.getRuntime().availableProcessors()));
      env.put("ATRIUM_DATA_DIR", Files.createTempDirectory(work, "forecast").toString());
      for (String key : PASSED_ON) {
        if (System.getenv(key) != null) {
          env.put(key, System.getenv(key));
        }
      }
      env.putAll(extra);
      var resolved = new SettingsLoader(env, work).load(null, Map.of()).settings();
      server = await(AtriumServer.start(resolved));
      scheduler = server.forecasts().scheduler();
      settings = await(scheduler.statusNow());
    }

    int inferenceWorkers() {
      return settings.getJsonObject("workers").getInteger("inference");
    }

    int calcWorkers() {
      return settings.getJsonObject("workers").getInteger("calc");
    }

    int samples() {
      return settings.getInteger("samples");
    }

    int window() {
      return settings.getJsonObject("model").getInteger("window");
    }

    int horizon() {
      return settings.getJsonObject("model").getInteger("horizon");
    }

    int[] userIndexes() {
      return users;
    }

    void upload(byte[] csv) throws Exception {
      HttpResponse<String> reply = http.send(HttpRequest.newBuilder(uri("/api/datasets"))
          .header("Content-Type", "text/csv").POST(HttpRequest.BodyPublishers.ofByteArray(csv)).build(),
          HttpResponse.BodyHandlers.ofString());
      if (reply.statusCode() / 100 != 2) {
        throw new IllegalStateException("POST /api/datasets answered " + reply.statusCode() + ": " + reply.body());
      }
      JsonObject body = new JsonObject(reply.body());
      hash = body.getString("hash");
      int rows = body.getInteger("rows");
      users = new int[DRAWS];
      warmUsers = new int[WARM_DRAWS];
      for (int i = 0; i < DRAWS; i++) {
        users[i] = rows - DRAWS + i;
      }
      for (int i = 0; i < WARM_DRAWS; i++) {
        warmUsers[i] = rows - DRAWS - WARM_DRAWS + i;
      }
      cursor = window() - 1;
      backgroundEnd = rows - DRAWS - WARM_DRAWS;
    }

    /** JIT and caches: a drain of background tasks, then warm-up draws one at a time. */
    void warmUp() throws Exception {
      for (int i = 0; i < WARM_DRAINS; i++) {
        drain(LOADED_DEPTH);
      }
      for (int index : warmUsers) {
        int status = await(draw(index));
        if (status != 200) {
          throw new IllegalStateException("warm-up draw " + index + " answered " + status);
        }
      }
    }

    /**
     * The 100 draws, open-loop or closed-loop, with an empty queue or with the background queue
     * held at {@link #LOADED_DEPTH} tasks.
     */
    Run draws(boolean loaded, boolean openLoop) throws Exception {
      server.forecasts().results().clear();
      idle();
      ScheduledExecutorService topper = null;
      AtomicInteger shortfall = new AtomicInteger();
      if (loaded) {
        offer(LOADED_DEPTH);
        topper = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "bench-top-up"));
        topper.scheduleAtFixedRate(() -> {
          try {
            offer(LOADED_DEPTH);
          } catch (Exception e) {
            shortfall.incrementAndGet();
          }
        }, TOP_UP_MS, TOP_UP_MS, TimeUnit.MILLISECONDS);
        Thread.sleep(300);
      }
      JsonObject before = await(scheduler.statusNow());
      long[] latencies = new long[DRAWS];
      int[] statuses = new int[DRAWS];
      long started = System.nanoTime();
      if (openLoop) {
        List<Future<Integer>> answers = new ArrayList<>();
        for (int i = 0; i < DRAWS; i++) {
          LockSupport.parkNanos(started + i * INTERVAL_MS * 1_000_000 - System.nanoTime());
          int slot = i;
          long sent = System.nanoTime();
          answers.add(draw(users[i]).onComplete(reply -> {
            latencies[slot] = System.nanoTime() - sent;
            statuses[slot] = reply.succeeded() ? reply.result() : -1;
          }));
        }
        Future.join(answers).toCompletionStage().toCompletableFuture().get(TIMEOUT_S * 3, TimeUnit.SECONDS);
      } else {
        for (int i = 0; i < DRAWS; i++) {
          long sent = System.nanoTime();
          Integer status = await(draw(users[i]).recover(failure -> Future.succeededFuture(-1)));
          latencies[i] = System.nanoTime() - sent;
          statuses[i] = status;
        }
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      JsonObject after = await(scheduler.statusNow());
      if (topper != null) {
        topper.shutdownNow();
        topper.awaitTermination(10, TimeUnit.SECONDS);
      }
      return new Run(latencies, statuses, depth(before), depth(after), seconds, shortfall.get(),
          after.getString("scheduling"));
    }

    /** Forecasts/s draining {@link #DRAIN} tasks, rounds alternating with the bare loop; CPU per thread group. */
    Saturation saturation() throws Exception {
      ForecastModel model = server.forecasts().model();
      int threads = inferenceWorkers();
      Saturation result = new Saturation(threads, calcWorkers(), samples(), model.name());
      idle();
      // the bare loop's threads and predictors warm first, then one drain not counted: rounds start warm
      ModelBench.bareLoop(model, samples(), Duration.ofSeconds(1), threads);
      drain(DRAIN);
      for (int round = 0; round < DRAIN_ROUNDS; round++) {
        idle();
        Map<Long, ThreadCpu> cpuBefore = threadCpu();
        long processBefore = processCpu();
        long[] gcBefore = gc();
        double rate = drain(DRAIN);
        long[] gcAfter = gc();
        long processAfter = processCpu();
        Map<Long, ThreadCpu> cpuAfter = threadCpu();
        result.pipeline.add(rate);
        Map<String, Double> groups = groups(cpuBefore, cpuAfter, processAfter - processBefore);
        groups.put("GC time (collector-reported)", (gcAfter[0] - gcBefore[0]) / 1e3);
        result.gcCount.add((double) (gcAfter[1] - gcBefore[1]));
        result.cpu.add(groups);
        long bareStarted = System.nanoTime();
        long bareCpu = processCpu();
        result.bare.add(ModelBench.bareLoop(model, samples(), BARE, threads));
        result.bareCores.add((processCpu() - bareCpu) / (double) (System.nanoTime() - bareStarted));
        result.drainCores.add((processAfter - processBefore) / (DRAIN / rate * 1e9));
      }
      return result;
    }

    /** Offers {@code count} background tasks on an empty queue and times them to the last plot. */
    double drain(int count) throws Exception {
      idle();
      long doneBefore = finished(await(scheduler.statusNow()));
      long started = System.nanoTime();
      int offered = offer(count);
      if (offered != count) {
        throw new IllegalStateException("background queue took " + offered + " of " + count + " tasks");
      }
      while (finished(await(scheduler.statusNow())) - doneBefore < count) {
        Thread.sleep(5);
        if (System.nanoTime() - started > TimeUnit.SECONDS.toNanos(TIMEOUT_S)) {
          throw new IllegalStateException("drain of " + count + " tasks did not finish in " + TIMEOUT_S + " s");
        }
      }
      return count / ((System.nanoTime() - started) / 1e9);
    }

    /**
     * Offers up to {@code count} background tasks with the next indexes, starting again at the
     * first one when they run out; the queue takes what fits. Returns how many it took.
     */
    int offer(int count) throws Exception {
      int accepted = 0;
      while (accepted < count) {
        if (cursor == backgroundEnd) {
          // a new lap over the background indexes: the same work again (direct offers skip no cached plot)
          cursor = window() - 1;
        }
        int wanted = Math.min(backgroundEnd - cursor, count - accepted);
        int taken = await(scheduler.offerBackground(hash, cursor, cursor + wanted));
        cursor += taken;
        accepted += taken;
        if (taken < wanted) {
          break;
        }
      }
      return accepted;
    }

    /** Waits until nothing is queued, computing or waiting for a calc worker. */
    void idle() throws Exception {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
      while (true) {
        JsonObject status = await(scheduler.statusNow());
        boolean quiet = status.getInteger("calcQueue") == 0;
        for (String priority : List.of("user", "background")) {
          JsonObject p = status.getJsonObject(priority);
          quiet &= p.getInteger("depth") == 0 && p.getInteger("inFlight") == 0;
        }
        if (quiet) {
          return;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the pipeline did not go idle: " + status.encode());
        }
        Thread.sleep(10);
      }
    }

    /** One draw over HTTP; its status once the whole body has arrived. */
    private Future<Integer> draw(int index) {
      return client.request(new RequestOptions().setMethod(HttpMethod.GET).setPort(port)
              .setURI("/api/datasets/" + hash + "/plots/" + index).setIdleTimeout(TimeUnit.SECONDS.toMillis(TIMEOUT_S * 3)))
          .compose(request -> request.send()
              .compose(response -> response.body().map(body -> response.statusCode())));
    }

    private URI uri(String path) {
      return URI.create("http://127.0.0.1:" + port + path);
    }

    @Override
    public void close() throws Exception {
      await(server.stop());
    }
  }

  private static long finished(JsonObject status) {
    JsonObject background = status.getJsonObject("background");
    return background.getLong("done") + background.getLong("discarded") + background.getLong("failed");
  }

  private static int depth(JsonObject status) {
    return status.getJsonObject("background").getInteger("depth") + status.getJsonObject("user").getInteger("depth");
  }

  // ---- CPU per thread group -----------------------------------------------------------------------

  private record ThreadCpu(String name, long nanos) {
  }

  private static Map<Long, ThreadCpu> threadCpu() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Map<Long, ThreadCpu> cpu = new HashMap<>();
    for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info != null) {
        long nanos = threads.getThreadCpuTime(info.getThreadId());
        if (nanos >= 0) {
          cpu.put(info.getThreadId(), new ThreadCpu(info.getThreadName(), nanos));
        }
      }
    }
    return cpu;
  }

  /** Milliseconds spent in and number of collections, over every collector. */
  private static long[] gc() {
    long millis = 0;
    long count = 0;
    for (var collector : ManagementFactory.getGarbageCollectorMXBeans()) {
      millis += Math.max(0, collector.getCollectionTime());
      count += Math.max(0, collector.getCollectionCount());
    }
    return new long[] {millis, count};
  }

  private static long processCpu() {
    return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** CPU seconds per group over the interval; "not in Java threads" is GC, JIT and native pools. */
  private static Map<String, Double> groups(Map<Long, ThreadCpu> before, Map<Long, ThreadCpu> after, long process) {
    Map<String, Double> groups = new LinkedHashMap<>();
    for (String group : List.of("inference workers", "calc workers", "event loops", "other Java threads")) {
      groups.put(group, 0.0);
    }
    long threadTotal = 0;
    for (Map.Entry<Long, ThreadCpu> entry : after.entrySet()) {
      ThreadCpu then = before.get(entry.getKey());
      long used = entry.getValue().nanos() - (then == null ? 0 : then.nanos());
      threadTotal += used;
      String name = entry.getValue().name();
      String group = name.startsWith("atrium-inference") ? "inference workers"
          : name.startsWith("atrium-calc") ? "calc workers"
          : name.startsWith("vert.x-eventloop") ? "event loops" : "other Java threads";
      groups.merge(group, used / 1e9, Double::sum);
    }
    groups.put(OUTSIDE, Math.max(0, process - threadTotal) / 1e9);
    groups.put("process total", process / 1e9);
    return groups;
  }

  // ---- figures ------------------------------------------------------------------------------------

  /** The four latency runs of the priority node. */
  private static final class Runs {
    Run unloaded;
    Run loaded;
    Run unloadedClosed;
    Run loadedClosed;
  }

  /** One run of 100 draws. */
  private record Run(long[] latencies, int[] statuses, int depthBefore, int depthAfter, double seconds,
      int topUpFailures, String scheduling) {

    double p99() {
      return percentileMs(99);
    }

    double percentileMs(double p) {
      long[] sorted = latencies.clone();
      Arrays.sort(sorted);
      int index = (int) Math.min(sorted.length - 1, Math.max(0, Math.ceil(p / 100.0 * sorted.length) - 1));
      return sorted[index] / 1e6;
    }

    String line(String label) {
      long ok = Arrays.stream(statuses).filter(s -> s == 200).count();
      String problems = ok == statuses.length ? "" : "  NOT 200: " + (statuses.length - ok) + " "
          + Arrays.toString(Arrays.stream(statuses).filter(s -> s != 200).distinct().toArray());
      return String.format("%s p50 %8.2f ms  p99 %8.2f ms  max %8.2f ms   queue depth %,6d -> %,6d   %5.1f s%s%s",
          label, percentileMs(50), p99(), percentileMs(100), depthBefore, depthAfter, seconds,
          topUpFailures == 0 ? "" : "  (" + topUpFailures + " top-ups failed)", problems);
    }
  }

  /** Pipeline drains against the bare loop, round by round. */
  private static final class Saturation {
    final int inference;
    final int calc;
    final int samples;
    final String model;
    final List<Double> pipeline = new ArrayList<>();
    final List<Double> bare = new ArrayList<>();
    final List<Map<String, Double>> cpu = new ArrayList<>();
    final List<Double> gcCount = new ArrayList<>();
    final List<Double> drainCores = new ArrayList<>();
    final List<Double> bareCores = new ArrayList<>();

    Saturation(int inference, int calc, int samples, String model) {
      this.inference = inference;
      this.calc = calc;
      this.samples = samples;
      this.model = model;
    }

    String report() {
      StringBuilder text = new StringBuilder();
      text.append(String.format("-- saturation: drain %,d background tasks (offer -> last plot) vs bare loop"
              + " (%d thread%s, a predictor each, k=%d, %d s), %d alternating rounds; %d inference + %d calc workers --%n",
          DRAIN, inference, inference == 1 ? "" : "s", samples, BARE.toSeconds(), DRAIN_ROUNDS, inference, calc));
      for (int i = 0; i < pipeline.size(); i++) {
        text.append(String.format("round %d: pipeline %,6.0f forecasts/s (%.2f cores busy, %.2f s outside Java threads)"
                + "   bare loop %,6.0f forecasts/s (%.2f cores)   %5.1f %%%n", i + 1, pipeline.get(i), drainCores.get(i),
            cpu.get(i).get(OUTSIDE), bare.get(i), bareCores.get(i), 100 * pipeline.get(i) / bare.get(i)));
      }
      List<Double> ratios = new ArrayList<>();
      for (int i = 0; i < pipeline.size(); i++) {
        ratios.add(100 * pipeline.get(i) / bare.get(i));
      }
      double ratio = median(ratios);
      text.append(String.format("medians: pipeline %,.0f forecasts/s, bare loop %,.0f forecasts/s; pipeline / bare loop"
              + " (median of the paired rounds) = %.1f %% (target >= %.0f %%): %s%n", median(pipeline), median(bare),
          ratio, SATURATION_TARGET, ratio >= SATURATION_TARGET ? "met" : "MISSED"));
      text.append(String.format("CPU seconds per drain of %,d (median over rounds; µs per forecast):%n", DRAIN));
      for (String group : cpu.get(0).keySet()) {
        List<Double> values = cpu.stream().map(m -> m.get(group)).toList();
        double median = median(values);
        text.append(String.format("  %-38s %6.2f s  %6.1f µs%n", group, median, median / DRAIN * 1e6));
      }
      text.append(String.format("  (%s collections per drain, median; GC time is what the collectors report, wall time)%n",
          (long) median(gcCount)));
      return text.toString().stripTrailing();
    }

    private static double median(List<Double> values) {
      double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      int n = sorted.length;
      return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(TIMEOUT_S, TimeUnit.SECONDS);
  }
}
