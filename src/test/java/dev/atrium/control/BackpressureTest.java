package dev.atrium.control;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.bus.Addresses;
import dev.atrium.testing.NodeFixture;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A client that stops reading while a room is flooded: its socket's unsent bytes stay within the
 * outbound bound (steps coalesced, latest wins), it is closed with a reason once its buffer has been
 * full for the stall time, and a client that keeps up in the same room gets everything, up to the
 * last step.
 */
@DisplayName("Control-channel backpressure")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BackpressureTest {

  private static final int EVENTS = 10_000;
  private static final int BATCH = 100;
  private static final long LIMIT = 64 * 1024;
  private static final Duration STALL = Duration.ofSeconds(2);
  /** Each event is about 2 KB: 20 MB in all, more than the network buffers between the two can hide. */
  private static final String PAD = "x".repeat(2_000);

  private static NodeFixture node;

  @BeforeAll
  static void startNode() throws Exception {
    node = NodeFixture.local().implicitUser()
        .env("ATRIUM_SOCKET_OUTBOUND_LIMIT", LIMIT + "B")
        .env("ATRIUM_SOCKET_OUTBOUND_STALL", STALL.toMillis() + "ms")
        .start();
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  @DisplayName("a client that never reads while 10,000 steps are published stays bounded and is closed with a reason")
  void slowClientBoundedAndClosed() throws Exception {
    NodeFixture.Reply created = node.call("POST", "/api/rooms")
        .json(new JsonObject().put("title", "flood").put("visibility", "private")).send();
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    String room = created.json().getString("id");
    String address = Addresses.room(room);
    EventBus bus = node.server().vertx().eventBus();
    List<JsonObject> closedNotices = new CopyOnWriteArrayList<>();
    MessageConsumer<JsonObject> notices = bus.consumer(Addresses.CONTROL_SOCKET_CLOSED,
        message -> closedNotices.add(message.body()));
    notices.completion().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);

    try (SockJsTestClient slow = SockJsTestClient.websocket(node.port()).receiveBufferSize(4096)
            .pingEvery(Duration.ofSeconds(1)).connect();
        SockJsTestClient fast = SockJsTestClient.websocket(node.port()).pingEvery(Duration.ofSeconds(1)).connect()) {
      String slowId = slow.request(Addresses.CONTROL_JOIN, new JsonObject().put("room", room)).getString("socket");
      slow.register(address);
      fast.request(Addresses.CONTROL_JOIN, new JsonObject().put("room", room));
      fast.register(address);
      fast.request(Addresses.CONTROL_JOIN, new JsonObject().put("room", room));
      slow.request(Addresses.CONTROL_JOIN, new JsonObject().put("room", room));

      slow.pause();
      // a presenter stepping fast: 100 steps every 10 ms, 20 MB/s, for a second
      Vertx vertx = node.server().vertx();
      AtomicInteger next = new AtomicInteger();
      vertx.setPeriodic(10, timer -> {
        for (int n = 0; n < BATCH && next.get() < EVENTS; n++) {
          int i = next.getAndIncrement();
          bus.publish(address, new JsonObject().put("type", "step").put("seq", 1_000_000 + i).put("room", room)
              .put("frame", i).put("holder", "local/flood").put("pad", PAD));
        }
        if (next.get() >= EVENTS) {
          vertx.cancelTimer(timer);
        }
      });

      JsonObject last = fast.awaitBody(address, body -> body.getInteger("frame", -1) == EVENTS - 1,
          Duration.ofSeconds(30));
      assertThat(last.getString("type")).isEqualTo("step");
      JsonObject notice = SessionLimitTest.awaitNotice(closedNotices, slowId);
      assertThat(notice.getString("reason")).isEqualTo("slow");
      assertThat(notice.getJsonArray("rooms").getList()).containsExactly(room);
      long peak = metric("atrium_control_outbound_peak_bytes");
      assertThat(peak).as("most bytes one socket had unsent").isPositive()
          .isLessThanOrEqualTo(LIMIT + 4 * 1024);
      assertThat(metric("atrium_control_disconnects_total{reason=\"slow\"}")).isEqualTo(1);
      assertThat(metric("atrium_control_outbound_coalesced_total")).isPositive();

      slow.resume();
      assertThat(slow.awaitClosed(Duration.ofSeconds(20))).as("the slow socket is closed").isTrue();
      List<JsonObject> steps = slow.bodies(address);
      assertThat(steps.size()).as("steps the slow client got").isLessThan(EVENTS);
      JsonObject disconnected = slow.awaitBody(ControlChannelVerticle.CLIENT_SELF,
          body -> "disconnected".equals(body.getString("type")), Duration.ofSeconds(5));
      assertThat(disconnected.getString("reason")).isEqualTo("slow");
      assertThat(disconnected.getString("message")).startsWith("too slow");

      assertThat(fast.isClosed()).as("the client that keeps up stays").isFalse();
      assertThat(frames(fast.bodies(address))).as("steps arrive in order, the last one included")
          .isSorted().doesNotHaveDuplicates().endsWith(EVENTS - 1);
      assertThat(frames(steps)).as("the slow client's steps, in order").isSorted().doesNotHaveDuplicates();
      assertThat(fast.request(Addresses.CONTROL_JOIN, new JsonObject().put("room", room))
          .getJsonArray("presence").size()).as("the slow socket left the room").isEqualTo(1);
    } finally {
      notices.unregister();
    }
  }

  private static List<Integer> frames(List<JsonObject> bodies) {
    return bodies.stream().filter(b -> "step".equals(b.getString("type"))).map(b -> b.getInteger("frame")).toList();
  }

  private static long metric(String series) {
    NodeFixture.Reply reply = node.call("GET", "/metrics").send();
    Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(series) + " ([0-9.E+-]+)$").matcher(reply.body());
    if (!matcher.find()) {
      throw new AssertionError("no " + series + " in /metrics: "
          + reply.body().lines().filter(l -> l.startsWith("atrium_control")).toList());
    }
    return (long) Double.parseDouble(matcher.group(1));
  }
}
