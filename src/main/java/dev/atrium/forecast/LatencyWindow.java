package dev.atrium.forecast;

import java.util.Arrays;

/**
 * The most recent latency samples of one kind (a ring of fixed size) and their exact
 * percentiles, for the status endpoint. Prometheus gets the same samples as Micrometer timers;
 * this ring answers "what is p99 now" without a scrape and deterministically in tests.
 */
public final class LatencyWindow {

  private final long[] nanos;
  private int next;
  private int size;

  /** A window of the last {@code capacity} samples. */
  public LatencyWindow(int capacity) {
    this.nanos = new long[capacity];
  }

  /** Adds one sample. */
  public synchronized void record(long sampleNanos) {
    nanos[next] = Math.max(0, sampleNanos);
    next = (next + 1) % nanos.length;
    size = Math.min(size + 1, nanos.length);
  }

  /** Samples held. */
  public synchronized int size() {
    return size;
  }

  /**
   * The nearest-rank percentile of the samples held, in milliseconds, or 0 when there are none.
   *
   * @param percent 0 to 100
   */
  public double percentileMillis(double percent) {
    long[] copy;
    synchronized (this) {
      if (size == 0) {
        return 0;
      }
      copy = Arrays.copyOf(nanos, size);
    }
    Arrays.sort(copy);
    int rank = (int) Math.ceil(percent / 100.0 * copy.length);
    long value = copy[Math.min(copy.length - 1, Math.max(0, rank - 1))];
    return value / 1_000_000.0;
  }
}
