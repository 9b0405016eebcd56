package dev.atrium.testing;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An Atrium node ({@code dev.atrium.boot.Main}) running in a separate JVM, for cluster and fault
 * tests.
 *
 * <p>The child JVM uses the test's own class path and a <em>clean</em> environment: only
 * {@code PATH}, {@code HOME}, {@code JAVA_HOME}, {@code LANG} and {@code TMPDIR} are inherited, plus
 * what the builder adds, so a developer's {@code REDIS_URL} or similar never leaks into a test.
 * Standard output and standard error are merged; every line is kept in memory, appended to
 * {@code target/atrium-processes/<name>-<timestamp>.log} and, unless turned off with
 * {@link Builder#echo(boolean)}, forwarded to this JVM's standard output prefixed with the name.
 *
 * <pre>{@code
 * try (AtriumProcess node = AtriumProcess.builder()
 *     .name("node-a")
 *     .args("serve", "--port", "8081", "--data-dir", dir.toString())
 *     .env("ATRIUM_MODE", "local")
 *     .start()) {
 *   node.waitForReady(8081, Duration.ofSeconds(30));
 *   ...
 * }
 * }</pre>
 */
public final class AtriumProcess implements AutoCloseable {

  /** The server's main class. */
  public static final String MAIN_CLASS = "dev.atrium.boot.Main";

  /** Environment variables inherited from this JVM; everything else is dropped. */
  public static final List<String> INHERITED_ENV =
      List.of("PATH", "HOME", "JAVA_HOME", "LANG", "TMPDIR");

  /** JVM options every child gets, before any {@link Builder#jvmArgs(String...)}. */
  public static final List<String> DEFAULT_JVM_ARGS = List.of(
      "-Xmx384m",
      "-XX:+UseSerialGC",
      "-XX:TieredStopAtLevel=1",
      "-Dhazelcast.phone.home.enabled=false",
      // the opens the jar's manifest grants (pom.xml), for children started from the class path
      "--add-opens=java.base/java.lang=ALL-UNNAMED",
      "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens=java.management/sun.management=ALL-UNNAMED",
      "--add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED",
      "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED");

  private static final Logger LOG = LoggerFactory.getLogger(AtriumProcess.class);
  private static final int FAILURE_TAIL_LINES = 60;
  private static final int MAX_INLINE_CLASSPATH = 100_000;
  private static final DateTimeFormatter FILE_STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS");

  /** Children still running; killed if this JVM exits first, so no node outlives the test run. */
  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      for (Process child : LIVE) {
        child.toHandle().destroyForcibly();
      }
    }, "atrium-process-reaper"));
  }

  private final String name;
  private final Process process;
  private final Path logFile;
  private final BufferedWriter logWriter;
  private final boolean echo;
  private final Thread pump;
  private final Object lock = new Object();
  private final List<String> lines = new ArrayList<>();
  private boolean outputEnded;

  private AtriumProcess(String name, Process process, Path logFile, BufferedWriter logWriter,
      boolean echo) {
    this.name = name;
    this.process = process;
    this.logFile = logFile;
    this.logWriter = logWriter;
    this.echo = echo;
    this.pump = new Thread(this::pumpOutput, "atrium-process-" + name);
    this.pump.setDaemon(true);
    this.pump.start();
    LIVE.add(process);
    process.onExit().thenRun(() -> LIVE.remove(process));
  }

  /**
   * Starts describing a new child process.
   *
   * @return a builder with no arguments, no extra environment and name {@code atrium}
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Runs a short command, such as {@code config show --json}, to completion.
   *
   * @param timeout how long the command may run
   * @param env environment entries added to the clean environment
   * @param args the arguments to {@code dev.atrium.boot.Main}
   * @return the exit code and merged output
   * @throws AssertionError if the command does not finish in time (it is then killed); the message
   *     carries its last output lines
   */
  public static ProcessResult run(Duration timeout, Map<String, String> env, String... args) {
    String name = args.length == 0 ? "cli" : "cli-" + args[0];
    try (AtriumProcess process =
        builder().name(name).env(env).args(args).echo(false).start()) {
      if (!process.waitForExit(timeout)) {
        process.sigkill();
        process.waitForExit(Duration.ofSeconds(10));
        throw new AssertionError("'" + String.join(" ", args) + "' did not finish within "
            + timeout + "; last output:\n" + process.tail(FAILURE_TAIL_LINES));
      }
      return new ProcessResult(process.exitCode(), process.lines());
    }
  }

  /**
   * Returns the name given to the builder, used in thread names, log file names and echoed
   * output.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * Returns the operating-system process id.
   *
   * @return the pid
   */
  public long pid() {
    return process.pid();
  }

  /**
   * Returns the file that receives every output line.
   *
   * @return the log file under {@code target/atrium-processes}
   */
  public Path logFile() {
    return logFile;
  }

  /**
   * Tells whether the process is still running.
   *
   * @return {@code true} while it runs
   */
  public boolean isAlive() {
    return process.isAlive();
  }

  /**
   * Returns a snapshot of the output lines seen so far (stdout and stderr merged).
   *
   * @return an unmodifiable copy
   */
  public List<String> lines() {
    synchronized (lock) {
      return List.copyOf(lines);
    }
  }

  /**
   * Returns the output seen so far as one string.
   *
   * @return the lines joined with {@code \n}
   */
  public String output() {
    return String.join("\n", lines());
  }

  /**
   * Waits for the first output line that contains a match of {@code pattern} (in the sense of
   * {@link java.util.regex.Matcher#find()}), looking at lines already printed first.
   *
   * @param pattern what to look for
   * @param timeout how long to wait
   * @return the first matching line, or empty if none appeared in time or the output ended
   *     (process exited) without one
   */
  public Optional<String> waitForLine(Pattern pattern, Duration timeout) {
    Objects.requireNonNull(pattern, "pattern");
    long deadline = System.nanoTime() + timeout.toNanos();
    int checked = 0;
    synchronized (lock) {
      while (true) {
        for (; checked < lines.size(); checked++) {
          String line = lines.get(checked);
          if (pattern.matcher(line).find()) {
            return Optional.of(line);
          }
        }
        long remaining = deadline - System.nanoTime();
        if (outputEnded || remaining <= 0) {
          return Optional.empty();
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(lock, remaining);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return Optional.empty();
        }
      }
    }
  }

  /**
   * Waits for the process to exit and for its output to be fully read.
   *
   * @param timeout how long to wait
   * @return {@code true} if it exited in time
   */
  public boolean waitForExit(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        return false;
      }
      long remainingMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
      // A grandchild holding the pipe open could keep the pump alive; do not wait for ever.
      pump.join(Math.max(remainingMs, 2_000));
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Returns the exit code.
   *
   * @return the exit code; 143 after {@link #sigterm()} unless the server exits with its own code,
   *     137 after {@link #sigkill()}
   * @throws IllegalStateException if the process is still running
   */
  public int exitCode() {
    try {
      return process.exitValue();
    } catch (IllegalThreadStateException e) {
      throw new IllegalStateException(name + " (pid " + pid() + ") is still running", e);
    }
  }

  /**
   * Asks the process to shut down gracefully (SIGTERM on Linux). Returns at once; what the process
   * prints while shutting down is still captured.
   */
  public void sigterm() {
    LOG.info("SIGTERM -> {} (pid {})", name, pid());
    // ProcessHandle, not Process.destroy(): the latter also closes our end of the output pipe,
    // which loses everything the node prints while it shuts down.
    process.toHandle().destroy();
  }

  /** Kills the process (SIGKILL on Linux), as in a crash. Returns at once. */
  public void sigkill() {
    LOG.info("SIGKILL -> {} (pid {})", name, pid());
    process.toHandle().destroyForcibly();
  }

  /**
   * Polls {@code GET http://127.0.0.1:PORT/health/ready} every 100 ms until it answers 200.
   *
   * @param port the node's HTTP port
   * @param timeout how long to wait
   * @throws AssertionError if the process exits first or the timeout passes; the message carries
   *     the last 60 output lines
   */
  public void waitForReady(int port, Duration timeout) {
    URI uri = URI.create("http://127.0.0.1:" + port + "/health/ready");
    HttpClient client = HttpClient.newBuilder()
        .connectTimeout(Duration.ofSeconds(1))
        .version(HttpClient.Version.HTTP_1_1)
        .build();
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).GET().build();
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "no attempt";
    while (true) {
      if (!process.isAlive()) {
        waitForExit(Duration.ofSeconds(2));
        throw new AssertionError(name + " exited with code " + process.exitValue()
            + " before " + uri + " was ready; last output:\n" + tail(FAILURE_TAIL_LINES));
      }
      try {
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          return;
        }
        last = "HTTP " + response.statusCode() + " " + response.body();
      } catch (IOException e) {
        last = e.toString();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for " + uri, e);
      }
      if (System.nanoTime() - deadline >= 0) {
        throw new AssertionError(name + " was not ready at " + uri + " within " + timeout
            + " (last answer: " + last + "); last output:\n" + tail(FAILURE_TAIL_LINES));
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for " + uri, e);
      }
    }
  }

  /**
   * Returns the last output lines, for failure messages.
   *
   * @param count how many lines at most
   * @return the lines joined with {@code \n}
   */
  public String tail(int count) {
    synchronized (lock) {
      return String.join("\n", lines.subList(Math.max(0, lines.size() - count), lines.size()));
    }
  }

  /** Kills the process if it is still running and waits for it to exit. */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.toHandle().destroyForcibly();
    }
    if (!waitForExit(Duration.ofSeconds(30))) {
      LOG.warn("{} (pid {}) did not exit 30 s after SIGKILL", name, pid());
    }
    closeLog();
  }

  @Override
  public String toString() {
    return "AtriumProcess[" + name + ", pid " + pid() + (isAlive() ? ", running" : ", exited")
        + "]";
  }

  private void pumpOutput() {
    try (BufferedReader reader = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        synchronized (lock) {
          lines.add(line);
          lock.notifyAll();
        }
        writeLog(line);
        if (echo) {
          // Forwarding the child's output is this helper's job; surefire files it per test class.
          System.out.println("[" + name + "] " + line);
        }
      }
    } catch (IOException e) {
      LOG.debug("output of {} ended: {}", name, e.toString());
    } finally {
      synchronized (lock) {
        outputEnded = true;
        lock.notifyAll();
      }
      closeLog();
    }
  }

  private void writeLog(String line) {
    synchronized (logWriter) {
      try {
        logWriter.write(line);
        logWriter.newLine();
        logWriter.flush();
      } catch (IOException e) {
        // closed or disk trouble: the in-memory copy is still complete
      }
    }
  }

  private void closeLog() {
    synchronized (logWriter) {
      try {
        logWriter.close();
      } catch (IOException e) {
        LOG.debug("cannot close {}", logFile, e);
      }
    }
  }

  private static Path createLogFile(String name) throws IOException {
    String base = System.getProperty("basedir", System.getProperty("user.dir"));
    Path dir = Path.of(base, "target", "atrium-processes");
    Files.createDirectories(dir);
    String stem = name.replaceAll("[^A-Za-z0-9._-]", "_") + "-"
        + LocalDateTime.now().format(FILE_STAMP);
    for (int n = 1; ; n++) {
      Path candidate = dir.resolve(n == 1 ? stem + ".log" : stem + "-" + n + ".log");
      try {
        return Files.createFile(candidate);
      } catch (FileAlreadyExistsException taken) {
        // another process with the same name started in the same millisecond
      }
    }
  }

  /**
   * The outcome of {@link AtriumProcess#run(Duration, Map, String...)}.
   *
   * @param exitCode the process's exit code
   * @param lines its merged stdout and stderr lines
   */
  public record ProcessResult(int exitCode, List<String> lines) {

    /**
     * Creates a result, copying the lines.
     *
     * @param exitCode the process's exit code
     * @param lines its merged stdout and stderr lines
     */
    public ProcessResult {
      lines = List.copyOf(lines);
    }

    /**
     * Returns the merged stdout and stderr.
     *
     * @return the lines joined with {@code \n}
     */
    public String output() {
      return String.join("\n", lines);
    }
  }

  /** Describes a child process; {@link #start()} launches it. */
  public static final class Builder {
    private final List<String> args = new ArrayList<>();
    private final List<String> jvmArgs = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private String name = "atrium";
    private Path workDir;
    private boolean echo = true;
    private Path jar;

    private Builder() {
    }

    /**
     * Runs the built fat jar ({@code java -jar}) instead of the test class path.
     *
     * @param value e.g. {@code target/atrium.jar}
     * @return this builder
     */
    public Builder jar(Path value) {
      jar = value;
      return this;
    }

    /**
     * Appends arguments for {@code dev.atrium.boot.Main}.
     *
     * @param values the arguments, e.g. {@code "serve", "--port", "8081"}
     * @return this builder
     */
    public Builder args(String... values) {
      args.addAll(Arrays.asList(values));
      return this;
    }

    /**
     * Appends JVM options after the {@linkplain #DEFAULT_JVM_ARGS defaults}, e.g. a system
     * property.
     *
     * @param values the options
     * @return this builder
     */
    public Builder jvmArgs(String... values) {
      jvmArgs.addAll(Arrays.asList(values));
      return this;
    }

    /**
     * Adds one environment variable to the clean environment, replacing an inherited one.
     *
     * @param key the variable
     * @param value its value
     * @return this builder
     */
    public Builder env(String key, String value) {
      env.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /**
     * Adds environment variables to the clean environment.
     *
     * @param values the variables; {@code null} adds nothing
     * @return this builder
     */
    public Builder env(Map<String, String> values) {
      if (values != null) {
        values.forEach(this::env);
      }
      return this;
    }

    /**
     * Names the process for log file names, thread names and echoed output.
     *
     * @param value e.g. {@code node-a}
     * @return this builder
     */
    public Builder name(String value) {
      name = Objects.requireNonNull(value, "name");
      return this;
    }

    /**
     * Sets the child's working directory; by default it is this JVM's.
     *
     * @param dir the directory
     * @return this builder
     */
    public Builder workDir(Path dir) {
      workDir = dir;
      return this;
    }

    /**
     * Chooses whether output lines are also printed to this JVM's standard output.
     *
     * @param value {@code true} (the default) to print them
     * @return this builder
     */
    public Builder echo(boolean value) {
      echo = value;
      return this;
    }

    /**
     * Launches the process. Returns at once; use {@link AtriumProcess#waitForReady(int, Duration)}
     * or {@link AtriumProcess#waitForLine(Pattern, Duration)} to wait for it.
     *
     * @return the running process
     * @throws UncheckedIOException if the JVM cannot be launched or the log file not created
     */
    public AtriumProcess start() {
      try {
        Path logFile = createLogFile(name);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(DEFAULT_JVM_ARGS);
        command.addAll(jvmArgs);
        if (jar == null) {
          command.addAll(classPathArgs(logFile));
          command.add(MAIN_CLASS);
        } else {
          command.add("-jar");
          command.add(jar.toAbsolutePath().toString());
        }
        command.addAll(args);

        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        if (workDir != null) {
          builder.directory(workDir.toFile());
        }
        Map<String, String> childEnv = builder.environment();
        childEnv.clear();
        for (String key : INHERITED_ENV) {
          String value = System.getenv(key);
          if (value != null) {
            childEnv.put(key, value);
          }
        }
        childEnv.putAll(env);

        BufferedWriter writer = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8);
        writer.write("# " + String.join(" ", args) + System.lineSeparator());
        writer.write("# env " + masked(env) + System.lineSeparator());
        writer.flush();
        Process process;
        try {
          process = builder.start();
        } catch (IOException e) {
          writer.close();
          throw e;
        }
        LOG.info("started {} (pid {}): {}; log {}", name, process.pid(), args, logFile);
        return new AtriumProcess(name, process, logFile, writer, echo);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start " + name + " " + args, e);
      }
    }

    private static Map<String, String> masked(Map<String, String> env) {
      Map<String, String> shown = new LinkedHashMap<>();
      env.forEach((key, value) -> shown.put(key,
          key.contains("SECRET") || key.contains("PASSWORD") || key.contains("KEY") ? "****" : value));
      return shown;
    }

    /**
     * Passes the class path inline, or through a JVM argument file when it is too long for one
     * command-line argument (Linux caps a single argument at 128 KiB).
     */
    private static List<String> classPathArgs(Path logFile) throws IOException {
      String classPath = System.getProperty("java.class.path");
      if (classPath.length() <= MAX_INLINE_CLASSPATH) {
        return List.of("-cp", classPath);
      }
      Path argFile = logFile.resolveSibling(logFile.getFileName() + ".classpath");
      String quoted = classPath.replace("\\", "\\\\").replace("\"", "\\\"");
      Files.writeString(argFile, "-cp \"" + quoted + "\"\n", StandardCharsets.UTF_8);
      return List.of("@" + argFile);
    }
  }
}
