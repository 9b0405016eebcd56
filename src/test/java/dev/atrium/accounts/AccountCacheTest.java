package dev.atrium.accounts;

import static org.assertj.core.api.Assertions.assertThat;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import dev.atrium.config.AuthSettings;
import dev.atrium.web.ApiException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-node account cache must never bring back an account as it was before a revocation: a
 * store read that was already on its way when the account changed may deliver the old account
 * (old token version, not disabled) after the eviction.
 */
@DisplayName("The account cache")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AccountCacheTest {

  private static final String SECRET = "account-cache-test-secret-0123456789abcd";

  private Vertx vertx;
  private MongoServer mongo;
  private MongoClient client;
  /** While set, the next users.findOne result is held back until this promise completes. */
  private final AtomicReference<HeldRead> hold = new AtomicReference<>();
  private Accounts accounts;

  @BeforeEach
  void setUp(@TempDir Path dir) throws Exception {
    vertx = Vertx.vertx();
    mongo = new MongoServer(H2Backend.inMemory());
    mongo.bind("127.0.0.1", 0);
    client = MongoClient.create(vertx, new JsonObject()
        .put("connection_string", "mongodb://127.0.0.1:" + mongo.getLocalAddress().getPort())
        .put("db_name", "atrium"));
    AuthSettings auth = new AuthSettings(SECRET, null, null, Duration.ofHours(1), true, false,
        "admin@atrium.test", "admin-password-123");
    TokenService tokens = TokenService.create(vertx, auth, dir);
    accounts = new Accounts(vertx, new UserStore(holdingReads(client)), tokens, auth);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (client != null) {
      await(client.close());
    }
    if (mongo != null) {
      mongo.shutdownNow();
    }
    if (vertx != null) {
      await(vertx.close());
    }
  }

  @Test
  @DisplayName("a read that began before a revocation and ends after it is not cached, so the revoked token stays refused")
  void staleReadIsNotCached() throws Exception {
    Accounts.Session session = await(accounts.register("racer@atrium.test", "correct horse battery staple"));
    String token = session.token();
    assertThat(await(accounts.authenticate(token)).id()).isEqualTo(session.user().id());
    accounts.evict(session.user().id());

    HeldRead held = new HeldRead();
    hold.set(held);
    Future<AuthUser> inFlight = accounts.authenticate(token);
    await(held.readDone.future());
    await(accounts.update(session.user().id(), true, null));
    held.release.complete();
    await(inFlight.otherwise((AuthUser) null));

    Throwable refused = null;
    try {
      await(accounts.authenticate(token));
    } catch (ExecutionException e) {
      refused = e.getCause();
    }
    assertThat(refused).as("the revoked token must be refused").isInstanceOf(ApiException.class);
    assertThat(((ApiException) refused).status()).isEqualTo(401);
  }

  /** A MongoClient that can hold back one findOne result on the users collection. */
  private MongoClient holdingReads(MongoClient real) {
    return (MongoClient) Proxy.newProxyInstance(MongoClient.class.getClassLoader(), new Class<?>[] {MongoClient.class},
        (proxy, method, args) -> {
          Object result;
          try {
            result = method.invoke(real, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
          HeldRead held = method.getName().equals("findOne") && UserStore.COLLECTION.equals(args[0])
              ? hold.getAndSet(null) : null;
          if (held == null) {
            return result;
          }
          @SuppressWarnings("unchecked")
          Future<JsonObject> read = (Future<JsonObject>) result;
          return read.onComplete(done -> held.readDone.tryComplete())
              .compose(doc -> held.release.future().map(v -> doc));
        });
  }

  private static final class HeldRead {
    final Promise<Void> readDone = Promise.promise();
    final Promise<Void> release = Promise.promise();
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }
}
