package dev.atrium.forecast.model;

import ai.djl.pytorch.jni.JniUtils;

/**
 * What DJL must know before its engine starts. {@code boot.Main} applies it first thing; the
 * model classes apply it again for other entry points (tests, benchmarks, embedding).
 * <ul>
 *   <li>{@code ai.djl.offline=true}, always: the PyTorch native library comes from the
 *       {@code pytorch-native-cpu} jar on the class path and nothing is ever downloaded (this
 *       also stops DJL's telemetry probe);</li>
 *   <li>one PyTorch intra-op and one inter-op thread, unless {@code ai.djl.pytorch.num_threads} /
 *       {@code ai.djl.pytorch.num_interop_threads} are set: the forecaster is a small MLP and the
 *       parallelism is one inference worker per core. Measured on the 2-core machine under load,
 *       two intra-op threads per pass made a 64-sample batched pass stall for tens of
 *       milliseconds at p99 (the pool's threads fight the other workers for the cores), and the
 *       bare loop fell from about 7,800 to under 200 forecasts/s.</li>
 *   <li>the intra-op count again on every thread that runs a forward pass ({@link #onThisThread}):
 *       the engine applies the property on the thread that starts it only, and OpenMP gives every
 *       other thread a team of one thread per core. Measured on the 2-core machine: without it each
 *       inference worker dragged along a spinning OpenMP thread (about 60 µs of CPU per forecast,
 *       a quarter of the pipeline's), as {@code OMP_NUM_THREADS=1} in the environment also shows.</li>
 * </ul>
 */
public final class DjlSetup {

  /** DJL's offline switch. */
  public static final String OFFLINE = "ai.djl.offline";
  /** PyTorch intra-op threads per forward pass. */
  public static final String THREADS = "ai.djl.pytorch.num_threads";
  /** PyTorch inter-op threads. */
  public static final String INTEROP_THREADS = "ai.djl.pytorch.num_interop_threads";

  /** Whether this thread has had its intra-op thread count set. */
  private static final ThreadLocal<Boolean> THREAD_SET = ThreadLocal.withInitial(() -> false);

  private DjlSetup() {
  }

  /**
   * Sets the intra-op thread count ({@value #THREADS}, 1 by default) for the calling thread, once
   * per thread; call before its first forward pass. The engine must have started.
   */
  public static void onThisThread() {
    if (!THREAD_SET.get()) {
      JniUtils.setNumThreads(Integer.getInteger(THREADS, 1));
      THREAD_SET.set(true);
    }
  }

  /** Sets the properties above; call before the first DJL engine use (later calls change nothing). */
  public static void apply() {
    System.setProperty(OFFLINE, "true");
    if (System.getProperty(THREADS) == null) {
      System.setProperty(THREADS, "1");
    }
    if (System.getProperty(INTEROP_THREADS) == null) {
      System.setProperty(INTEROP_THREADS, "1");
    }
  }
}
