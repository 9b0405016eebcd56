package dev.atrium.frames;

import static dev.atrium.frames.FrameApiTest.frame;
import static dev.atrium.frames.FrameApiTest.frames;
import static dev.atrium.frames.FrameApiTest.jsonSingle;
import static dev.atrium.frames.FrameApiTest.redis;
import static dev.atrium.frames.FrameApiTest.sample;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.frames.FrameApiTest.Api;
import dev.atrium.frames.FrameApiTest.Meta;
import dev.atrium.frames.FrameApiTest.Reply;
import dev.atrium.testing.NodeFixture;
import dev.atrium.testing.NodeFixture.Session;
import dev.atrium.testing.TestRedis;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Edit locks held in real Redis keep other users' writes out with 423 and let the holder write.
 * The node runs in local mode with {@code REDIS_URL} (coordination in Redis, blobs on disk): a
 * development node would need a real GCS bucket for the blobs a write stores.
 */
@DisplayName("Frame and room edit locks")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FrameLockTest {

  private static NodeFixture node;
  private static Session owner;
  private static Session editor;
  private static Api a;
  private static Api b;

  @BeforeAll
  static void startNode() throws Exception {
    NodeFixture.flushRedis();
    node = NodeFixture.local().env("REDIS_URL", TestRedis.shared().url()).start();
    owner = node.registerNew("owner");
    editor = node.registerNew("editor");
    a = new Api(node.port(), owner.token());
    b = a.as(editor.token());
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  @DisplayName("a frame lock held by A (in Redis) refuses B's PUT, PATCH, undo and delete with 423 and lets A write; released, B writes")
  void frameLock() {
    String room = sharedRoom();
    List<Meta> before = a.append(room, sample(0), sample(1));
    String key = "lock:" + room + ":" + before.get(0).id();
    assertThat(redis("SET", key, owner.userId())).isEqualTo("+OK");

    Reply put = b.put(room, 0, 1, sample(10));
    assertLocked(put, "frame " + before.get(0).id());
    assertLocked(b.send("PATCH", frame(room, 0), jsonSingle(sample(10)), Api.JSON, "If-Match", "\"1\""), "frame");
    assertLocked(b.send("DELETE", frame(room, 0), null, null, "If-Match", "\"1\""), "frame");
    assertLocked(b.send("DELETE", frame(room, 0), null, null), "frame");
    assertLocked(b.send("DELETE", frames(room) + "?frames=0:2", null, null), "frame");
    assertThat(a.metadata(room)).as("nothing changed").isEqualTo(before);

    Reply other = b.put(room, 1, 1, sample(11));
    assertThat(other.status()).as("another frame is not locked: " + other).isEqualTo(200);
    Reply holder = a.put(room, 0, 1, sample(12));
    assertThat(holder.status()).as("the holder writes: " + holder).isEqualTo(200);
    assertThat(holder.meta().get(0).version()).isEqualTo(2);
    assertLocked(b.send("POST", frame(room, 0) + "/undo", null, null, "If-Match", "\"2\""), "frame");

    assertThat(redis("SET", key, owner.userId() + "/socket-1")).isEqualTo("+OK");
    assertLocked(b.put(room, 0, 2, sample(13)), "frame");
    Reply holderBySocket = a.put(room, 0, 2, sample(14));
    assertThat(holderBySocket.status()).as("<user id>/socket-1 is held by that user: " + holderBySocket)
        .isEqualTo(200);
    assertThat(redis("SET", key, editor.userId() + "x/socket-1")).isEqualTo("+OK");
    assertLocked(b.put(room, 0, 3, sample(15)), "frame");

    assertThat(redis("DEL", key)).isEqualTo(":1");
    Reply released = b.put(room, 0, 3, sample(16));
    assertThat(released.status()).as("released: " + released).isEqualTo(200);
    assertThat(released.meta().get(0).version()).isEqualTo(4);
    assertThat(a.frame(room, 0).contents()).containsExactly(sample(16).fields());
  }

  @Test
  @DisplayName("a room lock held by A refuses B's append, insert, PUT, move and delete with 423; A still appends")
  void roomLock() {
    String room = sharedRoom();
    List<Meta> before = a.append(room, sample(0), sample(1));
    String key = "lock:" + room + ":*";
    assertThat(redis("SET", key, owner.userId() + "/socket-1")).isEqualTo("+OK");

    assertLocked(b.send("POST", frames(room), jsonSingle(sample(2)), Api.JSON), "room " + room);
    assertLocked(b.send("POST", frames(room) + "?at=0", jsonSingle(sample(2)), Api.JSON), "room");
    assertLocked(b.put(room, 1, 1, sample(3)), "room");
    assertLocked(b.send("POST", frame(room, 0) + "/move?to=1", null, null), "room");
    assertLocked(b.send("DELETE", frames(room) + "?frames=0:1", null, null), "room");
    Reply importing = b.send("POST", "/api/rooms/" + room + "/import",
        "1\n\nH 0 0 0\n".getBytes(StandardCharsets.UTF_8), "chemical/x-extxyz");
    assertLocked(importing, "room");
    assertThat(a.metadata(room)).isEqualTo(before);

    Reply holder = a.send("POST", frames(room), jsonSingle(sample(4)), Api.JSON);
    assertThat(holder.status()).as(holder.toString()).isEqualTo(201);

    assertThat(redis("DEL", key)).isEqualTo(":1");
    Reply released = b.send("POST", frames(room), jsonSingle(sample(5)), Api.JSON);
    assertThat(released.status()).as(released.toString()).isEqualTo(201);
    assertThat(a.metadata(room)).hasSize(4);
  }

  /** A private room of A with B as editor. */
  private static String sharedRoom() {
    String room = a.createRoom();
    Reply member = a.send("POST", "/api/rooms/" + room + "/members",
        new JsonObject().put("email", editor.email()).put("role", "editor").toBuffer().getBytes(), Api.JSON);
    assertThat(member.status()).as(member.toString()).isEqualTo(201);
    return room;
  }

  private static void assertLocked(Reply reply, String what) {
    assertThat(reply.status()).as(reply.toString()).isEqualTo(423);
    assertThat(reply.header("Content-Type")).startsWith("application/json");
    assertThat(reply.message()).contains(what).contains("locked by another user");
  }
}
