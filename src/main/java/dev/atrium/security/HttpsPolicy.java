package dev.atrium.security;

import dev.atrium.web.ClientInfo;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;

/**
 * Production only: a request that reached Atrium over plain HTTP (as the client or a trusted
 * proxy says) is redirected to HTTPS — 301 for GET/HEAD, 308 otherwise so the method and body
 * are kept — and HTTPS responses carry {@code Strict-Transport-Security}. Mount it after the
 * health and metrics routes: probes and scrapers talk plain HTTP to each node.
 */
public final class HttpsPolicy implements Handler<RoutingContext> {

  /** One year, sub-domains included. */
  static final String HSTS = "max-age=31536000; includeSubDomains";

  @Override
  public void handle(RoutingContext ctx) {
    ClientInfo client = ClientInfo.of(ctx);
    if ("https".equals(client.scheme())) {
      ctx.response().putHeader("Strict-Transport-Security", HSTS);
      ctx.next();
      return;
    }
    HttpMethod method = ctx.request().method();
    int status = method == HttpMethod.GET || method == HttpMethod.HEAD ? 301 : 308;
    ctx.response().setStatusCode(status)
        .putHeader("Location", "https://" + client.host() + ctx.request().uri())
        .end();
  }
}
