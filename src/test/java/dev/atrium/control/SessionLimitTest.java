package dev.atrium.control;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.bus.Addresses;
import dev.atrium.testing.NodeFixture;
import dev.atrium.testing.NodeFixture.Session;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Browser sessions with the production limit of five sockets, kept in real Redis (a development
 * node with {@code ATRIUM_MAX_SOCKETS_PER_SESSION=5}): the sixth socket of a session replaces the
 * oldest, and a socket that reconnects in its session is restored.
 */
@DisplayName("Control-channel sessions in Redis")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SessionLimitTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  private static NodeFixture node;
  private static Session alice;
  private static Session bob;

  private final List<SockJsTestClient> clients = new CopyOnWriteArrayList<>();
  private final List<MessageConsumer<?>> consumers = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void startNode() throws Exception {
    NodeFixture.flushRedis();
    node = NodeFixture.development().env("ATRIUM_MAX_SOCKETS_PER_SESSION", "5").start();
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

  @Test
  @DisplayName("the sixth socket of a session replaces the first, which is told connection-replaced and closed")
  void sixthReplacesFirst() throws Exception {
    assertThat(node.settings().sessions().maxSocketsPerSession()).isEqualTo(5);
    String session = newSessionId();
    List<JsonObject> closedNotices = listen(Addresses.CONTROL_SOCKET_CLOSED);
    List<SockJsTestClient> sockets = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      SockJsTestClient socket = open(alice, session);
      sockets.add(socket);
      ids.add(welcome(socket).getString("socket"));
    }
    Thread.sleep(300);
    assertThat(sockets).as("five sockets fit").noneMatch(SockJsTestClient::isClosed);

    SockJsTestClient sixth = open(alice, session);
    String sixthId = welcome(sixth).getString("socket");

    JsonObject replaced = sockets.get(0).awaitBody(ControlChannelVerticle.CLIENT_SELF,
        body -> "connection-replaced".equals(body.getString("type")), WAIT);
    assertThat(replaced.getString("reason")).contains(sixthId);
    assertThat(sockets.get(0).awaitClosed(WAIT)).as("the first socket is closed").isTrue();
    JsonObject notice = awaitNotice(closedNotices, ids.get(0));
    assertThat(notice.getString("reason")).isEqualTo("replaced");
    assertThat(notice.getString("user")).isEqualTo(alice.userId());

    // another user's socket with the same cookie value is another session: nobody else is replaced
    SockJsTestClient sameCookieOtherUser = open(bob, session);
    welcome(sameCookieOtherUser);
    Thread.sleep(500);
    for (int i = 1; i < 5; i++) {
      assertThat(sockets.get(i).isClosed()).as("socket %d stays open", i + 1).isFalse();
      assertThat(sockets.get(i).bodies(ControlChannelVerticle.CLIENT_SELF))
          .noneMatch(body -> "connection-replaced".equals(body.getString("type")));
    }
    assertThat(sixth.isClosed()).isFalse();
    // sockets of earlier tests may still be closing: only this test's sessions count
    assertThat(closedNotices).filteredOn(n -> session.equals(n.getString("session")))
        .extracting(n -> n.getString("socket")).containsExactly(ids.get(0));

    // and the sixth still works
    String room = createRoom(alice);
    assertThat(sixth.request(Addresses.CONTROL_JOIN, new JsonObject().put("room", room)).getString("socket"))
        .isEqualTo(sixthId);
  }

  @Test
  @DisplayName("a socket that reconnects in its session gets session-restored with the rooms it had joined")
  void reconnectRestores() {
    String room = createRoom(alice);
    String other = createRoom(alice);
    String session = newSessionId();
    List<JsonObject> closedNotices = listen(Addresses.CONTROL_SOCKET_CLOSED);
    SockJsTestClient first = open(alice, session);
    String firstId = first.request(Addresses.CONTROL_JOIN, new JsonObject().put("room", room)).getString("socket");
    first.request(Addresses.CONTROL_JOIN, new JsonObject().put("room", other));
    first.request(Addresses.CONTROL_LEAVE, new JsonObject().put("room", other));
    SockJsTestClient watcher = open(bob, newSessionId());
    first.close();
    awaitNotice(closedNotices, firstId);

    SockJsTestClient again = open(alice, session);
    String againId = welcome(again).getString("socket");
    JsonObject restored = again.awaitBody(ControlChannelVerticle.CLIENT_SELF,
        body -> "session-restored".equals(body.getString("type")), WAIT);
    assertThat(restored.getString("previous")).isEqualTo(firstId);
    assertThat(restored.getJsonArray("rooms")).hasSize(1);
    JsonObject state = restored.getJsonArray("rooms").getJsonObject(0);
    assertThat(state.getString("room")).isEqualTo(room);
    assertThat(state.getJsonArray("presence").stream().map(p -> ((JsonObject) p).getString("socket")).toList())
        .containsExactly(againId);
    assertThat(state.getLong("seq")).isPositive();
    assertThat(state.getJsonObject("frames").getInteger("count")).isZero();

    // restored once: a further socket of the session gets nothing
    SockJsTestClient third = open(alice, session);
    welcome(third);
    third.request(Addresses.CONTROL_JOIN, new JsonObject().put("room", other));
    assertThat(third.bodies(ControlChannelVerticle.CLIENT_SELF))
        .noneMatch(body -> "session-restored".equals(body.getString("type")));
    assertThat(watcher.isClosed()).isFalse();
  }

  private SockJsTestClient open(Session who, String session) {
    SockJsTestClient client = SockJsTestClient.websocket(node.port()).origin(node.origin())
        .cookie(node.cookieName(), who.token()).cookie(ControlBridge.SESSION_COOKIE, session)
        .pingEvery(Duration.ofSeconds(1)).connect();
    clients.add(client);
    return client;
  }

  private static JsonObject welcome(SockJsTestClient client) {
    client.register(ControlChannelVerticle.CLIENT_SELF);
    return client.awaitBody(ControlChannelVerticle.CLIENT_SELF, body -> "welcome".equals(body.getString("type")),
        WAIT);
  }

  private static String newSessionId() {
    return UUID.randomUUID().toString().replace("-", "");
  }

  private static String createRoom(Session owner) {
    NodeFixture.Reply reply = node.call("POST", "/api/rooms").bearer(owner.token())
        .json(new JsonObject().put("title", "room " + UUID.randomUUID()).put("visibility", "private")).send();
    assertThat(reply.status()).as(reply.body()).isEqualTo(201);
    return reply.json().getString("id");
  }

  private List<JsonObject> listen(String address) {
    List<JsonObject> seen = new CopyOnWriteArrayList<>();
    MessageConsumer<JsonObject> consumer = node.server().vertx().eventBus().consumer(address,
        message -> seen.add(message.body()));
    try {
      consumer.completion().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    consumers.add(consumer);
    return seen;
  }

  static JsonObject awaitNotice(List<JsonObject> notices, String socket) {
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
