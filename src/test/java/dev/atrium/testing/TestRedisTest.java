package dev.atrium.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@DisplayName("The test Redis server")
@ExtendWith(RedisExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TestRedisTest {

  @Test
  @DisplayName("answers PING on its loopback port and advertises a redis:// URL for that port")
  void answersPing(TestRedis redis) throws IOException {
    assertThat(redis.isRunning()).isTrue();
    assertThat(redis.url()).isEqualTo("redis://127.0.0.1:" + redis.port());
    assertThat(ping(redis.port())).isEqualTo("+PONG");
  }

  @Test
  @DisplayName("is the same instance every time it is asked for")
  void isShared(TestRedis redis) {
    assertThat(TestRedis.shared()).isSameAs(redis);
  }

  @Test
  @DisplayName("refuses connections once stopped and answers again after a restart on the same port")
  void restartsOnTheSamePort() throws IOException {
    // A private server, so stopping it cannot disturb tests that use the shared one.
    try (TestRedis redis = TestRedis.startNew()) {
      int port = redis.port();
      assertThat(ping(port)).isEqualTo("+PONG");

      redis.stop();

      assertThat(redis.isRunning()).isFalse();
      assertThatThrownBy(() -> ping(port)).isInstanceOf(ConnectException.class);

      redis.start();

      assertThat(redis.isRunning()).isTrue();
      assertThat(redis.port()).isEqualTo(port);
      assertThat(ping(port)).isEqualTo("+PONG");
    }
  }

  private static String ping(int port) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
      socket.setSoTimeout(2_000);
      OutputStream out = socket.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      BufferedReader in = new BufferedReader(
          new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
      return in.readLine();
    }
  }
}
