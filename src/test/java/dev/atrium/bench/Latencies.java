package dev.atrium.bench;

import java.util.Arrays;

/** Latency samples in nanoseconds, with percentiles. Not thread-safe: record from one thread. */
final class Latencies {

  private long[] samples = new long[1 << 16];
  private int count;

  void record(long nanos) {
    if (count == samples.length) {
      samples = Arrays.copyOf(samples, count * 2);
    }
    samples[count++] = nanos;
  }

  int count() {
    return count;
  }

  /** The p-th percentile (0-100) in microseconds. */
  double percentileMicros(double p) {
    if (count == 0) {
      return Double.NaN;
    }
    long[] sorted = Arrays.copyOf(samples, count);
    Arrays.sort(sorted);
    int index = (int) Math.min(count - 1, Math.max(0, Math.ceil(p / 100.0 * count) - 1));
    return sorted[index] / 1_000.0;
  }

  String summary() {
    return String.format("p50 %.1f us, p99 %.1f us, max %.1f us (%d samples)",
        percentileMicros(50), percentileMicros(99), percentileMicros(100), count);
  }
}
