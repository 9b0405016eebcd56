package dev.atrium.control;

import dev.atrium.bus.OnContext;
import dev.atrium.coordination.Coordination;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Browser sessions across their sockets, cluster-wide in the coordination store.
 *
 * <ul>
 *   <li>{@code session:<user>:<sid>} — hash, one field per open socket: {@code {order, node, seen}}.
 *       {@code order} comes from a store counter, so the oldest socket is the same for every node
 *       whatever their clocks say. The hosting node refreshes {@code seen}; entries of a node that
 *       died are dropped once stale.</li>
 *   <li>{@code restore:<user>:<sid>} — hash, one field per socket that closed while in rooms:
 *       {@code {rooms, closedAt}}, kept for the restore window. A new socket of the session takes
 *       the most recent one (exactly one new socket gets each) and is put back in those rooms.</li>
 * </ul>
 * The user id is part of the keys: a session cookie planted in another user's browser never joins
 * that user's sockets to the planter's session.
 *
 * <p>Confined to the owning verticle's context.
 */
final class Sessions {

  private static final Duration ORDER_WINDOW = Duration.ofDays(1);

  private final Coordination store;
  private final Context context;
  private final String node;
  private final Duration staleAfter;
  private final Duration restoreWindow;

  Sessions(Coordination store, Context context, String node, Duration staleAfter, Duration restoreWindow) {
    this.store = store;
    this.context = context;
    this.node = node;
    this.staleAfter = staleAfter;
    this.restoreWindow = restoreWindow;
  }

  static String key(ControlSocket socket) {
    return "session:" + socket.user.id() + ":" + socket.session;
  }

  static String restoreKey(ControlSocket socket) {
    return "restore:" + socket.user.id() + ":" + socket.session;
  }

  /**
   * Adds a new socket to its session; when the session then holds more than {@code max} live
   * sockets ({@code max} > 0), removes the oldest ones and returns those this call removed — the
   * caller closes them.
   */
  Future<List<String>> open(ControlSocket socket, int max) {
    return back(store.increment(key(socket) + ":order", ORDER_WINDOW))
        .compose(order -> {
          socket.sessionOrder = order.count();
          return refresh(socket);
        })
        .compose(v -> max <= 0 ? Future.succeededFuture(List.of()) : back(store.hashAll(key(socket)))
            .compose(fields -> evictOldest(socket, fields, max)));
  }

  private Future<List<String>> evictOldest(ControlSocket socket, Map<String, String> fields, int max) {
    long now = System.currentTimeMillis();
    List<JsonObject> live = new ArrayList<>();
    List<Future<Boolean>> removals = new ArrayList<>();
    fields.forEach((socketId, text) -> {
      JsonObject entry = Presence.parse(text);
      if (entry == null || now - entry.getLong("seen", 0L) > staleAfter.toMillis()) {
        removals.add(back(store.hashRemove(key(socket), socketId)));
      } else {
        live.add(entry.put("socket", socketId));
      }
    });
    live.sort(Comparator.comparingLong((JsonObject e) -> e.getLong("order", 0L)));
    List<String> victims = new ArrayList<>();
    for (int i = 0; i < live.size() - max; i++) {
      String victim = live.get(i).getString("socket");
      if (!victim.equals(socket.id)) {
        victims.add(victim);
      }
    }
    List<Future<Boolean>> taken = victims.stream().map(v -> back(store.hashRemove(key(socket), v))).toList();
    return Future.join(removals).otherwiseEmpty().compose(v -> Future.join(taken)).transform(done -> {
      List<String> won = new ArrayList<>();
      for (int i = 0; i < victims.size(); i++) {
        if (taken.get(i).succeeded() && Boolean.TRUE.equals(taken.get(i).result())) {
          won.add(victims.get(i));
        }
      }
      return Future.succeededFuture(won);
    });
  }

  /** Re-announces that the socket is alive (its node is). */
  Future<Void> refresh(ControlSocket socket) {
    JsonObject entry = new JsonObject().put("order", socket.sessionOrder).put("node", node)
        .put("seen", System.currentTimeMillis());
    return back(store.hashPut(key(socket), socket.id, entry.encode(), staleAfter));
  }

  /** Removes a closed socket; when it was in rooms and may be restored, keeps them for the window. */
  Future<Void> close(ControlSocket socket, Set<String> rooms, boolean restorable) {
    Future<Boolean> removed = back(store.hashRemove(key(socket), socket.id));
    if (!restorable || rooms.isEmpty()) {
      return removed.mapEmpty();
    }
    JsonObject record = new JsonObject().put("rooms", new JsonArray(new ArrayList<>(rooms)))
        .put("closedAt", System.currentTimeMillis());
    return Future.join(removed, back(store.hashPut(restoreKey(socket), socket.id, record.encode(), restoreWindow)))
        .mapEmpty();
  }

  /**
   * Takes the session's most recent restore record for a new socket: the closed socket's id and
   * rooms, or null when there is none within the window (or another new socket took it).
   */
  Future<Restore> takeRestore(ControlSocket socket) {
    return back(store.hashAll(restoreKey(socket))).compose(fields -> {
      long now = System.currentTimeMillis();
      String bestSocket = null;
      JsonObject best = null;
      for (Map.Entry<String, String> field : fields.entrySet()) {
        JsonObject record = Presence.parse(field.getValue());
        if (record != null && now - record.getLong("closedAt", 0L) <= restoreWindow.toMillis()
            && (best == null || record.getLong("closedAt", 0L) > best.getLong("closedAt", 0L))) {
          best = record;
          bestSocket = field.getKey();
        }
      }
      if (best == null) {
        return Future.succeededFuture(null);
      }
      String previous = bestSocket;
      List<String> rooms = new ArrayList<>();
      best.getJsonArray("rooms", new JsonArray()).forEach(room -> rooms.add(String.valueOf(room)));
      return back(store.hashRemove(restoreKey(socket), previous))
          .map(won -> won ? new Restore(previous, rooms) : null);
    });
  }

  private <T> Future<T> back(Future<T> future) {
    return OnContext.back(context, future);
  }

  /**
   * What a new socket of a session takes over.
   *
   * @param previous the closed socket's id
   * @param rooms the rooms it was in
   */
  record Restore(String previous, List<String> rooms) {
  }
}
