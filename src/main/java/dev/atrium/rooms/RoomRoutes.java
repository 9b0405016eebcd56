package dev.atrium.rooms;

import dev.atrium.accounts.AuthHandler;
import dev.atrium.accounts.AuthUser;
import dev.atrium.accounts.UserStore;
import dev.atrium.bus.Addresses;
import dev.atrium.bus.FailureCodes;
import dev.atrium.frames.FrameStore;
import dev.atrium.web.ApiException;
import dev.atrium.web.HttpModule;
import dev.atrium.web.Requests;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Rooms and their members over HTTP. Every route asks {@link RoomAccess} first, so changing an id
 * in a URL never reaches a room the caller may not see.
 */
public final class RoomRoutes implements HttpModule {

  private static final int MAX_PAGE = 200;
  private static final int MAX_TITLE = 200;

  private final RoomStore rooms;
  private final RoomAccess access;
  private final UserStore users;
  private final FrameStore frames;
  private final EventBus bus;

  /**
   * @param rooms room store
   * @param access authorization
   * @param users to find members by e-mail
   * @param frames to share a base room's frames and drop a deleted room's
   * @param bus to announce access changes to every node
   */
  public RoomRoutes(RoomStore rooms, RoomAccess access, UserStore users, FrameStore frames, EventBus bus) {
    this.rooms = rooms;
    this.access = access;
    this.users = users;
    this.frames = frames;
    this.bus = bus;
  }

  @Override
  public void mount(Router router) {
    router.post("/api/rooms").handler(this::create);
    router.get("/api/rooms").handler(this::list);
    router.get("/api/rooms/:room").handler(this::read);
    router.patch("/api/rooms/:room").handler(this::update);
    router.delete("/api/rooms/:room").handler(this::delete);
    router.get("/api/rooms/:room/members").handler(this::members);
    router.post("/api/rooms/:room/members").handler(this::addMember);
    router.patch("/api/rooms/:room/members/:user").handler(this::changeMember);
    router.delete("/api/rooms/:room/members/:user").handler(this::removeMember);
  }

  private void create(RoutingContext ctx) {
    AuthUser user = AuthHandler.require(ctx);
    JsonObject body = Requests.jsonBody(ctx);
    String title = title(body, true);
    boolean isPublic = visibility(body) == Boolean.TRUE;
    String from = Requests.string(body, "from", false);
    Future<String> base = from == null ? Future.succeededFuture(null)
        : access.require(user, from, Role.VIEWER).map(grant -> grant.room().id());
    base.compose(baseRoom -> rooms.create(title, isPublic, user.id(), baseRoom)
            .compose(room -> baseRoom == null ? Future.succeededFuture(room)
                : frames.shareFrom(baseRoom, room.id()).map(v -> room)))
        .onSuccess(room -> {
          ctx.response().setStatusCode(201).putHeader("Location", "/api/rooms/" + room.id());
          ctx.json(room.toJson(Role.OWNER));
        })
        .onFailure(ctx::fail);
  }

  private void list(RoutingContext ctx) {
    AuthUser user = AuthHandler.require(ctx);
    int page = Requests.intParam(ctx, "page", 0, Integer.MAX_VALUE / MAX_PAGE);
    int size = Requests.intParam(ctx, "size", 50, MAX_PAGE);
    String query = ctx.request().getParam("q");
    rooms.visibleTo(user.id(), user.implicit(), query, page * size, size)
        .compose(found -> Future.all(found.stream().map(room -> access.grant(user, room.id())).toList())
            .map(grants -> {
              JsonArray items = new JsonArray();
              for (int i = 0; i < found.size(); i++) {
                java.util.Optional<RoomAccess.Grant> grant = grants.resultAt(i);
                grant.ifPresent(g -> items.add(g.room().toJson(g.role())));
              }
              return items;
            }))
        .onSuccess(items -> ctx.json(new JsonObject().put("page", page).put("size", size).put("rooms", items)))
        .onFailure(ctx::fail);
  }

  private void read(RoutingContext ctx) {
    access.require(AuthHandler.require(ctx), ctx.pathParam("room"), Role.VIEWER)
        .onSuccess(grant -> ctx.json(grant.room().toJson(grant.role())))
        .onFailure(ctx::fail);
  }

  private void update(RoutingContext ctx) {
    AuthUser user = AuthHandler.require(ctx);
    JsonObject body = Requests.jsonBody(ctx);
    String title = title(body, false);
    Boolean isPublic = visibility(body);
    if (title == null && isPublic == null) {
      throw new ApiException(FailureCodes.BAD_REQUEST, "body: set 'title' and/or 'visibility'");
    }
    Role needed = isPublic != null ? Role.OWNER : Role.EDITOR;
    String roomId = ctx.pathParam("room");
    access.require(user, roomId, needed)
        .compose(grant -> rooms.update(roomId, title, isPublic).map(room -> room.toJson(grant.role())))
        .onSuccess(json -> {
          accessChanged(roomId);
          ctx.json(json);
        })
        .onFailure(ctx::fail);
  }

  private void delete(RoutingContext ctx) {
    String roomId = ctx.pathParam("room");
    access.require(AuthHandler.require(ctx), roomId, Role.OWNER)
        .compose(grant -> rooms.delete(roomId))
        .compose(deleted -> frames.deleteRoom(roomId).map(deleted))
        .onSuccess(deleted -> {
          accessChanged(roomId);
          ctx.response().setStatusCode(204).end();
        })
        .onFailure(ctx::fail);
  }

  private void members(RoutingContext ctx) {
    String roomId = ctx.pathParam("room");
    access.require(AuthHandler.require(ctx), roomId, Role.VIEWER)
        .compose(grant -> rooms.members(roomId).map(list -> new JsonObject()
            .put("owner", grant.room().owner())
            .put("members", new JsonArray(list))))
        .onSuccess(ctx::json)
        .onFailure(ctx::fail);
  }

  private void addMember(RoutingContext ctx) {
    String roomId = ctx.pathParam("room");
    JsonObject body = Requests.jsonBody(ctx);
    Role role = role(body);
    String email = Requests.string(body, "email", false);
    String userId = Requests.string(body, "user", false);
    if ((email == null) == (userId == null)) {
      throw new ApiException(FailureCodes.BAD_REQUEST, "body: give exactly one of 'email' or 'user'");
    }
    access.require(AuthHandler.require(ctx), roomId, Role.OWNER)
        .compose(grant -> (email != null ? users.byEmail(email) : users.byId(userId)))
        .compose(member -> member == null
            ? Future.failedFuture(new ApiException(FailureCodes.NOT_FOUND, "no such user"))
            : rooms.putMember(roomId, member.id(), role).map(v -> member))
        .onSuccess(member -> memberChanged(ctx, roomId, member.id(), role, 201))
        .onFailure(ctx::fail);
  }

  private void changeMember(RoutingContext ctx) {
    String roomId = ctx.pathParam("room");
    String userId = ctx.pathParam("user");
    Role role = role(Requests.jsonBody(ctx));
    access.require(AuthHandler.require(ctx), roomId, Role.OWNER)
        .compose(grant -> rooms.memberRole(roomId, userId))
        .compose(current -> current == null
            ? Future.failedFuture(new ApiException(FailureCodes.NOT_FOUND, "user " + userId + " is not a member"))
            : rooms.putMember(roomId, userId, role))
        .onSuccess(v -> memberChanged(ctx, roomId, userId, role, 200))
        .onFailure(ctx::fail);
  }

  private void removeMember(RoutingContext ctx) {
    String roomId = ctx.pathParam("room");
    String userId = ctx.pathParam("user");
    AuthUser user = AuthHandler.require(ctx);
    Role needed = userId.equals(user.id()) ? Role.VIEWER : Role.OWNER;
    access.require(user, roomId, needed)
        .compose(grant -> rooms.removeMember(roomId, userId))
        .onSuccess(removed -> {
          if (!removed) {
            ctx.fail(new ApiException(FailureCodes.NOT_FOUND, "user " + userId + " is not a member"));
            return;
          }
          accessChanged(roomId);
          ctx.response().setStatusCode(204).end();
        })
        .onFailure(ctx::fail);
  }

  private void memberChanged(RoutingContext ctx, String roomId, String userId, Role role, int status) {
    accessChanged(roomId);
    ctx.response().setStatusCode(status);
    ctx.json(new JsonObject().put("room", roomId).put("user", userId).put("role", role.id()));
  }

  private void accessChanged(String roomId) {
    access.evict(roomId);
    bus.publish(Addresses.ROOM_ACCESS_CHANGED, new JsonObject().put("room", roomId));
  }

  private static String title(JsonObject body, boolean required) {
    String title = Requests.string(body, "title", required);
    if (title != null && (title.isBlank() || title.length() > MAX_TITLE)) {
      throw new ApiException(FailureCodes.BAD_REQUEST, "title: 1 to " + MAX_TITLE + " characters");
    }
    return title;
  }

  private static Boolean visibility(JsonObject body) {
    String visibility = Requests.string(body, "visibility", false);
    if (visibility == null) {
      return null;
    }
    return switch (visibility) {
      case "public" -> true;
      case "private" -> false;
      default -> throw new ApiException(FailureCodes.BAD_REQUEST, "visibility: 'public' or 'private'");
    };
  }

  private static Role role(JsonObject body) {
    Role role = Role.parse(Requests.string(body, "role", true));
    if (role == null) {
      throw new ApiException(FailureCodes.BAD_REQUEST, "role: 'viewer', 'editor' or 'owner'");
    }
    return role;
  }
}
