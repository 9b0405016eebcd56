package dev.atrium.rooms;

import dev.atrium.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;

/**
 * Keeps room authorization fresh on this node: creates the membership indexes at startup and
 * drops cached access decisions when any node announces a change to a room
 * ({@link Addresses#ROOM_ACCESS_CHANGED}).
 */
public final class RoomsVerticle extends VerticleBase {

  private final RoomStore rooms;
  private final RoomAccess access;

  /**
   * @param rooms the room store
   * @param access the node's authorization service
   */
  public RoomsVerticle(RoomStore rooms, RoomAccess access) {
    this.rooms = rooms;
    this.access = access;
  }

  @Override
  public Future<?> start() {
    var changes = vertx.eventBus().<JsonObject>consumer(Addresses.ROOM_ACCESS_CHANGED,
        message -> access.evict(message.body().getString("room")));
    return Future.join(changes.completion(), rooms.ensureIndexes());
  }
}
