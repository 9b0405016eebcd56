package dev.atrium.accounts;

import dev.atrium.bus.FailureCodes;
import dev.atrium.web.ApiException;
import io.vertx.core.Handler;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

/**
 * Finds out who is asking: a token from the session cookie or an {@code Authorization: Bearer}
 * header (scripts), checked by {@link Accounts#authenticate}. A request without a token goes on
 * anonymous — or, in local mode on loopback, as {@link AuthUser#LOCAL}. A request with a bad
 * token is refused with 401 (and its cookie cleared) rather than treated as anonymous, so a
 * revoked session never silently downgrades.
 */
public final class AuthHandler implements Handler<RoutingContext> {

  private static final String USER_KEY = "atrium.user";
  private static final String VIA_KEY = "atrium.auth.via";

  private final Accounts accounts;
  private final SessionCookie cookies;

  /**
   * @param accounts token verification
   * @param cookies the session cookie's name and attributes
   */
  public AuthHandler(Accounts accounts, SessionCookie cookies) {
    this.accounts = accounts;
    this.cookies = cookies;
  }

  /** How a request was authenticated. */
  public enum Via { NONE, COOKIE, BEARER, IMPLICIT }

  /** The caller, or null when anonymous. */
  public static AuthUser user(RoutingContext ctx) {
    return ctx.get(USER_KEY);
  }

  /** How the caller was authenticated. */
  public static Via via(RoutingContext ctx) {
    Via via = ctx.get(VIA_KEY);
    return via == null ? Via.NONE : via;
  }

  /** The caller; fails the request with 401 when anonymous. */
  public static AuthUser require(RoutingContext ctx) {
    AuthUser user = user(ctx);
    if (user == null) {
      throw new ApiException(FailureCodes.UNAUTHORIZED, "sign in first");
    }
    return user;
  }

  @Override
  public void handle(RoutingContext ctx) {
    String bearer = bearer(ctx);
    Cookie cookie = ctx.request().getCookie(cookies.name());
    String token = bearer != null ? bearer : cookie == null ? null : cookie.getValue();
    if (token == null || token.isEmpty()) {
      if (accounts.settings().localUser()) {
        ctx.put(USER_KEY, AuthUser.LOCAL).put(VIA_KEY, Via.IMPLICIT);
      }
      ctx.next();
      return;
    }
    Via via = bearer != null ? Via.BEARER : Via.COOKIE;
    accounts.authenticate(token).onComplete(result -> {
      if (result.succeeded()) {
        ctx.put(USER_KEY, result.result()).put(VIA_KEY, via);
        ctx.next();
      } else {
        if (via == Via.COOKIE) {
          ctx.response().addCookie(cookies.expired());
        }
        ctx.fail(result.cause());
      }
    });
  }

  private static String bearer(RoutingContext ctx) {
    String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    return header.substring(7).trim();
  }

  /**
   * The session cookie: HttpOnly, SameSite=Lax, Path=/; outside local mode also Secure with the
   * {@code __Host-} prefix (which browsers only accept from HTTPS, without Domain, for Path=/).
   *
   * @param secure whether to mark it Secure and use the prefix
   * @param maxAgeSeconds lifetime, the token's
   */
  public record SessionCookie(boolean secure, long maxAgeSeconds) {

    /** The cookie name. */
    public String name() {
      return secure ? "__Host-atrium_session" : "atrium_session";
    }

    /** A cookie carrying {@code token}. */
    public Cookie carrying(String token) {
      return Cookie.cookie(name(), token).setPath("/").setHttpOnly(true).setSecure(secure)
          .setSameSite(CookieSameSite.LAX).setMaxAge(maxAgeSeconds);
    }

    /** A cookie that deletes the session cookie. */
    public Cookie expired() {
      return carrying("").setMaxAge(0);
    }
  }
}
