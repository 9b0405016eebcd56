package dev.atrium.frames;

import dev.atrium.blobs.BlobCache;
import dev.atrium.blobs.DataProvider;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes blobs no frame record or kept version refers to. Safe against concurrent writes: a
 * writer stores its blobs before the record that refers to them, so a blob younger than the grace
 * period may be about to be referenced and is never collected; references are read after the
 * blob list, so a blob referenced in between is seen as referenced.
 */
public final class BlobCollector {

  private static final Logger LOG = LoggerFactory.getLogger(BlobCollector.class);

  private final MongoClient mongo;
  private final DataProvider blobs;
  private final BlobCache cache;
  private final Duration grace;

  /**
   * @param mongo records client
   * @param blobs blob storage
   * @param cache blob cache to drop collected blobs from
   * @param grace minimum age of a collected blob
   */
  public BlobCollector(MongoClient mongo, DataProvider blobs, BlobCache cache, Duration grace) {
    this.mongo = mongo;
    this.blobs = blobs;
    this.cache = cache;
    this.grace = grace;
  }

  /** Runs one collection; returns how many blobs were deleted. */
  public Future<Integer> collect() {
    Instant cutoff = Instant.now().minus(grace);
    return blobs.list().compose(stored -> referenced().compose(used -> {
      List<Future<Void>> deletions = new ArrayList<>();
      for (DataProvider.BlobInfo blob : stored) {
        if (!used.contains(blob.sha256()) && blob.created().isBefore(cutoff)) {
          cache.invalidate(blob.sha256());
          deletions.add(blobs.delete(blob.sha256()));
        }
      }
      return Future.all(deletions).map(done -> {
        LOG.info("blob collection done [stored: {}, referenced: {}, deleted: {}]", stored.size(), used.size(),
            deletions.size());
        return deletions.size();
      });
    }));
  }

  private Future<Set<String>> referenced() {
    FindOptions fieldsOnly = new FindOptions().setFields(new JsonObject().put("fields", 1));
    return Future.all(mongo.findWithOptions(FrameStore.FRAMES, new JsonObject(), fieldsOnly),
            mongo.findWithOptions(FrameStore.VERSIONS, new JsonObject(), fieldsOnly))
        .map(results -> {
          Set<String> used = new HashSet<>();
          for (int i = 0; i < 2; i++) {
            List<JsonObject> docs = results.resultAt(i);
            for (JsonObject doc : docs) {
              JsonObject fields = doc.getJsonObject("fields", new JsonObject());
              fields.fieldNames().forEach(name -> used.add(fields.getJsonObject(name).getString("blob")));
            }
          }
          return used;
        });
  }
}
