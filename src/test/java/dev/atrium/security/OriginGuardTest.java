package dev.atrium.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.observe.RequestIds;
import dev.atrium.testing.FreePorts;
import dev.atrium.testing.NodeFixture;
import dev.atrium.testing.NodeFixture.Reply;
import dev.atrium.testing.NodeFixture.Session;
import dev.atrium.web.ClientInfo;
import dev.atrium.web.ErrorResponses;
import dev.atrium.web.TrustedProxies;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

@DisplayName("Cross-site request protection")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OriginGuardTest {

  private static final String EVIL = "https://evil.example";
  private static final String APP = "https://app.example.org";

  static {
    RequestIds.init();
  }

  @Nested
  @DisplayName("on the API of a node with signed-in users")
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class Api {

    private NodeFixture node;

    @BeforeAll
    void startNode() throws Exception {
      node = NodeFixture.local().start();
    }

    @AfterAll
    void stopNode() throws Exception {
      if (node != null) {
        node.close();
      }
    }

    @Test
    @DisplayName("a cookie-authenticated POST with a foreign Origin is refused with 403 JSON and creates nothing")
    void foreignOriginIsRefused() {
      Session user = node.registerNew("csrf");

      Reply reply = createRoom(node, user).header("Origin", EVIL).send();

      assertForbidden(reply);
      assertThat(rooms(node, user)).isEmpty();
    }

    @Test
    @DisplayName("a cookie-authenticated POST with Origin: null (sandboxed or privacy-stripped) is refused with 403")
    void nullOriginIsRefused() {
      Session user = node.registerNew("null-origin");

      assertForbidden(createRoom(node, user).header("Origin", "null").send());
      assertThat(rooms(node, user)).isEmpty();
    }

    @Test
    @DisplayName("a cookie-authenticated POST without Origin but with Sec-Fetch-Site: cross-site (or same-site) is refused with 403")
    void crossSiteFetchIsRefused() {
      Session user = node.registerNew("fetch-site");

      assertForbidden(createRoom(node, user).header("Sec-Fetch-Site", "cross-site").send());
      assertForbidden(createRoom(node, user).header("Sec-Fetch-Site", "same-site").send());
      assertThat(rooms(node, user)).isEmpty();
    }

    @Test
    @DisplayName("cookie-authenticated PATCH and DELETE from a foreign Origin are refused too and change nothing")
    void foreignOriginCannotChangeOrDelete() {
      Session user = node.registerNew("csrf-patch");
      Reply created = createRoom(node, user).send();
      assertThat(created.status()).as(created.toString()).isEqualTo(201);
      String room = created.json().getString("id");

      assertForbidden(node.call("PATCH", "/api/rooms/" + room).cookie(user.cookie()).header("Origin", EVIL)
          .json(new JsonObject().put("title", "defaced")).send());
      assertForbidden(node.call("DELETE", "/api/rooms/" + room).cookie(user.cookie()).header("Origin", EVIL).send());

      Reply after = node.call("GET", "/api/rooms/" + room).cookie(user.cookie()).send();
      assertThat(after.status()).isEqualTo(200);
      assertThat(after.json().getString("title")).isEqualTo("csrf test");
    }

    @Test
    @DisplayName("a cookie-authenticated POST from the node's own origin is served (201)")
    void ownOriginIsServed() {
      Session user = node.registerNew("same-origin");

      Reply reply = createRoom(node, user).header("Origin", node.origin()).send();
      Reply fetch = createRoom(node, user).header("Sec-Fetch-Site", "same-origin").send();

      assertThat(reply.status()).as(reply.toString()).isEqualTo(201);
      assertThat(fetch.status()).as(fetch.toString()).isEqualTo(201);
      assertThat(rooms(node, user)).hasSize(2);
    }

    @Test
    @DisplayName("a cookie-authenticated POST with neither Origin nor Sec-Fetch-Site (not a browser) is served (201)")
    void nonBrowserIsServed() {
      Session user = node.registerNew("script");

      Reply reply = createRoom(node, user).send();

      assertThat(reply.status()).as(reply.toString()).isEqualTo(201);
      assertThat(rooms(node, user)).hasSize(1);
    }

    @Test
    @DisplayName("a bearer-token POST with a foreign Origin is served (201): a bearer token is no ambient authority")
    void bearerIsExempt() {
      Session user = node.registerNew("bearer");

      Reply reply = node.call("POST", "/api/rooms").bearer(user.token()).header("Origin", EVIL)
          .json(new JsonObject().put("title", "csrf test").put("visibility", "private")).send();

      assertThat(reply.status()).as(reply.toString()).isEqualTo(201);
      assertThat(rooms(node, user)).hasSize(1);
    }
  }

  @Nested
  @DisplayName("on a node with ALLOWED_ORIGINS=" + APP)
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class AllowedOrigins {

    private NodeFixture node;

    @BeforeAll
    void startNode() throws Exception {
      node = NodeFixture.local().env("ALLOWED_ORIGINS", APP).start();
    }

    @AfterAll
    void stopNode() throws Exception {
      if (node != null) {
        node.close();
      }
    }

    @Test
    @DisplayName("a cookie-authenticated POST from the allowed origin is served (201), one from evil is refused (403)")
    void allowedOriginIsServed() {
      Session user = node.registerNew("cors");

      Reply allowed = createRoom(node, user).header("Origin", APP).send();
      Reply evil = createRoom(node, user).header("Origin", EVIL).send();

      assertThat(allowed.status()).as(allowed.toString()).isEqualTo(201);
      assertThat(allowed.header("Access-Control-Allow-Origin")).isEqualTo(APP);
      assertForbidden(evil);
      assertThat(rooms(node, user)).hasSize(1);
    }

    @Test
    @DisplayName("a cookie-authenticated POST from the node's own origin is still served (201) when other origins are allowed")
    void ownOriginStillServed() {
      Session user = node.registerNew("cors-own");

      Reply own = createRoom(node, user).header("Origin", node.origin()).send();

      assertThat(own.status()).as(own.toString()).isEqualTo(201);
    }

    @Test
    @DisplayName("the CORS preflight answers Access-Control-Allow-Origin for the allowed origin and not for evil")
    void preflight() {
      Reply allowed = node.call("OPTIONS", "/api/rooms").header("Origin", APP)
          .header("Access-Control-Request-Method", "POST")
          .header("Access-Control-Request-Headers", "Content-Type").send();
      Reply evil = node.call("OPTIONS", "/api/rooms").header("Origin", EVIL)
          .header("Access-Control-Request-Method", "POST")
          .header("Access-Control-Request-Headers", "Content-Type").send();

      assertThat(allowed.status()).as(allowed.toString()).isBetween(200, 204);
      assertThat(allowed.header("Access-Control-Allow-Origin")).isEqualTo(APP);
      assertThat(allowed.header("Access-Control-Allow-Methods")).contains("POST");
      assertThat(allowed.header("Access-Control-Allow-Credentials")).isEqualTo("true");
      assertThat(evil.header("Access-Control-Allow-Origin")).as(evil.headers().toString()).isNull();
      assertThat(evil.status()).as(evil.toString()).isGreaterThanOrEqualTo(400);
    }
  }

  @Nested
  @DisplayName("on a local node with the implicit local user")
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class ImplicitUser {

    private NodeFixture node;

    @BeforeAll
    void startNode() throws Exception {
      node = NodeFixture.local().implicitUser().start();
    }

    @AfterAll
    void stopNode() throws Exception {
      if (node != null) {
        node.close();
      }
    }

    @Test
    @DisplayName("a cross-origin POST acting as the implicit user is refused with 403 and creates nothing")
    void crossOriginIsRefused() {
      Reply me = node.call("GET", "/api/auth/me").send();
      assertThat(me.json().getBoolean("implicit")).as(me.toString()).isTrue();

      Reply evil = node.call("POST", "/api/rooms").header("Origin", EVIL)
          .json(new JsonObject().put("title", "implicit-evil").put("visibility", "private")).send();
      Reply crossSite = node.call("POST", "/api/rooms").header("Sec-Fetch-Site", "cross-site")
          .json(new JsonObject().put("title", "implicit-evil").put("visibility", "private")).send();

      assertForbidden(evil);
      assertForbidden(crossSite);
      Reply listing = node.call("GET", "/api/rooms?q=implicit-evil").send();
      assertThat(listing.json().getJsonArray("rooms")).isEmpty();
    }

    @Test
    @DisplayName("a same-origin POST acting as the implicit user is served (201)")
    void sameOriginIsServed() {
      Reply own = node.call("POST", "/api/rooms").header("Origin", node.origin())
          .json(new JsonObject().put("title", "implicit-own").put("visibility", "private")).send();

      assertThat(own.status()).as(own.toString()).isEqualTo(201);
    }
  }

  @Nested
  @DisplayName("on a SockJS endpoint behind everyRequest()")
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class SockJs {

    private Vertx vertx;
    private Context context;
    private HttpClient client;
    private WebSocketClient webSockets;
    private int port;

    @BeforeAll
    void serve() throws Exception {
      vertx = Vertx.vertx();
      port = FreePorts.next();
      Router router = Router.router(vertx);
      router.route().handler(ClientInfo.resolver(new TrustedProxies(List.of())));
      ErrorResponses.install(router);
      router.route("/eventbus/*").handler(new OriginGuard(List.of()).everyRequest());
      router.route("/eventbus/*").subRouter(SockJSHandler.create(vertx)
          .socketHandler(socket -> socket.handler(socket::write)));
      HttpServer server = vertx.createHttpServer().requestHandler(router);
      await(server.listen(port, "127.0.0.1"));
      client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port)
          .setKeepAlive(false));
      webSockets = vertx.createWebSocketClient();
      context = vertx.getOrCreateContext();
    }

    @AfterAll
    void stop() throws Exception {
      if (vertx != null) {
        await(vertx.close());
      }
    }

    private String own() {
      return "http://127.0.0.1:" + port;
    }

    @Test
    @DisplayName("the XHR transport refuses a foreign Origin (403) and opens for the server's own origin (frame \"o\")")
    void xhrTransport() throws Exception {
      String path = "/eventbus/123/" + session() + "/xhr";

      Exchange evil = exchange(HttpMethod.POST, path, EVIL);
      Exchange own = exchange(HttpMethod.POST, "/eventbus/123/" + session() + "/xhr", own());

      assertThat(evil.status()).as(evil.body()).isEqualTo(403);
      assertThat(new JsonObject(evil.body()).getString("error")).isEqualTo("forbidden");
      assertThat(own.status()).as(own.body()).isEqualTo(200);
      assertThat(own.body()).isEqualTo("o\n");
    }

    @Test
    @DisplayName("the XHR transport also refuses Sec-Fetch-Site: cross-site without an Origin")
    void xhrCrossSiteFetch() throws Exception {
      Exchange crossSite = exchange(HttpMethod.POST, "/eventbus/123/" + session() + "/xhr", null,
          "Sec-Fetch-Site", "cross-site");

      assertThat(crossSite.status()).as(crossSite.body()).isEqualTo(403);
    }

    @Test
    @DisplayName("the EventSource transport refuses a foreign Origin (403) and streams the open frame for the server's own origin")
    void eventSourceTransport() throws Exception {
      Exchange evil = exchange(HttpMethod.GET, "/eventbus/123/" + session() + "/eventsource", EVIL);
      Exchange own = firstChunk("/eventbus/123/" + session() + "/eventsource", own(), "data: o");

      assertThat(evil.status()).as(evil.body()).isEqualTo(403);
      assertThat(own.status()).isEqualTo(200);
      assertThat(own.body()).contains("data: o");
    }

    @Test
    @DisplayName("the info endpoint refuses a foreign Origin (403) and answers the server's own origin")
    void infoEndpoint() throws Exception {
      Exchange evil = exchange(HttpMethod.GET, "/eventbus/info", EVIL);
      Exchange own = exchange(HttpMethod.GET, "/eventbus/info", own());

      assertThat(evil.status()).as(evil.body()).isEqualTo(403);
      assertThat(own.status()).as(own.body()).isEqualTo(200);
      assertThat(new JsonObject(own.body()).getBoolean("websocket")).isTrue();
    }

    @Test
    @DisplayName("the WebSocket upgrade is refused (403) for a foreign Origin and connects and echoes for the server's own origin")
    void webSocketUpgrade() throws Exception {
      Throwable refused = null;
      try {
        onLoop(() -> webSockets.connect(wsOptions(EVIL)));
      } catch (ExecutionException e) {
        refused = e.getCause();
      }
      assertThat(refused).isInstanceOf(UpgradeRejectedException.class);
      assertThat(((UpgradeRejectedException) refused).getStatus()).isEqualTo(403);

      String echoed = onLoop(() -> webSockets.connect(wsOptions(own())).compose(socket -> {
        Promise<String> echo = Promise.promise();
        socket.handler(buffer -> echo.tryComplete(buffer.toString()));
        socket.writeTextMessage("hello through sockjs");
        return echo.future().onComplete(done -> socket.close());
      }));
      assertThat(echoed).isEqualTo("hello through sockjs");
    }

    private WebSocketConnectOptions wsOptions(String origin) {
      return new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/eventbus/websocket")
          .putHeader("Origin", origin);
    }

    private Exchange exchange(HttpMethod method, String path, String origin, String... headers) throws Exception {
      RequestOptions options = new RequestOptions().setMethod(method).setURI(path);
      if (origin != null) {
        options.putHeader("Origin", origin);
      }
      for (int i = 0; i < headers.length; i += 2) {
        options.putHeader(headers[i], headers[i + 1]);
      }
      return onLoop(() -> client.request(options).compose(HttpClientRequest::send)
          .compose(response -> response.body().map(body -> new Exchange(response.statusCode(), body.toString()))));
    }

    /** A streaming response: its status and the body up to the first chunk holding {@code wanted}. */
    private Exchange firstChunk(String path, String origin, String wanted) throws Exception {
      RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setURI(path).putHeader("Origin", origin);
      return onLoop(() -> client.request(options).compose(HttpClientRequest::send).compose(response -> {
        Promise<Exchange> seen = Promise.promise();
        StringBuilder body = new StringBuilder();
        response.handler(chunk -> {
          body.append(chunk);
          if (body.indexOf(wanted) >= 0 && seen.tryComplete(new Exchange(response.statusCode(), body.toString()))) {
            response.request().connection().close();
          }
        });
        response.endHandler(v -> seen.tryComplete(new Exchange(response.statusCode(), body.toString())));
        return seen.future();
      }));
    }

    /**
     * Runs an exchange wired entirely on the client's event loop (wired from the test thread, a
     * handler could be attached after the data it waits for went by), then waits for it.
     */
    private <T> T onLoop(Supplier<Future<T>> exchange) throws Exception {
      Promise<T> result = Promise.promise();
      context.runOnContext(v -> exchange.get().onComplete(result));
      return await(result.future());
    }

    private static String session() {
      return UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }
  }

  private record Exchange(int status, String body) {
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private static NodeFixture.Call createRoom(NodeFixture node, Session user) {
    return node.call("POST", "/api/rooms").cookie(user.cookie())
        .json(new JsonObject().put("title", "csrf test").put("visibility", "private"));
  }

  private static List<Object> rooms(NodeFixture node, Session user) {
    Reply listing = node.call("GET", "/api/rooms").cookie(user.cookie()).send();
    assertThat(listing.status()).as(listing.toString()).isEqualTo(200);
    return listing.json().getJsonArray("rooms").getList();
  }

  private static void assertForbidden(Reply reply) {
    assertThat(reply.status()).as(reply.toString()).isEqualTo(403);
    assertThat(reply.header("Content-Type")).startsWith("application/json");
    assertThat(reply.json().getString("error")).isEqualTo("forbidden");
  }
}
