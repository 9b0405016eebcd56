package dev.atrium.frames;

import static dev.atrium.frames.FrameApiTest.blobFiles;
import static dev.atrium.frames.FrameApiTest.frames;
import static dev.atrium.frames.FrameApiTest.sample;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.frames.FrameApiTest.Api;
import dev.atrium.frames.FrameApiTest.Meta;
import dev.atrium.frames.FrameApiTest.Reply;
import dev.atrium.testing.NodeFixture;
import dev.atrium.testing.NodeFixture.Session;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A room created {@code from} another shares its frames without copying a byte, and the first edit
 * through either room gives that room its own copy of the frame while the other keeps what it had.
 */
@DisplayName("Rooms created from another room (copy-on-write)")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CopyOnWriteTest {

  private static NodeFixture node;
  private static Session owner;
  private static Session viewer;
  private static Api a;
  private static Api b;

  @BeforeAll
  static void startNode() throws Exception {
    node = NodeFixture.local().start();
    owner = node.registerNew("owner");
    viewer = node.registerNew("viewer");
    a = new Api(node.port(), owner.token());
    b = a.as(viewer.token());
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  @DisplayName("S from R shares R's frames (same ids and hashes, no new blob); edits in either room stay in that room; deleting R leaves S whole")
  void copyOnWrite() throws Exception {
    Path data = node.dir().resolve("data");
    String r = a.createRoom();
    List<Meta> base = a.append(r, sample(0), sample(1), sample(2));
    Reply viewerAdded = a.send("POST", "/api/rooms/" + r + "/members",
        new JsonObject().put("email", viewer.email()).put("role", "viewer").toBuffer().getBytes(), Api.JSON);
    assertThat(viewerAdded.status()).as(viewerAdded.toString()).isEqualTo(201);
    int blobsBefore = blobFiles(data).size();
    assertThat(blobsBefore).isPositive();

    String s = a.createRoom(new JsonObject().put("title", "S " + UUID.randomUUID()).put("from", r));

    assertThat(a.metadata(s)).as("S lists R's frames").isEqualTo(base);
    assertThat(a.get(frames(s) + "?frames=0:3").contents())
        .containsExactly(sample(0).fields(), sample(1).fields(), sample(2).fields());
    assertThat(blobFiles(data)).as("sharing writes no blob").hasSize(blobsBefore);

    Reply editS = a.put(s, 1, 1, sample(11));
    assertThat(editS.status()).as(editS.toString()).isEqualTo(200);
    Meta sFrame1 = editS.meta().get(0);
    assertThat(sFrame1.index()).isEqualTo(1);
    assertThat(sFrame1.id()).as("S gets its own frame").isNotEqualTo(base.get(1).id());
    assertThat(sFrame1.version()).isEqualTo(2);
    assertThat(sFrame1.hash()).isEqualTo(sample(11).hash());
    assertThat(a.metadata(s)).containsExactly(base.get(0), sFrame1, base.get(2));
    assertThat(a.metadata(r)).as("R is untouched").isEqualTo(base);
    assertThat(a.frame(r, 1).contents()).containsExactly(sample(1).fields());
    assertThat(a.frame(s, 1).contents()).containsExactly(sample(11).fields());

    Reply keptBase = a.get("/api/rooms/" + s + "/frames/1?version=1&fields=");
    assertThat(keptBase.status()).as("the shared content stays readable as S's version 1: " + keptBase)
        .isEqualTo(200);

    Reply againS = a.put(s, 1, 2, sample(12));
    assertThat(againS.status()).as(againS.toString()).isEqualTo(200);
    assertThat(againS.meta()).as("S's copy is now S's own: edited in place")
        .containsExactly(new Meta(1, sFrame1.id(), 3, sample(12).hash()));
    sFrame1 = againS.meta().get(0);

    Reply editR = a.put(r, 2, 1, sample(22));
    assertThat(editR.status()).as(editR.toString()).isEqualTo(200);
    assertThat(editR.meta().get(0).version()).isEqualTo(2);
    assertThat(a.frame(r, 2).contents()).containsExactly(sample(22).fields());
    assertThat(a.metadata(s)).as("S keeps its frame 2").containsExactly(base.get(0), sFrame1, base.get(2));
    assertThat(a.frame(s, 2).contents()).containsExactly(sample(2).fields());

    Reply notMember = b.send("POST", "/api/rooms",
        new JsonObject().put("title", "from S").put("from", s).toBuffer().getBytes(), Api.JSON);
    assertThat(notMember.status()).as("a viewer of R who is not in S: " + notMember).isEqualTo(404);
    assertThat(notMember.message()).contains(s);
    String fromR = b.createRoom(new JsonObject().put("title", "from R").put("from", r));
    assertThat(b.metadata(fromR).stream().map(Meta::id)).as("R's viewer may copy R")
        .containsExactly(base.get(0).id(), base.get(1).id(), editR.meta().get(0).id());

    Reply deleted = a.send("DELETE", "/api/rooms/" + r, null, null);
    assertThat(deleted.status()).as(deleted.toString()).isEqualTo(204);
    assertThat(a.get(frames(r) + "?fields=").status()).isEqualTo(404);

    assertThat(a.metadata(s)).containsExactly(base.get(0), sFrame1, base.get(2));
    Reply read = a.get(frames(s) + "?frames=0:3");
    assertThat(read.contents()).containsExactly(sample(0).fields(), sample(12).fields(), sample(2).fields());
    List<Frame> decoded = read.frames();
    List<Meta> listed = read.meta();
    for (int i = 0; i < 3; i++) {
      assertThat(decoded.get(i).hash()).as("frame " + i + " hash recomputed").isEqualTo(listed.get(i).hash());
    }
    assertThat(b.get(frames(fromR) + "?frames=0:3").contents())
        .containsExactly(sample(0).fields(), sample(1).fields(), sample(22).fields());
  }
}
