package dev.atrium.blobs;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;

/**
 * Where array bytes (blobs) live, addressed by the hex sha256 of their content: stored once
 * however many frames and rooms use them. A blob becomes visible only when its bytes are complete
 * and verified, so a reader never sees a partial one; a body whose hash does not match its address
 * is refused and nothing is stored.
 *
 * <p>Implementations: {@code impl.LocalDataProvider} (filesystem) and {@code impl.GcsDataProvider}
 * (Google Cloud Storage). Blocking I/O runs on worker threads inside them.
 */
public interface DataProvider {

  /**
   * Stores {@code data} under {@code sha256} after checking that it is the data's sha256; succeeds
   * at once when the blob already exists. Fails with {@link BlobMismatchException} on a mismatch.
   */
  Future<Void> put(String sha256, byte[] data);

  /** The blob's bytes; fails with {@link BlobNotFoundException} when absent. */
  Future<byte[]> get(String sha256);

  /** Whether the blob exists. */
  Future<Boolean> exists(String sha256);

  /** Deletes the blob; succeeds when it was already absent. */
  Future<Void> delete(String sha256);

  /** Every blob with its creation time, for garbage collection. */
  Future<List<BlobInfo>> list();

  /** Removes what an interrupted write left behind (temporary files, unfinished uploads); returns how many. */
  Future<Integer> sweepIncomplete();

  /** Where blobs live, for logs and health. */
  String describe();

  /**
   * A stored blob.
   *
   * @param sha256 its address
   * @param size bytes
   * @param created when it was stored
   */
  record BlobInfo(String sha256, long size, Instant created) {
  }

  /** The blob does not exist. */
  final class BlobNotFoundException extends RuntimeException {
    /** @param sha256 the missing address */
    public BlobNotFoundException(String sha256) {
      super("no blob " + sha256, null, false, false);
    }
  }

  /** The bytes do not hash to the address they were stored under. */
  final class BlobMismatchException extends RuntimeException {
    /**
     * @param expected the address given
     * @param actual the data's real sha256
     */
    public BlobMismatchException(String expected, String actual) {
      super("blob bytes hash to " + actual + ", not " + expected, null, false, false);
    }
  }
}
