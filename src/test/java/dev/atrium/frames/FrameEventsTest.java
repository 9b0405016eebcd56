package dev.atrium.frames;

import static dev.atrium.frames.FrameApiTest.digestOf;
import static dev.atrium.frames.FrameApiTest.frame;
import static dev.atrium.frames.FrameApiTest.frames;
import static dev.atrium.frames.FrameApiTest.jsonBatch;
import static dev.atrium.frames.FrameApiTest.jsonSingle;
import static dev.atrium.frames.FrameApiTest.redis;
import static dev.atrium.frames.FrameApiTest.sample;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.frames.FrameApiTest.Api;
import dev.atrium.frames.FrameApiTest.Meta;
import dev.atrium.frames.FrameApiTest.Reply;
import dev.atrium.testing.TestRedis;
import dev.atrium.web.InProcessNode;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every accepted change publishes one {@code atrium.frames.changed} event with metadata only; a
 * refused write publishes nothing. The node is local with {@code REDIS_URL}, so a test can hold a
 * lock in Redis.
 */
@DisplayName("Frame change events")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FrameEventsTest {

  private static final String ADDRESS = "atrium.frames.changed";

  @TempDir
  static Path dir;
  private static InProcessNode node;
  private static Api api;
  private final BlockingQueue<JsonObject> events = new LinkedBlockingQueue<>();
  private MessageConsumer<JsonObject> consumer;

  @BeforeAll
  static void startNode() throws Exception {
    node = InProcessNode.start(dir, Map.of("REDIS_URL", TestRedis.shared().url(),
        "ATRIUM_LIMIT_WRITES", "100000/1m"));
    api = new Api(node.port());
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @BeforeEach
  void listen() throws Exception {
    consumer = node.server().vertx().eventBus().consumer(ADDRESS, message -> events.add(message.body()));
    consumer.completion().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stopListening() throws Exception {
    consumer.unregister().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("insert, put, patch, undo, move, import and delete each publish one event {room, action, frames:[{index, id, version, hash}]} without any payload")
  void oneEventPerChange() throws Exception {
    String room = api.createRoom();

    Reply insert = api.send("POST", frames(room), jsonBatch(List.of(sample(0), sample(1), sample(2))), Api.JSON);
    assertEvent(next(), room, "insert", insert.meta());
    Reply at = api.send("POST", frames(room) + "?at=1", jsonSingle(sample(3)), Api.JSON);
    assertEvent(next(), room, "insert", at.meta());
    assertThat(at.meta().get(0).index()).isEqualTo(1);

    Reply put = api.put(room, 0, 1, sample(4));
    assertEvent(next(), room, "put", put.meta());
    assertThat(put.meta().get(0).version()).isEqualTo(2);
    Reply patch = api.send("PATCH", frame(room, 0), jsonSingle(sample(5).select(List.of("positions"))), Api.JSON,
        "If-Match", "\"2\"");
    assertEvent(next(), room, "put", patch.meta());

    Reply undo = api.send("POST", frame(room, 0) + "/undo", null, null);
    assertEvent(next(), room, "undo", undo.meta());
    assertThat(undo.meta().get(0).version()).isEqualTo(4);

    Reply move = api.send("POST", frame(room, 3) + "/move?to=0", null, null);
    JsonObject moved = next();
    assertEvent(moved, room, "move", move.meta());
    assertThat(moved.getInteger("from")).isEqualTo(3);
    assertThat(moved.getInteger("to")).isEqualTo(0);

    Reply imported = api.send("POST", "/api/rooms/" + room + "/import",
        "1\n\nH 0 0 0\n2\n\nH 0 0 0\nO 1 1 1\n".getBytes(StandardCharsets.UTF_8), "chemical/x-extxyz");
    assertThat(imported.status()).as("a small import: " + imported).isEqualTo(201);
    assertThat(imported.meta()).hasSize(2);
    assertEvent(next(), room, "insert", imported.meta());

    List<Meta> before = api.metadata(room);
    Reply deleteOne = api.send("DELETE", frame(room, 1), null, null);
    assertThat(deleteOne.status()).isEqualTo(200);
    assertEvent(next(), room, "delete", List.of(before.get(1)));
    Reply deleteRange = api.send("DELETE", frames(room) + "?frames=1:3", null, null);
    assertThat(deleteRange.status()).isEqualTo(200);
    assertEvent(next(), room, "delete", List.of(new Meta(1, before.get(2).id(), before.get(2).version(),
        before.get(2).hash()), new Meta(2, before.get(3).id(), before.get(3).version(), before.get(3).hash())));
    assertThat(deleteRange.meta()).isEqualTo(List.of(new Meta(1, before.get(2).id(), before.get(2).version(),
        before.get(2).hash()), new Meta(2, before.get(3).id(), before.get(3).version(), before.get(3).hash())));

    assertThat(events.poll(300, TimeUnit.MILLISECONDS)).as("one event per change").isNull();
  }

  @Test
  @DisplayName("refused writes (409, 423, 422, 400, 404) publish nothing")
  void refusedWritesPublishNothing() throws Exception {
    String room = api.createRoom();
    Reply insert = api.send("POST", frames(room), jsonBatch(List.of(sample(0), sample(1))), Api.JSON);
    assertEvent(next(), room, "insert", insert.meta());

    assertThat(api.put(room, 0, 7, sample(2)).status()).isEqualTo(409);
    assertThat(api.send("POST", frame(room, 0) + "/undo", null, null, "If-Match", "\"5\"").status()).isEqualTo(409);
    assertThat(api.send("DELETE", frame(room, 0), null, null, "If-Match", "\"5\"").status()).isEqualTo(409);
    String lock = "lock:" + room + ":" + insert.meta().get(0).id();
    assertThat(redis("SET", lock, "someone-else/socket-9")).isEqualTo("+OK");
    assertThat(api.put(room, 0, 1, sample(2)).status()).isEqualTo(423);
    assertThat(redis("DEL", lock)).isEqualTo(":1");
    assertThat(redis("SET", "lock:" + room + ":*", "someone-else")).isEqualTo("+OK");
    assertThat(api.send("POST", frames(room), jsonSingle(sample(2)), Api.JSON).status()).isEqualTo(423);
    assertThat(api.send("POST", frame(room, 0) + "/move?to=1", null, null).status()).isEqualTo(423);
    assertThat(redis("DEL", "lock:" + room + ":*")).isEqualTo(":1");
    byte[] body = jsonSingle(sample(2));
    assertThat(api.send("POST", frames(room), body, Api.JSON, "Content-Digest", digestOf(new byte[] {1})).status())
        .isEqualTo(422);
    assertThat(api.send("POST", "/api/rooms/" + room + "/import",
        "1\n\nH 0 0 zero\n".getBytes(StandardCharsets.UTF_8), "chemical/x-extxyz").status()).isEqualTo(422);
    assertThat(api.send("POST", frames(room), "{\"fields\": 1}".getBytes(StandardCharsets.UTF_8), Api.JSON).status())
        .isEqualTo(400);
    assertThat(api.put(room, 5, 1, sample(2)).status()).isEqualTo(404);

    assertThat(events.poll(300, TimeUnit.MILLISECONDS)).as("no event for a refused write").isNull();
    Reply marker = api.put(room, 1, 1, sample(3));
    assertThat(marker.status()).isEqualTo(200);
    assertEvent(next(), room, "put", marker.meta());
    assertThat(events).isEmpty();
  }

  private JsonObject next() throws InterruptedException {
    JsonObject event = events.poll(5, TimeUnit.SECONDS);
    assertThat(event).as("an event within 5 s").isNotNull();
    return event;
  }

  private static void assertEvent(JsonObject event, String room, String action, List<Meta> expected) {
    assertThat(event.getString("room")).isEqualTo(room);
    assertThat(event.getString("action")).isEqualTo(action);
    assertThat(event.fieldNames()).as("event keys of " + event).isSubsetOf("room", "action", "frames", "from", "to");
    if (!action.equals("move")) {
      assertThat(event.fieldNames()).doesNotContain("from", "to");
    }
    JsonArray frames = event.getJsonArray("frames");
    assertThat(frames).hasSize(expected.size());
    for (int i = 0; i < expected.size(); i++) {
      JsonObject entry = frames.getJsonObject(i);
      assertThat(entry.fieldNames()).as("no payload in " + entry).containsExactlyInAnyOrder("index", "id", "version",
          "hash");
      assertThat(Meta.of(entry)).isEqualTo(expected.get(i));
    }
    assertThat(event.encode()).doesNotContain("\"fields\"").doesNotContain("\"data\"");
  }
}
