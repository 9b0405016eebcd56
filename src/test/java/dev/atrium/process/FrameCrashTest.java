package dev.atrium.process;

import static dev.atrium.process.ProcessTests.READY_TIMEOUT;
import static dev.atrium.process.ProcessTests.TAIL;
import static dev.atrium.process.ProcessTests.isolatedEnv;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.frames.DType;
import dev.atrium.frames.Field;
import dev.atrium.frames.Frame;
import dev.atrium.frames.FrameJson;
import dev.atrium.frames.FrameMsgpack;
import dev.atrium.testing.AtriumProcess;
import dev.atrium.testing.FreePorts;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.Value;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * kill -9 of a local node while 100 large frame uploads are in flight: after a restart on the same
 * data directory every frame the room lists has exactly the bytes its hash names, every upload that
 * was acknowledged (201) is there, and the startup sweep has removed every temporary file — those
 * the kill left and a planted one.
 */
@DisplayName("Frame storage survives kill -9 during concurrent uploads")
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class FrameCrashTest {

  private static final Logger LOG = LoggerFactory.getLogger(FrameCrashTest.class);

  private static final int UPLOADS = 100;
  private static final int KILL_AFTER = 20;
  private static final int MIN_ATOMS = 50_000;
  private static final int MAX_ATOMS = 200_000;
  private static final int PAGE = 8;
  private static final String[] SPECIES = {"H", "C", "N", "O", "Fe", "Cu", "Na", "Cl"};
  private static final Duration UPLOAD_TIMEOUT = Duration.ofSeconds(120);
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

  @TempDir
  Path home;

  @TempDir
  Path dataDir;

  private final HttpClient http = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5))
      .version(HttpClient.Version.HTTP_1_1)
      .build();

  private AtriumProcess start(String name, int port) {
    return AtriumProcess.builder()
        .name(name)
        .workDir(home)
        .env(isolatedEnv(home))
        .env("ATRIUM_MODE", "local")
        // 100 bodies of up to ~3.4 MB are held at once
        .jvmArgs("-Xmx1g")
        .echo(false)
        .args("serve", "--port", Integer.toString(port), "--data-dir", dataDir.toString())
        .start();
  }

  @Test
  @DisplayName("after kill -9 during 100 uploads and a restart, every visible frame matches its hash"
      + " and no temp file survives")
  void killDuringUploads() throws Exception {
    int port = FreePorts.next();
    String room;
    Map<Integer, String> acknowledged = new ConcurrentHashMap<>();
    Set<String> expectedHashes = new HashSet<>();
    List<byte[]> bodies = new ArrayList<>();
    for (int i = 0; i < UPLOADS; i++) {
      Frame frame = frame(i);
      expectedHashes.add(frame.hash());
      bodies.add(FrameMsgpack.encode(frame).getBytes());
    }
    long bytes = bodies.stream().mapToLong(body -> body.length).sum();

    int completedBeforeKill;
    int failedBeforeKill;
    AtomicInteger completed = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    try (AtriumProcess node = start("crash-node", port)) {
      node.waitForReady(port, READY_TIMEOUT);
      room = createRoom(port);

      CountDownLatch enough = new CountDownLatch(KILL_AFTER);
      ExecutorService pool = Executors.newFixedThreadPool(UPLOADS);
      try {
        CountDownLatch go = new CountDownLatch(1);
        for (int i = 0; i < UPLOADS; i++) {
          int upload = i;
          pool.execute(() -> {
            try {
              go.await();
              HttpResponse<String> response = http.send(
                  HttpRequest.newBuilder(uri(port, "/api/rooms/" + room + "/frames"))
                      .timeout(UPLOAD_TIMEOUT)
                      .header("Content-Type", "application/msgpack")
                      .POST(HttpRequest.BodyPublishers.ofByteArray(bodies.get(upload))).build(),
                  HttpResponse.BodyHandlers.ofString());
              if (response.statusCode() == 201) {
                acknowledged.put(upload, new JsonObject(response.body()).getJsonArray("frames").getJsonObject(0)
                    .getString("hash"));
                completed.incrementAndGet();
                enough.countDown();
              } else {
                LOG.warn("upload {} answered {}: {}", upload, response.statusCode(), response.body());
                failed.incrementAndGet();
              }
            } catch (IOException e) {
              failed.incrementAndGet();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
        }
        go.countDown();
        assertThat(enough.await(UPLOAD_TIMEOUT.toSeconds(), TimeUnit.SECONDS))
            .as("%d uploads acknowledged before the kill; last output:%n%s", completed.get(), node.tail(TAIL))
            .isTrue();
        completedBeforeKill = completed.get();
        failedBeforeKill = failed.get();
        node.sigkill();
        assertThat(node.waitForExit(Duration.ofSeconds(30))).isTrue();
        assertThat(node.exitCode()).isEqualTo(137);
      } finally {
        pool.shutdown();
        assertThat(pool.awaitTermination(UPLOAD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
      }
    }
    // uploads whose 201 arrived at all were committed before the kill (the node sent it)
    int acknowledgedTotal = acknowledged.size();
    assertThat(completedBeforeKill).as("uploads still in flight at the kill").isLessThan(UPLOADS);
    assertThat(failedBeforeKill).as("no upload refused before the kill").isZero();
    List<Path> leftBehind = tempFiles();
    Path planted = Files.createDirectories(dataDir.resolve("blobs").resolve("aa").resolve("bb")).resolve(".x.tmp");
    Files.writeString(planted, "an interrupted write");
    Path plantedUpload = Files.createDirectories(dataDir.resolve("tmp").resolve("uploads")).resolve("leftover.part");
    Files.writeString(plantedUpload, "an interrupted upload");

    try (AtriumProcess node = start("crash-node-restarted", port)) {
      node.waitForReady(port, READY_TIMEOUT);
      assertThat(node.waitForLine(Pattern.compile("blob storage swept"), Duration.ofSeconds(10)))
          .as("sweep log line; output:%n%s", node.tail(TAIL)).isPresent();
      assertThat(planted).doesNotExist();
      assertThat(tempFiles()).as("temporary blob files after the sweep").isEmpty();
      Path uploads = dataDir.resolve("tmp").resolve("uploads");
      if (Files.exists(uploads)) {
        try (Stream<Path> entries = Files.list(uploads)) {
          assertThat(entries.toList()).as("leftover uploads").isEmpty();
        }
      }

      JsonArray listed = metadata(port, room);
      int visible = listed.size();
      List<String> hashes = new ArrayList<>();
      for (int from = 0; from < visible; from += PAGE) {
        int to = Math.min(visible, from + PAGE);
        HttpResponse<byte[]> page = http.send(HttpRequest.newBuilder(uri(port, "/api/rooms/" + room + "/frames?frames="
                + from + ":" + to)).timeout(READ_TIMEOUT).header("Accept", "application/msgpack").GET().build(),
            HttpResponse.BodyHandlers.ofByteArray());
        assertThat(page.statusCode()).as("frames %d:%d: %s", from, to, new String(page.body(), StandardCharsets.UTF_8))
            .isEqualTo(200);
        List<String> reported = reportedHashes(page.body());
        FrameJson.Decoded decoded = FrameMsgpack.decode(page.body());
        assertThat(decoded.frames()).hasSize(to - from);
        assertThat(reported).hasSize(to - from);
        for (int k = 0; k < decoded.frames().size(); k++) {
          assertThat(decoded.frames().get(k).hash()).as("recomputed hash of frame %d", from + k)
              .isEqualTo(reported.get(k))
              .isEqualTo(listed.getJsonObject(from + k).getString("hash"));
          hashes.add(reported.get(k));
        }
      }
      assertThat(expectedHashes).containsAll(hashes);
      assertThat(hashes).doesNotHaveDuplicates();
      assertThat(hashes).containsAll(acknowledged.values());
      assertThat(visible).isBetween(completedBeforeKill, UPLOADS).isGreaterThanOrEqualTo(acknowledgedTotal);

      String summary = String.format("frame crash test: %d uploads (%.1f MB) in flight, %d acknowledged before the kill"
              + " (%d in all), %d failed at the kill, %d temporary blob files left by the kill, %d frames visible after"
              + " the restart, all matching their hashes", UPLOADS, bytes / 1e6, completedBeforeKill,
          acknowledgedTotal, failed.get(), leftBehind.size(), visible);
      LOG.info(summary);
      System.out.println(summary);
    }
  }

  /** Upload {@code i}: float32 positions and str species of 50k–200k atoms, reproducible from {@code i}. */
  private static Frame frame(int i) {
    Random random = new Random(1_000 + i);
    int atoms = MIN_ATOMS + random.nextInt(MAX_ATOMS - MIN_ATOMS + 1);
    ByteBuffer positions = ByteBuffer.allocate(atoms * 3 * 4).order(DType.ORDER);
    for (int k = 0; k < atoms * 3; k++) {
      positions.putFloat(random.nextFloat() * 100f);
    }
    // str layout: uint32 little-endian byte length, then the UTF-8 bytes, per element
    ByteBuffer species = ByteBuffer.allocate(atoms * 6).order(DType.ORDER);
    for (int a = 0; a < atoms; a++) {
      byte[] name = SPECIES[random.nextInt(SPECIES.length)].getBytes(StandardCharsets.UTF_8);
      species.putInt(name.length).put(name);
    }
    byte[] speciesBytes = java.util.Arrays.copyOf(species.array(), species.position());
    TreeMap<String, Field> fields = new TreeMap<>();
    fields.put("positions", Field.of(DType.FLOAT32, new int[] {atoms, 3}, positions.array(), "positions"));
    fields.put("species", Field.of(DType.STR, new int[] {atoms}, speciesBytes, "species"));
    return Frame.of(fields, "upload " + i);
  }

  /** The {@code hash} of each frame of a msgpack read response, in order. */
  private static List<String> reportedHashes(byte[] body) throws IOException {
    List<String> out = new ArrayList<>();
    try (MessageUnpacker unpacker = MessagePack.newDefaultUnpacker(body)) {
      Value document = unpacker.unpackValue();
      for (Value frame : document.asMapValue().map().get(string("frames")).asArrayValue()) {
        out.add(frame.asMapValue().map().get(string("hash")).asStringValue().asString());
      }
    }
    return out;
  }

  private static Value string(String text) {
    return org.msgpack.value.ValueFactory.newString(text);
  }

  private List<Path> tempFiles() throws IOException {
    Path blobs = dataDir.resolve("blobs");
    if (!Files.isDirectory(blobs)) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(blobs)) {
      return files.filter(file -> file.getFileName().toString().endsWith(".tmp")).toList();
    }
  }

  private String createRoom(int port) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri(port, "/api/rooms"))
        .timeout(READ_TIMEOUT)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("title", "crash").put("visibility", "private")
            .encode())).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return new JsonObject(response.body()).getString("id");
  }

  /** Index, id, version and hash of every frame of the room (fewer than 1,000 here). */
  private JsonArray metadata(int port, String room) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri(port, "/api/rooms/" + room
            + "/frames?frames=0:&fields=")).timeout(READ_TIMEOUT).header("Accept", "application/json").GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonArray frames = new JsonObject(response.body()).getJsonArray("frames");
    for (int i = 0; i < frames.size(); i++) {
      assertThat(frames.getJsonObject(i).getInteger("index")).isEqualTo(i);
    }
    return frames;
  }

  private static URI uri(int port, String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }
}
