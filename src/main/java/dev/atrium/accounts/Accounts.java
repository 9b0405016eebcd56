package dev.atrium.accounts;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.atrium.bus.Addresses;
import dev.atrium.bus.FailureCodes;
import dev.atrium.config.AuthSettings;
import dev.atrium.web.ApiException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accounts and sign-in: registration, login, logout, password changes and the admin operations,
 * plus turning a token into the {@link AuthUser} it speaks for. Shared by every HTTP and bridge
 * handler of a node (a plain service, not a verticle).
 *
 * <p>Revocation is a per-user token version stored with the account: logout, disabling, a
 * password change and an admin-flag change each increment it in the same atomic update, and a
 * token is accepted only while its {@code tv} equals the account's. Password hashing runs on
 * worker threads, unordered, so sign-ins arriving on one event loop hash in parallel. Accounts are cached per node
 * for {@link #CACHE_TTL} and evicted on every node at once through
 * {@link Addresses#ACCOUNTS_CHANGED}, so a revocation takes effect immediately.
 */
public final class Accounts {

  /** How long a node trusts its cached copy of an account without a change notice. */
  public static final Duration CACHE_TTL = Duration.ofSeconds(10);
  private static final Logger LOG = LoggerFactory.getLogger(Accounts.class);
  private static final Pattern EMAIL = Pattern.compile("[^@\\s]{1,64}@[^@\\s]{1,189}");
  private static final int MAX_PASSWORD_BYTES = 1024;

  private final Vertx vertx;
  private final UserStore users;
  private final PasswordHasher hasher;
  private final TokenService tokens;
  private final AuthSettings auth;
  private final Cache<String, UserRecord> cache = Caffeine.newBuilder()
      .maximumSize(100_000)
      .expireAfterWrite(CACHE_TTL)
      .build();
  /**
   * Moves on with every eviction. A store read that began before an eviction may return the
   * account as it was before the change; it must not be cached, or a revoked token would be
   * accepted again for up to {@link #CACHE_TTL}.
   */
  private final AtomicLong evictions = new AtomicLong();

  /**
   * @param vertx for worker threads (hashing) and change notices
   * @param users the account store
   * @param tokens the token service
   * @param auth sign-in settings
   */
  public Accounts(Vertx vertx, UserStore users, TokenService tokens, AuthSettings auth) {
    this.vertx = vertx;
    this.users = users;
    this.hasher = new PasswordHasher();
    this.tokens = tokens;
    this.auth = auth;
  }

  /** Sign-in settings. */
  public AuthSettings settings() {
    return auth;
  }

  /** The token service. */
  public TokenService tokens() {
    return tokens;
  }

  /**
   * The principal a token speaks for; fails with 401 when the token is invalid, expired, revoked,
   * or its account is gone or disabled. Cheap on a cache hit: signature check and a map lookup.
   */
  public Future<AuthUser> authenticate(String token) {
    return tokens.verify(token)
        .recover(failure -> Future.failedFuture(unauthorized("invalid or expired token")))
        .compose(claims -> account(claims.subject()).compose(user -> {
          if (user == null || user.disabled() || user.tokenVersion() != claims.tokenVersion()) {
            return Future.failedFuture(unauthorized("token revoked; sign in again"));
          }
          return Future.succeededFuture(user.principal());
        }));
  }

  /** The account with this id, from the node cache or the store. */
  public Future<UserRecord> account(String id) {
    UserRecord cached = cache.getIfPresent(id);
    if (cached != null) {
      return Future.succeededFuture(cached);
    }
    long generation = evictions.get();
    return users.byId(id).onSuccess(user -> {
      if (user != null && evictions.get() == generation) {
        cache.put(id, user);
      }
    });
  }

  /** Drops a cached account (on a change notice from any node). */
  public void evict(String userId) {
    evictions.incrementAndGet();
    cache.invalidate(userId);
  }

  /** Opens an account and signs it in; 403 when registration is closed, 409 when the e-mail is taken. */
  public Future<Session> register(String email, String password) {
    if (!auth.registration()) {
      return Future.failedFuture(new ApiException(FailureCodes.FORBIDDEN, "registration is closed on this server"));
    }
    return validated(email, password)
        .compose(v -> vertx.executeBlocking(() -> hasher.hash(password), false))
        .compose(hash -> users.create(email, hash, false))
        .map(user -> {
          LOG.info("account registered [user: {}]", user.id());
          return new Session(user, tokens.issue(user));
        });
  }

  /** Checks credentials; one answer (401) for an unknown e-mail, a wrong password and a disabled account. */
  public Future<Session> login(String email, String password) {
    if (email == null || password == null) {
      return Future.failedFuture(new ApiException(FailureCodes.BAD_REQUEST, "email and password are required"));
    }
    return users.byEmail(email)
        .compose(user -> vertx.executeBlocking(() -> hasher.verify(password, user == null ? null : user.passwordHash()), false)
            .compose(matches -> {
              if (!matches || user.disabled()) {
                return Future.failedFuture(unauthorized("wrong e-mail or password"));
              }
              return users.recordLogin(user.id()).map(v -> new Session(user, tokens.issue(user)));
            }));
  }

  /** Ends every sign-in of this user (the token version moves on). */
  public Future<Void> logout(AuthUser user) {
    return revoke(user.id(), new JsonObject()).mapEmpty();
  }

  /** Changes one's own password after checking the current one; returns a fresh session. */
  public Future<Session> changePassword(AuthUser user, String current, String next) {
    return account(user.id())
        .compose(record -> vertx.executeBlocking(() -> record != null && hasher.verify(current, record.passwordHash()), false))
        .compose(matches -> matches
            ? setPassword(user.id(), next)
            : Future.failedFuture(new ApiException(FailureCodes.FORBIDDEN, "current password is wrong")))
        .map(record -> new Session(record, tokens.issue(record)));
  }

  /** Sets a password (self after a check, or an admin); earlier sign-ins end. */
  public Future<UserRecord> setPassword(String userId, String password) {
    return validatePassword(password)
        .compose(v -> vertx.executeBlocking(() -> hasher.hash(password), false))
        .compose(hash -> revoke(userId, new JsonObject().put("passwordHash", hash)));
  }

  /** Admin: disables/enables an account or changes its admin flag; earlier sign-ins end. */
  public Future<UserRecord> update(String userId, Boolean disabled, Boolean admin) {
    JsonObject set = new JsonObject();
    if (disabled != null) {
      set.put("disabled", disabled);
    }
    if (admin != null) {
      set.put("admin", admin);
    }
    return revoke(userId, set);
  }

  /** Admin: one page of accounts. */
  public Future<List<UserRecord>> list(int skip, int limit) {
    return users.list(skip, limit);
  }

  /** Creates the configured admin account unless an account with its e-mail exists. */
  public Future<Void> ensureAdmin() {
    return users.byEmail(auth.adminEmail()).compose(existing -> {
      if (existing != null) {
        return Future.succeededFuture();
      }
      return vertx.executeBlocking(() -> hasher.hash(auth.adminPassword()), false)
          .compose(hash -> users.create(auth.adminEmail(), hash, true))
          .onSuccess(admin -> LOG.info("admin account created [user: {}, email: {}]", admin.id(), admin.email()))
          .recover(failure -> failure instanceof ApiException api && api.status() == FailureCodes.CONFLICT
              ? Future.succeededFuture() : Future.failedFuture(failure))
          .mapEmpty();
    });
  }

  private Future<UserRecord> revoke(String userId, JsonObject set) {
    return users.updateAndRevoke(userId, set).compose(user -> {
      if (user == null) {
        return Future.failedFuture(new ApiException(FailureCodes.NOT_FOUND, "no account " + userId));
      }
      evict(userId);
      vertx.eventBus().publish(Addresses.ACCOUNTS_CHANGED, new JsonObject().put("user", userId));
      LOG.info("account changed; earlier tokens revoked [user: {}, token version: {}]", userId, user.tokenVersion());
      return Future.succeededFuture(user);
    });
  }

  private static Future<Void> validated(String email, String password) {
    if (email == null || !EMAIL.matcher(email.trim()).matches()) {
      return Future.failedFuture(new ApiException(FailureCodes.BAD_REQUEST, "email: not an e-mail address"));
    }
    return validatePassword(password);
  }

  private static Future<Void> validatePassword(String password) {
    if (password == null || password.length() < PasswordHasher.MIN_LENGTH) {
      return Future.failedFuture(new ApiException(FailureCodes.BAD_REQUEST,
          "password: at least " + PasswordHasher.MIN_LENGTH + " characters"));
    }
    if (password.getBytes(StandardCharsets.UTF_8).length > MAX_PASSWORD_BYTES) {
      return Future.failedFuture(new ApiException(FailureCodes.BAD_REQUEST,
          "password: at most " + MAX_PASSWORD_BYTES + " bytes"));
    }
    return Future.succeededFuture();
  }

  private static ApiException unauthorized(String message) {
    return new ApiException(FailureCodes.UNAUTHORIZED, message);
  }

  /**
   * A signed-in account and its token.
   *
   * @param user the account
   * @param token the signed token
   */
  public record Session(UserRecord user, String token) {
  }
}
