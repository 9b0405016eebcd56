package dev.atrium.bench;

import dev.atrium.forecast.model.DjlForecastModel;
import dev.atrium.forecast.model.DjlForecaster;
import dev.atrium.forecast.model.ForecastModel;
import dev.atrium.forecast.model.Forecaster;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/**
 * Step 5 model figures: what one forecast ({@code k} Monte-Carlo samples of the shipped model)
 * costs on one {@link DjlForecaster}, batched into one forward pass ({@code sample}) against
 * {@code k} passes of batch 1 ({@code sampleEach}), for k = 1, 16, 64: per-call p50/p99 and
 * forecasts/s. Then the bare loop — one thread, one predictor, the default k = 64 batched —
 * that the scheduler's saturation figure is compared with ({@link #bareLoop}), and the same with
 * one forecaster per core.
 *
 * <p>Run through {@link Bench} ({@code mvn -Pbench -DskipTests verify -Dbench=model}).
 */
public final class ModelBench {

  /** The pipeline's default number of samples per forecast. */
  public static final int DEFAULT_K = 64;

  private static final Duration WARMUP = Duration.ofSeconds(2);
  private static final Duration MEASURE = Duration.ofSeconds(5);
  private static final int[] KS = {1, 16, 64};
  private static final int WINDOWS = 256;

  private ModelBench() {
  }

  static void run(PrintStream out) throws Exception {
    out.println("== Step 5: forecast model (DJL, PyTorch CPU) ==");
    try (DjlForecastModel model = DjlForecastModel.loadDefault()) {
      out.printf("model %s, window %d, horizon %d, sha256 %s, %d cores%n", model.name(), model.window(),
          model.horizon(), model.sha256(), Runtime.getRuntime().availableProcessors());
      try (DjlForecaster forecaster = model.newForecaster()) {
        float[][] windows = windows(model.window());
        for (int k : KS) {
          Figures batched = perCall(forecaster::sample, windows, k);
          Figures each = perCall(forecaster::sampleEach, windows, k);
          out.printf("k=%-3d batched (1 pass of %2d):  %s%n", k, k, batched);
          out.printf("k=%-3d one by one (%2d passes):  %s   -> batched is %.1fx the forecasts/s%n", k, k, each,
              batched.perSecond / each.perSecond);
        }
      }
      bareLoop(model, DEFAULT_K, WARMUP);
      double one = bareLoop(model, DEFAULT_K, MEASURE);
      out.printf("bare loop, 1 thread, 1 predictor, k=%d batched: %.0f forecasts/s%n", DEFAULT_K, one);
      int cores = Runtime.getRuntime().availableProcessors();
      if (cores > 1) {
        double all = bareLoop(model, DEFAULT_K, MEASURE, cores);
        out.printf("bare loop, %d threads, a predictor each, k=%d batched: %.0f forecasts/s%n", cores, DEFAULT_K, all);
      }
    }
    out.println();
  }

  /**
   * Forecasts/s of a bare loop on the calling thread: one forecaster (one DJL predictor) of
   * {@code model}, {@code sample(window, k)} over and over for {@code duration}, windows rotating
   * through a fixed set. The reference for the scheduler's saturation throughput.
   */
  public static double bareLoop(ForecastModel model, int k, Duration duration) {
    float[][] windows = windows(model.window());
    try (Forecaster forecaster = model.newForecaster()) {
      long deadline = System.nanoTime() + duration.toNanos();
      long started = System.nanoTime();
      long done = 0;
      while (System.nanoTime() < deadline) {
        forecaster.sample(windows[(int) (done % windows.length)], k);
        done++;
      }
      return done / ((System.nanoTime() - started) / 1e9);
    }
  }

  /** The same bare loop on {@code threads} threads at once, a forecaster each; total forecasts/s. */
  public static double bareLoop(ForecastModel model, int k, Duration duration, int threads) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CyclicBarrier start = new CyclicBarrier(threads);
    try {
      List<Future<Double>> rates = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        rates.add(pool.submit(() -> {
          start.await(30, TimeUnit.SECONDS);
          return bareLoop(model, k, duration);
        }));
      }
      double total = 0;
      for (Future<Double> rate : rates) {
        total += rate.get(duration.toSeconds() + 60, TimeUnit.SECONDS);
      }
      return total;
    } finally {
      pool.shutdownNow();
    }
  }

  private static Figures perCall(BiFunction<float[], Integer, float[][]> sampler, float[][] windows, int k) {
    long warm = System.nanoTime() + WARMUP.toNanos();
    for (int i = 0; System.nanoTime() < warm; i++) {
      sampler.apply(windows[i % windows.length], k);
    }
    Latencies latencies = new Latencies();
    long started = System.nanoTime();
    long deadline = started + MEASURE.toNanos();
    long now = started;
    for (int i = 0; now < deadline; i++) {
      long before = now;
      sampler.apply(windows[i % windows.length], k);
      now = System.nanoTime();
      latencies.record(now - before);
    }
    return new Figures(latencies.percentileMicros(50), latencies.percentileMicros(99),
        latencies.count() / ((now - started) / 1e9), latencies.count());
  }

  /** Scaled windows from a sine-plus-noise series, as the pipeline would send them. */
  private static float[][] windows(int window) {
    java.util.Random random = new java.util.Random(1);
    float[][] windows = new float[WINDOWS][window];
    for (int w = 0; w < WINDOWS; w++) {
      for (int i = 0; i < window; i++) {
        int t = w * 7 + i;
        windows[w][i] = (float) (1.2 * Math.sin(2 * Math.PI * t / 50) + 0.6 * Math.sin(2 * Math.PI * t / 13)
            + 0.12 * random.nextGaussian());
      }
    }
    return windows;
  }

  /** One configuration's per-call figures. */
  private record Figures(double p50Micros, double p99Micros, double perSecond, int calls) {
    @Override
    public String toString() {
      return String.format("p50 %7.1f us  p99 %7.1f us  %8.0f forecasts/s  (%d calls)", p50Micros, p99Micros,
          perSecond, calls);
    }
  }
}
