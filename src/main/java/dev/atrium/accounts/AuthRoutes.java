package dev.atrium.accounts;

import dev.atrium.bus.FailureCodes;
import dev.atrium.config.LimitSettings;
import dev.atrium.web.ClientInfo;
import dev.atrium.security.RateLimiter;
import dev.atrium.web.ApiException;
import dev.atrium.web.HttpModule;
import dev.atrium.web.Requests;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * Sign-in and account administration over HTTP. Sign-in sets the HttpOnly session cookie; a
 * script that wants a bearer token asks for it with {@code "token": true} in the body.
 */
public final class AuthRoutes implements HttpModule {

  private static final int MAX_PAGE = 500;

  private final Accounts accounts;
  private final AuthHandler.SessionCookie cookies;
  private final RateLimiter limiter;
  private final LimitSettings limits;

  /**
   * @param accounts the account service
   * @param cookies the session cookie
   * @param limiter shared rate limiter
   * @param limits configured limits
   */
  public AuthRoutes(Accounts accounts, AuthHandler.SessionCookie cookies, RateLimiter limiter, LimitSettings limits) {
    this.accounts = accounts;
    this.cookies = cookies;
    this.limiter = limiter;
    this.limits = limits;
  }

  @Override
  public void mount(Router router) {
    router.post("/api/auth/register").handler(this::register);
    router.post("/api/auth/login").handler(this::login);
    router.post("/api/auth/logout").handler(this::logout);
    router.get("/api/auth/me").handler(this::me);
    router.post("/api/auth/password").handler(this::changePassword);
    router.get("/api/admin/users").handler(this::listUsers);
    router.patch("/api/admin/users/:id").handler(this::updateUser);
    router.post("/api/admin/users/:id/password").handler(this::resetPassword);
  }

  private void register(RoutingContext ctx) {
    JsonObject body = Requests.jsonBody(ctx);
    String email = Requests.string(body, "email", true);
    String password = Requests.string(body, "password", true);
    limiter.hit("register", limits.register(), true, List.of("ip:" + ClientInfo.of(ctx).ip()))
        .compose(v -> accounts.register(email, password))
        .onSuccess(session -> signedIn(ctx, 201, session, body))
        .onFailure(ctx::fail);
  }

  private void login(RoutingContext ctx) {
    JsonObject body = Requests.jsonBody(ctx);
    String email = Requests.string(body, "email", true);
    String password = Requests.string(body, "password", true);
    List<String> keys = List.of("ip:" + ClientInfo.of(ctx).ip(), "account:" + UserStore.emailKey(email));
    limiter.hit("login", limits.login(), true, keys)
        .compose(v -> accounts.login(email, password))
        .onSuccess(session -> signedIn(ctx, 200, session, body))
        .onFailure(ctx::fail);
  }

  private void signedIn(RoutingContext ctx, int status, Accounts.Session session, JsonObject body) {
    ctx.response().addCookie(cookies.carrying(session.token()));
    JsonObject reply = new JsonObject().put("user", session.user().toJson());
    if (Boolean.TRUE.equals(body.getValue("token"))) {
      reply.put("token", session.token()).put("expiresIn", accounts.tokens().ttlSeconds());
    }
    ctx.response().setStatusCode(status);
    ctx.json(reply);
  }

  private void logout(RoutingContext ctx) {
    AuthUser user = signedInAccount(ctx);
    accounts.logout(user).onSuccess(v -> {
      ctx.response().addCookie(cookies.expired()).setStatusCode(204).end();
    }).onFailure(ctx::fail);
  }

  private void me(RoutingContext ctx) {
    AuthUser user = AuthHandler.require(ctx);
    ctx.json(new JsonObject().put("id", user.id()).put("email", user.email()).put("admin", user.admin())
        .put("implicit", user.implicit()));
  }

  private void changePassword(RoutingContext ctx) {
    AuthUser user = signedInAccount(ctx);
    JsonObject body = Requests.jsonBody(ctx);
    String current = Requests.string(body, "current", true);
    String next = Requests.string(body, "password", true);
    accounts.changePassword(user, current, next)
        .onSuccess(session -> signedIn(ctx, 200, session, body))
        .onFailure(ctx::fail);
  }

  private void listUsers(RoutingContext ctx) {
    requireAdmin(ctx);
    int page = Requests.intParam(ctx, "page", 0, Integer.MAX_VALUE / MAX_PAGE);
    int size = Requests.intParam(ctx, "size", 50, MAX_PAGE);
    accounts.list(page * size, size).onSuccess(users -> ctx.json(new JsonObject()
        .put("page", page).put("size", size)
        .put("users", new JsonArray(users.stream().map(UserRecord::toJson).toList()))))
        .onFailure(ctx::fail);
  }

  private void updateUser(RoutingContext ctx) {
    AuthUser admin = requireAdmin(ctx);
    JsonObject body = Requests.jsonBody(ctx);
    Boolean disabled = Requests.bool(body, "disabled");
    Boolean isAdmin = Requests.bool(body, "admin");
    if (disabled == null && isAdmin == null) {
      throw new ApiException(FailureCodes.BAD_REQUEST, "body: set 'disabled' and/or 'admin'");
    }
    String id = ctx.pathParam("id");
    if (id.equals(admin.id()) && (Boolean.TRUE.equals(disabled) || Boolean.FALSE.equals(isAdmin))) {
      throw new ApiException(FailureCodes.CONFLICT, "an admin cannot disable or demote their own account");
    }
    accounts.update(id, disabled, isAdmin).onSuccess(user -> ctx.json(user.toJson())).onFailure(ctx::fail);
  }

  private void resetPassword(RoutingContext ctx) {
    requireAdmin(ctx);
    String password = Requests.string(Requests.jsonBody(ctx), "password", true);
    accounts.setPassword(ctx.pathParam("id"), password).onSuccess(user -> ctx.json(user.toJson())).onFailure(ctx::fail);
  }

  private static AuthUser signedInAccount(RoutingContext ctx) {
    AuthUser user = AuthHandler.require(ctx);
    if (user.implicit()) {
      throw new ApiException(FailureCodes.CONFLICT, "the implicit local user has no account to sign out of");
    }
    return user;
  }

  private static AuthUser requireAdmin(RoutingContext ctx) {
    AuthUser user = AuthHandler.require(ctx);
    if (!user.admin()) {
      throw new ApiException(FailureCodes.FORBIDDEN, "administrators only");
    }
    return user;
  }
}
