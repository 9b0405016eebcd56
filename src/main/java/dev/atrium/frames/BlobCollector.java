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
 * Deletes blobs no frame record or kept version refers to, without ever losing one a concurrent
 * write is about to reference: blobs younger than the grace period are left alone (a writer
 * stores its blobs before its record, and storing an existing blob restarts its age), old
 * candidates are quarantined before the final reference check, and writers re-check blobs they
 * found already stored once their record exists.
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

  /**
   * Runs one collection; returns how many blobs were deleted. Unreferenced blobs older than the
   * grace period are moved aside, references are read again, and what became referenced in
   * between is restored — a writer that referenced one after that second read finds it gone and
   * stores it again (see {@link DataProvider}).
   */
  public Future<Integer> collect() {
    Instant cutoff = Instant.now().minus(grace);
    return blobs.listQuarantined().compose(leftovers -> blobs.list().compose(stored -> referenced().compose(used -> {
      List<String> candidates = new ArrayList<>(leftovers);
      List<Future<Boolean>> moves = new ArrayList<>();
      leftovers.forEach(sha -> moves.add(Future.succeededFuture(true)));
      for (DataProvider.BlobInfo blob : stored) {
        if (!used.contains(blob.sha256()) && blob.created().isBefore(cutoff) && !leftovers.contains(blob.sha256())) {
          candidates.add(blob.sha256());
          moves.add(blobs.quarantine(blob.sha256(), cutoff));
        }
      }
      // join, not all: one failed move must not leave the others aside unsettled
      return Future.join(moves).transform(x -> referenced().transform(second -> {
        List<Future<Void>> settled = new ArrayList<>();
        int[] purged = {0};
        for (int i = 0; i < candidates.size(); i++) {
          String sha = candidates.get(i);
          if (!moves.get(i).succeeded() || !Boolean.TRUE.equals(moves.get(i).result())) {
            continue;
          }
          if (second.failed() || second.result().contains(sha)) {
            settled.add(blobs.restore(sha));
          } else {
            purged[0]++;
            cache.invalidate(sha);
            settled.add(blobs.purge(sha));
          }
        }
        return Future.join(settled).transform(done -> {
          if (second.failed()) {
            return Future.failedFuture(second.cause());
          }
          LOG.info("blob collection done [stored: {}, referenced: {}, deleted: {}, recovered from an earlier run: {}]",
              stored.size(), second.result().size(), purged[0], leftovers.size());
          return Future.succeededFuture(purged[0]);
        });
      }));
    })));
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
