package dev.atrium.forecast.data;

import dev.atrium.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node's view of the Data Cache right: it drops the local copy of every dataset any
 * node removes ({@link Addresses#DATASETS_CHANGED}) and sweeps out expired datasets every
 * {@code sweepInterval}. One instance per node.
 */
public final class DatasetsVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(DatasetsVerticle.class);

  private final DatasetStore store;
  private boolean sweeping;

  /** @param store this node's dataset store */
  public DatasetsVerticle(DatasetStore store) {
    this.store = store;
  }

  @Override
  public Future<?> start() {
    var changes = vertx.eventBus().<JsonObject>consumer(Addresses.DATASETS_CHANGED, this::changed);
    vertx.setPeriodic(store.settings().sweepInterval().toMillis(), id -> sweep());
    return store.ensureIndexes().compose(v -> changes.completion())
        .onSuccess(v -> LOG.info("data cache ready [max count: {}, max bytes: {}, ttl: {}, sweep every: {}]",
            store.settings().maxCount(), store.settings().maxBytes(), store.settings().ttl(),
            store.settings().sweepInterval()));
  }

  private void changed(io.vertx.core.eventbus.Message<JsonObject> message) {
    String hash = message.body().getString("hash");
    if (hash == null) {
      return;
    }
    if ("owner-left".equals(message.body().getString("change"))) {
      store.ownerLeft(hash);
    } else {
      store.forget(hash);
    }
  }

  /** One sweep at a time: a slow store must not pile sweeps up. */
  private void sweep() {
    if (sweeping) {
      return;
    }
    sweeping = true;
    store.sweep()
        .onSuccess(expired -> {
          if (expired > 0) {
            LOG.info("datasets expired [count: {}]", expired);
          }
        })
        .onFailure(failure -> LOG.warn("dataset sweep failed", failure))
        .onComplete(done -> sweeping = false);
  }
}
