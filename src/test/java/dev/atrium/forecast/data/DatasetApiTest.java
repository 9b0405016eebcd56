package dev.atrium.forecast.data;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.frames.Field;
import dev.atrium.testing.NodeFixture;
import dev.atrium.web.ApiException;
import dev.atrium.testing.NodeFixture.Reply;
import dev.atrium.testing.NodeFixture.Session;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The datasets HTTP API of a real in-process node (local mode, signed-in accounts), driven over
 * real HTTP: uploads, re-uploads, listing, ownership, deletion, and every refusal with its status,
 * a message naming the spot, and nothing left in either collection.
 */
@DisplayName("Datasets HTTP API")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DatasetApiTest {

  private static final long MAX_UPLOAD = 4096;

  private static NodeFixture node;
  private static Session alice;
  private static Session bob;
  private static MongoClient mongo;
  private static DatasetStore store;

  @BeforeAll
  static void startNode() throws Exception {
    node = NodeFixture.local()
        .env("ENABLE_REGISTRATION", "true")
        .env("ATRIUM_DATASET_MAX_UPLOAD", String.valueOf(MAX_UPLOAD))
        .env("ATRIUM_LIMIT_WRITES", "100000/1m")
        .env("ATRIUM_LIMIT_UPLOADS", "100000/1m")
        .start();
    alice = node.registerNew("alice");
    bob = node.registerNew("bob");
    mongo = node.server().records().client();
    store = node.server().datasets();
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  // ---- uploads ----------------------------------------------------------------------------------

  @Test
  @DisplayName("an upload answers 201 {hash, rows, columns}; the same bytes again answer 200 with the same body")
  void uploadThenSameAgain() {
    String csv = series("load", 20);

    Reply first = upload(alice, csv, "text/csv");
    Reply again = upload(alice, csv, "text/csv; charset=utf-8");

    assertThat(first.status()).as(first.toString()).isEqualTo(201);
    JsonObject body = first.json();
    assertThat(body.getString("hash")).isEqualTo(sha256(csv));
    assertThat(body.getInteger("rows")).isEqualTo(20);
    assertThat(body.getJsonArray("columns")).isEqualTo(new JsonArray().add(csv.substring(0, csv.indexOf('\n'))));
    assertThat(again.status()).as(again.toString()).isEqualTo(200);
    assertThat(again.json()).isEqualTo(body);
    assertThat(count(DatasetStore.ENTRIES, sha256(csv))).isEqualTo(1);
    assertThat(count(DatasetStore.BYTES, sha256(csv))).isEqualTo(1);
    JsonObject bytes = await(mongo.findOne(DatasetStore.BYTES, new JsonObject().put("_id", sha256(csv)), null));
    assertThat(bytes.getJsonObject("csv").getBinary("$binary")).isEqualTo(csv.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  @DisplayName("application/octet-stream is accepted, a timestamp column is not a numeric column, and GET shows the entry")
  void octetStreamAndDescribe() {
    String csv = "date,temp,load\n2024-01-01,1.5,3\n2024-01-02,2.5,4\n2024-01-03,3.5,5\n";

    Reply reply = upload(alice, csv, "application/octet-stream");

    assertThat(reply.status()).as(reply.toString()).isEqualTo(201);
    assertThat(reply.json().getJsonArray("columns")).isEqualTo(new JsonArray().add("temp").add("load"));
    Reply described = node.call("GET", "/api/datasets/" + sha256(csv)).bearer(alice.token()).send();
    assertThat(described.status()).as(described.toString()).isEqualTo(200);
    JsonObject entry = described.json();
    assertThat(entry.getString("hash")).isEqualTo(sha256(csv));
    assertThat(entry.getInteger("rows")).isEqualTo(3);
    assertThat(entry.getJsonArray("columns")).isEqualTo(new JsonArray().add("temp").add("load"));
    assertThat(entry.getLong("bytes")).isEqualTo(csv.getBytes(StandardCharsets.UTF_8).length);
    assertThat(entry.getString("timestampColumn")).isEqualTo("date");
    assertThat(entry.getLong("createdAt")).isPositive();
    assertThat(entry.getLong("lastUsed")).isGreaterThanOrEqualTo(entry.getLong("createdAt"));
    assertThat(entry.containsKey("progress")).isTrue();
    assertThat(entry.getValue("progress")).isNull();

    await(store.progress(sha256(csv), new JsonObject().put("state", "running").put("done", 1).put("total", 3)));
    JsonObject progress = node.call("GET", "/api/datasets/" + sha256(csv)).bearer(alice.token()).send().json()
        .getJsonObject("progress");
    assertThat(progress).isEqualTo(new JsonObject().put("state", "running").put("done", 1).put("total", 3));
  }

  @Test
  @DisplayName("a Content-Digest that matches is accepted; one that does not is 422 and nothing is stored")
  void contentDigest() {
    String csv = series("digest", 5);
    String other = series("digest-other", 5);

    Reply wrong = node.call("POST", "/api/datasets").bearer(alice.token())
        .header("Content-Digest", digest(other)).body(csv, "text/csv").send();
    assertThat(wrong.status()).as(wrong.toString()).isEqualTo(422);
    assertThat(wrong.json().getString("message")).contains("Content-Digest");
    assertThat(count(DatasetStore.ENTRIES, sha256(csv))).isZero();
    assertThat(count(DatasetStore.BYTES, sha256(csv))).isZero();

    Reply right = node.call("POST", "/api/datasets").bearer(alice.token())
        .header("Content-Digest", digest(csv)).body(csv, "text/csv").send();
    assertThat(right.status()).as(right.toString()).isEqualTo(201);
  }

  @Test
  @DisplayName("bad CSVs are 400 with what and where in the message, and nothing is stored")
  void badCsvs() {
    StringBuilder ragged = new StringBuilder("a,b,c,d\n");
    for (int i = 0; i < 6; i++) {
      ragged.append(i).append(",1,2,3\n");
    }
    ragged.append("6,7,8\n");
    StringBuilder nonNumeric = new StringBuilder("date,temp\n");
    for (int i = 1; i <= 11; i++) {
      nonNumeric.append("d").append(i).append(",").append(i).append("\n");
    }
    nonNumeric.append("d12,abc\n");
    List<String[]> cases = List.of(
        new String[] {ragged.toString(), "data row 7 (line 8) has 3 cells, the header has 4"},
        new String[] {nonNumeric.toString(), "data row 12 (line 13), column 'temp': 'abc' is not a number"},
        new String[] {"temp,load\n", "header row but no data rows"},
        new String[] {"a,a\n1,2\n", "'a' appears twice"},
        new String[] {"a,,c\n1,2,3\n", "column 2 has a blank name"},
        new String[] {"date\n2024-01-01\n", "no numeric column"},
        new String[] {"v\n1\nNaN\n", "data row 2 (line 3), column 'v': 'NaN' is not a number"},
        new String[] {"v,w\n1,\n", "data row 1 (line 2), column 'w': the cell is empty"});
    long entriesBefore = total(DatasetStore.ENTRIES);
    long bytesBefore = total(DatasetStore.BYTES);
    for (String[] bad : cases) {
      Reply reply = upload(alice, bad[0], "text/csv");
      assertThat(reply.status()).as(reply.toString()).isEqualTo(400);
      assertThat(reply.json().getString("error")).isEqualTo("bad_request");
      assertThat(reply.json().getString("message")).contains(bad[1]);
      assertThat(count(DatasetStore.ENTRIES, sha256(bad[0]))).isZero();
      assertThat(count(DatasetStore.BYTES, sha256(bad[0]))).isZero();
    }
    Reply empty = node.call("POST", "/api/datasets").bearer(alice.token()).body("", "text/csv").send();
    assertThat(empty.status()).as(empty.toString()).isEqualTo(400);
    assertThat(empty.json().getString("message")).contains("empty");
    assertThat(total(DatasetStore.ENTRIES)).isEqualTo(entriesBefore);
    assertThat(total(DatasetStore.BYTES)).isEqualTo(bytesBefore);
  }

  @Test
  @DisplayName("a body over datasets.maxUpload is 413 naming the limit, declared or streamed, and nothing is stored")
  void oversize() throws Exception {
    StringBuilder big = new StringBuilder("v\n");
    while (big.length() <= MAX_UPLOAD) {
      big.append("12345.678\n");
    }
    String csv = big.toString();
    long entriesBefore = total(DatasetStore.ENTRIES);

    Reply declared = upload(alice, csv, "text/csv");
    assertThat(declared.status()).as(declared.toString()).isEqualTo(413);
    assertThat(declared.json().getString("message")).contains(String.valueOf(MAX_UPLOAD));

    // no Content-Length: chunked, cut off while streaming
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    byte[] bytes = csv.getBytes(StandardCharsets.UTF_8);
    HttpResponse<String> streamed = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + node.port() + "/api/datasets"))
            .timeout(Duration.ofSeconds(20))
            .header("Authorization", "Bearer " + alice.token())
            .header("Content-Type", "text/csv")
            .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes)))
            .build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(streamed.statusCode()).as(streamed.body()).isEqualTo(413);
    assertThat(streamed.body()).contains(String.valueOf(MAX_UPLOAD));

    assertThat(count(DatasetStore.ENTRIES, sha256(csv))).isZero();
    assertThat(count(DatasetStore.BYTES, sha256(csv))).isZero();
    assertThat(total(DatasetStore.ENTRIES)).isEqualTo(entriesBefore);
  }

  @Test
  @DisplayName("JSON or no content type is 415; no sign-in is 401")
  void wrongTypeAndAnonymous() {
    Reply json = node.call("POST", "/api/datasets").bearer(alice.token()).json(new JsonObject().put("v", 1)).send();
    assertThat(json.status()).as(json.toString()).isEqualTo(415);
    assertThat(json.json().getString("message")).contains("text/csv");
    Reply anonymous = node.call("POST", "/api/datasets").body(series("anon", 3), "text/csv").send();
    assertThat(anonymous.status()).as(anonymous.toString()).isEqualTo(401);
    assertThat(node.call("GET", "/api/datasets").send().status()).isEqualTo(401);
  }

  @Test
  @DisplayName("a malformed hash in the path is 400 naming it; an unknown well-formed one is 404")
  void malformedHash() {
    for (String method : List.of("GET", "DELETE")) {
      Reply bad = node.call(method, "/api/datasets/not-a-hash").bearer(alice.token()).send();
      assertThat(bad.status()).as(bad.toString()).isEqualTo(400);
      assertThat(bad.json().getString("message")).contains("'not-a-hash'");
      Reply upper = node.call(method, "/api/datasets/" + sha256("x").toUpperCase()).bearer(alice.token()).send();
      assertThat(upper.status()).as(upper.toString()).isEqualTo(400);
      Reply unknown = node.call(method, "/api/datasets/" + sha256("never uploaded")).bearer(alice.token()).send();
      assertThat(unknown.status()).as(unknown.toString()).isEqualTo(404);
    }
  }

  // ---- ownership and deletion -------------------------------------------------------------------

  @Test
  @DisplayName("GET /api/datasets lists only the caller's datasets, newest first")
  void listing() {
    Session carol = node.registerNew("carol");
    String first = series("first", 3);
    String second = series("second", 4);
    upload(carol, first, "text/csv");
    upload(carol, second, "text/csv");
    upload(bob, series("bobs", 3), "text/csv");

    Reply list = node.call("GET", "/api/datasets").bearer(carol.token()).send();

    assertThat(list.status()).as(list.toString()).isEqualTo(200);
    JsonArray datasets = list.json().getJsonArray("datasets");
    assertThat(datasets.stream().map(d -> ((JsonObject) d).getString("hash")).toList())
        .containsExactly(sha256(second), sha256(first));
    assertThat(datasets.getJsonObject(0).getInteger("rows")).isEqualTo(4);
  }

  @Test
  @DisplayName("another user can neither see nor delete your dataset (404); an admin sees it")
  void otherUsers() {
    String csv = series("private", 6);
    assertThat(upload(alice, csv, "text/csv").status()).isEqualTo(201);
    String path = "/api/datasets/" + sha256(csv);

    Reply seen = node.call("GET", path).bearer(bob.token()).send();
    Reply deleted = node.call("DELETE", path).bearer(bob.token()).send();

    assertThat(seen.status()).as(seen.toString()).isEqualTo(404);
    assertThat(deleted.status()).as(deleted.toString()).isEqualTo(404);
    assertThat(node.call("GET", "/api/datasets").bearer(bob.token()).send().json().getJsonArray("datasets").stream()
        .map(d -> ((JsonObject) d).getString("hash"))).doesNotContain(sha256(csv));
    assertThat(node.call("GET", path).bearer(alice.token()).send().status()).isEqualTo(200);
    assertThat(node.call("GET", path).bearer(node.admin().token()).send().status()).isEqualTo(200);
  }

  @Test
  @DisplayName("delete is 204, then 404, and exists() is false on the node at once")
  void deleteThenGone() {
    String csv = series("doomed", 8);
    String hash = upload(alice, csv, "text/csv").json().getString("hash");
    assertThat(await(store.get(hash)).rows()).isEqualTo(8);
    assertThat(await(store.exists(hash))).isTrue();

    Reply deleted = node.call("DELETE", "/api/datasets/" + hash).bearer(alice.token()).send();

    assertThat(deleted.status()).as(deleted.toString()).isEqualTo(204);
    assertThat(await(store.exists(hash))).isFalse();
    assertThat(node.call("GET", "/api/datasets/" + hash).bearer(alice.token()).send().status()).isEqualTo(404);
    assertThat(node.call("DELETE", "/api/datasets/" + hash).bearer(alice.token()).send().status()).isEqualTo(404);
    assertThat(count(DatasetStore.ENTRIES, hash)).isZero();
    assertThat(count(DatasetStore.BYTES, hash)).isZero();
    assertThat(failure(store.get(hash))).isInstanceOfSatisfying(ApiException.class,
        e -> assertThat(e.status()).isEqualTo(404));
  }

  @Test
  @DisplayName("the same bytes uploaded by two users are one dataset; it stays until its last owner deletes it")
  void sharedOwnership() {
    String csv = series("shared", 7);
    String hash = sha256(csv);
    assertThat(upload(alice, csv, "text/csv").status()).isEqualTo(201);
    assertThat(upload(bob, csv, "text/csv").status()).isEqualTo(200);
    assertThat(node.call("GET", "/api/datasets/" + hash).bearer(bob.token()).send().status()).isEqualTo(200);

    assertThat(node.call("DELETE", "/api/datasets/" + hash).bearer(alice.token()).send().status()).isEqualTo(204);

    assertThat(node.call("GET", "/api/datasets/" + hash).bearer(alice.token()).send().status()).isEqualTo(404);
    assertThat(node.call("GET", "/api/datasets/" + hash).bearer(bob.token()).send().status()).isEqualTo(200);
    assertThat(await(store.exists(hash))).isTrue();

    assertThat(node.call("DELETE", "/api/datasets/" + hash).bearer(bob.token()).send().status()).isEqualTo(204);

    assertThat(await(store.exists(hash))).isFalse();
    assertThat(count(DatasetStore.ENTRIES, hash)).isZero();
    assertThat(count(DatasetStore.BYTES, hash)).isZero();
  }

  // ---- helpers ----------------------------------------------------------------------------------

  /** A one-column series whose column name makes its bytes unique to the test. */
  static String series(String name, int rows) {
    StringBuilder csv = new StringBuilder(name).append('-').append(UUID.randomUUID().toString(), 0, 8).append('\n');
    for (int i = 0; i < rows; i++) {
      csv.append(Math.sin(i * 0.3)).append('\n');
    }
    return csv.toString();
  }

  private static Reply upload(Session session, String csv, String contentType) {
    return node.call("POST", "/api/datasets").bearer(session.token()).body(csv, contentType).send();
  }

  private static long count(String collection, String hash) {
    return await(mongo.count(collection, new JsonObject().put("_id", hash)));
  }

  private static long total(String collection) {
    return await(mongo.count(collection, new JsonObject()));
  }

  static String sha256(String text) {
    return Field.sha256Hex(text.getBytes(StandardCharsets.UTF_8));
  }

  private static String digest(String text) {
    try {
      byte[] sum = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return "sha-256=:" + Base64.getEncoder().encodeToString(sum) + ":";
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  /** The failure of a future that must fail. */
  static Throwable failure(Future<?> future) {
    try {
      future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("succeeded, a failure was expected");
  }

  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
