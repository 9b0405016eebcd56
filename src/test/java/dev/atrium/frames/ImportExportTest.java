package dev.atrium.frames;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.frames.io.ExtXyzReader;
import dev.atrium.web.InProcessNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.IntUnaryOperator;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole trajectories through a real node over HTTP: a generated 1,000-frame extended-XYZ file is
 * imported, exported as extended XYZ (value for value the same frames, and byte-identical after a
 * second import → export), exported as npz (one {@code .npy} entry per frame and field, each the
 * field's own {@code .npy} bytes); a malformed file is refused naming its line and changes nothing;
 * {@code ?at=N} inserts at N.
 */
@DisplayName("Trajectory import and export over HTTP")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ImportExportTest {

  private static final int FRAMES = 1_000;
  private static final String EXTXYZ = "chemical/x-extxyz";
  private static final Duration EXCHANGE = Duration.ofSeconds(120);
  private static final String[] SPECIES = {"H", "He", "C", "N", "O", "Fe", "Cu", "Na", "Cl", "Au", "Si"};

  private InProcessNode node;
  /** The generated 1,000-frame file and the room it was imported into (in {@link #importTrajectory(Path)}). */
  private String original;
  private String room;
  private JsonObject imported;

  @BeforeAll
  void importTrajectory(@TempDir Path dir) throws Exception {
    node = InProcessNode.start(dir, Map.of());
    original = trajectory(20261124L, FRAMES, random -> 1 + random);
    room = createRoom("round trip");
    HttpResponse<String> response = importText(room, original, null);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    imported = new JsonObject(response.body());
  }

  @AfterAll
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  @DisplayName("import → extxyz export of 1,000 frames is value-for-value identical,"
      + " and export → import → export is byte-identical")
  void extxyzRoundTrip() throws Exception {
    List<Frame> expected = read(original);
    assertThat(expected).hasSize(FRAMES);
    assertThat(imported.getInteger("imported")).isEqualTo(FRAMES);
    JsonArray listed = imported.getJsonArray("frames");
    assertThat(listed).hasSize(FRAMES);
    for (int i = 0; i < FRAMES; i++) {
      JsonObject entry = listed.getJsonObject(i);
      assertThat(entry.getInteger("index")).isEqualTo(i);
      assertThat(entry.getLong("version")).isEqualTo(1L);
      assertThat(entry.getString("hash")).as("hash of frame %d", i).isEqualTo(expected.get(i).hash());
    }

    String exported = exportText(room);
    List<Frame> actual = read(exported);
    assertThat(actual).hasSize(FRAMES);
    for (int i = 0; i < FRAMES; i++) {
      assertThat(actual.get(i).fields()).as("frame %d", i).isEqualTo(expected.get(i).fields());
      assertThat(actual.get(i).fields().keySet()).as("frame %d field names", i)
          .containsExactlyInAnyOrder("species", "positions", "forces", "energy", "box", "pbc", "config_type", "step");
    }

    String second = createRoom("second trip");
    HttpResponse<String> reimport = importText(second, exported, null);
    assertThat(reimport.statusCode()).as(reimport.body()).isEqualTo(201);
    assertThat(new JsonObject(reimport.body()).getInteger("imported")).isEqualTo(FRAMES);
    String exportedAgain = exportText(second);
    assertThat(exportedAgain.length()).isEqualTo(exported.length());
    assertThat(exportedAgain).isEqualTo(exported);
  }

  @Test
  @DisplayName("npz export has one entry per frame and field, each the field's own .npy bytes")
  void npzExport() throws Exception {
    List<Frame> expected = read(original);
    HttpResponse<byte[]> response = node.client().send(node.request("/api/rooms/" + room + "/export?format=npz")
        .timeout(EXCHANGE).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/x-npz");

    Map<String, byte[]> entries = new LinkedHashMap<>();
    try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(response.body()))) {
      ZipEntry entry;
      while ((entry = zip.getNextEntry()) != null) {
        assertThat(entries.put(entry.getName(), zip.readAllBytes())).as("duplicate entry %s", entry.getName()).isNull();
      }
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < expected.size(); i++) {
      for (String field : expected.get(i).fields().keySet()) {
        names.add(String.format(Locale.ROOT, "frame_%06d/%s.npy", i, field));
      }
    }
    assertThat(entries.keySet()).containsExactlyInAnyOrderElementsOf(names);

    Field positions = expected.get(0).fields().get("positions");
    assertThat(entries.get("frame_000000/positions.npy")).isEqualTo(Npy.encode(positions).getBytes());
    int numeric = 0;
    for (int i = 0; i < expected.size(); i++) {
      for (Map.Entry<String, Field> field : expected.get(i).fields().entrySet()) {
        byte[] npy = entries.get(String.format(Locale.ROOT, "frame_%06d/%s.npy", i, field.getKey()));
        if (field.getValue().dtype().numeric()) {
          assertThat(npy).as("frame %d %s", i, field.getKey()).isEqualTo(Npy.encode(field.getValue()).getBytes());
          numeric++;
        } else {
          // fixed-width unicode: the header names <U<n>, the data is n UTF-32 code units per element
          assertThat(new String(npy, 0, Math.min(npy.length, 128), StandardCharsets.ISO_8859_1))
              .contains("'descr': '<U");
        }
      }
    }
    assertThat(numeric).isEqualTo(FRAMES * 6);
  }

  @Test
  @DisplayName("a file malformed at line 1234 is refused with 422 naming the line, and the room keeps its frames")
  void malformedNamesTheLine() throws Exception {
    // 10 atoms per frame: 12 lines each, so line 1234 is frame 102's 8th atom line
    String good = trajectory(99L, 200, random -> 10);
    String[] lines = good.split("\n", -1);
    String target = lines[1233];
    assertThat(target.trim().split("\\s+")).as("line 1234 is an atom line: %s", target).hasSize(7);
    lines[1233] = target.substring(0, target.lastIndexOf(' '));
    String bad = String.join("\n", lines);
    assertThat(read(good)).hasSize(200);

    HttpResponse<String> refused = importText(room, bad, null);
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(422);
    JsonObject error = new JsonObject(refused.body());
    assertThat(error.getString("message")).contains("line 1234").contains("expected 7 columns");
    assertThat(frameIds(room)).hasSize(FRAMES)
        .containsExactlyElementsOf(imported.getJsonArray("frames").stream()
            .map(entry -> ((JsonObject) entry).getString("id")).toList());

    String fresh = createRoom("malformed into an empty room");
    HttpResponse<String> refusedFresh = importText(fresh, bad, null);
    assertThat(refusedFresh.statusCode()).as(refusedFresh.body()).isEqualTo(422);
    assertThat(new JsonObject(refusedFresh.body()).getString("message")).contains("line 1234");
    assertThat(frameIds(fresh)).isEmpty();
  }

  @Test
  @DisplayName("?at=N inserts the imported frames at N, shifting the later ones")
  void importAtIndex() throws Exception {
    String target = createRoom("insert at");
    assertThat(importText(target, trajectory(5L, 10, random -> 3), null).statusCode()).isEqualTo(201);
    List<String> before = frameIds(target);
    assertThat(before).hasSize(10);

    String inserted = trajectory(6L, 3, random -> 2);
    HttpResponse<String> response = importText(target, inserted, 5);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    JsonObject body = new JsonObject(response.body());
    assertThat(body.getInteger("imported")).isEqualTo(3);
    List<Frame> insertedFrames = read(inserted);
    JsonArray listed = body.getJsonArray("frames");
    for (int i = 0; i < 3; i++) {
      assertThat(listed.getJsonObject(i).getInteger("index")).isEqualTo(5 + i);
      assertThat(listed.getJsonObject(i).getString("hash")).isEqualTo(insertedFrames.get(i).hash());
    }

    List<String> after = frameIds(target);
    List<String> expected = new ArrayList<>(before.subList(0, 5));
    for (int i = 0; i < 3; i++) {
      expected.add(listed.getJsonObject(i).getString("id"));
    }
    expected.addAll(before.subList(5, 10));
    assertThat(after).containsExactlyElementsOf(expected);
    JsonArray hashes = list(target).getJsonArray("frames");
    for (int i = 0; i < 3; i++) {
      assertThat(hashes.getJsonObject(5 + i).getString("hash")).isEqualTo(insertedFrames.get(i).hash());
    }

    HttpResponse<String> pastEnd = importText(target, inserted, 14);
    assertThat(pastEnd.statusCode()).as(pastEnd.body()).isEqualTo(404);
    assertThat(frameIds(target)).containsExactlyElementsOf(expected);
  }

  @Test
  @DisplayName("an import into a room that does not exist is refused with 404 without reading the whole file")
  void unknownRoom() throws Exception {
    HttpResponse<String> refused = importText("no-such-room", original, null);
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(404);
    // the connection is still usable, or was closed cleanly: the next request is answered
    assertThat(list(room).getJsonArray("frames")).hasSize(FRAMES);
  }

  // ---- helpers --------------------------------------------------------------------------------

  /**
   * An extended-XYZ trajectory: per frame a Lattice, a Properties line with species, positions and
   * forces, an energy, pbc, a string key and an integer key; numbers written with many digits in
   * several notations. {@code atoms} maps a random int in [0, 30) to the frame's atom count.
   */
  static String trajectory(long seed, int frames, IntUnaryOperator atoms) {
    Random random = new Random(seed);
    StringBuilder text = new StringBuilder();
    for (int f = 0; f < frames; f++) {
      int n = atoms.applyAsInt(random.nextInt(30));
      text.append(n).append('\n');
      text.append("Lattice=\"");
      for (int k = 0; k < 9; k++) {
        text.append(k == 0 ? "" : " ").append(k % 4 == 0 ? number(random, 5 + random.nextDouble() * 20) : "0.0");
      }
      text.append("\" Properties=species:S:1:pos:R:3:forces:R:3 energy=")
          .append(number(random, -1000 * random.nextDouble()))
          .append(" pbc=\"T T ").append(random.nextBoolean() ? "T" : "F").append("\" config_type=")
          .append(random.nextBoolean() ? "bulk_" + random.nextInt(5) : "\"surface slab " + random.nextInt(5) + "\"")
          .append(" step=").append(f).append('\n');
      for (int a = 0; a < n; a++) {
        text.append(SPECIES[random.nextInt(SPECIES.length)]);
        for (int k = 0; k < 3; k++) {
          text.append(' ').append(number(random, random.nextDouble() * 30 - 5));
        }
        for (int k = 0; k < 3; k++) {
          text.append(' ').append(number(random, (random.nextDouble() - 0.5) * Math.pow(10, random.nextInt(6) - 3)));
        }
        text.append('\n');
      }
    }
    return text.toString();
  }

  /** A double in one of the notations files use, always with many significant digits. */
  private static String number(Random random, double value) {
    return switch (random.nextInt(4)) {
      case 0 -> Double.toString(value);
      case 1 -> String.format(Locale.ROOT, "%.15f", value);
      case 2 -> String.format(Locale.ROOT, "%.14e", value);
      default -> String.format(Locale.ROOT, "%.17g", value);
    };
  }

  private static List<Frame> read(String text) throws IOException {
    List<Frame> frames = new ArrayList<>();
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    try (ExtXyzReader reader = new ExtXyzReader(new ByteArrayInputStream(bytes), "test")) {
      Frame frame;
      while ((frame = reader.next()) != null) {
        frames.add(frame);
      }
    }
    return frames;
  }

  private String createRoom(String title) throws Exception {
    HttpResponse<String> response = node.send(node.request("/api/rooms")
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("title", title).put("visibility", "private")
            .encode())).build());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return new JsonObject(response.body()).getString("id");
  }

  private HttpResponse<String> importText(String target, String text, Integer at) throws Exception {
    return node.send(node.request("/api/rooms/" + target + "/import" + (at == null ? "" : "?at=" + at))
        .timeout(EXCHANGE)
        .header("Content-Type", EXTXYZ)
        .POST(HttpRequest.BodyPublishers.ofByteArray(text.getBytes(StandardCharsets.UTF_8))).build());
  }

  private String exportText(String target) throws Exception {
    HttpResponse<byte[]> response = node.client().send(node.request("/api/rooms/" + target + "/export?format=extxyz")
        .timeout(EXCHANGE).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith(EXTXYZ);
    return new String(response.body(), StandardCharsets.UTF_8);
  }

  /** Metadata of every frame of a room (at most 1,000). */
  private JsonObject list(String target) throws Exception {
    HttpResponse<String> response = node.send(node.request("/api/rooms/" + target + "/frames?frames=0:&fields=")
        .header("Accept", "application/json").GET().build());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return new JsonObject(response.body());
  }

  private List<String> frameIds(String target) throws Exception {
    JsonArray frames = list(target).getJsonArray("frames");
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < frames.size(); i++) {
      assertThat(frames.getJsonObject(i).getInteger("index")).isEqualTo(i);
      ids.add(frames.getJsonObject(i).getString("id"));
    }
    return ids;
  }
}
