package dev.atrium.process;

import static dev.atrium.process.ProcessTests.EXIT_TIMEOUT;
import static dev.atrium.process.ProcessTests.READY_TIMEOUT;
import static dev.atrium.process.ProcessTests.TAIL;
import static dev.atrium.process.ProcessTests.assertInOrder;
import static dev.atrium.process.ProcessTests.awaitExit;
import static dev.atrium.process.ProcessTests.indexOf;
import static dev.atrium.process.ProcessTests.isolatedEnv;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.testing.AtriumProcess;
import dev.atrium.testing.FreePorts;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local node in its own JVM: the order of its startup and shutdown log lines, its exit code on
 * SIGTERM and SIGINT, and that it stops reporting ready before it stops serving.
 */
@DisplayName("A local Atrium node in its own JVM")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ShutdownTest {

  private static final Logger LOG = LoggerFactory.getLogger(ShutdownTest.class);

  private static final String[] STARTUP = {
      "atrium starting",
      "stores ready",
      "verticle deployed [name: NodeVerticle",
      "verticle deployed [name: HttpServerVerticle",
      "atrium ready"};

  private static final String[] SHUTDOWN_AFTER_SIGNAL = {
      "shutdown started",
      "stats snapshot",
      "readiness withdrawn",
      "verticle undeployed [name: HttpServerVerticle]",
      "verticle undeployed [name: NodeVerticle]",
      "records closed",
      "coordination closed",
      "vert.x closed",
      "shutdown complete"};

  @TempDir
  Path home;

  @TempDir
  Path dataDir;

  private AtriumProcess start(String name, int port) {
    return AtriumProcess.builder()
        .name(name)
        .workDir(home)
        .env(isolatedEnv(home))
        .args("serve", "--port", Integer.toString(port), "--data-dir", dataDir.toString())
        .start();
  }

  @Test
  @DisplayName("logs its startup steps in order, and on SIGTERM shuts down in order and exits 0")
  void startsAndStopsInOrder() throws Exception {
    int port = FreePorts.next();
    try (AtriumProcess node = start("shutdown-order", port)) {
      node.waitForReady(port, READY_TIMEOUT);
      assertThat(node.output()).contains("atrium ready [url: http://127.0.0.1:" + port);

      node.sigterm();
      int exit = awaitExit(node, EXIT_TIMEOUT);

      List<String> lines = node.lines();
      assertThat(exit).as("exit code after SIGTERM; output:\n%s", node.tail(TAIL)).isZero();
      assertInOrder(lines, STARTUP);
      assertInOrder(lines, concat("received SIGTERM", SHUTDOWN_AFTER_SIGNAL));
      assertThat(indexOf(lines, "atrium ready"))
          .as("ready before the signal was received")
          .isLessThan(indexOf(lines, "received SIGTERM"));
      assertThat(lines).noneMatch(line -> line.contains("left the cluster"));
    }
  }

  @Test
  @DisplayName("after SIGTERM never answers /health/ready with 200 once readiness is withdrawn, and still exits 0")
  void withdrawsReadinessBeforeStopping() throws Exception {
    int port = FreePorts.next();
    try (AtriumProcess node = start("shutdown-drain", port)) {
      node.waitForReady(port, READY_TIMEOUT);
      assertThat(rawReady(port).status).as("ready before the signal").isEqualTo(200);

      node.sigterm();
      List<Poll> polls = new ArrayList<>();
      long deadline = System.nanoTime() + EXIT_TIMEOUT.toNanos();
      while (node.isAlive() && System.nanoTime() < deadline) {
        // The line is read from the node's output before the request is sent: once it is seen
        // here, the node has already advanced to DRAINING.
        boolean withdrawn = indexOf(node.lines(), "readiness withdrawn") >= 0;
        Poll poll = rawReady(port);
        polls.add(poll.after(withdrawn));
        Thread.sleep(10);
      }
      int exit = awaitExit(node, Duration.ofSeconds(10));
      LOG.info("readiness polls after SIGTERM [polls: {}]", polls);

      List<Poll> afterWithdrawal = polls.stream().filter(p -> p.afterWithdrawal).toList();
      assertThat(afterWithdrawal)
          .as("requests sent after 'readiness withdrawn' was printed (all polls: %s)", polls)
          .isNotEmpty()
          .allSatisfy(poll -> assertThat(poll.status == 503 || poll.status == Poll.REFUSED
              || poll.status == Poll.CLOSED)
              .as("answer %s: must be 503 or no connection", poll)
              .isTrue());
      assertThat(polls).as("no request may hang").noneMatch(p -> p.status == Poll.TIMED_OUT);
      assertThat(exit).as("exit code after SIGTERM; output:\n%s", node.tail(TAIL)).isZero();
      assertThat(node.output()).contains("shutdown complete");
    }
  }

  @Test
  @DisplayName("on SIGINT shuts down in the same order and exits 0")
  void stopsOnSigint() throws Exception {
    int port = FreePorts.next();
    try (AtriumProcess node = start("shutdown-sigint", port)) {
      node.waitForReady(port, READY_TIMEOUT);
      HttpResponse<String> live = ProcessTests.mustGet(node, port, "/health", null);
      assertThat(live.statusCode()).isEqualTo(200);

      ProcessTests.sigint(node);
      int exit = awaitExit(node, EXIT_TIMEOUT);

      assertThat(exit).as("exit code after SIGINT; output:\n%s", node.tail(TAIL)).isZero();
      assertInOrder(node.lines(), concat("received SIGINT", SHUTDOWN_AFTER_SIGNAL));
      assertThat(node.output()).doesNotContain("received SIGTERM");
    }
  }

  private static String[] concat(String first, String... rest) {
    String[] all = new String[rest.length + 1];
    all[0] = first;
    System.arraycopy(rest, 0, all, 1, rest.length);
    return all;
  }

  /**
   * One {@code GET /health/ready} on a new connection (raw HTTP/1.1 with {@code Connection:
   * close}), so that every poll tests whether the node still accepts connections.
   */
  private static Poll rawReady(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
      socket.setSoTimeout((int) ProcessTests.REQUEST_TIMEOUT.toMillis());
      OutputStream out = socket.getOutputStream();
      out.write(("GET /health/ready HTTP/1.1\r\nHost: 127.0.0.1:" + port
          + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      BufferedReader in = new BufferedReader(
          new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
      String statusLine = in.readLine();
      if (statusLine == null) {
        return new Poll(Poll.CLOSED, "closed without an answer");
      }
      String[] parts = statusLine.split(" ");
      return new Poll(parts.length > 1 ? Integer.parseInt(parts[1]) : Poll.CLOSED, statusLine);
    } catch (ConnectException e) {
      return new Poll(Poll.REFUSED, e.getMessage());
    } catch (SocketTimeoutException e) {
      return new Poll(Poll.TIMED_OUT, e.getMessage());
    } catch (IOException e) {
      return new Poll(Poll.CLOSED, e.toString());
    }
  }

  /** The outcome of one poll: an HTTP status, or one of the negative codes. */
  private static final class Poll {
    static final int REFUSED = -1;
    static final int CLOSED = -2;
    static final int TIMED_OUT = -3;

    final int status;
    final String detail;
    boolean afterWithdrawal;

    Poll(int status, String detail) {
      this.status = status;
      this.detail = detail;
    }

    Poll after(boolean withdrawn) {
      afterWithdrawal = withdrawn;
      return this;
    }

    @Override
    public String toString() {
      String what = switch (status) {
        case REFUSED -> "refused";
        case CLOSED -> "closed";
        case TIMED_OUT -> "timed out";
        default -> Integer.toString(status);
      };
      return what + (afterWithdrawal ? " (after withdrawal)" : "") + " [" + detail + "]";
    }
  }
}
