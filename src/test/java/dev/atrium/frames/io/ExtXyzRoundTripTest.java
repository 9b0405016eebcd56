package dev.atrium.frames.io;

import static dev.atrium.frames.io.Fields.assertSameFrame;
import static dev.atrium.frames.io.Fields.bools;
import static dev.atrium.frames.io.Fields.f32;
import static dev.atrium.frames.io.Fields.f64;
import static dev.atrium.frames.io.Fields.i64;
import static dev.atrium.frames.io.Fields.shape;
import static dev.atrium.frames.io.Fields.str;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atrium.frames.Field;
import dev.atrium.frames.Frame;
import java.io.BufferedWriter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@DisplayName("Extended XYZ import and export round trip")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ExtXyzRoundTripTest {

  private static final int FRAMES = 1_000;

  private static GeneratedTrajectory trajectory;

  @BeforeAll
  static void generate() {
    trajectory = GeneratedTrajectory.generate(20261123L, FRAMES);
  }

  @Test
  @DisplayName("a generated 1,000-frame file reads as exactly the values it was generated from")
  void readsGeneratedValues() throws IOException {
    List<Frame> read = readAll(trajectory.text.getBytes(StandardCharsets.UTF_8));

    assertThat(read).hasSize(FRAMES);
    for (int i = 0; i < FRAMES; i++) {
      assertSameFrame(trajectory.frames.get(i), read.get(i), "frame " + i);
    }
  }

  @Test
  @DisplayName("import → export → import of 1,000 frames is value-for-value identical, and a second export is byte-identical")
  void roundTripIsIdentical() throws IOException {
    List<Frame> imported = readAll(trajectory.text.getBytes(StandardCharsets.UTF_8));

    byte[] exported = writeAll(imported);
    List<Frame> reimported = readAll(exported);
    byte[] exportedAgain = writeAll(reimported);

    assertThat(reimported).hasSize(FRAMES);
    for (int i = 0; i < FRAMES; i++) {
      assertSameFrame(imported.get(i), reimported.get(i), "frame " + i);
      assertThat(reimported.get(i).hash()).isEqualTo(imported.get(i).hash());
    }
    assertThat(new String(exportedAgain, StandardCharsets.UTF_8)).isEqualTo(new String(exported, StandardCharsets.UTF_8));
  }

  @Test
  @DisplayName("any float64 bit pattern (but NaN payloads) survives write and read")
  void everyDoubleSurvives() throws IOException {
    Random random = new Random(7);
    int atoms = 20_000;
    double[] positions = new double[atoms * 3];
    String[] species = new String[atoms];
    for (int i = 0; i < positions.length; i++) {
      double value = Double.longBitsToDouble(random.nextLong());
      positions[i] = Double.isNaN(value) ? Double.NaN : value;
    }
    positions[0] = -0.0;
    positions[1] = Double.MIN_VALUE;
    positions[2] = -Double.MAX_VALUE;
    positions[3] = Double.NEGATIVE_INFINITY;
    positions[4] = Double.MIN_NORMAL;
    positions[5] = 2.0E-3;
    java.util.Arrays.fill(species, "X");
    Frame frame = Frame.of(Map.of("positions", f64(shape(atoms, 3), positions), "species", str(shape(atoms), species)), "test");

    List<Frame> read = readAll(writeAll(List.of(frame)));

    assertSameFrame(frame, read.get(0), "frame 0");
  }

  @Test
  @DisplayName("decimal numbers parse to exactly the double Double.parseDouble gives, short or long")
  void numbersParseExactly() {
    Random random = new Random(3);
    for (int i = 0; i < 200_000; i++) {
      StringBuilder number = new StringBuilder(random.nextBoolean() ? "-" : "");
      int whole = random.nextInt(10);
      int fraction = random.nextInt(12);
      for (int d = 0; d < whole; d++) {
        number.append((char) ('0' + random.nextInt(10)));
      }
      if (fraction > 0 || whole == 0) {
        number.append('.');
        for (int d = 0; d < Math.max(fraction, 1); d++) {
          number.append((char) ('0' + random.nextInt(10)));
        }
      }
      if (random.nextInt(3) == 0) {
        number.append('e').append(random.nextInt(80) - 40);
      }
      String text = number.toString();
      double expected = Double.parseDouble(text);
      Double actual = ExtXyzReader.parseReal(text);
      assertThat(actual).as(text).isNotNull();
      assertThat(Double.doubleToRawLongBits(actual)).as(text).isEqualTo(Double.doubleToRawLongBits(expected));
    }
    assertThat(ExtXyzReader.parseReal("1.5D+03")).isEqualTo(1500.0);
    assertThat(ExtXyzReader.parseReal("-0")).isEqualTo(-0.0);
    assertThat(ExtXyzReader.parseReal("-inf")).isEqualTo(Double.NEGATIVE_INFINITY);
    assertThat(ExtXyzReader.parseReal("NaN")).isNaN();
    assertThat(ExtXyzReader.parseReal("1.5f")).isNull();
    assertThat(ExtXyzReader.parseReal("nanx")).isNull();
  }

  @Test
  @DisplayName("the writer prints species, pos, then the rest, and per-frame values in the comment line")
  void writesTheExpectedText() throws IOException {
    TreeMap<String, Field> fields = new TreeMap<>();
    fields.put("species", str(shape(2), "H", "O"));
    fields.put("positions", f64(shape(2, 3), 0.0, -0.0, 1e-300, 1.5, Double.NaN, Double.NEGATIVE_INFINITY));
    fields.put("charge", i64(shape(2), -1, 1));
    fields.put("box", f64(shape(3, 3), 1, 0, 0, 0, 2, 0, 0, 0, 3));
    fields.put("pbc", bools(shape(3), true, true, false));
    fields.put("energy", f64(shape(), -12.5));
    fields.put("step", i64(shape(), 3));
    fields.put("label", str(shape(), "a \"b\""));
    fields.put("name", str(shape(), "water"));
    fields.put("dipole", f64(shape(3), 0.25, 0, 1e22));

    String text = new String(writeAll(List.of(Frame.of(fields, "test"))), StandardCharsets.UTF_8);

    assertThat(text).isEqualTo("2\n"
        + "Lattice=\"1.0 0.0 0.0 0.0 2.0 0.0 0.0 0.0 3.0\" Properties=species:S:1:pos:R:3:charge:I:1"
        + " dipole=\"0.25 0.0 1.0E22\" energy=-12.5 label=\"a \\\"b\\\"\" name=water pbc=\"T T F\" step=3\n"
        + "H 0.0 -0.0 1.0E-300 -1\n"
        + "O 1.5 nan -inf 1\n");
    assertSameFrame(Frame.of(fields, "test"), readAll(text.getBytes(StandardCharsets.UTF_8)).get(0), "frame 0");
  }

  @Test
  @DisplayName("a plain XYZ comment line is kept as the str field 'comment' and survives the round trip")
  void plainCommentLine() throws IOException {
    String text = "2\n  Water molecule, frame 1 \nO 0 0 0\nH 0.9572 0 0\n";

    Frame frame = readAll(text.getBytes(StandardCharsets.UTF_8)).get(0);
    Frame again = readAll(writeAll(List.of(frame))).get(0);

    assertThat(frame.fields().get("comment").strings()).containsExactly("Water molecule, frame 1");
    assertThat(frame.fields().get("positions")).isEqualTo(f64(shape(2, 3), 0, 0, 0, 0.9572, 0, 0));
    assertSameFrame(frame, again, "frame 0");
  }

  @Test
  @DisplayName("frames without atoms, and float32 data, read back as documented")
  void framesWithoutAtomsAndFloat32() throws IOException {
    Frame empty = Frame.of(Map.of("energy", f64(shape(), 1.5), "note", str(shape(), "")), "test");
    Frame single = Frame.of(Map.of("positions", f32(shape(1, 3), 0.1f, -0.0f, 3.4028235e38f),
        "species", str(shape(1), "C")), "test");

    List<Frame> read = readAll(writeAll(List.of(empty, single)));

    assertSameFrame(empty, read.get(0), "frame without atoms");
    assertThat(read.get(1).fields().get("positions"))
        .isEqualTo(f64(shape(1, 3), Double.parseDouble(Float.toString(0.1f)), -0.0, Double.parseDouble("3.4028235E38")));
  }

  @Test
  @DisplayName("what extended XYZ cannot hold is refused before anything of the frame is written")
  void refusesUnrepresentableFrames() {
    Frame spacedSpecies = Frame.of(Map.of("positions", f64(shape(1, 3), 0, 0, 0), "species", str(shape(1), "big atom")), "t");
    Frame strArray = Frame.of(Map.of("positions", f64(shape(1, 3), 0, 0, 0), "tags", str(shape(2), "a", "b")), "t");
    Frame badPbc = Frame.of(Map.of("positions", f64(shape(1, 3), 0, 0, 0), "pbc", bools(shape(2), true, true)), "t");
    Frame flatPositions = Frame.of(Map.of("positions", f64(shape(3), 0, 0, 0)), "t");

    assertThatThrownBy(() -> writeAll(List.of(spacedSpecies))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("species").hasMessageContaining("big atom");
    assertThatThrownBy(() -> writeAll(List.of(strArray))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tags");
    assertThatThrownBy(() -> writeAll(List.of(badPbc))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("pbc");
    assertThatThrownBy(() -> writeAll(List.of(flatPositions))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("positions");
  }

  static List<Frame> readAll(byte[] text) throws IOException {
    List<Frame> frames = new ArrayList<>();
    try (ExtXyzReader reader = new ExtXyzReader(new ByteArrayInputStream(text), "test.xyz")) {
      for (Frame frame = reader.next(); frame != null; frame = reader.next()) {
        frames.add(frame);
      }
    }
    return frames;
  }

  static byte[] writeAll(List<Frame> frames) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ExtXyzWriter writer = new ExtXyzWriter(new BufferedWriter(new OutputStreamWriter(bytes, StandardCharsets.UTF_8)))) {
      for (Frame frame : frames) {
        writer.write(frame);
      }
    }
    return bytes.toByteArray();
  }
}
