package dev.atrium.web;

import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.ext.web.RoutingContext;

/**
 * Sets the response headers every Atrium response carries: no MIME sniffing, no framing, no
 * referrer leaks, a same-origin content security policy, and isolation from other origins'
 * windows.
 */
public final class SecurityHeadersHandler implements Handler<RoutingContext> {

  private static final String CSP = "default-src 'self'; img-src 'self' data: blob:; "
      + "style-src 'self' 'unsafe-inline'; connect-src 'self' ws: wss:; worker-src 'self' blob:; "
      + "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";

  @Override
  public void handle(RoutingContext ctx) {
    MultiMap headers = ctx.response().headers();
    headers.set("X-Content-Type-Options", "nosniff");
    headers.set("X-Frame-Options", "DENY");
    headers.set("Referrer-Policy", "no-referrer");
    headers.set("Content-Security-Policy", CSP);
    headers.set("Cross-Origin-Opener-Policy", "same-origin");
    headers.set("Cross-Origin-Resource-Policy", "same-origin");
    headers.set("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
    ctx.next();
  }
}
