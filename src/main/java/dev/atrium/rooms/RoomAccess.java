package dev.atrium.rooms;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.atrium.accounts.AuthUser;
import dev.atrium.bus.FailureCodes;
import dev.atrium.web.ApiException;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one answer to "may user U do A in room R", for every HTTP route and every bridged bus
 * message. A room the user may not see does not exist for them (404, so ids reveal nothing); a
 * room they see but may not change answers 403.
 *
 * <p>Effective role: the implicit local user owns everything; the room's creator is its owner;
 * otherwise the membership role; otherwise {@code viewer} for a public room; otherwise none.
 * Decisions are cached per node for {@link #CACHE_TTL} (bounded) and dropped at once, on every
 * node, when the room's membership, visibility or existence changes.
 */
public final class RoomAccess {

  /** How long a node trusts a cached decision without a change notice. */
  public static final Duration CACHE_TTL = Duration.ofSeconds(5);

  private final RoomStore rooms;
  private final Cache<String, Map<String, Optional<Grant>>> cache = Caffeine.newBuilder()
      .maximumSize(50_000)
      .expireAfterWrite(CACHE_TTL)
      .build();

  /** @param rooms the room store */
  public RoomAccess(RoomStore rooms) {
    this.rooms = rooms;
  }

  /** Succeeds with the room and the caller's role when the role includes {@code needed}; else 404 or 403. */
  public Future<Grant> require(AuthUser user, String roomId, Role needed) {
    return grant(user, roomId).compose(grant -> {
      if (grant.isEmpty()) {
        return Future.failedFuture(new ApiException(FailureCodes.NOT_FOUND, "no room " + roomId));
      }
      if (!grant.get().role().includes(needed)) {
        return Future.failedFuture(new ApiException(FailureCodes.FORBIDDEN,
            "your role in room " + roomId + " is " + grant.get().role().id() + "; this needs " + needed.id()));
      }
      return Future.succeededFuture(grant.get());
    });
  }

  /** The caller's grant in a room, or empty when they may not see it (or it does not exist). */
  public Future<Optional<Grant>> grant(AuthUser user, String roomId) {
    Map<String, Optional<Grant>> perUser = cache.get(roomId, id -> new ConcurrentHashMap<>());
    Optional<Grant> cached = perUser.get(user.id());
    if (cached != null) {
      return Future.succeededFuture(cached);
    }
    return decide(user, roomId).onSuccess(decision -> perUser.put(user.id(), decision));
  }

  /** Drops every cached decision about a room. */
  public void evict(String roomId) {
    cache.invalidate(roomId);
  }

  private Future<Optional<Grant>> decide(AuthUser user, String roomId) {
    return rooms.room(roomId).compose(room -> {
      if (room == null) {
        return Future.succeededFuture(Optional.empty());
      }
      if (user.implicit() || room.owner().equals(user.id())) {
        return Future.succeededFuture(Optional.of(new Grant(room, Role.OWNER)));
      }
      return rooms.memberRole(roomId, user.id()).map(role -> {
        if (role != null) {
          return Optional.of(new Grant(room, role));
        }
        return room.isPublic() ? Optional.of(new Grant(room, Role.VIEWER)) : Optional.<Grant>empty();
      });
    });
  }

  /**
   * What a user may do in a room.
   *
   * @param room the room
   * @param role the user's effective role
   */
  public record Grant(RoomRecord room, Role role) {
  }
}
