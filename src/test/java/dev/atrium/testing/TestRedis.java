package dev.atrium.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.core.ExecutableProvider;

/**
 * A real Redis server for tests, run as a child process on a free loopback port.
 *
 * <p>{@link #shared()} starts one server for the whole test run; it is stopped when the JVM exits.
 * {@link #startNew()} starts a private one for a test that must not disturb others (close it when
 * done). The server keeps nothing on disk ({@code --save ""}, {@code --appendonly no}), listens on
 * {@code 127.0.0.1} only and runs in its own temporary directory.
 *
 * <p>The binary is {@code redis-server} from {@code PATH} when there is one, otherwise the
 * linux-amd64 binary shipped inside the {@code embedded-redis} test dependency.
 *
 * <p>{@link #stop()} and {@link #start()} stop and restart the server on the <em>same</em> port, so
 * clients configured with {@link #url()} can reconnect; all data is lost across a restart.
 */
public final class TestRedis implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(TestRedis.class);
  private static final String HOST = "127.0.0.1";
  private static final long START_TIMEOUT_MS = 15_000;
  private static final long STOP_TIMEOUT_MS = 10_000;
  private static final int KEPT_OUTPUT_LINES = 200;

  private static TestRedis shared;
  private static Path executable;
  private static String executableSource;

  private final int port;
  private final Path workDir;
  private final Deque<String> recentOutput = new ArrayDeque<>();
  private final Thread shutdownHook;
  private volatile Process process;
  private boolean closed;

  private TestRedis(int port) {
    this.port = port;
    try {
      this.workDir = Files.createTempDirectory("atrium-test-redis-" + port + "-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a working directory for Redis", e);
    }
    this.shutdownHook = new Thread(this::shutdownQuietly, "test-redis-shutdown-" + port);
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /**
   * Returns the Redis server shared by the whole test run, starting it on first use. If a test
   * stopped it, it is <em>not</em> restarted here; {@link RedisExtension} does that before each
   * test class.
   *
   * @return the shared server
   * @throws IllegalStateException if the server cannot be started
   */
  public static synchronized TestRedis shared() {
    if (shared == null) {
      TestRedis redis = new TestRedis(FreePorts.next());
      try {
        redis.start();
      } catch (RuntimeException e) {
        redis.close();
        throw e;
      }
      shared = redis;
    }
    return shared;
  }

  /**
   * Starts a private Redis server on a new free port. The caller owns it and should
   * {@link #close()} it; it is also stopped at JVM exit.
   *
   * @return the started server
   * @throws IllegalStateException if the server cannot be started
   */
  public static TestRedis startNew() {
    TestRedis redis = new TestRedis(FreePorts.next());
    try {
      redis.start();
    } catch (RuntimeException e) {
      redis.close();
      throw e;
    }
    return redis;
  }

  /**
   * Returns the TCP port the server listens on; it stays the same across restarts.
   *
   * @return the port
   */
  public int port() {
    return port;
  }

  /**
   * Returns the connection string for Redis clients.
   *
   * @return {@code redis://127.0.0.1:PORT}
   */
  public String url() {
    return "redis://" + HOST + ":" + port;
  }

  /**
   * Tells whether the server process is alive.
   *
   * @return {@code true} while the process runs
   */
  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /**
   * Starts the server on {@link #port()} and returns once it answers {@code PING}. Does nothing if
   * it is already running.
   *
   * @throws IllegalStateException if the server exits or does not answer in time; the message
   *     carries its last output lines
   */
  public synchronized void start() {
    if (closed) {
      throw new IllegalStateException("this TestRedis was closed");
    }
    if (isRunning()) {
      return;
    }
    List<String> command = new ArrayList<>();
    command.add(resolveExecutable().toString());
    command.addAll(List.of(
        "--port", Integer.toString(port),
        "--bind", HOST,
        "--save", "",
        "--appendonly", "no",
        "--dir", workDir.toString(),
        "--daemonize", "no",
        "--logfile", ""));
    synchronized (recentOutput) {
      recentOutput.clear();
    }
    ProcessBuilder builder = new ProcessBuilder(command)
        .directory(workDir.toFile())
        .redirectErrorStream(true);
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command, e);
    }
    Process started = process;
    Thread pump = new Thread(() -> pumpOutput(started.getInputStream()),
        "test-redis-output-" + port);
    pump.setDaemon(true);
    pump.start();

    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MS);
    while (!answersPing()) {
      if (!started.isAlive()) {
        throw new IllegalStateException("Redis exited with code " + started.exitValue()
            + " while starting on port " + port + "; output:\n" + recentOutput());
      }
      if (System.nanoTime() > deadline) {
        stopProcess();
        throw new IllegalStateException("Redis did not answer PING on port " + port + " within "
            + START_TIMEOUT_MS + " ms; output:\n" + recentOutput());
      }
      sleep(20);
    }
    LOG.info("Redis ({}) running at {} (pid {})", executableSource, url(), started.pid());
  }

  /**
   * Stops the server (SIGTERM, then SIGKILL if it does not exit in time) and returns once the
   * process has exited, so the port refuses connections. Does nothing if it is not running.
   */
  public synchronized void stop() {
    if (process == null) {
      return;
    }
    stopProcess();
    LOG.info("Redis at {} stopped", url());
  }

  /**
   * Deletes every key in every database, for tests that share the server. Uses a plain socket, so
   * it does not depend on any client library.
   *
   * @throws IllegalStateException if the server is not running or does not reply {@code +OK}
   */
  public void flushAll() {
    String reply = command("FLUSHALL");
    if (!"+OK".equals(reply)) {
      throw new IllegalStateException("FLUSHALL answered " + reply);
    }
  }

  /**
   * Stops the server and deletes its working directory. A closed instance cannot be restarted.
   * Closing the {@link #shared()} instance is allowed but leaves later tests without Redis.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      stop();
      closed = true;
      deleteWorkDir();
    }
    synchronized (TestRedis.class) {
      if (shared == this) {
        shared = null;
      }
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException alreadyShuttingDown) {
      // the hook is running or about to run; nothing left to do
    }
  }

  @Override
  public String toString() {
    return "TestRedis[" + url() + (isRunning() ? ", running" : ", stopped") + "]";
  }

  private void stopProcess() {
    Process p = process;
    process = null;
    if (p == null) {
      return;
    }
    p.toHandle().destroy();
    try {
      if (!p.waitFor(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
        LOG.warn("Redis at {} ignored SIGTERM for {} ms; killing it", url(), STOP_TIMEOUT_MS);
        p.toHandle().destroyForcibly();
        p.waitFor(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      p.toHandle().destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private void shutdownQuietly() {
    Process p = process;
    if (p != null && p.isAlive()) {
      p.toHandle().destroy();
      try {
        if (!p.waitFor(3, TimeUnit.SECONDS)) {
          p.toHandle().destroyForcibly();
        }
      } catch (InterruptedException e) {
        p.toHandle().destroyForcibly();
      }
    }
    deleteWorkDir();
  }

  private void deleteWorkDir() {
    if (!Files.exists(workDir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(workDir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      LOG.debug("could not delete {}", workDir, e);
    }
  }

  private boolean answersPing() {
    try {
      return "+PONG".equals(command("PING"));
    } catch (IllegalStateException e) {
      return false;
    }
  }

  /** Sends one inline command over a fresh socket and returns the first reply line. */
  private String command(String inline) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(HOST, port), 1_000);
      socket.setSoTimeout(2_000);
      OutputStream out = socket.getOutputStream();
      out.write((inline + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      BufferedReader in = new BufferedReader(
          new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
      String reply = in.readLine();
      if (reply == null) {
        throw new IllegalStateException("Redis at " + url() + " closed the connection");
      }
      return reply;
    } catch (IOException e) {
      throw new IllegalStateException("Redis at " + url() + " unreachable: " + e.getMessage(), e);
    }
  }

  private void pumpOutput(InputStream stream) {
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        LOG.debug("[redis:{}] {}", port, line);
        synchronized (recentOutput) {
          if (recentOutput.size() == KEPT_OUTPUT_LINES) {
            recentOutput.removeFirst();
          }
          recentOutput.addLast(line);
        }
      }
    } catch (IOException e) {
      // the JDK closes the stream when the process exits; nothing was lost that matters
      LOG.trace("Redis output on port {} ended: {}", port, e.toString());
    }
  }

  private String recentOutput() {
    synchronized (recentOutput) {
      return String.join("\n", recentOutput);
    }
  }

  private static synchronized Path resolveExecutable() {
    if (executable == null) {
      Path onPath = findOnPath("redis-server");
      if (onPath != null) {
        executable = onPath;
        executableSource = "redis-server from PATH: " + onPath;
      } else {
        try {
          executable = ExecutableProvider.newJarResourceProvider().get().toPath();
        } catch (IOException e) {
          throw new UncheckedIOException(
              "no redis-server on PATH and the embedded-redis binary cannot be unpacked", e);
        }
        executableSource = "embedded-redis binary " + executable;
      }
      LOG.info("Using {}", executableSource);
    }
    return executable;
  }

  private static Path findOnPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String dir : path.split(java.io.File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return candidate.toAbsolutePath();
      }
    }
    return null;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for Redis", e);
    }
  }
}
