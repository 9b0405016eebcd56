package dev.atrium.frames;

import static dev.atrium.frames.CodecFixtures.assertSameContent;
import static dev.atrium.frames.CodecFixtures.atoms;
import static dev.atrium.frames.CodecFixtures.everyDtype;
import static dev.atrium.frames.CodecFixtures.refusal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.atrium.web.ApiException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePacker;

@DisplayName("FrameMsgpack: the msgpack encoding of frames")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FrameMsgpackTest {

  /** What a plain msgpack library writes for these views: the format, without our chunking tricks. */
  private static byte[] reference(List<FrameView> views) throws IOException {
    MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
    p.packMapHeader(1).packString("frames").packArrayHeader(views.size());
    for (FrameView view : views) {
      p.packMapHeader(view.frame() == null ? 4 : 5);
      p.packString("index").packLong(view.index());
      p.packString("id").packString(view.id());
      p.packString("version").packLong(view.version());
      p.packString("hash").packString(view.hash());
      if (view.frame() != null) {
        p.packString("fields");
        referenceFields(p, view.frame());
      }
    }
    return p.toByteArray();
  }

  private static void referenceFields(MessagePacker p, Frame frame) throws IOException {
    p.packMapHeader(frame.fields().size());
    for (Map.Entry<String, Field> entry : frame.fields().entrySet()) {
      Field field = entry.getValue();
      p.packString(entry.getKey()).packMapHeader(3);
      p.packString("dtype").packString(field.dtype().id());
      p.packString("shape").packArrayHeader(field.shape().length);
      for (int dimension : field.shape()) {
        p.packInt(dimension);
      }
      p.packString("data");
      if (field.dtype().numeric()) {
        p.packBinaryHeader(field.data().length).writePayload(field.data());
      } else {
        List<String> strings = field.strings();
        p.packArrayHeader(strings.size());
        for (String s : strings) {
          p.packString(s);
        }
      }
    }
  }

  private static byte[] single(Frame frame) {
    return FrameMsgpack.encode(frame).getBytes();
  }

  /** A hand-built single-frame body with one field whose map entries {@code entries} writes. */
  private interface Entries {
    void write(MessagePacker p) throws IOException;
  }

  private static byte[] body(int fieldEntries, Entries entries) throws IOException {
    MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
    p.packMapHeader(1).packString("fields").packMapHeader(1).packString("x").packMapHeader(fieldEntries);
    entries.write(p);
    return p.toByteArray();
  }

  private static String refused(int status, byte[] body) {
    return refusal(status, () -> FrameMsgpack.decode(body)).getMessage();
  }

  @Test
  @DisplayName("every dtype survives encode then decode bit for bit, edge values included")
  void everyDtypeRoundTrips() {
    Frame frame = everyDtype();

    FrameJson.Decoded decoded = FrameMsgpack.decode(single(frame));

    assertThat(decoded.batch()).isFalse();
    assertSameContent(decoded.first(), frame);
  }

  @Test
  @DisplayName("raw bytes are kept as they are: a NaN with a payload keeps its bits")
  void nanPayload() {
    byte[] bits = ByteBuffer.allocate(4).order(DType.ORDER).putInt(0x7fa00001).array();
    Frame frame = Frame.of(Map.of("f", Field.of(DType.FLOAT32, new int[] {1}, bits, "test")), "test");

    Frame back = FrameMsgpack.decode(single(frame)).first();

    assertThat(back.fields().get("f").data()).isEqualTo(bits);
  }

  @Test
  @DisplayName("a batch encodes byte for byte as a plain msgpack library writes it, and decodes back")
  void batchMatchesReference() throws IOException {
    Frame big = atoms(20_000, 1);
    List<FrameView> views = List.of(FrameView.of(0, "a", 1, everyDtype()), FrameView.of(1, "b", 3, big),
        new FrameView(2, "c", 1, "sha256:00", null));

    byte[] encoded = FrameMsgpack.encode(views).getBytes();

    assertThat(encoded).isEqualTo(reference(views));
  }

  @Test
  @DisplayName("a batch of uploads decodes in order with its base_version, from bytes or from a Buffer")
  void batchDecodes() throws IOException {
    MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
    p.packMapHeader(2).packString("frames").packArrayHeader(2);
    p.packMapHeader(1).packString("fields");
    referenceFields(p, everyDtype());
    p.packMapHeader(1).packString("fields");
    referenceFields(p, atoms(1000, 2));
    p.packString("base_version").packLong(12);
    byte[] body = p.toByteArray();

    for (FrameJson.Decoded decoded : List.of(FrameMsgpack.decode(body), FrameMsgpack.decode(Buffer.buffer(body)))) {
      assertThat(decoded.batch()).isTrue();
      assertThat(decoded.baseVersion()).isEqualTo(12L);
      assertSameContent(decoded.frames().get(0), everyDtype());
      assertSameContent(decoded.frames().get(1), atoms(1000, 2));
    }
  }

  @Test
  @DisplayName("a 10^5-atom frame round-trips, and the big array is wrapped, not copied")
  void bigFrameIsWrapped() {
    Frame frame = atoms(100_000, 3);
    byte[] positions = frame.fields().get("positions").data();

    Buffer encoded = FrameMsgpack.encode(List.of(FrameView.of(0, "a", 1, frame)));

    ByteBuf buf = ((BufferInternal) encoded).getByteBuf();
    while (buf != null && !(buf instanceof CompositeByteBuf)) {
      buf = buf.unwrap();
    }
    assertThat(buf).isInstanceOf(CompositeByteBuf.class);
    boolean shared = false;
    for (ByteBuf component : (CompositeByteBuf) buf) {
      ByteBuf inner = component;
      while (inner.unwrap() != null) {
        inner = inner.unwrap();
      }
      shared |= inner.hasArray() && inner.array() == positions;
    }
    assertThat(shared).as("positions array shared by the encoded buffer").isTrue();
    assertThat(encoded.length()).isGreaterThan(positions.length + 100_000);
    Frame back = FrameMsgpack.decode(encoded).first();
    assertSameContent(back, frame);
  }

  @Test
  @DisplayName("a body cut short anywhere is refused with 400, never another exception")
  void truncatedEverywhere() {
    byte[] small = single(CodecFixtures.everyDtypeSmall());
    byte[] big = FrameMsgpack.encode(List.of(FrameView.of(0, "a", 1, atoms(100_000, 4)))).getBytes();
    int[] bigCuts = {0, 1, 5, 20, 60, 100, 120, 140, 1000, 600_000, 1_200_100, 1_200_200, 1_300_000, big.length - 1};

    for (int cut = 0; cut < small.length; cut++) {
      assertCutRefused(small, cut);
    }
    for (int cut : bigCuts) {
      assertCutRefused(big, cut);
    }
  }

  private static void assertCutRefused(byte[] body, int cut) {
    byte[] part = Arrays.copyOf(body, cut);
    try {
      FrameMsgpack.decode(part);
      fail("a body cut at byte " + cut + " of " + body.length + " was accepted");
    } catch (ApiException refused) {
      assertThat(refused.status()).as("cut at %d: %s", cut, refused.getMessage()).isEqualTo(400);
      if (cut > 0) {
        assertThat(refused.getMessage()).as("cut at %d", cut).contains("truncated msgpack at byte " + cut);
      }
    }
  }

  @Test
  @DisplayName("a truncated body names where it ended")
  void truncatedNamesWhere() {
    byte[] body = FrameMsgpack.encode(List.of(FrameView.of(0, "a", 1, atoms(1000, 5)))).getBytes();

    String message = refused(400, Arrays.copyOf(body, 2000));

    assertThat(message).isEqualTo("frames[0].fields.positions.data: truncated msgpack at byte 2000");
  }

  @Test
  @DisplayName("random corruption of a valid body gives a frame or a 400/413, never another exception")
  void corruptedBodies() {
    byte[] valid = single(CodecFixtures.everyDtypeSmall());
    Random random = new Random(7);

    for (int round = 0; round < 20_000; round++) {
      byte[] body = valid.clone();
      int flips = 1 + random.nextInt(4);
      for (int i = 0; i < flips; i++) {
        body[random.nextInt(body.length)] = (byte) random.nextInt(256);
      }
      try {
        FrameMsgpack.decode(body);
      } catch (ApiException refused) {
        assertThat(refused.status()).as(refused.getMessage()).isIn(400, 413);
      }
    }
  }

  @Test
  @DisplayName("a length that claims more than the body holds is refused without allocating it")
  void hugeLengths() {
    byte[] bin = {(byte) 0x81, (byte) 0xa6, 'f', 'i', 'e', 'l', 'd', 's', (byte) 0x81, (byte) 0xa1, 'x',
        (byte) 0x81, (byte) 0xa4, 'd', 'a', 't', 'a', (byte) 0xc6, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xf0, 1, 2};
    byte[] array = bin.clone();
    array[17] = (byte) 0xdd;

    assertThat(refused(400, bin)).isEqualTo("fields.x.data: truncated msgpack at byte 24");
    assertThat(refused(400, array)).isEqualTo("fields.x.data: truncated msgpack at byte 24");
  }

  @Test
  @DisplayName("wrong types are refused with 400 naming where")
  void wrongTypes() throws IOException {
    assertThat(refused(400, body(3, p -> p.packString("dtype").packInt(5).packString("shape").packArrayHeader(0)
        .packString("data").packBinaryHeader(0))))
        .isEqualTo("fields.x.dtype: expected a string such as \"float32\", got an integer");
    assertThat(refused(400, body(3, p -> p.packString("dtype").packString("float32").packString("shape")
        .packString("3").packString("data").packBinaryHeader(12))))
        .isEqualTo("fields.x.shape: expected an array of non-negative integers, got a string");
    assertThat(refused(400, body(3, p -> p.packString("dtype").packString("float32").packString("shape")
        .packArrayHeader(1).packDouble(3.0).packString("data").packBinaryHeader(0))))
        .isEqualTo("fields.x.shape[0]: expected a non-negative integer, got a float");
    assertThat(refused(400, body(3, p -> p.packString("dtype").packString("float32").packString("shape")
        .packArrayHeader(1).packInt(1).packString("data").packArrayHeader(1).packFloat(1f))))
        .isEqualTo("fields.x.data[0]: expected a string, got a float");
    assertThat(refused(400, body(3, p -> p.packString("dtype").packString("float32").packString("shape")
        .packArrayHeader(1).packInt(1).packString("data").packArrayHeader(1).packString("a"))))
        .isEqualTo("fields.x.data: dtype float32 takes bin (raw little-endian bytes), got an array");
    assertThat(refused(400, body(3, p -> p.packString("dtype").packString("str").packString("shape")
        .packArrayHeader(1).packInt(1).packString("data").packBinaryHeader(1).writePayload(new byte[] {1}))))
        .isEqualTo("fields.x.data: dtype str takes an array of strings, got bin");
    assertThat(refused(400, body(3, p -> p.packString("dtype").packString("float32").packString("shape")
        .packArrayHeader(1).packInt(1).packString("data").packString("AAAA"))))
        .startsWith("fields.x.data: expected bin (raw little-endian bytes)");
    assertThat(refused(400, body(1, p -> p.packInt(1).packInt(2))))
        .isEqualTo("fields.x: map keys must be strings, got an integer");
  }

  @Test
  @DisplayName("bad content is refused with 400 naming where")
  void badContent() throws IOException {
    assertThat(refused(400, body(3, p -> p.packString("dtype").packString("float16").packString("shape")
        .packArrayHeader(0).packString("data").packBinaryHeader(2).writePayload(new byte[2]))))
        .startsWith("fields.x.dtype: unknown dtype 'float16' (known: bool, int8");
    assertThat(refused(400, body(3, p -> p.packString("dtype").packString("float32").packString("shape")
        .packArrayHeader(2).packInt(2).packInt(3).packString("data").packBinaryHeader(20).writePayload(new byte[20]))))
        .isEqualTo("fields.x: float32 shape [2, 3] needs 24 bytes, got 20");
    assertThat(refused(400, body(3, p -> p.packString("dtype").packString("str").packString("shape")
        .packArrayHeader(1).packInt(2).packString("data").packArrayHeader(1).packString("H"))))
        .isEqualTo("fields.x: shape [2] needs 2 strings, data has 1");
    assertThat(refused(400, body(3, p -> p.packString("dtype").packString("bool").packString("shape")
        .packArrayHeader(1).packInt(2).packString("data").packBinaryHeader(2).writePayload(new byte[] {1, 2}))))
        .isEqualTo("fields.x.data[1]: bool bytes must be 0 or 1, got 2");
    assertThat(refused(400, body(3, p -> p.packString("dtype").packString("str").packString("shape")
        .packArrayHeader(1).packInt(1).packString("data").packArrayHeader(1).packRawStringHeader(2)
        .writePayload(new byte[] {(byte) 0xc3, 0x28}))))
        .isEqualTo("fields.x.data[0]: not valid UTF-8");
    // the same, followed by more of the body: short strings are then read a word at a time
    assertThat(refused(400, body(3, p -> p.packString("data").packArrayHeader(3).packString("H")
        .packRawStringHeader(2).writePayload(new byte[] {(byte) 0xe2, (byte) 0x9c}).packString("O")
        .packString("dtype").packString("str").packString("shape").packArrayHeader(1).packInt(3))))
        .isEqualTo("fields.x.data[1]: not valid UTF-8");
    assertThat(refused(400, body(2, p -> p.packString("dtype").packString("int8").packString("data")
        .packBinaryHeader(0))))
        .isEqualTo("fields.x: missing key 'shape'");
    assertThat(refused(400, body(4, p -> p.packString("dtype").packString("int8").packString("shape")
        .packArrayHeader(0).packString("data").packBinaryHeader(1).writePayload(new byte[1]).packString("units")
        .packString("A"))))
        .isEqualTo("fields.x: unknown key 'units' (allowed: dtype, shape, data)");
    assertThat(refused(413, body(3, p -> p.packString("dtype").packString("int8").packString("shape")
        .packArrayHeader(4).packInt(65536).packInt(65536).packInt(65536).packInt(65536).packString("data")
        .packBinaryHeader(0))))
        .isEqualTo("fields.x.shape: shape [65536, 65536, 65536, 65536] has too many elements");
  }

  @Test
  @DisplayName("a body without fields or frames, or not a map, or with extra bytes, is refused")
  void badStructure() throws IOException {
    assertThat(refused(400, packed(p -> p.packMapHeader(1).packString("base_version").packInt(3))))
        .isEqualTo("body: missing key \"fields\" (one frame) or \"frames\" (a batch)");
    assertThat(refused(400, packed(p -> p.packArrayHeader(0))))
        .isEqualTo("body: expected a map with \"fields\" (one frame) or \"frames\" (a batch), got an array");
    assertThat(refused(400, packed(p -> p.packMapHeader(1).packString("frames").packArrayHeader(1).packMapHeader(0))))
        .isEqualTo("frames[0]: missing key 'fields'");
    assertThat(refused(400, packed(p -> p.packMapHeader(1).packString("room").packString("r"))))
        .isEqualTo("body: unknown key 'room' (allowed: fields, frames, base_version)");
    assertThat(refused(400, packed(p -> p.packMapHeader(2).packString("fields").packMapHeader(0)
        .packString("base_version").packInt(-1))))
        .isEqualTo("base_version: expected a non-negative integer, got -1");
    assertThat(refused(400, packed(p -> p.packMapHeader(1).packString("fields").packMapHeader(0).packInt(0))))
        .isEqualTo("body: 1 unexpected bytes after the msgpack map, from byte 9");
    assertThat(refused(400, new byte[] {(byte) 0xc1}))
        .isEqualTo("body: malformed msgpack at byte 0: 0xc1 is not a msgpack type");
    assertThat(refused(400, new byte[0])).startsWith("body: empty body");
    assertThat(refused(400, packed(p -> p.packMapHeader(1).packString("fields").packMapHeader(1).packString("a b")
        .packMapHeader(0))))
        .isEqualTo("fields: field name 'a b' is not allowed");
  }

  private static byte[] packed(Entries entries) throws IOException {
    MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
    entries.write(p);
    return p.toByteArray();
  }

  @Test
  @DisplayName("keys may come in any order: data before dtype and shape still decodes")
  void anyKeyOrder() throws IOException {
    Field field = FrameMsgpack.decode(body(3, p -> p.packString("data").packArrayHeader(2).packString("H")
        .packString("Fe").packString("shape").packArrayHeader(1).packInt(2).packString("dtype").packString("str")))
        .first().fields().get("x");

    assertThat(field.strings()).containsExactly("H", "Fe");
  }
}
