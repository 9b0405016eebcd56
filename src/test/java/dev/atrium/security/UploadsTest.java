package dev.atrium.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.config.HttpSettings;
import dev.atrium.observe.RequestIds;
import dev.atrium.testing.FreePorts;
import dev.atrium.web.HttpFoundation;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Uploads} behind the real HTTP foundation, driven byte by byte over a raw socket so the
 * test controls exactly what is sent, when, and whether the connection is dropped: a body of
 * exactly the limit is received whole; one byte more is refused with 413 — before any body byte
 * when the length is declared, as soon as it passes the limit when chunked — and the temporary
 * file never outlives the response or the connection.
 */
@DisplayName("Streamed uploads")
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UploadsTest {

  static {
    // The request-id slot must exist before VertxExtension builds this test's Vert.x instance.
    RequestIds.init();
  }

  /** The route's upload limit; well under the foundation's body limit, so Uploads is what refuses. */
  private static final int LIMIT = 256 * 1024;
  private static final long BODY_LIMIT = 64L * 1024 * 1024;
  private static final String PATH = "/api/upload";
  /** How long a response or a file deletion may take before the test calls it missing. */
  private static final Duration WAIT = Duration.ofSeconds(5);
  /** Connections dropped right after their headers. */
  private static final int ABORTS = 30;
  /** How long the server gets to handle those before the directory is checked. */
  private static final Duration SETTLE = Duration.ofSeconds(1);

  @TempDir
  Path root;

  private Path uploads;
  private int port;
  private HttpServer server;

  @BeforeEach
  void serve(Vertx vertx, VertxTestContext context) {
    uploads = root.resolve("uploads");
    port = FreePorts.next();
    HttpSettings http = new HttpSettings("127.0.0.1", port, 1, BODY_LIMIT, false, List.of(), List.of(),
        Duration.ofSeconds(1));
    Router router = HttpFoundation.install(Router.router(vertx), http);
    Uploads receiver = new Uploads(uploads);
    router.post(PATH).handler(ctx -> receiver.receive(ctx, LIMIT)
        .compose(file -> vertx.fileSystem().readFile(file.toString()).map(bytes -> new JsonObject()
            .put("bytes", bytes.length())
            .put("sha256", sha256(bytes.getBytes()))
            .put("file", file.toString())))
        .onSuccess(ctx::json)
        .onFailure(ctx::fail));
    vertx.createHttpServer().requestHandler(router).listen(port, "127.0.0.1")
        .onComplete(context.succeeding(started -> {
          server = started;
          context.completeNow();
        }));
  }

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  @DisplayName("a body of exactly the limit with Content-Length is received whole: 200 with its size and SHA-256")
  void exactlyTheLimit() throws Exception {
    byte[] body = randomBytes(LIMIT);
    try (Socket socket = connect()) {
      send(socket, headers("Content-Length: " + LIMIT));
      send(socket, body);
      Reply reply = readReply(socket);

      assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
      JsonObject json = reply.json();
      assertThat(json.getInteger("bytes")).isEqualTo(LIMIT);
      assertThat(json.getString("sha256")).isEqualTo(sha256(body));
    }
  }

  @Test
  @DisplayName("a chunked body of exactly the limit is received whole: 200 with its size and SHA-256")
  void exactlyTheLimitChunked() throws Exception {
    byte[] body = randomBytes(LIMIT);
    try (Socket socket = connect()) {
      send(socket, headers("Transfer-Encoding: chunked"));
      sendChunks(socket, body, 10_000);
      send(socket, "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      Reply reply = readReply(socket);

      assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
      assertThat(reply.json().getInteger("bytes")).isEqualTo(LIMIT);
      assertThat(reply.json().getString("sha256")).isEqualTo(sha256(body));
    }
  }

  @Test
  @DisplayName("after a successful upload the temporary file is gone once the response has ended")
  void successDeletesTheTemporaryFile() throws Exception {
    try (Socket socket = connect()) {
      send(socket, headers("Content-Length: 1000"));
      send(socket, randomBytes(1000));
      Reply reply = readReply(socket);

      assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
      // the handler read this file, so it existed under the upload directory while it ran
      Path file = Path.of(reply.json().getString("file"));
      assertThat(file.getParent()).isEqualTo(uploads);
      awaitTrue(() -> !Files.exists(file), "temporary file " + file + " deleted after the response");
      assertThat(filesIn(uploads)).isEmpty();
    }
  }

  @Test
  @DisplayName("LIMIT+1 bytes declared in Content-Length: 413 JSON before a body byte is sent, and no file")
  void declaredTooLargeRefusedBeforeTheBody() throws Exception {
    try (Socket socket = connect()) {
      send(socket, headers("Content-Length: " + (LIMIT + 1)));
      // no body at all: the server must answer from the headers alone (readReply times out otherwise)
      Reply reply = readReply(socket);

      assertThat(reply.status()).as(reply.toString()).isEqualTo(413);
      assertThat(reply.header("content-type")).startsWith("application/json");
      assertThat(reply.header("connection")).isEqualToIgnoringCase("close");
      JsonObject json = reply.json();
      assertThat(json.getString("error")).isEqualTo("payload_too_large");
      // Uploads' own message, not the foundation's body limit
      assertThat(json.getString("message")).isEqualTo("upload larger than the limit of " + LIMIT + " bytes");
    }
    assertThat(filesIn(uploads)).isEmpty();
  }

  @Test
  @DisplayName("LIMIT+1 bytes chunked, without Content-Length: 413 JSON once the limit is passed, and no file remains")
  void chunkedTooLargeCutOff() throws Exception {
    try (Socket socket = connect()) {
      send(socket, headers("Transfer-Encoding: chunked"));
      // Exactly LIMIT+1 bytes and no terminating chunk: the server has read everything sent by the
      // time it refuses, so its close cannot reset the connection under the unread 413.
      sendChunks(socket, randomBytes(LIMIT + 1), 10_000);
      Reply reply = readReply(socket);

      assertThat(reply.status()).as(reply.toString()).isEqualTo(413);
      assertThat(reply.json().getString("error")).isEqualTo("payload_too_large");
      assertThat(reply.json().getString("message")).isEqualTo("upload larger than the limit of " + LIMIT + " bytes");
    }
    awaitTrue(() -> filesIn(uploads).isEmpty(), "no temporary file left in " + uploads);
  }

  @Test
  @DisplayName("a client that drops the connection mid-upload leaves no temporary file behind")
  void abortedUploadLeavesNoFile() throws Exception {
    Socket socket = connect();
    try {
      send(socket, headers("Content-Length: " + LIMIT));
      send(socket, randomBytes(LIMIT / 2));
      // the upload is under way: its temporary file exists and is being written
      awaitTrue(() -> filesIn(uploads).size() == 1, "a temporary file appears in " + uploads);
    } finally {
      socket.close();
    }
    awaitTrue(() -> filesIn(uploads).isEmpty(), "temporary file deleted after the client dropped the connection");
  }

  @Test
  @DisplayName("clients that drop the connection right after the headers, while the file is being created, leave no file")
  void abortedWhileTheFileIsCreatedLeavesNoFile() throws Exception {
    // The close races the (asynchronous) creation of the temporary file; with many tries some land
    // before the file exists, some after — both must end with the file deleted.
    for (int i = 0; i < ABORTS; i++) {
      try (Socket socket = connect()) {
        send(socket, headers("Content-Length: " + LIMIT));
      }
    }
    // Give the server time to create (and delete) every file before looking: an early look could
    // pass only because nothing was created yet.
    Thread.sleep(SETTLE.toMillis());
    awaitTrue(() -> filesIn(uploads).isEmpty(), "every temporary file deleted after its client dropped the connection");
  }

  // ---------------------------------------------------------------------------------------------

  private Socket connect() throws IOException {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
    socket.setSoTimeout((int) WAIT.toMillis());
    return socket;
  }

  private byte[] headers(String framing) {
    return ("POST " + PATH + " HTTP/1.1\r\n"
        + "Host: 127.0.0.1:" + port + "\r\n"
        + "Content-Type: application/octet-stream\r\n"
        + framing + "\r\n"
        + "\r\n").getBytes(StandardCharsets.US_ASCII);
  }

  private static void send(Socket socket, byte[] bytes) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(bytes);
    out.flush();
  }

  private static void sendChunks(Socket socket, byte[] body, int chunkSize) throws IOException {
    OutputStream out = socket.getOutputStream();
    for (int offset = 0; offset < body.length; offset += chunkSize) {
      int length = Math.min(chunkSize, body.length - offset);
      out.write((Integer.toHexString(length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(body, offset, length);
      out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
    }
    out.flush();
  }

  /** Reads one HTTP/1.1 response with a Content-Length body; fails if it does not come within {@link #WAIT}. */
  private static Reply readReply(Socket socket) throws IOException {
    InputStream in = socket.getInputStream();
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    try {
      while (!endsWithBlankLine(head)) {
        int b = in.read();
        if (b < 0) {
          throw new AssertionError("connection closed before a complete response; got: " + head);
        }
        head.write(b);
      }
      String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
      int status = Integer.parseInt(lines[0].split(" ")[1]);
      Reply reply = new Reply(status, List.of(lines).subList(1, lines.length), "");
      String length = reply.header("content-length");
      byte[] body = length == null ? new byte[0] : in.readNBytes(Integer.parseInt(length));
      return new Reply(status, reply.headers(), new String(body, StandardCharsets.UTF_8));
    } catch (SocketTimeoutException e) {
      throw new AssertionError("no complete response within " + WAIT.toMillis() + " ms; got: " + head, e);
    }
  }

  private static boolean endsWithBlankLine(ByteArrayOutputStream head) {
    byte[] bytes = head.toByteArray();
    int n = bytes.length;
    return n >= 4 && bytes[n - 4] == '\r' && bytes[n - 3] == '\n' && bytes[n - 2] == '\r' && bytes[n - 1] == '\n';
  }

  private static List<Path> filesIn(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.toList();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + WAIT.toMillis() + " ms: " + what);
      }
      Thread.sleep(20);
    }
  }

  private static byte[] randomBytes(int n) {
    byte[] bytes = new byte[n];
    new Random(n).nextBytes(bytes);
    return bytes;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** One response as read off the wire. */
  private record Reply(int status, List<String> headers, String body) {

    String header(String name) {
      for (String line : headers) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
          return line.substring(colon + 1).trim();
        }
      }
      return null;
    }

    JsonObject json() {
      return new JsonObject(body);
    }

    @Override
    public String toString() {
      return status + " " + headers + " " + body;
    }
  }
}
