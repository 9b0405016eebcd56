package dev.atrium.blobs;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import java.util.zip.GZIPInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Just enough of the Cloud Storage JSON API, over plain HTTP on loopback, for the calls
 * {@code GcsDataProvider} makes through the real {@code google-cloud-storage} client: single-request
 * uploads (multipart or media) with {@code ifGenerationMatch}, object metadata, metadata update,
 * copy (rewrite), media download, delete and prefix listing. Unlike the in-process fake of
 * {@code google-cloud-nio} it evaluates preconditions, atomically, so concurrent creates of one
 * object get one 200 and 412s, and a delete conditional on a metageneration loses to a concurrent
 * metadata update.
 *
 * <p>What the client sends (google-cloud-storage 2.78, HTTP transport), as implemented here:
 * <ul>
 *   <li>{@code storage.update(blobInfo)}: {@code POST /storage/v1/b/B/o/O?projection=full} with
 *       header {@code X-HTTP-Method-Override: PATCH} and a gzipped JSON body
 *       {@code {"bucket":..,"generation":null,"metadata":{..},"name":..}}; PATCH semantics: the
 *       {@code metadata} keys are merged (a null value removes a key), the metageneration goes up
 *       by one and {@code updated} becomes now.
 *   <li>{@code storage.copy(request)}: {@code POST /storage/v1/b/B/o/O/rewriteTo/b/B2/o/O2?projection=full}
 *       with an empty body (the target keeps the source's metadata), {@code sourceGeneration=G} when
 *       the source id names a generation, and the target's preconditions as {@code ifGenerationMatch}
 *       etc.; answered in one call with a {@code storage#rewriteResponse} that is {@code done}.
 *   <li>{@code storage.delete(id, metagenerationMatch(m))}: {@code DELETE ...?generation=G&ifMetagenerationMatch=m}
 *       ({@code generation} when the id names one): 412 when the metageneration differs, 404 when
 *       the live object is another generation.
 * </ul>
 *
 * <p>Anything else is logged and answered 501, so a test shows what the client asked for. Every
 * request line is recorded ({@link #requests()}). {@link #corruptDownloads} flips a byte of every
 * downloaded body, as a store with rotten bytes would. {@link #before} runs a test's action before a
 * chosen request (another client's calls, interleaved at an exact point), and {@link #backdate}
 * ages an object.
 */
public final class GcsEmulator implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(GcsEmulator.class);
  private static final Pattern UPLOAD = Pattern.compile("/upload/storage/v1/b/([^/]+)/o");
  private static final Pattern LIST = Pattern.compile("/storage/v1/b/([^/]+)/o");
  private static final Pattern OBJECT = Pattern.compile("(/download)?/storage/v1/b/([^/]+)/o/(.+)");
  private static final Pattern REWRITE = Pattern.compile("/storage/v1/b/([^/]+)/o/([^/]+)/rewriteTo/b/([^/]+)/o/([^/]+)");
  private static final String METHOD_OVERRIDE = "X-HTTP-Method-Override";

  /**
   * A stored object.
   *
   * @param metageneration 1 when created, one more on every metadata update
   * @param created its creation time ({@code timeCreated})
   * @param updated when it or its metadata last changed ({@code updated})
   * @param metadata its custom metadata
   */
  public record StoredObject(String bucket, String name, byte[] data, long generation, long metageneration,
      Instant created, Instant updated, String contentType, Map<String, String> metadata) {

    /** The same object with its metadata merged with {@code changes} (null values remove keys). */
    StoredObject patched(Map<String, String> changes, boolean clear, String newContentType) {
      Map<String, String> merged = clear ? new TreeMap<>() : new TreeMap<>(metadata);
      changes.forEach((key, value) -> {
        if (value == null) {
          merged.remove(key);
        } else {
          merged.put(key, value);
        }
      });
      return new StoredObject(bucket, name, data, generation, metageneration + 1, created, later(updated),
          newContentType == null ? contentType : newContentType, Map.copyOf(merged));
    }
  }

  /** Now, but strictly after {@code previous}, so an update always moves the time forward. */
  private static Instant later(Instant previous) {
    Instant now = now();
    return now.isAfter(previous) ? now : previous.plusMillis(1);
  }

  /** Now in whole milliseconds, as the service reports times. */
  private static Instant now() {
    return Instant.now().truncatedTo(ChronoUnit.MILLIS);
  }

  private final HttpServer server;
  private final ExecutorService executor;
  private final Map<String, StoredObject> objects = new ConcurrentHashMap<>();
  private final AtomicLong generations = new AtomicLong(1_700_000_000_000_000L);
  private final List<String> requests = Collections.synchronizedList(new ArrayList<>());
  /** Logs the request line of the exchange this thread is handling, with its status ({@link #record}). */
  private static final ThreadLocal<IntConsumer> RECORDER = new ThreadLocal<>();
  private final AtomicInteger preconditionFailures = new AtomicInteger();
  private final AtomicInteger uploads = new AtomicInteger();
  private final AtomicInteger unknown = new AtomicInteger();

  /** Flip one byte of every downloaded body (the stored object stays intact). */
  public final AtomicBoolean corruptDownloads = new AtomicBoolean();

  /** With {@link #corruptDownloads}: still send the x-goog-hash of the intact bytes. */
  public final AtomicBoolean hashHeaderOnCorrupt = new AtomicBoolean();

  /** Most objects per list page when the client names no maxResults (the service's default is 1000). */
  public volatile int pageSize = 1000;

  private final List<Hook> hooks = new CopyOnWriteArrayList<>();

  /** Work a hook does; it may itself make requests to the emulator (they are served meanwhile). */
  @FunctionalInterface
  public interface Action {
    /** Does it. */
    void run() throws Exception;
  }

  /** A one-shot action run before the first request that matches, to interleave another client's calls. */
  public static final class Hook {
    private final Pattern request;
    private final Action action;
    private final AtomicBoolean claimed = new AtomicBoolean();
    private final CompletableFuture<Void> done = new CompletableFuture<>();

    private Hook(Pattern request, Action action) {
      this.request = request;
      this.action = action;
    }

    /** Whether it ran; fails with what the action threw. */
    public boolean ran() throws Exception {
      if (!done.isDone()) {
        return false;
      }
      try {
        done.get();
        return true;
      } catch (ExecutionException e) {
        throw e.getCause() instanceof Exception cause ? cause : e;
      }
    }
  }

  /**
   * Runs {@code action} once, before the emulator handles the first request whose line
   * ({@code METHOD /raw/path?query}, the method as sent, before any override) the pattern finds;
   * that request waits until the action is done.
   */
  public Hook before(String requestPattern, Action action) {
    Hook hook = new Hook(Pattern.compile(requestPattern), action);
    hooks.add(hook);
    return hook;
  }

  private GcsEmulator(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /** Starts on a free loopback port. */
  public static GcsEmulator start() throws IOException {
    // without it each response waits ~40 ms (Nagle against the client's delayed ACK): headers and
    // body leave in separate writes. Read once, when the JDK server's config first loads.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 100);
    ExecutorService executor = Executors.newCachedThreadPool(runnable -> {
      Thread thread = new Thread(runnable, "gcs-emulator");
      thread.setDaemon(true);
      return thread;
    });
    GcsEmulator emulator = new GcsEmulator(server, executor);
    server.createContext("/", emulator::handle);
    server.setExecutor(executor);
    server.start();
    return emulator;
  }

  /** The base address to give the client, {@code http://127.0.0.1:PORT}. */
  public String host() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /**
   * Every request answered, as {@code METHOD /path?query -> status} ({@code METHOD /path?query
   * [X-HTTP-Method-Override: PATCH] -> status} when the client overrode the method), in the order
   * answered.
   */
  public List<String> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  /** Objects stored now, in every bucket. */
  public List<StoredObject> objects() {
    return List.copyOf(objects.values());
  }

  /** Uploads answered 412 because their precondition failed. */
  public int preconditionFailures() {
    return preconditionFailures.get();
  }

  /** Upload requests received. */
  public int uploads() {
    return uploads.get();
  }

  /** The object stored now under {@code bucket/name}, or null. */
  public StoredObject object(String bucket, String name) {
    return objects.get(key(bucket, name));
  }

  /**
   * Ages an object as if it had been stored (and last updated) {@code by} earlier, for tests of
   * garbage collection that must not wait out a grace period.
   */
  public void backdate(String bucket, String name, Duration by) {
    StoredObject aged = objects.computeIfPresent(key(bucket, name), (k, o) -> new StoredObject(o.bucket(), o.name(),
        o.data(), o.generation(), o.metageneration(), o.created().minus(by), o.updated().minus(by), o.contentType(),
        o.metadata()));
    if (aged == null) {
      throw new IllegalArgumentException("no object " + bucket + "/" + name);
    }
  }

  /** Requests answered 501. */
  public int unknownRequests() {
    return unknown.get();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private void handle(HttpExchange exchange) throws IOException {
    URI uri = exchange.getRequestURI();
    String method = exchange.getRequestMethod();
    String rawPath = uri.getRawPath();
    // the client sends PATCH as POST with this header (java.net.HttpURLConnection knows no PATCH)
    String override = exchange.getRequestHeaders().getFirst(METHOD_OVERRIDE);
    String effective = override != null && method.equals("POST") ? override.toUpperCase(Locale.ROOT) : method;
    String line = method + " " + rawPath + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery())
        + (override == null ? "" : " [" + METHOD_OVERRIDE + ": " + override + "]");
    // recorded as the response headers go out, before the client can see the answer (in a finally
    // block a test could read the log between the last response and its line)
    RECORDER.set(status -> requests.add(line + " -> " + status));
    try (exchange) {
      Map<String, String> query = query(uri.getRawQuery());
      byte[] body = exchange.getRequestBody().readAllBytes();
      // the client gzips request bodies unless told not to
      if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
        try (GZIPInputStream gzip = new GZIPInputStream(new ByteArrayInputStream(body))) {
          body = gzip.readAllBytes();
        }
      }
      runHooks(method + " " + rawPath + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()));
      Matcher matcher;
      if (effective.equals("POST") && (matcher = UPLOAD.matcher(rawPath)).matches()) {
        upload(exchange, decode(matcher.group(1)), query, body);
      } else if (effective.equals("POST") && (matcher = REWRITE.matcher(rawPath)).matches()) {
        rewrite(exchange, decode(matcher.group(1)), decode(matcher.group(2)), decode(matcher.group(3)),
            decode(matcher.group(4)), query, body);
      } else if ((matcher = OBJECT.matcher(rawPath)).matches() && !REWRITE.matcher(rawPath).matches()) {
        String bucket = decode(matcher.group(2));
        String name = decode(matcher.group(3));
        boolean media = matcher.group(1) != null || "media".equals(query.get("alt"));
        switch (effective) {
          case "GET" -> {
            if (media) {
              download(exchange, bucket, name, query);
            } else {
              metadata(exchange, bucket, name);
            }
          }
          case "PATCH" -> patch(exchange, bucket, name, query, body);
          case "DELETE" -> delete(exchange, bucket, name, query);
          default -> notImplemented(exchange, method, override, uri, body);
        }
      } else if (effective.equals("GET") && (matcher = LIST.matcher(rawPath)).matches()) {
        list(exchange, decode(matcher.group(1)), query);
      } else {
        notImplemented(exchange, method, override, uri, body);
      }
    } catch (RuntimeException e) {
      LOG.error("emulator failed on a request", e);
      throw e;
    } finally {
      // a request that failed before answering
      record(exchange.getResponseCode());
    }
  }

  private void runHooks(String line) {
    for (Hook hook : hooks) {
      if (hook.request.matcher(line).find() && hook.claimed.compareAndSet(false, true)) {
        hooks.remove(hook);
        LOG.info("hook runs before [{}]", line);
        try {
          hook.action.run();
          hook.done.complete(null);
        } catch (Exception e) {
          LOG.warn("hook failed before [{}]", line, e);
          hook.done.completeExceptionally(e);
        }
      }
    }
  }

  private void upload(HttpExchange exchange, String bucket, Map<String, String> query, byte[] body)
      throws IOException {
    uploads.incrementAndGet();
    String uploadType = query.getOrDefault("uploadType", "");
    JsonObject resource;
    byte[] data;
    if (uploadType.equals("multipart")) {
      List<byte[]> parts = multipartParts(exchange.getRequestHeaders().getFirst("Content-Type"), body);
      if (parts.size() != 2) {
        error(exchange, 400, "invalid", "a multipart upload needs 2 parts, got " + parts.size());
        return;
      }
      resource = new JsonObject(new String(parts.get(0), StandardCharsets.UTF_8));
      LOG.info("upload metadata [{}]", resource.encode());
      data = parts.get(1);
    } else if (uploadType.equals("media")) {
      resource = new JsonObject().put("name", query.get("name"));
      data = body;
    } else {
      notImplemented(exchange, "POST", null, exchange.getRequestURI(), body);
      return;
    }
    String name = query.containsKey("name") ? query.get("name") : resource.getString("name");
    if (name == null || name.isEmpty()) {
      error(exchange, 400, "required", "object name missing");
      return;
    }
    String md5 = resource.getString("md5Hash");
    if (md5 != null && !md5.equals(md5(data))) {
      error(exchange, 400, "invalid", "Provided MD5 hash \"" + md5 + "\" doesn't match calculated MD5 hash");
      return;
    }
    String crc32c = resource.getString("crc32c");
    if (crc32c != null && !crc32c.equals(crc32c(data))) {
      error(exchange, 400, "invalid", "Provided CRC32C \"" + crc32c + "\" doesn't match calculated CRC32C");
      return;
    }
    String key = key(bucket, name);
    String ifGenerationMatch = query.get("ifGenerationMatch");
    Instant now = now();
    StoredObject created = new StoredObject(bucket, name, data, generations.incrementAndGet(), 1, now, now,
        resource.getString("contentType", "application/octet-stream"), stringMap(resource.getJsonObject("metadata")));
    boolean[] refused = {false};
    // compute() makes the precondition check and the write one atomic step, as the service does
    objects.compute(key, (k, current) -> {
      long currentGeneration = current == null ? 0 : current.generation();
      if (ifGenerationMatch != null && Long.parseLong(ifGenerationMatch) != currentGeneration) {
        refused[0] = true;
        return current;
      }
      return created;
    });
    if (refused[0]) {
      preconditionFailures.incrementAndGet();
      error(exchange, 412, "conditionNotMet", "At least one of the pre-conditions you specified did not hold.");
      return;
    }
    json(exchange, 200, resource(created));
  }

  private void metadata(HttpExchange exchange, String bucket, String name) throws IOException {
    StoredObject object = objects.get(key(bucket, name));
    if (object == null) {
      error(exchange, 404, "notFound", "No such object: " + bucket + "/" + name);
      return;
    }
    json(exchange, 200, resource(object));
  }

  private void download(HttpExchange exchange, String bucket, String name, Map<String, String> query)
      throws IOException {
    StoredObject object = objects.get(key(bucket, name));
    if (object == null) {
      error(exchange, 404, "notFound", "No such object: " + bucket + "/" + name);
      return;
    }
    String ifGenerationMatch = query.get("ifGenerationMatch");
    if (ifGenerationMatch != null && Long.parseLong(ifGenerationMatch) != object.generation()) {
      error(exchange, 412, "conditionNotMet", "At least one of the pre-conditions you specified did not hold.");
      return;
    }
    byte[] data = object.data();
    if (!corruptDownloads.get() || hashHeaderOnCorrupt.get()) {
      exchange.getResponseHeaders().add("x-goog-hash", "crc32c=" + crc32c(data) + ",md5=" + md5(data));
    }
    if (corruptDownloads.get() && data.length > 0) {
      data = data.clone();
      data[data.length / 2] ^= 0x01;
    }
    exchange.getResponseHeaders().add("Content-Type", object.contentType());
    exchange.getResponseHeaders().add("x-goog-generation", Long.toString(object.generation()));
    exchange.getResponseHeaders().add("x-goog-stored-content-length", Integer.toString(data.length));
    send(exchange, 200, data);
  }

  /**
   * A metadata update (PATCH): {@code metadata} merged key by key (null removes a key, a null
   * {@code metadata} removes them all), {@code contentType} replaced when given; the metageneration
   * goes up by one and {@code updated} becomes now. Preconditions as for a delete.
   */
  private void patch(HttpExchange exchange, String bucket, String name, Map<String, String> query, byte[] body)
      throws IOException {
    JsonObject changes = body.length == 0 ? new JsonObject() : new JsonObject(new String(body, StandardCharsets.UTF_8));
    LOG.debug("patch [{}/{} {}]", bucket, name, changes.encode());
    boolean clear = changes.containsKey("metadata") && changes.getValue("metadata") == null;
    Map<String, String> metadata = new LinkedHashMap<>();
    JsonObject given = clear ? null : changes.getJsonObject("metadata");
    if (given != null) {
      given.forEach(entry -> metadata.put(entry.getKey(), entry.getValue() == null ? null : String.valueOf(entry.getValue())));
    }
    String contentType = changes.getString("contentType");
    int[] status = {404};
    StoredObject[] result = {null};
    objects.computeIfPresent(key(bucket, name), (k, current) -> {
      status[0] = check(current, query);
      result[0] = status[0] == 200 ? current.patched(metadata, clear, contentType) : current;
      return result[0];
    });
    if (status[0] == 404) {
      error(exchange, 404, "notFound", "No such object: " + bucket + "/" + name);
    } else if (status[0] != 200) {
      refuse(exchange, status[0]);
    } else {
      json(exchange, 200, resource(result[0]));
    }
  }

  /**
   * A copy as the client makes it: a rewrite done in one call. The target gets the source's bytes,
   * a new generation, metageneration 1 and the source's content type and metadata unless the body
   * names others. {@code ifGenerationMatch} etc. apply to the target ({@code 0}: it must not exist),
   * {@code ifSourceGenerationMatch} etc. and {@code sourceGeneration} to the source.
   */
  private void rewrite(HttpExchange exchange, String sourceBucket, String sourceName, String bucket, String name,
      Map<String, String> query, byte[] body) throws IOException {
    JsonObject target = body.length == 0 ? new JsonObject() : new JsonObject(new String(body, StandardCharsets.UTF_8));
    LOG.info("rewrite [{}/{} -> {}/{}, query: {}, body: {}]", sourceBucket, sourceName, bucket, name, query,
        target.encode());
    StoredObject source = objects.get(key(sourceBucket, sourceName));
    String sourceGeneration = query.get("sourceGeneration");
    if (source == null || sourceGeneration != null && Long.parseLong(sourceGeneration) != source.generation()) {
      error(exchange, 404, "notFound", "No such object: " + sourceBucket + "/" + sourceName);
      return;
    }
    Map<String, String> sourceConditions = new LinkedHashMap<>();
    query.forEach((param, value) -> {
      if (param.startsWith("ifSource")) {
        sourceConditions.put("if" + param.substring("ifSource".length()), value);
      }
    });
    if (check(source, sourceConditions) != 200) {
      refuse(exchange, 412);
      return;
    }
    Instant now = now();
    StoredObject copy = new StoredObject(bucket, name, source.data(), generations.incrementAndGet(), 1, now, now,
        target.getString("contentType", source.contentType()),
        target.getValue("metadata") instanceof JsonObject given ? stringMap(given) : source.metadata());
    int[] status = {200};
    objects.compute(key(bucket, name), (k, current) -> {
      status[0] = check(current, query);
      return status[0] == 200 ? copy : current;
    });
    if (status[0] != 200) {
      refuse(exchange, status[0]);
      return;
    }
    String size = Integer.toString(copy.data().length);
    json(exchange, 200, new JsonObject()
        .put("kind", "storage#rewriteResponse")
        .put("totalBytesRewritten", size)
        .put("objectSize", size)
        .put("done", true)
        .put("resource", resource(copy)));
  }

  private void delete(HttpExchange exchange, String bucket, String name, Map<String, String> query)
      throws IOException {
    int[] status = {404};
    objects.computeIfPresent(key(bucket, name), (k, current) -> {
      status[0] = check(current, query);
      return status[0] == 200 ? null : current;
    });
    if (status[0] == 404) {
      error(exchange, 404, "notFound", "No such object: " + bucket + "/" + name);
    } else if (status[0] != 200) {
      refuse(exchange, status[0]);
    } else {
      record(204);
      exchange.sendResponseHeaders(204, -1);
    }
  }

  /**
   * 200 when the object (null: absent) meets every precondition in {@code query}, else 412 (a
   * {@code ...NotMatch} on a read would be 304, but none is evaluated on reads here); 404 when
   * {@code generation} names another generation than the live one (there are no older ones here).
   */
  private static int check(StoredObject object, Map<String, String> query) {
    long generation = object == null ? 0 : object.generation();
    String only = query.get("generation");
    if (only != null && object != null && Long.parseLong(only) != generation) {
      return 404;
    }
    String ifGenerationMatch = query.get("ifGenerationMatch");
    if (ifGenerationMatch != null && Long.parseLong(ifGenerationMatch) != generation) {
      return 412;
    }
    String ifGenerationNotMatch = query.get("ifGenerationNotMatch");
    if (ifGenerationNotMatch != null && Long.parseLong(ifGenerationNotMatch) == generation) {
      return 412;
    }
    String ifMetagenerationMatch = query.get("ifMetagenerationMatch");
    if (ifMetagenerationMatch != null
        && (object == null || Long.parseLong(ifMetagenerationMatch) != object.metageneration())) {
      return 412;
    }
    String ifMetagenerationNotMatch = query.get("ifMetagenerationNotMatch");
    if (ifMetagenerationNotMatch != null && object != null
        && Long.parseLong(ifMetagenerationNotMatch) == object.metageneration()) {
      return 412;
    }
    return 200;
  }

  /** Answers a failed precondition of a patch, copy or delete (not counted in {@link #preconditionFailures}). */
  private void refuse(HttpExchange exchange, int status) throws IOException {
    error(exchange, status, "conditionNotMet", "At least one of the pre-conditions you specified did not hold.");
  }

  private static Map<String, String> stringMap(JsonObject json) {
    if (json == null) {
      return Map.of();
    }
    Map<String, String> out = new TreeMap<>();
    json.forEach(entry -> {
      if (entry.getValue() != null) {
        out.put(entry.getKey(), String.valueOf(entry.getValue()));
      }
    });
    return Map.copyOf(out);
  }

  private void list(HttpExchange exchange, String bucket, Map<String, String> query) throws IOException {
    String prefix = query.getOrDefault("prefix", "");
    int maxResults = query.containsKey("maxResults") ? Integer.parseInt(query.get("maxResults")) : pageSize;
    String pageToken = query.get("pageToken");
    TreeMap<String, StoredObject> sorted = new TreeMap<>();
    for (StoredObject object : objects.values()) {
      if (object.bucket().equals(bucket) && object.name().startsWith(prefix)) {
        sorted.put(object.name(), object);
      }
    }
    Map<String, StoredObject> page = pageToken == null ? sorted : sorted.tailMap(pageToken, true);
    JsonArray items = new JsonArray();
    String next = null;
    for (StoredObject object : page.values()) {
      if (items.size() == maxResults) {
        next = object.name();
        break;
      }
      items.add(resource(object));
    }
    JsonObject response = new JsonObject().put("kind", "storage#objects").put("items", items);
    if (next != null) {
      response.put("nextPageToken", next);
    }
    json(exchange, 200, response);
  }

  private void notImplemented(HttpExchange exchange, String method, String override, URI uri, byte[] body)
      throws IOException {
    unknown.incrementAndGet();
    LOG.warn("gcs emulator: request not implemented [{} {}{}, body: {}]", method, uri,
        override == null ? "" : ", " + METHOD_OVERRIDE + ": " + override,
        new String(body, 0, Math.min(body.length, 500), StandardCharsets.UTF_8));
    error(exchange, 501, "notImplemented", "the emulator does not implement " + method + " " + uri.getRawPath());
  }

  private static JsonObject resource(StoredObject object) {
    String generation = Long.toString(object.generation());
    String time = object.created().toString();
    JsonObject resource = new JsonObject()
        .put("kind", "storage#object")
        .put("id", object.bucket() + "/" + object.name() + "/" + generation)
        .put("selfLink", "/storage/v1/b/" + object.bucket() + "/o/" + encode(object.name()))
        .put("bucket", object.bucket())
        .put("name", object.name())
        .put("generation", generation)
        .put("metageneration", Long.toString(object.metageneration()))
        .put("contentType", object.contentType())
        .put("storageClass", "STANDARD")
        .put("size", Integer.toString(object.data().length))
        .put("md5Hash", md5(object.data()))
        .put("crc32c", crc32c(object.data()))
        .put("etag", "C" + generation + "." + object.metageneration())
        .put("timeCreated", time)
        .put("updated", object.updated().toString())
        .put("timeStorageClassUpdated", time);
    if (!object.metadata().isEmpty()) {
      resource.put("metadata", new JsonObject(new LinkedHashMap<>(object.metadata())));
    }
    return resource;
  }

  /** The parts of a multipart/related body, without their headers. */
  private static List<byte[]> multipartParts(String contentType, byte[] body) {
    Matcher boundaryMatcher = Pattern.compile("boundary=\"?([^\";]+)\"?").matcher(contentType == null ? "" : contentType);
    if (!boundaryMatcher.find()) {
      return List.of();
    }
    byte[] delimiter = ("--" + boundaryMatcher.group(1)).getBytes(StandardCharsets.ISO_8859_1);
    List<byte[]> parts = new ArrayList<>();
    int start = indexOf(body, delimiter, 0);
    while (start >= 0) {
      int afterDelimiter = start + delimiter.length;
      if (afterDelimiter + 1 < body.length && body[afterDelimiter] == '-' && body[afterDelimiter + 1] == '-') {
        break;
      }
      int headersEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), afterDelimiter);
      int next = indexOf(body, concat("\r\n".getBytes(StandardCharsets.ISO_8859_1), delimiter), afterDelimiter);
      if (headersEnd < 0 || next < 0) {
        break;
      }
      parts.add(Arrays.copyOfRange(body, headersEnd + 4, next));
      start = next + 2;
    }
    return parts;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static int indexOf(byte[] haystack, byte[] needle, int from) {
    outer:
    for (int i = Math.max(from, 0); i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static void error(HttpExchange exchange, int status, String reason, String message) throws IOException {
    JsonObject error = new JsonObject().put("error", new JsonObject()
        .put("code", status)
        .put("message", message)
        .put("errors", new JsonArray().add(new JsonObject()
            .put("domain", "global").put("reason", reason).put("message", message))));
    json(exchange, status, error);
  }

  private static void json(HttpExchange exchange, int status, JsonObject body) throws IOException {
    exchange.getResponseHeaders().add("Content-Type", "application/json; charset=UTF-8");
    send(exchange, status, body.encode().getBytes(StandardCharsets.UTF_8));
  }

  /** Logs the request line of the exchange this thread handles with {@code status}, once. */
  private static void record(int status) {
    IntConsumer recorder = RECORDER.get();
    if (recorder != null) {
      RECORDER.remove();
      recorder.accept(status);
    }
  }

  private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
    record(status);
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      exchange.getResponseBody().write(body);
    }
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&")) {
      int equals = pair.indexOf('=');
      String name = decode(equals < 0 ? pair : pair.substring(0, equals));
      String value = equals < 0 ? "" : decode(pair.substring(equals + 1));
      out.putIfAbsent(name, value);
    }
    return out;
  }

  private static String key(String bucket, String name) {
    return bucket + "\n" + name;
  }

  private static String decode(String value) {
    return URLDecoder.decode(value.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  private static String encode(String value) {
    return java.net.URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  static String md5(byte[] data) {
    try {
      return Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String crc32c(byte[] data) {
    CRC32C crc = new CRC32C();
    crc.update(data);
    return Base64.getEncoder().encodeToString(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }
}
