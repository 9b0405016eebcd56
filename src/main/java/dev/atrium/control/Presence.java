package dev.atrium.control;

import dev.atrium.bus.OnContext;
import dev.atrium.coordination.Coordination;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Who is in a room, cluster-wide: the coordination-store hash {@code presence:<room>}, one field
 * per joined socket ({@code {user, socket, node, since, seen}}), so that every node answers a join
 * with the same list. The node hosting a socket refreshes its entries ({@code seen}) regularly; an
 * entry not refreshed for {@code staleAfter} belongs to a node that died without saying so, and
 * whoever reads it first removes it and reports it lost. The whole hash expires {@code staleAfter}
 * after its last write, so rooms nobody is in leave nothing behind.
 *
 * <p>Confined to the owning verticle's context.
 */
final class Presence {

  private final Coordination store;
  private final Context context;
  private final String node;
  private final Duration staleAfter;

  Presence(Coordination store, Context context, String node, Duration staleAfter) {
    this.store = store;
    this.context = context;
    this.node = node;
    this.staleAfter = staleAfter;
  }

  static String key(String room) {
    return "presence:" + room;
  }

  /** Records (or refreshes) a socket's presence in a room. */
  Future<Void> put(ControlSocket socket, String room, long since) {
    JsonObject entry = new JsonObject().put("user", socket.user.id()).put("socket", socket.id).put("node", node)
        .put("since", since).put("seen", System.currentTimeMillis());
    return OnContext.back(context, store.hashPut(key(room), socket.id, entry.encode(), staleAfter));
  }

  /** Removes a socket from a room; true only for the caller that removed it. */
  Future<Boolean> remove(String socket, String room) {
    return OnContext.back(context, store.hashRemove(key(room), socket));
  }

  /**
   * The room's live entries, oldest first, as {@code {user, socket}}; stale entries are removed
   * and handed to {@code lost} (each by exactly one reader cluster-wide).
   */
  Future<List<JsonObject>> list(String room, Consumer<JsonObject> lost) {
    return OnContext.back(context, store.hashAll(key(room))).map(fields -> {
      long now = System.currentTimeMillis();
      List<JsonObject> live = new ArrayList<>();
      for (Map.Entry<String, String> field : fields.entrySet()) {
        JsonObject entry = parse(field.getValue());
        if (entry == null || now - entry.getLong("seen", 0L) > staleAfter.toMillis()) {
          JsonObject gone = entry == null ? new JsonObject().put("socket", field.getKey()) : entry;
          remove(field.getKey(), room).onSuccess(removed -> {
            if (removed) {
              lost.accept(gone);
            }
          });
        } else {
          live.add(entry);
        }
      }
      live.sort(Comparator.comparingLong((JsonObject e) -> e.getLong("since", 0L))
          .thenComparing(e -> e.getString("socket", "")));
      return live.stream().map(e -> new JsonObject().put("user", e.getString("user"))
          .put("socket", e.getString("socket"))).toList();
    });
  }

  static JsonObject parse(String text) {
    try {
      return new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      return null;
    }
  }
}
