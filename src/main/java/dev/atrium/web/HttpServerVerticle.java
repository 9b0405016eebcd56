package dev.atrium.web;

import dev.atrium.config.HttpSettings;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The HTTP server: one router with the {@link HttpFoundation} beneath every route. Deployed once
 * per event loop; all instances share the port. Undeploying it stops accepting requests and lets
 * in-flight ones finish within the shutdown grace period.
 */
public final class HttpServerVerticle extends VerticleBase {

  private final HttpSettings http;
  private final Function<io.vertx.core.Vertx, HealthChecks> readiness;
  private final PrometheusMeterRegistry registry;
  private final List<HttpModule> modules;
  private HttpServer server;

  /**
   * @param http the HTTP part of the settings
   * @param readiness builds this instance's readiness checks
   * @param registry the metrics registry scraped at {@code /metrics}
   * @param modules the subsystems' guards and routes, mounted in this order after health and metrics
   */
  public HttpServerVerticle(HttpSettings http, Function<io.vertx.core.Vertx, HealthChecks> readiness,
      PrometheusMeterRegistry registry, List<HttpModule> modules) {
    this.http = http;
    this.readiness = readiness;
    this.registry = registry;
    this.modules = List.copyOf(modules);
  }

  @Override
  public Future<?> start() {
    Router router = HttpFoundation.install(Router.router(vertx), http);
    router.get("/health").handler(HttpServerVerticle::live);
    router.get("/health/ready").handler(HealthCheckHandler.createWithHealthChecks(readiness.apply(vertx)));
    router.get("/metrics").handler(PrometheusScrapingHandler.create(registry));
    modules.forEach(module -> module.mount(router));

    HttpServerOptions options = new HttpServerOptions()
        .setHost(http.host())
        .setPort(http.port())
        .setCompressionSupported(http.compression())
        .setDecompressionSupported(true)
        .setTcpNoDelay(true)
        .setIdleTimeout(120);
    server = vertx.createHttpServer(options).requestHandler(router);
    return server.listen();
  }

  @Override
  public Future<?> stop() {
    return server.shutdown(http.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS);
  }

  private static void live(RoutingContext ctx) {
    ctx.json(new JsonObject().put("status", "UP"));
  }
}
