package dev.atrium.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.config.HttpSettings;
import dev.atrium.observe.RequestIds;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The HTTP foundation's error shape")
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ErrorShapeTest {

  static {
    // The request-id slot must exist before VertxExtension builds this test's Vert.x instance.
    RequestIds.init();
  }

  private static final String TIMEOUT_TEXT =
      "Timed out after waiting 2000(ms) for a reply. address: __vertx.reply.17, repliedAddress: atrium.secret.address";

  private HttpClient client;
  private int port;

  @BeforeEach
  void serve(Vertx vertx, VertxTestContext context, @TempDir Path dir) {
    // Through the loader, so the test follows HttpSettings as it grows fields.
    HttpSettings http = InProcessNode.settings(dir, Map.of()).http();
    port = http.port();
    Router router = HttpFoundation.install(Router.router(vertx), http);
    router.get("/throws").handler(ctx -> {
      throw new RuntimeException("secret detail");
    });
    router.get("/fails-plain").handler(ctx -> ctx.fail(new IllegalStateException("secret detail")));
    router.get("/conflict").handler(ctx ->
        ctx.fail(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 409, "version conflict")));
    router.get("/recipient-bug").handler(ctx ->
        ctx.fail(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 7, "secret detail")));
    router.get("/timeout").handler(ctx ->
        ctx.fail(new ReplyException(ReplyFailure.TIMEOUT, -1, TIMEOUT_TEXT)));
    router.get("/no-handlers").handler(ctx ->
        ctx.fail(new ReplyException(ReplyFailure.NO_HANDLERS, -1, "No handlers for address atrium.secret.address")));
    router.get("/unprocessable").handler(ctx -> ctx.fail(new ApiException(422, "x")));
    client = vertx.createHttpClient();
    vertx.createHttpServer().requestHandler(router).listen(port, "127.0.0.1")
        .onComplete(context.succeedingThenComplete());
  }

  @Test
  @DisplayName("a handler that throws answers 500 internal_error without its message or a stack trace")
  void thrownIs500WithoutDetails(VertxTestContext context) {
    get("/throws", "rid-500").onComplete(context.succeeding(reply -> context.verify(() -> {
      assertShape(reply, 500, "internal_error", "internal error", "rid-500");
      assertNoLeak(reply.body());
      context.completeNow();
    })));
  }

  @Test
  @DisplayName("a context failed with a plain exception also answers 500 without the exception's message")
  void failedIs500WithoutDetails(VertxTestContext context) {
    get("/fails-plain", null).onComplete(context.succeeding(reply -> context.verify(() -> {
      assertShape(reply, 500, "internal_error", "internal error", reply.requestIdHeader());
      assertThat(reply.requestIdHeader()).matches("[0-9a-f]{16}");
      assertNoLeak(reply.body());
      context.completeNow();
    })));
  }

  @Test
  @DisplayName("a bus recipient failure with code 409 answers 409 conflict with the recipient's message")
  void recipientConflict(VertxTestContext context) {
    get("/conflict", "rid-409").onComplete(context.succeeding(reply -> context.verify(() -> {
      assertShape(reply, 409, "conflict", "version conflict", "rid-409");
      context.completeNow();
    })));
  }

  @Test
  @DisplayName("a bus recipient failure with a non-HTTP code answers 500 without the recipient's message")
  void recipientBug(VertxTestContext context) {
    get("/recipient-bug", "rid-7").onComplete(context.succeeding(reply -> context.verify(() -> {
      assertShape(reply, 500, "internal_error", "internal error", "rid-7");
      assertNoLeak(reply.body());
      context.completeNow();
    })));
  }

  @Test
  @DisplayName("a bus timeout answers 503 unavailable with a retry hint and no internal addresses")
  void busTimeout(VertxTestContext context) {
    get("/timeout", "rid-503").onComplete(context.succeeding(reply -> context.verify(() -> {
      assertThat(reply.status()).isEqualTo(503);
      JsonObject body = new JsonObject(reply.body());
      assertThat(body.getString("error")).isEqualTo("unavailable");
      assertThat(body.getString("requestId")).isEqualTo("rid-503");
      assertThat(body.getString("message")).contains("try again")
          .doesNotContain("__vertx.reply")
          .doesNotContain("Timed out after waiting");
      context.completeNow();
    })));
  }

  @Test
  @DisplayName("a bus request without handlers answers 503 unavailable without Vert.x's own wording")
  void busNoHandlers(VertxTestContext context) {
    get("/no-handlers", "rid-nh").onComplete(context.succeeding(reply -> context.verify(() -> {
      assertThat(reply.status()).isEqualTo(503);
      JsonObject body = new JsonObject(reply.body());
      assertThat(body.getString("error")).isEqualTo("unavailable");
      assertThat(body.getString("message")).contains("try again")
          .doesNotContain("No handlers for address");
      context.completeNow();
    })));
  }

  @Test
  @DisplayName("an ApiException(422, \"x\") answers 422 unprocessable with its message")
  void apiException(VertxTestContext context) {
    get("/unprocessable", "rid-422").onComplete(context.succeeding(reply -> context.verify(() -> {
      assertShape(reply, 422, "unprocessable", "x", "rid-422");
      context.completeNow();
    })));
  }

  @Test
  @DisplayName("an unmatched path answers 404 with the same shape and the security headers")
  void unmatched(VertxTestContext context) {
    get("/nothing-here", "rid-404").onComplete(context.succeeding(reply -> context.verify(() -> {
      assertShape(reply, 404, "not_found", "no resource at GET /nothing-here", "rid-404");
      assertThat(reply.headers().get("X-Content-Type-Options")).isEqualTo("nosniff");
      assertThat(reply.headers().get("X-Frame-Options")).isEqualTo("DENY");
      context.completeNow();
    })));
  }

  private Future<Reply> get(String path, String requestId) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
        .setPort(port).setURI(path);
    if (requestId != null) {
      options.putHeader(RequestIds.HEADER, requestId);
    }
    // The body is asked for in the same callback that sends: chained as a later step from this
    // test thread, it could be asked for after a fast response had already ended, and never arrive.
    return client.request(options)
        .compose(request -> request.send()
            .compose(response -> response.body().map(body -> new Reply(response, body.toString()))));
  }

  private static void assertShape(Reply reply, int status, String error, String message, String requestId) {
    assertThat(reply.status()).as(reply.body()).isEqualTo(status);
    assertThat(reply.headers().get("Content-Type")).startsWith("application/json");
    assertThat(reply.requestIdHeader()).isEqualTo(requestId);
    assertThat(new JsonObject(reply.body())).isEqualTo(new JsonObject()
        .put("error", error).put("message", message).put("requestId", requestId));
  }

  private static void assertNoLeak(String body) {
    assertThat(body).doesNotContain("secret detail")
        .doesNotContain("Exception")
        .doesNotContain("\tat ")
        .doesNotContain("dev.atrium");
  }

  private record Reply(HttpClientResponse response, String body) {
    int status() {
      return response.statusCode();
    }

    io.vertx.core.MultiMap headers() {
      return response.headers();
    }

    String requestIdHeader() {
      return response.getHeader(RequestIds.HEADER);
    }
  }
}
