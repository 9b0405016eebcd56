package dev.atrium.boot;

import dev.atrium.config.ConfigException;
import dev.atrium.config.ResolvedConfig;
import dev.atrium.config.Settings;
import dev.atrium.config.SettingsLoader;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import sun.misc.Signal;

/**
 * {@code atrium serve}: starts a node and runs it until SIGTERM or SIGINT, then shuts it down
 * in order and exits 0. SIGTERM is handled rather than left to the JVM so that a clean shutdown
 * exits 0, not 143; a second signal during shutdown is ignored.
 */
@Command(name = "serve", description = "Run an Atrium node.")
final class ServeCommand implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);
  /** Time on top of the grace period for undeploying, closing stores and leaving the cluster. */
  private static final Duration SHUTDOWN_MARGIN = Duration.ofSeconds(20);

  @Mixin
  private SettingsOptions options;

  @Override
  public Integer call() throws InterruptedException {
    Settings settings;
    try {
      ResolvedConfig config = SettingsLoader.fromProcess().load(options.conf, options.flags());
      LOG.info("configuration loaded [mode: {} ({}), conf file: {}]", config.mode().id(), config.modeReason(),
          config.confFile().exists() ? config.confFile().path() : "none");
      config.checkStartable();
      settings = config.settings();
    } catch (ConfigException e) {
      LOG.error("invalid configuration: {}", e.getMessage());
      System.err.println("atrium: " + e.getMessage());
      return Main.EXIT_CONFIG;
    }
    AtriumServer server;
    try {
      server = AtriumServer.start(settings).toCompletionStage().toCompletableFuture().get();
    } catch (ExecutionException e) {
      System.err.println("atrium: startup failed: " + e.getCause().getMessage());
      return Main.EXIT_FAILURE;
    }
    return runUntilSignalled(server, settings.http().shutdownGrace().plus(SHUTDOWN_MARGIN));
  }

  private static int runUntilSignalled(AtriumServer server, Duration limit) throws InterruptedException {
    CountDownLatch signalledLatch = new CountDownLatch(1);
    CountDownLatch stopped = new CountDownLatch(1);
    AtomicBoolean clean = new AtomicBoolean(false);
    AtomicBoolean signalled = new AtomicBoolean(false);
    Runnable shutdown = () -> {
      signalledLatch.countDown();
      server.stop().onComplete(done -> {
        clean.set(done.succeeded());
        stopped.countDown();
      });
    };
    for (String name : new String[] {"TERM", "INT"}) {
      Signal.handle(new Signal(name), signal -> {
        if (signalled.compareAndSet(false, true)) {
          LOG.info("received SIG{}", signal.getName());
          shutdown.run();
        }
      });
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      if (signalled.compareAndSet(false, true)) {
        shutdown.run();
        awaitQuietly(stopped, limit);
      }
    }, "atrium-shutdown-hook"));
    signalledLatch.await();
    if (!stopped.await(limit.toMillis(), TimeUnit.MILLISECONDS)) {
      LOG.error("shutdown did not finish within {} ms; exiting anyway", limit.toMillis());
      return Main.EXIT_FAILURE;
    }
    return clean.get() ? 0 : Main.EXIT_FAILURE;
  }

  private static void awaitQuietly(CountDownLatch latch, Duration limit) {
    try {
      latch.await(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
