package dev.atrium.web;

import dev.atrium.bus.BusFailures;
import dev.atrium.observe.RequestIds;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one JSON error shape of every failure, 404 and 405 included:
 * {@code {"error": "not_found", "message": "...", "requestId": "..."}}. A 5xx never carries a
 * stack trace or an exception message to the client; it is logged with the request id instead.
 */
public final class ErrorResponses {

  private static final Logger LOG = LoggerFactory.getLogger(ErrorResponses.class);

  private ErrorResponses() {
  }

  /** Makes the router answer every 4xx/5xx, raised or unmatched, with the JSON shape. */
  public static void install(Router router) {
    for (int status = 400; status < 600; status++) {
      router.errorHandler(status, ErrorResponses::render);
    }
  }

  /** Writes the error response for a failed or unmatched routing context. */
  public static void render(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    int status = statusOf(ctx, failure);
    String message = messageOf(ctx, status, failure);
    if (status == 503) {
      LOG.warn("request unavailable [method: {}, path: {}, cause: {}]", ctx.request().method(),
          ctx.request().path(), failure == null ? "-" : failure.getMessage());
    } else if (status >= 500) {
      LOG.error("request failed [method: {}, path: {}, status: {}]", ctx.request().method(),
          ctx.request().path(), status, failure);
    }
    HttpServerResponse response = ctx.response();
    if (response.headWritten()) {
      response.reset();
      return;
    }
    JsonObject body = new JsonObject()
        .put("error", errorCode(status))
        .put("message", message)
        .put("requestId", RequestIds.current());
    response.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
    if (failure instanceof RetryAfter retry) {
      response.putHeader(HttpHeaders.RETRY_AFTER, Long.toString(retry.retryAfterSeconds()));
    }
    if (status == 413) {
      // The rest of the oversized body is never read, so the connection cannot be reused.
      response.putHeader(HttpHeaders.CONNECTION, "close");
    }
    response.end(body.encode());
  }

  private static int statusOf(RoutingContext ctx, Throwable failure) {
    if (failure instanceof ApiException api) {
      return api.status();
    }
    if (failure instanceof ReplyException) {
      return BusFailures.httpStatus(failure);
    }
    int status = ctx.statusCode();
    return status >= 400 && status < 600 ? status : 500;
  }

  private static String messageOf(RoutingContext ctx, int status, Throwable failure) {
    if (failure instanceof ApiException api) {
      return api.getMessage();
    }
    if (failure instanceof ReplyException) {
      return BusFailures.clientMessage(ctx.request().method() + " " + ctx.request().path(), failure);
    }
    String target = ctx.request().method() + " " + ctx.request().path();
    return switch (status) {
      case 400 -> "malformed request to " + target;
      case 401 -> "authentication required for " + target;
      case 403 -> "not allowed: " + target;
      case 404 -> "no resource at " + target;
      case 405 -> "method " + ctx.request().method() + " not allowed on " + ctx.request().path();
      case 413 -> "request body too large for " + target;
      case 415 -> "unsupported content type for " + target;
      case 503 -> "service unavailable; try again";
      default -> status >= 500 ? "internal error" : "request to " + target + " failed";
    };
  }

  /** The short machine-readable name of a status. */
  public static String errorCode(int status) {
    return switch (status) {
      case 400 -> "bad_request";
      case 401 -> "unauthorized";
      case 403 -> "forbidden";
      case 404 -> "not_found";
      case 405 -> "method_not_allowed";
      case 406 -> "not_acceptable";
      case 409 -> "conflict";
      case 410 -> "gone";
      case 412 -> "precondition_failed";
      case 413 -> "payload_too_large";
      case 415 -> "unsupported_media_type";
      case 422 -> "unprocessable";
      case 423 -> "locked";
      case 428 -> "precondition_required";
      case 429 -> "too_many_requests";
      case 503 -> "unavailable";
      case 504 -> "timeout";
      default -> status >= 500 ? "internal_error" : "client_error";
    };
  }
}
