package dev.atrium.frames;

import static dev.atrium.frames.CodecFixtures.assertSameContent;
import static dev.atrium.frames.CodecFixtures.everyDtype;
import static dev.atrium.frames.CodecFixtures.float32;
import static dev.atrium.frames.CodecFixtures.refusal;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("FrameJson: the JSON encoding of frames")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FrameJsonTest {

  /** Characters that keep a corrupted body looking like JSON, so that the corruption reaches the decoder. */
  private static final String NOISE = " \",:[]{}0123456789.eE-+tfnuxa";

  private static FrameJson.Decoded decode(String json) {
    return FrameJson.decode(Buffer.buffer(json));
  }

  private static String refused(int status, String json) {
    return refusal(status, () -> decode(json)).getMessage();
  }

  /** A single-frame body with one field. */
  private static String one(String dtype, String shape, String data) {
    return "{\"fields\": {\"x\": {\"dtype\": \"" + dtype + "\", \"shape\": " + shape + ", \"data\": " + data + "}}}";
  }

  @Test
  @DisplayName("the example of the issue decodes to the right bytes")
  void issueExample() {
    FrameJson.Decoded decoded = decode("{\"fields\": {\"positions\": {\"dtype\": \"float32\", \"shape\": [2, 3],"
        + " \"data\": [0, 0, 0, 1, 1, 1]}, \"species\": {\"dtype\": \"str\", \"shape\": [2], \"data\": [\"H\", \"O\"]}}}");

    assertThat(decoded.batch()).isFalse();
    assertThat(decoded.baseVersion()).isNull();
    assertThat(decoded.frames()).hasSize(1);
    Field positions = decoded.first().fields().get("positions");
    assertThat(positions.dtype()).isEqualTo(DType.FLOAT32);
    assertThat(positions.shape()).containsExactly(2, 3);
    byte[] one = {0, 0, (byte) 0x80, 0x3f};
    byte[] zero = {0, 0, 0, 0};
    assertThat(positions.data()).isEqualTo(concat(zero, zero, zero, one, one, one));
    Field species = decoded.first().fields().get("species");
    assertThat(species.dtype()).isEqualTo(DType.STR);
    assertThat(species.shape()).containsExactly(2);
    assertThat(species.data()).isEqualTo(new byte[] {1, 0, 0, 0, 'H', 1, 0, 0, 0, 'O'});
  }

  @Test
  @DisplayName("every dtype survives encode then decode bit for bit, edge values included")
  void everyDtypeRoundTrips() {
    Frame frame = everyDtype();

    Buffer text = FrameJson.encode(frame).toBuffer();
    Frame back = FrameJson.decode(text).first();

    assertSameContent(back, frame);
  }

  @Test
  @DisplayName("the encoding writes numbers as JSON numbers, NaN and infinities as strings, big uint64 unsigned")
  void encodedValues() {
    JsonObject fields = FrameJson.encode(everyDtype()).getJsonObject("fields");

    JsonArray f32 = fields.getJsonObject("f32").getJsonArray("data");
    assertThat(f32.getValue(1)).isEqualTo(-0.0f);
    assertThat(f32.getValue(2)).isEqualTo(Float.MIN_VALUE);
    assertThat(f32.getValue(8)).isEqualTo("NaN");
    assertThat(f32.getValue(9)).isEqualTo("Infinity");
    assertThat(f32.getValue(10)).isEqualTo("-Infinity");
    String u64 = fields.getJsonObject("u64").getJsonArray("data").encode();
    assertThat(u64).isEqualTo("[0,9223372036854775807,9223372036854775808,18446744073709551615]");
    assertThat(fields.getJsonObject("b").getJsonArray("data").encode()).isEqualTo("[true,false,false,true]");
    assertThat(fields.getJsonObject("scalar").encode()).isEqualTo("{\"dtype\":\"float64\",\"shape\":[],\"data\":[2.5]}");
    assertThat(fields.getJsonObject("species").getJsonArray("data").getString(4)).isEqualTo("héllo ✓");
  }

  @Test
  @DisplayName("float32 text parses back to the same bits for random values across the whole range")
  void float32Exact() {
    Random random = new Random(42);
    int n = 50_000;
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      float value;
      do {
        value = Float.intBitsToFloat(random.nextInt());
      } while (Float.isNaN(value));
      values[i] = value;
    }
    Frame frame = Frame.of(Map.of("f", float32(new int[] {n}, values)), "test");

    Frame back = FrameJson.decode(FrameJson.encode(frame).toBuffer()).first();

    assertSameContent(back, frame);
  }

  @Test
  @DisplayName("a batch encodes with its metadata; a metadata-only view has no fields")
  void batchEncoding() {
    Frame frame = Frame.of(Map.of("e", CodecFixtures.float64(new int[] {}, -1.5)), "test");
    List<FrameView> views = List.of(FrameView.of(4, "f-1", 2, frame), new FrameView(5, "f-2", 1, "sha256:ab", null));

    JsonObject encoded = FrameJson.encode(views);

    JsonArray frames = encoded.getJsonArray("frames");
    assertThat(frames).hasSize(2);
    JsonObject first = frames.getJsonObject(0);
    assertThat(first.fieldNames()).containsExactly("index", "id", "version", "hash", "fields");
    assertThat(first.getLong("index")).isEqualTo(4);
    assertThat(first.getString("hash")).isEqualTo(frame.hash());
    assertThat(first.getJsonObject("fields").getJsonObject("e").getJsonArray("data").getDouble(0)).isEqualTo(-1.5);
    assertThat(frames.getJsonObject(1).fieldNames()).containsExactly("index", "id", "version", "hash");
    FrameJson.Decoded again = FrameJson.decode(FrameJson.encode(views.subList(0, 1)).toBuffer());
    assertThat(again.batch()).isTrue();
    assertSameContent(again.first(), frame);
  }

  @Test
  @DisplayName("a batch decodes in order, with its base_version")
  void batchDecoding() {
    FrameJson.Decoded decoded = decode("{\"base_version\": 7, \"frames\": [" + frameJson("1.5") + ", "
        + frameJson("2.5") + "]}");

    assertThat(decoded.batch()).isTrue();
    assertThat(decoded.baseVersion()).isEqualTo(7L);
    assertThat(decoded.frames()).hasSize(2);
    assertThat(ByteBuffer.wrap(decoded.frames().get(1).fields().get("e").data()).order(DType.ORDER).getDouble())
        .isEqualTo(2.5);
  }

  private static String frameJson(String energy) {
    return "{\"fields\": {\"e\": {\"dtype\": \"float64\", \"shape\": [], \"data\": [" + energy + "]}}}";
  }

  @Test
  @DisplayName("keys may come in any order: data before dtype and shape still decodes")
  void anyKeyOrder() {
    Field field = decode("{\"fields\": {\"x\": {\"data\": [1, 2, 300], \"shape\": [3], \"dtype\": \"uint16\"}}}")
        .first().fields().get("x");

    assertThat(field.data()).isEqualTo(new byte[] {1, 0, 2, 0, 44, 1});
  }

  @Test
  @DisplayName("NaN and infinities are accepted back as strings and as Python's bare tokens")
  void specialFloats() {
    Field strings = decode(one("float32", "[3]", "[\"NaN\", \"Infinity\", \"-Infinity\"]")).first().fields().get("x");
    Field bare = decode(one("float64", "[3]", "[NaN, Infinity, -Infinity]")).first().fields().get("x");

    ByteBuffer f = ByteBuffer.wrap(strings.data()).order(DType.ORDER);
    assertThat(f.getFloat(0)).isNaN();
    assertThat(f.getFloat(4)).isEqualTo(Float.POSITIVE_INFINITY);
    assertThat(f.getFloat(8)).isEqualTo(Float.NEGATIVE_INFINITY);
    ByteBuffer d = ByteBuffer.wrap(bare.data()).order(DType.ORDER);
    assertThat(d.getDouble(0)).isNaN();
    assertThat(d.getDouble(16)).isEqualTo(Double.NEGATIVE_INFINITY);
  }

  @ParameterizedTest(name = "{0}")
  @DisplayName("bad bodies are refused with 400 naming where")
  @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
      unknown dtype          | {"fields": {"x": {"dtype": "float16", "shape": [1], "data": [1]}}}           | fields.x.dtype: unknown dtype 'float16'
      fewer values           | {"fields": {"x": {"dtype": "float32", "shape": [2, 3], "data": [1, 2, 3, 4, 5]}}} | fields.x: shape [2, 3] needs 6 values, data has 5
      more values            | {"fields": {"x": {"dtype": "float32", "shape": [2], "data": [1, 2, 3]}}}     | fields.x: shape [2] needs 2 values, data has more
      300 in uint8           | {"frames": [{"fields": {"z": {"dtype": "uint8", "shape": [2], "data": [1, 300]}}}]} | frames[0].fields.z.data[1]: 300 is out of range for uint8
      -1 in uint64           | {"fields": {"x": {"dtype": "uint64", "shape": [1], "data": [-1]}}}          | fields.x.data[0]: -1 is out of range for uint64
      2^64 in uint64         | {"fields": {"x": {"dtype": "uint64", "shape": [1], "data": [18446744073709551616]}}} | fields.x.data[0]: 18446744073709551616 is out of range for uint64
      2^63 in int64          | {"fields": {"x": {"dtype": "int64", "shape": [1], "data": [9223372036854775808]}}} | fields.x.data[0]: 9223372036854775808 is out of range for int64
      fraction in int32      | {"fields": {"x": {"dtype": "int32", "shape": [1], "data": [1.5]}}}          | fields.x.data[0]: not an integer: 1.5
      string in int16        | {"fields": {"x": {"dtype": "int16", "shape": [1], "data": ["1"]}}}          | fields.x.data[0]: not a number: "1"
      1e39 in float32        | {"fields": {"x": {"dtype": "float32", "shape": [1], "data": [1e39]}}}       | fields.x.data[0]: 1e39 is out of range for float32
      null in float64        | {"fields": {"x": {"dtype": "float64", "shape": [1], "data": [null]}}}       | fields.x.data[0]: not a number: null
      number in bool         | {"fields": {"x": {"dtype": "bool", "shape": [1], "data": [1]}}}             | fields.x.data[0]: not a boolean: 1
      number in str          | {"fields": {"x": {"dtype": "str", "shape": [1], "data": [1]}}}              | fields.x.data[0]: not a string: 1
      nested data            | {"fields": {"x": {"dtype": "float32", "shape": [1, 2], "data": [[1, 2]]}}}  | fields.x.data[0]: expected a value, got an array
      data not an array      | {"fields": {"x": {"dtype": "float32", "shape": [1], "data": 1}}}            | fields.x.data: expected an array
      missing dtype, shape   | {"fields": {"x": {"data": [1]}}}                                            | fields.x: missing keys 'dtype', 'shape'
      missing data           | {"fields": {"x": {"dtype": "int8", "shape": [1]}}}                          | fields.x: missing key 'data'
      unknown field key      | {"fields": {"x": {"dtype": "int8", "shape": [1], "data": [1], "units": "A"}}} | fields.x: unknown key 'units'
      negative dimension     | {"fields": {"x": {"dtype": "int8", "shape": [-1], "data": []}}}             | fields.x.shape[0]: expected a non-negative integer
      shape not an array     | {"fields": {"x": {"dtype": "int8", "shape": 3, "data": [1, 2, 3]}}}         | fields.x.shape: expected an array
      dtype not a string     | {"fields": {"x": {"dtype": 5, "shape": [1], "data": [1]}}}                  | fields.x.dtype: expected a string
      bad field name         | {"fields": {"a b": {"dtype": "int8", "shape": [1], "data": [1]}}}           | fields: field name 'a b' is not allowed
      duplicate field        | {"fields": {"x": {"dtype": "int8", "shape": [1], "data": [1]}, "x": {}}}     | fields: duplicate key 'x'
      field not an object    | {"fields": {"x": [1, 2]}}                                                   | fields.x: expected an object
      missing fields         | {"base_version": 3}                                                         | body: missing key "fields" (one frame) or "frames" (a batch)
      frame without fields   | {"frames": [{"fields": {}}, {}]}                                            | frames[1]: missing key 'fields'
      unknown frame key      | {"frames": [{"fields": {}, "room": 3}]}                                     | frames[0]: unknown key 'room' (allowed: fields, and index, id, version, hash which are ignored)
      fields and frames      | {"fields": {}, "frames": []}                                                | body: give either "fields" (one frame) or "frames" (a batch), not both
      unknown top-level key  | {"fields": {}, "room": "r"}                                                 | body: unknown key 'room'
      negative base_version  | {"fields": {}, "base_version": -2}                                          | base_version: expected a non-negative integer
      text base_version      | {"fields": {}, "base_version": "3"}                                         | base_version: expected a non-negative integer
      not an object          | [1, 2]                                                                      | body: expected a JSON object
      frames not an array    | {"frames": {}}                                                              | frames: expected an array of frames
      malformed              | {"fields": {"x": {"dtype": "int8", "shape": [1], "data": [1,]}}}            | fields.x.data[0]: malformed JSON at line 1, column
      truncated              | {"fields": {"x": {"dtype": "int8", "shape": [1], "data": [1             | fields.x.data[0]: malformed JSON at line 1, column
      trailing garbage       | {"fields": {}} {"fields": {}}                                               | body: unexpected content after the JSON object
      empty                  | ``                                                                          | body: expected a JSON object
      """)
  void refusals(String title, String json, String message) {
    assertThat(refused(400, json)).startsWith(message);
  }

  @Test
  @DisplayName("a string in float32 names the frame, the field and the element")
  void stringInFloat32() {
    String frame = frameJson("0");
    String json = "{\"frames\": [" + frame + ", " + frame + ", {\"fields\": {\"positions\": {\"dtype\": \"float32\","
        + " \"shape\": [3, 3], \"data\": [0, 1, 2, 3, 4, 5, 6, \"x\", 8]}}}]}";

    assertThat(refused(400, json)).isEqualTo("frames[2].fields.positions.data[7]: not a number: \"x\"");
  }

  @Test
  @DisplayName("a shape with more elements than an array can hold is refused with 413")
  void hugeShape() {
    assertThat(refused(413, one("float32", "[65536, 65536, 65536, 65536]", "[]")))
        .startsWith("fields.x.shape: shape [65536, 65536, 65536, 65536] has too many elements");
  }

  @Test
  @DisplayName("decoded text is the decoder's own reading, not a lossy double: uint64 max and subnormals")
  void exactText() {
    Field u64 = decode(one("uint64", "[1]", "[18446744073709551615]")).first().fields().get("x");
    Field f32 = decode(one("float32", "[1]", "[1.4E-45]")).first().fields().get("x");

    assertThat(u64.data()).containsOnly((byte) 0xff);
    assertThat(ByteBuffer.wrap(f32.data()).order(DType.ORDER).getFloat()).isEqualTo(Float.MIN_VALUE);
  }

  @Test
  @DisplayName("non-ASCII text and escapes in strings decode to UTF-8")
  void unicodeStrings() {
    Field field = decode(one("str", "[2]", "[\"\\u00e9t\\u00e9\", \"∑\"]")).first().fields().get("x");

    assertThat(field.strings()).containsExactly("été", "∑");
    assertThat(new String(field.data(), 4, 5, StandardCharsets.UTF_8)).isEqualTo("été");
  }

  @Test
  @DisplayName("a body cut short or corrupted anywhere gives a frame or a 400/413, never another exception")
  void cutAndCorrupted() {
    byte[] valid = FrameJson.encode(CodecFixtures.everyDtypeSmall()).toBuffer().getBytes();
    Random random = new Random(11);

    for (int cut = 0; cut < valid.length; cut++) {
      byte[] part = java.util.Arrays.copyOf(valid, cut);
      refusal(400, () -> FrameJson.decode(part));
    }
    for (int round = 0; round < 2000; round++) {
      byte[] body = valid.clone();
      for (int i = 0; i < 1 + random.nextInt(3); i++) {
        body[random.nextInt(body.length)] = (byte) NOISE.charAt(random.nextInt(NOISE.length()));
      }
      try {
        FrameJson.decode(body);
      } catch (dev.atrium.web.ApiException refused) {
        assertThat(refused.status()).as(refused.getMessage()).isIn(400, 413);
      }
    }
  }

  private static byte[] concat(byte[]... parts) {
    ByteBuffer out = ByteBuffer.allocate(parts.length * parts[0].length);
    for (byte[] part : parts) {
      out.put(part);
    }
    return out.array();
  }
}
