package dev.atrium.config;

import java.time.Duration;

/**
 * The Data Cache of forecast datasets: its bounds, its TTL and the node-local parsed cache.
 *
 * @param maxUpload largest CSV upload in bytes (one MongoDB document holds it)
 * @param maxCount most datasets kept; the least recently used are evicted past it
 * @param maxBytes most CSV bytes kept; the least recently used are evicted past it
 * @param ttl a dataset unused for this long is removed
 * @param localCacheBytes memory per node for parsed datasets
 */
public record DatasetSettings(long maxUpload, int maxCount, long maxBytes, Duration ttl, long localCacheBytes) {

  /** The largest upload one MongoDB document can carry with its few other fields: 16 MB less 1 KB. */
  public static final long MAX_UPLOAD_LIMIT = (16L << 20) - 1024;

  /** Refuses values the cache cannot work with. */
  public DatasetSettings {
    if (maxUpload < 1 || maxUpload > MAX_UPLOAD_LIMIT) {
      throw new IllegalArgumentException("maxUpload must be between 1 and " + MAX_UPLOAD_LIMIT + " bytes");
    }
    if (maxCount < 1) {
      throw new IllegalArgumentException("maxCount must be at least 1");
    }
    if (maxBytes < maxUpload) {
      throw new IllegalArgumentException("maxBytes must be at least maxUpload");
    }
    if (ttl == null || ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("ttl must be longer than zero");
    }
    if (localCacheBytes < 0) {
      throw new IllegalArgumentException("localCacheBytes must not be negative");
    }
  }

  /**
   * How often each node sweeps out expired datasets: a quarter of the TTL, between 100 ms and one
   * minute, so a dataset outlives its TTL by at most that.
   */
  public Duration sweepInterval() {
    long quarter = ttl.toMillis() / 4;
    return Duration.ofMillis(Math.max(100, Math.min(quarter, 60_000)));
  }

  /**
   * How often one node records a use in the shared catalogue ({@code lastUsed}) while it keeps
   * using a dataset from memory: at most every 5 s, and often enough that use keeps it alive.
   */
  public Duration touchInterval() {
    return Duration.ofMillis(Math.max(10, Math.min(5_000, ttl.toMillis() / 4)));
  }
}
