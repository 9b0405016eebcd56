package dev.atrium.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * The forecast pipeline: model, workers, queues and caches of one node.
 *
 * @param model model directory, or null for the default model shipped in the jar
 * @param inferenceWorkers inference worker instances (already resolved: at least 1)
 * @param calcWorkers calc worker instances (already resolved: at least 1)
 * @param samples stochastic forward passes per forecast (K)
 * @param deadline a user draw not started within this time is dropped with 503
 * @param userQueue most user draws queued per node
 * @param backgroundQueue most background tasks queued per node
 * @param scheduling priority or plain FIFO
 * @param processBatch most background tasks of one dataset queued at once
 * @param resultCacheCount forecast plots kept in the result cache
 * @param resultTtl life of a cached forecast plot
 * @param densityPoints grid points of the final-step density
 */
public record ForecastSettings(Path model, int inferenceWorkers, int calcWorkers, int samples, Duration deadline,
    int userQueue, int backgroundQueue, Scheduling scheduling, int processBatch, int resultCacheCount,
    Duration resultTtl, int densityPoints) {

  /** How the scheduler orders work. */
  public enum Scheduling {
    /** User draws first, newest first; background work oldest first, only when no user draw waits. */
    PRIORITY,
    /** One queue in arrival order, user and background alike (for comparison). */
    FIFO;

    /** The setting's spelling. */
    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code priority} or {@code fifo}. */
    public static Scheduling parse(String text) {
      for (Scheduling scheduling : values()) {
        if (scheduling.id().equals(text.trim().toLowerCase(Locale.ROOT))) {
          return scheduling;
        }
      }
      throw new IllegalArgumentException("must be priority or fifo");
    }
  }

  /**
   * The inference workers a worker count of 0 stands for on {@code cores} cores: what
   * {@link #automaticWorkerBudget} leaves once the calc workers have theirs.
   */
  public static int automaticInferenceWorkers(int cores) {
    return automaticWorkerBudget(cores) - automaticCalcWorkers(cores);
  }

  /**
   * The calc workers a worker count of 0 stands for: about a quarter of the budget, the share of
   * plot-making in a forecast's CPU time (≈ 40 µs of ≈ 160 µs with the shipped model); at least 1.
   */
  public static int automaticCalcWorkers(int cores) {
    return Math.max(1, (automaticWorkerBudget(cores) + 2) / 4);
  }

  /**
   * Busy threads the forecast workers may keep: one core fewer than there are, so that the event
   * loops (HTTP, bus, scheduler) always find one and a draw's hops are not queued behind forward
   * passes; at least 2 (one worker of each kind). 2 cores give 1 + 1 workers, 4 give 2 + 1, 8 give
   * 5 + 2, 16 give 11 + 4.
   */
  private static int automaticWorkerBudget(int cores) {
    return Math.max(2, cores - 1);
  }

  /** Refuses values the pipeline cannot work with. */
  public ForecastSettings {
    if (inferenceWorkers < 1 || calcWorkers < 1) {
      throw new IllegalArgumentException("worker counts must be at least 1");
    }
    if (samples < 2) {
      throw new IllegalArgumentException("samples must be at least 2");
    }
    if (deadline == null || deadline.isZero() || deadline.isNegative()) {
      throw new IllegalArgumentException("deadline must be longer than zero");
    }
    if (userQueue < 1 || backgroundQueue < 1 || processBatch < 1 || resultCacheCount < 1) {
      throw new IllegalArgumentException("queue, batch and cache sizes must be at least 1");
    }
    if (resultTtl == null || resultTtl.isZero() || resultTtl.isNegative()) {
      throw new IllegalArgumentException("resultTtl must be longer than zero");
    }
    if (densityPoints < 8) {
      throw new IllegalArgumentException("densityPoints must be at least 8");
    }
  }
}
