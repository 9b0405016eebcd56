package dev.atrium.blobs;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.vertx.core.Future;
import java.util.Objects;

/**
 * Recently used blob bytes in memory, in front of a {@link DataProvider}: bounded by their total
 * size, least useful evicted first (Caffeine's W-TinyLFU). Entries are immutable content addressed by
 * hash, so a cached blob is never stale; {@link #invalidate} exists for deletion.
 *
 * <p>Only verified bytes belong here (what {@link DataProvider#get} returned, or what
 * {@link DataProvider#put} accepted). The arrays are shared, not copied: callers must not modify
 * them. Thread-safe.
 */
public final class BlobCache {

  private final long maxBytes;
  private final Cache<String, byte[]> cache;

  /** @param maxBytes the most bytes of blob data held; 0 disables caching */
  public BlobCache(long maxBytes) {
    if (maxBytes < 0) {
      throw new IllegalArgumentException("maxBytes must not be negative, got " + maxBytes);
    }
    this.maxBytes = maxBytes;
    this.cache = Caffeine.newBuilder()
        .maximumWeight(maxBytes)
        .weigher((String sha256, byte[] data) -> data.length)
        // evict on the writing thread, so the bound holds as soon as put returns
        .executor(Runnable::run)
        .build();
  }

  /** The cached bytes, or {@code null}. */
  public byte[] get(String sha256) {
    return cache.getIfPresent(sha256);
  }

  /** Caches a blob's verified bytes; one larger than the whole cache is not kept. */
  public void put(String sha256, byte[] data) {
    Objects.requireNonNull(sha256, "sha256");
    Objects.requireNonNull(data, "data");
    if (data.length > maxBytes) {
      return;
    }
    cache.put(sha256, data);
  }

  /** Forgets a blob (after deleting it from storage). */
  public void invalidate(String sha256) {
    cache.invalidate(sha256);
  }

  /**
   * The blob from the cache, or else from {@code source} (which verifies it), then cached.
   * Concurrent misses for the same blob may each read it from {@code source}.
   */
  public Future<byte[]> get(String sha256, DataProvider source) {
    byte[] cached = get(sha256);
    if (cached != null) {
      return Future.succeededFuture(cached);
    }
    return source.get(sha256).onSuccess(data -> put(sha256, data));
  }

  /** Bytes held now. */
  public long weightedSize() {
    cache.cleanUp();
    return cache.policy().eviction().map(eviction -> eviction.weightedSize().orElse(0L)).orElse(0L);
  }

  /** The bound given at construction. */
  public long maxBytes() {
    return maxBytes;
  }
}
