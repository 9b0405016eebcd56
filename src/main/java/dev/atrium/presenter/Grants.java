package dev.atrium.presenter;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The locks and tokens this node has granted or renewed and believes still held: key → grant, and
 * socket → its keys, so that a closing socket's keys are found at once and the sweep knows what
 * to watch. Confined to the owning verticle's event loop.
 */
final class Grants {

  private final Map<String, Grant> byKey = new HashMap<>();
  private final Map<String, Set<String>> bySocket = new HashMap<>();

  /** Records (or refreshes) a grant; a grant of the same key to another holder is replaced. */
  void put(Grant grant) {
    Grant previous = byKey.put(grant.key(), grant);
    if (previous != null && !previous.socket().equals(grant.socket())) {
      unlinkSocket(previous);
    }
    bySocket.computeIfAbsent(grant.socket(), s -> new LinkedHashSet<>()).add(grant.key());
  }

  /** The grant of a key, or null. */
  Grant get(String key) {
    return byKey.get(key);
  }

  /** Forgets a key's grant if it is still {@code holder}'s; returns the forgotten grant or null. */
  Grant remove(String key, String holder) {
    Grant grant = byKey.get(key);
    if (grant == null || !grant.holder().equals(holder)) {
      return null;
    }
    byKey.remove(key);
    unlinkSocket(grant);
    return grant;
  }

  /** Forgets exactly this grant, unless it has been replaced or refreshed since; returns whether it did. */
  boolean removeExact(Grant grant) {
    if (byKey.get(grant.key()) != grant) {
      return false;
    }
    byKey.remove(grant.key());
    unlinkSocket(grant);
    return true;
  }

  /** The grants of a socket (any user), still recorded. */
  List<Grant> ofSocket(String socket) {
    Set<String> keys = bySocket.get(socket);
    List<Grant> out = new ArrayList<>();
    if (keys != null) {
      keys.forEach(key -> out.add(byKey.get(key)));
    }
    return out;
  }

  /** A snapshot of every recorded grant. */
  List<Grant> all() {
    return new ArrayList<>(byKey.values());
  }

  /** How many grants are recorded. */
  int size() {
    return byKey.size();
  }

  private void unlinkSocket(Grant grant) {
    Set<String> keys = bySocket.get(grant.socket());
    if (keys != null) {
      keys.remove(grant.key());
      if (keys.isEmpty()) {
        bySocket.remove(grant.socket());
      }
    }
  }

  /**
   * One lock or token.
   *
   * @param target what is held: the key, room and frame (null for the presenter token)
   * @param holder {@code <user>/<socket>}
   * @param socket the holder's socket
   * @param expiresAt epoch milliseconds of the expiry set by the last grant or renew seen here
   */
  record Grant(Target target, String holder, String socket, long expiresAt) {

    String key() {
      return target.key();
    }
  }
}
