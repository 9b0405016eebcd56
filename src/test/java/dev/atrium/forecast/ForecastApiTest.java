package dev.atrium.forecast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.atrium.forecast.model.SyntheticSeries;
import dev.atrium.frames.Field;
import dev.atrium.testing.NodeFixture;
import dev.atrium.testing.NodeFixture.Reply;
import dev.atrium.testing.NodeFixture.Session;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The forecast routes of a real in-process node (local mode, signed-in accounts, the tiny real
 * model) over real HTTP: draws, shared draws, bounds, refusals with their status and message,
 * processing with progress, deletion while processing, quick draw, status and metrics. The
 * workers are held paused through the scheduler where a test needs work to wait.
 */
@DisplayName("Forecast HTTP API")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ForecastApiTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final int ROWS = 80;

  private static NodeFixture node;
  private static Session alice;
  private static Session bob;
  private static ExecutorService clients;

  @BeforeAll
  static void startNode() throws Exception {
    node = NodeFixture.local()
        .env("ENABLE_REGISTRATION", "true")
        .env("ATRIUM_FORECAST_MODEL", TestModels.tiny().toString())
        .env("ATRIUM_FORECAST_USER_QUEUE", "2")
        .env("ATRIUM_FORECAST_PROCESS_BATCH", "8")
        .env("ATRIUM_FORECAST_SAMPLES", "16")
        .env("ATRIUM_LIMIT_WRITES", "100000/1m")
        .env("ATRIUM_LIMIT_UPLOADS", "100000/1m")
        .start();
    alice = node.registerNew("alice");
    bob = node.registerNew("bob");
    clients = Executors.newFixedThreadPool(8);
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (clients != null) {
      clients.shutdownNow();
    }
    if (node != null) {
      node.close();
    }
  }

  @Test
  @DisplayName("a draw answers the plot {dataset, index, history, forecast{mean, quantiles}, density, model, computedAt}; the next one comes from the cache")
  void draw() throws Exception {
    String hash = upload(alice, csv(11, ROWS));

    Reply reply = get(alice, "/api/datasets/" + hash + "/plots/40");

    assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
    JsonObject plot = reply.json();
    assertThat(plot.getString("dataset")).isEqualTo(hash);
    assertThat(plot.getInteger("index")).isEqualTo(40);
    JsonObject history = plot.getJsonObject("history");
    assertThat(history.getInteger("start")).isEqualTo(40 - TestModels.WINDOW + 1);
    assertThat(history.getJsonArray("values")).hasSize(TestModels.WINDOW);
    assertThat(history.getJsonArray("timestamps").getString(TestModels.WINDOW - 1))
        .isEqualTo(SyntheticSeries.START.plusSeconds(60L * 40).toString());
    JsonObject forecast = plot.getJsonObject("forecast");
    assertThat(forecast.getJsonArray("mean")).hasSize(TestModels.HORIZON);
    for (String q : List.of("5", "25", "50", "75", "95")) {
      assertThat(forecast.getJsonObject("quantiles").getJsonArray(q)).as(q).hasSize(TestModels.HORIZON);
    }
    double q5 = forecast.getJsonObject("quantiles").getJsonArray("5").getDouble(0);
    double q95 = forecast.getJsonObject("quantiles").getJsonArray("95").getDouble(0);
    assertThat(q5).isLessThanOrEqualTo(q95);
    assertThat(plot.getJsonObject("density").getJsonArray("grid")).hasSize(128);
    assertThat(plot.getJsonObject("density").getJsonArray("values")).hasSize(128);
    assertThat(plot.getJsonObject("model").getString("name")).isEqualTo("tiny");
    assertThat(plot.getString("computedAt")).isNotBlank();

    long done = status().getJsonObject("user").getLong("done");
    Reply again = get(alice, "/api/datasets/" + hash + "/plots/40");
    assertThat(again.json()).isEqualTo(plot);
    assertThat(status().getJsonObject("user").getLong("done")).as("not computed again").isEqualTo(done);
  }

  @Test
  @DisplayName("five identical concurrent draws while the workers are paused are computed once")
  void identicalDrawsShare() throws Exception {
    String hash = upload(alice, csv(12, ROWS));
    JsonObject before = status().getJsonObject("user");
    await(scheduler().pauseWorkers());
    List<CompletableFuture<Reply>> draws = new ArrayList<>();
    try {
      for (int i = 0; i < 5; i++) {
        draws.add(async(() -> get(alice, "/api/datasets/" + hash + "/plots/50")));
      }
      awaitStatus(s -> s.getJsonObject("user").getLong("shared") - before.getLong("shared") == 4);
    } finally {
      await(scheduler().resumeWorkers());
    }

    List<JsonObject> plots = new ArrayList<>();
    for (CompletableFuture<Reply> draw : draws) {
      Reply reply = draw.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
      plots.add(reply.json());
    }
    assertThat(plots).allSatisfy(plot -> assertThat(plot).isEqualTo(plots.get(0)));
    assertThat(status().getJsonObject("user").getLong("done") - before.getLong("done")).isEqualTo(1);
  }

  @Test
  @DisplayName("bad draws: malformed hash 400, unknown or someone else's dataset 404, index not a number, out of range or short of history 400")
  void badDraws() throws Exception {
    String hash = upload(alice, csv(13, ROWS));

    assertError(get(alice, "/api/datasets/xyz/plots/3"), 400, "not a sha256");
    assertError(get(alice, "/api/datasets/" + "0".repeat(64) + "/plots/10"), 404, "no dataset");
    assertError(get(bob, "/api/datasets/" + hash + "/plots/10"), 404, "no dataset");
    assertError(get(alice, "/api/datasets/" + hash + "/plots/ten"), 400, "index 'ten' is not a whole number");
    assertError(get(alice, "/api/datasets/" + hash + "/plots/80"), 400, "index 80 out of range 0..79");
    assertError(get(alice, "/api/datasets/" + hash + "/plots/-1"), 400, "index -1 out of range 0..79");
    assertError(get(alice, "/api/datasets/" + hash + "/plots/6"), 400, "index 6 needs 8 points of history");
    assertError(node.call("GET", "/api/datasets/" + hash + "/plots/10").send(), 401, "");
    assertError(post(bob, "/api/datasets/" + hash + "/process"), 404, "no dataset");
  }

  @Test
  @DisplayName("a full user queue answers 503 with Retry-After, and the queued draws still complete")
  void fullUserQueue() throws Exception {
    String hash = upload(alice, csv(14, ROWS));
    await(scheduler().pauseWorkers());
    CompletableFuture<Reply> first;
    CompletableFuture<Reply> second;
    Reply refused;
    try {
      first = async(() -> get(alice, "/api/datasets/" + hash + "/plots/20"));
      second = async(() -> get(alice, "/api/datasets/" + hash + "/plots/21"));
      awaitStatus(s -> s.getJsonObject("user").getInteger("depth") == 2);
      refused = get(alice, "/api/datasets/" + hash + "/plots/22");
    } finally {
      await(scheduler().resumeWorkers());
    }

    assertError(refused, 503, "queue full");
    assertThat(refused.header("Retry-After")).isEqualTo("1");
    assertThat(first.get(WAIT.toSeconds(), TimeUnit.SECONDS).status()).isEqualTo(200);
    assertThat(second.get(WAIT.toSeconds(), TimeUnit.SECONDS).status()).isEqualTo(200);
  }

  @Test
  @DisplayName("processing answers 202 and then computes every index lazily, with progress in GET /api/datasets/{hash}")
  void process() throws Exception {
    String hash = upload(alice, csv(15, 48));
    int total = 48 - TestModels.WINDOW + 1;

    Reply started = post(alice, "/api/datasets/" + hash + "/process");

    assertThat(started.status()).as(started.toString()).isEqualTo(202);
    assertThat(started.json().getString("hash")).isEqualTo(hash);
    assertThat(started.json().getInteger("total")).isEqualTo(total);
    assertThat(started.json().getString("state")).isEqualTo("running");
    JsonObject progress = awaitProgress(hash, p -> "done".equals(p.getString("state")));
    assertThat(progress.getInteger("done")).isEqualTo(total);
    assertThat(progress.getInteger("total")).isEqualTo(total);
    assertThat(forecasts().results().count(hash)).isEqualTo(total);
    Reply again = post(alice, "/api/datasets/" + hash + "/process");
    assertThat(again.json().getString("state")).as("everything cached: done at once").isEqualTo("done");
  }

  @Test
  @DisplayName("deleting a dataset while it is processed discards its queued tasks, counts them, and stops the feed")
  void deleteWhileProcessing() throws Exception {
    String hash = upload(alice, csv(16, ROWS));
    long discardedBefore = status().getJsonObject("background").getLong("discarded");
    await(scheduler().pauseWorkers());
    try {
      assertThat(post(alice, "/api/datasets/" + hash + "/process").status()).isEqualTo(202);
      awaitStatus(s -> s.getJsonObject("background").getInteger("depth") == 8);
      Reply deleted = node.call("DELETE", "/api/datasets/" + hash).bearer(alice.token()).send();
      assertThat(deleted.status()).as(deleted.toString()).isEqualTo(204);
    } finally {
      await(scheduler().resumeWorkers());
    }

    JsonObject status = awaitStatus(s -> s.getJsonObject("background").getLong("discarded") - discardedBefore == 8);
    assertThat(status.getJsonObject("background").getInteger("depth")).isZero();
    assertThat(forecasts().results().count(hash)).isZero();
    assertThat(status.getJsonArray("processing").stream().map(JsonObject.class::cast)
        .noneMatch(feed -> feed.getString("state").equals("running"))).isTrue();
  }

  @Test
  @DisplayName("?target=COLUMN forecasts another numeric column (its own series in the cache); an unknown column is a 400 naming the columns, on draw, process and quick draw")
  void targetColumn() throws Exception {
    StringBuilder csv = new StringBuilder("timestamp,level,load\n");
    for (int row = 0; row < ROWS; row++) {
      csv.append(SyntheticSeries.START.plusSeconds(60L * row)).append(',').append(10 + Math.sin(row / 5.0))
          .append(',').append(1000 + 100 * Math.cos(row / 7.0)).append('\n');
    }
    String hash = upload(alice, csv.toString());

    JsonObject level = get(alice, "/api/datasets/" + hash + "/plots/50").json();
    Reply loadReply = get(alice, "/api/datasets/" + hash + "/plots/50?target=load");
    assertThat(loadReply.status()).as(loadReply.toString()).isEqualTo(200);
    JsonObject load = loadReply.json();
    assertThat(level.getString("column")).isEqualTo("level");
    assertThat(load.getString("column")).isEqualTo("load");
    assertThat(load.getString("dataset")).isEqualTo(hash);
    assertThat(load.getJsonObject("history").getJsonArray("values").getDouble(TestModels.WINDOW - 1))
        .isCloseTo(1000 + 100 * Math.cos(50 / 7.0), within(1e-9));
    assertThat(load.getJsonObject("forecast").getJsonArray("mean").getDouble(0)).as("in the column's units")
        .isBetween(700.0, 1300.0);
    assertThat(get(alice, "/api/datasets/" + hash + "/plots/50?target=level").json().getString("column"))
        .isEqualTo("level");
    assertThat(forecasts().results().count(hash)).as("the default column named is the default series").isEqualTo(2);

    assertError(get(alice, "/api/datasets/" + hash + "/plots/50?target=pressure"), 400,
        "unknown target column 'pressure'; the numeric columns are [\"level\",\"load\"]");
    assertError(get(alice, "/api/datasets/" + hash + "/plots/50?target=timestamp"), 400, "unknown target column");
    assertError(post(alice, "/api/datasets/" + hash + "/process?target=pressure"), 400, "unknown target column");
    Reply quick = node.call("POST", "/api/quickdraw?target=pressure").bearer(bob.token())
        .body(csv(23, 40), "text/csv").send();
    assertError(quick, 400, "unknown target column 'pressure'");
    assertThat(await(node.server().datasets().exists(CsvHash.of(csv(23, 40))))).as("nothing left behind").isFalse();

    // removing the dataset removes every series of it
    assertThat(node.call("DELETE", "/api/datasets/" + hash).bearer(alice.token()).send().status()).isEqualTo(204);
    awaitCondition(() -> forecasts().results().count(hash) == 0);
  }

  @Test
  @DisplayName("a quick draw answers the plot of the last index and leaves no dataset and no result behind")
  void quickDraw() throws Exception {
    String csv = csv(17, 30);
    String hash = CsvHash.of(csv);

    Reply reply = node.call("POST", "/api/quickdraw").bearer(bob.token()).body(csv, "text/csv").send();

    assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
    assertThat(reply.json().getString("dataset")).isEqualTo(hash);
    assertThat(reply.json().getInteger("index")).isEqualTo(29);
    assertThat(await(node.server().datasets().exists(hash))).isFalse();
    assertThat(forecasts().results().count(hash)).isZero();
    assertError(get(bob, "/api/datasets/" + hash + "/plots/29"), 404, "no dataset");
  }

  @Test
  @DisplayName("a failed quick draw (too few rows, bad CSV) answers 400 and leaves nothing behind either")
  void quickDrawFailures() throws Exception {
    String shortCsv = csv(18, 5);
    Reply tooShort = node.call("POST", "/api/quickdraw").bearer(bob.token()).body(shortCsv, "text/csv").send();
    assertError(tooShort, 400, "needs at least 8");
    assertThat(await(node.server().datasets().exists(CsvHash.of(shortCsv)))).isFalse();

    String ragged = "value\n1\n2,3\n";
    Reply bad = node.call("POST", "/api/quickdraw").bearer(bob.token()).body(ragged, "text/csv").send();
    assertThat(bad.status()).as(bad.toString()).isEqualTo(400);
    assertThat(await(node.server().datasets().exists(CsvHash.of(ragged)))).isFalse();

    assertError(node.call("POST", "/api/quickdraw").bearer(bob.token()).json(new JsonObject()).send(), 415,
        "text/csv");
  }

  @Test
  @DisplayName("a quick draw of bytes someone already uploaded leaves their dataset as it was")
  void quickDrawOfExistingDataset() throws Exception {
    String csv = csv(19, 30);
    String hash = upload(alice, csv);

    Reply reply = node.call("POST", "/api/quickdraw").bearer(bob.token()).body(csv, "text/csv").send();

    assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
    assertThat(get(alice, "/api/datasets/" + hash).status()).isEqualTo(200);
    assertThat(get(alice, "/api/datasets/" + hash + "/plots/29").json()).isEqualTo(reply.json());
  }

  @Test
  @DisplayName("GET /api/forecast/status shows both priorities, the workers, the model and the scheduling; /metrics has the same figures")
  void statusAndMetrics() throws Exception {
    Reply reply = get(alice, "/api/forecast/status");

    assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
    JsonObject status = reply.json();
    assertThat(status.getString("scheduling")).isEqualTo("priority");
    assertThat(status.getJsonObject("model").getString("name")).isEqualTo("tiny");
    assertThat(status.getJsonObject("model").getString("sha256")).hasSize(64);
    assertThat(status.getJsonObject("workers").getInteger("inference")).isPositive();
    assertThat(status.getJsonObject("workers").getInteger("calc")).isPositive();
    for (String priority : List.of("user", "background")) {
      assertThat(status.getJsonObject(priority).fieldNames()).contains("depth", "inFlight", "done", "discarded",
          "dropped", "waitP50Ms", "waitP99Ms", "serviceP50Ms", "serviceP99Ms");
    }
    String metrics = node.call("GET", "/metrics").send().body();
    assertThat(metrics).contains("atrium_forecast_queue_depth{priority=\"user\"}",
        "atrium_forecast_done_total{priority=\"background\"}", "atrium_forecast_wait_seconds",
        "atrium_forecast_service_seconds");
  }

  // ---------------------------------------------------------------------------------------------

  static String csv(long seed, int rows) {
    return new String(new SyntheticSeries(rows, seed, 0).csv(), StandardCharsets.US_ASCII);
  }

  private static void awaitCondition(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition not met within " + WAIT).isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  private static String upload(Session user, String csv) {
    Reply reply = node.call("POST", "/api/datasets").bearer(user.token()).body(csv, "text/csv").send();
    assertThat(reply.status()).as(reply.toString()).isIn(200, 201);
    return reply.json().getString("hash");
  }

  private static Reply get(Session user, String path) {
    return node.call("GET", path).bearer(user.token()).send();
  }

  private static Reply post(Session user, String path) {
    return node.call("POST", path).bearer(user.token()).send();
  }

  private static void assertError(Reply reply, int status, String message) {
    assertThat(reply.status()).as(reply.toString()).isEqualTo(status);
    assertThat(reply.json().getString("message")).as(reply.toString()).contains(message);
  }

  private static Forecasts forecasts() {
    return node.server().forecasts();
  }

  private static ForecastSchedulerVerticle scheduler() {
    return forecasts().scheduler();
  }

  private static JsonObject status() throws Exception {
    return await(scheduler().statusNow());
  }

  private static CompletableFuture<Reply> async(java.util.function.Supplier<Reply> call) {
    return CompletableFuture.supplyAsync(call, clients);
  }

  private static JsonObject awaitStatus(Predicate<JsonObject> condition) throws Exception {
    long end = System.nanoTime() + WAIT.toNanos();
    JsonObject last = null;
    while (System.nanoTime() < end) {
      last = status();
      if (condition.test(last)) {
        return last;
      }
      Thread.sleep(10);
    }
    throw new AssertionError("status never met the condition; last: " + last);
  }

  private static JsonObject awaitProgress(String hash, Predicate<JsonObject> condition) throws Exception {
    long end = System.nanoTime() + WAIT.toNanos();
    JsonObject last = null;
    while (System.nanoTime() < end) {
      last = get(alice, "/api/datasets/" + hash).json().getJsonObject("progress");
      if (last != null && condition.test(last)) {
        return last;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("progress never met the condition; last: " + last);
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  /** The dataset key of a CSV text: the sha256 of its bytes. */
  static final class CsvHash {
    private CsvHash() {
    }

    static String of(String csv) {
      return Field.sha256Hex(csv.getBytes(StandardCharsets.UTF_8));
    }
  }
}
