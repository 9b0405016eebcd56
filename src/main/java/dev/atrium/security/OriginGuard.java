package dev.atrium.security;

import dev.atrium.accounts.AuthHandler;
import dev.atrium.bus.FailureCodes;
import dev.atrium.web.ApiException;
import dev.atrium.web.ClientInfo;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Set;

/**
 * Cross-site request forgery protection. A state-changing request whose authority is ambient — a
 * session cookie, or the implicit local user — must come from this server's own origin (or an
 * allowed one): its {@code Origin} must match, or, without an {@code Origin}, its
 * {@code Sec-Fetch-Site} must be {@code same-origin} or {@code none}. Requests carrying neither
 * header are not from a browser and pass; requests with a bearer token carry no ambient authority
 * and pass.
 *
 * <p>{@link #everyRequest} applies the same origin test to every request whatever its method —
 * for the SockJS endpoint, whose XHR and EventSource transports Vert.x does not origin-check.
 */
public final class OriginGuard {

  private static final Set<HttpMethod> SAFE = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

  private final List<String> allowedOrigins;

  /** @param allowedOrigins origins besides this server's own that may make requests */
  public OriginGuard(List<String> allowedOrigins) {
    this.allowedOrigins = List.copyOf(allowedOrigins);
  }

  /** Checks state-changing requests authenticated by cookie or the implicit local user. */
  public Handler<RoutingContext> stateChanging() {
    return ctx -> {
      AuthHandler.Via via = AuthHandler.via(ctx);
      boolean ambient = via == AuthHandler.Via.COOKIE || via == AuthHandler.Via.IMPLICIT
          || ctx.request().getCookie("atrium_session") != null
          || ctx.request().getCookie("__Host-atrium_session") != null;
      if (SAFE.contains(ctx.request().method()) || !ambient || sameOrigin(ctx)) {
        ctx.next();
      } else {
        ctx.fail(new ApiException(FailureCodes.FORBIDDEN, "cross-site request refused: origin "
            + originOf(ctx) + " may not change state here"));
      }
    };
  }

  /** Checks every request, any method: browsers from other origins are refused outright. */
  public Handler<RoutingContext> everyRequest() {
    return ctx -> {
      if (sameOrigin(ctx)) {
        ctx.next();
      } else {
        ctx.fail(new ApiException(FailureCodes.FORBIDDEN, "origin " + originOf(ctx) + " is not allowed"));
      }
    };
  }

  /** Whether the request comes from this server's origin, an allowed one, or not from a browser. */
  boolean sameOrigin(RoutingContext ctx) {
    String origin = ctx.request().getHeader("Origin");
    if (origin != null) {
      return origin.equalsIgnoreCase(ClientInfo.of(ctx).origin()) || allowedOrigins.contains(origin)
          || allowedOrigins.contains("*");
    }
    String site = ctx.request().getHeader("Sec-Fetch-Site");
    return site == null || site.equals("same-origin") || site.equals("none");
  }

  private static String originOf(RoutingContext ctx) {
    String origin = ctx.request().getHeader("Origin");
    return origin != null ? origin : "(Sec-Fetch-Site: " + ctx.request().getHeader("Sec-Fetch-Site") + ")";
  }
}
