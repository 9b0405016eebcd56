package dev.atrium.web;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

/**
 * Refuses a structured request (JSON, msgpack, forms — what the foundation reads whole) whose
 * declared {@code Content-Length} exceeds the limit with 413 before a byte of its body is read.
 * Bodies without a declared length are bounded where they are read ({@code BodyHandler} with the
 * same limit); files (other content types) are streamed by their route under its own limit.
 */
public final class BodyLimitHandler implements Handler<RoutingContext> {

  private final long limit;

  /** @param limit largest body in bytes */
  public BodyLimitHandler(long limit) {
    this.limit = limit;
  }

  @Override
  public void handle(RoutingContext ctx) {
    String declared = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
    if (declared != null && HttpFoundation.structured(ctx.request().getHeader(HttpHeaders.CONTENT_TYPE))) {
      long length;
      try {
        length = Long.parseLong(declared.trim());
      } catch (NumberFormatException e) {
        ctx.fail(new ApiException(400, "Content-Length '" + declared + "' is not a number"));
        return;
      }
      if (length > limit) {
        ctx.fail(new ApiException(413, "request body of " + length + " bytes exceeds the limit of "
            + limit + " bytes"));
        return;
      }
    }
    ctx.next();
  }
}
