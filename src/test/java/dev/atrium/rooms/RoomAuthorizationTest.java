package dev.atrium.rooms;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.testing.NodeFixture;
import dev.atrium.testing.NodeFixture.Reply;
import dev.atrium.testing.NodeFixture.Session;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@DisplayName("Room authorization")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RoomAuthorizationTest {

  private static NodeFixture node;

  /** Owner of the rooms under test (every test makes its own rooms, with unique titles). */
  private static Session a;
  /** Another signed-in user. */
  private static Session b;

  @BeforeAll
  static void startNode() throws Exception {
    node = NodeFixture.local().start();
    a = node.registerNew("a");
    b = node.registerNew("b");
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  @DisplayName("another user's private room answers 404 to GET, PATCH, DELETE and members list/add, exactly like a room that does not exist")
  void privateRoomIsNotFoundForOthers() {
    String room = createRoom(a, "Private " + unique(), "private");
    String missing = UUID.randomUUID().toString();

    for (Probe probe : probes(b)) {
      Reply existing = probe.send(room);
      Reply absent = probe.send(missing);
      assertThat(existing.status()).as(probe.name() + " on a private room: " + existing).isEqualTo(404);
      assertThat(absent.status()).as(probe.name() + " on a missing room: " + absent).isEqualTo(404);
      assertThat(existing.json().fieldNames()).as(probe.name()).isEqualTo(absent.json().fieldNames());
      assertThat(existing.json().getString("error")).isEqualTo(absent.json().getString("error"));
      assertThat(existing.json().getString("message").replace(room, "ID"))
          .as(probe.name() + ": the message must not tell an existing room from a missing one")
          .isEqualTo(absent.json().getString("message").replace(missing, "ID"));
    }
    Reply stillThere = get(a, "/api/rooms/" + room);
    assertThat(stillThere.status()).isEqualTo(200);
    assertThat(stillThere.json().getString("title")).startsWith("Private ");
    assertThat(members(a, room).getJsonArray("members")).isEmpty();
  }

  @Test
  @DisplayName("another user's private room is absent from their listing and their title search")
  void privateRoomIsNotListedForOthers() {
    String title = "Hidden " + unique();
    String room = createRoom(a, title, "private");

    assertThat(ids(get(b, "/api/rooms?size=200"))).doesNotContain(room);
    assertThat(ids(get(b, "/api/rooms?q=" + title.split(" ")[1]))).isEmpty();
    assertThat(ids(get(a, "/api/rooms?q=" + title.split(" ")[1]))).containsExactly(room);
  }

  @Test
  @DisplayName("a viewer can read but not change; promoted to editor they can retitle at once; removed, the room is 404 again at once")
  void membershipChangesTakeEffectAtOnce() {
    String room = createRoom(a, "Shared " + unique(), "private");
    assertThat(get(b, "/api/rooms/" + room).status()).isEqualTo(404);

    Reply add = send(a, "POST", "/api/rooms/" + room + "/members",
        new JsonObject().put("email", b.email()).put("role", "viewer"));
    assertThat(add.status()).as(add.toString()).isEqualTo(201);

    Reply read = get(b, "/api/rooms/" + room);
    assertThat(read.status()).as(read.toString()).isEqualTo(200);
    assertThat(read.json().getString("role")).isEqualTo("viewer");
    assertThat(ids(get(b, "/api/rooms"))).contains(room);
    assertThat(get(b, "/api/rooms/" + room + "/members").status()).isEqualTo(200);
    Reply retitleAsViewer = send(b, "PATCH", "/api/rooms/" + room, new JsonObject().put("title", "by viewer"));
    assertThat(retitleAsViewer.status()).as(retitleAsViewer.toString()).isEqualTo(403);
    assertThat(retitleAsViewer.json().getString("error")).isEqualTo("forbidden");
    Reply deleteAsViewer = send(b, "DELETE", "/api/rooms/" + room, null);
    assertThat(deleteAsViewer.status()).as(deleteAsViewer.toString()).isEqualTo(403);

    Reply promote = send(a, "PATCH", "/api/rooms/" + room + "/members/" + b.userId(),
        new JsonObject().put("role", "editor"));
    assertThat(promote.status()).as(promote.toString()).isEqualTo(200);
    Reply retitle = send(b, "PATCH", "/api/rooms/" + room, new JsonObject().put("title", "by editor"));
    assertThat(retitle.status()).as(retitle.toString()).isEqualTo(200);
    assertThat(get(a, "/api/rooms/" + room).json().getString("title")).isEqualTo("by editor");
    assertThat(send(b, "DELETE", "/api/rooms/" + room, null).status()).isEqualTo(403);
    assertThat(send(b, "PATCH", "/api/rooms/" + room, new JsonObject().put("visibility", "public")).status())
        .as("visibility needs the owner").isEqualTo(403);

    Reply remove = send(a, "DELETE", "/api/rooms/" + room + "/members/" + b.userId(), null);
    assertThat(remove.status()).as(remove.toString()).isEqualTo(204);
    assertThat(get(b, "/api/rooms/" + room).status()).isEqualTo(404);
    assertThat(send(b, "PATCH", "/api/rooms/" + room, new JsonObject().put("title", "after removal")).status())
        .isEqualTo(404);
    assertThat(ids(get(b, "/api/rooms"))).doesNotContain(room);
  }

  @Test
  @DisplayName("a public room is visible to any signed-in user as viewer, who cannot change it; anonymous callers get 401")
  void publicRoomIsReadOnlyForOthers() {
    String title = "Public " + unique();
    String room = createRoom(a, title, "public");

    Reply read = get(b, "/api/rooms/" + room);
    assertThat(read.status()).as(read.toString()).isEqualTo(200);
    assertThat(read.json().getString("role")).isEqualTo("viewer");
    JsonArray listed = get(b, "/api/rooms?q=" + title.split(" ")[1]).json().getJsonArray("rooms");
    assertThat(listed).hasSize(1);
    assertThat(listed.getJsonObject(0).getString("role")).isEqualTo("viewer");
    assertThat(send(b, "PATCH", "/api/rooms/" + room, new JsonObject().put("title", "defaced")).status())
        .isEqualTo(403);
    assertThat(send(b, "PATCH", "/api/rooms/" + room, new JsonObject().put("visibility", "private")).status())
        .isEqualTo(403);
    assertThat(send(b, "DELETE", "/api/rooms/" + room, null).status()).isEqualTo(403);
    assertThat(get(a, "/api/rooms/" + room).json().getString("title")).isEqualTo(title);

    Reply anonymous = node.call("GET", "/api/rooms/" + room).send();
    assertThat(anonymous.status()).as(anonymous.toString()).isEqualTo(401);
    assertThat(anonymous.json().getString("error")).isEqualTo("unauthorized");
    assertThat(node.call("GET", "/api/rooms").send().status()).isEqualTo(401);
  }

  @Test
  @DisplayName("a user cannot make themselves owner through the members routes (404 without access, 403 as viewer or editor)")
  void cannotSelfPromote() {
    String hidden = createRoom(a, "Guarded " + unique(), "private");
    String shared = createRoom(a, "Shared " + unique(), "private");
    String open = createRoom(a, "Open " + unique(), "public");
    JsonObject selfAsOwner = new JsonObject().put("user", b.userId()).put("role", "owner");

    Reply onHidden = send(b, "POST", "/api/rooms/" + hidden + "/members", selfAsOwner);
    Reply onOpen = send(b, "POST", "/api/rooms/" + open + "/members", selfAsOwner);
    assertThat(onHidden.status()).as(onHidden.toString()).isEqualTo(404);
    assertThat(onOpen.status()).as(onOpen.toString()).isEqualTo(403);

    assertThat(send(a, "POST", "/api/rooms/" + shared + "/members",
        new JsonObject().put("user", b.userId()).put("role", "viewer")).status()).isEqualTo(201);
    assertThat(send(b, "POST", "/api/rooms/" + shared + "/members", selfAsOwner).status()).isEqualTo(403);
    assertThat(send(b, "PATCH", "/api/rooms/" + shared + "/members/" + b.userId(),
        new JsonObject().put("role", "owner")).status()).isEqualTo(403);
    assertThat(send(a, "PATCH", "/api/rooms/" + shared + "/members/" + b.userId(),
        new JsonObject().put("role", "editor")).status()).isEqualTo(200);
    assertThat(send(b, "POST", "/api/rooms/" + shared + "/members", selfAsOwner).status()).isEqualTo(403);
    assertThat(send(b, "PATCH", "/api/rooms/" + shared + "/members/" + b.userId(),
        new JsonObject().put("role", "owner")).status()).isEqualTo(403);

    assertThat(get(b, "/api/rooms/" + shared).json().getString("role")).isEqualTo("editor");
    assertThat(get(b, "/api/rooms/" + open).json().getString("role")).isEqualTo("viewer");
    assertThat(get(b, "/api/rooms/" + hidden).status()).isEqualTo(404);
    JsonObject sharedMembers = members(a, shared);
    assertThat(sharedMembers.getString("owner")).isEqualTo(a.userId());
    assertThat(sharedMembers.getJsonArray("members")).containsExactly(
        new JsonObject().put("user", b.userId()).put("role", "editor"));
    assertThat(members(a, open).getJsonArray("members")).isEmpty();
  }

  @Test
  @DisplayName("listing pages through the visible rooms, newest first, and ?q= matches titles case-insensitively")
  void pagingAndSearch() {
    String tag = unique();
    List<String> created = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      created.add(createRoom(a, "Nebula-" + tag + " #" + i, i % 2 == 0 ? "private" : "public"));
    }
    String other = createRoom(a, "Quasar-" + tag, "private");

    List<String> paged = new ArrayList<>();
    List<Long> createdAt = new ArrayList<>();
    for (int page = 0; page < 3; page++) {
      Reply reply = get(a, "/api/rooms?size=2&page=" + page + "&q=nebula-" + tag);
      assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
      assertThat(reply.json().getInteger("page")).isEqualTo(page);
      assertThat(reply.json().getInteger("size")).isEqualTo(2);
      assertThat(ids(reply)).hasSize(page < 2 ? 2 : 1);
      paged.addAll(ids(reply));
      reply.json().getJsonArray("rooms").forEach(room -> createdAt.add(((JsonObject) room).getLong("createdAt")));
    }
    assertThat(paged).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(created);
    assertThat(createdAt).as("newest first").isSortedAccordingTo(java.util.Comparator.reverseOrder());
    assertThat(ids(get(a, "/api/rooms?size=2&page=3&q=nebula-" + tag))).isEmpty();

    assertThat(ids(get(a, "/api/rooms?q=NEBULA-" + tag.toUpperCase()))).containsExactlyInAnyOrderElementsOf(created);
    assertThat(ids(get(a, "/api/rooms?q=quasar-" + tag))).containsExactly(other);
    assertThat(ids(get(a, "/api/rooms?q=" + tag))).hasSize(6);
    assertThat(ids(get(b, "/api/rooms?q=nebula-" + tag))).as("B sees only the public ones")
        .containsExactlyInAnyOrder(created.get(1), created.get(3));
    assertThat(ids(get(a, "/api/rooms?q=" + tag + ".*"))).as("the query is text, not a pattern").isEmpty();
  }

  private record Probe(String name, java.util.function.Function<String, Reply> call) {
    Reply send(String room) {
      return call.apply(room);
    }
  }

  private List<Probe> probes(Session who) {
    return List.of(
        new Probe("GET", room -> get(who, "/api/rooms/" + room)),
        new Probe("PATCH", room -> send(who, "PATCH", "/api/rooms/" + room, new JsonObject().put("title", "mine"))),
        new Probe("DELETE", room -> send(who, "DELETE", "/api/rooms/" + room, null)),
        new Probe("GET members", room -> get(who, "/api/rooms/" + room + "/members")),
        new Probe("POST members", room -> send(who, "POST", "/api/rooms/" + room + "/members",
            new JsonObject().put("user", who.userId()).put("role", "viewer"))));
  }

  private static String unique() {
    return UUID.randomUUID().toString().substring(0, 8);
  }

  private static String createRoom(Session owner, String title, String visibility) {
    Reply reply = send(owner, "POST", "/api/rooms", new JsonObject().put("title", title).put("visibility", visibility));
    assertThat(reply.status()).as(reply.toString()).isEqualTo(201);
    assertThat(reply.json().getString("role")).isEqualTo("owner");
    return reply.json().getString("id");
  }

  private static JsonObject members(Session who, String room) {
    Reply reply = get(who, "/api/rooms/" + room + "/members");
    assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
    return reply.json();
  }

  private static List<String> ids(Reply listing) {
    assertThat(listing.status()).as(listing.toString()).isEqualTo(200);
    return listing.json().getJsonArray("rooms").stream().map(room -> ((JsonObject) room).getString("id")).toList();
  }

  private static Reply get(Session who, String path) {
    return node.call("GET", path).bearer(who.token()).send();
  }

  private static Reply send(Session who, String method, String path, JsonObject body) {
    NodeFixture.Call call = node.call(method, path).bearer(who.token());
    return (body == null ? call : call.json(body)).send();
  }
}
