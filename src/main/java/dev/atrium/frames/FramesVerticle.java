package dev.atrium.frames;

import dev.atrium.blobs.DataProvider;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps frame storage healthy on this node: at startup it sweeps what interrupted writes left
 * behind (temporary blob files) and creates the history index; then it collects unreferenced blobs
 * every {@code gcInterval}.
 */
public final class FramesVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(FramesVerticle.class);

  private final FrameStore store;
  private final DataProvider blobs;
  private final BlobCollector collector;
  private final Duration gcInterval;
  private final java.nio.file.Path uploadsDir;

  /**
   * @param store frame records
   * @param blobs blob storage
   * @param collector blob garbage collector
   * @param gcInterval how often to collect (zero: never)
   * @param uploadsDir where temporary upload files go; what a crash left there is removed at start
   */
  public FramesVerticle(FrameStore store, DataProvider blobs, BlobCollector collector, Duration gcInterval,
      java.nio.file.Path uploadsDir) {
    this.store = store;
    this.blobs = blobs;
    this.collector = collector;
    this.gcInterval = gcInterval;
    this.uploadsDir = uploadsDir;
  }

  @Override
  public Future<?> start() {
    if (!gcInterval.isZero()) {
      vertx.setPeriodic(gcInterval.toMillis(), id -> collector.collect()
          .onFailure(failure -> LOG.warn("blob collection failed", failure)));
    }
    var fs = vertx.fileSystem();
    Future<Void> uploadsSwept = fs.exists(uploadsDir.toString())
        .compose(exists -> exists ? fs.deleteRecursive(uploadsDir.toString()) : Future.succeededFuture());
    return uploadsSwept.compose(v -> blobs.sweepIncomplete())
        .onSuccess(swept -> LOG.info("blob storage swept [store: {}, incomplete files removed: {}]", blobs.describe(),
            swept))
        .compose(v -> store.ensureIndexes());
  }
}
