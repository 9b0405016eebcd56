package dev.atrium.security;

import dev.atrium.bus.FailureCodes;
import dev.atrium.web.ApiException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams a request body to a temporary file, never holding it in memory, with a size limit
 * enforced while it streams: a declared {@code Content-Length} over the limit is refused (413)
 * before a byte is read; an undeclared one is cut off (413) the moment it passes the limit. The
 * temporary file is deleted when the response ends or the connection drops — success, failure or
 * client abort alike — so a handler that keeps the data moves it away before responding.
 */
public final class Uploads {

  private static final Logger LOG = LoggerFactory.getLogger(Uploads.class);

  private final Path tempDir;

  /** @param tempDir where temporary upload files go (created if missing) */
  public Uploads(Path tempDir) {
    this.tempDir = tempDir;
  }

  /** Streams the body of {@code ctx} to a new temporary file of at most {@code limit} bytes. */
  public Future<Path> receive(RoutingContext ctx, long limit) {
    HttpServerRequest request = ctx.request();
    String declared = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    try {
      if (declared != null && parseLength(declared) > limit) {
        return Future.failedFuture(tooLarge(limit));
      }
    } catch (ApiException malformed) {
      return Future.failedFuture(malformed);
    }
    if (ctx.response().closed()) {
      return Future.failedFuture(new HttpClosedException("connection closed before the upload started"));
    }
    request.pause();
    // Registered before the file exists: a connection that drops while the file is being created
    // still gets it deleted (an end handler added after the close would never run). File system
    // results and end handlers both arrive on this request's event loop, so the steps do not race.
    TempFile temp = new TempFile(ctx);
    ctx.addEndHandler(done -> temp.release());
    var fs = ctx.vertx().fileSystem();
    return fs.mkdirs(tempDir.toString())
        .compose(v -> fs.createTempFile(tempDir.toString(), "upload-", ".part", "rw-------"))
        .compose(temp::created)
        // never create: if the file was deleted meanwhile, opening it must fail, not bring it back
        .compose(file -> fs.open(file, new OpenOptions().setWrite(true).setCreate(false)))
        .compose(out -> {
          if (temp.released) {
            out.close();
            return Future.failedFuture(new HttpClosedException("connection closed during the upload"));
          }
          return stream(request, out, limit).map(v -> Path.of(temp.file));
        });
  }

  /** The temporary file of one upload, deleted once the response has ended or the connection dropped. */
  private static final class TempFile {
    private final RoutingContext ctx;
    private String file;
    private boolean released;

    TempFile(RoutingContext ctx) {
      this.ctx = ctx;
    }

    Future<String> created(String path) {
      file = path;
      if (released || ctx.response().closed()) {
        released = true;
        deleteQuietly(ctx, path);
        return Future.failedFuture(new HttpClosedException("connection closed before the upload started"));
      }
      return Future.succeededFuture(path);
    }

    void release() {
      released = true;
      if (file != null) {
        deleteQuietly(ctx, file);
      }
    }
  }

  private static Future<Void> stream(HttpServerRequest request, AsyncFile out, long limit) {
    Promise<Void> done = Promise.promise();
    long[] received = {0};
    // a failed write (disk full) must fail the upload, not leave a silently truncated file
    out.exceptionHandler(failure -> {
      request.handler(null);
      done.tryFail(failure);
    });
    request.handler(buffer -> {
      received[0] += buffer.length();
      if (received[0] > limit) {
        request.handler(null);
        // the rest of the body still arrives and ends: the file must not be closed a second time
        request.endHandler(null);
        request.exceptionHandler(null);
        out.close();
        done.tryFail(tooLarge(limit));
        return;
      }
      out.write(buffer);
      if (out.writeQueueFull()) {
        request.pause();
        out.drainHandler(v -> request.resume());
      }
    });
    request.exceptionHandler(failure -> {
      out.close();
      done.tryFail(failure);
    });
    request.endHandler(v -> out.close().onComplete(closed -> {
      if (closed.succeeded()) {
        done.tryComplete();
      } else {
        done.tryFail(closed.cause());
      }
    }));
    request.resume();
    return done.future();
  }

  private static void deleteQuietly(RoutingContext ctx, String file) {
    ctx.vertx().fileSystem().delete(file).onFailure(failure -> {
      if (!(failure instanceof java.nio.file.NoSuchFileException
          || failure.getCause() instanceof java.nio.file.NoSuchFileException)) {
        LOG.warn("temporary upload not deleted [file: {}]", file, failure);
      }
    });
  }

  private static long parseLength(String declared) {
    try {
      return Long.parseLong(declared.trim());
    } catch (NumberFormatException e) {
      throw new ApiException(FailureCodes.BAD_REQUEST, "Content-Length '" + declared + "' is not a number");
    }
  }

  private static ApiException tooLarge(long limit) {
    return new ApiException(FailureCodes.PAYLOAD_TOO_LARGE, "upload larger than the limit of " + limit + " bytes");
  }
}
