package dev.atrium.web;

import io.vertx.core.Handler;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;

/**
 * The real client of a request: its IP, the scheme it used and the host it asked for. Behind a
 * trusted proxy these come from {@code X-Forwarded-For} (the right-most address that is not a
 * trusted proxy), {@code X-Forwarded-Proto} and {@code X-Forwarded-Host}; from anyone else the
 * headers are ignored.
 *
 * @param ip client IP address
 * @param scheme {@code http} or {@code https}
 * @param host host (and port) the client addressed
 */
public record ClientInfo(String ip, String scheme, String host) {

  private static final String KEY = "atrium.client";

  /** The client of a request that went through {@link #resolver}. */
  public static ClientInfo of(RoutingContext ctx) {
    return ctx.get(KEY);
  }

  /** The origin the client used, e.g. {@code https://atrium.example.org}. */
  public String origin() {
    return scheme + "://" + host;
  }

  /** A handler that resolves the client of every request and stores it in the context. */
  public static Handler<RoutingContext> resolver(TrustedProxies proxies) {
    return ctx -> {
      ctx.put(KEY, resolve(ctx, proxies));
      ctx.next();
    };
  }

  static ClientInfo resolve(RoutingContext ctx, TrustedProxies proxies) {
    SocketAddress remote = ctx.request().remoteAddress();
    String peer = remote == null ? "unknown" : remote.hostAddress();
    String scheme = ctx.request().isSSL() ? "https" : "http";
    String host = ctx.request().authority() == null ? "" : ctx.request().authority().toString();
    if (!proxies.trusts(peer)) {
      return new ClientInfo(peer, scheme, host);
    }
    String ip = peer;
    String forwardedFor = ctx.request().getHeader("X-Forwarded-For");
    if (forwardedFor != null) {
      String[] hops = forwardedFor.split(",");
      for (int i = hops.length - 1; i >= 0; i--) {
        String hop = hops[i].trim();
        if (hop.isEmpty()) {
          continue;
        }
        ip = hop;
        if (!proxies.trusts(hop)) {
          break;
        }
      }
    }
    String proto = first(ctx.request().getHeader("X-Forwarded-Proto"));
    String forwardedHost = first(ctx.request().getHeader("X-Forwarded-Host"));
    return new ClientInfo(ip,
        "https".equalsIgnoreCase(proto) || "http".equalsIgnoreCase(proto) ? proto.toLowerCase() : scheme,
        forwardedHost == null || forwardedHost.isEmpty() ? host : forwardedHost);
  }

  private static String first(String header) {
    return header == null ? null : header.split(",")[0].trim();
  }
}
