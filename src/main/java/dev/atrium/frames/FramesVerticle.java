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
 * every {@code gcInterval}, and drops cached index lookups of rooms that any node changed.
 */
public final class FramesVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(FramesVerticle.class);

  private final FrameStore store;
  private final DataProvider blobs;
  private final BlobCollector collector;
  private final Duration gcInterval;
  private final java.nio.file.Path uploadsDir;
  private final FrameService frames;

  /**
   * @param store frame records
   * @param blobs blob storage
   * @param collector blob garbage collector
   * @param gcInterval how often to collect (zero: never)
   * @param uploadsDir where temporary upload files go; what a crash left there is removed at start
   * @param frames whose cached lookups are dropped when any node changes a room's frames
   */
  public FramesVerticle(FrameStore store, DataProvider blobs, BlobCollector collector, Duration gcInterval,
      java.nio.file.Path uploadsDir, FrameService frames) {
    this.frames = frames;
    this.store = store;
    this.blobs = blobs;
    this.collector = collector;
    this.gcInterval = gcInterval;
    this.uploadsDir = uploadsDir;
  }

  @Override
  public Future<?> start() {
    var changes = vertx.eventBus().<io.vertx.core.json.JsonObject>consumer(dev.atrium.bus.Addresses.FRAMES_CHANGED,
        message -> frames.invalidate(message.body().getString("room")));
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
        .compose(v -> store.ensureIndexes())
        .compose(v -> changes.completion());
  }
}
