package dev.atrium.web;

import dev.atrium.config.HttpSettings;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.CorsHandler;
import java.util.Set;

/**
 * What every route of the one Atrium router stands on, in order: request id and access log, the
 * real client behind trusted proxies, security headers, CORS for the allowed origins, the
 * body-size limit, and the JSON error shape.
 */
public final class HttpFoundation {

  private static final Set<HttpMethod> BODY_METHODS = Set.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH);

  private HttpFoundation() {
  }

  /**
   * Pauses a streamed body until its route reads it: Vert.x hands chunks that arrive while no
   * handler is set to no one, and the handlers before the route (authentication, rate limits,
   * access checks) are asynchronous. If the route refuses before reading, the rest is let through
   * unread so the connection reaches the end of the request and can serve the next one.
   */
  private static void holdBody(RoutingContext ctx) {
    if (!ctx.request().isEnded()) {
      ctx.request().pause();
      ctx.addEndHandler(done -> {
        if (!ctx.request().isEnded()) {
          ctx.request().resume();
        }
      });
    }
    ctx.next();
  }

  /** Whether a body of this content type is read whole rather than streamed. */
  static boolean structured(String contentType) {
    if (contentType == null) {
      return true;
    }
    String type = contentType.split(";", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
    return type.equals("application/json") || type.endsWith("+json") || type.equals("application/msgpack")
        || type.equals("application/x-msgpack") || type.equals("application/x-www-form-urlencoded");
  }

  /** Installs the foundation handlers on a fresh router; routes added afterwards sit on top. */
  public static Router install(Router router, HttpSettings http) {
    router.route().handler(new RequestIdHandler());
    router.route().handler(ClientInfo.resolver(new TrustedProxies(http.trustedProxies())));
    router.route().handler(new SecurityHeadersHandler());
    if (!http.allowedOrigins().isEmpty()) {
      CorsHandler cors = CorsHandler.create()
          .addOrigins(http.allowedOrigins())
          .allowCredentials(true)
          .allowedMethods(Set.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH,
              HttpMethod.DELETE))
          .allowedHeaders(Set.of("Content-Type", "If-Match", "If-None-Match", "X-Request-Id",
              "Content-Digest", "Authorization"))
          .exposedHeaders(Set.of("ETag", "X-Request-Id", "Content-Digest", "Retry-After"));
      // the server's own pages send Origin too (every POST, every WebSocket upgrade): not cross-origin
      router.route().handler(ctx -> {
        String origin = ctx.request().getHeader("Origin");
        if (origin != null && origin.equalsIgnoreCase(ClientInfo.of(ctx).origin())) {
          ctx.next();
        } else {
          cors.handle(ctx);
        }
      });
    }
    router.route().handler(new BodyLimitHandler(http.bodyLimit()));
    BodyHandler bodies = BodyHandler.create(false).setBodyLimit(http.bodyLimit());
    // Structured bodies (JSON, msgpack, forms) are read whole, up to the limit; files (any other
    // content type) are left unread for their routes to stream (security.Uploads). The method is
    // checked inside rather than on the route: a method-restricted route matching every /api
    // path would turn each unknown GET into 405 instead of 404.
    router.route("/api/*").handler(ctx -> {
      if (!BODY_METHODS.contains(ctx.request().method())) {
        ctx.next();
      } else if (structured(ctx.request().getHeader("Content-Type"))) {
        bodies.handle(ctx);
      } else {
        holdBody(ctx);
      }
    });
    ErrorResponses.install(router);
    return router;
  }
}
