package dev.atrium.frames;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.atrium.accounts.AuthHandler;
import dev.atrium.accounts.AuthUser;
import dev.atrium.bus.FailureCodes;
import dev.atrium.web.ApiException;
import dev.atrium.web.ContentDigest;
import dev.atrium.web.HttpModule;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.MIMEHeader;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * The HTTP data channel for frames: reads and writes in msgpack or JSON by content negotiation,
 * single arrays as {@code .npy}; versions as ETags ({@code "3"}) for {@code If-None-Match} (readers)
 * and {@code If-Match} (writers); {@code Content-Digest} checked on uploads and sent on responses.
 */
public final class FrameRoutes implements HttpModule {

  /** JSON content type. */
  public static final String JSON = "application/json";
  /** msgpack content type. */
  public static final String MSGPACK = "application/msgpack";
  /** NumPy array content type. */
  public static final String NPY = "application/x-npy";

  private final FrameService frames;
  private final BlobCollector collector;
  /** Encoded single-frame and .npy responses: (frame id, version) content never changes. */
  private final Cache<String, Encoded> responses;

  /**
   * @param frames the frame operations
   * @param collector blob garbage collection (admin route)
   * @param responseCacheBytes memory for encoded responses
   */
  public FrameRoutes(FrameService frames, BlobCollector collector, long responseCacheBytes) {
    this.frames = frames;
    this.collector = collector;
    this.responses = Caffeine.newBuilder()
        .maximumWeight(Math.max(responseCacheBytes, 1))
        .weigher((String key, Encoded value) -> value.body().length() + key.length())
        .build();
  }

  @Override
  public void mount(Router router) {
    router.get("/api/rooms/:room/frames").handler(this::list);
    router.post("/api/rooms/:room/frames").handler(this::append);
    router.delete("/api/rooms/:room/frames").handler(this::deleteRange);
    router.get("/api/rooms/:room/frames/:index").handler(this::readOne);
    router.put("/api/rooms/:room/frames/:index").handler(ctx -> write(ctx, false));
    router.patch("/api/rooms/:room/frames/:index").handler(ctx -> write(ctx, true));
    router.delete("/api/rooms/:room/frames/:index").handler(this::deleteOne);
    router.post("/api/rooms/:room/frames/:index/move").handler(this::move);
    router.post("/api/rooms/:room/frames/:index/undo").handler(this::undo);
    router.get("/api/rooms/:room/frames/:index/fields/:field").handler(this::npy);
    router.post("/api/admin/blobs/collect").handler(this::collect);
  }

  private void collect(RoutingContext ctx) {
    if (!AuthHandler.require(ctx).admin()) {
      throw new ApiException(FailureCodes.FORBIDDEN, "administrators only");
    }
    collector.collect().onSuccess(deleted -> ctx.json(new JsonObject().put("deleted", deleted))).onFailure(ctx::fail);
  }

  // ---- reads ----------------------------------------------------------------------------------

  private void list(RoutingContext ctx) {
    String format = negotiate(ctx);
    frames.read(AuthHandler.require(ctx), ctx.pathParam("room"), Selection.parse(ctx.request().getParam("frames")),
            fields(ctx))
        .onSuccess(views -> send(ctx, 200, encode(views, format), format, null))
        .onFailure(ctx::fail);
  }

  private void readOne(RoutingContext ctx) {
    String format = negotiate(ctx);
    AuthUser user = AuthHandler.require(ctx);
    String room = ctx.pathParam("room");
    int index = index(ctx.pathParam("index"));
    Long version = longParam(ctx, "version");
    Collection<String> fields = fields(ctx);
    if (version != null) {
      frames.readOne(user, room, index, version, fields)
          .onSuccess(view -> send(ctx, 200, encode(List.of(view), format), format, "\"" + view.version() + "\""))
          .onFailure(ctx::fail);
      return;
    }
    frames.locate(user, room, index).compose(located -> {
      long current = located.record().getLong("version");
      String etag = "\"" + current + "\"";
      if (etag.equals(stripWeak(ctx.request().getHeader(HttpHeaders.IF_NONE_MATCH)))) {
        ctx.response().putHeader(HttpHeaders.ETAG, etag).setStatusCode(304).end();
        return Future.succeededFuture();
      }
      String key = located.id() + ":" + current + ":" + format + ":" + String.join(",", fields == null ? List.of("*") : fields);
      Encoded cached = responses.getIfPresent(key);
      if (cached != null) {
        sendEncoded(ctx, cached, etag);
        return Future.succeededFuture();
      }
      return frames.view(index, located.record(), fields).map(view -> {
        Encoded encoded = encoded(encode(List.of(view), format), format);
        responses.put(key, encoded);
        sendEncoded(ctx, encoded, etag);
        return null;
      });
    }).onFailure(ctx::fail);
  }

  private void npy(RoutingContext ctx) {
    String name = ctx.pathParam("field");
    int index = index(ctx.pathParam("index"));
    frames.locate(AuthHandler.require(ctx), ctx.pathParam("room"), index).compose(located -> {
      long current = located.record().getLong("version");
      String etag = "\"" + current + "\"";
      if (etag.equals(stripWeak(ctx.request().getHeader(HttpHeaders.IF_NONE_MATCH)))) {
        ctx.response().putHeader(HttpHeaders.ETAG, etag).setStatusCode(304).end();
        return Future.succeededFuture();
      }
      String key = located.id() + ":" + current + ":npy:" + name;
      Encoded cached = responses.getIfPresent(key);
      if (cached != null) {
        sendEncoded(ctx, cached, etag);
        return Future.succeededFuture();
      }
      return frames.view(index, located.record(), List.of(name)).map(view -> {
        Encoded encoded = encoded(Npy.encode(name, view.frame().fields().get(name)), NPY);
        responses.put(key, encoded);
        sendEncoded(ctx, encoded, etag);
        return null;
      });
    }).onFailure(ctx::fail);
  }

  // ---- writes ---------------------------------------------------------------------------------

  private void append(RoutingContext ctx) {
    FrameJson.Decoded body = decodeBody(ctx);
    Integer at = intParam(ctx, "at");
    frames.insert(AuthHandler.require(ctx), ctx.pathParam("room"), at, body.frames())
        .onSuccess(stored -> sendJson(ctx, 201, new JsonObject().put("frames", metadata(stored))))
        .onFailure(ctx::fail);
  }

  private void write(RoutingContext ctx, boolean merge) {
    FrameJson.Decoded body = decodeBody(ctx);
    if (body.batch() || body.frames().size() != 1) {
      throw new ApiException(FailureCodes.BAD_REQUEST, "body: one frame ({\"fields\": …}) is required here, not a batch");
    }
    long base = baseVersion(ctx, body.baseVersion(), true);
    frames.update(AuthHandler.require(ctx), ctx.pathParam("room"), index(ctx.pathParam("index")), base,
            body.frames().get(0), merge)
        .onSuccess(stored -> written(ctx, stored))
        .onFailure(failure -> conflictAware(ctx, failure));
  }

  private void undo(RoutingContext ctx) {
    Long base = ctx.request().getHeader(HttpHeaders.IF_MATCH) == null ? null : baseVersion(ctx, null, true);
    frames.undo(AuthHandler.require(ctx), ctx.pathParam("room"), index(ctx.pathParam("index")), base)
        .onSuccess(stored -> written(ctx, stored))
        .onFailure(failure -> conflictAware(ctx, failure));
  }

  private void deleteOne(RoutingContext ctx) {
    int index = index(ctx.pathParam("index"));
    Long base = ctx.request().getHeader(HttpHeaders.IF_MATCH) == null ? null : baseVersion(ctx, null, true);
    frames.delete(AuthHandler.require(ctx), ctx.pathParam("room"), index, index + 1, base)
        .onSuccess(removed -> sendJson(ctx, 200, new JsonObject().put("frames", metadata(removed))))
        .onFailure(failure -> conflictAware(ctx, failure));
  }

  private void deleteRange(RoutingContext ctx) {
    String text = ctx.request().getParam("frames");
    if (text == null || !text.matches("\\d+:\\d+")) {
      throw new ApiException(FailureCodes.BAD_REQUEST, "frames: a range a:b is required to delete several frames");
    }
    String[] parts = text.split(":");
    frames.delete(AuthHandler.require(ctx), ctx.pathParam("room"), Integer.parseInt(parts[0]),
            Integer.parseInt(parts[1]), null)
        .onSuccess(removed -> sendJson(ctx, 200, new JsonObject().put("frames", metadata(removed))))
        .onFailure(ctx::fail);
  }

  private void move(RoutingContext ctx) {
    Integer to = intParam(ctx, "to");
    if (to == null) {
      throw new ApiException(FailureCodes.BAD_REQUEST, "to: the target index is required");
    }
    frames.move(AuthHandler.require(ctx), ctx.pathParam("room"), index(ctx.pathParam("index")), to)
        .onSuccess(stored -> written(ctx, stored))
        .onFailure(ctx::fail);
  }

  private void written(RoutingContext ctx, FrameStore.Stored stored) {
    send(ctx, 200, new JsonObject().put("frames", metadata(List.of(stored))).toBuffer(), JSON,
        "\"" + stored.version() + "\"");
  }

  /** A 409 carries the current version in the body, so the client can rebase. */
  private static void conflictAware(RoutingContext ctx, Throwable failure) {
    if (failure instanceof FrameStore.VersionConflict conflict) {
      ctx.response().setStatusCode(409).putHeader(HttpHeaders.ETAG, "\"" + conflict.current() + "\"");
      ctx.json(new JsonObject().put("error", "conflict").put("message", conflict.getMessage())
          .put("currentVersion", conflict.current()).put("requestId", dev.atrium.observe.RequestIds.current()));
      return;
    }
    ctx.fail(failure);
  }

  // ---- helpers --------------------------------------------------------------------------------

  private static FrameJson.Decoded decodeBody(RoutingContext ctx) {
    // the type first: the foundation leaves a body of any other type unread (for streaming routes)
    String type = mediaType(ctx.request().getHeader(HttpHeaders.CONTENT_TYPE));
    boolean msgpack = switch (type) {
      case JSON -> false;
      case MSGPACK, "application/x-msgpack" -> true;
      default -> throw new ApiException(415, "Content-Type " + (type.isEmpty() ? "(none)" : type)
          + " is not accepted here; send application/msgpack or application/json");
    };
    Buffer body = ctx.body() == null ? null : ctx.body().buffer();
    if (body == null || body.length() == 0) {
      throw new ApiException(FailureCodes.BAD_REQUEST, "body: a frame or a batch of frames is required");
    }
    ContentDigest.verify(ctx.request().getHeader(ContentDigest.HEADER), body);
    return msgpack ? FrameMsgpack.decode(body) : FrameJson.decode(body);
  }

  private static long baseVersion(RoutingContext ctx, Long fromBody, boolean required) {
    String ifMatch = ctx.request().getHeader(HttpHeaders.IF_MATCH);
    Long fromHeader = null;
    if (ifMatch != null) {
      String value = stripWeak(ifMatch).replace("\"", "");
      try {
        fromHeader = Long.parseLong(value);
      } catch (NumberFormatException e) {
        throw new ApiException(FailureCodes.BAD_REQUEST, "If-Match: '" + ifMatch + "' is not a version such as \"3\"");
      }
    }
    if (fromHeader != null && fromBody != null && !fromHeader.equals(fromBody)) {
      throw new ApiException(FailureCodes.BAD_REQUEST, "If-Match " + fromHeader + " and base_version " + fromBody
          + " disagree");
    }
    Long base = fromHeader != null ? fromHeader : fromBody;
    if (base == null && required) {
      throw new ApiException(428, "a write must say which version it is based on: If-Match: \"<version>\" or base_version");
    }
    return base == null ? -1 : base;
  }

  private static String negotiate(RoutingContext ctx) {
    List<MIMEHeader> accepted = ctx.parsedHeaders().accept();
    if (accepted.isEmpty()) {
      return JSON;
    }
    for (MIMEHeader header : accepted) {
      String type = header.component() + "/" + header.subComponent();
      switch (type.toLowerCase(Locale.ROOT)) {
        case MSGPACK, "application/x-msgpack":
          return MSGPACK;
        case JSON, "application/*", "*/*":
          return JSON;
        default:
          break;
      }
    }
    throw new ApiException(406, "Accept: this resource is available as application/msgpack or application/json");
  }

  private static Buffer encode(List<FrameView> views, String format) {
    return MSGPACK.equals(format) ? FrameMsgpack.encode(views) : FrameJson.encode(views).toBuffer();
  }

  private static Encoded encoded(Buffer body, String contentType) {
    return new Encoded(body, ContentDigest.of(body), contentType);
  }

  private static void send(RoutingContext ctx, int status, Buffer body, String format, String etag) {
    Encoded encoded = encoded(body, format);
    ctx.response().setStatusCode(status);
    sendEncoded(ctx, encoded, etag);
  }

  /** A JSON answer with its Content-Digest, like every other non-streamed frames response. */
  private static void sendJson(RoutingContext ctx, int status, JsonObject json) {
    send(ctx, status, json.toBuffer(), JSON, null);
  }

  private static void sendEncoded(RoutingContext ctx, Encoded encoded, String etag) {
    HttpServerResponse response = ctx.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, encoded.contentType())
        .putHeader(ContentDigest.HEADER, encoded.digest());
    if (etag != null) {
      response.putHeader(HttpHeaders.ETAG, etag);
    }
    response.end(encoded.body());
  }

  private static JsonArray metadata(List<FrameStore.Stored> stored) {
    JsonArray out = new JsonArray();
    for (FrameStore.Stored s : stored) {
      JsonObject entry = new JsonObject().put("index", s.index()).put("id", s.id());
      if (s.hash() != null) {
        entry.put("version", s.version()).put("hash", s.hash());
      }
      out.add(entry);
    }
    return out;
  }

  private static Collection<String> fields(RoutingContext ctx) {
    String text = ctx.request().getParam("fields");
    if (text == null) {
      return null;
    }
    return Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }

  private static int index(String text) {
    try {
      int index = Integer.parseInt(text);
      if (index < 0) {
        throw new ApiException(FailureCodes.NOT_FOUND, "frame index " + index + " is negative");
      }
      return index;
    } catch (NumberFormatException e) {
      throw new ApiException(FailureCodes.BAD_REQUEST, "frame index '" + text + "' is not a whole number");
    }
  }

  private static Integer intParam(RoutingContext ctx, String name) {
    String text = ctx.request().getParam(name);
    if (text == null) {
      return null;
    }
    try {
      int value = Integer.parseInt(text);
      if (value < 0) {
        throw new ApiException(FailureCodes.BAD_REQUEST, name + ": must not be negative");
      }
      return value;
    } catch (NumberFormatException e) {
      throw new ApiException(FailureCodes.BAD_REQUEST, name + ": '" + text + "' is not a whole number");
    }
  }

  private static Long longParam(RoutingContext ctx, String name) {
    String text = ctx.request().getParam(name);
    if (text == null) {
      return null;
    }
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new ApiException(FailureCodes.BAD_REQUEST, name + ": '" + text + "' is not a whole number");
    }
  }

  private static String stripWeak(String etag) {
    if (etag == null) {
      return null;
    }
    String trimmed = etag.trim();
    return trimmed.startsWith("W/") ? trimmed.substring(2) : trimmed;
  }

  private static String mediaType(String contentType) {
    return contentType == null ? "" : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
  }

  private record Encoded(Buffer body, String digest, String contentType) {
  }
}
