package dev.atrium.testing;

import dev.atrium.boot.AtriumServer;
import dev.atrium.config.Mode;
import dev.atrium.config.ResolvedConfig;
import dev.atrium.config.Settings;
import dev.atrium.config.SettingsLoader;
import dev.atrium.observe.RequestIds;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Atrium node started in the test JVM with {@link AtriumServer#start(Settings)}, in a chosen
 * mode, on a free loopback port, with its home, working and data directories in a fresh temporary
 * directory, plus a blocking HTTP helper (Vert.x {@link HttpClient}, which lets a test send any
 * header, {@code Origin} included).
 *
 * <p>Per mode:
 * <ul>
 *   <li>local: embedded records under the data directory, in-process coordination, and
 *       {@code ATRIUM_LOCAL_USER=false} unless {@link Builder#implicitUser()} asks for the
 *       implicit local user;</li>
 *   <li>development and production: the shared real Redis ({@link TestRedis#shared()}), a private
 *       in-memory MongoDB-wire server ({@code H2Backend.inMemory()}) as {@code MONGO_URI},
 *       {@code GCS_BUCKET_NAME=atrium-test} and {@link #JWT_SECRET}.</li>
 * </ul>
 * Every node gets {@link #ADMIN_EMAIL}/{@link #ADMIN_PASSWORD} (not the default password) and
 * generous login and registration limits (tests that count attempts set their own). Test classes
 * that start development or production nodes call {@link #flushRedis()} in {@code @BeforeAll}.
 *
 * <pre>{@code
 * try (NodeFixture node = NodeFixture.development().env("ENABLE_REGISTRATION", "false").start()) {
 *   NodeFixture.Reply reply = node.call("GET", "/api/auth/me").bearer(token).send();
 * }
 * }</pre>
 */
public final class NodeFixture implements AutoCloseable {

  static {
    // The request-id context slot must exist before any Vert.x instance is built.
    RequestIds.init();
  }

  /** The HS256 secret of development and production nodes: 40 bytes. */
  public static final String JWT_SECRET = "atrium-test-jwt-secret-0123456789abcdefg";
  /** The admin account every node creates at first start. */
  public static final String ADMIN_EMAIL = "admin@atrium.test";
  /** Its password (not the built-in default, which production refuses). */
  public static final String ADMIN_PASSWORD = "test-admin-password-7f3a";
  /** How long startup, shutdown and one HTTP exchange may take. */
  public static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final Mode mode;
  private final Path dir;
  private final Settings settings;
  private final MongoServer mongo;
  private final Vertx clientVertx;
  private final Context clientContext;
  private final HttpClient client;
  private final Map<String, String> defaultHeaders;
  private AtriumServer server;

  private NodeFixture(Mode mode, Path dir, Settings settings, MongoServer mongo, Map<String, String> defaultHeaders) {
    this.mode = mode;
    this.dir = dir;
    this.settings = settings;
    this.mongo = mongo;
    this.defaultHeaders = Map.copyOf(defaultHeaders);
    this.clientVertx = Vertx.vertx();
    this.clientContext = clientVertx.getOrCreateContext();
    this.client = clientVertx.createHttpClient(new HttpClientOptions()
        .setDefaultHost("127.0.0.1")
        .setDefaultPort(settings.http().port())
        .setConnectTimeout(5_000));
  }

  /** A local-mode node (no sign-in-free implicit user unless asked). */
  public static Builder local() {
    return new Builder(Mode.LOCAL);
  }

  /** A development-mode node with real Redis and an in-memory MongoDB. */
  public static Builder development() {
    return new Builder(Mode.DEVELOPMENT);
  }

  /** A production-mode node with real Redis and an in-memory MongoDB. */
  public static Builder production() {
    return new Builder(Mode.PRODUCTION);
  }

  /** A node of {@code mode}. */
  public static Builder of(Mode mode) {
    return new Builder(mode);
  }

  /** Makes sure the shared Redis runs and empties it: call once per test class, before its nodes start. */
  public static void flushRedis() {
    TestRedis redis = TestRedis.shared();
    redis.start();
    redis.flushAll();
  }

  /** The node's mode. */
  public Mode mode() {
    return mode;
  }

  /** The settings the node was started with. */
  public Settings settings() {
    return settings;
  }

  /** The running server. */
  public AtriumServer server() {
    return server;
  }

  /** The HTTP port. */
  public int port() {
    return settings.http().port();
  }

  /** The node's own origin as a browser on this machine sees it: {@code http://127.0.0.1:PORT}. */
  public String origin() {
    return "http://127.0.0.1:" + port();
  }

  /** The node's temporary directory (home, working directory, data under {@code data/}). */
  public Path dir() {
    return dir;
  }

  /** The session cookie's name in this node's mode. */
  public String cookieName() {
    return mode == Mode.LOCAL ? "atrium_session" : "__Host-atrium_session";
  }

  /** A request to this node; nothing is sent until {@link Call#send()}. */
  public Call call(String method, String path) {
    return new Call(HttpMethod.valueOf(method.toUpperCase(Locale.ROOT)), path);
  }

  /** Registers an account (asking for a token too); fails unless the node answers 201. */
  public Session register(String email, String password) {
    Reply reply = call("POST", "/api/auth/register")
        .json(new JsonObject().put("email", email).put("password", password).put("token", true)).send();
    return session(reply, 201, "register " + email);
  }

  /** Registers a new account with a random e-mail and a valid password. */
  public Session registerNew(String namePrefix) {
    return register(namePrefix + "-" + UUID.randomUUID().toString().substring(0, 8) + "@atrium.test",
        "correct horse battery staple");
  }

  /** Signs in (asking for a token too); fails unless the node answers 200. */
  public Session login(String email, String password) {
    Reply reply = call("POST", "/api/auth/login")
        .json(new JsonObject().put("email", email).put("password", password).put("token", true)).send();
    return session(reply, 200, "login " + email);
  }

  /** Signs in as the admin account. */
  public Session admin() {
    return login(ADMIN_EMAIL, ADMIN_PASSWORD);
  }

  private Session session(Reply reply, int expected, String what) {
    if (reply.status() != expected) {
      throw new AssertionError(what + " answered " + reply.status() + ": " + reply.body());
    }
    JsonObject user = reply.json().getJsonObject("user");
    SetCookie cookie = reply.setCookie(cookieName())
        .orElseThrow(() -> new AssertionError(what + " set no " + cookieName() + " cookie"));
    return new Session(user.getString("id"), user.getString("email"), cookie.value(), reply.json().getString("token"));
  }

  /** Stops the node, its in-memory MongoDB and the client, and deletes the directory. */
  @Override
  public void close() throws Exception {
    try {
      if (server != null) {
        await(server.stop());
      }
    } finally {
      if (mongo != null) {
        mongo.shutdownNow();
      }
      await(clientVertx.close());
      deleteRecursively(dir);
    }
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (Exception e) {
      throw new IllegalStateException(e.getCause() != null ? e.getCause().toString() : e.toString(), e);
    }
  }

  private static void deleteRecursively(Path root) {
    if (root == null || !Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      // a leftover temp directory is harmless
    }
  }

  /** How a node is started. */
  public static final class Builder {
    private final Mode mode;
    private final Map<String, String> env = new LinkedHashMap<>();
    private final Map<String, String> headers = new LinkedHashMap<>();
    private boolean implicitUser;

    private Builder(Mode mode) {
      this.mode = mode;
    }

    /** Adds (or, with a null value, removes) one environment entry; applied over the fixture's own. */
    public Builder env(String key, String value) {
      env.put(key, value);
      return this;
    }

    /** Local mode: keeps the implicit local user (the mode's default) instead of turning it off. */
    public Builder implicitUser() {
      implicitUser = true;
      return this;
    }

    /**
     * Puts the node behind a TLS-terminating proxy on 127.0.0.1: trusts it and makes every request
     * of this fixture carry {@code X-Forwarded-Proto: https} (production redirects plain HTTP).
     */
    public Builder behindHttpsProxy() {
      env.put("ATRIUM_TRUSTED_PROXIES", "127.0.0.1");
      headers.put("X-Forwarded-Proto", "https");
      return this;
    }

    /** Starts the node and waits until it is ready. */
    public NodeFixture start() throws Exception {
      Path dir = Files.createTempDirectory("atrium-node-" + mode.id() + "-");
      MongoServer mongo = null;
      Map<String, String> all = new LinkedHashMap<>();
      all.put("HOME", dir.toString());
      all.put("XDG_CONFIG_HOME", dir.resolve(".config").toString());
      all.put("XDG_DATA_HOME", dir.resolve(".local/share").toString());
      all.put("ATRIUM_MODE", mode.id());
      all.put("ATRIUM_HOST", "127.0.0.1");
      all.put("ATRIUM_PORT", String.valueOf(FreePorts.next()));
      all.put("ATRIUM_DATA_DIR", dir.resolve("data").toString());
      all.put("ATRIUM_HTTP_INSTANCES", "1");
      all.put("ATRIUM_SHUTDOWN_GRACE", "1s");
      all.put("ADMIN_EMAIL", ADMIN_EMAIL);
      all.put("ADMIN_PASSWORD", ADMIN_PASSWORD);
      all.put("ATRIUM_LIMIT_LOGIN", "10000/1m");
      all.put("ATRIUM_LIMIT_REGISTER", "10000/1m");
      if (mode == Mode.LOCAL) {
        all.put("ATRIUM_LOCAL_USER", implicitUser ? "true" : "false");
      } else {
        mongo = new MongoServer(H2Backend.inMemory());
        mongo.bind("127.0.0.1", 0);
        TestRedis redis = TestRedis.shared();
        redis.start();
        all.put("REDIS_URL", redis.url());
        all.put("MONGO_URI", "mongodb://127.0.0.1:" + mongo.getLocalAddress().getPort());
        all.put("GCS_BUCKET_NAME", "atrium-test");
        all.put("ATRIUM_JWT_SECRET", JWT_SECRET);
      }
      env.forEach((key, value) -> {
        if (value == null) {
          all.remove(key);
        } else {
          all.put(key, value);
        }
      });
      NodeFixture node = null;
      try {
        ResolvedConfig config = new SettingsLoader(all, dir).load(null, Map.of());
        config.checkStartable();
        node = new NodeFixture(mode, dir, config.settings(), mongo, headers);
        node.server = await(AtriumServer.start(node.settings));
        return node;
      } catch (Exception | AssertionError e) {
        if (node != null) {
          node.close();
        } else {
          if (mongo != null) {
            mongo.shutdownNow();
          }
          deleteRecursively(dir);
        }
        throw e;
      }
    }
  }

  /**
   * A signed-in account.
   *
   * @param userId the account id
   * @param email its e-mail
   * @param cookie the session cookie's value the sign-in set
   * @param token the bearer token it returned (the same token as the cookie)
   */
  public record Session(String userId, String email, String cookie, String token) {
  }

  /** One request being put together. */
  public final class Call {
    private final HttpMethod method;
    private final String path;
    private final MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    private Buffer body;

    private Call(HttpMethod method, String path) {
      this.method = method;
      this.path = path;
      defaultHeaders.forEach(headers::set);
    }

    /** Sets a header (any header: Origin, Sec-Fetch-Site, X-Forwarded-For ...). */
    public Call header(String name, String value) {
      headers.set(name, value);
      return this;
    }

    /** Removes a header the fixture would send by default. */
    public Call withoutHeader(String name) {
      headers.remove(name);
      return this;
    }

    /** Sends the session cookie of this node's mode with {@code token}. */
    public Call cookie(String token) {
      headers.set("Cookie", cookieName() + "=" + token);
      return this;
    }

    /** Sends {@code Authorization: Bearer token}. */
    public Call bearer(String token) {
      headers.set("Authorization", "Bearer " + token);
      return this;
    }

    /** A JSON body. */
    public Call json(JsonObject json) {
      return body(json.encode(), "application/json");
    }

    /** A raw body with its content type. */
    public Call body(String text, String contentType) {
      headers.set("Content-Type", contentType);
      body = Buffer.buffer(text);
      return this;
    }

    /** Sends the request and waits for the whole response. */
    public Reply send() {
      RequestOptions options = new RequestOptions().setMethod(method).setURI(path).setHeaders(headers);
      // The whole exchange is wired on the client's event loop: wired from this thread, a body
      // handler could be attached after the response had already ended, and never complete.
      Promise<Reply> reply = Promise.promise();
      clientContext.runOnContext(v -> client.request(options)
          .compose(request -> body == null ? request.send() : request.send(body))
          .compose(response -> response.body().map(bytes -> new Reply(response.statusCode(),
              MultiMap.caseInsensitiveMultiMap().addAll(response.headers()), bytes.toString())))
          .onComplete(reply));
      return await(reply.future());
    }
  }

  /**
   * A whole response.
   *
   * @param status status code
   * @param headers response headers
   * @param body body as text
   */
  public record Reply(int status, MultiMap headers, String body) {

    /** The body as a JSON object. */
    public JsonObject json() {
      try {
        return new JsonObject(body);
      } catch (RuntimeException e) {
        throw new AssertionError("not a JSON object (status " + status + "): " + body, e);
      }
    }

    /** One response header. */
    public String header(String name) {
      return headers.get(name);
    }

    /** Every {@code Set-Cookie} header, parsed. */
    public List<SetCookie> setCookies() {
      List<SetCookie> out = new ArrayList<>();
      for (String header : headers.getAll("Set-Cookie")) {
        out.add(SetCookie.parse(header));
      }
      return out;
    }

    /** The {@code Set-Cookie} of the cookie called {@code name}, if any. */
    public Optional<SetCookie> setCookie(String name) {
      return setCookies().stream().filter(cookie -> cookie.name().equals(name)).findFirst();
    }

    @Override
    public String toString() {
      return status + " " + body;
    }
  }

  /**
   * A parsed {@code Set-Cookie} header.
   *
   * @param raw the header as received
   * @param name cookie name
   * @param value cookie value
   * @param attributes attributes by lower-case name; flags (HttpOnly, Secure) map to ""
   */
  public record SetCookie(String raw, String name, String value, Map<String, String> attributes) {

    static SetCookie parse(String header) {
      String[] parts = header.split(";");
      String[] pair = parts[0].split("=", 2);
      Map<String, String> attributes = new LinkedHashMap<>();
      for (int i = 1; i < parts.length; i++) {
        String part = parts[i].trim();
        if (part.isEmpty()) {
          continue;
        }
        String[] attribute = part.split("=", 2);
        attributes.put(attribute[0].trim().toLowerCase(Locale.ROOT), attribute.length == 2 ? attribute[1].trim() : "");
      }
      return new SetCookie(header, pair[0].trim(), pair.length == 2 ? pair[1].trim() : "", Map.copyOf(attributes));
    }

    /** Whether the attribute (e.g. {@code httponly}) is present. */
    public boolean has(String attribute) {
      return attributes.containsKey(attribute.toLowerCase(Locale.ROOT));
    }

    /** An attribute's value, or null. */
    public String attribute(String attribute) {
      return attributes.get(attribute.toLowerCase(Locale.ROOT));
    }
  }
}
