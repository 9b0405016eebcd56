package dev.atrium.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import dev.atrium.bus.Addresses;
import dev.atrium.testing.AtriumProcess;
import dev.atrium.testing.FreePorts;
import dev.atrium.testing.TestRedis;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two clustered Atrium processes sharing Redis and MongoDB (local mode, so the implicit local user
 * owns the room): clients of one room on either node see each other's presence, and a frame
 * written over HTTP through one node reaches the clients on both as exactly one
 * {@code frames_changed} each, with the same {@code seq}; a lock, presenter steps and a release
 * made through one node reach the client on the other, and a lock held through one node is
 * refused (423) through the other.
 */
@DisplayName("The control channel across two clustered nodes")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ControlClusterTest {

  private static final Duration FORMING = Duration.ofSeconds(60);
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
      .version(HttpClient.Version.HTTP_1_1).build();

  @TempDir
  Path root;

  private final List<AutoCloseable> started = new ArrayList<>();

  @AfterEach
  void stop() {
    for (int i = started.size() - 1; i >= 0; i--) {
      try {
        started.get(i).close();
      } catch (Exception e) {
        // best effort
      }
    }
  }

  /**
   * Two clustered nodes sharing Redis and MongoDB, a room, and a client on each node that has
   * joined it and registered for its events; each has heard the other's presence.
   */
  private TwoNodes twoNodesInOneRoom(String name) throws Exception {
    TestRedis redis = TestRedis.shared();
    redis.start();
    redis.flushAll();
    MongoServer mongo = new MongoServer(H2Backend.inMemory());
    mongo.bind("127.0.0.1", 0);
    started.add(mongo::shutdownNow);
    String mongoUri = "mongodb://127.0.0.1:" + mongo.getLocalAddress().getPort();
    int httpA = FreePorts.next();
    int httpB = FreePorts.next();
    int hzA = FreePorts.next();
    int hzB = FreePorts.next();
    String members = "127.0.0.1:" + hzA + ",127.0.0.1:" + hzB;

    long deadline = System.nanoTime() + FORMING.toNanos();
    AtriumProcess a = startNode(name + "-a", httpA, hzA, members, redis.url(), mongoUri);
    a.waitForReady(httpA, remaining(deadline));
    AtriumProcess b = startNode(name + "-b", httpB, hzB, members, redis.url(), mongoUri);
    b.waitForReady(httpB, remaining(deadline));
    awaitMembers(httpA, 2, deadline);
    awaitMembers(httpB, 2, deadline);

    HttpResponse<String> created = send(httpA, "POST", "/api/rooms",
        new JsonObject().put("title", "shared").put("visibility", "private"), null);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String room = new JsonObject(created.body()).getString("id");
    String address = Addresses.room(room);

    SockJsTestClient onB = client(httpB);
    String socketB = onB.request(Addresses.CONTROL_JOIN, new JsonObject().put("room", room)).getString("socket");
    onB.register(address);
    onB.request(Addresses.CONTROL_JOIN, new JsonObject().put("room", room));
    SockJsTestClient onA = client(httpA);
    JsonObject joinedA = onA.request(Addresses.CONTROL_JOIN, new JsonObject().put("room", room));
    String socketA = joinedA.getString("socket");
    assertThat(joinedA.getJsonArray("presence").stream().map(p -> ((JsonObject) p).getString("socket")).toList())
        .as("A's join lists the socket on B").containsExactly(socketB, socketA);
    onA.register(address);
    onA.request(Addresses.CONTROL_JOIN, new JsonObject().put("room", room));
    // B's registration reached A once B hears A's presence event (published on A)
    onB.awaitBody(address, e -> socketA.equals(e.getString("socket")), WAIT);
    return new TwoNodes(httpA, room, address, onA, socketA, onB, socketB);
  }

  private record TwoNodes(int httpA, String room, String address, SockJsTestClient onA, String socketA,
      SockJsTestClient onB, String socketB) {
  }

  @Test
  @DisplayName("a client on node B receives the frames_changed of a write made through node A, once")
  void framesChangedAcrossNodes() throws Exception {
    TwoNodes nodes = twoNodesInOneRoom("control");
    int httpA = nodes.httpA();
    String room = nodes.room();
    String address = nodes.address();
    SockJsTestClient onA = nodes.onA();
    SockJsTestClient onB = nodes.onB();
    String socketB = nodes.socketB();

    HttpResponse<String> inserted = send(httpA, "POST", "/api/rooms/" + room + "/frames", frame(0.0), null);
    assertThat(inserted.statusCode()).as(inserted.body()).isEqualTo(201);
    HttpResponse<String> put = send(httpA, "PUT", "/api/rooms/" + room + "/frames/0", frame(1.0), "\"1\"");
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    JsonObject written = new JsonObject(put.body()).getJsonArray("frames").getJsonObject(0);

    JsonObject onBChange = onB.awaitBody(address, e -> "frames_changed".equals(e.getString("type"))
        && "put".equals(e.getString("action")), WAIT);
    JsonObject entry = onBChange.getJsonArray("frames").getJsonObject(0);
    assertThat(entry.getLong("version")).isEqualTo(2L);
    assertThat(entry.getString("hash")).isEqualTo(written.getString("hash"));
    JsonObject onAChange = onA.awaitBody(address, e -> "frames_changed".equals(e.getString("type"))
        && "put".equals(e.getString("action")), WAIT);
    assertThat(onAChange.getLong("seq")).isEqualTo(onBChange.getLong("seq"));

    // a later event from B's side as a barrier: whatever duplicate there were would have come before it
    onB.request(Addresses.CONTROL_LEAVE, new JsonObject().put("room", room));
    onA.awaitBody(address, e -> "left".equals(e.getString("change")) && socketB.equals(e.getString("socket")), WAIT);
    List<Long> seqsOnA = onA.bodies(address).stream().filter(e -> "frames_changed".equals(e.getString("type")))
        .map(e -> e.getLong("seq")).toList();
    assertThat(seqsOnA).as("insert and put, each once, numbered in order").hasSize(2).isSorted()
        .doesNotHaveDuplicates();
    assertThat(onB.bodies(address).stream().filter(e -> "frames_changed".equals(e.getString("type")))
        .map(e -> e.getLong("seq")).toList()).isEqualTo(seqsOnA);
  }

  @Test
  @DisplayName("a client on node B sees the lock, steps and release of a client on node A, and is refused its lock")
  void lockAndStepEventsAcrossNodes() throws Exception {
    TwoNodes nodes = twoNodesInOneRoom("events");
    String room = nodes.room();
    String address = nodes.address();
    SockJsTestClient onA = nodes.onA();
    SockJsTestClient onB = nodes.onB();
    String socketA = nodes.socketA();

    // A takes frame 0's lock through node A: B hears it
    JsonObject lock = new JsonObject().put("room", room).put("frame", "0");
    JsonObject acquired = onA.request(Addresses.LOCKS_ACQUIRE, lock.copy());
    String holderA = acquired.getString("holder");
    assertThat(holderA).as("the holder is <user>/<socket of A>").endsWith("/" + socketA);
    JsonObject locked = onB.awaitBody(address, e -> "lock".equals(e.getString("type"))
        && holderA.equals(e.getString("holder")), WAIT);
    assertThat(locked.getValue("frame")).isEqualTo("0");
    assertThat(locked.getLong("seq")).isNotNull();

    // B (another socket, on node B) cannot take the lock A holds
    assertThatThrownBy(() -> onB.request(Addresses.LOCKS_ACQUIRE, lock.copy()))
        .isInstanceOfSatisfying(SockJsTestClient.Failure.class, failure -> assertThat(failure.code()).isEqualTo(423));

    // A presents and steps 1..5: B sees steps in increasing order, ending with 5
    JsonObject presenter = onA.request(Addresses.PRESENTER_REQUEST, new JsonObject().put("room", room));
    assertThat(presenter.getBoolean("granted")).as(presenter.encode()).isTrue();
    for (int frame = 1; frame <= 5; frame++) {
      JsonObject accepted = onA.request(Addresses.PRESENTER_STEP, new JsonObject().put("room", room)
          .put("frame", frame));
      assertThat(accepted.getBoolean("accepted")).isTrue();
    }
    onB.awaitBody(address, e -> "step".equals(e.getString("type")) && Integer.valueOf(5).equals(e.getInteger("frame")),
        WAIT);
    List<JsonObject> stepsOnB = onB.bodies(address).stream().filter(e -> "step".equals(e.getString("type"))).toList();
    assertThat(stepsOnB.stream().map(e -> e.getInteger("frame")).toList())
        .as("steps (coalescing may drop some in between)").isSorted().doesNotHaveDuplicates().endsWith(5)
        .allSatisfy(frame -> assertThat(frame).isBetween(1, 5));
    assertThat(stepsOnB.stream().map(e -> e.getLong("seq")).toList()).isSorted().doesNotHaveDuplicates();
    assertThat(stepsOnB).allSatisfy(step -> assertThat(step.getString("holder")).isEqualTo(holderA));

    // A releases: B hears the lock free
    onA.request(Addresses.LOCKS_RELEASE, lock.copy());
    JsonObject freed = onB.awaitBody(address, e -> "lock".equals(e.getString("type")) && e.containsKey("holder")
        && e.getValue("holder") == null, WAIT);
    assertThat(freed.getValue("frame")).isEqualTo("0");
    assertThat(freed.getLong("seq")).isGreaterThan(locked.getLong("seq"));

    // ... and can now take it itself
    JsonObject acquiredByB = onB.request(Addresses.LOCKS_ACQUIRE, lock.copy());
    assertThat(acquiredByB.getString("holder")).isNotEqualTo(holderA);
    onA.awaitBody(address, e -> "lock".equals(e.getString("type"))
        && acquiredByB.getString("holder").equals(e.getString("holder")), WAIT);
  }

  private SockJsTestClient client(int port) {
    SockJsTestClient client = SockJsTestClient.websocket(port).origin("http://127.0.0.1:" + port)
        .pingEvery(Duration.ofSeconds(2)).connect();
    started.add(client);
    return client;
  }

  private AtriumProcess startNode(String name, int httpPort, int hazelcastPort, String members, String redisUrl,
      String mongoUri) throws IOException {
    Path home = Files.createDirectories(root.resolve(name + "-home"));
    Path data = Files.createDirectories(root.resolve(name + "-data"));
    Map<String, String> env = new LinkedHashMap<>();
    env.put("HOME", home.toString());
    env.put("XDG_CONFIG_HOME", Files.createDirectories(home.resolve("config")).toString());
    env.put("XDG_DATA_HOME", Files.createDirectories(home.resolve("share")).toString());
    env.put("ATRIUM_MODE", "local");
    env.put("REDIS_URL", redisUrl);
    env.put("MONGO_URI", mongoUri);
    env.put("ATRIUM_CLUSTER_MEMBERS", members);
    env.put("ATRIUM_CLUSTER_PORT", Integer.toString(hazelcastPort));
    env.put("ATRIUM_EVENTBUS_PORT", "0");
    env.put("ATRIUM_HTTP_INSTANCES", "2");
    env.put("ATRIUM_SHUTDOWN_GRACE", "1s");
    AtriumProcess node = AtriumProcess.builder().name(name).workDir(home).env(env)
        .args("serve", "--cluster", "--port", Integer.toString(httpPort), "--data-dir", data.toString())
        .start();
    started.add(node);
    return node;
  }

  private static void awaitMembers(int port, int count, long deadline) throws Exception {
    String last = "no answer";
    while (System.nanoTime() - deadline < 0) {
      try {
        HttpResponse<String> response = send(port, "GET", "/api/cluster", null, null);
        last = response.statusCode() + " " + response.body();
        if (response.statusCode() == 200
            && new JsonObject(response.body()).getJsonArray("members").size() == count) {
          return;
        }
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(250);
    }
    throw new AssertionError("node on " + port + " did not see " + count + " members; last answer: " + last);
  }

  private static HttpResponse<String> send(int port, String method, String path, JsonObject body, String ifMatch)
      throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(WAIT).method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body.encode()));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    if (ifMatch != null) {
      request.header("If-Match", ifMatch);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonObject frame(double x) {
    return new JsonObject().put("fields", new JsonObject()
        .put("positions", new JsonObject().put("dtype", "float32").put("shape", new JsonArray().add(1).add(3))
            .put("data", new JsonArray().add(x).add(0.0).add(0.0))));
  }

  private static Duration remaining(long deadline) {
    return Duration.ofNanos(Math.max(deadline - System.nanoTime(), 0));
  }
}
