package dev.atrium.security;

import dev.atrium.bus.FailureCodes;
import dev.atrium.web.ApiException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
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
    if (declared != null && parseLength(declared) > limit) {
      return Future.failedFuture(tooLarge(limit));
    }
    request.pause();
    var fs = ctx.vertx().fileSystem();
    return fs.mkdirs(tempDir.toString())
        .compose(v -> fs.createTempFile(tempDir.toString(), "upload-", ".part", "rw-------"))
        .compose(file -> {
          ctx.addEndHandler(done -> deleteQuietly(ctx, file));
          return fs.open(file, new OpenOptions().setWrite(true).setTruncateExisting(true))
              .compose(out -> stream(request, out, limit).map(v -> Path.of(file)));
        });
  }

  private static Future<Void> stream(HttpServerRequest request, AsyncFile out, long limit) {
    Promise<Void> done = Promise.promise();
    long[] received = {0};
    request.handler(buffer -> {
      received[0] += buffer.length();
      if (received[0] > limit) {
        request.handler(null);
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
