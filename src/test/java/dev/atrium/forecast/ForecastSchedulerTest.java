package dev.atrium.forecast;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.bus.Addresses;
import dev.atrium.bus.Bus;
import dev.atrium.config.ForecastSettings;
import dev.atrium.config.ForecastSettings.Scheduling;
import dev.atrium.forecast.data.CsvTable;
import dev.atrium.forecast.data.Dataset;
import dev.atrium.forecast.model.DjlForecastModel;
import dev.atrium.forecast.model.SyntheticSeries;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The scheduler, the inference and calc workers and the real (tiny) DJL model together, on one
 * Vert.x without HTTP: requests go through the bus addresses the HTTP routes use, the workers are
 * held paused while the queues fill, then released, and every model call is counted.
 */
@DisplayName("Forecast scheduler and workers")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ForecastSchedulerTest {

  private static final Duration WAIT = Duration.ofSeconds(30);

  private Vertx vertx;
  private Forecasts forecasts;
  private CountingModel model;
  private MemoryDatasets datasets;
  private final List<Integer> readyOrder = new CopyOnWriteArrayList<>();
  private final List<JsonObject> backgroundRequests = new CopyOnWriteArrayList<>();

  private void start(Scheduling scheduling, int userQueue, Duration deadline, int processBatch) throws Exception {
    ForecastSettings settings = new ForecastSettings(null, 1, 1, 16, deadline, userQueue, 10_000, scheduling,
        processBatch, 10_000, Duration.ofHours(1), 64);
    vertx = Vertx.vertx();
    datasets = new MemoryDatasets(vertx);
    forecasts = new Forecasts(vertx, settings, datasets, new SimpleMeterRegistry());
    vertx.eventBus().<JsonObject>consumer(Addresses.FORECAST_READY,
        message -> readyOrder.add(message.body().getInteger("index")));
    vertx.eventBus().addOutboundInterceptor(delivery -> {
      if (Addresses.FORECAST_BACKGROUND.equals(delivery.message().address())) {
        backgroundRequests.add((JsonObject) delivery.message().body());
      }
      delivery.next();
    });
    await(forecasts.startQueues());
    await(forecasts.loadModel(() -> model = new CountingModel(DjlForecastModel.load(TestModels.tiny()))));
    await(forecasts.startWorkers());
    await(forecasts.accept("test-node"));
  }

  private void start() throws Exception {
    start(Scheduling.PRIORITY, 100, Duration.ofSeconds(30), 256);
  }

  @AfterEach
  void stop() throws Exception {
    if (forecasts != null) {
      await(forecasts.stopAccepting());
      await(forecasts.stopWorkers());
      forecasts.unloadModel();
      await(forecasts.stopQueues());
      forecasts.clearCaches();
    }
    if (vertx != null) {
      await(vertx.close());
    }
  }

  @Test
  @DisplayName("user draws queued while the workers are paused run newest first")
  void userNewestFirst() throws Exception {
    start();
    Dataset dataset = dataset(1, 60);
    await(forecasts.scheduler().pauseWorkers());
    List<CompletableFuture<Message<JsonObject>>> draws = new ArrayList<>();
    for (int index : new int[] {20, 21, 22, 23}) {
      draws.add(draw(dataset.hash(), index));
      awaitStatus(status -> status.getJsonObject("user").getInteger("depth") == draws.size());
    }
    assertThat(model.calls()).isZero();

    await(forecasts.scheduler().resumeWorkers());
    for (CompletableFuture<Message<JsonObject>> draw : draws) {
      draw.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    assertThat(readyOrder).containsExactly(23, 22, 21, 20);
  }

  @Test
  @DisplayName("background ranges run oldest first, and none starts while a user draw waits")
  void backgroundOldestFirstAfterUser() throws Exception {
    start();
    Dataset a = dataset(1, 60);
    Dataset b = dataset(2, 60);
    await(forecasts.scheduler().pauseWorkers());
    assertThat(offer(a.hash(), 10, 13).getInteger("accepted")).isEqualTo(3);
    assertThat(offer(b.hash(), 30, 32).getInteger("accepted")).isEqualTo(2);
    CompletableFuture<Message<JsonObject>> user = draw(a.hash(), 50);
    awaitStatus(status -> status.getJsonObject("user").getInteger("depth") == 1);

    await(forecasts.scheduler().resumeWorkers());
    user.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    awaitStatus(status -> status.getJsonObject("background").getLong("done") == 5);

    assertThat(readyOrder).containsExactly(50, 10, 11, 12, 30, 31);
  }

  @Test
  @DisplayName("identical concurrent draws run the model once and all get the same plot")
  void identicalDrawsShare() throws Exception {
    start();
    Dataset dataset = dataset(1, 60);
    await(forecasts.scheduler().pauseWorkers());
    List<CompletableFuture<Message<JsonObject>>> draws = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      draws.add(draw(dataset.hash(), 40));
    }
    awaitStatus(status -> status.getJsonObject("user").getLong("shared") == 4);

    await(forecasts.scheduler().resumeWorkers());
    List<JsonObject> plots = new ArrayList<>();
    for (CompletableFuture<Message<JsonObject>> draw : draws) {
      plots.add(draw.get(WAIT.toSeconds(), TimeUnit.SECONDS).body());
    }

    assertThat(model.calls()).isEqualTo(1);
    assertThat(plots).allSatisfy(plot -> assertThat(plot).isEqualTo(plots.get(0)));
    JsonObject plot = plots.get(0);
    assertThat(plot.getInteger("index")).isEqualTo(40);
    assertThat(plot.getJsonObject("history").getJsonArray("values")).hasSize(TestModels.WINDOW);
    assertThat(plot.getJsonObject("history").getJsonArray("timestamps")).hasSize(TestModels.WINDOW);
    assertThat(plot.getJsonObject("forecast").getJsonArray("mean")).hasSize(TestModels.HORIZON);
    assertThat(plot.getJsonObject("forecast").getJsonObject("quantiles").fieldNames())
        .containsExactlyInAnyOrder("5", "25", "50", "75", "95");
    assertThat(plot.getJsonObject("density").getJsonArray("grid")).hasSize(64);
    assertThat(plot.getJsonObject("model").getString("sha256")).isEqualTo(model.sha256());

    JsonObject again = draw(dataset.hash(), 40).get(WAIT.toSeconds(), TimeUnit.SECONDS).body();
    assertThat(again).as("answered from the Result Cache").isEqualTo(plot);
    assertThat(model.calls()).isEqualTo(1);
  }

  @Test
  @DisplayName("tasks of a dataset deleted while they wait are discarded and counted; the draw gets 404")
  void deletedDatasetDiscarded() throws Exception {
    start();
    Dataset dataset = dataset(1, 60);
    await(forecasts.scheduler().pauseWorkers());
    offer(dataset.hash(), 10, 20);
    CompletableFuture<Message<JsonObject>> user = draw(dataset.hash(), 30);
    awaitStatus(status -> status.getJsonObject("user").getInteger("depth") == 1);

    await(datasets.remove(dataset.hash()));
    await(forecasts.scheduler().resumeWorkers());

    assertThat(failureOf(user).failureCode()).isEqualTo(404);
    JsonObject status = awaitStatus(s -> s.getJsonObject("background").getLong("discarded") == 10);
    assertThat(status.getJsonObject("user").getLong("discarded")).isEqualTo(1);
    assertThat(status.getJsonObject("background").getInteger("depth")).isZero();
    assertThat(model.calls()).isZero();
  }

  @Test
  @DisplayName("a draw not started within its deadline gets 503 and is never computed")
  void deadline() throws Exception {
    start(Scheduling.PRIORITY, 100, Duration.ofMillis(300), 256);
    Dataset dataset = dataset(1, 60);
    await(forecasts.scheduler().pauseWorkers());

    ReplyException failure = failureOf(draw(dataset.hash(), 30));
    await(forecasts.scheduler().resumeWorkers());

    assertThat(failure.failureCode()).isEqualTo(503);
    assertThat(failure.getMessage()).contains("deadline");
    JsonObject status = awaitStatus(s -> s.getJsonObject("user").getLong("dropped") == 1);
    assertThat(status.getJsonObject("user").getLong("done")).isZero();
    assertThat(model.calls()).isZero();
  }

  @Test
  @DisplayName("a full user queue answers 503 naming the queue")
  void fullUserQueue() throws Exception {
    start(Scheduling.PRIORITY, 2, Duration.ofSeconds(30), 256);
    Dataset dataset = dataset(1, 60);
    await(forecasts.scheduler().pauseWorkers());
    CompletableFuture<Message<JsonObject>> first = draw(dataset.hash(), 20);
    CompletableFuture<Message<JsonObject>> second = draw(dataset.hash(), 21);
    awaitStatus(status -> status.getJsonObject("user").getInteger("depth") == 2);

    ReplyException refused = failureOf(draw(dataset.hash(), 22));

    assertThat(refused.failureCode()).isEqualTo(503);
    assertThat(refused.getMessage()).contains("queue full");
    await(forecasts.scheduler().resumeWorkers());
    first.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    second.get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("bad requests: unknown dataset 404, index out of range or without enough history 400")
  void badRequests() throws Exception {
    start();
    Dataset dataset = dataset(1, 60);

    assertThat(failureOf(draw("0".repeat(64), 10)).failureCode()).isEqualTo(404);
    ReplyException late = failureOf(draw(dataset.hash(), 60));
    assertThat(late.failureCode()).isEqualTo(400);
    assertThat(late.getMessage()).isEqualTo("index 60 out of range 0..59");
    ReplyException early = failureOf(draw(dataset.hash(), 6));
    assertThat(early.failureCode()).isEqualTo(400);
    assertThat(early.getMessage()).startsWith("index 6 needs 8 points of history");
    assertThat(model.calls()).isZero();
  }

  @Test
  @DisplayName("processing feeds at most processBatch tasks at a time, skips cached plots and reports progress")
  void processFeed() throws Exception {
    start(Scheduling.PRIORITY, 100, Duration.ofSeconds(30), 4);
    Dataset dataset = dataset(1, 40);
    draw(dataset.hash(), 20).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    await(forecasts.scheduler().pauseWorkers());

    JsonObject started = await(forecasts.scheduler().process(dataset.hash(), dataset.rows()));
    assertThat(started.getString("state")).isEqualTo("running");
    assertThat(started.getInteger("total")).isEqualTo(40 - TestModels.WINDOW + 1);
    awaitStatus(status -> status.getJsonObject("background").getInteger("depth") == 4);
    Thread.sleep(300);
    assertThat(await(forecasts.scheduler().statusNow()).getJsonObject("background").getInteger("depth"))
        .as("never more than processBatch queued").isEqualTo(4);

    await(forecasts.scheduler().resumeWorkers());
    JsonObject done = awaitStatus(status -> status.getJsonArray("processing").getJsonObject(0)
        .getString("state").equals("done"));

    assertThat(done.getJsonArray("processing").getJsonObject(0).getInteger("done")).isEqualTo(33);
    assertThat(model.calls()).as("index 20 came from the cache").isEqualTo(33);
    assertThat(backgroundRequests).allSatisfy(range ->
        assertThat(range.getInteger("to") - range.getInteger("from")).isBetween(1, 4));
    assertThat(backgroundRequests.stream().mapToInt(r -> r.getInteger("to") - r.getInteger("from")).sum())
        .isEqualTo(32);
    awaitCondition(() -> "done".equals(stateOf(datasets.lastProgress(dataset.hash()))));
    assertThat(datasets.lastProgress(dataset.hash()).getInteger("done")).isEqualTo(33);
  }

  @Test
  @DisplayName("processing counts plots published before the background request's reply arrived")
  void processFeedReplyLate() throws Exception {
    start(Scheduling.PRIORITY, 100, Duration.ofSeconds(30), 4);
    // every {accepted} reply reaches the feed 200 ms late: the workers finish its tasks first
    vertx.eventBus().addInboundInterceptor(delivery -> {
      Object body = delivery.message().body();
      if (body instanceof JsonObject json && json.containsKey("accepted") && json.size() == 1) {
        vertx.setTimer(200, id -> delivery.next());
      } else {
        delivery.next();
      }
    });
    Dataset dataset = dataset(3, 20);

    await(forecasts.scheduler().process(dataset.hash(), dataset.rows()));

    JsonObject done = awaitStatus(status -> status.getJsonArray("processing").getJsonObject(0)
        .getString("state").equals("done"));
    assertThat(done.getJsonArray("processing").getJsonObject(0).getInteger("done")).isEqualTo(13);
    assertThat(model.calls()).isEqualTo(13);
  }

  @Test
  @DisplayName("fifo scheduling makes a draw wait behind background work queued before it")
  void fifo() throws Exception {
    start(Scheduling.FIFO, 100, Duration.ofSeconds(30), 256);
    Dataset dataset = dataset(1, 60);
    await(forecasts.scheduler().pauseWorkers());
    offer(dataset.hash(), 10, 14);
    CompletableFuture<Message<JsonObject>> user = draw(dataset.hash(), 50);
    awaitStatus(status -> status.getJsonObject("user").getInteger("depth") == 1);

    await(forecasts.scheduler().resumeWorkers());
    user.get(WAIT.toSeconds(), TimeUnit.SECONDS);

    assertThat(readyOrder).containsExactly(10, 11, 12, 13, 50);
  }

  @Test
  @DisplayName("shutdown in order: draws still queued fail with 503, and every forecaster is closed before the model")
  void shutdownFlushes() throws Exception {
    start();
    Dataset dataset = dataset(1, 60);
    await(forecasts.scheduler().pauseWorkers());
    CompletableFuture<Message<JsonObject>> queued = draw(dataset.hash(), 30);
    awaitStatus(status -> status.getJsonObject("user").getInteger("depth") == 1);

    await(forecasts.stopAccepting());
    ReplyException refused = failureOf(draw(dataset.hash(), 31));
    await(forecasts.stopWorkers());
    forecasts.unloadModel();
    await(forecasts.stopQueues());
    forecasts.clearCaches();
    Forecasts stopped = forecasts;
    forecasts = null;

    assertThat(refused.failureType()).as("nobody accepts draws any more").isEqualTo(ReplyFailure.NO_HANDLERS);
    ReplyException flushed = failureOf(queued);
    assertThat(flushed.failureCode()).isEqualTo(503);
    assertThat(flushed.getMessage()).contains("shutting down");
    assertThat(model.calls()).isZero();
    assertThat(stopped.model()).isNull();
  }

  // ---------------------------------------------------------------------------------------------

  private Dataset dataset(long seed, int rows) {
    return datasets.add(CsvTable.parse(new SyntheticSeries(rows, seed, 0).csv()));
  }

  private CompletableFuture<Message<JsonObject>> draw(String hash, int index) {
    return Bus.<JsonObject>request(vertx.eventBus(), Addresses.FORECAST_USER,
            new JsonObject().put("dataset", hash).put("index", index), WAIT)
        .toCompletionStage().toCompletableFuture();
  }

  private JsonObject offer(String hash, int from, int to) throws Exception {
    return await(Bus.<JsonObject>request(vertx.eventBus(), Addresses.FORECAST_BACKGROUND,
        new JsonObject().put("dataset", hash).put("from", from).put("to", to), WAIT)).body();
  }

  private static ReplyException failureOf(CompletableFuture<?> request) throws Exception {
    try {
      request.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(ReplyException.class);
      return (ReplyException) e.getCause();
    }
    throw new AssertionError("the request succeeded");
  }

  private JsonObject awaitStatus(Predicate<JsonObject> condition) throws Exception {
    long end = System.nanoTime() + WAIT.toNanos();
    JsonObject status = null;
    while (System.nanoTime() < end) {
      status = await(forecasts.scheduler().statusNow());
      if (condition.test(status)) {
        return status;
      }
      Thread.sleep(10);
    }
    throw new AssertionError("status never met the condition; last: " + status);
  }

  private static void awaitCondition(java.util.function.BooleanSupplier condition) throws Exception {
    long end = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("condition never met");
      }
      Thread.sleep(10);
    }
  }

  private static String stateOf(JsonObject progress) {
    return progress == null ? null : progress.getString("state");
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }
}
