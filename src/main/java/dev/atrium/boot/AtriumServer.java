package dev.atrium.boot;

import dev.atrium.accounts.Accounts;
import dev.atrium.accounts.AccountsVerticle;
import dev.atrium.accounts.AuthHandler;
import dev.atrium.accounts.AuthRoutes;
import dev.atrium.accounts.TokenService;
import dev.atrium.accounts.UserStore;
import dev.atrium.blobs.BlobCache;
import dev.atrium.blobs.DataProvider;
import dev.atrium.blobs.impl.GcsDataProvider;
import dev.atrium.blobs.impl.LocalDataProvider;
import dev.atrium.config.Mode;
import dev.atrium.control.ControlChannelVerticle;
import dev.atrium.frames.BlobCollector;
import dev.atrium.frames.FrameLocks;
import dev.atrium.frames.FrameRoutes;
import dev.atrium.frames.FrameService;
import dev.atrium.frames.FrameStore;
import dev.atrium.frames.FramesVerticle;
import dev.atrium.frames.TrajectoryRoutes;
import dev.atrium.security.Uploads;
import dev.atrium.config.Settings;
import dev.atrium.config.StoreSettings;
import dev.atrium.coordination.Coordination;
import dev.atrium.coordination.impl.InProcessCoordination;
import dev.atrium.coordination.impl.RedisCoordination;
import dev.atrium.forecast.data.DatasetRoutes;
import dev.atrium.forecast.data.DatasetStore;
import dev.atrium.forecast.data.DatasetsVerticle;
import dev.atrium.forecast.ForecastRoutes;
import dev.atrium.forecast.Forecasts;
import dev.atrium.forecast.model.DjlForecastModel;
import dev.atrium.forecast.model.ForecastModel;
import dev.atrium.forecast.model.ModelLoadException;
import dev.atrium.health.Lifecycle;
import dev.atrium.health.ReadinessChecks;
import dev.atrium.node.NodeIdentity;
import dev.atrium.node.NodeRoutes;
import dev.atrium.node.NodeVerticle;
import dev.atrium.observe.Metrics;
import dev.atrium.observe.RequestIds;
import dev.atrium.presenter.PresenterTokenVerticle;
import dev.atrium.records.Records;
import dev.atrium.rooms.RoomAccess;
import dev.atrium.rooms.RoomRoutes;
import dev.atrium.rooms.RoomStore;
import dev.atrium.rooms.RoomsVerticle;
import dev.atrium.security.HttpsPolicy;
import dev.atrium.security.OriginGuard;
import dev.atrium.security.RateLimiter;
import dev.atrium.web.HttpModule;
import dev.atrium.web.HttpServerVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Deployable;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Atrium node's life: ordered startup (Vert.x and the cluster → stores → subsystem verticles
 * in dependency order → ready) and ordered shutdown (stats snapshot → not ready → HTTP stops
 * accepting and drains → verticles undeployed in reverse → stores closed → cluster left).
 */
public final class AtriumServer {

  private static final Logger LOG = LoggerFactory.getLogger(AtriumServer.class);
  /** How long a dependency may take to answer its first ping at startup. */
  private static final Duration REACH_TIMEOUT = Duration.ofSeconds(5);

  static {
    RequestIds.init();
  }

  private final Settings settings;
  private final Metrics metrics = new Metrics();
  private final Lifecycle lifecycle = new Lifecycle();
  private final Deque<Deployed> deployed = new ArrayDeque<>();
  private Vertx vertx;
  private HazelcastClusterManager clusterManager;
  private NodeIdentity identity;
  private Coordination coordination;
  private Records records;
  private Accounts accounts;
  private UserStore users;
  private RoomStore rooms;
  private RoomAccess roomAccess;
  private DataProvider blobs;
  private BlobCache blobCache;
  private FrameStore frameStore;
  private BlobCollector collector;
  private FrameService frameService;
  private ControlChannelVerticle controlChannel;
  private DatasetStore datasets;
  private Forecasts forecasts;
  private Future<Void> stopping;

  private AtriumServer(Settings settings) {
    this.settings = settings;
  }

  /**
   * Starts a node. The future fails with the reason, after releasing whatever had started, when
   * any step fails.
   */
  public static Future<AtriumServer> start(Settings settings) {
    AtriumServer server = new AtriumServer(settings);
    return server.startSteps().transform(result -> {
      if (result.succeeded()) {
        return Future.succeededFuture(server);
      }
      LOG.error("startup failed: {}", result.cause().getMessage());
      return server.release().transform(released -> Future.failedFuture(result.cause()));
    });
  }

  private Future<Void> startSteps() {
    long startNanos = System.nanoTime();
    LOG.info("atrium starting [version: {}, mode: {}, cluster: {}, data dir: {}]", NodeIdentity.version(),
        settings.mode().id(), settings.cluster().enabled(), settings.stores().dataDir());
    return createVertx()
        .onSuccess(v -> metrics.bindJvmAndProcess())
        .compose(v -> openStores())
        .compose(v -> createServices())
        .compose(v -> deploy("NodeVerticle", () -> new NodeVerticle(identity, members()), 1))
        .compose(v -> deploy("AccountsVerticle", () -> new AccountsVerticle(accounts, users), 1))
        .compose(v -> deploy("RoomsVerticle", () -> new RoomsVerticle(rooms, roomAccess), 1))
        .compose(v -> deploy("PresenterTokenVerticle", () -> new PresenterTokenVerticle(coordination, roomAccess,
            settings.control()), 1))
        .compose(v -> deploy("ControlChannelVerticle", () -> controlChannel = new ControlChannelVerticle(
            settings.sessions(), settings.mode() != Mode.LOCAL, identity.nodeId(), coordination, roomAccess, frameStore,
            settings.frames().maxRange(), metrics.registry()), 1))
        .compose(v -> deploy("FramesVerticle", () -> new FramesVerticle(frameStore, blobs, collector,
            settings.frames().gcInterval(), settings.stores().dataDir().resolve("tmp").resolve("uploads"),
            frameService), 1))
        .compose(v -> deploy("DatasetsVerticle", () -> new DatasetsVerticle(datasets), 1))
        .compose(v -> startForecasts())
        .compose(v -> deploy("HttpServerVerticle", () -> new HttpServerVerticle(settings.http(),
            vx -> ReadinessChecks.create(vx, lifecycle, coordination, records,
                settings.cluster().enabled() ? members() : null),
            metrics.registry(), httpModules()), settings.http().instances())
            .recover(failure -> Future.failedFuture(new StartupException("http.port (ATRIUM_PORT, --port): cannot listen on "
                + settings.http().host() + ":" + settings.http().port() + " (" + failure.getMessage() + ")"))))
        .map(v -> {
          lifecycle.advance(Lifecycle.Phase.READY);
          long sinceJvm = System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
          LOG.info("atrium ready [url: http://{}:{}, node: {}, startup ms: {}, since jvm start ms: {}]",
              settings.http().host(), settings.http().port(), identity.nodeId(),
              (System.nanoTime() - startNanos) / 1_000_000, sinceJvm);
          return null;
        });
  }

  /**
   * The forecast pipeline in the order of DESIGN §6: queues → model (a failure names the file and
   * fails startup) → caches → workers → accepting draws. Each step pushes its undo, so shutdown
   * runs them in reverse: stop accepting → stop workers → unload the model → flush the queues →
   * clear the caches.
   */
  private Future<Void> startForecasts() {
    forecasts = new Forecasts(vertx, settings.forecast(), datasets, metrics.registry());
    return forecasts.startQueues()
        .onSuccess(v -> pushRelease("forecast queues and caches", () -> forecasts.stopQueues()
            .onSuccess(c -> {
              forecasts.clearCaches();
              LOG.info("forecast result cache cleared");
            })))
        .compose(v -> forecasts.loadModel(this::loadModel)
            .recover(failure -> Future.failedFuture(new StartupException(modelSetting() + failure.getMessage()))))
        .onSuccess(v -> pushRelease("forecast model", () -> {
          forecasts.unloadModel();
          return Future.succeededFuture();
        }))
        .compose(v -> forecasts.startWorkers())
        .onSuccess(v -> pushRelease("forecast workers", forecasts::stopWorkers))
        .compose(v -> forecasts.accept(identity.nodeId()))
        .onSuccess(v -> {
          pushRelease("forecast draws", () -> forecasts.stopAccepting()
              .onSuccess(c -> LOG.info("forecast draws no longer accepted")));
          LOG.info("forecasts ready [model: {}, sha256: {}, scheduling: {}]", forecasts.model().name(),
              forecasts.model().sha256(), settings.forecast().scheduling().id());
        });
  }

  private ForecastModel loadModel() throws ModelLoadException {
    return settings.forecast().model() == null
        ? DjlForecastModel.loadDefault()
        : DjlForecastModel.load(settings.forecast().model());
  }

  private String modelSetting() {
    return settings.forecast().model() == null ? "the default forecast model: "
        : "forecast.model (ATRIUM_FORECAST_MODEL): ";
  }

  private Future<Void> createVertx() {
    VertxOptions options = new VertxOptions().setMetricsOptions(metrics.vertxOptions());
    VertxBuilder builder = Vertx.builder().withMetrics(new MicrometerMetricsFactory(metrics.registry()));
    if (!settings.cluster().enabled()) {
      vertx = builder.with(options).build();
      identity = new NodeIdentity(UUID.randomUUID().toString(), settings.mode(), false, System.currentTimeMillis());
      return Future.succeededFuture();
    }
    clusterManager = ClusterSetup.clusterManager(settings.cluster());
    options.setEventBusOptions(ClusterSetup.eventBusOptions(settings.cluster()));
    return builder.with(options).withClusterManager(clusterManager).buildClustered()
        .recover(failure -> Future.failedFuture(new StartupException("cannot join the cluster on "
            + settings.cluster().host() + ":" + settings.cluster().port() + ": " + failure.getMessage())))
        .map(vx -> {
          vertx = vx;
          identity = new NodeIdentity(clusterManager.getNodeId(), settings.mode(), true, System.currentTimeMillis());
          LOG.info("joined cluster [node: {}, members: {}]", identity.nodeId(), clusterManager.getNodes().size());
          return null;
        });
  }

  private Future<Void> openStores() {
    StoreSettings stores = settings.stores();
    coordination = stores.redisUrl() == null
        ? new InProcessCoordination(vertx)
        : new RedisCoordination(vertx, stores.redisUrl());
    Future<Void> coordinationUp = reach("REDIS_URL", coordination.describe(), coordination.ping());
    return coordinationUp
        .compose(v -> Records.open(vertx, stores))
        .compose(opened -> {
          records = opened;
          return reach("MONGO_URI", records.describe(), records.ping());
        })
        .onSuccess(v -> LOG.info("stores ready [coordination: {}, records: {}]", coordination.describe(),
            records.describe()));
  }

  private Future<Void> createServices() {
    return vertx.executeBlocking(() -> TokenService.create(vertx, settings.auth(), settings.stores().dataDir()))
        .map(tokens -> {
          users = new UserStore(records.client());
          accounts = new Accounts(vertx, users, tokens, settings.auth());
          rooms = new RoomStore(records.client());
          roomAccess = new RoomAccess(rooms);
          blobs = dataProvider();
          blobCache = new BlobCache(settings.caches().memoryBytes() / 2);
          frameStore = new FrameStore(records.client(), blobs, blobCache, settings.frames().history());
          collector = new BlobCollector(records.client(), blobs, blobCache, settings.frames().gcGrace());
          frameService = new FrameService(frameStore, roomAccess, new FrameLocks(coordination), vertx.eventBus(),
              settings.frames().maxRange());
          datasets = new DatasetStore(vertx, records.client(), settings.datasets());
          LOG.info("frames ready [blobs: {}, blob cache: {} MB]", blobs.describe(), blobCache.maxBytes() >> 20);
          LOG.info("sign-in ready [algorithm: {}, implicit local user: {}, registration: {}]", tokens.algorithm(),
              settings.auth().localUser(), settings.auth().registration());
          return null;
        });
  }

  /**
   * Blobs go to the bucket when {@code frames.blobStore} is {@code gcs} (production's default;
   * through the machine's default Google credentials), else under the data directory.
   */
  private DataProvider dataProvider() {
    if (!settings.frames().blobsInCloud()) {
      return new LocalDataProvider(vertx, settings.stores().dataDir());
    }
    return new GcsDataProvider(vertx, com.google.cloud.storage.StorageOptions.getDefaultInstance().getService(),
        settings.stores().gcsBucket(), "atrium/");
  }

  /** The HTTP guards and routes, in mounting order: who is asking, then what they may do. */
  private List<HttpModule> httpModules() {
    AuthHandler.SessionCookie cookie = new AuthHandler.SessionCookie(settings.mode() != Mode.LOCAL,
        accounts.tokens().ttlSeconds());
    RateLimiter limiter = new RateLimiter(coordination);
    OriginGuard origins = new OriginGuard(settings.http().allowedOrigins());
    FrameLocks locks = new FrameLocks(coordination);
    AuthHandler auth = new AuthHandler(accounts, cookie);
    Uploads uploads = new Uploads(settings.stores().dataDir().resolve("tmp").resolve("uploads"));
    HttpModule guards = router -> {
      if (settings.mode() == Mode.PRODUCTION) {
        router.route().handler(new HttpsPolicy());
      }
      // On /api only: a catch-all route would turn every 405 of the health routes into 404.
      router.route("/api/*").handler(auth);
      router.route("/api/*").handler(origins.stateChanging());
      router.route("/api/*").handler(limiter.writes(settings.limits().writes()));
    };
    return List.of(guards,
        controlChannel.bridge(auth, origins),
        new NodeRoutes(vertx.eventBus()),
        new AuthRoutes(accounts, cookie, limiter, settings.limits()),
        new RoomRoutes(rooms, roomAccess, users, frameStore, vertx.eventBus()),
        new FrameRoutes(frameService, collector, settings.caches().memoryBytes() / 4),
        new TrajectoryRoutes(frameService, roomAccess, locks, uploads, settings.uploads().maxSize(),
            limiter, settings.limits().uploads()),
        new DatasetRoutes(datasets, uploads, limiter, settings.limits().uploads()),
        new ForecastRoutes(forecasts, datasets, vertx.eventBus(), uploads, limiter, settings.limits().uploads()));
  }

  private Future<Void> reach(String setting, String what, Future<Duration> ping) {
    return ping.timeout(REACH_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
        .<Void>mapEmpty()
        .recover(failure -> Future.failedFuture(new StartupException(setting + ": " + what
            + " is unreachable (" + shortReason(failure) + ")")));
  }

  /** The first clause of a driver's failure message: the MongoDB driver's runs to a page. */
  private static String shortReason(Throwable failure) {
    String message = String.valueOf(failure.getMessage());
    int cut = message.indexOf(". Client view of cluster state");
    if (cut < 0) {
      cut = message.indexOf(" while waiting for a server");
    }
    message = cut > 0 ? message.substring(0, cut) : message;
    return message.length() > 200 ? message.substring(0, 200) + "…" : message;
  }

  private Future<Void> deploy(String name, Supplier<Deployable> verticle, int instances) {
    long start = System.nanoTime();
    return vertx.deployVerticle(verticle, new DeploymentOptions().setInstances(instances))
        .map(id -> {
          deployed.push(new Deployed(name, () -> vertx.undeploy(id)
              .onSuccess(u -> LOG.info("verticle undeployed [name: {}]", name))));
          LOG.info("verticle deployed [name: {}, instances: {}, ms: {}]", name, instances,
              (System.nanoTime() - start) / 1_000_000);
          return null;
        });
  }

  /** Registers how to undo a startup step that is not a verticle; shutdown runs it in reverse order. */
  private void pushRelease(String name, Supplier<Future<Void>> release) {
    deployed.push(new Deployed(name, release));
  }

  private Supplier<List<String>> members() {
    return clusterManager == null ? () -> List.of(identity.nodeId()) : clusterManager::getNodes;
  }

  /**
   * Shuts the node down in order; calling it again returns the same future.
   */
  public synchronized Future<Void> stop() {
    if (stopping == null) {
      LOG.info("shutdown started [node: {}]", identity == null ? "-" : identity.nodeId());
      LOG.info("stats snapshot [{}]", metrics.snapshot());
      lifecycle.advance(Lifecycle.Phase.DRAINING);
      LOG.info("readiness withdrawn; stop accepting new requests, draining in-flight ones for up to {} ms",
          settings.http().shutdownGrace().toMillis());
      stopping = forecastSnapshot().compose(v -> release()).onComplete(done -> LOG.info("shutdown complete"));
    }
    return stopping;
  }

  /** The forecast queues' figures, logged before anything stops (never holds the shutdown up). */
  private Future<Void> forecastSnapshot() {
    if (forecasts == null || forecasts.scheduler() == null || forecasts.model() == null) {
      return Future.succeededFuture();
    }
    return forecasts.scheduler().statusNow()
        .timeout(2, java.util.concurrent.TimeUnit.SECONDS)
        .onSuccess(status -> LOG.info("forecast stats snapshot [{}]", status.encode()))
        .<Void>mapEmpty()
        .recover(failure -> Future.succeededFuture());
  }

  private Future<Void> release() {
    Future<Void> chain = Future.succeededFuture();
    while (!deployed.isEmpty()) {
      Deployed next = deployed.pop();
      chain = chain.compose(v -> next.release().get()
          .recover(failure -> {
            LOG.warn("shutdown step failed [name: {}]", next.name(), failure);
            return Future.succeededFuture();
          }));
    }
    return chain
        .compose(v -> records == null ? Future.<Void>succeededFuture() : records.close(vertx)
            .onSuccess(c -> LOG.info("records closed")))
        .compose(v -> coordination == null ? Future.<Void>succeededFuture() : coordination.close()
            .onSuccess(c -> LOG.info("coordination closed")))
        .recover(failure -> {
          LOG.warn("closing stores failed", failure);
          return Future.succeededFuture();
        })
        .compose(v -> vertx == null ? Future.<Void>succeededFuture() : vertx.close()
            .onSuccess(c -> LOG.info(clusterManager == null ? "vert.x closed" : "left the cluster")))
        .onComplete(done -> lifecycle.advance(Lifecycle.Phase.STOPPED));
  }

  /** The node's identity. */
  public NodeIdentity identity() {
    return identity;
  }

  /** The node's Vert.x instance. */
  public Vertx vertx() {
    return vertx;
  }

  /** The node's forecast pipeline (null before it starts): scheduler, Result Cache, model. */
  public Forecasts forecasts() {
    return forecasts;
  }

  /** The node's Data Cache of forecast datasets (null before the stores are up). */
  public DatasetStore datasets() {
    return datasets;
  }

  /** The node's store of record (null before it is open). */
  public Records records() {
    return records;
  }

  /** The node's settings. */
  public Settings settings() {
    return settings;
  }

  /** A started step and how to undo it. */
  private record Deployed(String name, Supplier<Future<Void>> release) {
  }
}
