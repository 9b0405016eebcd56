package dev.atrium.accounts;

import dev.atrium.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;

/**
 * Keeps accounts ready on this node: creates the unique e-mail index and the first admin account
 * at startup, and drops cached accounts when any node announces a change
 * ({@link Addresses#ACCOUNTS_CHANGED}).
 */
public final class AccountsVerticle extends VerticleBase {

  private final Accounts accounts;
  private final UserStore users;

  /**
   * @param accounts the node's account service (whose cache this verticle keeps fresh)
   * @param users the account store
   */
  public AccountsVerticle(Accounts accounts, UserStore users) {
    this.accounts = accounts;
    this.users = users;
  }

  @Override
  public Future<?> start() {
    var changes = vertx.eventBus().<JsonObject>consumer(Addresses.ACCOUNTS_CHANGED,
        message -> accounts.evict(message.body().getString("user")));
    return Future.join(changes.completion(), users.ensureIndexes().compose(v -> accounts.ensureAdmin()));
  }
}
