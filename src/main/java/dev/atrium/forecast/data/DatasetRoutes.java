package dev.atrium.forecast.data;

import dev.atrium.accounts.AuthHandler;
import dev.atrium.accounts.AuthUser;
import dev.atrium.bus.FailureCodes;
import dev.atrium.config.RateLimit;
import dev.atrium.security.RateLimiter;
import dev.atrium.security.Uploads;
import dev.atrium.web.ApiException;
import dev.atrium.web.ContentDigest;
import dev.atrium.web.HttpModule;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Datasets over HTTP: upload a CSV (streamed under its own size limit, {@code Content-Digest}
 * checked), list and describe the caller's datasets, give one up. A dataset is its sha256: the
 * same bytes uploaded twice are one dataset with two owners.
 */
public final class DatasetRoutes implements HttpModule {

  /** Content types a CSV upload may carry. */
  public static final Set<String> CSV_TYPES = Set.of("text/csv", "application/octet-stream");
  private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");

  private final DatasetStore store;
  private final Uploads uploads;
  private final RateLimiter limiter;
  private final RateLimit uploadRate;

  /**
   * @param store the Data Cache
   * @param uploads temporary upload files
   * @param limiter rate limiter
   * @param uploadRate the uploads rate limit
   */
  public DatasetRoutes(DatasetStore store, Uploads uploads, RateLimiter limiter, RateLimit uploadRate) {
    this.store = store;
    this.uploads = uploads;
    this.limiter = limiter;
    this.uploadRate = uploadRate;
  }

  @Override
  public void mount(Router router) {
    // the foundation holds the streamed body until Uploads.receive reads it
    router.post("/api/datasets").handler(limiter.perRoute("uploads", uploadRate, false)).handler(this::upload);
    router.get("/api/datasets").handler(this::list);
    router.get("/api/datasets/:hash").handler(this::describe);
    router.delete("/api/datasets/:hash").handler(this::delete);
  }

  /**
   * The dataset hash of a path parameter: 64 lower-case hex digits, else 400 naming it. For every
   * route under {@code /api/datasets/{hash}}.
   */
  public static String hash(String text) {
    if (text == null || !HASH.matcher(text).matches()) {
      String shown = text == null ? "" : text.length() > 80 ? text.substring(0, 80) + "…" : text;
      throw new ApiException(FailureCodes.BAD_REQUEST, "dataset hash '" + shown
          + "' is not a sha256 (64 lower-case hex digits)");
    }
    return text;
  }

  private void upload(RoutingContext ctx) {
    storeCsv(ctx, uploads, store, false)
        .onSuccess(stored -> {
          ctx.response().setStatusCode(stored.created() ? 201 : 200);
          ctx.json(new JsonObject(stored.dataset().summary()));
        })
        .onFailure(ctx::fail);
  }

  /**
   * Receives a CSV request body (streamed, at most {@code datasets.maxUpload}; 415 for another
   * type, 413 past the limit, 422 on a {@code Content-Digest} mismatch) and stores it as a dataset
   * of the signed-in user, transient or not. For {@code POST /api/datasets} and the quick draw.
   */
  public static Future<DatasetStore.Stored> storeCsv(RoutingContext ctx, Uploads uploads, DatasetStore store,
      boolean transientEntry) {
    String type = mediaType(ctx.request().getHeader(HttpHeaders.CONTENT_TYPE));
    if (!CSV_TYPES.contains(type) || ctx.body() != null && ctx.body().buffer() != null) {
      throw new ApiException(415, "Content-Type " + (type.isEmpty() ? "(none)" : type)
          + " is not accepted here; send the CSV as text/csv or application/octet-stream");
    }
    AuthUser user = AuthHandler.require(ctx);
    long limit = store.settings().maxUpload();
    return uploads.receive(ctx, limit)
        .recover(failure -> failure instanceof ApiException api && api.status() == FailureCodes.PAYLOAD_TOO_LARGE
            ? Future.failedFuture(new ApiException(FailureCodes.PAYLOAD_TOO_LARGE,
                "CSV upload larger than the dataset limit of " + limit + " bytes (datasets.maxUpload)"))
            : Future.failedFuture(failure))
        .compose(file -> ctx.vertx().fileSystem().readFile(file.toString()))
        // hashing up to datasets.maxUpload bytes is no work for the event loop
        .compose(body -> ctx.vertx().executeBlocking(() -> {
          ContentDigest.verify(ctx.request().getHeader(ContentDigest.HEADER), body);
          return body.getBytes();
        }, false))
        .compose(bytes -> store.upload(bytes, user.id(), transientEntry));
  }

  private void list(RoutingContext ctx) {
    store.owned(AuthHandler.require(ctx).id())
        .onSuccess(entries -> ctx.json(new JsonObject().put("datasets", new JsonArray(entries))))
        .onFailure(ctx::fail);
  }

  private void describe(RoutingContext ctx) {
    String hash = hash(ctx.pathParam("hash"));
    store.describe(hash, AuthHandler.require(ctx))
        .onSuccess(entry -> {
          if (entry == null) {
            ctx.fail(notFound(hash));
          } else {
            ctx.json(entry);
          }
        })
        .onFailure(ctx::fail);
  }

  private void delete(RoutingContext ctx) {
    String hash = hash(ctx.pathParam("hash"));
    store.release(hash, AuthHandler.require(ctx))
        .onSuccess(released -> {
          if (released) {
            ctx.response().setStatusCode(204).end();
          } else {
            ctx.fail(notFound(hash));
          }
        })
        .onFailure(ctx::fail);
  }

  private static ApiException notFound(String hash) {
    return new ApiException(FailureCodes.NOT_FOUND, "no dataset " + hash);
  }

  private static String mediaType(String contentType) {
    return contentType == null ? "" : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
  }
}
