package dev.atrium.web;

import dev.atrium.observe.RequestIds;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives every request an id — the client's {@code X-Request-Id} when well-formed, else a new
 * one — binds it to the request's context so every log line while serving it carries it, echoes
 * it in the response, and writes one access-log line when the response ends.
 */
public final class RequestIdHandler implements Handler<RoutingContext> {

  private static final Logger ACCESS = LoggerFactory.getLogger("atrium.access");

  @Override
  public void handle(RoutingContext ctx) {
    String offered = ctx.request().getHeader(RequestIds.HEADER);
    String id = RequestIds.wellFormed(offered) ? offered : RequestIds.generate();
    RequestIds.bind(id);
    ctx.response().putHeader(RequestIds.HEADER, id);
    long start = System.nanoTime();
    ctx.addEndHandler(done -> logServed(ctx, start));
    ctx.next();
  }

  private static void logServed(RoutingContext ctx, long start) {
    String path = ctx.request().path();
    long micros = (System.nanoTime() - start) / 1_000;
    if (path.startsWith("/health") || path.equals("/metrics")) {
      ACCESS.debug("request served [{} {}, status: {}, us: {}]", ctx.request().method(), path,
          ctx.response().getStatusCode(), micros);
    } else {
      ACCESS.info("request served [{} {}, status: {}, us: {}]", ctx.request().method(), path,
          ctx.response().getStatusCode(), micros);
    }
  }
}
