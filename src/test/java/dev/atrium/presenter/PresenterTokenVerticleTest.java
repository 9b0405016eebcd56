package dev.atrium.presenter;

import static dev.atrium.presenter.ServiceFixture.await;
import static dev.atrium.presenter.ServiceFixture.lockEvent;
import static dev.atrium.presenter.ServiceFixture.presenterEvent;
import static dev.atrium.presenter.ServiceFixture.sleep;
import static org.assertj.core.api.Assertions.assertThat;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import dev.atrium.bus.Addresses;
import dev.atrium.config.ControlSettings;
import dev.atrium.coordination.Coordination;
import dev.atrium.coordination.impl.InProcessCoordination;
import dev.atrium.coordination.impl.RedisCoordination;
import dev.atrium.frames.FrameLocks;
import dev.atrium.presenter.ServiceFixture.Received;
import dev.atrium.presenter.ServiceFixture.Reply;
import dev.atrium.presenter.ServiceFixture.RoomListener;
import dev.atrium.rooms.Role;
import dev.atrium.rooms.RoomAccess;
import dev.atrium.rooms.RoomStore;
import dev.atrium.testing.RedisExtension;
import dev.atrium.testing.TestRedis;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The lock and presenter-token service over the event bus, with real room authorization (a
 * {@link RoomStore} over an in-memory MongoDB-wire server) and each real coordination store: the
 * same behaviour from the in-process map and from Redis.
 */
@DisplayName("The lock and presenter-token service")
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class PresenterTokenVerticleTest {

  private static final ControlSettings DEFAULTS = new ControlSettings(Duration.ofSeconds(10), Duration.ofSeconds(5), 60);
  private static MongoServer mongo;

  @BeforeAll
  static void startMongo() {
    ServiceFixture.init();
    mongo = new MongoServer(H2Backend.inMemory());
    mongo.bind("127.0.0.1", 0);
  }

  @AfterAll
  static void stopMongo() {
    if (mongo != null) {
      mongo.shutdownNow();
    }
  }

  @Nested
  @DisplayName("in process")
  class InProcess extends Contract {

    @Override
    Coordination create(Vertx vertx) {
      return new InProcessCoordination(vertx);
    }
  }

  @Nested
  @DisplayName("in Redis")
  @ExtendWith(RedisExtension.class)
  class InRedis extends Contract {

    @Override
    Coordination create(Vertx vertx) {
      return new RedisCoordination(vertx, TestRedis.shared().url());
    }
  }

  /** The behaviour itself; each store's nested class supplies the store. */
  abstract static class Contract {

    Vertx vertx;
    EventBus bus;
    Coordination store;
    MongoClient mongoClient;
    RoomStore rooms;
    String deployment;
    String owner;
    String room;

    abstract Coordination create(Vertx vertx);

    @BeforeEach
    void start(Vertx vertx) {
      this.vertx = vertx;
      this.bus = vertx.eventBus();
      store = create(vertx);
      mongoClient = MongoClient.create(vertx, new JsonObject()
          .put("connection_string", "mongodb://127.0.0.1:" + mongo.getLocalAddress().getPort())
          .put("db_name", "presenter-test"));
      rooms = new RoomStore(mongoClient);
      deploy(DEFAULTS);
      owner = user("owner");
      room = newRoom(owner, false);
    }

    @AfterEach
    void stop() {
      if (deployment != null) {
        await(vertx.undeploy(deployment));
      }
      await(store.close());
      await(mongoClient.close());
    }

    void deploy(ControlSettings settings) {
      if (deployment != null) {
        await(vertx.undeploy(deployment));
      }
      RoomAccess access = new RoomAccess(rooms);
      deployment = await(vertx.deployVerticle(new PresenterTokenVerticle(store, access, settings),
          new DeploymentOptions()));
    }

    // ---- locks ----------------------------------------------------------------------------------

    @Test
    @DisplayName("of 20 sockets racing for one frame's lock exactly one wins; the 19 others get 423 naming the holder")
    void race() {
      List<String> users = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        users.add(member(room, "racer" + i, Role.EDITOR));
      }
      try (RoomListener listener = new RoomListener(vertx, room)) {
        List<Future<Reply>> attempts = new ArrayList<>();
        for (int i = 0; i < users.size(); i++) {
          attempts.add(ServiceFixture.send(bus, Addresses.LOCKS_ACQUIRE, lock(room, "frame-1"), users.get(i), "socket-" + i));
        }
        List<Reply> replies = await(Future.all(attempts)).list();

        List<Reply> won = replies.stream().filter(Reply::ok).toList();
        assertThat(won).as(replies.toString()).hasSize(1);
        String holder = won.get(0).body().getString("holder");
        String winner = holder.substring(0, holder.indexOf('/'));
        assertThat(users).contains(winner);
        assertThat(holder).isEqualTo(winner + "/socket-" + users.indexOf(winner));
        assertThat(won.get(0).body().getString("room")).isEqualTo(room);
        assertThat(won.get(0).body().getString("frame")).isEqualTo("frame-1");
        assertThat(won.get(0).body().getLong("expiresAt")).isGreaterThan(System.currentTimeMillis());
        for (Reply lost : replies.stream().filter(reply -> !reply.ok()).toList()) {
          assertThat(lost.code()).as(lost.toString()).isEqualTo(423);
          assertThat(lost.message()).contains("frame frame-1").contains("locked by " + winner);
        }
        assertThat(await(store.holder(FrameLocks.frameKey(room, "frame-1")))).isEqualTo(holder);
        listener.awaitEvent(lockEvent("frame-1", holder), Duration.ofSeconds(2), "the winner's lock event");
        sleep(100);
        assertThat(listener.events("lock")).as("one change, one event").hasSize(1);
      }
    }

    @Test
    @DisplayName("renew and release by anyone but the holding socket are refused with 409 and the lock stays")
    void nonHolderRefused() {
      String a = member(room, "a", Role.EDITOR);
      String b = member(room, "b", Role.EDITOR);
      Reply taken = acquire(a, "sa", "f1");
      assertThat(taken.ok()).as(taken.toString()).isTrue();

      for (String[] who : new String[][] {{b, "sb"}, {a, "another-socket-of-a"}, {b, "sa"}}) {
        Reply renew = ServiceFixture.call(bus, Addresses.LOCKS_RENEW, lock(room, "f1"), who[0], who[1]);
        assertThat(renew.code()).as("renew by " + who[0] + "/" + who[1] + ": " + renew).isEqualTo(409);
        assertThat(renew.message()).isEqualTo("not the holder (the lock expired or was taken)");
        Reply release = ServiceFixture.call(bus, Addresses.LOCKS_RELEASE, lock(room, "f1"), who[0], who[1]);
        assertThat(release.code()).as("release by " + who[0] + "/" + who[1] + ": " + release).isEqualTo(409);
      }
      assertThat(await(store.holder(FrameLocks.frameKey(room, "f1")))).isEqualTo(a + "/sa");

      Reply renewed = ServiceFixture.call(bus, Addresses.LOCKS_RENEW, lock(room, "f1"), a, "sa");
      assertThat(renewed.ok()).as(renewed.toString()).isTrue();
      assertThat(renewed.body().getLong("expiresAt")).isGreaterThanOrEqualTo(taken.body().getLong("expiresAt"));
    }

    @Test
    @DisplayName("the holder's release frees the lock and publishes lock {holder: null}; then another editor takes it")
    void release() {
      String a = member(room, "a", Role.EDITOR);
      String b = member(room, "b", Role.EDITOR);
      try (RoomListener listener = new RoomListener(vertx, room)) {
        assertThat(acquire(a, "sa", "f1").ok()).isTrue();
        Reply refused = acquire(b, "sb", "f1");
        assertThat(refused.code()).as(refused.toString()).isEqualTo(423);

        Reply released = ServiceFixture.call(bus, Addresses.LOCKS_RELEASE, lock(room, "f1"), a, "sa");
        assertThat(released.ok()).as(released.toString()).isTrue();
        assertThat(released.body()).isEqualTo(new JsonObject().put("released", true));
        assertThat(await(store.holder(FrameLocks.frameKey(room, "f1")))).isNull();
        Received free = listener.awaitEvent(lockEvent("f1", null), Duration.ofSeconds(2), "lock f1 free");
        assertThat(free.event().getString("room")).isEqualTo(room);

        Reply taken = acquire(b, "sb", "f1");
        assertThat(taken.ok()).as(taken.toString()).isTrue();
        listener.awaitEvent(lockEvent("f1", b + "/sb"), Duration.ofSeconds(2), "b's lock");
      }
    }

    @Test
    @DisplayName("acquiring a lock the socket already holds renews it, without a second event; the room lock keeps other users' frame locks out")
    void acquireAgainRenews() {
      String a = member(room, "a", Role.EDITOR);
      String b = member(room, "b", Role.EDITOR);
      try (RoomListener listener = new RoomListener(vertx, room)) {
        Reply first = acquire(a, "sa", "*");
        sleep(20);
        Reply second = acquire(a, "sa", "*");
        assertThat(first.ok()).as(first.toString()).isTrue();
        assertThat(second.ok()).as(second.toString()).isTrue();
        assertThat(second.body().getLong("expiresAt")).isGreaterThan(first.body().getLong("expiresAt"));
        assertThat(await(store.holder(FrameLocks.roomKey(room)))).isEqualTo(a + "/sa");

        Reply frameOfOther = acquire(b, "sb", "f9");
        assertThat(frameOfOther.code()).as(frameOfOther.toString()).isEqualTo(423);
        assertThat(frameOfOther.message()).isEqualTo("room " + room + " is locked by " + a);
        Reply frameOfHolder = acquire(a, "another-socket", "f9");
        assertThat(frameOfHolder.ok()).as("the room lock's user may lock frames: " + frameOfHolder).isTrue();
        sleep(100);
        assertThat(listener.events("lock")).extracting(event -> event.getString("frame")).containsExactly("*", "f9");
      }
    }

    @Test
    @DisplayName("a lock whose holder stops renewing (300 ms TTL) is free after the TTL and announced by the sweep within 1.3 s")
    void expiry() {
      deploy(new ControlSettings(Duration.ofMillis(300), Duration.ofSeconds(5), 60));
      String a = member(room, "a", Role.EDITOR);
      String b = member(room, "b", Role.EDITOR);
      try (RoomListener listener = new RoomListener(vertx, room)) {
        Reply taken = acquire(a, "sa", "f1");
        long takenAt = System.nanoTime();
        assertThat(taken.ok()).as(taken.toString()).isTrue();
        assertThat(taken.body().getLong("expiresAt") - System.currentTimeMillis()).isBetween(0L, 300L);
        assertThat(acquire(b, "sb", "f1").code()).as("held before the TTL").isEqualTo(423);

        Received free = listener.awaitEvent(lockEvent("f1", null), Duration.ofMillis(1_600), "lock f1 free after expiry");
        long afterMs = (free.atNanos() - takenAt) / 1_000_000;
        // TTL 300 ms + at most one sweep interval (1 s) + round trips and timer slack
        assertThat(afterMs).as("announced after the TTL, within TTL + sweep interval").isBetween(250L, 1_600L);
        Reply renew = ServiceFixture.call(bus, Addresses.LOCKS_RENEW, lock(room, "f1"), a, "sa");
        assertThat(renew.code()).as("the frozen holder's late renew: " + renew).isEqualTo(409);
        assertThat(acquire(b, "sb", "f1").ok()).isTrue();
      }
    }

    @Test
    @DisplayName("a closed socket's locks and presenter token this node granted are all released at once, with events; its user's other socket keeps its lock, and a key this node never granted is left alone")
    void socketClosed() {
      String a = member(room, "a", Role.EDITOR);
      String otherRoom = newRoom(a, false);
      try (RoomListener listener = new RoomListener(vertx, room);
          RoomListener otherListener = new RoomListener(vertx, otherRoom)) {
        for (String frame : List.of("f1", "f2", "*")) {
          assertThat(acquire(a, "sa", frame).ok()).as(frame).isTrue();
        }
        assertThat(acquire(a, "sa2", "f3").ok()).isTrue();
        assertThat(presenter(Addresses.PRESENTER_REQUEST, a, "sa").body().getBoolean("granted")).isTrue();
        // as if another node had granted it: this node has no record of it, so it sends no release
        assertThat(await(store.acquire(Target.presenterKey(otherRoom), a + "/sa", Duration.ofSeconds(10)))).isTrue();
        listener.awaitEvent(presenterEvent(a + "/sa"), Duration.ofSeconds(2), "presenter granted");

        long closedAt = System.nanoTime();
        bus.publish(Addresses.CONTROL_SOCKET_CLOSED, new JsonObject().put("socket", "sa").put("user", a)
            .put("session", "session-1").put("rooms", new JsonArray().add(room).add(otherRoom)));

        for (String frame : List.of("f1", "f2", "*")) {
          Received free = listener.awaitEvent(lockEvent(frame, null), Duration.ofSeconds(1), "lock " + frame + " free");
          assertThat(free.atNanos() - closedAt).isLessThan(Duration.ofSeconds(1).toNanos());
        }
        listener.awaitEvent(presenterEvent(null), Duration.ofSeconds(1), "presenter free");
        for (String frame : List.of("f1", "f2")) {
          assertThat(await(store.holder(FrameLocks.frameKey(room, frame)))).as(frame).isNull();
        }
        assertThat(await(store.holder(FrameLocks.roomKey(room)))).isNull();
        assertThat(await(store.holder(Target.presenterKey(room)))).isNull();
        assertThat(await(store.holder(Target.presenterKey(otherRoom)))).as("not granted here")
            .isEqualTo(a + "/sa");
        assertThat(otherListener.events()).as("no event for what this node never granted")
            .noneMatch(presenterEvent(null));
        assertThat(await(store.holder(FrameLocks.frameKey(room, "f3")))).as("another socket's lock").isEqualTo(a + "/sa2");
      }
    }

    // ---- presenter ----------------------------------------------------------------------------

    @Test
    @DisplayName("the presenter token goes to the first asker (a viewer may ask); the second hears who holds it; a non-holder's step is refused with 403")
    void presenterToken() {
      String a = member(room, "a", Role.VIEWER);
      String b = member(room, "b", Role.EDITOR);
      try (RoomListener listener = new RoomListener(vertx, room)) {
        Reply first = presenter(Addresses.PRESENTER_REQUEST, a, "sa");
        assertThat(first.ok()).as(first.toString()).isTrue();
        assertThat(first.body().getBoolean("granted")).isTrue();
        assertThat(first.body().getString("holder")).isEqualTo(a + "/sa");
        assertThat(first.body().getString("room")).isEqualTo(room);
        long expiresAt = first.body().getLong("expiresAt");
        assertThat(expiresAt - System.currentTimeMillis()).isBetween(4_000L, 5_000L);
        Received granted = listener.awaitEvent(presenterEvent(a + "/sa"), Duration.ofSeconds(2), "presenter event");
        assertThat(granted.event().getLong("expiresAt")).isEqualTo(expiresAt);

        Reply second = presenter(Addresses.PRESENTER_REQUEST, b, "sb");
        assertThat(second.ok()).as(second.toString()).isTrue();
        assertThat(second.body().getBoolean("granted")).isFalse();
        assertThat(second.body().getString("holder")).isEqualTo(a);
        assertThat(second.body().getLong("expiresAt")).isEqualTo(expiresAt);

        Reply step = step(b, "sb", 3);
        assertThat(step.code()).as(step.toString()).isEqualTo(403);
        assertThat(step.message()).isEqualTo("not the presenter (holder: " + a + ")");
        Reply sameUserOtherSocket = step(a, "sa-other-tab", 3);
        assertThat(sameUserOtherSocket.code()).as(sameUserOtherSocket.toString()).isEqualTo(403);
        Reply holderStep = step(a, "sa", 4);
        assertThat(holderStep.ok()).as(holderStep.toString()).isTrue();
        assertThat(holderStep.body()).isEqualTo(new JsonObject().put("accepted", true));
        Received shown = listener.awaitEvent(event -> "step".equals(event.getString("type")), Duration.ofSeconds(2), "step");
        assertThat(shown.event().getInteger("frame")).isEqualTo(4);
        assertThat(shown.event().getString("holder")).isEqualTo(a + "/sa");
        sleep(100);
        assertThat(listener.events("step")).as("refused steps are not broadcast").hasSize(1);

        Reply released = presenter(Addresses.PRESENTER_RELEASE, a, "sa");
        assertThat(released.ok()).as(released.toString()).isTrue();
        listener.awaitEvent(presenterEvent(null), Duration.ofSeconds(2), "presenter free");
        Reply late = step(a, "sa", 5);
        assertThat(late.code()).as("a step after the release: " + late).isEqualTo(403);
        assertThat(late.message()).isEqualTo("not the presenter (nobody presents in room " + room + ")");
        assertThat(presenter(Addresses.PRESENTER_REQUEST, b, "sb").body().getBoolean("granted")).isTrue();
      }
    }

    @Test
    @DisplayName("the holder's 100 steps sent at once reach subscribers in increasing order, thinned to the rate, ending on the last frame")
    void stepBurst() {
      String a = member(room, "a", Role.VIEWER);
      assertThat(presenter(Addresses.PRESENTER_REQUEST, a, "sa").body().getBoolean("granted")).isTrue();
      try (RoomListener listener = new RoomListener(vertx, room)) {
        List<Reply> replies = sendSteps(a, "sa", 0, 100, 0);
        assertThat(replies).allMatch(Reply::ok);
        listener.awaitEvent(event -> "step".equals(event.getString("type")) && event.getInteger("frame") == 99,
            Duration.ofSeconds(2), "the last frame");
        sleep(150);
        List<Received> shown = listener.received().stream()
            .filter(one -> "step".equals(one.event().getString("type"))).toList();
        assertSteps(shown, 99, 60);
        assertThat(shown.size()).as("coalesced: far fewer events than steps").isLessThan(20);
      }
    }

    @Test
    @DisplayName("steps paced faster than the rate (one every 2 ms) are broadcast at most ~rate per second, newest first, ending on the last")
    void stepRate() {
      deploy(new ControlSettings(Duration.ofSeconds(10), Duration.ofSeconds(5), 20));
      String a = member(room, "a", Role.VIEWER);
      assertThat(presenter(Addresses.PRESENTER_REQUEST, a, "sa").body().getBoolean("granted")).isTrue();
      try (RoomListener listener = new RoomListener(vertx, room)) {
        List<Reply> replies = sendSteps(a, "sa", 0, 200, 2);
        assertThat(replies).allMatch(Reply::ok);
        listener.awaitEvent(event -> "step".equals(event.getString("type")) && event.getInteger("frame") == 199,
            Duration.ofSeconds(2), "the last frame");
        sleep(150);
        List<Received> shown = listener.received().stream()
            .filter(one -> "step".equals(one.event().getString("type"))).toList();
        assertSteps(shown, 199, 20);
        assertThat(shown.size()).as("steps are broadcast while the presenter scrubs, not only at the end").isGreaterThan(3);
      }
    }

    @Test
    @DisplayName("the presenter token expires 400 ms after the last renew, is announced free, and another viewer gets it")
    void presenterExpiry() {
      deploy(new ControlSettings(Duration.ofSeconds(10), Duration.ofMillis(400), 60));
      String a = member(room, "a", Role.VIEWER);
      String b = member(room, "b", Role.VIEWER);
      try (RoomListener listener = new RoomListener(vertx, room)) {
        assertThat(presenter(Addresses.PRESENTER_REQUEST, a, "sa").body().getBoolean("granted")).isTrue();
        long renewedAt = 0;
        for (int i = 0; i < 3; i++) {
          sleep(200);
          Reply renew = presenter(Addresses.PRESENTER_RENEW, a, "sa");
          renewedAt = System.nanoTime();
          assertThat(renew.ok()).as("renew " + i + ": " + renew).isTrue();
          assertThat(renew.body().getBoolean("granted")).isTrue();
        }
        Reply refused = presenter(Addresses.PRESENTER_REQUEST, b, "sb");
        assertThat(refused.body().getBoolean("granted")).as("still held 600 ms after the grant: " + refused).isFalse();

        Received free = listener.awaitEvent(presenterEvent(null), Duration.ofMillis(2_000), "presenter free after expiry");
        // TTL 400 ms + at most one sweep interval (1 s) + round trips and timer slack
        long afterMs = (free.atNanos() - renewedAt) / 1_000_000;
        assertThat(afterMs).as("free after the TTL from the last renew, announced within one sweep").isBetween(380L, 1_700L);
        assertThat(step(a, "sa", 1).code()).isEqualTo(403);
        assertThat(presenter(Addresses.PRESENTER_RENEW, a, "sa").code()).isEqualTo(409);
        Reply granted = presenter(Addresses.PRESENTER_REQUEST, b, "sb");
        assertThat(granted.body().getBoolean("granted")).as(granted.toString()).isTrue();
      }
    }

    // ---- contract-wide ----------------------------------------------------------------------

    @Test
    @DisplayName("every event of a room carries the next number of one gap-free, strictly increasing sequence")
    void sequence() {
      String a = member(room, "a", Role.EDITOR);
      String b = member(room, "b", Role.EDITOR);
      try (RoomListener listener = new RoomListener(vertx, room)) {
        acquire(a, "sa", "f1");
        acquire(b, "sb", "f2");
        presenter(Addresses.PRESENTER_REQUEST, a, "sa");
        sendSteps(a, "sa", 0, 30, 0);
        ServiceFixture.call(bus, Addresses.LOCKS_RELEASE, lock(room, "f1"), a, "sa");
        presenter(Addresses.PRESENTER_RELEASE, a, "sa");
        presenter(Addresses.PRESENTER_REQUEST, b, "sb");
        step(b, "sb", 7);
        acquire(a, "sa", "f1");
        listener.awaitEvent(event -> "step".equals(event.getString("type")) && event.getInteger("frame") == 7,
            Duration.ofSeconds(2), "b's step");
        listener.awaitEvent(lockEvent("f1", a + "/sa"), Duration.ofSeconds(2), "a's second lock");
        sleep(100);

        List<JsonObject> events = listener.events();
        assertThat(events.size()).isGreaterThanOrEqualTo(8);
        for (int i = 0; i < events.size(); i++) {
          assertThat(events.get(i).getLong("seq")).as("event " + i + " of " + events).isEqualTo(i + 1L);
          assertThat(events.get(i).getString("room")).isEqualTo(room);
        }
      }
    }

    @Test
    @DisplayName("a message without the identity headers fails with 401 at every address; identity in the payload is ignored")
    void identityFromHeadersOnly() {
      String a = member(room, "a", Role.EDITOR);
      String b = member(room, "b", Role.EDITOR);
      JsonObject claim = lock(room, "f1").put("user", a).put("holder", a + "/sa").put("socket", "sa");
      for (String address : List.of(Addresses.LOCKS_ACQUIRE, Addresses.LOCKS_RENEW, Addresses.LOCKS_RELEASE,
          Addresses.PRESENTER_REQUEST, Addresses.PRESENTER_RENEW, Addresses.PRESENTER_RELEASE,
          Addresses.PRESENTER_STEP)) {
        JsonObject body = claim.copy().put("frame", address.equals(Addresses.PRESENTER_STEP) ? 1 : "f1");
        for (String[] who : new String[][] {{null, null}, {a, null}, {null, "sa"}, {"", "sa"}}) {
          Reply reply = ServiceFixture.call(bus, address, body, who[0], who[1]);
          assertThat(reply.code()).as(address + " with user " + who[0] + ", socket " + who[1] + ": " + reply)
              .isEqualTo(401);
        }
      }
      assertThat(await(store.holder(FrameLocks.frameKey(room, "f1")))).isNull();

      Reply asB = ServiceFixture.call(bus, Addresses.LOCKS_ACQUIRE, claim, b, "sb");
      assertThat(asB.ok()).as(asB.toString()).isTrue();
      assertThat(asB.body().getString("holder")).isEqualTo(b + "/sb");
      assertThat(await(store.holder(FrameLocks.frameKey(room, "f1")))).isEqualTo(b + "/sb");
    }

    @Test
    @DisplayName("a viewer cannot take a frame or room lock (403), a stranger to a private room gets 404, and the implicit local user may")
    void roles() {
      String viewer = member(room, "viewer", Role.VIEWER);
      String stranger = user("stranger");
      for (String frame : List.of("f1", "*")) {
        Reply byViewer = acquire(viewer, "sv", frame);
        assertThat(byViewer.code()).as(byViewer.toString()).isEqualTo(403);
        assertThat(byViewer.message()).contains("viewer").contains("editor");
        Reply byStranger = acquire(stranger, "ss", frame);
        assertThat(byStranger.code()).as(byStranger.toString()).isEqualTo(404);
      }
      assertThat(presenter(Addresses.PRESENTER_REQUEST, stranger, "ss").code()).isEqualTo(404);
      assertThat(ServiceFixture.call(bus, Addresses.LOCKS_ACQUIRE, lock("no-such-room", "f1"), viewer, "sv").code())
          .isEqualTo(404);
      assertThat(await(store.holder(FrameLocks.frameKey(room, "f1")))).isNull();

      Reply local = acquire("local", "sl", "f1");
      assertThat(local.ok()).as("the implicit local user owns every room: " + local).isTrue();
      assertThat(local.body().getString("holder")).isEqualTo("local/sl");
    }

    @Test
    @DisplayName("malformed payloads are refused with 400 and change nothing")
    void malformed() {
      String a = member(room, "a", Role.EDITOR);
      List<JsonObject> bad = List.of(
          new JsonObject().put("frame", "f1"),
          new JsonObject().put("room", room),
          new JsonObject().put("room", room).put("frame", 3),
          new JsonObject().put("room", room).put("frame", "a:b"),
          new JsonObject().put("room", room + ":x").put("frame", "f1"),
          lock(room, "f1").put("ttlMs", 5),
          lock(room, "f1").put("ttlMs", "10s"),
          lock(room, "f1").put("ttlMs", 3_600_000));
      for (JsonObject body : bad) {
        Reply reply = ServiceFixture.call(bus, Addresses.LOCKS_ACQUIRE, body, a, "sa");
        assertThat(reply.code()).as(body + ": " + reply).isEqualTo(400);
      }
      Reply notObject = ServiceFixture.call(bus, Addresses.LOCKS_ACQUIRE, "room=" + room + "&frame=f1", a, "sa");
      assertThat(notObject.code()).isEqualTo(400);
      assertThat(presenter(Addresses.PRESENTER_REQUEST, a, "sa").body().getBoolean("granted")).isTrue();
      for (Object frame : new Object[] {-1, "4", 1.5, null}) {
        Reply reply = ServiceFixture.call(bus, Addresses.PRESENTER_STEP,
            new JsonObject().put("room", room).put("frame", frame), a, "sa");
        assertThat(reply.code()).as("step frame " + frame + ": " + reply).isEqualTo(400);
      }
      Reply withTtl = ServiceFixture.call(bus, Addresses.LOCKS_ACQUIRE, lock(room, "f1").put("ttlMs", 2_000), a, "sa");
      assertThat(withTtl.ok()).as(withTtl.toString()).isTrue();
      assertThat(withTtl.body().getLong("expiresAt") - System.currentTimeMillis()).isBetween(1_000L, 2_000L);
    }

    // ---- helpers --------------------------------------------------------------------------------

    String user(String name) {
      return name + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    String newRoom(String roomOwner, boolean isPublic) {
      return await(rooms.create("room " + UUID.randomUUID(), isPublic, roomOwner, null)).id();
    }

    String member(String inRoom, String name, Role role) {
      String id = user(name);
      await(rooms.putMember(inRoom, id, role));
      return id;
    }

    static JsonObject lock(String room, String frame) {
      return new JsonObject().put("room", room).put("frame", frame);
    }

    Reply acquire(String user, String socket, String frame) {
      return ServiceFixture.call(bus, Addresses.LOCKS_ACQUIRE, lock(room, frame), user, socket);
    }

    Reply presenter(String address, String user, String socket) {
      return ServiceFixture.call(bus, address, new JsonObject().put("room", room), user, socket);
    }

    Reply step(String user, String socket, int frame) {
      return ServiceFixture.call(bus, Addresses.PRESENTER_STEP, new JsonObject().put("room", room).put("frame", frame),
          user, socket);
    }

    /**
     * Sends steps {@code from .. from+count-1} in order from one event loop (as one bridge
     * connection would), {@code pauseMs} apart (0: all at once), and waits for every reply.
     */
    List<Reply> sendSteps(String user, String socket, int from, int count, long pauseMs) {
      Context context = vertx.getOrCreateContext();
      List<Future<Reply>> replies = new ArrayList<>();
      if (pauseMs == 0) {
        Promise<Void> sent = Promise.promise();
        context.runOnContext(v -> {
          for (int i = from; i < from + count; i++) {
            replies.add(ServiceFixture.send(bus, Addresses.PRESENTER_STEP,
                new JsonObject().put("room", room).put("frame", i), user, socket));
          }
          sent.complete();
        });
        await(sent.future());
      } else {
        for (int i = from; i < from + count; i++) {
          int frame = i;
          Promise<Future<Reply>> sent = Promise.promise();
          context.runOnContext(v -> sent.complete(ServiceFixture.send(bus, Addresses.PRESENTER_STEP,
              new JsonObject().put("room", room).put("frame", frame), user, socket)));
          replies.add(await(sent.future()));
          sleep(pauseMs);
        }
      }
      return await(Future.all(replies)).list();
    }

    /** Increasing frames, one holder, the last frame last, and no more than the rate allows. */
    static void assertSteps(List<Received> shown, int lastFrame, int rate) {
      assertThat(shown).isNotEmpty();
      List<Integer> frames = shown.stream().map(one -> one.event().getInteger("frame")).toList();
      for (int i = 1; i < frames.size(); i++) {
        assertThat(frames.get(i)).as("frames in increasing order: " + frames).isGreaterThan(frames.get(i - 1));
      }
      assertThat(frames.get(frames.size() - 1)).as("ends on the last frame sent: " + frames).isEqualTo(lastFrame);
      double spanSeconds = (shown.get(shown.size() - 1).atNanos() - shown.get(0).atNanos()) / 1e9;
      // one event per interval, plus the bucket's burst, plus one for timer jitter
      assertThat(shown.size()).as(frames.size() + " events over " + spanSeconds + " s at most " + rate + "/s: " + frames)
          .isLessThanOrEqualTo((int) Math.floor(rate * spanSeconds) + StepCoalescer.BURST + 1);
    }
  }
}
