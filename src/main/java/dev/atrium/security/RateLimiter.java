package dev.atrium.security;

import dev.atrium.accounts.AuthHandler;
import dev.atrium.accounts.AuthUser;
import dev.atrium.bus.FailureCodes;
import dev.atrium.config.RateLimit;
import dev.atrium.coordination.Coordination;
import dev.atrium.coordination.Coordination.WindowCount;
import dev.atrium.web.ApiException;
import dev.atrium.web.ClientInfo;
import dev.atrium.web.RetryAfter;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fixed-window rate limits per route class, counted in the coordination store (Redis in a
 * cluster, so every node counts against the same budget), per client IP and per user. Over the
 * limit → 429 with {@code Retry-After}.
 *
 * <p>When the store cannot be reached, sign-in and registration fail closed (503: an attacker
 * must not get unlimited password guesses because Redis is down) and other writes fail open
 * (logged): their correctness is enforced by the store of record, and refusing every write would
 * turn a Redis outage into a full outage.
 */
public final class RateLimiter {

  private static final Logger LOG = LoggerFactory.getLogger(RateLimiter.class);
  private static final Set<HttpMethod> WRITES = Set.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH,
      HttpMethod.DELETE);

  private final Coordination store;

  /** @param store where the counters live */
  public RateLimiter(Coordination store) {
    this.store = store;
  }

  /** Counts one hit of {@code routeClass} for each key; fails with 429 when any is over the limit. */
  public Future<Void> hit(String routeClass, RateLimit limit, boolean failClosed, List<String> keys) {
    if (!limit.enabled()) {
      return Future.succeededFuture();
    }
    List<Future<WindowCount>> counts = new ArrayList<>();
    for (String key : keys) {
      counts.add(store.increment("rl:" + routeClass + ":" + key, limit.window()));
    }
    return Future.all(counts).transform(result -> {
      if (result.failed()) {
        if (failClosed) {
          LOG.warn("rate limit store unreachable; refusing [class: {}]", routeClass, result.cause());
          return Future.failedFuture(new ApiException(FailureCodes.UNAVAILABLE,
              "sign-in is unavailable right now; try again shortly"));
        }
        LOG.warn("rate limit store unreachable; allowing [class: {}]", routeClass, result.cause());
        return Future.succeededFuture();
      }
      long retryAfterMs = 0;
      for (Future<WindowCount> count : counts) {
        WindowCount window = count.result();
        if (window.count() > limit.count()) {
          retryAfterMs = Math.max(retryAfterMs, window.resetIn().toMillis());
        }
      }
      return retryAfterMs == 0 ? Future.succeededFuture() : Future.failedFuture(new TooManyRequests(routeClass,
          (retryAfterMs + 999) / 1000));
    });
  }

  /** The client-IP key and, when signed in, the user key of a request. */
  public static List<String> requestKeys(RoutingContext ctx) {
    List<String> keys = new ArrayList<>();
    keys.add("ip:" + ClientInfo.of(ctx).ip());
    AuthUser user = AuthHandler.user(ctx);
    if (user != null && !user.implicit()) {
      keys.add("user:" + user.id());
    }
    return keys;
  }

  /** A route handler limiting every state-changing request under it ({@code writes}). */
  public Handler<RoutingContext> writes(RateLimit limit) {
    return ctx -> {
      if (!WRITES.contains(ctx.request().method())) {
        ctx.next();
        return;
      }
      hit("writes", limit, false, requestKeys(ctx)).onSuccess(v -> ctx.next()).onFailure(ctx::fail);
    };
  }

  /** A route handler limiting one route class, e.g. uploads. */
  public Handler<RoutingContext> perRoute(String routeClass, RateLimit limit, boolean failClosed) {
    return ctx -> hit(routeClass, limit, failClosed, requestKeys(ctx)).onSuccess(v -> ctx.next()).onFailure(ctx::fail);
  }

  /** Over the limit: 429, with the seconds until the window ends. */
  public static final class TooManyRequests extends ApiException implements RetryAfter {
    private final long retryAfterSeconds;

    TooManyRequests(String routeClass, long retryAfterSeconds) {
      super(FailureCodes.TOO_MANY_REQUESTS, "too many " + routeClass + " requests; retry in "
          + retryAfterSeconds + " s");
      this.retryAfterSeconds = retryAfterSeconds;
    }

    @Override
    public long retryAfterSeconds() {
      return retryAfterSeconds;
    }
  }
}
