package dev.atrium.forecast.data;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.atrium.accounts.AuthUser;
import dev.atrium.bus.Addresses;
import dev.atrium.bus.FailureCodes;
import dev.atrium.bus.OnContext;
import dev.atrium.config.DatasetSettings;
import dev.atrium.web.ApiException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.IndexOptions;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.mongo.UpdateOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Data Cache: forecast datasets shared by every node through the store of record, with a
 * parsed copy per node in front.
 *
 * <p><b>Layout.</b> {@code dataset_bytes} holds the CSV as sent ({@code {_id: hash, csv: binary,
 * token, storedAt}}); {@code datasets} is the catalogue ({@code {_id: hash, rows, columns,
 * timestampColumn, bytes, owners: [user], transient, createdAt, lastUsed, progress, token}}). The
 * bytes are written before the entry and removed after it, so a dataset exists exactly when its
 * entry does; bytes without an entry (a crash between the two writes) are swept later. The
 * {@code token} pairs an entry with the bytes it was created with: a removal deletes only those
 * bytes, never ones a concurrent re-upload of the same file has just written.
 *
 * <p><b>Bounds.</b> After each new dataset, the least recently used others are evicted until at
 * most {@code maxCount} datasets and {@code maxBytes} CSV bytes remain; each node sweeps out
 * datasets unused for the TTL every {@link DatasetSettings#sweepInterval()}. No TTL index: the
 * embedded server does not expire documents, and the same code must behave alike on both.
 *
 * <p><b>Coherence.</b> Every removal, whatever its reason, is published on
 * {@link Addresses#DATASETS_CHANGED} by the node that made it; every node then forgets its copy
 * ({@link #forget(String)}, wired by {@link DatasetsVerticle}). {@link #exists(String)} answers from
 * memory when this node knows the dataset, otherwise with one indexed lookup.
 *
 * <p>Every method may be called from any context and completes on the caller's.
 */
public final class DatasetStore implements Datasets {

  static final String ENTRIES = "datasets";
  static final String BYTES = "dataset_bytes";

  private static final Logger LOG = LoggerFactory.getLogger(DatasetStore.class);
  private static final String DUPLICATE_KEY = "E11000";
  /** Bytes younger than this are never treated as orphans: their entry may be being written. */
  private static final long ORPHAN_GRACE_MS = Duration.ofMinutes(1).toMillis();
  /** Catalogue entries fetched per step of an eviction or a sweep. */
  private static final int PAGE = 100;
  /** How long this node trusts that a dataset it has seen still exists, absent any removal notice. */
  private static final Duration KNOWN_FOR = Duration.ofSeconds(30);
  /**
   * How long a draw trusts a catalogue entry this node read (rows, columns, owners) absent any
   * change notice: the bound on a stale answer should a notice be lost with a node.
   */
  private static final Duration ENTRY_TRUST = Duration.ofSeconds(10);

  private final Vertx vertx;
  private final MongoClient mongo;
  private final DatasetSettings settings;
  private final Cache<String, Local> parsed;
  private final Cache<String, Boolean> known;
  private final Cache<String, Usable> entries;
  private final Map<String, Future<Dataset>> loading = new ConcurrentHashMap<>();
  /** Bumped by every change notice this node hears of: a lookup that overlapped one caches nothing. */
  private final AtomicLong changes = new AtomicLong();

  /**
   * @param vertx the node's Vert.x (parsing runs on its worker pool)
   * @param mongo the records client
   * @param settings bounds, TTL and local cache size
   */
  public DatasetStore(Vertx vertx, MongoClient mongo, DatasetSettings settings) {
    this.vertx = vertx;
    this.mongo = mongo;
    this.settings = settings;
    this.parsed = Caffeine.newBuilder()
        .maximumWeight(Math.max(settings.localCacheBytes(), 1))
        .weigher((String hash, Local local) -> (int) Math.min(Integer.MAX_VALUE, local.dataset().weight()))
        .build();
    this.known = Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(KNOWN_FOR).build();
    this.entries = Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(ENTRY_TRUST).build();
  }

  /**
   * What a draw needs of a catalogue entry: its shape, and who may use it.
   *
   * @param rows data rows
   * @param columns the numeric columns, in file order
   * @param owners the owning users' ids (none for a transient dataset)
   */
  public record Usable(int rows, JsonArray columns, Set<String> owners) {

    /** Whether {@code user} may use the dataset: an owner or an admin, as for {@link #describe}. */
    public boolean visibleTo(AuthUser user) {
      return user.admin() || owners.contains(user.id());
    }
  }

  /** The outcome of storing an upload. */
  public record Stored(Dataset dataset, boolean created) {
  }

  /** The settings the store runs with. */
  public DatasetSettings settings() {
    return settings;
  }

  /** Indexes for the owner listing and the least-recently-used order (idempotent). */
  public Future<Void> ensureIndexes() {
    return mongo.createIndexWithOptions(ENTRIES, new JsonObject().put("owners", 1), new IndexOptions().name("owners"))
        .compose(v -> mongo.createIndexWithOptions(ENTRIES, new JsonObject().put("lastUsed", 1),
            new IndexOptions().name("lastUsed")))
        .compose(v -> mongo.createIndexWithOptions(BYTES, new JsonObject().put("storedAt", 1),
            new IndexOptions().name("storedAt")));
  }

  // ---- writes -----------------------------------------------------------------------------------

  /**
   * Parses a CSV upload on a worker thread and stores it: {@link CsvException} (400) for a file
   * that cannot be used, with nothing stored.
   *
   * @param csv the bytes as sent
   * @param owner the uploading user's id
   * @param transientEntry true for a dataset the pipeline removes itself (quick draw): it gets no
   *     owner, is not listed, and an existing dataset of the same bytes is left as it is
   */
  public Future<Stored> upload(byte[] csv, String owner, boolean transientEntry) {
    return here(vertx.executeBlocking(() -> CsvTable.parse(csv), false)
        .compose(dataset -> store(dataset, csv, owner, transientEntry)));
  }

  /**
   * Stores a parsed dataset with its bytes. When those bytes are stored already, the owner joins
   * the existing dataset ({@code created} false); otherwise it is created, and the least recently
   * used other datasets are evicted past the bounds before this completes.
   */
  private Future<Stored> store(Dataset dataset, byte[] csv, String owner, boolean transientEntry) {
    return join(dataset, owner, transientEntry).compose(joined -> joined != null
        ? Future.succeededFuture(joined)
        : create(dataset, csv, owner, transientEntry)
            .recover(failure -> String.valueOf(failure.getMessage()).contains(DUPLICATE_KEY)
                // the same bytes were uploaded at the same moment: join the dataset that won
                ? join(dataset, owner, transientEntry).compose(again -> again != null ? Future.succeededFuture(again)
                    : Future.failedFuture(new ApiException(FailureCodes.UNAVAILABLE,
                        "dataset " + dataset.hash() + " was removed while it was being uploaded; try again")))
                : Future.failedFuture(failure)))
        .onSuccess(stored -> remember(stored.dataset()));
  }

  /** Joins an existing dataset (owner added, use recorded); null when there is none. */
  private Future<Stored> join(Dataset dataset, String owner, boolean transientEntry) {
    long now = System.currentTimeMillis();
    JsonObject update = new JsonObject().put("$set", new JsonObject().put("lastUsed", now));
    if (!transientEntry) {
      update.getJsonObject("$set").put("transient", false);
      update.put("$addToSet", new JsonObject().put("owners", owner));
    }
    return mongo.findOneAndUpdate(ENTRIES, new JsonObject().put("_id", dataset.hash()), update)
        .map(existing -> existing == null ? null : new Stored(dataset, false));
  }

  private Future<Stored> create(Dataset dataset, byte[] csv, String owner, boolean transientEntry) {
    long now = System.currentTimeMillis();
    String token = UUID.randomUUID().toString();
    JsonObject bytes = new JsonObject()
        .put("_id", dataset.hash())
        .put("csv", new JsonObject().put("$binary", csv))
        .put("token", token)
        .put("storedAt", now);
    JsonObject entry = new JsonObject()
        .put("_id", dataset.hash())
        .put("rows", dataset.rows())
        .put("columns", new JsonArray(dataset.columns()))
        .put("timestampColumn", dataset.timestampColumn())
        .put("bytes", (long) csv.length)
        .put("owners", transientEntry ? new JsonArray() : new JsonArray().add(owner))
        .put("transient", transientEntry)
        .put("createdAt", now)
        .put("lastUsed", now)
        .putNull("progress")
        .put("token", token);
    // bytes first: an entry never exists without them
    return mongo.save(BYTES, bytes)
        .compose(v -> mongo.insert(ENTRIES, entry))
        .map(v -> {
          LOG.info("dataset stored [hash: {}, rows: {}, columns: {}, bytes: {}, transient: {}]", dataset.hash(),
              dataset.rows(), dataset.columns().size(), csv.length, transientEntry);
          return new Stored(dataset, true);
        })
        .compose(stored -> evictOver(dataset.hash())
            .recover(failure -> {
              LOG.warn("dataset eviction failed [after: {}]", dataset.hash(), failure);
              return Future.succeededFuture();
            })
            .map(stored));
  }

  /** Records background-processing progress; nothing happens when the dataset is gone. */
  @Override
  public Future<Void> progress(String hash, JsonObject progress) {
    return here(mongo.updateCollection(ENTRIES, new JsonObject().put("_id", hash),
        new JsonObject().put("$set", new JsonObject().put("progress", progress))).mapEmpty());
  }

  // ---- reads ------------------------------------------------------------------------------------

  @Override
  public Future<Dataset> get(String hash) {
    Local local = parsed.getIfPresent(hash);
    if (local != null) {
      touch(hash, local);
      return Future.succeededFuture(local.dataset());
    }
    Future<Dataset> shared = loading.get(hash);
    if (shared == null) {
      Future<Dataset> mine = load(hash);
      shared = loading.putIfAbsent(hash, mine);
      if (shared == null) {
        shared = mine;
        mine.onComplete(done -> loading.remove(hash, mine));
      }
    }
    return here(shared);
  }

  @Override
  public Future<Boolean> exists(String hash) {
    if (parsed.getIfPresent(hash) != null || known.getIfPresent(hash) != null) {
      return Future.succeededFuture(true);
    }
    long epoch = changes.get();
    return here(mongo.count(ENTRIES, new JsonObject().put("_id", hash)).map(count -> {
      if (count > 0 && changes.get() == epoch) {
        known.put(hash, Boolean.TRUE);
      }
      return count > 0;
    }));
  }

  /**
   * The rows, columns and owners of a dataset {@code user} may use, or null when it is unknown or
   * not visible to them: what every draw asks, so answered from memory while this node trusts an
   * entry it read ({@link #ENTRY_TRUST}). A removal or an owner leaving, on any node, drops the
   * entry here at once; an owner joining needs nothing, as a user missing from a remembered entry
   * is looked up again.
   */
  public Future<Usable> usable(String hash, AuthUser user) {
    Usable remembered = entries.getIfPresent(hash);
    if (remembered != null && remembered.visibleTo(user)) {
      return Future.succeededFuture(remembered);
    }
    long epoch = changes.get();
    JsonObject fields = new JsonObject().put("rows", 1).put("columns", 1).put("owners", 1);
    return here(mongo.findOne(ENTRIES, new JsonObject().put("_id", hash), fields).map(entry -> {
      if (entry == null) {
        return null;
      }
      Set<String> owners = new HashSet<>();
      entry.getJsonArray("owners", new JsonArray()).forEach(owner -> owners.add((String) owner));
      Usable fresh = new Usable(entry.getInteger("rows"), entry.getJsonArray("columns"), Set.copyOf(owners));
      if (changes.get() == epoch) {
        entries.put(hash, fresh);
      }
      return fresh.visibleTo(user) ? fresh : null;
    }));
  }

  /** The catalogue entry as the API shows it, or null when unknown or not visible to {@code user}. */
  public Future<JsonObject> describe(String hash, AuthUser user) {
    return here(mongo.findOne(ENTRIES, new JsonObject().put("_id", hash), null)
        .map(entry -> entry != null && (user.admin() || ownedBy(entry, user.id())) ? view(entry) : null));
  }

  /** The datasets {@code userId} owns, newest first, as the API shows them. */
  public Future<List<JsonObject>> owned(String userId) {
    FindOptions options = new FindOptions().setSort(new JsonObject().put("createdAt", -1));
    return here(mongo.findWithOptions(ENTRIES, new JsonObject().put("owners", userId), options)
        .map(entries -> entries.stream().map(DatasetStore::view).toList()));
  }

  private Future<Dataset> load(String hash) {
    long epoch = changes.get();
    long now = System.currentTimeMillis();
    return mongo.findOneAndUpdate(ENTRIES, new JsonObject().put("_id", hash),
            new JsonObject().put("$set", new JsonObject().put("lastUsed", now)))
        .compose(entry -> entry == null ? Future.failedFuture(unknown(hash))
            : mongo.findOne(BYTES, new JsonObject().put("_id", hash), null))
        .compose(doc -> {
          if (doc == null) {
            LOG.warn("dataset entry without bytes, treated as absent [hash: {}]", hash);
            return Future.failedFuture(unknown(hash));
          }
          byte[] csv = doc.getJsonObject("csv").getBinary("$binary");
          return vertx.executeBlocking(() -> reparse(hash, csv), false);
        })
        .onSuccess(dataset -> {
          if (changes.get() == epoch) {
            parsed.put(hash, new Local(dataset, new AtomicLong(now)));
            known.put(hash, Boolean.TRUE);
          }
        });
  }

  private static Dataset reparse(String hash, byte[] csv) {
    try {
      Dataset dataset = CsvTable.parse(csv);
      if (!dataset.hash().equals(hash)) {
        throw new IllegalStateException("stored bytes of dataset " + hash + " hash to " + dataset.hash());
      }
      return dataset;
    } catch (CsvException e) {
      // accepted at upload: a refusal now is this server's fault, not the caller's
      throw new IllegalStateException("stored dataset " + hash + " no longer parses: " + e.getMessage(), e);
    }
  }

  /** Records a use in the shared catalogue, at most once per touch interval per node and dataset. */
  private void touch(String hash, Local local) {
    long now = System.currentTimeMillis();
    long last = local.lastTouch().get();
    if (now - last < settings.touchInterval().toMillis() || !local.lastTouch().compareAndSet(last, now)) {
      return;
    }
    mongo.updateCollection(ENTRIES, new JsonObject().put("_id", hash),
            new JsonObject().put("$set", new JsonObject().put("lastUsed", now)))
        .onSuccess(result -> {
          if (result.getDocMatched() == 0) {
            // removed without this node hearing of it (a notice lost with a node): stop serving it
            forget(hash);
          }
        })
        .onFailure(failure -> LOG.warn("dataset use not recorded [hash: {}]", hash, failure));
  }

  // ---- removals ---------------------------------------------------------------------------------

  /** Removes a dataset whoever owns it; true when it existed. */
  @Override
  public Future<Boolean> remove(String hash) {
    return here(removeEntry(new JsonObject().put("_id", hash), hash, "removed"));
  }

  /**
   * Removes a dataset only while it is still transient: what quick draw should call, so that a
   * user who uploaded the same bytes meanwhile (making it a kept dataset) keeps it.
   */
  public Future<Boolean> removeTransient(String hash) {
    return here(removeEntry(new JsonObject().put("_id", hash).put("transient", true), hash, "removed"));
  }

  /**
   * A user gives a dataset up: they leave its owners, and the dataset goes when none remain. An
   * admin who does not own it removes it outright. False (the API's 404) when the dataset is
   * unknown or the user may not see it.
   */
  public Future<Boolean> release(String hash, AuthUser user) {
    return here(mongo.findOneAndUpdateWithOptions(ENTRIES,
            new JsonObject().put("_id", hash).put("owners", user.id()),
            new JsonObject().put("$pull", new JsonObject().put("owners", user.id())),
            new FindOptions(), new UpdateOptions().setReturningNewDocument(true))
        .compose(entry -> {
          if (entry == null) {
            return user.admin() ? removeEntry(new JsonObject().put("_id", hash), hash, "deleted")
                : Future.succeededFuture(false);
          }
          if (!entry.getJsonArray("owners", new JsonArray()).isEmpty()) {
            ownerLeft(hash);
            vertx.eventBus().publish(Addresses.DATASETS_CHANGED,
                new JsonObject().put("hash", hash).put("change", "owner-left").put("user", user.id()));
            LOG.info("dataset owner left [hash: {}, user: {}]", hash, user.id());
            return Future.succeededFuture(true);
          }
          // only while still ownerless: someone may have uploaded the same bytes meanwhile
          return removeEntry(new JsonObject().put("_id", hash).put("owners", new JsonObject().put("$size", 0)), hash,
              "deleted").map(true);
        }));
  }

  /**
   * Deletes the entry matching {@code condition}, then the bytes it was created with, and tells
   * every node. False when nothing matched (gone already, or changed since it was chosen).
   */
  private Future<Boolean> removeEntry(JsonObject condition, String hash, String reason) {
    return mongo.findOneAndDelete(ENTRIES, condition).compose(entry -> {
      if (entry == null) {
        return Future.succeededFuture(false);
      }
      forget(hash);
      vertx.eventBus().publish(Addresses.DATASETS_CHANGED,
          new JsonObject().put("hash", hash).put("change", "removed").put("reason", reason));
      LOG.info("dataset removed [hash: {}, reason: {}, bytes: {}]", hash, reason, entry.getLong("bytes"));
      return mongo.removeDocument(BYTES, new JsonObject().put("_id", hash).put("token", entry.getString("token")))
          .map(true)
          .recover(failure -> {
            // harmless: bytes without an entry are absent, and the sweep removes them
            LOG.warn("dataset bytes not removed [hash: {}]", hash, failure);
            return Future.succeededFuture(true);
          });
    });
  }

  /** Forgets what this node holds of a dataset: on every removal notice, from any node. */
  public void forget(String hash) {
    changes.incrementAndGet();
    parsed.invalidate(hash);
    known.invalidate(hash);
    entries.invalidate(hash);
  }

  /** Forgets who owns a dataset (one owner left it, on some node): the next draw reads the entry. */
  public void ownerLeft(String hash) {
    changes.incrementAndGet();
    entries.invalidate(hash);
  }

  /** Evicts the least recently used datasets other than {@code keep} until both bounds hold. */
  private Future<Void> evictOver(String keep) {
    return totals().compose(totals -> {
      if (within(totals)) {
        return Future.succeededFuture();
      }
      FindOptions oldest = new FindOptions()
          .setSort(new JsonObject().put("lastUsed", 1))
          .setLimit(PAGE)
          .setFields(new JsonObject().put("_id", 1).put("bytes", 1).put("lastUsed", 1));
      return mongo.findWithOptions(ENTRIES, new JsonObject().put("_id", new JsonObject().put("$ne", keep)), oldest)
          .compose(page -> evictPage(page, 0, 0, totals, keep));
    });
  }

  private Future<Void> evictPage(List<JsonObject> page, int next, int evicted, long[] totals, String keep) {
    if (within(totals) || page.isEmpty()) {
      return Future.succeededFuture();
    }
    if (next == page.size()) {
      // a page whose every dataset was used (or removed) meanwhile: the next insert tries again
      return evicted == 0 ? Future.succeededFuture() : evictOver(keep);
    }
    JsonObject victim = page.get(next);
    String hash = victim.getString("_id");
    // still as least recently used as when it was chosen: a use since then saves it
    JsonObject unchanged = new JsonObject().put("_id", hash)
        .put("lastUsed", new JsonObject().put("$lte", victim.getLong("lastUsed")));
    return removeEntry(unchanged, hash, "evicted").compose(removed -> {
      if (removed) {
        totals[0] -= 1;
        totals[1] -= victim.getLong("bytes", 0L);
      }
      return evictPage(page, next + 1, removed ? evicted + 1 : evicted, totals, keep);
    });
  }

  private boolean within(long[] totals) {
    return totals[0] <= settings.maxCount() && totals[1] <= settings.maxBytes();
  }

  /** {count, bytes} of the whole catalogue. */
  private Future<long[]> totals() {
    JsonArray pipeline = new JsonArray().add(new JsonObject().put("$group", new JsonObject()
        .putNull("_id")
        .put("count", new JsonObject().put("$sum", 1))
        .put("bytes", new JsonObject().put("$sum", "$bytes"))));
    return mongo.aggregate(ENTRIES, pipeline).collect(Collectors.toList()).map(rows -> {
      if (rows.isEmpty()) {
        return new long[] {0, 0};
      }
      JsonObject row = rows.get(0);
      return new long[] {((Number) row.getValue("count")).longValue(), ((Number) row.getValue("bytes")).longValue()};
    });
  }

  /**
   * Removes the datasets unused for the TTL, then CSV bytes left without an entry (a crash
   * between the two writes or removals). Every node runs it; each removal takes effect once.
   *
   * @return how many datasets expired
   */
  public Future<Integer> sweep() {
    long cutoff = System.currentTimeMillis() - settings.ttl().toMillis();
    return here(expire(cutoff, 0).compose(expired -> sweepOrphans().map(expired)));
  }

  private Future<Integer> expire(long cutoff, int expired) {
    JsonObject stale = new JsonObject().put("lastUsed", new JsonObject().put("$lt", cutoff));
    FindOptions options = new FindOptions().setLimit(PAGE).setFields(new JsonObject().put("_id", 1));
    return mongo.findWithOptions(ENTRIES, stale, options).compose(page -> {
      Future<Integer> chain = Future.succeededFuture(expired);
      for (JsonObject entry : page) {
        String hash = entry.getString("_id");
        chain = chain.compose(n -> removeEntry(stale.copy().put("_id", hash), hash, "expired").map(r -> r ? n + 1 : n));
      }
      return page.size() < PAGE ? chain : chain.compose(n -> n == expired ? Future.succeededFuture(n)
          : expire(cutoff, n));
    });
  }

  private Future<Void> sweepOrphans() {
    JsonObject old = new JsonObject().put("storedAt",
        new JsonObject().put("$lt", System.currentTimeMillis() - ORPHAN_GRACE_MS));
    FindOptions idsOnly = new FindOptions().setFields(new JsonObject().put("_id", 1).put("token", 1));
    return mongo.findWithOptions(BYTES, old, idsOnly).compose(bytes -> {
      if (bytes.isEmpty()) {
        return Future.succeededFuture();
      }
      JsonArray ids = new JsonArray(bytes.stream().map(doc -> doc.getString("_id")).toList());
      return mongo.findWithOptions(ENTRIES, new JsonObject().put("_id", new JsonObject().put("$in", ids)),
              new FindOptions().setFields(new JsonObject().put("_id", 1)))
          .compose(entries -> {
            Set<String> listed = new HashSet<>();
            entries.forEach(entry -> listed.add(entry.getString("_id")));
            List<Future<?>> removals = new ArrayList<>();
            for (JsonObject doc : bytes) {
              if (!listed.contains(doc.getString("_id"))) {
                LOG.info("orphaned dataset bytes removed [hash: {}]", doc.getString("_id"));
                removals.add(mongo.removeDocument(BYTES, new JsonObject().put("_id", doc.getString("_id"))
                    .put("token", doc.getString("token"))));
              }
            }
            return Future.all(removals).mapEmpty();
          });
    });
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private void remember(Dataset dataset) {
    parsed.put(dataset.hash(), new Local(dataset, new AtomicLong(System.currentTimeMillis())));
    known.put(dataset.hash(), Boolean.TRUE);
  }

  private static boolean ownedBy(JsonObject entry, String userId) {
    return entry.getJsonArray("owners", new JsonArray()).contains(userId);
  }

  /** The catalogue entry as the API shows it. */
  static JsonObject view(JsonObject entry) {
    JsonObject out = new JsonObject()
        .put("hash", entry.getString("_id"))
        .put("rows", entry.getInteger("rows"))
        .put("columns", entry.getJsonArray("columns"))
        .put("bytes", entry.getLong("bytes"))
        .put("createdAt", entry.getLong("createdAt"))
        .put("lastUsed", entry.getLong("lastUsed"))
        .put("progress", entry.getJsonObject("progress"));
    if (entry.getString("timestampColumn") != null) {
      out.put("timestampColumn", entry.getString("timestampColumn"));
    }
    if (entry.getBoolean("transient", false)) {
      out.put("transient", true);
    }
    return out;
  }

  private static ApiException unknown(String hash) {
    return new ApiException(FailureCodes.NOT_FOUND, "dataset " + hash + " is unknown, deleted or expired");
  }

  /** The outcome on the caller's context (the records client completes on its own). */
  private static <T> Future<T> here(Future<T> future) {
    Context context = Vertx.currentContext();
    return context == null ? future : OnContext.back(context, future);
  }

  /** A parsed dataset held by this node, with when this node last recorded a use of it. */
  private record Local(Dataset dataset, AtomicLong lastTouch) {
  }
}
