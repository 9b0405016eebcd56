package dev.atrium.frames;

import static dev.atrium.frames.FrameApiTest.blobFiles;
import static dev.atrium.frames.FrameApiTest.frames;
import static dev.atrium.frames.FrameApiTest.le;
import static dev.atrium.frames.FrameApiTest.msgpackBatch;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.frames.FrameApiTest.Api;
import dev.atrium.frames.FrameApiTest.Meta;
import dev.atrium.frames.FrameApiTest.Reply;
import dev.atrium.web.InProcessNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Blobs are content-addressed: an array shared by many frames, or by two rooms, is stored once. */
@DisplayName("Blob deduplication")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DeduplicationTest {

  private static final int FRAMES = 1000;
  private static final int BATCH = 100;
  private static final int ATOMS = 100;

  @TempDir
  static Path dir;
  private static InProcessNode node;

  @BeforeAll
  static void startNode() throws Exception {
    node = InProcessNode.start(dir, Map.of("ATRIUM_LIMIT_WRITES", "100000/1m"));
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  @DisplayName("1,000 frames sharing one species array store 1,000 position blobs and the species blob once; a second room with the same frames adds no file")
  void sharedArrayStoredOnce() throws Exception {
    Api api = new Api(node.port());
    Path data = dir.resolve("data");
    List<String> names = new ArrayList<>(Collections.nCopies(ATOMS / 2, "H"));
    names.addAll(Collections.nCopies(ATOMS / 2, "O"));
    Field species = Field.ofStrings(names, new int[] {ATOMS}, "test");
    List<Frame> content = new ArrayList<>();
    for (int i = 0; i < FRAMES; i++) {
      float[] positions = new float[ATOMS * 3];
      for (int j = 0; j < positions.length; j++) {
        positions[j] = i * 10_000f + j;
      }
      content.add(Frame.of(Map.of("positions", Field.of(DType.FLOAT32, new int[] {ATOMS, 3}, le(positions), "test"),
          "species", species), "test"));
    }
    assertThat(blobFiles(data)).isEmpty();

    String room = api.createRoom();
    List<Meta> stored = appendAll(api, room, content);

    List<Path> files = blobFiles(data);
    Set<String> names1 = new HashSet<>();
    files.forEach(file -> names1.add(file.getFileName().toString()));
    Set<String> positionShas = new HashSet<>();
    content.forEach(frame -> positionShas.add(frame.fields().get("positions").sha256()));
    assertThat(positionShas).hasSize(FRAMES);
    assertThat(files).as("1,000 position blobs + 1 species blob").hasSize(FRAMES + 1);
    assertThat(files.stream().filter(file -> file.getFileName().toString().equals(species.sha256())))
        .as("the species blob is stored once").hasSize(1);
    Set<String> expected = new HashSet<>(positionShas);
    expected.add(species.sha256());
    assertThat(names1).isEqualTo(expected);
    Path speciesFile = files.stream().filter(file -> file.getFileName().toString().equals(species.sha256()))
        .findFirst().orElseThrow();
    assertThat(speciesFile).isEqualTo(data.resolve("blobs").resolve(species.sha256().substring(0, 2))
        .resolve(species.sha256().substring(2, 4)).resolve(species.sha256()));
    assertThat(stored).hasSize(FRAMES);
    for (int i = 0; i < FRAMES; i++) {
      assertThat(stored.get(i).hash()).isEqualTo(content.get(i).hash());
    }

    Reply sample = api.get(frames(room) + "?frames=0,499,999", "Accept", Api.MSGPACK);
    assertThat(sample.contents()).containsExactly(content.get(0).fields(), content.get(499).fields(),
        content.get(999).fields());

    String second = api.createRoom();
    List<Meta> again = appendAll(api, second, content);
    assertThat(again.stream().map(Meta::hash).toList()).isEqualTo(stored.stream().map(Meta::hash).toList());
    assertThat(blobFiles(data)).as("a second room with the same frames adds no blob").hasSize(FRAMES + 1);
    Reply metadata = api.get(frames(second) + "?frames=0:1000&fields=");
    assertThat(metadata.meta()).isEqualTo(again);
  }

  private static List<Meta> appendAll(Api api, String room, List<Frame> content) {
    List<Meta> stored = new ArrayList<>();
    for (int from = 0; from < content.size(); from += BATCH) {
      Reply reply = api.send("POST", frames(room), msgpackBatch(content.subList(from, from + BATCH)), Api.MSGPACK);
      assertThat(reply.status()).as(reply.toString()).isEqualTo(201);
      stored.addAll(reply.meta());
    }
    return stored;
  }
}
