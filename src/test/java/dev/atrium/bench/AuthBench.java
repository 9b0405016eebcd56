package dev.atrium.bench;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import dev.atrium.accounts.Accounts;
import dev.atrium.accounts.AuthUser;
import dev.atrium.accounts.PasswordHasher;
import dev.atrium.accounts.TokenService;
import dev.atrium.accounts.UserRecord;
import dev.atrium.accounts.UserStore;
import dev.atrium.config.AuthSettings;
import dev.atrium.rooms.Role;
import dev.atrium.rooms.RoomAccess;
import dev.atrium.rooms.RoomStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.util.Statistics;

/**
 * Step 2 figures (JMH): what authenticating and authorizing one request costs — token
 * verification ({@link Accounts#authenticate}) plus the room check ({@link RoomAccess#require}) —
 * with the per-node caches warm and with both caches evicted before every call (so the account,
 * room and membership are read from MongoDB: the embedded mongo-java-server over TCP here, so the
 * miss figure is a floor for a real MongoDB round trip), and the Argon2id hash and verify that
 * every sign-in pays.
 *
 * <p>The benchmark user is a viewer member of a private room owned by someone else: the full
 * decision path (room, then membership). Futures complete on Vert.x threads; the benchmark thread
 * blocks on them, so each figure is one whole round trip as a handler would wait for it.
 *
 * <p>Run through {@link Bench} ({@code mvn -Pbench -DskipTests verify -Dbench=auth}).
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "-DATRIUM_LOG_LEVEL=WARN")
@Warmup(iterations = 2, time = 3, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 3, time = 5, timeUnit = TimeUnit.SECONDS)
public class AuthBench {

  /** The benchmark user's password (also what the hashing benchmarks hash). */
  static final String PASSWORD = "correct horse battery staple";
  private static final Duration SETUP_TIMEOUT = Duration.ofSeconds(30);

  /**
   * Runs every benchmark here in forked JVMs (the test class path, as {@code java.class.path}) and
   * prints one summary line each after JMH's own table.
   */
  static void run(PrintStream out) throws Exception {
    out.println("== Step 2: authentication and authorization (JMH) ==");
    Collection<RunResult> results = new Runner(new OptionsBuilder()
        .include(AuthBench.class.getName() + "\\.")
        // a benchmark that fails (e.g. its setup) stops the run rather than leaving a partial table
        .shouldFailOnError(true)
        .build()).run();
    out.println();
    out.println("== Step 2 summary ==");
    for (RunResult result : results) {
      out.println(summary(result));
    }
  }

  private static String summary(RunResult result) {
    BenchmarkParams params = result.getParams();
    String name = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
    Result<?> primary = result.getPrimaryResult();
    Statistics stats = primary.getStatistics();
    String unit = primary.getScoreUnit();
    if (params.getMode() == Mode.SampleTime) {
      return String.format("%-20s %-12s p50 %10.3f  p99 %10.3f  p99.9 %10.3f %s  (%d samples)", name,
          params.getMode().shortLabel(), stats.getPercentile(50), stats.getPercentile(99), stats.getPercentile(99.9),
          unit, stats.getN());
    }
    double error = primary.getScoreError();
    return String.format("%-20s %-12s mean %9.3f%s %s  (%d iterations)", name, params.getMode().shortLabel(),
        stats.getMean(), Double.isNaN(error) ? "" : String.format(" ± %.3f", error), unit, stats.getN());
  }

  /** A node's sign-in and room-access services over an in-memory MongoDB, with one signed-in user. */
  @State(Scope.Benchmark)
  public static class Node {
    Vertx vertx;
    MongoServer mongoServer;
    MongoClient mongo;
    Accounts accounts;
    RoomAccess access;
    String token;
    String userId;
    String roomId;

    /** Starts everything, creates the user, the room and the membership, and signs in. */
    @Setup(Level.Trial)
    public void start() throws Exception {
      vertx = Vertx.vertx();
      mongoServer = new MongoServer(H2Backend.inMemory());
      mongoServer.bind("127.0.0.1", 0);
      mongo = MongoClient.create(vertx, new JsonObject()
          .put("connection_string", "mongodb://127.0.0.1:" + mongoServer.getLocalAddress().getPort())
          .put("db_name", "atrium-bench"));
      Path dataDir = Files.createTempDirectory("atrium-auth-bench");
      AuthSettings auth = new AuthSettings("auth-bench-hs256-secret-0123456789abcdef", null, null,
          Duration.ofHours(1), false, false, "admin@bench.test", "not-used-by-the-benchmark");
      TokenService tokens = TokenService.create(vertx, auth, dataDir);
      UserStore users = new UserStore(mongo);
      RoomStore rooms = new RoomStore(mongo);
      accounts = new Accounts(vertx, users, tokens, auth);
      access = new RoomAccess(rooms);

      await(users.ensureIndexes().compose(v -> rooms.ensureIndexes()));
      String hash = new PasswordHasher().hash(PASSWORD);
      UserRecord owner = await(users.create("owner@bench.test", hash, false));
      UserRecord user = await(users.create("viewer@bench.test", hash, false));
      roomId = await(rooms.create("bench room", false, owner.id(), null)).id();
      await(rooms.putMember(roomId, user.id(), Role.VIEWER));
      userId = user.id();
      token = tokens.issue(user);
      // fails here, not in the measurement, if anything above is wrong
      RoomAccess.Grant grant = check();
      if (grant.role() != Role.VIEWER) {
        throw new IllegalStateException("expected viewer, got " + grant.role());
      }
    }

    /** Closes the client, the server and Vert.x. */
    @TearDown(Level.Trial)
    public void stop() throws Exception {
      mongo.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      mongoServer.shutdownNow();
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** One request's worth: who is this token, and may they view the room. */
    RoomAccess.Grant check() throws Exception {
      Future<RoomAccess.Grant> grant = accounts.authenticate(token)
          .compose((AuthUser user) -> access.require(user, roomId, Role.VIEWER));
      return grant.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static <T> T await(Future<T> future) throws Exception {
      return future.toCompletionStage().toCompletableFuture().get(SETUP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }
  }

  /** A hasher and one stored hash of {@link #PASSWORD}. */
  @State(Scope.Benchmark)
  public static class Hashing {
    PasswordHasher hasher;
    String hash;

    /** Computes the stored hash once. */
    @Setup(Level.Trial)
    public void start() {
      hasher = new PasswordHasher();
      hash = hasher.hash(PASSWORD);
    }
  }

  /** Token verification and room check with both per-node caches warm: no I/O. */
  @Benchmark
  public RoomAccess.Grant authorizeCacheHit(Node node) throws Exception {
    return node.check();
  }

  /**
   * The same with the account and the room evicted first: the account, the room and the
   * membership are read from MongoDB (the evictions themselves cost well under a microsecond).
   */
  @Benchmark
  public RoomAccess.Grant authorizeCacheMiss(Node node) throws Exception {
    node.accounts.evict(node.userId);
    node.access.evict(node.roomId);
    return node.check();
  }

  /** One Argon2id hash (m=19456 KiB, t=2, p=1), as registration and password changes pay. */
  @Benchmark
  @BenchmarkMode({Mode.AverageTime, Mode.SampleTime})
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  @Warmup(iterations = 1, time = 2, timeUnit = TimeUnit.SECONDS)
  @Measurement(iterations = 3, time = 3, timeUnit = TimeUnit.SECONDS)
  public String passwordHash(Hashing hashing) {
    return hashing.hasher.hash(PASSWORD);
  }

  /** One Argon2id verification, as every sign-in pays. */
  @Benchmark
  @BenchmarkMode({Mode.AverageTime, Mode.SampleTime})
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  @Warmup(iterations = 1, time = 2, timeUnit = TimeUnit.SECONDS)
  @Measurement(iterations = 3, time = 3, timeUnit = TimeUnit.SECONDS)
  public boolean passwordVerify(Hashing hashing) {
    return hashing.hasher.verify(PASSWORD, hashing.hash);
  }
}
