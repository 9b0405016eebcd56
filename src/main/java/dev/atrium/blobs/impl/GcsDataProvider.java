package dev.atrium.blobs.impl;

import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageException;
import dev.atrium.blobs.DataProvider;
import dev.atrium.frames.Field;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Blobs as objects {@code <prefix>blobs/<sha256>} in a Google Cloud Storage bucket.
 *
 * <p>Each blob is uploaded in a single request, so the object does not exist until the service has
 * all of its bytes: a reader never sees a partial blob and an interrupted upload leaves nothing.
 * The upload carries the precondition {@code ifGenerationMatch=0} (create only if absent): a
 * concurrent or repeated upload of the same blob gets 412 from the service, which here means "already
 * stored", so it succeeds without replacing the object (its creation time, which garbage collection
 * reads, is the first upload's). Bytes read back are refused with {@link BlobMismatchException} when
 * they do not match their address: the client already checks them against the service's crc32c
 * when the response carries one, and this class hashes them again whatever the client checked.
 *
 * <p>Every address is checked to be 64 lower-case hex digits before it is used in an object name; a
 * bad one fails the call with {@link IllegalArgumentException}. The client is blocking, so every
 * call runs on a Vert.x worker thread, unordered, so concurrent calls proceed in parallel.
 */
public final class GcsDataProvider implements DataProvider {

  private static final Logger LOG = LoggerFactory.getLogger(GcsDataProvider.class);
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final int PRECONDITION_FAILED = 412;
  private static final int NOT_FOUND = 404;

  private final Vertx vertx;
  private final Storage storage;
  private final String bucket;
  private final String prefix;
  private final String blobPrefix;
  private final boolean usePreconditions;

  /**
   * A provider that creates objects with the {@code ifGenerationMatch=0} precondition: the one to use
   * against the real service.
   *
   * @param vertx runs the blocking client on its worker pool
   * @param storage the client
   * @param bucket the bucket name
   * @param prefix put before {@code blobs/} in every object name; empty for none, a missing trailing
   *     {@code /} is added
   */
  public GcsDataProvider(Vertx vertx, Storage storage, String bucket, String prefix) {
    this(vertx, storage, bucket, prefix, true);
  }

  /**
   * A provider that may do without preconditions.
   *
   * <p>{@code usePreconditions = false} exists only for the in-process fake of
   * {@code google-cloud-nio} ({@code LocalStorageHelper}), which rejects every blob option,
   * {@code doesNotExist()} included. Without the precondition a put first asks whether the object
   * exists and uploads only when it does not; two concurrent puts of a new blob may then both
   * upload, and the second replaces the first with identical bytes. That is harmless for content
   * addressed by its hash, but a replacement gets a new creation time and, on the real service, a
   * new generation, so production code passes {@code true}.
   *
   * @param vertx runs the blocking client on its worker pool
   * @param storage the client
   * @param bucket the bucket name
   * @param prefix put before {@code blobs/} in every object name; empty for none, a missing trailing
   *     {@code /} is added
   * @param usePreconditions create objects with {@code ifGenerationMatch=0}; {@code true} except
   *     against a fake that cannot evaluate it
   */
  public GcsDataProvider(Vertx vertx, Storage storage, String bucket, String prefix, boolean usePreconditions) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.storage = Objects.requireNonNull(storage, "storage");
    if (bucket == null || bucket.isBlank()) {
      throw new IllegalArgumentException("a bucket name is required");
    }
    this.bucket = bucket;
    this.prefix = normalize(prefix);
    this.blobPrefix = this.prefix + "blobs/";
    this.usePreconditions = usePreconditions;
  }

  @Override
  public Future<Boolean> put(String sha256, byte[] data) {
    Objects.requireNonNull(data, "data");
    return blocking(sha256, () -> {
      String actual = Field.sha256Hex(data);
      if (!actual.equals(sha256)) {
        throw new BlobMismatchException(sha256, actual);
      }
      com.google.cloud.storage.BlobInfo info = com.google.cloud.storage.BlobInfo.newBuilder(idOf(sha256))
          .setContentType("application/octet-stream")
          .build();
      if (!usePreconditions) {
        if (storage.get(info.getBlobId()) == null) {
          storage.create(info, data);
          return true;
        }
        return !touch(info.getBlobId()) && create(info, data);
      }
      if (create(info, data)) {
        return true;
      }
      // it existed: restart its age, unless it was moved aside meanwhile — then store it again
      return !touch(info.getBlobId()) && create(info, data);
    });
  }

  /** Creates the object unless it exists (412 with preconditions); true when this call created it. */
  private boolean create(com.google.cloud.storage.BlobInfo info, byte[] data) {
    if (!usePreconditions) {
      storage.create(info, data);
      return true;
    }
    try {
      storage.create(info, data, Storage.BlobTargetOption.doesNotExist());
      return true;
    } catch (StorageException e) {
      // 412: the object exists, and its name is the hash of these very bytes
      if (e.getCode() != PRECONDITION_FAILED) {
        throw e;
      }
      return false;
    }
  }

  /** Updates the object's metadata so its update time (its age for collection) restarts; false when it is gone. */
  private boolean touch(BlobId id) {
    try {
      return storage.update(com.google.cloud.storage.BlobInfo.newBuilder(id)
          .setMetadata(java.util.Map.of("touched", Instant.now().toString())).build()) != null;
    } catch (StorageException e) {
      if (e.getCode() == NOT_FOUND) {
        return false;
      }
      throw e;
    }
  }

  @Override
  public Future<Boolean> quarantine(String sha256, Instant olderThan) {
    return blocking(sha256, () -> {
      Blob blob = storage.get(idOf(sha256));
      if (blob == null || !created(blob).isBefore(olderThan)) {
        return false;
      }
      storage.copy(Storage.CopyRequest.of(blob.getBlobId(), asideOf(sha256))).getResult();
      try {
        boolean deleted = usePreconditions
            ? storage.delete(blob.getBlobId(), Storage.BlobSourceOption.metagenerationMatch(blob.getMetageneration()))
            : storage.delete(blob.getBlobId());
        if (!deleted) {
          storage.delete(asideOf(sha256));
        }
        return deleted;
      } catch (StorageException e) {
        // 412: touched by a writer after we looked; it stays, the copy goes
        storage.delete(asideOf(sha256));
        if (e.getCode() == PRECONDITION_FAILED) {
          return false;
        }
        throw e;
      }
    });
  }

  @Override
  public Future<Void> restore(String sha256) {
    return blocking(sha256, () -> {
      if (storage.get(idOf(sha256)) == null && storage.get(asideOf(sha256)) != null) {
        try {
          Storage.CopyRequest.Builder copy = Storage.CopyRequest.newBuilder().setSource(asideOf(sha256));
          copy = usePreconditions ? copy.setTarget(idOf(sha256), Storage.BlobTargetOption.doesNotExist())
              : copy.setTarget(idOf(sha256));
          storage.copy(copy.build()).getResult();
        } catch (StorageException e) {
          if (e.getCode() != PRECONDITION_FAILED) {
            throw e;
          }
        }
      }
      storage.delete(asideOf(sha256));
      return null;
    });
  }

  @Override
  public Future<List<String>> listQuarantined() {
    return vertx.executeBlocking(() -> {
      String asidePrefix = prefix + "quarantine/";
      List<String> found = new ArrayList<>();
      for (Blob blob : storage.list(bucket, Storage.BlobListOption.prefix(asidePrefix)).iterateAll()) {
        String sha256 = blob.getName().substring(asidePrefix.length());
        if (SHA256.matcher(sha256).matches()) {
          found.add(sha256);
        }
      }
      return found;
    }, false);
  }

  @Override
  public Future<Void> purge(String sha256) {
    return blocking(sha256, () -> {
      storage.delete(asideOf(sha256));
      return null;
    });
  }

  private BlobId asideOf(String sha256) {
    return BlobId.of(bucket, prefix + "quarantine/" + sha256);
  }

  @Override
  public Future<byte[]> get(String sha256) {
    return blocking(sha256, () -> {
      byte[] data;
      try {
        data = read(sha256);
      } catch (StorageException e) {
        if (e.getCode() == NOT_FOUND) {
          throw new BlobNotFoundException(sha256);
        }
        String checksumFailure = checksumFailure(e);
        if (checksumFailure != null) {
          LOG.error("stored blob came back corrupt [sha256: {}, object: gs://{}/{}, client: {}]",
              sha256, bucket, idOf(sha256).getName(), checksumFailure);
          throw new BlobMismatchException(sha256, "other bytes (" + checksumFailure + ")");
        }
        throw e;
      }
      String actual = Field.sha256Hex(data);
      if (!actual.equals(sha256)) {
        LOG.error("stored blob came back corrupt [sha256: {}, actual: {}, object: gs://{}/{}]",
            sha256, actual, bucket, idOf(sha256).getName());
        throw new BlobMismatchException(sha256, actual);
      }
      return data;
    });
  }

  /**
   * The stored object's bytes, or the quarantined copy's while it is aside; the object once more
   * when the copy is gone too, since a restore (or a new put) may have put it back in between.
   */
  private byte[] read(String sha256) {
    try {
      return storage.readAllBytes(idOf(sha256));
    } catch (StorageException e) {
      if (e.getCode() != NOT_FOUND) {
        throw e;
      }
    }
    try {
      return storage.readAllBytes(asideOf(sha256));
    } catch (StorageException e) {
      if (e.getCode() != NOT_FOUND) {
        throw e;
      }
    }
    return storage.readAllBytes(idOf(sha256));
  }

  @Override
  public Future<Boolean> exists(String sha256) {
    return blocking(sha256, () -> storage.get(idOf(sha256)) != null);
  }

  @Override
  public Future<Void> delete(String sha256) {
    return blocking(sha256, () -> {
      storage.delete(idOf(sha256));
      return null;
    });
  }

  @Override
  public Future<List<BlobInfo>> list() {
    return vertx.executeBlocking(() -> {
      List<BlobInfo> found = new ArrayList<>();
      for (Blob blob : storage.list(bucket, Storage.BlobListOption.prefix(blobPrefix)).iterateAll()) {
        String sha256 = blob.getName().substring(blobPrefix.length());
        if (SHA256.matcher(sha256).matches()) {
          long size = blob.getSize() == null ? 0 : blob.getSize();
          found.add(new BlobInfo(sha256, size, created(blob)));
        }
      }
      return found;
    }, false);
  }

  /**
   * Nothing to sweep: each blob is one single-request upload, which the service either completes
   * (the object appears whole) or abandons (nothing appears). No resumable upload sessions are
   * opened, so none can be left dangling. Returns 0.
   */
  @Override
  public Future<Integer> sweepIncomplete() {
    return Future.succeededFuture(0);
  }

  @Override
  public String describe() {
    return "gcs gs://" + bucket + "/" + prefix;
  }

  private BlobId idOf(String sha256) {
    return BlobId.of(bucket, blobPrefix + sha256);
  }

  private <T> Future<T> blocking(String sha256, Callable<T> work) {
    if (sha256 == null || !SHA256.matcher(sha256).matches()) {
      return Future.failedFuture(new IllegalArgumentException(
          "a blob address must be 64 lower-case hex digits, got " + LocalDataProvider.abbreviate(sha256)));
    }
    return vertx.executeBlocking(work, false);
  }

  /**
   * When the object was last stored or touched: its update time (metadata updates restart it),
   * else its creation time; now where neither is known, so garbage collection treats an undated
   * blob as new rather than old.
   */
  private static Instant created(Blob blob) {
    OffsetDateTime time = blob.getUpdateTimeOffsetDateTime();
    if (time == null) {
      time = blob.getCreateTimeOffsetDateTime();
    }
    return time == null ? Instant.now() : time.toInstant();
  }

  /**
   * The client's own message when it refused a download whose bytes did not match the service's
   * {@code x-goog-hash} crc32c; {@code null} for any other failure. The client reports this only as
   * a {@link StorageException} wrapping an {@code IOException}, so its text is the one sign
   * (GcsEmulatorDataProviderTest catches a client upgrade that changes it).
   */
  private static String checksumFailure(StorageException e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      String message = cause.getMessage();
      if (message != null && message.startsWith("Mismatch checksum value")) {
        return message;
      }
      if (cause.getCause() == cause) {
        break;
      }
    }
    return null;
  }

  private static String normalize(String prefix) {
    if (prefix == null) {
      return "";
    }
    String trimmed = prefix.strip();
    while (trimmed.startsWith("/")) {
      trimmed = trimmed.substring(1);
    }
    if (!trimmed.isEmpty() && !trimmed.endsWith("/")) {
      trimmed = trimmed + "/";
    }
    return trimmed;
  }
}
