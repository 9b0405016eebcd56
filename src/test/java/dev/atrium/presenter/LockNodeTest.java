package dev.atrium.presenter;

import static dev.atrium.presenter.ServiceFixture.lockEvent;
import static dev.atrium.presenter.ServiceFixture.sleep;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.bus.Addresses;
import dev.atrium.presenter.ServiceFixture.Reply;
import dev.atrium.presenter.ServiceFixture.RoomListener;
import dev.atrium.testing.NodeFixture;
import dev.atrium.testing.NodeFixture.Session;
import dev.atrium.testing.TestRedis;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The lock service inside a whole development-mode node (locks in real Redis, records in an
 * in-memory MongoDB, blobs on disk by the mode's default {@code frames.blobStore=local}), with
 * writes through the HTTP data channel.
 */
@DisplayName("Locks taken over the event bus, honoured by the data channel")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LockNodeTest {

  @BeforeAll
  static void redis() {
    ServiceFixture.init();
    TestRedis.shared().start();
  }

  @Test
  @DisplayName("a frame lock A takes over the bus makes B's PUT of that frame 423 while A's PUT succeeds; released, B writes")
  void lockHonouredByWrites() throws Exception {
    try (NodeFixture node = NodeFixture.development().start()) {
      Session a = node.registerNew("a");
      Session b = node.registerNew("b");
      String room = sharedRoom(node, a, b);
      String frameId = append(node, a, room);
      EventBus bus = node.server().vertx().eventBus();

      try (RoomListener listener = new RoomListener(node.server().vertx(), room)) {
        Reply taken = ServiceFixture.call(bus, Addresses.LOCKS_ACQUIRE, lock(room, frameId), a.userId(), "socket-a");
        assertThat(taken.ok()).as(taken.toString()).isTrue();
        listener.awaitEvent(lockEvent(frameId, a.userId() + "/socket-a"), Duration.ofSeconds(2), "a's lock");
        Reply byB = ServiceFixture.call(bus, Addresses.LOCKS_ACQUIRE, lock(room, frameId), b.userId(), "socket-b");
        assertThat(byB.code()).as(byB.toString()).isEqualTo(423);

        NodeFixture.Reply bPut = put(node, b, room, 1);
        assertThat(bPut.status()).as(bPut.body()).isEqualTo(423);
        NodeFixture.Reply aPut = put(node, a, room, 1);
        assertThat(aPut.status()).as(aPut.body()).isEqualTo(200);

        Reply released = ServiceFixture.call(bus, Addresses.LOCKS_RELEASE, lock(room, frameId), a.userId(), "socket-a");
        assertThat(released.ok()).as(released.toString()).isTrue();
        listener.awaitEvent(lockEvent(frameId, null), Duration.ofSeconds(2), "the lock free");
        NodeFixture.Reply bAfter = put(node, b, room, 2);
        assertThat(bAfter.status()).as(bAfter.body()).isEqualTo(200);
      }
    }
  }

  @Test
  @DisplayName("a Redis restart while A holds a lock: A's renew fails (A is told), the room hears the lock is free, and A's write on a stale version gets 409")
  void redisRestart() throws Exception {
    try (TestRedis redis = TestRedis.startNew();
        NodeFixture node = NodeFixture.development().env("REDIS_URL", redis.url()).start()) {
      Session a = node.registerNew("a");
      Session b = node.registerNew("b");
      String room = sharedRoom(node, a, b);
      String frameId = append(node, a, room);
      EventBus bus = node.server().vertx().eventBus();

      try (RoomListener listener = new RoomListener(node.server().vertx(), room)) {
        Reply taken = ServiceFixture.call(bus, Addresses.LOCKS_ACQUIRE, lock(room, frameId), a.userId(), "socket-a");
        assertThat(taken.ok()).as(taken.toString()).isTrue();
        assertThat(put(node, a, room, 1).status()).isEqualTo(200);
        assertThat(put(node, b, room, 2).status()).isEqualTo(423);

        redis.stop();
        redis.start();

        Reply renew = ServiceFixture.call(bus, Addresses.LOCKS_RENEW, lock(room, frameId), a.userId(), "socket-a");
        assertThat(renew.code()).as("the holder is told its lock is gone: " + renew).isIn(409, 503);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (renew.code() == 503 && System.nanoTime() < deadline) {
          sleep(100);
          renew = ServiceFixture.call(bus, Addresses.LOCKS_RENEW, lock(room, frameId), a.userId(), "socket-a");
        }
        assertThat(renew.code()).as("once Redis answers again: " + renew).isEqualTo(409);
        assertThat(renew.message()).isEqualTo("not the holder (the lock expired or was taken)");
        listener.awaitEvent(lockEvent(frameId, null), Duration.ofSeconds(5), "the lost lock announced free");

        NodeFixture.Reply bPut = putRetrying503(node, b, room, 2);
        assertThat(bPut.status()).as("no lock any more: " + bPut.body()).isEqualTo(200);
        NodeFixture.Reply stale = putRetrying503(node, a, room, 2);
        assertThat(stale.status()).as("the version check fences the former holder: " + stale.body()).isEqualTo(409);
        assertThat(stale.json().getInteger("currentVersion")).isEqualTo(3);
      }
    }
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private static JsonObject lock(String room, String frame) {
    return new JsonObject().put("room", room).put("frame", frame);
  }

  /** A private room of A with B as editor. */
  private static String sharedRoom(NodeFixture node, Session a, Session b) {
    NodeFixture.Reply created = node.call("POST", "/api/rooms").bearer(a.token())
        .json(new JsonObject().put("title", "locks").put("visibility", "private")).send();
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    String room = created.json().getString("id");
    NodeFixture.Reply member = node.call("POST", "/api/rooms/" + room + "/members").bearer(a.token())
        .json(new JsonObject().put("email", b.email()).put("role", "editor")).send();
    assertThat(member.status()).as(member.body()).isEqualTo(201);
    return room;
  }

  /** Appends one frame and returns its id. */
  private static String append(NodeFixture node, Session who, String room) {
    NodeFixture.Reply appended = node.call("POST", "/api/rooms/" + room + "/frames").bearer(who.token())
        .json(frame(0)).send();
    assertThat(appended.status()).as(appended.body()).isEqualTo(201);
    return appended.json().getJsonArray("frames").getJsonObject(0).getString("id");
  }

  private static JsonObject frame(double x) {
    return new JsonObject().put("fields", new JsonObject().put("positions", new JsonObject()
        .put("dtype", "float32").put("shape", new JsonArray().add(1).add(3))
        .put("data", new JsonArray().add(x).add(0).add(0))));
  }

  /** PUT frame 0 on base version {@code base}. */
  private static NodeFixture.Reply put(NodeFixture node, Session who, String room, int base) {
    return node.call("PUT", "/api/rooms/" + room + "/frames/0").bearer(who.token())
        .header("If-Match", "\"" + base + "\"").json(frame(base + 0.5)).send();
  }

  /** A PUT right after a Redis restart may find the node's connections still broken: 503 until they are renewed. */
  private static NodeFixture.Reply putRetrying503(NodeFixture node, Session who, String room, int base) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    NodeFixture.Reply reply = put(node, who, room, base);
    while (reply.status() == 503 && System.nanoTime() < deadline) {
      sleep(100);
      reply = put(node, who, room, base);
    }
    return reply;
  }
}
