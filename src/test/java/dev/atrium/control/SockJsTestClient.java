package dev.atrium.control;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * A real SockJS client speaking the vertx-eventbus.js protocol, over the SockJS WebSocket
 * transport ({@code /eventbus/<server>/<session>/websocket}) or XHR polling
 * ({@code .../xhr} and {@code .../xhr_send}), for tests and benchmarks.
 *
 * <p>SockJS framing: the server sends {@code o} (open), {@code h} (heartbeat), {@code a[...]} (an
 * array of JSON-encoded messages) and {@code c[code,"reason"]} (close); the client sends JSON
 * arrays of strings. Each message is a vertx-eventbus.js envelope: {@code send}, {@code publish},
 * {@code register}, {@code unregister}, {@code ping} out; {@code rec} and {@code err} in.
 *
 * <p>Blocking API for test threads (never call it on an event loop); everything received is kept
 * in order and can be awaited with a predicate.
 *
 * <pre>{@code
 * try (SockJsTestClient client = SockJsTestClient.websocket(port).origin(origin).pingEvery(Duration.ofSeconds(1))
 *     .connect()) {
 *   JsonObject joined = client.request(Addresses.CONTROL_JOIN, new JsonObject().put("room", room));
 *   client.register(Addresses.room(room));
 *   JsonObject event = client.awaitBody(Addresses.room(room), body -> "presence".equals(body.getString("type")));
 * }
 * }</pre>
 */
public final class SockJsTestClient implements AutoCloseable {

  /** How long a blocking call waits by default. */
  public static final Duration WAIT = Duration.ofSeconds(10);

  /** The two transports this client speaks. */
  public enum Transport { WEBSOCKET, XHR }

  private final Builder config;
  private final Vertx vertx;
  private final boolean ownVertx;
  private final String base;
  private final List<JsonObject> received = new ArrayList<>();
  private final Map<String, CompletableFuture<JsonObject>> replies = new ConcurrentHashMap<>();
  private final CompletableFuture<Void> opened = new CompletableFuture<>();
  private final CompletableFuture<Void> closedFuture = new CompletableFuture<>();
  private final MultiMap openHeaders = MultiMap.caseInsensitiveMultiMap();
  private volatile JsonArray closeFrame;
  private volatile WebSocket webSocket;
  private volatile WebSocketClient wsClient;
  private volatile HttpClient httpClient;
  private volatile long pingTimer = -1;
  private volatile boolean closing;

  private SockJsTestClient(Builder config) {
    this.config = config;
    this.ownVertx = config.vertx == null;
    this.vertx = ownVertx ? Vertx.vertx() : config.vertx;
    this.base = "/eventbus/" + String.format("%03d", ThreadLocalRandom.current().nextInt(1000)) + "/"
        + UUID.randomUUID().toString().replace("-", "");
  }

  /** A client over the SockJS WebSocket transport. */
  public static Builder websocket(int port) {
    return new Builder(Transport.WEBSOCKET, port);
  }

  /** A client over SockJS XHR polling. */
  public static Builder xhr(int port) {
    return new Builder(Transport.XHR, port);
  }

  // ---- connecting -----------------------------------------------------------------------------

  private SockJsTestClient start() {
    Future<Void> started = config.transport == Transport.WEBSOCKET ? startWebSocket() : startXhr();
    try {
      started.toCompletionStage().toCompletableFuture().get(config.timeout.toMillis(), TimeUnit.MILLISECONDS);
      opened.get(config.timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      closeQuietly();
      Throwable cause = e.getCause();
      if (cause instanceof UpgradeRejectedException rejected) {
        throw new Refused(rejected.getStatus(), rejected.getBody() == null ? "" : rejected.getBody().toString());
      }
      if (cause instanceof Refused refused) {
        throw refused;
      }
      throw new IllegalStateException("connect failed: " + cause, cause);
    } catch (InterruptedException | TimeoutException e) {
      closeQuietly();
      throw new IllegalStateException("connect did not complete within " + config.timeout, e);
    }
    if (config.pingEvery != null) {
      startPinging(config.pingEvery);
    }
    return this;
  }

  private Future<Void> startWebSocket() {
    WebSocketClientOptions options = new WebSocketClientOptions().setMaxFrameSize(64 << 20)
        .setMaxMessageSize(64 << 20).setConnectTimeout((int) config.timeout.toMillis());
    if (config.receiveBufferSize > 0) {
      options.setReceiveBufferSize(config.receiveBufferSize);
    }
    wsClient = vertx.createWebSocketClient(options);
    WebSocketConnectOptions connect = new WebSocketConnectOptions().setHost(config.host).setPort(config.port)
        .setURI(base + "/websocket").setAllowOriginHeader(config.origin != null);
    headers().forEach(connect::addHeader);
    // handlers before the connection: the server's open frame may be read before a connect
    // future's callback would run, and a frame read with no handler is lost
    ClientWebSocket ws = wsClient.webSocket();
    ws.handler(buffer -> onFrame(buffer.toString()));
    ws.closeHandler(v -> closedFuture.complete(null));
    ws.exceptionHandler(failure -> { });
    webSocket = ws;
    return ws.connect(connect).map(connected -> {
      openHeaders.addAll(connected.headers());
      return null;
    });
  }

  private Future<Void> startXhr() {
    // Vert.x's XHR polling closes the connection after each poll response (without saying so in a
    // header), so a pooled connection may be dead when reused: one connection per request
    httpClient = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(config.host)
        .setDefaultPort(config.port).setKeepAlive(false));
    return post("/xhr", null).compose(first -> {
      openHeaders.addAll(first.headers);
      if (first.status != 200) {
        return Future.failedFuture(new Refused(first.status, first.body));
      }
      first.body.lines().forEach(this::onFrame);
      poll();
      return Future.succeededFuture();
    });
  }

  private void poll() {
    if (closing || closedFuture.isDone()) {
      return;
    }
    post("/xhr", null).onComplete(done -> {
      if (done.failed() || done.result().status != 200) {
        closedFuture.complete(null);
        return;
      }
      done.result().body.lines().forEach(this::onFrame);
      poll();
    });
  }

  private Future<Reply> post(String suffix, String body) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setURI(base + suffix)
        .setTimeout(60_000);
    headers().forEach(options::addHeader);
    if (body != null) {
      options.putHeader("Content-Type", "text/plain;charset=UTF-8");
    }
    // The body is asked for in the same callback that sends (on the request's event loop), so a
    // fast response cannot end before anyone listens for it.
    return httpClient.request(options)
        .compose(request -> (body == null ? request.send() : request.send(Buffer.buffer(body)))
            .compose(response -> response.body().map(bytes -> new Reply(response.statusCode(),
                MultiMap.caseInsensitiveMultiMap().addAll(response.headers()), bytes.toString()))));
  }

  private Map<String, String> headers() {
    Map<String, String> headers = new LinkedHashMap<>(config.headers);
    if (config.origin != null) {
      headers.put("Origin", config.origin);
    }
    if (!config.cookies.isEmpty()) {
      StringBuilder cookie = new StringBuilder();
      config.cookies.forEach((name, value) -> cookie.append(cookie.isEmpty() ? "" : "; ").append(name).append('=')
          .append(value));
      headers.put("Cookie", cookie.toString());
    }
    return headers;
  }

  // ---- frames in ------------------------------------------------------------------------------

  private void onFrame(String frame) {
    if (frame.isEmpty()) {
      return;
    }
    switch (frame.charAt(0)) {
      case 'o' -> opened.complete(null);
      case 'h' -> { }
      case 'a' -> new JsonArray(frame.substring(1)).forEach(message -> onMessage(new JsonObject((String) message)));
      case 'c' -> {
        closeFrame = new JsonArray(frame.substring(1));
        opened.completeExceptionally(new Refused(closeFrame.getInteger(0), closeFrame.getString(1)));
        closedFuture.complete(null);
      }
      default -> { }
    }
  }

  private void onMessage(JsonObject envelope) {
    String address = envelope.getString("address");
    CompletableFuture<JsonObject> reply = address == null ? null : replies.remove(address);
    synchronized (received) {
      received.add(envelope);
      received.notifyAll();
    }
    if (reply != null) {
      if ("err".equals(envelope.getString("type"))) {
        reply.completeExceptionally(new Failure(envelope.getInteger("failureCode", -1),
            envelope.getString("failureType"), envelope.getString("message")));
      } else {
        reply.complete(envelope);
      }
    }
  }

  // ---- messages out ---------------------------------------------------------------------------

  /** Writes one raw vertx-eventbus.js envelope (anything, forged fields included). */
  public void write(JsonObject envelope) {
    String frame = new JsonArray().add(envelope.encode()).encode();
    Future<?> written = config.transport == Transport.WEBSOCKET ? webSocket.writeTextMessage(frame)
        : post("/xhr_send", frame);
    await(written, "write " + envelope.getString("type"));
  }

  /** Sends a request and waits for its reply envelope ({@code rec}); throws {@link Failure} on {@code err}. */
  public JsonObject requestEnvelope(String address, JsonObject body, JsonObject headers) {
    CompletableFuture<JsonObject> reply = requestAsync(address, body, headers, UUID.randomUUID().toString());
    try {
      return reply.get(config.timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Failure failure) {
        throw failure;
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new AssertionError("no reply from " + address + " within " + config.timeout + "; the last envelopes: "
          + summary(received()));
    }
  }

  /** Sends a request and waits for the reply's body; throws {@link Failure} on an error reply. */
  public JsonObject request(String address, JsonObject body) {
    return requestEnvelope(address, body, null).getJsonObject("body");
  }

  /** Sends a request with this reply address (forged or not) and returns the reply's future. */
  public CompletableFuture<JsonObject> requestAsync(String address, Object body, JsonObject headers,
      String replyAddress) {
    CompletableFuture<JsonObject> reply = new CompletableFuture<>();
    replies.put(replyAddress, reply);
    JsonObject envelope = new JsonObject().put("type", "send").put("address", address).put("body", body)
        .put("replyAddress", replyAddress);
    if (headers != null) {
      envelope.put("headers", headers);
    }
    write(envelope);
    return reply;
  }

  /** Sends without expecting a reply. */
  public void send(String address, Object body, JsonObject headers) {
    JsonObject envelope = new JsonObject().put("type", "send").put("address", address).put("body", body);
    if (headers != null) {
      envelope.put("headers", headers);
    }
    write(envelope);
  }

  /** Publishes (the bridge refuses every publish from browsers). */
  public void publish(String address, Object body) {
    write(new JsonObject().put("type", "publish").put("address", address).put("body", body));
  }

  /** Registers for an address (refusals arrive as {@code err} envelopes without an address). */
  public void register(String address) {
    write(new JsonObject().put("type", "register").put("address", address).put("headers", new JsonObject()));
  }

  /** Unregisters from an address. */
  public void unregister(String address) {
    write(new JsonObject().put("type", "unregister").put("address", address).put("headers", new JsonObject()));
  }

  /** Sends one ping. */
  public void ping() {
    write(new JsonObject().put("type", "ping"));
  }

  /** Pings every {@code interval} from the client's event loop, as vertx-eventbus.js does. */
  public void startPinging(Duration interval) {
    stopPinging();
    String frame = new JsonArray().add(new JsonObject().put("type", "ping").encode()).encode();
    pingTimer = vertx.setPeriodic(interval.toMillis(), id -> {
      if (closedFuture.isDone()) {
        return;
      }
      if (config.transport == Transport.WEBSOCKET) {
        webSocket.writeTextMessage(frame);
      } else {
        post("/xhr_send", frame);
      }
    });
  }

  /** Stops pinging (the server will then drop the socket after its heartbeat timeout). */
  public void stopPinging() {
    long timer = pingTimer;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      pingTimer = -1;
    }
  }

  /** Stops reading from the WebSocket: the server's writes pile up in the network, then in its buffer. */
  public void pause() {
    webSocket.pause();
  }

  /** Reads from the WebSocket again. */
  public void resume() {
    webSocket.resume();
  }

  // ---- waiting --------------------------------------------------------------------------------

  /** Everything received so far, in order. */
  public List<JsonObject> received() {
    synchronized (received) {
      return List.copyOf(received);
    }
  }

  /** The first received envelope matching {@code match}, waiting up to {@code timeout}. */
  public JsonObject await(Predicate<JsonObject> match, Duration timeout, String what) {
    return awaitFrom(0, match, timeout, what);
  }

  /** The first envelope matching {@code match} among those received after the first {@code from}. */
  public JsonObject awaitFrom(int from, Predicate<JsonObject> match, Duration timeout, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (received) {
      while (true) {
        for (int i = from; i < received.size(); i++) {
          if (match.test(received.get(i))) {
            return received.get(i);
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError("no " + what + " within " + timeout + "; received " + received.size()
              + " envelopes, the last ones: " + summary(received));
        }
        try {
          received.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError("interrupted waiting for " + what, e);
        }
      }
    }
  }

  /** The last few envelopes, each cut short, for failure messages. */
  private static String summary(List<JsonObject> envelopes) {
    StringBuilder out = new StringBuilder();
    for (JsonObject envelope : envelopes.subList(Math.max(0, envelopes.size() - 8), envelopes.size())) {
      String text = envelope.encode();
      out.append("\n  ").append(text.length() > 300 ? text.substring(0, 300) + "…" : text);
    }
    return out.toString();
  }

  /** The body of the first {@code rec} on {@code address} whose body matches. */
  public JsonObject awaitBody(String address, Predicate<JsonObject> match, Duration timeout) {
    return await(envelope -> "rec".equals(envelope.getString("type")) && address.equals(envelope.getString("address"))
        && envelope.getValue("body") instanceof JsonObject body && match.test(body), timeout,
        "message on " + address).getJsonObject("body");
  }

  /** The bodies of every {@code rec} received on {@code address} so far. */
  public List<JsonObject> bodies(String address) {
    return received().stream().filter(e -> "rec".equals(e.getString("type")) && address.equals(e.getString("address"))
        && e.getValue("body") instanceof JsonObject).map(e -> e.getJsonObject("body")).toList();
  }

  /** The first refusal ({@code err} without an address) among those received after the first {@code after}. */
  public JsonObject awaitRefusal(int after, Duration timeout) {
    return awaitFrom(after, e -> "err".equals(e.getString("type")) && e.getString("address") == null, timeout,
        "refusal");
  }

  /** Whether the connection closes within {@code timeout}. */
  public boolean awaitClosed(Duration timeout) {
    try {
      closedFuture.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (InterruptedException | ExecutionException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Whether the connection has closed. */
  public boolean isClosed() {
    return closedFuture.isDone();
  }

  /** The SockJS close frame ({@code [code, reason]}) when the server sent one. */
  public JsonArray closeFrame() {
    return closeFrame;
  }

  /** The headers of the response that opened the connection (Set-Cookie included). */
  public MultiMap openHeaders() {
    return openHeaders;
  }

  /** Closes the connection (and the client's own Vert.x, when it made one). */
  @Override
  public void close() {
    closeQuietly();
  }

  private void closeQuietly() {
    closing = true;
    stopPinging();
    try {
      if (webSocket != null && !webSocket.isClosed()) {
        await(webSocket.close(), "close");
      }
      if (httpClient != null) {
        await(httpClient.close(), "close");
      }
      if (wsClient != null) {
        await(wsClient.close(), "close");
      }
    } catch (RuntimeException | AssertionError e) {
      // closing is best effort
    } finally {
      closedFuture.complete(null);
      if (ownVertx) {
        vertx.close();
      }
    }
  }

  private <T> T await(Future<T> future, String what) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(config.timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException(what + " failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new AssertionError(what + " did not complete within " + config.timeout, e);
    }
  }

  private record Reply(int status, MultiMap headers, String body) {
  }

  /** The server refused the connection: an HTTP status (or SockJS close code) and the body. */
  public static final class Refused extends RuntimeException {
    private final int status;

    Refused(int status, String body) {
      super("refused with " + status + ": " + body);
      this.status = status;
    }

    /** The HTTP status of the refused upgrade or request, or the SockJS close code. */
    public int status() {
      return status;
    }
  }

  /** An error reply to a request ({@code {type: err, failureCode, failureType, message}}). */
  public static final class Failure extends RuntimeException {
    private final int code;
    private final String type;

    Failure(int code, String type, String message) {
      super(code + " " + type + ": " + message);
      this.code = code;
      this.type = type;
    }

    /** The failure code (HTTP-like). */
    public int code() {
      return code;
    }

    /** The failure type ({@code RECIPIENT_FAILURE}, {@code TIMEOUT}, {@code NO_HANDLERS}). */
    public String type() {
      return type;
    }
  }

  /** How a client connects. */
  public static final class Builder {
    private final Transport transport;
    private final int port;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private final Map<String, String> cookies = new LinkedHashMap<>();
    private String host = "127.0.0.1";
    private String origin;
    private Vertx vertx;
    private int receiveBufferSize;
    private Duration pingEvery;
    private Duration timeout = WAIT;

    private Builder(Transport transport, int port) {
      this.transport = transport;
      this.port = port;
    }

    /** The server's host (default 127.0.0.1). */
    public Builder host(String host) {
      this.host = host;
      return this;
    }

    /** Sends this {@code Origin} header on every request (none by default: not a browser). */
    public Builder origin(String origin) {
      this.origin = origin;
      return this;
    }

    /** Adds a header to every request. */
    public Builder header(String name, String value) {
      headers.put(name, value);
      return this;
    }

    /** Sends a cookie on every request. */
    public Builder cookie(String name, String value) {
      cookies.put(name, value);
      return this;
    }

    /** Authenticates with a bearer token. */
    public Builder bearer(String token) {
      return header("Authorization", "Bearer " + token);
    }

    /** Runs on this Vert.x instead of a private one. */
    public Builder vertx(Vertx vertx) {
      this.vertx = vertx;
      return this;
    }

    /** A small TCP receive buffer, so that a paused client pushes back on the server soon. */
    public Builder receiveBufferSize(int bytes) {
      this.receiveBufferSize = bytes;
      return this;
    }

    /** Pings every {@code interval} once open (vertx-eventbus.js: 5 s). */
    public Builder pingEvery(Duration interval) {
      this.pingEvery = interval;
      return this;
    }

    /** How long connecting and each blocking call may take. */
    public Builder timeout(Duration timeout) {
      this.timeout = timeout;
      return this;
    }

    /** Connects and waits for the SockJS open frame; throws {@link Refused} when refused. */
    public SockJsTestClient connect() {
      return new SockJsTestClient(this).start();
    }
  }
}
