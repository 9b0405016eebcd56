package dev.atrium.blobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.cloud.storage.Blob;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageException;
import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;
import dev.atrium.blobs.impl.GcsDataProvider;
import dev.atrium.frames.Field;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The contract against the in-process fake of {@code google-cloud-nio}. The fake rejects blob
 * options, so the provider runs here with preconditions off; {@code GcsEmulatorDataProviderTest}
 * covers them. The fake keeps its objects in static state, so each test uses its own bucket.
 */
@DisplayName("The Cloud Storage data provider, on the in-process fake")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GcsFakeDataProviderTest extends DataProviderContract {

  private final Storage storage = LocalStorageHelper.getOptions().getService();
  private final String bucket = "fake-" + UUID.randomUUID();

  @Override
  DataProvider create(Vertx vertx) {
    return new GcsDataProvider(vertx, storage, bucket, "atrium", false);
  }

  @Override
  List<String> storedEntries() {
    List<String> names = new ArrayList<>();
    for (Blob blob : storage.list(bucket).iterateAll()) {
      names.add(blob.getName());
    }
    return names;
  }

  @Test
  @DisplayName("names each object <prefix>/blobs/<sha256>")
  void objectNames() throws Exception {
    byte[] data = bytes("named");
    String sha = Field.sha256Hex(data);
    await(provider.put(sha, data));
    assertThat(storedEntries()).containsExactly("atrium/blobs/" + sha);
  }

  @Test
  @DisplayName("normalizes the prefix and describes itself as gs://bucket/prefix")
  void describes(Vertx vertx) throws Exception {
    assertThat(provider.describe()).isEqualTo("gcs gs://" + bucket + "/atrium/");
    assertThat(new GcsDataProvider(vertx, storage, bucket, "").describe()).isEqualTo("gcs gs://" + bucket + "/");
    assertThat(new GcsDataProvider(vertx, storage, bucket, "/a/b/").describe()).isEqualTo("gcs gs://" + bucket + "/a/b/");
    DataProvider unprefixed = new GcsDataProvider(vertx, storage, bucket, null, false);
    byte[] data = bytes("no prefix");
    await(unprefixed.put(Field.sha256Hex(data), data));
    assertThat(storedEntries()).containsExactly("blobs/" + Field.sha256Hex(data));
    assertThat(await(provider.list())).as("a provider lists only its own prefix").isEmpty();
  }

  @Test
  @DisplayName("has nothing to sweep, uploads being single requests")
  void nothingToSweep() throws Exception {
    assertThat(await(provider.sweepIncomplete())).isZero();
  }

  @Test
  @DisplayName("needs preconditions off here: the fake refuses ifGenerationMatch (why the option exists)")
  void fakeRejectsPreconditions(Vertx vertx) throws Exception {
    DataProvider strict = new GcsDataProvider(vertx, storage, bucket, "atrium");
    byte[] data = bytes("strict");
    assertThat(failure(strict.put(Field.sha256Hex(data), data))).isInstanceOf(StorageException.class);
    assertThat(storedEntries()).isEmpty();
  }
}
