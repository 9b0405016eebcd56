package dev.atrium.frames;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.testing.TestRedis;
import dev.atrium.web.InProcessNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.Value;

/**
 * The frames HTTP data channel of a real in-process node (local mode, implicit local user), driven
 * by {@link java.net.http.HttpClient}: writes and reads in JSON and msgpack, versions as ETags,
 * {@code .npy}, Content-Digest both ways, and every refusal with its status, a message naming the
 * spot, and nothing stored.
 */
@DisplayName("Frames HTTP API")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FrameApiTest {

  /**
   * The bytes numpy 2.4 {@code np.save} wrote for {@code np.array([[0.5, -1.25, 3.0], [1e-3, 2.5, -0.0]], '<f4')}:
   * magic, version 1.0, header length 118, the padded header dict, then the 24 data bytes.
   */
  private static final String NUMPY_2x3_F4 = ""
      + "934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f726465"
      + "72273a2046616c73652c20277368617065273a2028322c2033292c207d2020202020202020202020"
      + "20202020202020202020202020202020202020202020202020202020202020202020202020202020"
      + "202020202020200a0000003f0000a0bf000040406f12833a0000204000000080";

  @TempDir
  static Path dir;
  private static InProcessNode node;
  private static Api api;

  @BeforeAll
  static void startNode() throws Exception {
    node = InProcessNode.start(dir, Map.of(
        "ATRIUM_FRAME_MAX_RANGE", "10",
        "ATRIUM_FRAME_HISTORY", "3",
        "ATRIUM_LIMIT_WRITES", "100000/1m",
        "ATRIUM_LIMIT_UPLOADS", "1000/1m"));
    api = new Api(node.port());
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  // ---- writes and reads -----------------------------------------------------------------------

  @Test
  @DisplayName("single frames and batches append in JSON and msgpack; each answer lists index, id, version 1 and the content hash")
  void appendSingleAndBatch() {
    String room = api.createRoom();
    List<Frame> sent = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      sent.add(sample(i));
    }

    Reply one = api.send("POST", frames(room), jsonSingle(sent.get(0)), Api.JSON);
    Reply two = api.send("POST", frames(room), msgpackSingle(sent.get(1)), Api.MSGPACK);
    Reply three = api.send("POST", frames(room), jsonBatch(sent.subList(2, 5)), Api.JSON);
    Reply four = api.send("POST", frames(room), msgpackBatch(sent.subList(5, 7)), Api.MSGPACK);

    int index = 0;
    List<Meta> written = new ArrayList<>();
    for (Reply reply : List.of(one, two, three, four)) {
      assertThat(reply.status()).as(reply.toString()).isEqualTo(201);
      for (Meta meta : reply.meta()) {
        assertThat(meta.index()).isEqualTo(index);
        assertThat(meta.version()).isEqualTo(1);
        assertThat(meta.hash()).isEqualTo(sent.get(index).hash());
        written.add(meta);
        index++;
      }
    }
    assertThat(index).isEqualTo(7);
    assertThat(written.stream().map(Meta::id).distinct()).hasSize(7);

    Reply json = api.get(frames(room) + "?frames=0:7");
    assertThat(json.status()).isEqualTo(200);
    assertThat(json.meta()).isEqualTo(written);
    assertThat(json.contents()).isEqualTo(sent.stream().map(Frame::fields).toList());
    Reply msgpack = api.get(frames(room) + "?frames=0:7", "Accept", Api.MSGPACK);
    assertThat(msgpack.status()).isEqualTo(200);
    assertThat(msgpack.header("Content-Type")).startsWith(Api.MSGPACK);
    assertThat(msgpack.meta()).isEqualTo(written);
    assertThat(msgpack.contents()).isEqualTo(sent.stream().map(Frame::fields).toList());
  }

  @Test
  @DisplayName("inserting at N shifts the later frames by one without touching their ids, versions or hashes; at past the end is 404")
  void insertShiftsLaterFrames() {
    String room = api.createRoom();
    api.append(room, sample(0), sample(1), sample(2), sample(3));
    assertThat(api.put(room, 3, 1, sample(30)).status()).isEqualTo(200);
    List<Meta> before = api.metadata(room);
    assertThat(before.get(3).version()).isEqualTo(2);

    Reply insert = api.send("POST", frames(room) + "?at=2", jsonSingle(sample(99)), Api.JSON);

    assertThat(insert.status()).as(insert.toString()).isEqualTo(201);
    Meta inserted = insert.meta().get(0);
    assertThat(inserted.index()).isEqualTo(2);
    assertThat(inserted.version()).isEqualTo(1);
    List<Meta> after = api.metadata(room);
    assertThat(after).hasSize(5);
    assertThat(after.subList(0, 2)).isEqualTo(before.subList(0, 2));
    assertThat(after.get(2)).isEqualTo(inserted);
    for (int i = 2; i < 4; i++) {
      Meta old = before.get(i);
      assertThat(after.get(i + 1)).isEqualTo(new Meta(i + 1, old.id(), old.version(), old.hash()));
    }
    assertThat(api.frame(room, 2).contents()).containsExactly(sample(99).fields());

    Reply past = api.send("POST", frames(room) + "?at=6", jsonSingle(sample(5)), Api.JSON);
    assertThat(past.status()).as(past.toString()).isEqualTo(404);
    assertThat(past.message()).contains("at=6");
    assertThat(api.metadata(room)).isEqualTo(after);
  }

  @Test
  @DisplayName("reads select frames by range or list (in the order asked) and fields by name; fields= empty lists metadata only")
  void readSelections() {
    String room = api.createRoom();
    List<Meta> all = api.append(room, sample(0), sample(1), sample(2), sample(3), sample(4));

    Reply range = api.get(frames(room) + "?frames=1:3");
    assertThat(range.meta()).isEqualTo(all.subList(1, 3));
    assertThat(range.contents()).containsExactly(sample(1).fields(), sample(2).fields());

    Reply list = api.get(frames(room) + "?frames=3,0,2");
    assertThat(list.meta()).containsExactly(all.get(3), all.get(0), all.get(2));
    assertThat(list.contents()).containsExactly(sample(3).fields(), sample(0).fields(), sample(2).fields());

    Reply positions = api.get(frames(room) + "?frames=4&fields=positions");
    JsonObject fields = positions.json().getJsonArray("frames").getJsonObject(0).getJsonObject("fields");
    assertThat(fields.fieldNames()).containsExactly("positions");
    assertThat(positions.contents()).containsExactly(sample(4).select(List.of("positions")).fields());

    Reply metadata = api.get(frames(room) + "?frames=0:5&fields=");
    assertThat(metadata.status()).isEqualTo(200);
    assertThat(metadata.meta()).isEqualTo(all);
    for (Object entry : metadata.json().getJsonArray("frames")) {
      assertThat(((JsonObject) entry).fieldNames()).containsExactlyInAnyOrder("index", "id", "version", "hash");
    }
    Reply metadataMsgpack = api.get(frames(room) + "?frames=0:5&fields=", "Accept", Api.MSGPACK);
    assertThat(metadataMsgpack.meta()).isEqualTo(all);
    assertThat(metadataMsgpack.msgpackFrameKeys()).allSatisfy(keys ->
        assertThat(keys).containsExactlyInAnyOrder("index", "id", "version", "hash"));

    Reply missingField = api.get(frames(room) + "?frames=0&fields=velocities");
    assertThat(missingField.status()).isEqualTo(404);
    assertThat(missingField.message()).contains("velocities");
  }

  @Test
  @DisplayName("one frame reads as JSON or msgpack by Accept; Accept: text/html is 406; ETag \"1\" and If-None-Match \"1\" is 304 until the next version")
  void singleFrameNegotiationAndEtag() {
    String room = api.createRoom();
    Meta meta = api.append(room, sample(7)).get(0);

    Reply json = api.get(frame(room, 0));
    assertThat(json.status()).isEqualTo(200);
    assertThat(json.header("Content-Type")).startsWith(Api.JSON);
    assertThat(json.header("ETag")).isEqualTo("\"1\"");
    assertThat(json.meta()).containsExactly(meta);
    assertThat(json.contents()).containsExactly(sample(7).fields());

    Reply msgpack = api.get(frame(room, 0), "Accept", "application/msgpack");
    assertThat(msgpack.status()).isEqualTo(200);
    assertThat(msgpack.header("Content-Type")).startsWith(Api.MSGPACK);
    assertThat(msgpack.header("ETag")).isEqualTo("\"1\"");
    assertThat(msgpack.meta()).containsExactly(meta);
    assertThat(msgpack.contents()).containsExactly(sample(7).fields());

    Reply html = api.get(frame(room, 0), "Accept", "text/html");
    assertThat(html.status()).isEqualTo(406);
    assertThat(html.message()).contains("Accept");
    assertThat(api.get(frames(room), "Accept", "text/html").status()).isEqualTo(406);

    Reply notModified = api.get(frame(room, 0), "If-None-Match", "\"1\"");
    assertThat(notModified.status()).isEqualTo(304);
    assertThat(notModified.body()).isEmpty();
    assertThat(notModified.header("ETag")).isEqualTo("\"1\"");

    assertThat(api.put(room, 0, 1, sample(8)).status()).isEqualTo(200);
    Reply changed = api.get(frame(room, 0), "If-None-Match", "\"1\"");
    assertThat(changed.status()).isEqualTo(200);
    assertThat(changed.header("ETag")).isEqualTo("\"2\"");
    assertThat(changed.contents()).containsExactly(sample(8).fields());
    assertThat(api.get(frame(room, 0), "If-None-Match", "\"2\"").status()).isEqualTo(304);
  }

  @Test
  @DisplayName("?version=K reads an older kept version with its own hash; a version no longer kept (history 3) is 404")
  void olderVersions() {
    String room = api.createRoom();
    String id = api.append(room, sample(10)).get(0).id();
    for (int v = 1; v <= 4; v++) {
      assertThat(api.put(room, 0, v, sample(10 + v)).status()).isEqualTo(200);
    }
    // versions 1..5 written; history 3 keeps 3, 4 and 5

    Reply v3 = api.get(frame(room, 0) + "?version=3");
    assertThat(v3.status()).as(v3.toString()).isEqualTo(200);
    assertThat(v3.header("ETag")).isEqualTo("\"3\"");
    assertThat(v3.meta()).containsExactly(new Meta(0, id, 3, sample(12).hash()));
    assertThat(v3.contents()).containsExactly(sample(12).fields());
    Reply v3msgpack = api.get(frame(room, 0) + "?version=3", "Accept", Api.MSGPACK);
    assertThat(v3msgpack.contents()).containsExactly(sample(12).fields());

    Reply v1 = api.get(frame(room, 0) + "?version=1");
    assertThat(v1.status()).as(v1.toString()).isEqualTo(404);
    assertThat(v1.message()).contains("version 1").contains("not kept");
    assertThat(api.get(frame(room, 0) + "?version=9").status()).isEqualTo(404);
    assertThat(api.frame(room, 0).meta()).containsExactly(new Meta(0, id, 5, sample(14).hash()));
  }

  @Test
  @DisplayName("a float32 field reads as .npy byte for byte what numpy.save writes; a str field is 406")
  void npy() {
    String room = api.createRoom();
    float[] values = {0.5f, -1.25f, 3.0f, 1e-3f, 2.5f, -0.0f};
    Frame frame = Frame.of(Map.of(
        "positions", Field.of(DType.FLOAT32, new int[] {2, 3}, le(values), "test"),
        "species", Field.ofStrings(List.of("H", "O"), new int[] {2}, "test")), "test");
    api.append(room, frame);

    Reply npy = api.get(frame(room, 0) + "/fields/positions");

    assertThat(npy.status()).as(npy.toString()).isEqualTo(200);
    assertThat(npy.header("Content-Type")).isEqualTo("application/x-npy");
    assertThat(npy.header("ETag")).isEqualTo("\"1\"");
    byte[] expected = HexFormat.of().parseHex(NUMPY_2x3_F4);
    assertThat(new String(expected, 10, 118, StandardCharsets.ISO_8859_1))
        .isEqualTo("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" + " ".repeat(58) + "\n");
    assertThat(Arrays.copyOfRange(expected, 128, 152)).isEqualTo(le(values));
    assertThat(npy.body()).isEqualTo(expected);
    assertThat(npy.header("Content-Digest")).isEqualTo(digestOf(npy.body()));
    assertThat(api.get(frame(room, 0) + "/fields/positions", "If-None-Match", "\"1\"").status()).isEqualTo(304);

    Reply str = api.get(frame(room, 0) + "/fields/species");
    assertThat(str.status()).isEqualTo(406);
    assertThat(str.message()).contains("species").contains("string");
    Reply missing = api.get(frame(room, 0) + "/fields/velocities");
    assertThat(missing.status()).isEqualTo(404);
  }

  @Test
  @DisplayName("PUT replaces the whole frame, PATCH merges and keeps the other fields; both answer the new version and ETag")
  void putReplacesPatchMerges() {
    String room = api.createRoom();
    Meta first = api.append(room, sample(1)).get(0);
    Frame positionsOnly = sample(2).select(List.of("positions"));

    Reply patch = api.send("PATCH", frame(room, 0), jsonSingle(positionsOnly), Api.JSON, "If-Match", "\"1\"");
    assertThat(patch.status()).as(patch.toString()).isEqualTo(200);
    Frame merged = sample(1).merge(positionsOnly);
    assertThat(patch.meta()).containsExactly(new Meta(0, first.id(), 2, merged.hash()));
    assertThat(patch.header("ETag")).isEqualTo("\"2\"");
    assertThat(api.frame(room, 0).contents()).containsExactly(merged.fields());
    assertThat(merged.fields()).containsKeys("positions", "species");

    Reply put = api.send("PUT", frame(room, 0), msgpackSingle(positionsOnly), Api.MSGPACK, "If-Match", "\"2\"");
    assertThat(put.status()).as(put.toString()).isEqualTo(200);
    assertThat(put.meta()).containsExactly(new Meta(0, first.id(), 3, positionsOnly.hash()));
    assertThat(put.header("ETag")).isEqualTo("\"3\"");
    Reply read = api.frame(room, 0);
    assertThat(read.contents()).containsExactly(positionsOnly.fields());
    assertThat(read.json().getJsonArray("frames").getJsonObject(0).getJsonObject("fields").fieldNames())
        .containsExactly("positions");

    JsonObject withBase = new JsonObject(Buffer.buffer(jsonSingle(sample(4)))).put("base_version", 3);
    Reply byBody = api.send("PUT", frame(room, 0), withBase.toBuffer().getBytes(), Api.JSON);
    assertThat(byBody.status()).as(byBody.toString()).isEqualTo(200);
    assertThat(byBody.meta().get(0).version()).isEqualTo(4);

    Reply stale = api.put(room, 0, 3, sample(5));
    assertThat(stale.status()).isEqualTo(409);
    assertThat(stale.json().getString("error")).isEqualTo("conflict");
    assertThat(stale.json().getLong("currentVersion")).isEqualTo(4);
    assertThat(stale.message()).isEqualTo("version conflict: base 3, current 4");
    assertThat(stale.header("ETag")).isEqualTo("\"4\"");
    assertThat(api.frame(room, 0).contents()).containsExactly(sample(4).fields());
  }

  @Test
  @DisplayName("move puts a frame at the new index and shifts the others; ids and versions travel with the frames")
  void move() {
    String room = api.createRoom();
    List<Meta> before = api.append(room, sample(0), sample(1), sample(2), sample(3));

    Reply move = api.send("POST", frame(room, 0) + "/move?to=2", null, null);

    assertThat(move.status()).as(move.toString()).isEqualTo(200);
    assertThat(move.meta()).containsExactly(new Meta(2, before.get(0).id(), 1, before.get(0).hash()));
    List<Meta> after = api.metadata(room);
    assertThat(after.stream().map(Meta::id)).containsExactly(before.get(1).id(), before.get(2).id(),
        before.get(0).id(), before.get(3).id());
    assertThat(api.get(frames(room) + "?frames=0:4").contents())
        .containsExactly(sample(1).fields(), sample(2).fields(), sample(0).fields(), sample(3).fields());
    Reply outOfRange = api.send("POST", frame(room, 0) + "/move?to=4", null, null);
    assertThat(outOfRange.status()).isEqualTo(404);
    assertThat(api.metadata(room)).isEqualTo(after);
  }

  @Test
  @DisplayName("DELETE removes one frame or a range; the later frames move up")
  void deleteSingleAndRange() {
    String room = api.createRoom();
    List<Meta> before = api.append(room, sample(0), sample(1), sample(2), sample(3), sample(4), sample(5));

    Reply one = api.send("DELETE", frame(room, 1), null, null);
    assertThat(one.status()).as(one.toString()).isEqualTo(200);
    assertThat(one.meta()).as("the removed frame with its last version and hash").containsExactly(before.get(1));
    assertThat(api.metadata(room).stream().map(Meta::id)).containsExactly(before.get(0).id(), before.get(2).id(),
        before.get(3).id(), before.get(4).id(), before.get(5).id());

    Reply range = api.send("DELETE", frames(room) + "?frames=1:3", null, null);
    assertThat(range.status()).as(range.toString()).isEqualTo(200);
    assertThat(range.meta()).containsExactly(new Meta(1, before.get(2).id(), 1, before.get(2).hash()),
        new Meta(2, before.get(3).id(), 1, before.get(3).hash()));
    List<Meta> after = api.metadata(room);
    assertThat(after).containsExactly(new Meta(0, before.get(0).id(), 1, before.get(0).hash()),
        new Meta(1, before.get(4).id(), 1, before.get(4).hash()), new Meta(2, before.get(5).id(), 1, before.get(5).hash()));
    assertThat(api.get(frames(room) + "?frames=0:3").contents()).containsExactly(sample(0).fields(), sample(4).fields(), sample(5).fields());

    assertThat(api.send("DELETE", frames(room) + "?frames=2:9", null, null).status()).isEqualTo(404);
    assertThat(api.send("DELETE", frame(room, 3), null, null).status()).isEqualTo(404);
    Reply stale = api.send("DELETE", frame(room, 0), null, null, "If-Match", "\"7\"");
    assertThat(stale.status()).isEqualTo(409);
    assertThat(api.metadata(room)).isEqualTo(after);
  }

  @Test
  @DisplayName("undo restores the previous content as a new version: the hash equals the old version's, the version increments")
  void undo() {
    String room = api.createRoom();
    Meta v1 = api.append(room, sample(1)).get(0);
    Meta v2 = api.put(room, 0, 1, sample(2)).meta().get(0);
    assertThat(v2.hash()).isNotEqualTo(v1.hash());

    Reply undo = api.send("POST", frame(room, 0) + "/undo", null, null, "If-Match", "\"2\"");

    assertThat(undo.status()).as(undo.toString()).isEqualTo(200);
    assertThat(undo.meta()).containsExactly(new Meta(0, v1.id(), 3, v1.hash()));
    assertThat(undo.header("ETag")).isEqualTo("\"3\"");
    assertThat(api.frame(room, 0).contents()).containsExactly(sample(1).fields());
    Reply stale = api.send("POST", frame(room, 0) + "/undo", null, null, "If-Match", "\"2\"");
    assertThat(stale.status()).isEqualTo(409);
    assertThat(api.frame(room, 0).meta()).containsExactly(new Meta(0, v1.id(), 3, v1.hash()));

    String fresh = api.createRoom();
    api.append(fresh, sample(5));
    Reply nothingKept = api.send("POST", frame(fresh, 0) + "/undo", null, null);
    assertThat(nothingKept.status()).isEqualTo(409);
    assertThat(nothingKept.message()).contains("no earlier version");
  }

  @Test
  @DisplayName("every frames response carries a Content-Digest equal to the sha-256 of its body")
  void responseDigests() {
    String room = api.createRoom();
    Reply append = api.send("POST", frames(room), jsonBatch(List.of(sample(1), sample(2))), Api.JSON);
    List<Reply> replies = new ArrayList<>();
    replies.add(append);
    replies.add(api.get(frames(room) + "?frames=0:2"));
    replies.add(api.get(frames(room) + "?frames=0:2", "Accept", Api.MSGPACK));
    replies.add(api.get(frames(room) + "?frames=0:2&fields="));
    replies.add(api.get(frame(room, 0)));
    replies.add(api.get(frame(room, 0), "Accept", Api.MSGPACK));
    replies.add(api.get(frame(room, 0)));  // again: now from the encoded-response cache
    replies.add(api.get(frame(room, 0) + "/fields/positions"));
    replies.add(api.put(room, 0, 1, sample(3)));
    replies.add(api.get(frame(room, 0) + "?version=1"));
    replies.add(api.send("PATCH", frame(room, 0), jsonSingle(sample(4)), Api.JSON, "If-Match", "\"2\""));
    replies.add(api.send("POST", frame(room, 0) + "/undo", null, null));
    replies.add(api.send("POST", frame(room, 0) + "/move?to=1", null, null));
    replies.add(api.send("DELETE", frame(room, 0), null, null));
    replies.add(api.send("DELETE", frames(room) + "?frames=0:1", null, null));

    for (Reply reply : replies) {
      assertThat(reply.status()).as(reply.toString()).isBetween(200, 201);
      assertThat(reply.body()).isNotEmpty();
      assertThat(reply.header("Content-Digest")).as(reply.toString()).isEqualTo(digestOf(reply.body()));
    }
  }

  @Test
  @DisplayName("a request Content-Digest that does not match the body is 422 and nothing is stored; a matching one is accepted")
  void requestDigest() throws IOException {
    String room = api.createRoom();
    List<Meta> before = api.append(room, sample(1));
    long blobs = blobFiles(dir.resolve("data")).size();
    byte[] body = jsonSingle(sample(2));
    byte[] other = jsonSingle(sample(3));

    Reply mismatch = api.send("POST", frames(room), body, Api.JSON, "Content-Digest", digestOf(other));
    assertThat(mismatch.status()).as(mismatch.toString()).isEqualTo(422);
    assertThat(mismatch.message()).contains("Content-Digest");
    Reply putMismatch = api.send("PUT", frame(room, 0), body, Api.JSON, "Content-Digest", digestOf(other),
        "If-Match", "\"1\"");
    assertThat(putMismatch.status()).isEqualTo(422);
    assertThat(api.metadata(room)).isEqualTo(before);
    assertThat(blobFiles(dir.resolve("data"))).hasSize((int) blobs);

    Reply match = api.send("POST", frames(room), body, Api.JSON, "Content-Digest", digestOf(body));
    assertThat(match.status()).as(match.toString()).isEqualTo(201);
    assertThat(api.metadata(room)).hasSize(2);
  }

  // ---- refusals -------------------------------------------------------------------------------

  @Test
  @DisplayName("malformed frame bodies are 400 naming the spot, and nothing is stored")
  void malformedBodies() {
    String room = api.createRoom();
    List<Meta> before = api.append(room, sample(1), sample(2));
    assertThat(api.put(room, 1, 1, sample(3)).status()).isEqualTo(200);
    before = api.metadata(room);

    JsonObject good = field("float32", new int[] {2, 3}, new JsonArray(List.of(0, 0, 0, 1, 1, 1)));
    JsonObject species = field("str", new int[] {2}, new JsonArray(List.of("H", "O")));

    refused(room, before, batchOf(good, species,
        field("float128", new int[] {2, 3}, new JsonArray(List.of(0, 0, 0, 1, 1, 1)))), 400,
        "frames[1].fields.positions.dtype", "unknown dtype 'float128'");
    refused(room, before, singleOf(field("float32", new int[] {2, 3}, new JsonArray(List.of(0, 0, 0, 1, 1))),
        species), 400, "fields.positions", "6", "5");
    refused(room, before, singleOf(field("float32", new int[] {2, 3}, new JsonArray(List.of(0, "x", 0, 1, 1, 1))),
        species), 400, "fields.positions.data[1]", "x");
    refused(room, before, singleOf(good, field("uint8", new int[] {2}, new JsonArray(List.of(7, 300)))), 400,
        "fields.species.data[1]", "300");
    refused(room, before, "{\"fields\": {\"positions\": ".getBytes(StandardCharsets.UTF_8), Api.JSON, 400,
        "malformed JSON");

    byte[] msgpack = msgpackBatch(List.of(sample(4), sample(5)));
    refused(room, before, Arrays.copyOf(msgpack, msgpack.length - 7), Api.MSGPACK, 400,
        "frames[1].fields", "truncated msgpack");
    byte[] malformed = msgpack.clone();
    malformed[0] = (byte) 0xc1;
    refused(room, before, malformed, Api.MSGPACK, 400, "malformed msgpack", "0xc1");
    refused(room, before, new byte[] {(byte) 0x81, (byte) 0xa6, 'f', 'i', 'e', 'l', 'd', 's', (byte) 0xc1},
        Api.MSGPACK, 400, "fields", "malformed msgpack");

    for (String type : List.of("text/plain", "application/xml", "image/png")) {
      Reply reply = api.send("POST", frames(room), jsonSingle(sample(6)), type);
      assertThat(reply.status()).as(type + ": " + reply).isEqualTo(415);
      assertThat(reply.message()).contains("Content-Type").contains(type);
      Reply put = api.send("PUT", frame(room, 0), jsonSingle(sample(6)), type, "If-Match", "\"1\"");
      assertThat(put.status()).as(type + ": " + put).isEqualTo(415);
    }
    assertThat(api.metadata(room)).isEqualTo(before);
  }

  @Test
  @DisplayName("index out of range is 404, a range over the cap (10) is 400, and nothing changes")
  void rangeRefusals() {
    String room = api.createRoom();
    List<Frame> twelve = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      twelve.add(sample(i));
    }
    assertThat(api.send("POST", frames(room), jsonBatch(twelve), Api.JSON).status()).isEqualTo(201);
    List<Meta> before = api.metadata(room);
    assertThat(before).hasSize(12);

    assertThat(api.get(frame(room, 12)).status()).isEqualTo(404);
    Reply outOfRange = api.get(frames(room) + "?frames=3,12");
    assertThat(outOfRange.status()).isEqualTo(404);
    assertThat(outOfRange.message()).contains("12");
    assertThat(api.get(frames(room) + "?frames=8:13").status()).isEqualTo(404);
    assertThat(api.put(room, 12, 1, sample(1)).status()).isEqualTo(404);
    assertThat(api.send("PATCH", frame(room, 40), jsonSingle(sample(1)), Api.JSON, "If-Match", "\"1\"").status())
        .isEqualTo(404);

    Reply tooMany = api.get(frames(room) + "?frames=0:11");
    assertThat(tooMany.status()).as(tooMany.toString()).isEqualTo(400);
    assertThat(tooMany.message()).contains("frames").contains("at most 10");
    assertThat(api.get(frames(room)).status()).isEqualTo(400);
    assertThat(api.get(frames(room) + "?frames=0,1,2,3,4,5,6,7,8,9,10").status()).isEqualTo(400);
    Reply cap = api.get(frames(room) + "?frames=2:12");
    assertThat(cap.status()).isEqualTo(200);
    assertThat(cap.meta()).isEqualTo(before.subList(2, 12));
    assertThat(api.metadata(room)).isEqualTo(before);
  }

  @Test
  @DisplayName("a write without a base version is 428, If-Match and base_version that disagree are 400, and nothing changes")
  void baseVersionRefusals() {
    String room = api.createRoom();
    api.append(room, sample(1));
    List<Meta> before = api.metadata(room);

    Reply none = api.send("PUT", frame(room, 0), jsonSingle(sample(2)), Api.JSON);
    assertThat(none.status()).as(none.toString()).isEqualTo(428);
    assertThat(none.message()).contains("If-Match").contains("base_version");
    Reply patchNone = api.send("PATCH", frame(room, 0), jsonSingle(sample(2)), Api.JSON);
    assertThat(patchNone.status()).isEqualTo(428);

    JsonObject body = new JsonObject(Buffer.buffer(jsonSingle(sample(2)))).put("base_version", 1);
    Reply disagree = api.send("PUT", frame(room, 0), body.toBuffer().getBytes(), Api.JSON, "If-Match", "\"2\"");
    assertThat(disagree.status()).as(disagree.toString()).isEqualTo(400);
    assertThat(disagree.message()).contains("If-Match 2").contains("base_version 1");
    Reply notAVersion = api.send("PUT", frame(room, 0), jsonSingle(sample(2)), Api.JSON, "If-Match", "\"abc\"");
    assertThat(notAVersion.status()).isEqualTo(400);
    assertThat(notAVersion.message()).contains("If-Match");

    assertThat(api.metadata(room)).isEqualTo(before);
    assertThat(api.frame(room, 0).contents()).containsExactly(sample(1).fields());
  }

  @Test
  @DisplayName("extended XYZ imports; a malformed file is 422 naming the line and adds no frame; a JSON import is 415")
  void importRefusals() {
    String room = api.createRoom();
    api.append(room, sample(1));
    StringBuilder valid = new StringBuilder();
    for (int i = 0; i < 100; i++) {
      valid.append("2\nProperties=species:S:1:pos:R:3 energy=").append(i).append("\nH 0 0 ").append(i)
          .append("\nO 1 1 1\n");
    }
    Reply imported = api.send("POST", "/api/rooms/" + room + "/import", valid.toString().getBytes(StandardCharsets.UTF_8),
        "chemical/x-extxyz");
    assertThat(imported.status()).as(imported.toString()).isEqualTo(201);
    assertThat(imported.json().getInteger("imported")).isEqualTo(100);
    List<Meta> before = api.metadata(room);
    assertThat(before).hasSize(101);
    assertThat(imported.meta()).isEqualTo(before.subList(1, 101));

    // 100 good frames (more than one staging batch), then a bad coordinate on line 403
    String malformed = valid + "2\nProperties=species:S:1:pos:R:3\nH 0 0 zero\nO 1 1 1\n";
    Reply refused = api.send("POST", "/api/rooms/" + room + "/import", malformed.getBytes(StandardCharsets.UTF_8),
        "chemical/x-extxyz");
    assertThat(refused.status()).as(refused.toString()).isEqualTo(422);
    assertThat(refused.message()).contains("line 403").contains("zero");
    assertThat(api.metadata(room)).isEqualTo(before);

    Reply json = api.send("POST", "/api/rooms/" + room + "/import", valid.toString().getBytes(StandardCharsets.UTF_8),
        Api.JSON);
    assertThat(json.status()).as(json.toString()).isEqualTo(415);
    assertThat(json.message()).contains("Content-Type");
    Reply none = api.send("POST", "/api/rooms/" + room + "/import", valid.toString().getBytes(StandardCharsets.UTF_8),
        null);
    assertThat(none.status()).isEqualTo(415);
    assertThat(api.metadata(room)).isEqualTo(before);
  }

  private static void refused(String room, List<Meta> before, JsonObject body, int status, String... mentions) {
    refused(room, before, body.toBuffer().getBytes(), Api.JSON, status, mentions);
  }

  private static void refused(String room, List<Meta> before, byte[] body, String type, int status, String... mentions) {
    Reply append = api.send("POST", frames(room), body, type);
    assertThat(append.status()).as(append.toString()).isEqualTo(status);
    assertThat(append.message()).as(append.toString()).contains(mentions);
    Reply put = api.send("PUT", frame(room, 0), body, type, "If-Match", "\"1\"");
    assertThat(put.status()).as(put.toString()).isEqualTo(status);
    assertThat(api.metadata(room)).isEqualTo(before);
  }

  private static JsonObject field(String dtype, int[] shape, JsonArray data) {
    return new JsonObject().put("dtype", dtype).put("shape", new JsonArray(Arrays.stream(shape).boxed().toList()))
        .put("data", data);
  }

  private static JsonObject singleOf(JsonObject positions, JsonObject species) {
    return new JsonObject().put("fields", new JsonObject().put("positions", positions).put("species", species));
  }

  private static JsonObject batchOf(JsonObject positions, JsonObject species, JsonObject badPositions) {
    return new JsonObject().put("frames", new JsonArray().add(singleOf(positions, species))
        .add(singleOf(badPositions, species)));
  }

  // ---- content and encodings shared by the frames HTTP tests ----------------------------------

  /** {@code /api/rooms/<room>/frames}. */
  static String frames(String room) {
    return "/api/rooms/" + room + "/frames";
  }

  /** {@code /api/rooms/<room>/frames/<index>}. */
  static String frame(String room, int index) {
    return frames(room) + "/" + index;
  }

  /** A two-atom frame whose positions depend on {@code seed}: float32 positions [2,3], str species [2]. */
  static Frame sample(int seed) {
    float[] positions = {seed, seed * 0.5f, -seed, 1.5f + seed, 2.25f, seed / 3f};
    return Frame.of(Map.of(
        "positions", Field.of(DType.FLOAT32, new int[] {2, 3}, le(positions), "test"),
        "species", Field.ofStrings(List.of("H", seed % 2 == 0 ? "O" : "N"), new int[] {2}, "test")), "test");
  }

  /** Little-endian float32 bytes. */
  static byte[] le(float... values) {
    ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(DType.ORDER);
    for (float value : values) {
      buffer.putFloat(value);
    }
    return buffer.array();
  }

  /** Little-endian float64 bytes. */
  static byte[] le(double... values) {
    ByteBuffer buffer = ByteBuffer.allocate(values.length * 8).order(DType.ORDER);
    for (double value : values) {
      buffer.putDouble(value);
    }
    return buffer.array();
  }

  /** Little-endian int64 bytes. */
  static byte[] le(long... values) {
    ByteBuffer buffer = ByteBuffer.allocate(values.length * 8).order(DType.ORDER);
    for (long value : values) {
      buffer.putLong(value);
    }
    return buffer.array();
  }

  /** {@code {"fields": {...}}} as JSON. */
  static byte[] jsonSingle(Frame frame) {
    return FrameJson.encode(frame).toBuffer().getBytes();
  }

  /** {@code {"frames": [{"fields": ...}, ...]}} as JSON. */
  static byte[] jsonBatch(List<Frame> frames) {
    JsonArray list = new JsonArray();
    frames.forEach(frame -> list.add(FrameJson.encode(frame)));
    return new JsonObject().put("frames", list).toBuffer().getBytes();
  }

  /** {@code {"fields": {...}}} packed by hand with msgpack-core (not with the server's encoder). */
  static byte[] msgpackSingle(Frame frame) {
    try (MessageBufferPacker packer = MessagePack.newDefaultBufferPacker()) {
      packer.packMapHeader(1).packString("fields");
      packFields(packer, frame);
      return packer.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code {"frames": [{"fields": ...}, ...]}} packed by hand with msgpack-core. */
  static byte[] msgpackBatch(List<Frame> frames) {
    try (MessageBufferPacker packer = MessagePack.newDefaultBufferPacker()) {
      packer.packMapHeader(1).packString("frames").packArrayHeader(frames.size());
      for (Frame frame : frames) {
        packer.packMapHeader(1).packString("fields");
        packFields(packer, frame);
      }
      return packer.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void packFields(MessageBufferPacker packer, Frame frame) throws IOException {
    packer.packMapHeader(frame.fields().size());
    for (Map.Entry<String, Field> entry : frame.fields().entrySet()) {
      Field field = entry.getValue();
      packer.packString(entry.getKey()).packMapHeader(3);
      packer.packString("dtype").packString(field.dtype().id());
      packer.packString("shape").packArrayHeader(field.shape().length);
      for (int dimension : field.shape()) {
        packer.packInt(dimension);
      }
      packer.packString("data");
      if (field.dtype() == DType.STR) {
        packer.packArrayHeader((int) field.count());
        for (String value : field.strings()) {
          packer.packString(value);
        }
      } else {
        packer.packBinaryHeader(field.data().length).writePayload(field.data());
      }
    }
  }

  /** {@code sha-256=:<base64>:} of some bytes. */
  static String digestOf(byte[] body) {
    try {
      return "sha-256=:" + Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(body)) + ":";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** One Redis command as RESP bulk strings over a plain socket; the first line of the reply. */
  static String redis(String... args) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", TestRedis.shared().port()), 2_000);
      socket.setSoTimeout(5_000);
      StringBuilder command = new StringBuilder("*").append(args.length).append("\r\n");
      for (String arg : args) {
        command.append('$').append(arg.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(arg)
            .append("\r\n");
      }
      OutputStream out = socket.getOutputStream();
      out.write(command.toString().getBytes(StandardCharsets.UTF_8));
      out.flush();
      return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8)).readLine();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The blob files under {@code <data dir>/blobs} (temporary files excluded). */
  static List<Path> blobFiles(Path dataDir) throws IOException {
    Path root = dataDir.resolve("blobs");
    if (!Files.exists(root)) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(Files::isRegularFile).filter(file -> !file.getFileName().toString().endsWith(".tmp"))
          .toList();
    }
  }

  /**
   * A frame's metadata as every frames response lists it.
   *
   * @param index position
   * @param id stable id
   * @param version version
   * @param hash content hash
   */
  record Meta(int index, String id, long version, String hash) {

    static Meta of(JsonObject entry) {
      assertThat(entry.getValue("index")).as("index in " + entry).isInstanceOf(Number.class);
      assertThat(entry.getString("id")).as("id in " + entry).isNotBlank();
      assertThat(entry.getValue("version")).as("version in " + entry).isInstanceOf(Number.class);
      assertThat(entry.getString("hash")).as("hash in " + entry).matches("sha256:[0-9a-f]{64}");
      return new Meta(entry.getInteger("index"), entry.getString("id"), entry.getLong("version"),
          entry.getString("hash"));
    }
  }

  /**
   * A whole response.
   *
   * @param status status code
   * @param headers headers
   * @param body body bytes
   */
  record Reply(int status, HttpHeaders headers, byte[] body) {

    String header(String name) {
      return headers.firstValue(name).orElse(null);
    }

    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    JsonObject json() {
      try {
        return new JsonObject(Buffer.buffer(body));
      } catch (RuntimeException e) {
        throw new AssertionError("not a JSON object (status " + status + "): " + text(), e);
      }
    }

    boolean msgpack() {
      String type = header("Content-Type");
      return type != null && type.startsWith(Api.MSGPACK);
    }

    /** The error message of a JSON error body. */
    String message() {
      return json().getString("message");
    }

    /** The {index, id, version, hash} of every listed frame (JSON or msgpack). */
    List<Meta> meta() {
      List<Meta> out = new ArrayList<>();
      if (msgpack()) {
        for (Value entry : msgpackFrames()) {
          JsonObject meta = new JsonObject();
          entry.asMapValue().map().forEach((key, value) -> {
            String name = key.asStringValue().asString();
            switch (name) {
              case "index", "version" -> meta.put(name, value.asIntegerValue().toLong());
              case "id", "hash" -> meta.put(name, value.asStringValue().asString());
              default -> { }
            }
          });
          out.add(Meta.of(meta));
        }
        return out;
      }
      JsonArray frames = json().getJsonArray("frames");
      assertThat(frames).as("frames in " + this).isNotNull();
      frames.forEach(entry -> out.add(Meta.of((JsonObject) entry)));
      return out;
    }

    /** The keys of each listed frame of a msgpack body. */
    List<List<String>> msgpackFrameKeys() {
      List<List<String>> out = new ArrayList<>();
      for (Value entry : msgpackFrames()) {
        out.add(entry.asMapValue().keySet().stream().map(key -> key.asStringValue().asString()).toList());
      }
      return out;
    }

    private List<Value> msgpackFrames() {
      try (MessageUnpacker unpacker = MessagePack.newDefaultUnpacker(body)) {
        Value root = unpacker.unpackValue();
        Map<Value, Value> map = root.asMapValue().map();
        return map.entrySet().stream().filter(e -> e.getKey().asStringValue().asString().equals("frames"))
            .findFirst().orElseThrow().getValue().asArrayValue().list();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** The frames' fields, decoded by content type (frames compare by their fields). */
    List<Map<String, Field>> contents() {
      return frames().stream().<Map<String, Field>>map(Frame::fields).toList();
    }

    /** The frames' content, decoded by content type. */
    List<Frame> frames() {
      assertThat(status).as(toString()).isBetween(200, 299);
      return msgpack() ? FrameMsgpack.decode(body).frames() : FrameJson.decode(body).frames();
    }

    @Override
    public String toString() {
      String type = header("Content-Type");
      return status + " " + (type != null && (type.startsWith("application/json") || type.startsWith("text"))
          ? text() : "(" + body.length + " bytes of " + type + ")");
    }
  }

  /**
   * A blocking client of the frames API, one {@link HttpClient} per instance (HTTP/1.1), optionally
   * sending a bearer token; shared by the frames HTTP tests.
   */
  static final class Api {
    static final String JSON = "application/json";
    static final String MSGPACK = "application/msgpack";

    private final HttpClient http;
    private final int port;
    private final String bearer;

    Api(int port) {
      this(port, null);
    }

    Api(int port, String bearer) {
      this(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
          .build(), port, bearer);
    }

    private Api(HttpClient http, int port, String bearer) {
      this.http = http;
      this.port = port;
      this.bearer = bearer;
    }

    /** The same connection pool, sending another bearer token. */
    Api as(String token) {
      return new Api(http, port, token);
    }

    /** Sends a request; {@code headers} are name, value pairs. */
    Reply send(String method, String path, byte[] body, String contentType, String... headers) {
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .timeout(Duration.ofSeconds(30))
          .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofByteArray(body));
      if (contentType != null) {
        request.header("Content-Type", contentType);
      }
      if (bearer != null) {
        request.header("Authorization", "Bearer " + bearer);
      }
      for (int i = 0; i < headers.length; i += 2) {
        request.header(headers[i], headers[i + 1]);
      }
      try {
        HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        return new Reply(response.statusCode(), response.headers(), response.body());
      } catch (IOException e) {
        throw new UncheckedIOException(method + " " + path + ": " + e, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }

    Reply get(String path, String... headers) {
      return send("GET", path, null, null, headers);
    }

    /** Creates a private room; returns its id. */
    String createRoom() {
      return createRoom(new JsonObject().put("title", "frames " + UUID.randomUUID()));
    }

    /** Creates a room from a body ({@code title}, {@code visibility}, {@code from}); returns its id. */
    String createRoom(JsonObject body) {
      Reply reply = send("POST", "/api/rooms", body.toBuffer().getBytes(), JSON);
      assertThat(reply.status()).as("create room: " + reply).isEqualTo(201);
      return reply.json().getString("id");
    }

    /** Appends frames as one JSON batch; fails unless 201. */
    List<Meta> append(String room, Frame... frames) {
      Reply reply = send("POST", frames(room), jsonBatch(List.of(frames)), JSON);
      assertThat(reply.status()).as("append: " + reply).isEqualTo(201);
      return reply.meta();
    }

    /** PUT of a whole frame with {@code If-Match: "base"} (JSON). */
    Reply put(String room, int index, long base, Frame frame) {
      return send("PUT", FrameApiTest.frame(room, index), jsonSingle(frame), JSON, "If-Match", "\"" + base + "\"");
    }

    /** GET of one frame (JSON). */
    Reply frame(String room, int index) {
      Reply reply = get(FrameApiTest.frame(room, index));
      assertThat(reply.status()).as("read frame " + index + ": " + reply).isEqualTo(200);
      return reply;
    }

    /** Every frame's metadata, paged 10 at a time (the smallest cap any test sets). */
    List<Meta> metadata(String room) {
      List<Meta> out = new ArrayList<>();
      for (int from = 0; ; from += 10) {
        Reply page = get(frames(room) + "?fields=&frames=" + from + ":" + (from + 10));
        if (page.status() == 404) {
          page = get(frames(room) + "?fields=&frames=" + from + ":");
        }
        assertThat(page.status()).as("metadata: " + page).isEqualTo(200);
        List<Meta> metas = page.meta();
        out.addAll(metas);
        if (metas.size() < 10) {
          return out;
        }
      }
    }
  }
}
