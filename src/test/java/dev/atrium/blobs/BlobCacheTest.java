package dev.atrium.blobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atrium.blobs.impl.LocalDataProvider;
import dev.atrium.frames.Field;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The blob cache")
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BlobCacheTest {

  @Test
  @DisplayName("returns what was put, and nothing after invalidation")
  void putGetInvalidate() {
    BlobCache cache = new BlobCache(1024);
    byte[] data = DataProviderContract.bytes("cached");
    String sha = Field.sha256Hex(data);
    assertThat(cache.get(sha)).isNull();
    cache.put(sha, data);
    assertThat(cache.get(sha)).isSameAs(data);
    cache.invalidate(sha);
    assertThat(cache.get(sha)).isNull();
    assertThat(cache.weightedSize()).isZero();
  }

  @Test
  @DisplayName("never holds more bytes than its bound")
  void boundedByBytes() {
    BlobCache cache = new BlobCache(10_000);
    for (int i = 0; i < 100; i++) {
      byte[] data = DataProviderContract.random(1000, i);
      cache.put(Field.sha256Hex(data), data);
      assertThat(cache.weightedSize()).as("after %d puts", i + 1).isLessThanOrEqualTo(10_000);
    }
    assertThat(cache.weightedSize()).as("filled close to its bound").isGreaterThan(5_000);
  }

  @Test
  @DisplayName("does not keep a blob larger than the whole cache, nor evict others for it")
  void refusesOversized() {
    BlobCache cache = new BlobCache(1000);
    byte[] small = DataProviderContract.random(100, 1);
    cache.put(Field.sha256Hex(small), small);
    byte[] big = DataProviderContract.random(1001, 2);
    cache.put(Field.sha256Hex(big), big);
    assertThat(cache.get(Field.sha256Hex(big))).isNull();
    assertThat(cache.get(Field.sha256Hex(small))).isSameAs(small);
  }

  @Test
  @DisplayName("reads a miss through from the data provider once, then serves it from memory")
  void readsThrough(Vertx vertx, @TempDir Path root) throws Exception {
    DataProvider provider = new LocalDataProvider(vertx, root);
    BlobCache cache = new BlobCache(1 << 20);
    byte[] data = DataProviderContract.random(4096, 3);
    String sha = Field.sha256Hex(data);
    DataProviderContract.await(provider.put(sha, data));
    assertThat(DataProviderContract.await(cache.get(sha, provider))).isEqualTo(data);
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        Files.delete(file);
      }
    }
    assertThat(DataProviderContract.await(cache.get(sha, provider)))
        .as("served from memory although the file is gone").isEqualTo(data);
    assertThat(DataProviderContract.failure(cache.get(Field.sha256Hex(new byte[] {1}), provider)))
        .isInstanceOf(DataProvider.BlobNotFoundException.class);
  }

  @Test
  @DisplayName("refuses a negative bound")
  void negativeBound() {
    assertThatThrownBy(() -> new BlobCache(-1)).isInstanceOf(IllegalArgumentException.class);
  }
}
