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
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import java.util.zip.GZIPInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Just enough of the Cloud Storage JSON API, over plain HTTP on loopback, for the calls
 * {@code GcsDataProvider} makes through the real {@code google-cloud-storage} client: single-request
 * uploads (multipart or media) with {@code ifGenerationMatch}, object metadata, media download,
 * delete and prefix listing. Unlike the in-process fake of {@code google-cloud-nio} it evaluates
 * preconditions, atomically, so concurrent creates of one object get one 200 and 412s.
 *
 * <p>Anything else is logged and answered 501, so a test shows what the client asked for. Every
 * request line is recorded ({@link #requests()}). {@link #corruptDownloads} flips a byte of every
 * downloaded body, as a store with rotten bytes would.
 */
public final class GcsEmulator implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(GcsEmulator.class);
  private static final Pattern UPLOAD = Pattern.compile("/upload/storage/v1/b/([^/]+)/o");
  private static final Pattern LIST = Pattern.compile("/storage/v1/b/([^/]+)/o");
  private static final Pattern OBJECT = Pattern.compile("(/download)?/storage/v1/b/([^/]+)/o/(.+)");

  /** A stored object. */
  public record StoredObject(String bucket, String name, byte[] data, long generation, Instant created,
      String contentType) {
  }

  private final HttpServer server;
  private final ExecutorService executor;
  private final Map<String, StoredObject> objects = new ConcurrentHashMap<>();
  private final AtomicLong generations = new AtomicLong(1_700_000_000_000_000L);
  private final List<String> requests = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger preconditionFailures = new AtomicInteger();
  private final AtomicInteger uploads = new AtomicInteger();
  private final AtomicInteger unknown = new AtomicInteger();

  /** Flip one byte of every downloaded body (the stored object stays intact). */
  public final AtomicBoolean corruptDownloads = new AtomicBoolean();

  /** With {@link #corruptDownloads}: still send the x-goog-hash of the intact bytes. */
  public final AtomicBoolean hashHeaderOnCorrupt = new AtomicBoolean();

  /** Most objects per list page when the client names no maxResults (the service's default is 1000). */
  public volatile int pageSize = 1000;

  private GcsEmulator(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /** Starts on a free loopback port. */
  public static GcsEmulator start() throws IOException {
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

  /** Every request answered, as {@code METHOD /path?query -> status}, in the order answered. */
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
    try (exchange) {
      Map<String, String> query = query(uri.getRawQuery());
      byte[] body = exchange.getRequestBody().readAllBytes();
      // the client gzips request bodies unless told not to
      if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
        try (GZIPInputStream gzip = new GZIPInputStream(new ByteArrayInputStream(body))) {
          body = gzip.readAllBytes();
        }
      }
      Matcher matcher;
      if (method.equals("POST") && (matcher = UPLOAD.matcher(rawPath)).matches()) {
        upload(exchange, decode(matcher.group(1)), query, body);
      } else if ((matcher = OBJECT.matcher(rawPath)).matches()) {
        String bucket = decode(matcher.group(2));
        String name = decode(matcher.group(3));
        boolean media = matcher.group(1) != null || "media".equals(query.get("alt"));
        switch (method) {
          case "GET" -> {
            if (media) {
              download(exchange, bucket, name, query);
            } else {
              metadata(exchange, bucket, name);
            }
          }
          case "DELETE" -> delete(exchange, bucket, name);
          default -> notImplemented(exchange, method, uri);
        }
      } else if (method.equals("GET") && (matcher = LIST.matcher(rawPath)).matches()) {
        list(exchange, decode(matcher.group(1)), query);
      } else {
        notImplemented(exchange, method, uri);
      }
    } catch (RuntimeException e) {
      LOG.error("emulator failed on a request", e);
      throw e;
    } finally {
      requests.add(method + " " + rawPath + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery())
          + " -> " + exchange.getResponseCode());
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
      notImplemented(exchange, "POST", exchange.getRequestURI());
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
    StoredObject created = new StoredObject(bucket, name, data, generations.incrementAndGet(), Instant.now(),
        resource.getString("contentType", "application/octet-stream"));
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

  private void delete(HttpExchange exchange, String bucket, String name) throws IOException {
    if (objects.remove(key(bucket, name)) == null) {
      error(exchange, 404, "notFound", "No such object: " + bucket + "/" + name);
      return;
    }
    exchange.sendResponseHeaders(204, -1);
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

  private void notImplemented(HttpExchange exchange, String method, URI uri) throws IOException {
    unknown.incrementAndGet();
    LOG.warn("gcs emulator: request not implemented [{} {}]", method, uri);
    error(exchange, 501, "notImplemented", "the emulator does not implement " + method + " " + uri.getRawPath());
  }

  private static JsonObject resource(StoredObject object) {
    String generation = Long.toString(object.generation());
    String time = object.created().toString();
    return new JsonObject()
        .put("kind", "storage#object")
        .put("id", object.bucket() + "/" + object.name() + "/" + generation)
        .put("selfLink", "/storage/v1/b/" + object.bucket() + "/o/" + encode(object.name()))
        .put("bucket", object.bucket())
        .put("name", object.name())
        .put("generation", generation)
        .put("metageneration", "1")
        .put("contentType", object.contentType())
        .put("storageClass", "STANDARD")
        .put("size", Integer.toString(object.data().length))
        .put("md5Hash", md5(object.data()))
        .put("crc32c", crc32c(object.data()))
        .put("etag", "C" + generation)
        .put("timeCreated", time)
        .put("updated", time)
        .put("timeStorageClassUpdated", time);
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

  private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
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
