package dev.atrium.bench;

import dev.atrium.boot.AtriumServer;
import dev.atrium.config.SettingsLoader;
import dev.atrium.frames.DType;
import dev.atrium.frames.Field;
import dev.atrium.frames.Frame;
import dev.atrium.frames.FrameMsgpack;
import dev.atrium.testing.FreePorts;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.FileSystemAccess;
import io.vertx.ext.web.handler.StaticHandler;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * Step 3 figures: serving one frame of 10^5 atoms (positions float32 [N,3] + species str [N]) at 16
 * concurrent keep-alive connections over loopback — frames/s, MB/s, p50/p99 latency — as msgpack
 * ({@code GET /api/rooms/{r}/frames/0}) and as {@code .npy} ({@code GET .../fields/positions}),
 * next to the very same bytes served from files on disk by Vert.x's {@link StaticHandler} in the same
 * JVM (the baseline: targets msgpack ≥ 70 % and .npy ≥ 90 % of it). Each Atrium figure is measured
 * in slices alternating with its file baseline, so a change in background load hits both alike.
 * Breakdown rows (a route without the /api handlers, and a metadata-only frame read: auth and the
 * records lookups without bytes) show where a request's time goes.
 *
 * <p>Node, static server and client each have their own Vert.x instance (own event loops); the
 * node and the static server run the same number of server verticle instances. The client is a
 * Vert.x {@code HttpClient} with a pool of 16 HTTP/1.1 connections (no pipelining); 16 loops each
 * keep one request outstanding (request → whole body read → next) from their own context.
 */
final class FrameBench {

  private static final int ATOMS = 100_000;
  private static final int CONNECTIONS = 16;
  private static final Duration WARMUP = Duration.ofSeconds(5);
  private static final Duration MEASURE = Duration.ofSeconds(10);
  private static final Duration BREAKDOWN_WARMUP = Duration.ofSeconds(2);
  private static final Duration BREAKDOWN_MEASURE = Duration.ofSeconds(5);
  /** Slices each measurement is cut into, alternating between the targets compared. */
  private static final int ROUNDS = 5;
  private static final long TIMEOUT_S = 60;
  private static final double MSGPACK_TARGET = 70;
  private static final double NPY_TARGET = 90;

  private final PrintStream out;
  private final Path work;

  FrameBench(PrintStream out, Path work) {
    this.out = out;
    this.work = work;
  }

  void run() throws Exception {
    out.println("== Step 3: frame reads vs static files ==");
    // The access log (logger atrium.access) is outside dev.atrium, so ATRIUM_LOG_LEVEL=WARN does not
    // reach it: one synchronous console line per request would be measured against a silent baseline.
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("atrium.access"))
        .setLevel(ch.qos.logback.classic.Level.WARN);
    int instances = Runtime.getRuntime().availableProcessors();
    int nodePort = FreePorts.next();
    AtriumServer node = startNode(nodePort, instances);
    Vertx staticVertx = Vertx.vertx();
    Vertx clientVertx = Vertx.vertx();
    try {
      HttpClientAgent client = clientVertx.httpClientBuilder()
          .with(new HttpClientOptions().setKeepAlive(true).setPipelining(false).setTcpNoDelay(true)
              .setDefaultHost("127.0.0.1"))
          .with(new PoolOptions().setHttp1MaxSize(CONNECTIONS))
          .build();

      String room = await(post(client, nodePort, "/api/rooms", "application/json",
          new JsonObject().put("title", "frame bench").put("visibility", "private").toBuffer()))
          .toJsonObject().getString("id");
      Frame frame = frame();
      await(post(client, nodePort, "/api/rooms/" + room + "/frames", "application/msgpack",
          FrameMsgpack.encode(frame)));
      String msgpackPath = "/api/rooms/" + room + "/frames/0";
      String npyPath = "/api/rooms/" + room + "/frames/0/fields/positions";
      Buffer msgpack = await(get(client, nodePort, msgpackPath, "application/msgpack"));
      Buffer npy = await(get(client, nodePort, npyPath, "application/x-npy"));

      Path root = Files.createDirectories(work.resolve("static"));
      Files.write(root.resolve("frame.msgpack"), msgpack.getBytes());
      Files.write(root.resolve("positions.npy"), npy.getBytes());
      int staticPort = FreePorts.next();
      boolean caching = true;
      await(staticVertx.deployVerticle(() -> new StaticServer(root, staticPort, caching),
          new DeploymentOptions().setInstances(instances)));
      Buffer staticMsgpack = await(get(client, staticPort, "/frame.msgpack", "*/*"));
      Buffer staticNpy = await(get(client, staticPort, "/positions.npy", "*/*"));
      if (!staticMsgpack.equals(msgpack) || !staticNpy.equals(npy)) {
        throw new IllegalStateException("the static server does not serve the node's bytes");
      }

      out.printf("frame: %,d atoms (positions float32 [%d,3] + species str [%d]); msgpack response %,d bytes,"
              + " .npy response %,d bytes%n", ATOMS, ATOMS, ATOMS, msgpack.length(), npy.length());
      out.printf("%d concurrent keep-alive connections over loopback, no pipelining; warm-up %d s, measure %d s"
              + " (in %d alternating slices with the file it is compared to);"
              + " %d CPU cores; node and static server %d server verticle instances each; static handler: files"
              + " read-only, caching %s (file properties cached, sendfile)%n",
          CONNECTIONS, WARMUP.toSeconds(), MEASURE.toSeconds(), ROUNDS, instances, instances,
          caching ? "enabled" : "disabled");

      Load load = new Load(clientVertx, client);
      Target atriumMsgpackTarget = new Target("atrium msgpack  GET /frames/0", nodePort, msgpackPath,
          "application/msgpack", msgpack.length());
      Target fileMsgpackTarget = new Target("static file     (the msgpack bytes)", staticPort, "/frame.msgpack", "*/*",
          msgpack.length());
      Target atriumNpyTarget = new Target("atrium .npy     GET /frames/0/fields/positions", nodePort, npyPath,
          "application/x-npy", npy.length());
      Target fileNpyTarget = new Target("static file     (the .npy bytes)", staticPort, "/positions.npy", "*/*",
          npy.length());
      List<Result> pair = load.interleaved(List.of(atriumMsgpackTarget, fileMsgpackTarget), WARMUP, MEASURE);
      Result atriumMsgpack = pair.get(0);
      Result fileMsgpack = pair.get(1);
      pair.forEach(result -> out.println(result.line()));
      pair = load.interleaved(List.of(atriumNpyTarget, fileNpyTarget), WARMUP, MEASURE);
      Result atriumNpy = pair.get(0);
      Result fileNpy = pair.get(1);
      pair.forEach(result -> out.println(result.line()));

      out.println("-- breakdown (same load; where a frame read's time goes) --");
      Buffer health = await(get(client, nodePort, "/health", "*/*"));
      String metadataPath = msgpackPath + "?fields=";
      Buffer metadata = await(get(client, nodePort, metadataPath, "application/msgpack"));
      load.interleaved(List.of(
              new Target("atrium GET /health (router only, no /api handlers)", nodePort, "/health", "*/*",
                  health.length()),
              new Target("atrium GET /frames/0?fields= (auth + lookup, no bytes)", nodePort, metadataPath,
                  "application/msgpack", metadata.length())),
          BREAKDOWN_WARMUP, BREAKDOWN_MEASURE).forEach(result -> out.println(result.line()));

      out.println("-- ratios (frames/s, same bytes) --");
      out.printf("msgpack / static file: %5.1f %%   (target >= %.0f %%: %s)%n", ratio(atriumMsgpack, fileMsgpack),
          MSGPACK_TARGET, ratio(atriumMsgpack, fileMsgpack) >= MSGPACK_TARGET ? "met" : "MISSED");
      out.printf(".npy    / static file: %5.1f %%   (target >= %.0f %%: %s)%n", ratio(atriumNpy, fileNpy),
          NPY_TARGET, ratio(atriumNpy, fileNpy) >= NPY_TARGET ? "met" : "MISSED");
      await(client.close());
    } finally {
      await(clientVertx.close());
      await(staticVertx.close());
      await(node.stop());
    }
  }

  /** A local-mode node on {@code port} (the implicit local user owns every room: no sign-in needed). */
  private AtriumServer startNode(int port, int instances) throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("HOME", work.toString());
    env.put("XDG_CONFIG_HOME", work.resolve(".config").toString());
    env.put("ATRIUM_MODE", "local");
    env.put("ATRIUM_PORT", String.valueOf(port));
    env.put("ATRIUM_HTTP_INSTANCES", String.valueOf(instances));
    env.put("ATRIUM_DATA_DIR", Files.createTempDirectory(work, "frames").toString());
    var settings = new SettingsLoader(env, work).load(null, Map.of()).settings();
    return AtriumServer.start(settings).toCompletionStage().toCompletableFuture().get(TIMEOUT_S, TimeUnit.SECONDS);
  }

  private static double ratio(Result atrium, Result file) {
    return 100.0 * atrium.perSecond() / file.perSecond();
  }

  /** 10^5 atoms: random float32 positions in a 100 Å box and species from a short list. */
  private static Frame frame() {
    Random random = new Random(42);
    ByteBuffer positions = ByteBuffer.allocate(ATOMS * 3 * 4).order(DType.ORDER);
    for (int i = 0; i < ATOMS * 3; i++) {
      positions.putFloat(random.nextFloat() * 100f);
    }
    String[] names = {"H", "C", "N", "O", "Fe", "Cu"};
    List<String> species = new ArrayList<>(ATOMS);
    for (int i = 0; i < ATOMS; i++) {
      species.add(names[random.nextInt(names.length)]);
    }
    TreeMap<String, Field> fields = new TreeMap<>();
    fields.put("positions", Field.of(DType.FLOAT32, new int[] {ATOMS, 3}, positions.array(), "positions"));
    fields.put("species", Field.ofStrings(species, new int[] {ATOMS}, "species"));
    return Frame.of(fields, "bench frame");
  }

  private static Future<Buffer> post(HttpClientAgent client, int port, String path, String type, Buffer body) {
    return client.request(new RequestOptions().setMethod(HttpMethod.POST).setPort(port).setURI(path)
            .putHeader("Content-Type", type))
        .compose(request -> request.send(body)
            .compose(response -> response.body().compose(bytes -> response.statusCode() / 100 == 2
                ? Future.succeededFuture(bytes)
                : Future.failedFuture("POST " + path + " answered " + response.statusCode() + ": " + bytes))));
  }

  private static Future<Buffer> get(HttpClientAgent client, int port, String path, String accept) {
    return client.request(new RequestOptions().setMethod(HttpMethod.GET).setPort(port).setURI(path)
            .putHeader("Accept", accept))
        // body asked for in the sending callback: a later step could miss a response that had ended
        .compose(request -> request.send()
            .compose(response -> response.body().compose(bytes -> response.statusCode() == 200
                ? Future.succeededFuture(bytes)
                : Future.failedFuture("GET " + path + " answered " + response.statusCode() + ": " + bytes))));
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(TIMEOUT_S, TimeUnit.SECONDS);
  }

  /** A plain Vert.x web server: a router with only a static handler over {@code root}. */
  private static final class StaticServer extends VerticleBase {
    private final Path root;
    private final int port;
    private final boolean caching;

    StaticServer(Path root, int port, boolean caching) {
      this.root = root;
      this.port = port;
      this.caching = caching;
    }

    @Override
    public Future<?> start() {
      Router router = Router.router(vertx);
      router.route().handler(StaticHandler.create(FileSystemAccess.ROOT, root.toAbsolutePath().toString())
          .setFilesReadOnly(true).setCachingEnabled(caching));
      HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port)
          .setTcpNoDelay(true));
      return server.requestHandler(router).listen();
    }
  }

  /** One URL to load: what it is called, where it is, and how many bytes each response must have. */
  private record Target(String label, int port, String path, String accept, int bytes) {
  }

  /** Runs {@link #CONNECTIONS} request loops against one URL, each from its own verticle (context). */
  private static final class Load {
    private final Vertx vertx;
    private final HttpClientAgent client;

    Load(Vertx vertx, HttpClientAgent client) {
      this.vertx = vertx;
      this.client = client;
    }

    /**
     * Warms every target up for {@code warmup}, then measures them for {@code measure} each, in
     * {@link #ROUNDS} alternating slices, so that a change in background load during the run affects
     * all of them alike rather than one.
     */
    List<Result> interleaved(List<Target> targets, Duration warmup, Duration measure) throws Exception {
      for (Target target : targets) {
        run(target, warmup, new Latencies());
      }
      List<Latencies> latencies = new ArrayList<>();
      double[] seconds = new double[targets.size()];
      int[] failures = new int[targets.size()];
      targets.forEach(target -> latencies.add(new Latencies()));
      Duration slice = measure.dividedBy(ROUNDS);
      for (int round = 0; round < ROUNDS; round++) {
        for (int t = 0; t < targets.size(); t++) {
          long start = System.nanoTime();
          failures[t] += run(targets.get(t), slice, latencies.get(t));
          seconds[t] += (System.nanoTime() - start) / 1e9;
        }
      }
      List<Result> results = new ArrayList<>();
      for (int t = 0; t < targets.size(); t++) {
        Target target = targets.get(t);
        results.add(new Result(target.label(), latencies.get(t), failures[t], seconds[t], target.bytes()));
      }
      return results;
    }

    /** Loads one target for {@code duration}, adding every latency to {@code into}; returns the failures. */
    private int run(Target target, Duration duration, Latencies into) throws Exception {
      ConcurrentLinkedQueue<Loop> loops = new ConcurrentLinkedQueue<>();
      long deadline = System.nanoTime() + duration.toNanos();
      String deployment = await(vertx.deployVerticle(() -> {
        Loop loop = new Loop(client, target, deadline);
        loops.add(loop);
        return loop;
      }, new DeploymentOptions().setInstances(CONNECTIONS)));
      List<Future<Void>> done = new ArrayList<>();
      loops.forEach(loop -> done.add(loop.done.future()));
      await(Future.all(done));
      await(vertx.undeploy(deployment));
      int failures = 0;
      for (Loop loop : loops) {
        for (int i = 0; i < loop.count; i++) {
          into.record(loop.samples[i]);
        }
        failures += loop.failures;
      }
      return failures;
    }
  }

  /** One connection's worth of load: one request outstanding at a time until the deadline. */
  private static final class Loop extends VerticleBase {
    private final HttpClientAgent client;
    private final RequestOptions options;
    private final int expectedBytes;
    private final long deadline;
    private final Promise<Void> done = Promise.promise();
    private long[] samples = new long[1 << 14];
    private int count;
    private int failures;

    Loop(HttpClientAgent client, Target target, long deadline) {
      this.client = client;
      this.options = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(target.port())
          .setURI(target.path()).putHeader("Accept", target.accept());
      this.expectedBytes = target.bytes();
      this.deadline = deadline;
    }

    @Override
    public Future<?> start() {
      next();
      return Future.succeededFuture();
    }

    private void next() {
      long sent = System.nanoTime();
      if (sent >= deadline) {
        done.tryComplete();
        return;
      }
      client.request(options)
          .compose(request -> request.send())
          .compose(response -> {
            long[] received = {0};
            response.handler(chunk -> received[0] += chunk.length());
            return response.end().map(v -> response.statusCode() == 200 && received[0] == expectedBytes);
          })
          .onComplete(result -> {
            if (result.succeeded() && result.result()) {
              if (count == samples.length) {
                samples = java.util.Arrays.copyOf(samples, count * 2);
              }
              samples[count++] = System.nanoTime() - sent;
            } else {
              failures++;
            }
            next();
          });
    }
  }

  private record Result(String label, Latencies latencies, int failures, double seconds, int bytes) {
    double perSecond() {
      return latencies.count() / seconds;
    }

    String line() {
      return String.format("%-56s %8.0f frames/s %9.1f MB/s   p50 %7.2f ms  p99 %7.2f ms   %,10d bytes/response,"
              + " failures %d", label, perSecond(), perSecond() * bytes / 1e6, latencies.percentileMicros(50) / 1000,
          latencies.percentileMicros(99) / 1000, bytes, failures);
    }
  }
}
