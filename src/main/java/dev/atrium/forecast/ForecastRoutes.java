package dev.atrium.forecast;

import dev.atrium.accounts.AuthHandler;
import dev.atrium.accounts.AuthUser;
import dev.atrium.bus.Addresses;
import dev.atrium.bus.Bus;
import dev.atrium.bus.BusFailures;
import dev.atrium.bus.FailureCodes;
import dev.atrium.config.RateLimit;
import dev.atrium.forecast.data.Dataset;
import dev.atrium.forecast.data.DatasetRoutes;
import dev.atrium.forecast.data.DatasetStore;
import dev.atrium.security.RateLimiter;
import dev.atrium.security.Uploads;
import dev.atrium.web.ApiException;
import dev.atrium.web.HttpModule;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forecast plots over HTTP: draw one point of a dataset, process a whole dataset in the
 * background, quick-draw a CSV without keeping it, and this node's pipeline status. Every route
 * needs a signed-in user, and a dataset must be one the caller may see (404 otherwise, as for an
 * unknown one).
 */
public final class ForecastRoutes implements HttpModule {

  private static final Logger LOG = LoggerFactory.getLogger(ForecastRoutes.class);

  private final Forecasts forecasts;
  private final DatasetStore store;
  private final EventBus bus;
  private final Uploads uploads;
  private final RateLimiter limiter;
  private final RateLimit uploadRate;
  private final Duration drawTimeout;

  /**
   * @param forecasts this node's pipeline (model loaded, scheduler accepting)
   * @param store the Data Cache
   * @param bus the event bus
   * @param uploads temporary files for quick-draw bodies
   * @param limiter rate limiter
   * @param uploadRate the uploads rate limit (quick draw is an upload)
   */
  public ForecastRoutes(Forecasts forecasts, DatasetStore store, EventBus bus, Uploads uploads, RateLimiter limiter,
      RateLimit uploadRate) {
    this.forecasts = forecasts;
    this.store = store;
    this.bus = bus;
    this.uploads = uploads;
    this.limiter = limiter;
    this.uploadRate = uploadRate;
    this.drawTimeout = forecasts.settings().deadline().plus(Addresses.FORECAST_SERVICE_ALLOWANCE);
  }

  @Override
  public void mount(Router router) {
    router.get("/api/datasets/:hash/plots/:index").handler(this::draw);
    router.post("/api/datasets/:hash/process").handler(this::process);
    // the foundation holds the streamed body until Uploads.receive reads it
    router.post("/api/quickdraw").handler(limiter.perRoute("uploads", uploadRate, false)).handler(this::quickDraw);
    router.get("/api/forecast/status").handler(this::status);
  }

  // ---- draw -----------------------------------------------------------------------------------

  private void draw(RoutingContext ctx) {
    String hash = DatasetRoutes.hash(ctx.pathParam("hash"));
    int index = index(ctx.pathParam("index"));
    String target = ctx.request().getParam("target");
    visible(hash, AuthHandler.require(ctx))
        .compose(entry -> {
          String series = series(hash, target, entry.columns());
          checkIndex(entry.rows(), index);
          JsonObject cached = forecasts.results().get(new TaskKey(series, index));
          return cached != null ? Future.succeededFuture(cached) : requestPlot(series, index);
        })
        .onSuccess(ctx::json)
        .onFailure(ctx::fail);
  }

  /** Asks any node's scheduler for the plot at user priority; a 503 carries {@code Retry-After}. */
  private Future<JsonObject> requestPlot(String hash, int index) {
    JsonObject request = new JsonObject().put("dataset", hash).put("index", index);
    return Bus.<JsonObject>request(bus, Addresses.FORECAST_USER, request, drawTimeout)
        .map(Message::body)
        .recover(failure -> Future.failedFuture(drawFailure(hash, index, failure)));
  }

  private static ApiException drawFailure(String hash, int index, Throwable failure) {
    int status = BusFailures.httpStatus(failure);
    String message = BusFailures.clientMessage("forecast " + hash + "#" + index, failure);
    return status == FailureCodes.UNAVAILABLE ? new ForecastUnavailable(message) : new ApiException(status, message);
  }

  // ---- process --------------------------------------------------------------------------------

  private void process(RoutingContext ctx) {
    String hash = DatasetRoutes.hash(ctx.pathParam("hash"));
    String target = ctx.request().getParam("target");
    visible(hash, AuthHandler.require(ctx))
        .compose(entry -> {
          String series = series(hash, target, entry.columns());
          int rows = entry.rows();
          if (ForecastWindow.count(rows, window()) == 0) {
            throw new ApiException(FailureCodes.BAD_REQUEST, "dataset " + hash + " has " + rows
                + " rows; the model needs at least " + window() + " for one forecast");
          }
          String column = Series.column(series) != null ? Series.column(series)
              : entry.columns().getString(0);
          return forecasts.scheduler().process(series, rows)
              .map(progress -> new JsonObject().put("hash", hash).put("target", column)
                  .put("total", progress.getInteger("total")).put("done", progress.getInteger("done"))
                  .put("state", progress.getString("state")));
        })
        .onSuccess(reply -> ctx.response().setStatusCode(202)
            .putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(reply.encode()))
        .onFailure(ctx::fail);
  }

  // ---- quick draw -----------------------------------------------------------------------------

  /**
   * Parses the CSV body, stores it as a transient dataset, draws its last index at user priority
   * and answers the plot; then — whatever happened — removes the dataset and its plots, unless
   * the same bytes were a dataset already (then they stay as they were).
   */
  private void quickDraw(RoutingContext ctx) {
    DatasetRoutes.storeCsv(ctx, uploads, store, true)
        .compose(stored -> drawLast(stored.dataset(), ctx.request().getParam("target"))
            .eventually(() -> stored.created() ? forget(stored.dataset().hash()) : Future.succeededFuture()))
        .onSuccess(ctx::json)
        .onFailure(ctx::fail);
  }

  private Future<JsonObject> drawLast(Dataset dataset, String target) {
    String series;
    try {
      series = series(dataset.hash(), target, new JsonArray(dataset.columns()));
    } catch (ApiException e) {
      return Future.failedFuture(e);
    }
    if (ForecastWindow.count(dataset.rows(), window()) == 0) {
      return Future.failedFuture(new ApiException(FailureCodes.BAD_REQUEST, "the CSV has " + dataset.rows()
          + " rows; a quick draw needs at least " + window() + " (the model's window)"));
    }
    return requestPlot(series, dataset.rows() - 1);
  }

  /** Removes a quick draw's transient dataset and its plots (every node drops them on the change event). */
  private Future<Void> forget(String hash) {
    return store.removeTransient(hash)
        .onFailure(failure -> LOG.warn("quick draw dataset not removed [dataset: {}]", hash, failure))
        .<Void>mapEmpty()
        .recover(failure -> Future.succeededFuture());
  }

  // ---- status ---------------------------------------------------------------------------------

  private void status(RoutingContext ctx) {
    AuthHandler.require(ctx);
    Bus.<JsonObject>request(bus, Addresses.FORECAST_STATUS, new JsonObject(), Addresses.FORECAST_STATUS_TIMEOUT)
        .onSuccess(reply -> ctx.json(reply.body()))
        .onFailure(ctx::fail);
  }

  // ---------------------------------------------------------------------------------------------

  /** The catalogue entry of a dataset the user may see; 404 when unknown or not theirs. */
  private Future<DatasetStore.Usable> visible(String hash, AuthUser user) {
    return store.usable(hash, user).compose(entry -> entry != null ? Future.succeededFuture(entry)
        : Future.failedFuture(new ApiException(FailureCodes.NOT_FOUND, "no dataset " + hash)));
  }

  /**
   * The series to forecast: the dataset's first numeric column, or {@code ?target=COLUMN}; an
   * unknown column is a 400 naming the columns.
   */
  private static String series(String hash, String target, JsonArray columns) {
    if (target == null || target.isEmpty()) {
      return hash;
    }
    if (columns == null || !columns.contains(target)) {
      throw new ApiException(FailureCodes.BAD_REQUEST, "unknown target column '" + target + "'; the numeric columns are "
          + (columns == null ? "[]" : columns.encode()));
    }
    // the first numeric column is the default series under either name
    return target.equals(columns.getString(0)) ? hash : Series.of(hash, target);
  }

  private void checkIndex(int rows, int index) {
    String problem = ForecastWindow.problem(rows, index, window());
    if (problem != null) {
      throw new ApiException(FailureCodes.BAD_REQUEST, problem);
    }
  }

  private int window() {
    return forecasts.model().window();
  }

  private static int index(String text) {
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new ApiException(FailureCodes.BAD_REQUEST, "index '" + text + "' is not a whole number");
    }
  }
}
