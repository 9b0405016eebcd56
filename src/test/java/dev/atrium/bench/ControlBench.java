package dev.atrium.bench;

import dev.atrium.boot.AtriumServer;
import dev.atrium.bus.Addresses;
import dev.atrium.config.SettingsLoader;
import dev.atrium.control.SockJsTestClient;
import dev.atrium.testing.FreePorts;
import dev.atrium.testing.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
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
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Step 4 figures (printed, never asserted): one local-mode node in this JVM whose coordination store
 * is a real Redis ({@code REDIS_URL} from {@link TestRedis#shared()}).
 * <ol>
 *   <li>(a) One presenter stepping at 60 steps/s for 10 s to 200 WebSocket clients in one room: delivery
 *       latency (presenter's send → a client reads the {@code step} event) p50/p99/max and delivered
 *       steps/s over all clients. Target from the issue: p99 &lt; 10 ms.</li>
 *   <li>(b) With {@code ATRIUM_STEP_RATE=2000} (so the coalescer is not the limit), the same room
 *       at 60…960 steps/s for 5 s each: p99 per rate and the highest rate with p99 &lt; 50 ms.</li>
 *   <li>(c) Lock acquire + release round trips through the bridge (Redis {@code SET NX PX} and the
 *       compare-and-set release), 1 and 4 clients looping on their own frames, in a room nobody else
 *       listens to.</li>
 * </ol>
 * The presenter is a {@link SockJsTestClient}; the 200 listeners are minimal SockJS WebSocket clients
 * (all on one client Vert.x) that timestamp each {@code step} event as it is read, without keeping it.
 * Each step's send time is kept in the bench by frame number (frames are never reused).
 */
final class ControlBench {

  private static final int CLIENTS = 200;
  private static final long TIMEOUT_S = 60;
  private static final double TARGET_P99_MS = 10;
  private static final double SWEEP_P99_MS = 50;
  private static final int[] SWEEP_RATES = {60, 120, 240, 480, 960};
  private static final Duration RENEW_EVERY = Duration.ofSeconds(2);
  private static final Duration DRAIN = Duration.ofSeconds(1);

  private final PrintStream out;
  private final Path work;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  /** Send time (System.nanoTime) per frame; frames only grow across the whole bench. */
  private final Map<Integer, Long> sentAt = new ConcurrentHashMap<>();
  private final AtomicInteger nextFrame = new AtomicInteger(1);
  private volatile int measureFrom = Integer.MAX_VALUE;
  private volatile int measureTo = Integer.MIN_VALUE;
  private volatile Samples deliveries = new Samples();
  private volatile String firstRefusal;
  /** Listeners the server closed after they had joined, and the last close frame seen. */
  private final AtomicInteger closedListeners = new AtomicInteger();
  private volatile String lastClose;

  ControlBench(PrintStream out, Path work) {
    this.out = out;
    this.work = work;
  }

  void run() throws Exception {
    try {
      measure();
    } catch (Exception e) {
      // Bench exits only after the suites return: a failure must not leave the JVM running
      out.println("control bench failed: " + e);
      e.printStackTrace(out);
    }
  }

  private void measure() throws Exception {
    out.println("== Step 4: control channel (presenter steps, locks) ==");
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("atrium.access"))
        .setLevel(ch.qos.logback.classic.Level.WARN);
    TestRedis redis = TestRedis.shared();
    redis.start();
    redis.flushAll();
    out.printf("%d CPU cores; node in this JVM (local mode, coordination in Redis %s, %d HTTP instances);"
            + " %d listener sockets over SockJS WebSocket on one client Vert.x%n",
        Runtime.getRuntime().availableProcessors(), redis.url(), Runtime.getRuntime().availableProcessors(), CLIENTS);
    Vertx clientVertx = Vertx.vertx();
    try {
      // (a) + (c): the default step rate (60/s)
      try (Fixture fixture = new Fixture(clientVertx, redis.url(), null)) {
        out.printf("-- (a) one presenter at 60 steps/s, %d listeners, 10 s (ATRIUM_STEP_RATE default) --%n", CLIENTS);
        fixture.step(60, Duration.ofSeconds(2), false);
        Phase a = fixture.step(60, Duration.ofSeconds(10), true);
        out.println(a.line() + closures());
        out.printf("target p99 < %.0f ms at 60 steps/s x %d clients: %s%n", TARGET_P99_MS, CLIENTS,
            a.p99Ms() < TARGET_P99_MS ? "met" : "MISSED");

        out.println("-- (c) lock acquire + release round trips (Redis), a room without listeners, 10 s --");
        String lockRoom = createRoom(fixture.port, "lock bench");
        for (int clients : new int[] {1, 4}) {
          out.println(lockRoundTrips(fixture.port, lockRoom, clients, Duration.ofSeconds(10)));
        }
      }
      // (b): the coalescer out of the way
      try (Fixture fixture = new Fixture(clientVertx, redis.url(), 2000)) {
        out.printf("-- (b) step-rate sweep, ATRIUM_STEP_RATE=2000, %d listeners, 5 s per rate (p99 < %.0f ms) --%n",
            CLIENTS, SWEEP_P99_MS);
        fixture.step(120, Duration.ofSeconds(2), false);
        int best = 0;
        for (int rate : SWEEP_RATES) {
          Phase phase = fixture.step(rate, Duration.ofSeconds(5), true);
          boolean pass = phase.p99Ms() < SWEEP_P99_MS;
          out.println(phase.line() + (pass ? "  ok" : "  over") + closures());
          if (pass && rate > best) {
            best = rate;
          }
        }
        out.println(best == 0 ? "no rate tried kept p99 under " + SWEEP_P99_MS + " ms"
            : "highest step rate with p99 < " + (int) SWEEP_P99_MS + " ms: " + best + " steps/s");
      }
    } finally {
      clientVertx.close().toCompletionStage().toCompletableFuture().get(TIMEOUT_S, TimeUnit.SECONDS);
    }
  }

  private String closures() {
    return closedListeners.get() == 0 ? ""
        : "; " + closedListeners.get() + " listeners closed by the server so far, last: " + lastClose;
  }

  // ---- (c) locks ------------------------------------------------------------------------------

  private String lockRoundTrips(int port, String room, int clients, Duration measure) throws Exception {
    List<SockJsTestClient> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < clients; i++) {
        SockJsTestClient client = SockJsTestClient.websocket(port).origin("http://127.0.0.1:" + port)
            .pingEvery(Duration.ofSeconds(2)).connect();
        sockets.add(client);
        client.request(Addresses.CONTROL_JOIN, new JsonObject().put("room", room));
      }
      Samples samples = new Samples();
      AtomicLong failures = new AtomicLong();
      long warmEnd = System.nanoTime() + Duration.ofSeconds(2).toNanos();
      long end = warmEnd + measure.toNanos();
      List<Thread> threads = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        SockJsTestClient client = sockets.get(i);
        JsonObject lock = new JsonObject().put("room", room).put("frame", "lock-" + i);
        Thread thread = new Thread(() -> {
          while (true) {
            long start = System.nanoTime();
            if (start - end >= 0) {
              return;
            }
            try {
              client.request(Addresses.LOCKS_ACQUIRE, lock);
              client.request(Addresses.LOCKS_RELEASE, lock);
              if (start - warmEnd >= 0) {
                samples.record(System.nanoTime() - start);
              }
            } catch (RuntimeException e) {
              failures.incrementAndGet();
            }
          }
        }, "lock-bench-" + i);
        threads.add(thread);
        thread.start();
      }
      for (Thread thread : threads) {
        thread.join();
      }
      return String.format("%d client%s: %,.0f acquire+release round trips/s; round trip p50 %.2f ms, p99 %.2f ms,"
              + " max %.2f ms (%d samples, %d failed)", clients, clients == 1 ? " " : "s",
          samples.count() / (measure.toNanos() / 1e9), samples.percentileMs(50), samples.percentileMs(99),
          samples.percentileMs(100), samples.count(), failures.get());
    } finally {
      sockets.forEach(SockJsTestClient::close);
    }
  }

  // ---- fixture: node + listeners + presenter --------------------------------------------------

  private final class Fixture implements AutoCloseable {
    final int port;
    final AtriumServer node;
    final String room;
    final List<Listener> listeners = new ArrayList<>();
    final SockJsTestClient presenter;
    final WebSocketClient wsClient;
    final long pingTimer;
    final Vertx clientVertx;

    Fixture(Vertx clientVertx, String redisUrl, Integer stepRate) throws Exception {
      this.clientVertx = clientVertx;
      port = FreePorts.next();
      node = startNode(port, redisUrl, stepRate);
      room = createRoom(port, "control bench");
      // the client allows 50 connections per server by default; the rest would queue
      wsClient = clientVertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(CLIENTS + 8).setMaxFrameSize(1 << 20)
          .setMaxMessageSize(1 << 20));
      // every open socket pings from the start: joining 200 may take longer than the heartbeat timeout
      List<Listener> connecting = new CopyOnWriteArrayList<>();
      String ping = new JsonArray().add(new JsonObject().put("type", "ping").encode()).encode();
      pingTimer = clientVertx.setPeriodic(2000, id -> connecting.forEach(l -> {
        if (l.ws != null && !l.closed) {
          l.ws.writeTextMessage(ping);
        }
      }));
      for (int i = 0; i < CLIENTS; i++) {
        connecting.add(new Listener(wsClient, port, room));
      }
      int retries = 0;
      int failedListeners = 0;
      long joinStart = System.nanoTime();
      for (Listener listener : connecting) {
        for (int attempt = 1; ; attempt++) {
          try {
            listener.ready.get(TIMEOUT_S, TimeUnit.SECONDS);
            listeners.add(listener);
            break;
          } catch (java.util.concurrent.ExecutionException e) {
            // the server closed the socket while it joined (seen: c[3000,"Go away!"]); try again
            retries++;
            if (attempt == 3) {
              failedListeners++;
              break;
            }
            listener = new Listener(wsClient, port, room);
            connecting.add(listener);
          }
        }
      }
      out.printf("(%d listeners connected and joined in %.1f s)%n", listeners.size(),
          (System.nanoTime() - joinStart) / 1e9);
      if (failedListeners > 0) {
        out.printf("!! %d of %d listeners could not join (closed by the server 3 times); measuring with %d%n",
            failedListeners, CLIENTS, listeners.size());
      }
      if (retries > 0) {
        out.printf("(%d listener connections were closed by the server while joining and were retried: %s)%n",
            retries, firstRefusal);
      }
      presenter = SockJsTestClient.websocket(port).origin("http://127.0.0.1:" + port).vertx(clientVertx)
          .pingEvery(Duration.ofSeconds(2)).connect();
      presenter.request(Addresses.CONTROL_JOIN, new JsonObject().put("room", room));
      JsonObject granted = presenter.request(Addresses.PRESENTER_REQUEST, new JsonObject().put("room", room));
      if (!granted.getBoolean("granted", false)) {
        throw new IllegalStateException("presenter token not granted: " + granted.encode());
      }
    }

    /** Steps at {@code rate}/s for {@code duration}; measured or warm-up. */
    Phase step(int rate, Duration duration, boolean measured) throws Exception {
      int total = (int) Math.round(rate * duration.toNanos() / 1e9);
      int first = nextFrame.getAndAdd(total);
      Samples samples = new Samples();
      deliveries = samples;
      measureFrom = measured ? first : Integer.MAX_VALUE;
      measureTo = measured ? first + total - 1 : Integer.MIN_VALUE;
      AtomicLong refused = new AtomicLong();
      long period = 1_000_000_000L / rate;
      long start = System.nanoTime();
      // renew at once: the token was granted (or last renewed) an unknown while ago
      long lastRenew = start - RENEW_EVERY.toNanos() - 1;
      JsonObject renew = new JsonObject().put("room", room);
      for (int i = 0; i < total; i++) {
        long due = start + i * period;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
        int frame = first + i;
        sentAt.put(frame, System.nanoTime());
        presenter.requestAsync(Addresses.PRESENTER_STEP, new JsonObject().put("room", room).put("frame", frame), null,
            UUID.randomUUID().toString()).whenComplete((reply, failure) -> {
              if (failure != null && refused.incrementAndGet() == 1) {
                out.println("(first refused step: " + failure + ")");
              }
            });
        if (System.nanoTime() - lastRenew > RENEW_EVERY.toNanos()) {
          lastRenew = System.nanoTime();
          presenter.requestAsync(Addresses.PRESENTER_RENEW, renew, null, UUID.randomUUID().toString());
        }
      }
      long sendNanos = System.nanoTime() - start;
      Thread.sleep(DRAIN.toMillis());
      measureFrom = Integer.MAX_VALUE;
      measureTo = Integer.MIN_VALUE;
      for (int i = 0; i < total; i++) {
        sentAt.remove(first + i);
      }
      return new Phase(rate, total, sendNanos, duration, samples, refused.get());
    }

    @Override
    public void close() throws Exception {
      clientVertx.cancelTimer(pingTimer);
      presenter.close();
      for (Listener listener : listeners) {
        listener.ws.close();
      }
      wsClient.close().toCompletionStage().toCompletableFuture().get(TIMEOUT_S, TimeUnit.SECONDS);
      node.stop().toCompletionStage().toCompletableFuture().get(TIMEOUT_S, TimeUnit.SECONDS);
    }
  }

  /** Sent and delivered in one measured phase. */
  private record Phase(int rate, int sent, long sendNanos, Duration duration, Samples samples, long refused) {
    double p99Ms() {
      return samples.percentileMs(99);
    }

    String line() {
      double seconds = duration.toNanos() / 1e9;
      return String.format("%4d steps/s asked: sent %,6.1f/s, delivered %,9.0f steps/s over %d clients"
              + " (%,6.1f/s per client); latency p50 %6.2f ms, p99 %6.2f ms, max %7.2f ms (%,d deliveries%s)",
          rate, sent / (sendNanos / 1e9), samples.count() / seconds, CLIENTS, samples.count() / seconds / CLIENTS,
          samples.percentileMs(50), p99Ms(), samples.percentileMs(100), samples.count(),
          refused == 0 ? "" : ", " + refused + " steps refused");
    }
  }

  /**
   * A minimal SockJS WebSocket listener: joins the room, registers for its events and timestamps each
   * {@code step} as it is read (nothing is kept). Steps are found without parsing each event body:
   * the server encodes it compactly ({@code "type":"step"}, {@code "frame":N}).
   */
  private final class Listener {
    final CompletableFuture<Void> ready = new CompletableFuture<>();
    /** The second join's reply address: its reply says the registration before it was handled. */
    final String barrier = UUID.randomUUID().toString();
    final String joinReply = UUID.randomUUID().toString();
    final Promise<Void> joined = Promise.promise();
    volatile boolean closed;
    volatile WebSocket ws;

    Listener(WebSocketClient client, int port, String room) {
      String uri = "/eventbus/" + String.format("%03d", (int) (Math.random() * 1000)) + "/"
          + UUID.randomUUID().toString().replace("-", "") + "/websocket";
      Promise<Void> opened = Promise.promise();
      // the handler before the connection: a frame read before a connect callback runs is lost
      ClientWebSocket socket = client.webSocket();
      socket.handler(buffer -> onFrame(buffer.toString(), opened));
      ws = socket;
      socket.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri)
              .setAllowOriginHeader(true).addHeader("Origin", "http://127.0.0.1:" + port))
          .compose(connected -> opened.future())
          .compose(v -> {
            JsonObject join = new JsonObject().put("type", "send").put("address", Addresses.CONTROL_JOIN)
                .put("body", new JsonObject().put("room", room));
            // join, and only once it is answered register (a register before the join is refused)
            return send(join.copy().put("replyAddress", joinReply))
                .compose(x -> joined.future())
                .compose(x -> send(new JsonObject().put("type", "register").put("address", Addresses.room(room))
                    .put("headers", new JsonObject())))
                // a second join as a barrier: its reply comes after the registration was handled
                .compose(x -> send(join.copy().put("replyAddress", barrier)));
          })
          .onFailure(ready::completeExceptionally);
    }

    private Future<Void> send(JsonObject envelope) {
      return ws.writeTextMessage(new JsonArray().add(envelope.encode()).encode());
    }

    private void onFrame(String frame, Promise<Void> opened) {
      if (frame.isEmpty()) {
        return;
      }
      char kind = frame.charAt(0);
      if (kind == 'o') {
        opened.tryComplete();
        return;
      }
      if (kind == 'c') {
        if (ready.isDone() && !closed) {
          closed = true;
          closedListeners.incrementAndGet();
          lastClose = frame;
        }
        if (firstRefusal == null) {
          firstRefusal = frame;
        }
        opened.tryFail("closed: " + frame);
        ready.completeExceptionally(new IllegalStateException("closed: " + frame));
        return;
      }
      if (kind != 'a') {
        return;
      }
      long now = System.nanoTime();
      for (Object item : new JsonArray(frame.substring(1))) {
        String message = (String) item;
        if (!ready.isDone() && message.contains("\"type\":\"err\"")) {
          // a refused join or register: this listener would measure nothing
          joined.tryFail("refused: " + message);
          ready.completeExceptionally(new IllegalStateException("refused: " + message));
          continue;
        }
        if (!ready.isDone() && message.contains("\"address\":\"" + joinReply + "\"")) {
          joined.tryComplete();
          continue;
        }
        if (!ready.isDone() && message.contains("\"address\":\"" + barrier + "\"")) {
          if (message.contains("\"type\":\"err\"")) {
            ready.completeExceptionally(new IllegalStateException("join refused: " + message));
          } else {
            ready.complete(null);
          }
          continue;
        }
        if (!message.contains("\"type\":\"step\"")) {
          continue;
        }
        int at = message.indexOf("\"frame\":");
        if (at < 0) {
          continue;
        }
        int number = 0;
        for (int i = at + 8; i < message.length() && Character.isDigit(message.charAt(i)); i++) {
          number = number * 10 + (message.charAt(i) - '0');
        }
        if (number >= measureFrom && number <= measureTo) {
          Long sent = sentAt.get(number);
          if (sent != null) {
            deliveries.record(now - sent);
          }
        }
      }
    }
  }

  // ---- node and rooms -------------------------------------------------------------------------

  private AtriumServer startNode(int port, String redisUrl, Integer stepRate) throws Exception {
    int instances = Runtime.getRuntime().availableProcessors();
    Map<String, String> env = new HashMap<>();
    env.put("HOME", work.toString());
    env.put("XDG_CONFIG_HOME", work.resolve(".config").toString());
    env.put("ATRIUM_MODE", "local");
    env.put("REDIS_URL", redisUrl);
    env.put("ATRIUM_PORT", String.valueOf(port));
    env.put("ATRIUM_HTTP_INSTANCES", String.valueOf(instances));
    env.put("ATRIUM_MAX_SOCKETS_PER_SESSION", "0");
    env.put("ATRIUM_ENFORCE_CONNECTION_LIMITS", "false");
    env.put("ATRIUM_DATA_DIR", Files.createTempDirectory(work, "control").toString());
    if (stepRate != null) {
      env.put("ATRIUM_STEP_RATE", stepRate.toString());
    }
    var settings = new SettingsLoader(env, work).load(null, Map.of()).settings();
    return AtriumServer.start(settings).toCompletionStage().toCompletableFuture().get(TIMEOUT_S, TimeUnit.SECONDS);
  }

  private String createRoom(int port, String title) throws Exception {
    HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
            + "/api/rooms")).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("title", title).put("visibility", "private")
            .encode())).build(), HttpResponse.BodyHandlers.ofString());
    if (created.statusCode() != 201) {
      throw new IllegalStateException("POST /api/rooms answered " + created.statusCode() + ": " + created.body());
    }
    return new JsonObject(created.body()).getString("id");
  }

  /** Latency samples from any thread. */
  private static final class Samples {
    private long[] values = new long[1 << 16];
    private int count;

    synchronized void record(long nanos) {
      if (count == values.length) {
        values = Arrays.copyOf(values, count * 2);
      }
      values[count++] = nanos;
    }

    synchronized int count() {
      return count;
    }

    synchronized double percentileMs(double p) {
      if (count == 0) {
        return Double.NaN;
      }
      long[] sorted = Arrays.copyOf(values, count);
      Arrays.sort(sorted);
      int index = (int) Math.min(count - 1, Math.max(0, Math.ceil(p / 100.0 * count) - 1));
      return sorted[index] / 1e6;
    }
  }
}
