package dev.atrium.frames;

import dev.atrium.accounts.AuthHandler;
import dev.atrium.accounts.AuthUser;
import dev.atrium.bus.FailureCodes;
import dev.atrium.config.RateLimit;
import dev.atrium.frames.io.ExtXyzReader;
import dev.atrium.frames.io.ExtXyzWriter;
import dev.atrium.frames.io.NpzWriter;
import dev.atrium.rooms.Role;
import dev.atrium.rooms.RoomAccess;
import dev.atrium.security.RateLimiter;
import dev.atrium.security.Uploads;
import dev.atrium.web.ApiException;
import dev.atrium.web.HttpModule;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Whole trajectories in and out. Import streams an extended-XYZ upload to a temporary file (never
 * held in memory), parses it in batches on a worker thread, stages every frame (blobs and
 * records), and makes all of them part of the room in one atomic index update at the end — a file
 * that turns out malformed at line 90,000 leaves nothing visible. Export streams frames out in
 * batches: extended XYZ as chunked text, npz/zip (one {@code .npy} per field per frame) through a
 * temporary file.
 */
public final class TrajectoryRoutes implements HttpModule {

  /** Frames parsed, staged or exported per step. */
  static final int BATCH = 64;

  private final FrameService frames;
  private final RoomAccess access;
  private final FrameLocks locks;
  private final Uploads uploads;
  private final long uploadLimit;
  private final RateLimiter limiter;
  private final RateLimit uploadRate;

  /**
   * @param frames frame operations
   * @param access room authorization
   * @param locks edit locks
   * @param uploads temporary upload files
   * @param uploadLimit largest import in bytes
   * @param limiter rate limiter
   * @param uploadRate the uploads rate limit
   */
  public TrajectoryRoutes(FrameService frames, RoomAccess access, FrameLocks locks, Uploads uploads, long uploadLimit,
      RateLimiter limiter, RateLimit uploadRate) {
    this.frames = frames;
    this.access = access;
    this.locks = locks;
    this.uploads = uploads;
    this.uploadLimit = uploadLimit;
    this.limiter = limiter;
    this.uploadRate = uploadRate;
  }

  @Override
  public void mount(Router router) {
    // the foundation holds the streamed body until Uploads.receive reads it
    router.post("/api/rooms/:room/import").handler(limiter.perRoute("uploads", uploadRate, false))
        .handler(this::importTrajectory);
    router.get("/api/rooms/:room/export").handler(this::export);
  }

  private void importTrajectory(RoutingContext ctx) {
    if (ctx.body() != null && ctx.body().buffer() != null) {
      // a structured content type (or none) made the foundation read the body whole
      throw new ApiException(415, "Content-Type: send the trajectory as chemical/x-extxyz, text/plain or"
          + " application/octet-stream (it is streamed, not read whole)");
    }
    AuthUser user = AuthHandler.require(ctx);
    String room = ctx.pathParam("room");
    Integer at = atParam(ctx);
    Vertx vertx = ctx.vertx();
    access.require(user, room, Role.EDITOR)
        .compose(grant -> locks.checkRoomWritable(room, user.id()))
        .compose(v -> uploads.receive(ctx, uploadLimit))
        .compose(file -> vertx.executeBlocking(() -> new ExtXyzReader(Files.newInputStream(file), "import"), false))
        .compose(reader -> stageAll(vertx, room, reader, new ArrayList<>())
            .eventually(() -> vertx.executeBlocking(() -> {
              reader.close();
              return null;
            }, false)))
        .compose(staged -> frames.store().link(room, at, staged)
            .recover(failure -> frames.store().discard(staged).transform(x -> Future.failedFuture(failure))))
        .onSuccess(stored -> {
          frames.publish(room, "insert", stored, null);
          JsonArray listed = new JsonArray();
          stored.forEach(s -> listed.add(new JsonObject().put("index", s.index()).put("id", s.id())
              .put("version", s.version()).put("hash", s.hash())));
          ctx.response().setStatusCode(201);
          ctx.json(new JsonObject().put("imported", stored.size()).put("frames", listed));
        })
        .onFailure(ctx::fail);
  }

  /** Parses and stages batch after batch; on any failure discards what was staged. */
  private Future<List<JsonObject>> stageAll(Vertx vertx, String room, ExtXyzReader reader, List<JsonObject> staged) {
    return vertx.executeBlocking(() -> {
      List<Frame> batch = new ArrayList<>(BATCH);
      Frame frame;
      while (batch.size() < BATCH && (frame = reader.next()) != null) {
        batch.add(frame);
      }
      return batch;
    }, false).compose(batch -> {
      if (batch.isEmpty()) {
        return Future.succeededFuture(staged);
      }
      return frames.store().stage(room, batch).compose(docs -> {
        staged.addAll(docs);
        return stageAll(vertx, room, reader, staged);
      });
    }).recover(failure -> frames.store().discard(staged).transform(x -> Future.failedFuture(failure)));
  }

  private void export(RoutingContext ctx) {
    AuthUser user = AuthHandler.require(ctx);
    String room = ctx.pathParam("room");
    String format = ctx.request().getParam("format", "extxyz");
    if (!List.of("extxyz", "npz", "zip").contains(format)) {
      throw new ApiException(FailureCodes.BAD_REQUEST, "format: extxyz, npz or zip");
    }
    access.require(user, room, Role.VIEWER).compose(grant -> frames.store().size(room)).compose(size ->
        "extxyz".equals(format) ? exportText(ctx, room, size) : exportArchive(ctx, room, size, format))
        .onFailure(failure -> {
          if (ctx.response().headWritten()) {
            ctx.response().reset();
          } else {
            ctx.fail(failure);
          }
        });
  }

  private Future<Void> exportText(RoutingContext ctx, String room, int size) {
    HttpServerResponse response = ctx.response().setChunked(true)
        .putHeader(HttpHeaders.CONTENT_TYPE, "chemical/x-extxyz; charset=utf-8")
        .putHeader("Content-Disposition", "attachment; filename=\"" + room + ".extxyz\"");
    return textBatches(ctx.vertx(), response, room, 0, size).compose(v -> response.end());
  }

  private Future<Void> textBatches(Vertx vertx, HttpServerResponse response, String room, int from, int size) {
    if (from >= size) {
      return Future.succeededFuture();
    }
    int to = Math.min(size, from + BATCH);
    return batch(room, from, to)
        .compose(views -> vertx.executeBlocking(() -> {
          StringWriter text = new StringWriter();
          ExtXyzWriter writer = new ExtXyzWriter(text);
          for (FrameView view : views) {
            try {
              writer.write(view.frame());
            } catch (IllegalArgumentException e) {
              throw new ApiException(FailureCodes.UNPROCESSABLE, "frame " + view.index()
                  + " cannot be written as extended XYZ (" + e.getMessage() + "); export it with format=npz");
            }
          }
          writer.flush();
          return Buffer.buffer(text.toString());
        }, false))
        .compose(response::write)
        .compose(v -> textBatches(vertx, response, room, to, size));
  }

  private Future<Void> exportArchive(RoutingContext ctx, String room, int size, String format) {
    Vertx vertx = ctx.vertx();
    return vertx.fileSystem().createTempFile("atrium-export-", "." + format).compose(file -> {
      ctx.addEndHandler(done -> vertx.fileSystem().delete(file));
      return vertx.executeBlocking(() -> new NpzWriter(Files.newOutputStream(Path.of(file)), "zip".equals(format)), false)
          .compose(writer -> archiveBatches(vertx, writer, room, 0, size)
              .eventually(() -> vertx.executeBlocking(() -> {
                writer.close();
                return null;
              }, false)))
          .compose(v -> ctx.response()
              .putHeader(HttpHeaders.CONTENT_TYPE, "npz".equals(format) ? "application/x-npz" : "application/zip")
              .putHeader("Content-Disposition", "attachment; filename=\"" + room + "." + format + "\"")
              .sendFile(file));
    });
  }

  private Future<Void> archiveBatches(Vertx vertx, NpzWriter writer, String room, int from, int size) {
    if (from >= size) {
      return Future.succeededFuture();
    }
    int to = Math.min(size, from + BATCH);
    return batch(room, from, to)
        .compose(views -> vertx.<Void>executeBlocking(() -> {
          for (FrameView view : views) {
            String prefix = String.format("frame_%06d/", view.index());
            for (var field : view.frame().fields().entrySet()) {
              writer.add(prefix + field.getKey() + ".npy", field.getValue());
            }
          }
          return null;
        }, false))
        .compose(v -> archiveBatches(vertx, writer, room, to, size));
  }

  private Future<List<FrameView>> batch(String room, int from, int to) {
    FrameStore store = frames.store();
    return store.slice(room, from, to - from).compose(slice -> store.records(slice.ids()).compose(records -> {
      List<Future<FrameView>> views = new ArrayList<>();
      for (int i = 0; i < records.size(); i++) {
        views.add(frames.view(from + i, records.get(i), null));
      }
      return Future.all(views).map(all -> all.<FrameView>list());
    }));
  }

  private static Integer atParam(RoutingContext ctx) {
    String text = ctx.request().getParam("at");
    if (text == null) {
      return null;
    }
    try {
      int at = Integer.parseInt(text);
      if (at < 0) {
        throw new ApiException(FailureCodes.BAD_REQUEST, "at: must not be negative");
      }
      return at;
    } catch (NumberFormatException e) {
      throw new ApiException(FailureCodes.BAD_REQUEST, "at: '" + text + "' is not a whole number");
    }
  }
}
