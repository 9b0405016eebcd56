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
 * <p>Garbage collection never loses a blob a concurrent write is about to reference: the collector
 * first moves unreferenced, old blobs aside ({@link #quarantine}), then reads references again and
 * {@link #restore}s what became referenced, {@link #purge}s the rest. A writer whose {@link #put}
 * found the blob already stored re-checks {@link #exists} after inserting its record and stores
 * the bytes again if the blob was moved aside meanwhile; readers find quarantined blobs too.
 *
 * <p>Implementations: {@code impl.LocalDataProvider} (filesystem) and {@code impl.GcsDataProvider}
 * (Google Cloud Storage). Blocking I/O runs on worker threads inside them.
 */
public interface DataProvider {

  /**
   * Stores {@code data} under {@code sha256} after checking that it is the data's sha256. Succeeds
   * with true when this call stored it, false when it was already stored — its age then restarts,
   * so the collector keeps it for another grace period. Fails with {@link BlobMismatchException}
   * on a mismatch.
   */
  Future<Boolean> put(String sha256, byte[] data);

  /** The blob's bytes (also while quarantined); fails with {@link BlobNotFoundException} when absent. */
  Future<byte[]> get(String sha256);

  /** Whether the blob is stored and not quarantined. */
  Future<Boolean> exists(String sha256);

  /**
   * Moves the blob aside if it was last stored or touched before {@code olderThan}; true when moved.
   */
  Future<Boolean> quarantine(String sha256, Instant olderThan);

  /** Brings a quarantined blob back (or drops the quarantined copy when the blob was stored again). */
  Future<Void> restore(String sha256);

  /** Deletes a quarantined blob for good. */
  Future<Void> purge(String sha256);

  /** The blobs now in quarantine (a collection interrupted by a crash leaves some there). */
  Future<List<String>> listQuarantined();

  /** Deletes the blob; succeeds when it was already absent. */
  Future<Void> delete(String sha256);

  /** Every stored (not quarantined) blob with the time it was last stored or touched. */
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
