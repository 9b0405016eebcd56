package dev.atrium.forecast;

import dev.atrium.bus.Addresses;
import dev.atrium.bus.Bus;
import dev.atrium.bus.BusFailures;
import dev.atrium.bus.FailureCodes;
import dev.atrium.config.ForecastSettings;
import dev.atrium.config.ForecastSettings.Scheduling;
import dev.atrium.forecast.ForecastQueues.Outcome;
import dev.atrium.forecast.ForecastQueues.Priority;
import dev.atrium.forecast.ForecastQueues.Snapshot;
import dev.atrium.forecast.ForecastQueues.Task;
import dev.atrium.forecast.data.Dataset;
import dev.atrium.forecast.data.Datasets;
import dev.atrium.forecast.model.ForecastModel;
import dev.atrium.web.ApiException;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The forecast scheduler of one node (one instance, on an event loop). It owns the
 * {@link ForecastQueues} and the calc queue, serves {@link Addresses#FORECAST_USER} and
 * {@link Addresses#FORECAST_BACKGROUND} for the whole cluster, answers the pulls of this node's
 * workers (a background task only when no user draw waits), feeds {@code POST .../process}
 * lazily, keeps the Result Cache in step with {@link Addresses#FORECAST_READY} and
 * {@link Addresses#DATASETS_CHANGED}, and publishes its figures as metrics.
 *
 * <p>Its life follows DESIGN §6: deployed first (queues exist), {@link #accept(ForecastModel)}
 * once the model is loaded and the workers run, {@link #stopAccepting()} first at shutdown, and
 * undeployed last, failing what is still queued with 503.
 */
public final class ForecastSchedulerVerticle extends VerticleBase implements TaskSource {

  private static final Logger LOG = LoggerFactory.getLogger(ForecastSchedulerVerticle.class);
  /** How long a producer waits before offering again after a full background queue. */
  private static final long BACKGROUND_RETRY_MS = 200;
  private static final long PROGRESS_INTERVAL_MS = 1000;

  private final ForecastSettings settings;
  private final Datasets datasets;
  private final ResultCache results;
  private final MeterRegistry registry;
  /**
   * Guards the queues, the calc queue and the idle workers. Workers call in from their own threads
   * and take their next task there and then, without a round trip through the event loop; the
   * event loop takes the same lock for draws, background offers, expiry and status.
   */
  private final Object lock = new Object();
  private final Deque<Promise<Task<JsonObject>>> idleInference = new ArrayDeque<>();
  private final Deque<Promise<CalcJob>> idleCalc = new ArrayDeque<>();
  /** Calc jobs of user tasks (all jobs in fifo mode), then of background tasks. */
  private final Deque<CalcJob> calcFirst = new ArrayDeque<>();
  private final Deque<CalcJob> calcLater = new ArrayDeque<>();
  private final Map<String, ProcessFeed> feeds = new LinkedHashMap<>();
  private final List<Meter> meters = new ArrayList<>();
  private final List<MessageConsumer<?>> accepting = new ArrayList<>();
  private final List<MessageConsumer<?>> listening = new ArrayList<>();
  private ForecastQueues<JsonObject> queues;
  private ForecastModel model;
  private Map<Priority, Timer> waitTimers;
  private Map<Priority, Timer> serviceTimers;
  private long sweepTimer;
  private long progressTimer;
  private boolean paused;
  private String nodeId = "-";

  /**
   * @param settings the pipeline settings
   * @param datasets the Data Cache
   * @param results this node's Result Cache
   * @param registry where the queue figures are published
   */
  public ForecastSchedulerVerticle(ForecastSettings settings, Datasets datasets, ResultCache results,
      MeterRegistry registry) {
    this.settings = settings;
    this.datasets = datasets;
    this.results = results;
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    queues = new ForecastQueues<>(settings.scheduling(), settings.userQueue(), settings.backgroundQueue(),
        settings.deadline(), System::nanoTime, results::isRemoved);
    bindMetrics();
    long sweepMs = Math.max(10, Math.min(250, settings.deadline().toMillis() / 4));
    sweepTimer = vertx.setPeriodic(sweepMs, id -> sweep());
    progressTimer = vertx.setPeriodic(PROGRESS_INTERVAL_MS, id -> writeProgress());
    MessageConsumer<JsonObject> ready = Bus.consumer(vertx.eventBus(), Addresses.FORECAST_READY, this::onReady);
    MessageConsumer<JsonObject> changed = Bus.consumer(vertx.eventBus(), Addresses.DATASETS_CHANGED,
        this::onDatasetChanged);
    MessageConsumer<JsonObject> status = vertx.eventBus().localConsumer(Addresses.FORECAST_STATUS,
        message -> message.reply(status()));
    listening.addAll(List.of(ready, changed, status));
    LOG.info("forecast queues ready [scheduling: {}, user queue: {}, background queue: {}, deadline ms: {}]",
        settings.scheduling().id(), settings.userQueue(), settings.backgroundQueue(), settings.deadline().toMillis());
    return Future.join(ready.completion(), changed.completion());
  }

  /**
   * Starts serving draws and background requests with {@code model} (its window bounds the valid
   * indexes). Call once the model is loaded and the workers run.
   */
  public Future<Void> accept(ForecastModel model, String nodeId) {
    Promise<Void> registered = Promise.promise();
    context.runOnContext(v -> {
      this.model = model;
      this.nodeId = nodeId;
      MessageConsumer<JsonObject> user = Bus.consumer(vertx.eventBus(), Addresses.FORECAST_USER, this::onUser);
      MessageConsumer<JsonObject> background = Bus.consumer(vertx.eventBus(), Addresses.FORECAST_BACKGROUND,
          this::onBackground);
      accepting.add(user);
      accepting.add(background);
      Future.join(user.completion(), background.completion()).<Void>mapEmpty().onComplete(registered);
    });
    return registered.future();
  }

  /** Stops taking draws and background requests (other nodes' schedulers get them); queued work stays. */
  public Future<Void> stopAccepting() {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      List<Future<Void>> unregistered = accepting.stream().map(MessageConsumer::unregister).toList();
      accepting.clear();
      feeds.values().forEach(ProcessFeed::stop);
      Future.join(unregistered).<Void>mapEmpty().onComplete(done);
    });
    return done.future();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(sweepTimer);
    vertx.cancelTimer(progressTimer);
    int flushed;
    synchronized (lock) {
      flushed = queues.flush(FailureCodes.UNAVAILABLE, "node shutting down; try again");
      calcFirst.clear();
      calcLater.clear();
      failIdle("scheduler stopped");
    }
    meters.forEach(registry::remove);
    LOG.info("forecast queues flushed [tasks: {}]", flushed);
    List<Future<Void>> unregistered = new ArrayList<>();
    accepting.forEach(consumer -> unregistered.add(consumer.unregister()));
    listening.forEach(consumer -> unregistered.add(consumer.unregister()));
    return Future.join(unregistered);
  }

  // ---- test and benchmark handles -------------------------------------------------------------

  /** Holds every inference pull unanswered until {@link #resumeWorkers()}: work queues up meanwhile. */
  public Future<Void> pauseWorkers() {
    return onContext(() -> {
      synchronized (lock) {
        paused = true;
      }
    });
  }

  /** Answers inference pulls again. */
  public Future<Void> resumeWorkers() {
    return onContext(() -> {
      synchronized (lock) {
        paused = false;
        dispatch();
      }
    });
  }

  /**
   * Queues background tasks for indexes {@code from} (inclusive) to {@code to} (exclusive) of a
   * dataset on this node directly, as {@link Addresses#FORECAST_BACKGROUND} would but without the
   * dataset lookup: for benchmark harnesses that fill the queue (say with 10,000 tasks) before
   * measuring draws. Returns how many were queued.
   */
  public Future<Integer> offerBackground(String dataset, int from, int to) {
    Promise<Integer> promise = Promise.promise();
    context.runOnContext(v -> {
      int accepted;
      synchronized (lock) {
        accepted = queues.offerBackground(dataset, from, to);
        dispatch();
      }
      promise.complete(accepted);
    });
    return promise.future();
  }

  /** The status JSON, as {@link Addresses#FORECAST_STATUS} answers it. */
  public Future<JsonObject> statusNow() {
    Promise<JsonObject> promise = Promise.promise();
    context.runOnContext(v -> promise.complete(status()));
    return promise.future();
  }

  /**
   * Starts (or restarts, when finished or stopped) the lazy background feed of a dataset and
   * returns its progress {@code {state, done, total, discarded}}; a running feed is left as it is.
   */
  public Future<JsonObject> process(String dataset, int rows) {
    Promise<JsonObject> promise = Promise.promise();
    context.runOnContext(v -> {
      ProcessFeed feed = feeds.get(dataset);
      if (feed == null || feed.state() != ProcessFeed.State.RUNNING) {
        results.datasetAvailable(dataset);
        feed = new ProcessFeed(dataset, ForecastWindow.first(model.window()), rows, settings.processBatch());
        feeds.put(dataset, feed);
        LOG.info("processing started [dataset: {}, tasks: {}]", dataset, feed.total());
        topUp(feed);
      }
      feed.takeDirty();
      JsonObject progress = feed.progress();
      datasets.progress(dataset, progress.copy());
      promise.complete(progress);
    });
    return promise.future();
  }

  // ---- bus ------------------------------------------------------------------------------------

  private void onUser(Message<JsonObject> message) {
    JsonObject body = message.body();
    String dataset = body == null ? null : body.getValue("dataset") instanceof String s ? s : null;
    Integer index = body == null ? null : body.getValue("index") instanceof Integer i ? i : null;
    if (dataset == null || index == null) {
      message.fail(FailureCodes.BAD_REQUEST, "dataset (a string) and index (an integer) are required");
      return;
    }
    datasets.get(dataset)
        .onSuccess(found -> submitUser(message, dataset, found, index))
        .onFailure(failure -> failLookup(message, dataset, failure));
  }

  private void submitUser(Message<JsonObject> message, String series, Dataset dataset, int index) {
    String problem = ForecastWindow.problem(dataset.rows(), index, model.window());
    if (problem != null) {
      message.fail(FailureCodes.BAD_REQUEST, problem);
      return;
    }
    results.datasetAvailable(series);
    JsonObject cached = results.get(new TaskKey(series, index));
    if (cached != null) {
      message.reply(cached, PlotCodec.options());
      return;
    }
    ForecastQueues.Waiter<JsonObject> waiter = new ForecastQueues.Waiter<>() {
      @Override
      public void succeed(JsonObject result) {
        message.reply(result, PlotCodec.options());
      }

      @Override
      public void fail(int code, String reason) {
        message.fail(code, reason);
      }
    };
    synchronized (lock) {
      queues.submitUser(series, index, waiter);
      dispatch();
    }
  }

  private void onBackground(Message<JsonObject> message) {
    JsonObject body = message.body();
    String dataset = body == null ? null : body.getValue("dataset") instanceof String s ? s : null;
    Integer from = body == null ? null : body.getValue("from") instanceof Integer i ? i : null;
    Integer to = body == null ? null : body.getValue("to") instanceof Integer i ? i : null;
    if (dataset == null || from == null || to == null || from >= to) {
      message.fail(FailureCodes.BAD_REQUEST, "dataset (a string) and from < to (integers) are required");
      return;
    }
    datasets.get(dataset)
        .onSuccess(found -> offerBackground(message, dataset, found, from, to))
        .onFailure(failure -> failLookup(message, dataset, failure));
  }

  private void offerBackground(Message<JsonObject> message, String series, Dataset dataset, int from, int to) {
    String problem = ForecastWindow.problem(dataset.rows(), from, model.window());
    if (problem == null) {
      problem = ForecastWindow.problem(dataset.rows(), to - 1, model.window());
    }
    if (problem != null) {
      message.fail(FailureCodes.BAD_REQUEST, problem);
      return;
    }
    results.datasetAvailable(series);
    int accepted;
    synchronized (lock) {
      accepted = queues.offerBackground(series, from, to);
    }
    if (accepted == 0) {
      message.fail(FailureCodes.UNAVAILABLE, "forecast background queue full (" + settings.backgroundQueue()
          + " tasks); try again later");
      return;
    }
    message.reply(new JsonObject().put("accepted", accepted));
    synchronized (lock) {
      dispatch();
    }
  }

  private static void failLookup(Message<JsonObject> message, String dataset, Throwable failure) {
    if (failure instanceof ApiException api) {
      message.fail(api.status(), api.getMessage());
    } else {
      LOG.warn("dataset lookup failed [dataset: {}]", dataset, failure);
      message.fail(FailureCodes.UNAVAILABLE, "dataset " + dataset + " cannot be read now; try again");
    }
  }

  private void onReady(Message<JsonObject> message) {
    JsonObject body = message.body();
    String dataset = body.getString("dataset");
    Integer index = body.getInteger("index");
    JsonObject result = body.getJsonObject("result");
    if (dataset == null || index == null || result == null) {
      LOG.warn("malformed forecast ready event ignored [fields: {}]", body.fieldNames());
      return;
    }
    TaskKey key = new TaskKey(dataset, index);
    if (results.get(key) != result) {
      results.put(key, result);
    }
    ProcessFeed feed = feeds.get(dataset);
    if (feed != null && feed.ready(index)) {
      if (feed.state() == ProcessFeed.State.DONE) {
        finished(feed);
      } else {
        topUp(feed);
      }
    }
  }

  private void onDatasetChanged(Message<JsonObject> message) {
    String hash = message.body().getString("hash");
    if (hash != null && "removed".equals(message.body().getString("change"))) {
      results.datasetRemoved(hash);
      feeds.values().removeIf(feed -> {
        if (!Series.hash(feed.dataset()).equals(hash)) {
          return false;
        }
        feed.stop();
        LOG.info("processing stopped: dataset removed [series: {}, done: {}, total: {}]", feed.dataset(), feed.done(),
            feed.total());
        return true;
      });
    }
  }

  // ---- workers (TaskSource) -------------------------------------------------------------------

  @Override
  public void pullTask(Promise<Task<JsonObject>> next) {
    synchronized (lock) {
      idleInference.add(next);
      dispatch();
    }
  }

  @Override
  public void pullCalc(Promise<CalcJob> next) {
    synchronized (lock) {
      idleCalc.add(next);
      dispatch();
    }
  }

  @Override
  public void withdraw(Promise<?> pending) {
    synchronized (lock) {
      if (idleInference.remove(pending) || idleCalc.remove(pending)) {
        pending.tryFail("worker stopped");
      }
    }
  }

  @Override
  public void inferred(CalcJob job) {
    synchronized (lock) {
      boolean first = settings.scheduling() == Scheduling.FIFO || job.task().priority() == Priority.USER;
      (first ? calcFirst : calcLater).add(job);
      dispatch();
    }
  }

  @Override
  public void completed(Task<JsonObject> task, JsonObject plot) {
    serviceTimers.get(task.priority()).record(System.nanoTime() - task.startedNanos(), TimeUnit.NANOSECONDS);
    synchronized (lock) {
      queues.complete(task, plot);
      dispatch();
    }
  }

  @Override
  public void failed(Task<JsonObject> task, int code, String message) {
    synchronized (lock) {
      queues.fail(task, code, message);
      dispatch();
    }
  }

  @Override
  public void discarded(Task<JsonObject> task) {
    synchronized (lock) {
      queues.discard(task);
      dispatch();
    }
  }

  /**
   * Hands work to idle workers: inference tasks unless paused (background ones only while the
   * calc queue is short, so inference never runs far ahead of it, and while no user draw is being
   * computed, so a draw has the cores to itself rather than sharing them with background passes),
   * then calc jobs, user first.
   * Called with the lock held; a worker's promise completes on the calling thread, and the
   * worker moves the work onto its own context.
   */
  private void dispatch() {
    while (!paused && !idleInference.isEmpty()) {
      boolean backgroundAllowed = calcFirst.size() + calcLater.size() < 2 * settings.calcWorkers()
          && (settings.scheduling() == ForecastSettings.Scheduling.FIFO
              || queues.inFlight(ForecastQueues.Priority.USER) == 0);
      Task<JsonObject> task = queues.pull(backgroundAllowed);
      if (task == null) {
        break;
      }
      waitTimers.get(task.priority()).record(task.waitedNanos(), TimeUnit.NANOSECONDS);
      idleInference.poll().complete(task);
    }
    while (!idleCalc.isEmpty() && !(calcFirst.isEmpty() && calcLater.isEmpty())) {
      CalcJob job = calcFirst.isEmpty() ? calcLater.poll() : calcFirst.poll();
      idleCalc.poll().complete(job);
    }
  }

  private void sweep() {
    int dropped;
    synchronized (lock) {
      dropped = queues.expire();
      if (dropped > 0) {
        dispatch();
      }
    }
    if (dropped > 0) {
      LOG.info("forecast draws dropped past their deadline [count: {}, deadline ms: {}]", dropped,
          settings.deadline().toMillis());
    }
  }

  private void failIdle(String reason) {
    idleInference.forEach(promise -> promise.tryFail(reason));
    idleCalc.forEach(promise -> promise.tryFail(reason));
    idleInference.clear();
    idleCalc.clear();
  }

  // ---- process feeds --------------------------------------------------------------------------

  /** Offers the feed's next indexes while it has room: cached ones count as done at once. */
  private void topUp(ProcessFeed feed) {
    if (feed.offering() || feed.room() <= 0) {
      return;
    }
    while (feed.cursor() >= 0 && results.get(new TaskKey(feed.dataset(), feed.cursor())) != null) {
      feed.skipCached();
    }
    if (feed.state() == ProcessFeed.State.DONE) {
      finished(feed);
      return;
    }
    int from = feed.cursor();
    if (from < 0 || feed.room() <= 0) {
      return;
    }
    int limit = Math.min(feed.end(), from + feed.room());
    int to = from + 1;
    while (to < limit && results.get(new TaskKey(feed.dataset(), to)) == null) {
      to++;
    }
    feed.offering(true);
    JsonObject range = new JsonObject().put("dataset", feed.dataset()).put("from", from).put("to", to);
    Bus.<JsonObject>request(vertx.eventBus(), Addresses.FORECAST_BACKGROUND, range,
            Addresses.FORECAST_BACKGROUND_TIMEOUT)
        .onSuccess(reply -> offered(feed, reply.body().getInteger("accepted", 0)))
        .onFailure(failure -> offerFailed(feed, failure));
  }

  private void offered(ProcessFeed feed, int accepted) {
    feed.offering(false);
    int from = feed.cursor();
    if (from < 0 || feed.state() != ProcessFeed.State.RUNNING) {
      return;
    }
    feed.offered(accepted);
    // A plot can be published before this reply arrives (a worker took the task at once); it is
    // in the Result Cache by then, so count it here.
    for (int index = from; index < from + accepted; index++) {
      if (results.get(new TaskKey(feed.dataset(), index)) != null) {
        feed.ready(index);
      }
    }
    if (feed.state() == ProcessFeed.State.DONE) {
      finished(feed);
    } else {
      topUp(feed);
    }
  }

  private void offerFailed(ProcessFeed feed, Throwable failure) {
    feed.offering(false);
    int status = BusFailures.httpStatus(failure);
    if (status == FailureCodes.NOT_FOUND) {
      feed.stop();
      feeds.remove(feed.dataset(), feed);
      LOG.info("processing stopped: dataset gone [dataset: {}]", feed.dataset());
      return;
    }
    if (status != FailureCodes.UNAVAILABLE) {
      LOG.warn("processing paused: background request refused [dataset: {}, status: {}, reason: {}]",
          feed.dataset(), status, failure.getMessage());
    }
    vertx.setTimer(BACKGROUND_RETRY_MS, id -> {
      if (feeds.get(feed.dataset()) == feed) {
        topUp(feed);
      }
    });
  }

  private void finished(ProcessFeed feed) {
    LOG.info("processing finished [dataset: {}, tasks: {}]", feed.dataset(), feed.total());
    feed.takeDirty();
    datasets.progress(feed.dataset(), feed.progress());
  }

  private void writeProgress() {
    for (ProcessFeed feed : List.copyOf(feeds.values())) {
      if (feed.takeDirty()) {
        datasets.progress(feed.dataset(), feed.progress());
      }
      if (feed.state() == ProcessFeed.State.RUNNING) {
        datasets.exists(feed.dataset()).onSuccess(exists -> {
          if (!exists && feeds.remove(feed.dataset(), feed)) {
            feed.stop();
            LOG.info("processing stopped: dataset gone [dataset: {}]", feed.dataset());
          }
        });
      }
    }
  }

  // ---- figures --------------------------------------------------------------------------------

  private JsonObject status() {
    synchronized (lock) {
      return statusLocked();
    }
  }

  private JsonObject statusLocked() {
    JsonObject out = new JsonObject()
        .put("node", nodeId)
        .put("scheduling", settings.scheduling().id())
        .put("deadlineMs", settings.deadline().toMillis())
        .put("samples", settings.samples())
        .put("model", model == null ? null : new JsonObject().put("name", model.name()).put("sha256", model.sha256())
            .put("window", model.window()).put("horizon", model.horizon()))
        .put("workers", new JsonObject()
            .put("inference", settings.inferenceWorkers())
            .put("calc", settings.calcWorkers())
            .put("idleInference", idleInference.size())
            .put("idleCalc", idleCalc.size())
            .put("paused", paused))
        .put("calcQueue", calcFirst.size() + calcLater.size())
        .put("resultCache", results.size());
    for (Priority priority : Priority.values()) {
      out.put(priority.id(), snapshotJson(queues.snapshot(priority)));
    }
    JsonArray processing = new JsonArray();
    // no dataset hashes: any signed-in user may read the status
    feeds.values().forEach(feed -> processing.add(feed.progress().put("outstanding", feed.outstanding())));
    return out.put("processing", processing);
  }

  private static JsonObject snapshotJson(Snapshot s) {
    return new JsonObject()
        .put("depth", s.depth()).put("inFlight", s.inFlight()).put("done", s.done())
        .put("discarded", s.discarded()).put("dropped", s.dropped()).put("failed", s.failed())
        .put("shared", s.shared()).put("refused", s.refused())
        .put("waitP50Ms", s.waitP50Ms()).put("waitP99Ms", s.waitP99Ms())
        .put("serviceP50Ms", s.serviceP50Ms()).put("serviceP99Ms", s.serviceP99Ms());
  }

  private void bindMetrics() {
    waitTimers = new java.util.EnumMap<>(Priority.class);
    serviceTimers = new java.util.EnumMap<>(Priority.class);
    for (Priority priority : Priority.values()) {
      String tag = priority.id();
      meters.add(Gauge.builder("atrium.forecast.queue.depth", queues, q -> q.depth(priority))
          .description("forecast tasks queued").tag("priority", tag).register(registry));
      meters.add(Gauge.builder("atrium.forecast.inflight", queues, q -> q.inFlight(priority))
          .description("forecast tasks being computed").tag("priority", tag).register(registry));
      counter("atrium.forecast.done", "forecast tasks computed", priority, Outcome.DONE);
      counter("atrium.forecast.discarded", "forecast tasks discarded: dataset gone", priority, Outcome.DISCARDED);
      counter("atrium.forecast.dropped", "user draws dropped past their deadline", priority, Outcome.DROPPED);
      counter("atrium.forecast.failed", "forecast tasks failed while computed", priority, Outcome.FAILED);
      counter("atrium.forecast.refused", "requests refused: queue full", priority, Outcome.REFUSED);
      counter("atrium.forecast.shared", "requests that joined an identical task", priority, Outcome.SHARED);
      Timer wait = Timer.builder("atrium.forecast.wait").description("time from queued to started")
          .tag("priority", tag).publishPercentiles(0.5, 0.99).register(registry);
      Timer service = Timer.builder("atrium.forecast.service").description("time from started to result")
          .tag("priority", tag).publishPercentiles(0.5, 0.99).register(registry);
      waitTimers.put(priority, wait);
      serviceTimers.put(priority, service);
      meters.add(wait);
      meters.add(service);
    }
    meters.add(Gauge.builder("atrium.forecast.calc.queue", this, s -> s.calcFirst.size() + s.calcLater.size())
        .description("inferred tasks waiting for a calc worker").register(registry));
  }

  private void counter(String name, String description, Priority priority, Outcome outcome) {
    meters.add(FunctionCounter.builder(name, queues, q -> q.count(priority, outcome)).description(description)
        .tag("priority", priority.id()).register(registry));
  }

  private Future<Void> onContext(Runnable action) {
    Promise<Void> promise = Promise.promise();
    context.runOnContext(v -> {
      action.run();
      promise.complete();
    });
    return promise.future();
  }
}
