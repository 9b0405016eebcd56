package dev.atrium.frames;

import static dev.atrium.frames.FrameApiTest.blobFiles;
import static dev.atrium.frames.FrameApiTest.frame;
import static dev.atrium.frames.FrameApiTest.frames;
import static dev.atrium.frames.FrameApiTest.sample;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.frames.FrameApiTest.Api;
import dev.atrium.frames.FrameApiTest.Meta;
import dev.atrium.frames.FrameApiTest.Reply;
import dev.atrium.web.InProcessNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** POST /api/admin/blobs/collect deletes exactly the blobs nothing refers to any more, and only old ones. */
@DisplayName("Blob garbage collection")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BlobCollectionTest {

  @Test
  @DisplayName("with no grace period, blobs of deleted frames and rooms and of a refused insert are deleted; blobs of current frames and kept versions stay and still verify")
  void collectsUnreferencedBlobs(@TempDir Path dir) throws Exception {
    try (InProcessNode node = InProcessNode.start(dir, Map.of("ATRIUM_GC_GRACE", "0s", "ATRIUM_GC_INTERVAL", "0s"))) {
      Api api = new Api(node.port());
      Path data = dir.resolve("data");
      String kept = api.createRoom();
      api.append(kept, sample(0), sample(1), sample(2), sample(3), sample(4));
      assertThat(api.put(kept, 0, 1, sample(50)).status()).isEqualTo(200);
      assertThat(api.send("DELETE", frame(kept, 1), null, null).status()).isEqualTo(200);
      String dropped = api.createRoom();
      api.append(dropped, sample(100), sample(101), sample(102));
      assertThat(api.send("DELETE", "/api/rooms/" + dropped, null, null).status()).isEqualTo(204);
      Reply pastTheEnd = api.send("POST", frames(kept) + "?at=9", FrameApiTest.jsonSingle(sample(103)), Api.JSON);
      assertThat(pastTheEnd.status()).as("a refused insert: " + pastTheEnd).isEqualTo(404);

      Set<String> before = shas(blobFiles(data));
      Set<String> garbage = Set.of(positions(1), positions(100), positions(101), positions(102), positions(103));
      Set<String> referenced = new HashSet<>();
      for (int seed : new int[] {0, 50, 2, 3, 4}) {
        referenced.addAll(shasOf(sample(seed)));
      }
      assertThat(referenced).as("frames 1 and 3 share a species array").hasSize(7);
      Set<String> all = new HashSet<>(referenced);
      all.addAll(garbage);
      assertThat(before).isEqualTo(all);

      Reply collect = api.send("POST", "/api/admin/blobs/collect", null, null);

      assertThat(collect.status()).as(collect.toString()).isEqualTo(200);
      assertThat(collect.json().getInteger("deleted")).isEqualTo(garbage.size());
      assertThat(shas(blobFiles(data))).as("exactly the referenced blobs remain").isEqualTo(referenced);
      assertThat(quarantined(data)).as("nothing left aside").isEmpty();

      Reply read = api.get(frames(kept) + "?frames=0:4");
      List<Meta> listed = read.meta();
      List<Frame> decoded = read.frames();
      assertThat(decoded).hasSize(4);
      for (int i = 0; i < 4; i++) {
        assertThat(decoded.get(i).hash()).as("frame " + i + " verifies").isEqualTo(listed.get(i).hash());
      }
      assertThat(read.contents()).containsExactly(sample(50).fields(), sample(2).fields(), sample(3).fields(),
          sample(4).fields());
      Reply first = api.get(frame(kept, 0) + "?version=1", "Accept", Api.MSGPACK);
      assertThat(first.status()).as("the kept version 1 is still readable: " + first).isEqualTo(200);
      assertThat(first.frames().get(0).hash()).isEqualTo(sample(0).hash()).isEqualTo(first.meta().get(0).hash());

      Reply again = api.send("POST", "/api/admin/blobs/collect", null, null);
      assertThat(again.json().getInteger("deleted")).isZero();
      assertThat(shas(blobFiles(data))).isEqualTo(referenced);
    }
  }

  @Test
  @DisplayName("with the default grace period (10 minutes) a young unreferenced blob is not collected")
  void graceKeepsYoungBlobs(@TempDir Path dir) throws Exception {
    try (InProcessNode node = InProcessNode.start(dir, Map.of())) {
      assertThat(node.server().settings().frames().gcGrace()).hasMinutes(10);
      Api api = new Api(node.port());
      Path data = dir.resolve("data");
      String room = api.createRoom();
      api.append(room, sample(7), sample(8));
      assertThat(api.send("DELETE", frames(room) + "?frames=0:2", null, null).status()).isEqualTo(200);
      Set<String> before = shas(blobFiles(data));
      assertThat(before).hasSize(4);

      Reply collect = api.send("POST", "/api/admin/blobs/collect", null, null);

      assertThat(collect.status()).as(collect.toString()).isEqualTo(200);
      assertThat(collect.json().getInteger("deleted")).isZero();
      assertThat(shas(blobFiles(data))).isEqualTo(before);
    }
  }

  private static String positions(int seed) {
    return sample(seed).fields().get("positions").sha256();
  }

  private static Set<String> shasOf(Frame frame) {
    Set<String> out = new HashSet<>();
    frame.fields().values().forEach(field -> out.add(field.sha256()));
    return out;
  }

  private static Set<String> shas(List<Path> files) {
    Set<String> out = new HashSet<>();
    files.forEach(file -> out.add(file.getFileName().toString()));
    assertThat(out).as("one file per blob").hasSize(files.size());
    return out;
  }

  private static List<Path> quarantined(Path data) throws IOException {
    Path aside = data.resolve("blobs-quarantine");
    if (!Files.exists(aside)) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(aside)) {
      return files.filter(Files::isRegularFile).toList();
    }
  }
}
