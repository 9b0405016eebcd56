package dev.atrium.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atrium.bus.Addresses;
import dev.atrium.testing.NodeFixture;
import dev.atrium.testing.NodeFixture.Session;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The control channel of one local-mode node with sign-in (no implicit user), through real SockJS
 * clients: joining, presence and its diffs, the heartbeat timeout, the bridge's refusals (unlisted
 * addresses, foreign rooms, forged identities and reply addresses, other origins), frames_changed
 * after an HTTP write, a restored session, and an XHR-polling client.
 */
@DisplayName("The control channel")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ControlChannelTest {

  /** Short, so that the silent-client test is quick; clients ping four times as often. */
  private static final Duration HEARTBEAT = Duration.ofSeconds(3);
  private static final Duration PING = Duration.ofMillis(500);
  private static final Duration WAIT = Duration.ofSeconds(10);

  private static NodeFixture node;
  private static Session alice;
  private static Session bob;

  private final List<SockJsTestClient> clients = new CopyOnWriteArrayList<>();
  private final List<MessageConsumer<?>> consumers = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void startNode() throws Exception {
    node = NodeFixture.local().env("ATRIUM_HEARTBEAT_TIMEOUT", HEARTBEAT.toMillis() + "ms").start();
    alice = node.registerNew("alice");
    bob = node.registerNew("bob");
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @AfterEach
  void closeClients() {
    clients.forEach(SockJsTestClient::close);
    consumers.forEach(MessageConsumer::unregister);
  }

  // ---- presence -------------------------------------------------------------------------------

  @Test
  @DisplayName("a join answers with the room's state; others in the room get presence joined and left diffs")
  void presenceDiffs() {
    String room = createRoom(alice, "public");
    SockJsTestClient a = connect(alice);
    SockJsTestClient b = connect(bob);

    JsonObject joinedA = a.request(Addresses.CONTROL_JOIN, new JsonObject().put("room", room));
    assertThat(joinedA.getString("room")).isEqualTo(room);
    String socketA = joinedA.getString("socket");
    assertThat(joinedA.getJsonArray("presence").getList()).hasSize(1);
    assertThat(joinedA.getJsonArray("presence").getJsonObject(0).getMap())
        .containsEntry("user", alice.userId()).containsEntry("socket", socketA);
    assertThat(joinedA.getJsonArray("locks")).isEmpty();
    assertThat(joinedA.getValue("presenter")).isNull();
    a.register(Addresses.room(room));
    awaitRegistered(a, room);

    JsonObject joinedB = b.request(Addresses.CONTROL_JOIN, new JsonObject().put("room", room));
    String socketB = joinedB.getString("socket");
    assertThat(joinedB.getJsonArray("presence").stream().map(p -> ((JsonObject) p).getString("user")).toList())
        .containsExactly(alice.userId(), bob.userId());

    JsonObject joined = a.awaitBody(Addresses.room(room), e -> "presence".equals(e.getString("type"))
        && "joined".equals(e.getString("change")) && socketB.equals(e.getString("socket")), WAIT);
    assertThat(joined.getString("user")).isEqualTo(bob.userId());
    assertThat(joined.getLong("seq")).isEqualTo(joinedB.getLong("seq")).isGreaterThan(joinedA.getLong("seq"));

    JsonObject left = b.request(Addresses.CONTROL_LEAVE, new JsonObject().put("room", room));
    assertThat(left).isEmpty();
    JsonObject leftEvent = a.awaitBody(Addresses.room(room), e -> "presence".equals(e.getString("type"))
        && "left".equals(e.getString("change")), WAIT);
    assertThat(leftEvent.getString("user")).isEqualTo(bob.userId());
    assertThat(leftEvent.getString("socket")).isEqualTo(socketB);
    assertThat(leftEvent.getString("reason")).isEqualTo("left");
    assertThat(leftEvent.getLong("seq")).isEqualTo(joined.getLong("seq") + 1);

    JsonObject rejoined = b.request(Addresses.CONTROL_JOIN, new JsonObject().put("room", room));
    assertThat(rejoined.getJsonArray("presence").size()).isEqualTo(2);
    JsonObject again = b.request(Addresses.CONTROL_JOIN, new JsonObject().put("room", room));
    assertThat(again.getLong("seq")).as("joining twice publishes nothing new").isEqualTo(rejoined.getLong("seq"));
  }

  @Test
  @DisplayName("a client that stops pinging is closed after the heartbeat timeout and dropped from presence")
  void heartbeatTimeout() {
    String room = createRoom(alice, "public");
    SockJsTestClient a = connect(alice);
    SockJsTestClient silent = connect(bob);
    a.request(Addresses.CONTROL_JOIN, new JsonObject().put("room", room));
    a.register(Addresses.room(room));
    awaitRegistered(a, room);
    String silentSocket = silent.request(Addresses.CONTROL_JOIN, new JsonObject().put("room", room))
        .getString("socket");
    List<JsonObject> closedNotices = listen(Addresses.CONTROL_SOCKET_CLOSED);

    long stopped = System.nanoTime();
    silent.stopPinging();

    JsonObject left = a.awaitBody(Addresses.room(room), e -> "left".equals(e.getString("change"))
        && silentSocket.equals(e.getString("socket")), HEARTBEAT.multipliedBy(4));
    Duration after = Duration.ofNanos(System.nanoTime() - stopped);
    assertThat(left.getString("reason")).isEqualTo("timeout");
    assertThat(after).as("not dropped before the timeout")
        .isGreaterThanOrEqualTo(HEARTBEAT.minusMillis(PING.toMillis()));
    assertThat(silent.awaitClosed(WAIT)).as("the silent socket is closed").isTrue();
    JsonObject notice = awaitNotice(closedNotices, silentSocket);
    assertThat(notice.getString("user")).isEqualTo(bob.userId());
    assertThat(notice.getString("reason")).isEqualTo("timeout");
    assertThat(notice.getJsonArray("rooms").getList()).containsExactly(room);
    assertThat(notice.getString("session")).isNotBlank();

    JsonObject state = a.request(Addresses.CONTROL_JOIN, new JsonObject().put("room", room));
    assertThat(state.getJsonArray("presence").stream().map(p -> ((JsonObject) p).getString("socket")).toList())
        .doesNotContain(silentSocket);
  }

  @Test
  @DisplayName("closing a socket publishes atrium.control.socket.closed at once; the lock it held is free within 1 s")
  void closePublishesAndFreesLocks() throws Exception {
    String room = createRoom(alice, "public");
    addMember(room, bob, "editor");
    SockJsTestClient holder = connect(alice);
    SockJsTestClient other = connect(bob);
    String holderSocket = holder.request(Addresses.CONTROL_JOIN, new JsonObject().put("room", room))
        .getString("socket");
    other.request(Addresses.CONTROL_JOIN, new JsonObject().put("room", room));
    JsonObject lock = holder.request(Addresses.LOCKS_ACQUIRE, new JsonObject().put("room", room).put("frame", "f1"));
    assertThat(lock.getString("holder")).isEqualTo(alice.userId() + "/" + holderSocket);
    assertThatThrownBy(() -> other.request(Addresses.LOCKS_ACQUIRE, new JsonObject().put("room", room)
        .put("frame", "f1"))).isInstanceOfSatisfying(SockJsTestClient.Failure.class,
            failure -> assertThat(failure.code()).isEqualTo(423));
    List<JsonObject> closedNotices = listen(Addresses.CONTROL_SOCKET_CLOSED);

    long closedAt = System.nanoTime();
    holder.close();

    JsonObject notice = awaitNotice(closedNotices, holderSocket);
    assertThat(notice.getString("reason")).isEqualTo("closed");
    assertThat(notice.getJsonArray("rooms").getList()).containsExactly(room);
    JsonObject taken = null;
    while (taken == null && System.nanoTime() - closedAt < TimeUnit.SECONDS.toNanos(1)) {
      try {
        taken = other.request(Addresses.LOCKS_ACQUIRE, new JsonObject().put("room", room).put("frame", "f1"));
      } catch (SockJsTestClient.Failure failure) {
        assertThat(failure.code()).isEqualTo(423);
        Thread.sleep(50);
      }
    }
    assertThat(taken).as("the lock is free within 1 s of the holder's disconnect").isNotNull();
    assertThat(taken.getString("holder")).startsWith(bob.userId() + "/");
  }

  @Test
  @DisplayName("signing out closes the account's sockets, telling them why")
  void signOutClosesSockets() {
    Session carol = node.registerNew("carol");
    SockJsTestClient socket = connect(carol);
    SockJsTestClient others = connect(alice);

    NodeFixture.Reply out = node.call("POST", "/api/auth/logout").cookie(carol.token()).header("Origin", node.origin())
        .send();
    assertThat(out.status()).as(out.body()).isEqualTo(204);

    JsonObject notice = socket.awaitBody(ControlChannelVerticle.CLIENT_SELF,
        e -> "disconnected".equals(e.getString("type")), WAIT);
    assertThat(notice.getString("reason")).isEqualTo("revoked");
    assertThat(socket.awaitClosed(WAIT)).isTrue();
    assertThatThrownBy(() -> connect(carol)).as("the revoked cookie no longer connects")
        .isInstanceOfSatisfying(SockJsTestClient.Refused.class, refused -> assertThat(refused.status()).isEqualTo(401));
    assertThat(others.isClosed()).isFalse();
  }

  @Test
  @DisplayName("a member removed from a room is taken out of it at once and gets none of its events")
  void removedMemberLeaves() {
    String room = createRoom(alice, "private");
    addMember(room, bob, "viewer");
    SockJsTestClient a = connect(alice);
    SockJsTestClient b = connect(bob);
    a.request(Addresses.CONTROL_JOIN, new JsonObject().put("room", room));
    a.register(Addresses.room(room));
    awaitRegistered(a, room);
    String socketB = b.request(Addresses.CONTROL_JOIN, new JsonObject().put("room", room)).getString("socket");
    b.register(Addresses.room(room));
    awaitRegistered(b, room);

    NodeFixture.Reply removed = node.call("DELETE", "/api/rooms/" + room + "/members/" + bob.userId())
        .cookie(alice.token()).header("Origin", node.origin()).send();
    assertThat(removed.status()).as(removed.body()).isEqualTo(204);

    JsonObject left = b.awaitBody(ControlChannelVerticle.CLIENT_SELF, e -> "room-left".equals(e.getString("type")),
        WAIT);
    assertThat(left.getString("room")).isEqualTo(room);
    assertThat(left.getString("reason")).isEqualTo("access");
    a.awaitBody(Addresses.room(room), e -> "left".equals(e.getString("change")) && socketB.equals(e.getString("socket"))
        && "access".equals(e.getString("reason")), WAIT);
    int before = b.bodies(Addresses.room(room)).size();
    String third = connect(alice).request(Addresses.CONTROL_JOIN, new JsonObject().put("room", room))
        .getString("socket");
    a.awaitBody(Addresses.room(room), e -> third.equals(e.getString("socket")), WAIT);
    assertThat(b.bodies(Addresses.room(room))).as("nothing after the removal").hasSize(before);
    assertThatThrownBy(() -> b.request(Addresses.CONTROL_JOIN, new JsonObject().put("room", room)))
        .isInstanceOfSatisfying(SockJsTestClient.Failure.class, failure -> assertThat(failure.code()).isEqualTo(404));
  }

  // ---- the firewall ---------------------------------------------------------------------------

  @Test
  @DisplayName("a send or publish to an address that is not permitted is refused and reaches nobody")
  void unlistedAddressRefused() throws Exception {
    SockJsTestClient a = connect(alice);
    List<JsonObject> leaked = listen("atrium.test.internal");
    List<JsonObject> revoked = listen(Addresses.ACCOUNTS_CHANGED);

    a.send("atrium.test.internal", new JsonObject().put("room", "x"), null);
    assertThat(a.awaitRefusal(0, WAIT).getString("body")).isEqualTo("rejected");
    int seen = a.received().size();
    a.publish(Addresses.ACCOUNTS_CHANGED, new JsonObject().put("user", bob.userId()));
    a.awaitRefusal(seen, WAIT);
    seen = a.received().size();
    a.send(Addresses.CONTROL_SOCKET_CLOSED, new JsonObject().put("socket", "x").put("rooms", new JsonArray()), null);
    a.awaitRefusal(seen, WAIT);

    // a permitted address still works on the same socket, so the refusals above were not a broken socket
    String room = createRoom(alice, "private");
    assertThat(a.request(Addresses.CONTROL_JOIN, new JsonObject().put("room", room)).getString("room")).isEqualTo(room);
    Thread.sleep(200);
    assertThat(leaked).isEmpty();
    assertThat(revoked).isEmpty();
  }

  @Test
  @DisplayName("joining a room the user may not see answers 404; registering for it or for another socket is refused")
  void foreignRoomRefused() {
    String secret = createRoom(alice, "private");
    String visible = createRoom(alice, "public");
    SockJsTestClient b = connect(bob);
    SockJsTestClient a = connect(alice);
    String socketA = a.request(Addresses.CONTROL_JOIN, new JsonObject().put("room", secret)).getString("socket");
    a.register(Addresses.room(secret));
    awaitRegistered(a, secret);

    assertThatThrownBy(() -> b.request(Addresses.CONTROL_JOIN, new JsonObject().put("room", secret)))
        .isInstanceOfSatisfying(SockJsTestClient.Failure.class, failure -> {
          assertThat(failure.code()).isEqualTo(404);
          assertThat(failure.getMessage()).contains("no room " + secret);
        });
    assertThatThrownBy(() -> b.request(Addresses.PRESENTER_REQUEST, new JsonObject().put("room", secret)))
        .isInstanceOfSatisfying(SockJsTestClient.Failure.class, failure -> assertThat(failure.code()).isEqualTo(404));
    assertThatThrownBy(() -> b.request(Addresses.LOCKS_ACQUIRE, new JsonObject().put("room", visible)
        .put("frame", "f")))
        .as("a viewer of a public room may not lock")
        .isInstanceOfSatisfying(SockJsTestClient.Failure.class, failure -> assertThat(failure.code()).isEqualTo(403));

    int seen = b.received().size();
    b.register(Addresses.room(secret));
    assertThat(b.awaitRefusal(seen, WAIT).getString("body")).isEqualTo("rejected");
    seen = b.received().size();
    b.register(Addresses.room(visible));
    assertThat(b.awaitRefusal(seen, WAIT).getString("body")).as("a visible room not joined").isEqualTo("rejected");
    seen = b.received().size();
    b.register(Addresses.CLIENT_PREFIX + socketA);
    assertThat(b.awaitRefusal(seen, WAIT).getString("body")).as("another socket's address").isEqualTo("rejected");
    seen = b.received().size();
    b.register(Addresses.CONTROL_SOCKET_CLOSED);
    assertThat(b.awaitRefusal(seen, WAIT).getString("body")).as("an internal address").isEqualTo("rejected");

    // events of alice's room never reach bob
    String other = connect(alice).request(Addresses.CONTROL_JOIN, new JsonObject().put("room", secret))
        .getString("socket");
    a.awaitBody(Addresses.room(secret), e -> other.equals(e.getString("socket")), WAIT);
    assertThat(b.bodies(Addresses.room(secret))).isEmpty();
    assertThat(b.bodies(Addresses.CLIENT_PREFIX + socketA)).isEmpty();
  }

  @Test
  @DisplayName("identity headers a browser puts on a message are replaced by the socket's own")
  void forgedIdentityOverwritten() {
    String room = createRoom(alice, "public");
    SockJsTestClient a = connect(alice);
    SockJsTestClient b = connect(bob);
    String socketA = a.request(Addresses.CONTROL_JOIN, new JsonObject().put("room", room)).getString("socket");
    Map<String, JsonObject> seenHeaders = new ConcurrentHashMap<>();
    EventBus bus = node.server().vertx().eventBus();
    Handler<DeliveryContext<Object>> spy = delivery -> {
      if (Addresses.CONTROL_JOIN.equals(delivery.message().address())) {
        JsonObject headers = new JsonObject();
        delivery.message().headers().forEach(h -> headers.put(h.getKey().toLowerCase(), h.getValue()));
        seenHeaders.put(headers.getString(Addresses.HEADER_SOCKET, "none"), headers);
      }
      delivery.next();
    };
    bus.addInboundInterceptor(spy);
    try {
      JsonObject forged = new JsonObject().put(Addresses.HEADER_USER, alice.userId())
          .put(Addresses.HEADER_SOCKET, socketA).put(Addresses.HEADER_SESSION, "stolen").put("ATRIUM-USER", "mallory")
          .put("x-trace", "kept");
      JsonObject reply = b.requestEnvelope(Addresses.CONTROL_JOIN, new JsonObject().put("room", room), forged)
          .getJsonObject("body");
      String socketB = reply.getString("socket");

      assertThat(socketB).isNotEqualTo(socketA);
      assertThat(seenHeaders).containsKey(socketB).doesNotContainKey(socketA);
      JsonObject headers = seenHeaders.get(socketB);
      assertThat(headers.getString(Addresses.HEADER_USER)).isEqualTo(bob.userId());
      assertThat(headers.getString(Addresses.HEADER_SESSION)).isNotEqualTo("stolen").matches("[0-9a-f]{32}");
      assertThat(headers.getString("x-trace")).isEqualTo("kept");
      assertThat(reply.getJsonArray("presence").stream().map(p -> ((JsonObject) p).getString("user")).toList())
          .containsExactly(alice.userId(), bob.userId());
    } finally {
      bus.removeInboundInterceptor(spy);
    }
  }

  @Test
  @DisplayName("forged reply addresses are refused: not a fresh UUID, or a server reply address the socket never got")
  void forgedReplyAddressRefused() {
    String room = createRoom(alice, "public");
    SockJsTestClient a = connect(alice);

    a.requestAsync(Addresses.CONTROL_JOIN, new JsonObject().put("room", room), null, Addresses.room(room));
    assertThat(a.awaitRefusal(0, WAIT).getString("body")).isEqualTo("rejected");
    int seen = a.received().size();
    a.requestAsync(Addresses.CONTROL_JOIN, new JsonObject().put("room", room), null, "__vertx.reply.1");
    a.awaitRefusal(seen, WAIT);
    seen = a.received().size();
    a.send("__vertx.reply.1", new JsonObject().put("room", room), null);
    a.awaitRefusal(seen, WAIT);

    JsonObject state = a.request(Addresses.CONTROL_JOIN, new JsonObject().put("room", room));
    assertThat(state.getJsonArray("presence").size()).as("none of the forged joins got through").isEqualTo(1);
    assertThat(state.getLong("seq")).isEqualTo(1L);
  }

  @Test
  @DisplayName("other origins are refused on the WebSocket and the XHR transports; anonymous browsers with 401")
  void originAndSignIn() {
    String evil = "http://evil.example";
    assertThatThrownBy(() -> clients(SockJsTestClient.websocket(node.port()).origin(evil)
        .cookie(node.cookieName(), alice.token())))
        .isInstanceOfSatisfying(SockJsTestClient.Refused.class, refused -> assertThat(refused.status()).isEqualTo(403));
    assertThatThrownBy(() -> clients(SockJsTestClient.xhr(node.port()).origin(evil)
        .cookie(node.cookieName(), alice.token())))
        .isInstanceOfSatisfying(SockJsTestClient.Refused.class, refused -> assertThat(refused.status()).isEqualTo(403));
    assertThatThrownBy(() -> clients(SockJsTestClient.websocket(node.port()).header("Sec-Fetch-Site", "cross-site")
        .cookie(node.cookieName(), alice.token())))
        .isInstanceOfSatisfying(SockJsTestClient.Refused.class, refused -> assertThat(refused.status()).isEqualTo(403));
    assertThatThrownBy(() -> clients(SockJsTestClient.websocket(node.port()).origin(node.origin())))
        .isInstanceOfSatisfying(SockJsTestClient.Refused.class, refused -> assertThat(refused.status()).isEqualTo(401));
    assertThatThrownBy(() -> clients(SockJsTestClient.xhr(node.port()).origin(node.origin())))
        .isInstanceOfSatisfying(SockJsTestClient.Refused.class, refused -> assertThat(refused.status()).isEqualTo(401));

    SockJsTestClient bearer = clients(SockJsTestClient.websocket(node.port()).bearer(bob.token()).pingEvery(PING));
    assertThat(bearer.isClosed()).isFalse();
    SockJsTestClient sameOrigin = clients(SockJsTestClient.xhr(node.port()).origin(node.origin())
        .cookie(node.cookieName(), alice.token()));
    assertThat(sameOrigin.openHeaders().getAll("Set-Cookie")).anySatisfy(cookie -> assertThat(cookie)
        .startsWith(ControlBridge.SESSION_COOKIE + "=").containsIgnoringCase("HttpOnly")
        .containsIgnoringCase("SameSite=Lax").doesNotContainIgnoringCase("Secure"));
  }

  // ---- events ---------------------------------------------------------------------------------

  @Test
  @DisplayName("frames_changed (metadata only, numbered) reaches a joined client after HTTP writes")
  void framesChangedAfterWrites() {
    String room = createRoom(alice, "private");
    SockJsTestClient a = connect(alice);
    long joinSeq = a.request(Addresses.CONTROL_JOIN, new JsonObject().put("room", room)).getLong("seq");
    a.register(Addresses.room(room));
    awaitRegistered(a, room);

    NodeFixture.Reply inserted = node.call("POST", "/api/rooms/" + room + "/frames").cookie(alice.token())
        .header("Origin", node.origin()).json(frame(0.0)).send();
    assertThat(inserted.status()).as(inserted.body()).isEqualTo(201);
    JsonObject insert = a.awaitBody(Addresses.room(room), e -> "frames_changed".equals(e.getString("type")), WAIT);
    assertThat(insert.getString("action")).isEqualTo("insert");
    assertThat(insert.getLong("seq")).isEqualTo(joinSeq + 1);
    JsonObject stored = insert.getJsonArray("frames").getJsonObject(0);
    assertThat(stored.getInteger("index")).isZero();
    assertThat(stored.getLong("version")).isEqualTo(1L);

    NodeFixture.Reply put = node.call("PUT", "/api/rooms/" + room + "/frames/0").cookie(alice.token())
        .header("Origin", node.origin()).header("If-Match", "\"1\"").json(frame(1.0)).send();
    assertThat(put.status()).as(put.body()).isEqualTo(200);
    JsonObject changed = a.awaitBody(Addresses.room(room), e -> "frames_changed".equals(e.getString("type"))
        && "put".equals(e.getString("action")), WAIT);
    assertThat(changed.getLong("seq")).isEqualTo(joinSeq + 2);
    assertThat(changed.getString("room")).isEqualTo(room);
    JsonObject entry = changed.getJsonArray("frames").getJsonObject(0);
    assertThat(entry.fieldNames()).containsExactlyInAnyOrder("index", "id", "version", "hash");
    assertThat(entry.getString("id")).isEqualTo(stored.getString("id"));
    assertThat(entry.getLong("version")).isEqualTo(2L);
    assertThat(entry.getString("hash")).isEqualTo(put.json().getJsonArray("frames").getJsonObject(0).getString("hash"))
        .isNotEqualTo(stored.getString("hash"));
    assertThat(a.bodies(Addresses.room(room)).stream().filter(e -> "frames_changed".equals(e.getString("type"))))
        .as("each change once").hasSize(2);
  }

  @Test
  @DisplayName("a new socket of the same browser session gets session-restored with the rooms the closed one was in")
  void sessionRestored() {
    String room = createRoom(alice, "private");
    node.call("POST", "/api/rooms/" + room + "/frames").cookie(alice.token()).header("Origin", node.origin())
        .json(frame(2.0)).send();
    String session = UUID.randomUUID().toString().replace("-", "");
    SockJsTestClient first = clients(browser(alice).cookie(ControlBridge.SESSION_COOKIE, session));
    String firstSocket = first.request(Addresses.CONTROL_JOIN, new JsonObject().put("room", room)).getString("socket");
    List<JsonObject> closedNotices = listen(Addresses.CONTROL_SOCKET_CLOSED);
    first.close();
    awaitNotice(closedNotices, firstSocket);

    SockJsTestClient second = clients(browser(alice).cookie(ControlBridge.SESSION_COOKIE, session));
    second.register(ControlChannelVerticle.CLIENT_SELF);
    JsonObject welcome = second.awaitBody(ControlChannelVerticle.CLIENT_SELF,
        e -> "welcome".equals(e.getString("type")), WAIT);
    JsonObject restored = second.awaitBody(ControlChannelVerticle.CLIENT_SELF,
        e -> "session-restored".equals(e.getString("type")), WAIT);
    assertThat(restored.getString("previous")).isEqualTo(firstSocket);
    assertThat(restored.getString("socket")).isEqualTo(welcome.getString("socket")).isNotEqualTo(firstSocket);
    JsonArray rooms = restored.getJsonArray("rooms");
    assertThat(rooms).hasSize(1);
    JsonObject state = rooms.getJsonObject(0);
    assertThat(state.getString("room")).isEqualTo(room);
    assertThat(state.getJsonArray("presence").stream().map(p -> ((JsonObject) p).getString("socket")).toList())
        .containsExactly(restored.getString("socket"));
    assertThat(state.getJsonArray("locks")).isEmpty();
    assertThat(state.getJsonObject("frames").getInteger("count")).isEqualTo(1);
    assertThat(state.getJsonObject("frames").getJsonArray("frames").getJsonObject(0).getLong("version")).isEqualTo(1L);
    // it is in the room again: it may register for it at once
    second.register(Addresses.room(room));
    awaitRegistered(second, room);

    SockJsTestClient otherSession = connect(alice);
    otherSession.register(ControlChannelVerticle.CLIENT_SELF);
    otherSession.awaitBody(ControlChannelVerticle.CLIENT_SELF, e -> "welcome".equals(e.getString("type")), WAIT);
    assertThat(otherSession.bodies(ControlChannelVerticle.CLIENT_SELF))
        .as("another browser session restores nothing").noneMatch(e -> "session-restored".equals(e.getString("type")));
  }

  @Test
  @DisplayName("an XHR-polling client joins, sees a WebSocket client's presence and events, and is seen")
  void xhrPolling() {
    String room = createRoom(alice, "public");
    SockJsTestClient ws = connect(alice);
    SockJsTestClient xhr = clients(SockJsTestClient.xhr(node.port()).origin(node.origin())
        .cookie(node.cookieName(), bob.token()).pingEvery(PING));
    ws.request(Addresses.CONTROL_JOIN, new JsonObject().put("room", room));
    ws.register(Addresses.room(room));
    awaitRegistered(ws, room);

    JsonObject joined = xhr.request(Addresses.CONTROL_JOIN, new JsonObject().put("room", room));
    xhr.register(Addresses.room(room));
    awaitRegistered(xhr, room);
    ws.awaitBody(Addresses.room(room), e -> "joined".equals(e.getString("change"))
        && joined.getString("socket").equals(e.getString("socket")), WAIT);

    SockJsTestClient third = connect(alice);
    String thirdSocket = third.request(Addresses.CONTROL_JOIN, new JsonObject().put("room", room)).getString("socket");
    JsonObject seen = xhr.awaitBody(Addresses.room(room), e -> thirdSocket.equals(e.getString("socket")), WAIT);
    assertThat(seen.getString("change")).isEqualTo("joined");
    third.close();
    xhr.awaitBody(Addresses.room(room), e -> thirdSocket.equals(e.getString("socket"))
        && "left".equals(e.getString("change")), WAIT);
  }

  // ---- helpers --------------------------------------------------------------------------------

  private SockJsTestClient.Builder browser(Session who) {
    return SockJsTestClient.websocket(node.port()).origin(node.origin()).cookie(node.cookieName(), who.token())
        .pingEvery(PING);
  }

  private SockJsTestClient connect(Session who) {
    return clients(browser(who));
  }

  private SockJsTestClient clients(SockJsTestClient.Builder builder) {
    SockJsTestClient client = builder.connect();
    clients.add(client);
    return client;
  }

  /** A register is confirmed by nothing; a join round trip after it shows it was handled. */
  private static void awaitRegistered(SockJsTestClient client, String room) {
    client.request(Addresses.CONTROL_JOIN, new JsonObject().put("room", room));
    assertThat(client.received().stream().filter(e -> "err".equals(e.getString("type"))
        && e.getString("address") == null)).as("no refusal").isEmpty();
  }

  private static String createRoom(Session owner, String visibility) {
    NodeFixture.Reply reply = node.call("POST", "/api/rooms").cookie(owner.token()).header("Origin", node.origin())
        .json(new JsonObject().put("title", "room " + UUID.randomUUID()).put("visibility", visibility)).send();
    assertThat(reply.status()).as(reply.body()).isEqualTo(201);
    return reply.json().getString("id");
  }

  private static void addMember(String room, Session member, String role) {
    NodeFixture.Reply reply = node.call("POST", "/api/rooms/" + room + "/members").cookie(alice.token())
        .header("Origin", node.origin()).json(new JsonObject().put("user", member.userId()).put("role", role)).send();
    assertThat(reply.status()).as(reply.body()).isEqualTo(201);
  }

  private static JsonObject frame(double x) {
    return new JsonObject().put("fields", new JsonObject()
        .put("positions", new JsonObject().put("dtype", "float32").put("shape", new JsonArray().add(1).add(3))
            .put("data", new JsonArray().add(x).add(0.0).add(0.0)))
        .put("species", new JsonObject().put("dtype", "str").put("shape", new JsonArray().add(1))
            .put("data", new JsonArray().add("H"))));
  }

  /** Every message published or sent to {@code address} on the node's bus from now on. */
  private List<JsonObject> listen(String address) {
    List<JsonObject> seen = new CopyOnWriteArrayList<>();
    MessageConsumer<Object> consumer = node.server().vertx().eventBus().consumer(address,
        message -> seen.add(message.body() instanceof JsonObject json ? json : new JsonObject()
            .put("value", String.valueOf(message.body()))));
    try {
      consumer.completion().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    consumers.add(consumer);
    return seen;
  }

  private static JsonObject awaitNotice(List<JsonObject> notices, String socket) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      for (JsonObject notice : notices) {
        if (socket.equals(notice.getString("socket"))) {
          return notice;
        }
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    throw new AssertionError("no atrium.control.socket.closed for " + socket + "; got " + notices);
  }
}
