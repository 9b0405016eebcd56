package dev.atrium.blobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageException;
import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;
import dev.atrium.blobs.impl.GcsDataProvider;
import dev.atrium.frames.Field;
import io.vertx.core.Vertx;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The contract against the in-process fake of {@code google-cloud-nio}. The fake rejects blob
 * options, so the provider runs here with preconditions off; {@code GcsEmulatorDataProviderTest}
 * covers them. The fake keeps its objects in static state, so each test uses its own bucket.
 *
 * <p>The fake's metadata update is a no-op that answers null (see {@link #fakeUpdateDoesNothing}),
 * where the service merges the metadata and restarts the object's update time; the provider's
 * "already stored: restart its age" step depends on that. So the provider gets the fake behind
 * {@link #withWorkingUpdate}, which does the update as the service would, by rewriting the object
 * with the merged metadata (the fake's create sets the update time to now).
 */
@DisplayName("The Cloud Storage data provider, on the in-process fake")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GcsFakeDataProviderTest extends DataProviderContract {

  private final Storage fake = LocalStorageHelper.getOptions().getService();
  private final Storage storage = withWorkingUpdate(fake);
  private final String bucket = "fake-" + UUID.randomUUID();

  @Override
  DataProvider create(Vertx vertx) {
    return new GcsDataProvider(vertx, storage, bucket, "atrium", false);
  }

  /** The fake stamps objects with whole seconds. */
  @Override
  Duration clockStep() {
    return Duration.ofMillis(1100);
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
  @DisplayName("needs the update adapter here: the fake's own metadata update changes nothing and answers null")
  void fakeUpdateDoesNothing() throws Exception {
    byte[] data = bytes("touch me");
    String sha = Field.sha256Hex(data);
    await(provider.put(sha, data));
    BlobId id = BlobId.of(bucket, "atrium/blobs/" + sha);
    assertThat(fake.update(BlobInfo.newBuilder(id).setMetadata(Map.of("touched", "now")).build())).isNull();
    assertThat(fake.get(id).getMetadata()).as("metadata after the fake's update").isNullOrEmpty();
    assertThat(storage.update(BlobInfo.newBuilder(id).setMetadata(Map.of("touched", "now")).build()).getMetadata())
        .as("metadata after the adapter's update").containsEntry("touched", "now");
    assertThat(storage.get(id).getMetadata()).containsEntry("touched", "now");
  }

  /**
   * The fake with {@code update(BlobInfo)} done as the service does it: 404 when the object is
   * absent, else its metadata merged and its update time restarted (by storing it again, which the
   * fake does with the update time now). Not atomic, which the fake's callers here do not need.
   */
  static Storage withWorkingUpdate(Storage fake) {
    InvocationHandler handler = (proxy, method, args) -> {
      if (method.getName().equals("update") && args != null && args.length >= 1 && args[0] instanceof BlobInfo info) {
        Blob current = fake.get(info.getBlobId());
        if (current == null) {
          throw new StorageException(404, "No such object: " + info.getBlobId());
        }
        Map<String, String> metadata = new HashMap<>(current.getMetadata() == null ? Map.of() : current.getMetadata());
        if (info.getMetadata() != null) {
          metadata.putAll(info.getMetadata());
        }
        byte[] bytes = fake.readAllBytes(info.getBlobId());
        return fake.create(current.toBuilder().setMetadata(metadata).build(), bytes);
      }
      try {
        return method.invoke(fake, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    };
    return (Storage) Proxy.newProxyInstance(Storage.class.getClassLoader(), new Class<?>[] {Storage.class}, handler);
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
