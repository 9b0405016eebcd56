package dev.atrium.web;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import dev.atrium.observe.RequestIdConverter;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

@DisplayName("The request id in log lines")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RequestIdLogTest {

  @TempDir
  static Path dir;

  private static InProcessNode node;

  private RenderingAppender appender;

  @BeforeAll
  static void startNode() throws Exception {
    node = InProcessNode.start(dir, Map.of());
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @BeforeEach
  void capture() {
    appender = new RenderingAppender();
    appender.start();
    root().addAppender(appender);
  }

  @AfterEach
  void release() {
    root().detachAppender(appender);
    appender.stop();
  }

  @Test
  @DisplayName("reaches the bus consumer's line and the access line of the request that caused them")
  void reachesBothSidesOfTheBus() throws Exception {
    String pingPath = "/api/cluster/nodes/" + node.nodeId() + "/ping";

    HttpResponse<String> response = node.send(
        node.request(pingPath).header("X-Request-Id", "test-rid-42").GET().build());

    assertThat(response.statusCode()).isEqualTo(200);
    awaitAccessLines(1);
    assertThat(linesFor(line -> line.logger().equals("dev.atrium.node.NodeVerticle")
        && line.message().startsWith("node ping answered")))
        .extracting(Line::requestId).containsExactly("test-rid-42");
    assertThat(linesFor(line -> line.logger().equals("atrium.access")
        && line.message().startsWith("request served [GET " + pingPath + ", status: 200")))
        .extracting(Line::requestId).containsExactly("test-rid-42");
  }

  @Test
  @DisplayName("concurrent requests each log with their own id, never with another's")
  void concurrentRequestsKeepTheirOwnIds() throws Exception {
    String pingPath = "/api/cluster/nodes/" + node.nodeId() + "/ping";
    int count = 24;
    List<CompletableFuture<HttpResponse<String>>> replies = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      // Pings (bus round trip) interleaved with 404s (no bus), so callbacks of different
      // requests run on the same event loops at the same time.
      String path = i % 2 == 0 ? pingPath : "/nope-" + i;
      replies.add(node.client().sendAsync(
          node.request(path).header("X-Request-Id", "rid-" + i).GET().build(),
          HttpResponse.BodyHandlers.ofString()));
    }
    CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
    awaitAccessLines(count);

    for (int i = 0; i < count; i++) {
      String rid = "rid-" + i;
      String path = i % 2 == 0 ? pingPath : "/nope-" + i;
      int status = i % 2 == 0 ? 200 : 404;
      assertThat(replies.get(i).get().statusCode()).isEqualTo(status);
      assertThat(linesFor(line -> line.logger().equals("atrium.access")
          && line.requestId().equals(rid)))
          .as("access lines of %s", rid)
          .extracting(Line::message)
          .singleElement().asString().startsWith("request served [GET " + path + ", status: " + status);
    }
    List<String> pingIds = linesFor(line -> line.message().startsWith("node ping answered")).stream()
        .map(Line::requestId).toList();
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < count; i += 2) {
      expected.add("rid-" + i);
    }
    assertThat(pingIds).containsExactlyInAnyOrderElementsOf(expected);
  }

  private List<Line> linesFor(Predicate<Line> filter) {
    return appender.lines.stream().filter(filter).toList();
  }

  /**
   * The access line is written when the response ends, which may be a moment after the client
   * has read it: wait (bounded) until every request's line is in.
   */
  private void awaitAccessLines(int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (linesFor(line -> line.logger().equals("atrium.access")).size() < count
        && System.nanoTime() - deadline < 0) {
      Thread.sleep(20);
    }
  }

  private static Logger root() {
    return ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }

  /** One captured line: the request id as {@code %rid} rendered it while the event was logged. */
  private record Line(String requestId, String logger, String message) {
  }

  /**
   * Renders {@code %rid} at append time, on the logging thread: the converter reads the Vert.x
   * context of that thread, which is gone by the time a test looks at a stored event.
   */
  private static final class RenderingAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {

    private static final String SEPARATOR = "\t";

    private final List<Line> lines = new CopyOnWriteArrayList<>();
    private final PatternLayout layout = new PatternLayout();

    RenderingAppender() {
      LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
      setContext(context);
      layout.setContext(context);
      layout.getInstanceConverterMap().put("rid", RequestIdConverter::new);
      layout.setPattern("%rid" + SEPARATOR + "%logger" + SEPARATOR + "%msg");
      layout.start();
      if (!layout.isStarted()) {
        throw new IllegalStateException("the %rid test layout did not start");
      }
    }

    @Override
    protected void append(ILoggingEvent event) {
      String[] parts = layout.doLayout(event).split(SEPARATOR, 3);
      lines.add(new Line(parts[0], parts[1], parts[2]));
    }
  }
}
