package dev.atrium.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Hands out free TCP ports on the IPv4 loopback interface for tests that start servers.
 *
 * <p>A port is found by binding a {@link ServerSocket} on {@code 127.0.0.1} port 0 and closing it
 * again. The port is then free, but nothing reserves it: use it promptly. Within one JVM the same
 * port is never handed out twice, so two servers started by the same test run cannot be given the
 * same port even if the first one has not bound it yet.
 */
public final class FreePorts {

  private static final int MAX_ATTEMPTS = 200;
  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();
  private static final InetAddress LOOPBACK = loopbackV4();

  private FreePorts() {
  }

  /**
   * Returns a loopback TCP port that was free a moment ago and that this method has not returned
   * before in this JVM.
   *
   * @return a port number between 1 and 65535
   * @throws IllegalStateException if no new free port is found after a number of attempts
   * @throws UncheckedIOException if a socket cannot be bound at all
   */
  public static int next() {
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      int port;
      try (ServerSocket socket = new ServerSocket()) {
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(LOOPBACK, 0));
        port = socket.getLocalPort();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot bind a loopback socket to find a free port", e);
      }
      if (HANDED_OUT.add(port)) {
        return port;
      }
    }
    throw new IllegalStateException(
        "no new free loopback port after " + MAX_ATTEMPTS + " attempts");
  }

  private static InetAddress loopbackV4() {
    try {
      return InetAddress.getByAddress("127.0.0.1", new byte[] {127, 0, 0, 1});
    } catch (UnknownHostException e) {
      throw new ExceptionInInitializerError(e);
    }
  }
}
