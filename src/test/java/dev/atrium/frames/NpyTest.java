package dev.atrium.frames;

import static dev.atrium.frames.CodecFixtures.everyDtype;
import static dev.atrium.frames.CodecFixtures.refusal;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("Npy: one field as a NumPy .npy file")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NpyTest {

  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

  /** {@code np.arange(6, dtype='<f4').reshape(2, 3)}: six float32 values 0..5, little-endian. */
  private static byte[] arangeData() {
    return CodecFixtures.bytes(6, 4, (b, i) -> b.putFloat(i));
  }

  /** A .npy file of the given version with this header dict, padded as NumPy pads, then data. */
  private static byte[] npy(int major, String dict, byte[] data) {
    int preamble = major == 1 ? 10 : 12;
    int length = dict.getBytes(StandardCharsets.UTF_8).length + 1;
    String header = dict + " ".repeat(64 - (preamble + length) % 64) + "\n";
    byte[] text = header.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(MAGIC);
    out.write(major);
    out.write(0);
    out.write(text.length);
    out.write(text.length >>> 8);
    if (major != 1) {
      out.write(0);
      out.write(0);
    }
    out.writeBytes(text);
    out.writeBytes(data);
    return out.toByteArray();
  }

  private static String refused(int status, byte[] file) {
    return refusal(status, () -> Npy.decode(file, "fields.x")).getMessage();
  }

  @Test
  @DisplayName("np.save of np.arange(6, dtype='<f4').reshape(2, 3) equals our output byte for byte")
  void matchesNumpy() {
    // written from the format spec: magic, version 1.0, uint16 header length 118, the dict padded with
    // spaces and a newline to 128 bytes in all, then the data
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    expected.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 118, 0});
    expected.writeBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }".getBytes(StandardCharsets.US_ASCII));
    expected.writeBytes(" ".repeat(58).getBytes(StandardCharsets.US_ASCII));
    expected.write('\n');
    expected.writeBytes(arangeData());
    Field field = Field.of(DType.FLOAT32, new int[] {2, 3}, arangeData(), "test");

    byte[] ours = Npy.encode(field).getBytes();

    assertThat(ours).isEqualTo(expected.toByteArray());
    assertThat(Npy.decode(expected.toByteArray(), "test")).isEqualTo(field);
  }

  @Test
  @DisplayName("the header ends on a multiple of 64 bytes for any shape, and is written as NumPy writes it")
  void headerAlignment() {
    int[][] shapes = {{}, {0}, {5}, {100_000, 3}, {1, 2, 3, 4, 5, 6, 7, 8}, {Integer.MAX_VALUE}, {46_341, 46_340}};
    for (int[] shape : shapes) {
      byte[] header = Npy.header("<f8", shape);
      int length = (header[8] & 0xff) | (header[9] & 0xff) << 8;

      assertThat(header.length).as(Arrays.toString(shape)).isEqualTo(10 + length);
      assertThat(header.length % 64).as(Arrays.toString(shape)).isZero();
      assertThat(header[header.length - 1]).isEqualTo((byte) '\n');
    }
    assertThat(headerText("<f4", new int[] {100_000, 3}))
        .startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 3), }");
    assertThat(headerText("|b1", new int[] {7}))
        .startsWith("{'descr': '|b1', 'fortran_order': False, 'shape': (7,), }");
    assertThat(headerText("<i8", new int[] {}))
        .startsWith("{'descr': '<i8', 'fortran_order': False, 'shape': (), }");
  }

  private static String headerText(String descr, int[] shape) {
    byte[] header = Npy.header(descr, shape);
    return new String(header, 10, header.length - 10, StandardCharsets.US_ASCII);
  }

  @Test
  @DisplayName("every numeric dtype survives encode then decode")
  void everyDtypeRoundTrips() {
    everyDtype().fields().forEach((name, field) -> {
      if (field.dtype().numeric()) {
        Buffer file = Npy.encode(name, field);

        Field back = Npy.decode(file.getBytes(), name);

        assertThat(back).as(name).isEqualTo(field);
        assertThat(new String(file.getBytes(0, 30), StandardCharsets.ISO_8859_1))
            .contains("'descr': '" + field.dtype().npyDescr() + "'");
      }
    });
  }

  @Test
  @DisplayName("the encoded file shares the field's bytes")
  void sharesBytes() {
    Field field = CodecFixtures.atoms(100_000, 1).fields().get("positions");

    Buffer file = Npy.encode("positions", field);

    assertThat(file.length()).isEqualTo(128 + 1_200_000);
    assertThat(file.getBytes(128, 128 + 12)).isEqualTo(Arrays.copyOf(field.data(), 12));
  }

  @Test
  @DisplayName("a string field cannot be .npy: 406 naming the field")
  void stringsRefused() {
    Field species = CodecFixtures.strings("H", "O");

    String message = refusal(406, () -> Npy.encode("species", species)).getMessage();

    assertThat(message).isEqualTo("field species is a string array; .npy carries numeric arrays only — use msgpack or JSON");
  }

  @Test
  @DisplayName("versions 2.0 and 3.0, scalar and 1-d shapes, '<u1' and trailing commas are read")
  void readsVariants() {
    String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    Field expected = Field.of(DType.FLOAT32, new int[] {2, 3}, arangeData(), "test");

    assertThat(Npy.decode(npy(2, dict, arangeData()), "v2")).isEqualTo(expected);
    assertThat(Npy.decode(npy(3, dict, arangeData()), "v3")).isEqualTo(expected);
    Field scalar = Npy.decode(npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': ()}",
        ByteBuffer.allocate(8).order(DType.ORDER).putDouble(2.5).array()), "s");
    assertThat(scalar.shape()).isEmpty();
    Field vector = Npy.decode(npy(1, "{\"shape\": (3,), \"fortran_order\": False, \"descr\": \"<u1\"}",
        new byte[] {1, 2, 3}), "v");
    assertThat(vector.dtype()).isEqualTo(DType.UINT8);
    assertThat(vector.shape()).containsExactly(3);
    Field trailing = Npy.decode(npy(1, "{'descr':'|b1','fortran_order':False,'shape':(1, 2,),}", new byte[] {1, 0}), "t");
    assertThat(trailing.shape()).containsExactly(1, 2);
  }

  @ParameterizedTest(name = "{0}")
  @DisplayName("malformed files are refused with 400 naming where")
  @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
      fortran order    | {'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }  | fields.x: fortran_order arrays are not supported
      big-endian       | {'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), } | fields.x: big-endian dtype '>f4' is not supported
      unknown descr    | {'descr': '<c8', 'fortran_order': False, 'shape': (2, 3), } | fields.x: unsupported dtype '<c8'
      structured       | {'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (6,), } | fields.x: malformed .npy header: descr must be a string
      not a tuple      | {'descr': '<f4', 'fortran_order': False, 'shape': (24), }   | fields.x: malformed .npy header: shape must be a tuple
      wrong size       | {'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), } | fields.x: .npy data has 24 bytes; shape (2, 2) of <f4 needs 16
      missing shape    | {'descr': '<f4', 'fortran_order': False}                    | fields.x: malformed .npy header: missing 'shape'
      extra key        | {'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'x': 1} | fields.x: malformed .npy header: unexpected key 'x'
      negative dim     | {'descr': '<f4', 'fortran_order': False, 'shape': (-6,), }  | fields.x: malformed .npy header: expected a non-negative integer
      not a dict       | ('<f4', False, (6,))                                        | fields.x: malformed .npy header: expected '{'
      """)
  void refusals(String title, String dict, String message) {
    assertThat(refused(400, npy(1, dict, arangeData()))).startsWith(message);
  }

  @Test
  @DisplayName("bad magic, versions and truncated headers are refused with 400")
  void badPreamble() {
    byte[] good = Npy.encode(Field.of(DType.FLOAT32, new int[] {2, 3}, arangeData(), "test")).getBytes();
    byte[] magic = good.clone();
    magic[1] = 'n';
    byte[] version = good.clone();
    version[6] = 4;
    byte[] bools = npy(1, "{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }", new byte[] {1, 5});

    assertThat(refused(400, magic)).isEqualTo("fields.x: not a .npy file (it must start with \\x93NUMPY)");
    assertThat(refused(400, version)).startsWith("fields.x: unsupported .npy version 4.0");
    assertThat(refused(400, Arrays.copyOf(good, 50))).startsWith("fields.x: truncated .npy header");
    assertThat(refused(400, Arrays.copyOf(good, 5))).startsWith("fields.x: not a .npy file");
    assertThat(refused(400, Arrays.copyOf(good, good.length - 1)))
        .isEqualTo("fields.x: .npy data has 23 bytes; shape (2, 3) of <f4 needs 24");
    assertThat(refused(400, bools)).isEqualTo("fields.x: bool element 1 is 5, not 0 or 1");
    for (int cut = 0; cut < good.length; cut++) {
      byte[] part = Arrays.copyOf(good, cut);
      refusal(400, () -> Npy.decode(part, "cut"));
    }
  }

  @Test
  @DisplayName("a shape whose element count overflows a long is refused, not wrapped to zero elements")
  void overflowingShape() {
    int[] shape = {65_536, 65_536, 65_536, 65_536};

    refusal(413, () -> Field.of(DType.FLOAT32, shape, new byte[0], "test"));
    assertThat(refused(413, npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (65536, 65536, 65536, 65536), }",
        new byte[0]))).isEqualTo("fields.x: shape (65536, 65536, 65536, 65536) has too many elements");
  }
}
