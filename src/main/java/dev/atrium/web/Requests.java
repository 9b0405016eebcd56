package dev.atrium.web;

import dev.atrium.bus.FailureCodes;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** Reading request input with errors that say what was wrong and where. */
public final class Requests {

  private Requests() {
  }

  /** The body as a JSON object; 400 when it is missing or not a JSON object. */
  public static JsonObject jsonBody(RoutingContext ctx) {
    try {
      JsonObject body = ctx.body() == null ? null : ctx.body().asJsonObject();
      if (body == null) {
        throw new ApiException(FailureCodes.BAD_REQUEST, "body: a JSON object is required");
      }
      return body;
    } catch (DecodeException | ClassCastException e) {
      throw new ApiException(FailureCodes.BAD_REQUEST, "body: not a JSON object (" + firstLine(e.getMessage()) + ")");
    }
  }

  /** A string field of a JSON body; 400 naming the field when it is not a string. */
  public static String string(JsonObject body, String field, boolean required) {
    Object value = body.getValue(field);
    if (value == null && !required) {
      return null;
    }
    if (!(value instanceof String text)) {
      throw new ApiException(FailureCodes.BAD_REQUEST, field + ": a string is required");
    }
    return text;
  }

  /** A boolean field of a JSON body, or null when absent; 400 naming the field when not a boolean. */
  public static Boolean bool(JsonObject body, String field) {
    Object value = body.getValue(field);
    if (value != null && !(value instanceof Boolean)) {
      throw new ApiException(FailureCodes.BAD_REQUEST, field + ": true or false is required");
    }
    return (Boolean) value;
  }

  /** A non-negative integer query parameter with a default and an upper bound. */
  public static int intParam(RoutingContext ctx, String name, int fallback, int max) {
    String raw = ctx.request().getParam(name);
    if (raw == null) {
      return fallback;
    }
    try {
      int value = Integer.parseInt(raw);
      if (value < 0 || value > max) {
        throw new ApiException(FailureCodes.BAD_REQUEST, name + ": must be between 0 and " + max);
      }
      return value;
    } catch (NumberFormatException e) {
      throw new ApiException(FailureCodes.BAD_REQUEST, name + ": '" + raw + "' is not a whole number");
    }
  }

  private static String firstLine(String message) {
    return message == null ? "" : message.lines().findFirst().orElse("");
  }
}
