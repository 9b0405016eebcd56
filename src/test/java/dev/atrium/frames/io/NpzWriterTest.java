package dev.atrium.frames.io;

import static dev.atrium.frames.io.Fields.f64;
import static dev.atrium.frames.io.Fields.shape;
import static dev.atrium.frames.io.Fields.str;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atrium.frames.Field;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@DisplayName("NPZ export")
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class NpzWriterTest {

  @Test
  @DisplayName("a float64 [2,3] field is a STORED .npy entry with NumPy's exact header and little-endian data")
  void float64Entry() throws IOException {
    Field positions = f64(shape(2, 3), 1.0, -0.0, 2.5, 1e-300, Double.NaN, -3.0);

    Map<String, Entry> entries = read(write(false, Map.of("frame_000000/positions.npy", positions)));

    Entry entry = entries.get("frame_000000/positions.npy");
    assertThat(entry.method).isEqualTo(ZipEntry.STORED);
    // 10 bytes of prefix + 118 of header text = 128, a multiple of 64: NumPy's dict (59 characters),
    // 20 spaces of room to grow the first axis, 38 spaces of alignment, a newline.
    String dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }";
    byte[] expected = ByteBuffer.allocate(128 + 48).order(ByteOrder.LITTLE_ENDIAN)
        .put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 118, 0})
        .put((dict + " ".repeat(58) + "\n").getBytes(StandardCharsets.US_ASCII))
        .putDouble(1.0).putDouble(-0.0).putDouble(2.5).putDouble(1e-300).putDouble(Double.NaN).putDouble(-3.0)
        .array();
    assertThat(entry.bytes).isEqualTo(expected);
  }

  @Test
  @DisplayName("a str field is '<U2': each element UTF-32LE, zero-padded to the longest")
  void stringEntry() throws IOException {
    Field species = str(shape(3), "H", "He", "O");

    Entry entry = read(write(false, Map.of("frame_000000/species.npy", species))).get("frame_000000/species.npy");

    String dict = "{'descr': '<U2', 'fortran_order': False, 'shape': (3,), }";
    byte[] expected = ByteBuffer.allocate(128 + 24).order(ByteOrder.LITTLE_ENDIAN)
        .put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 118, 0})
        .put((dict + " ".repeat(60) + "\n").getBytes(StandardCharsets.US_ASCII))
        .putInt('H').putInt(0)
        .putInt('H').putInt('e')
        .putInt('O').putInt(0)
        .array();
    assertThat(entry.bytes).isEqualTo(expected);
  }

  @Test
  @DisplayName("headers follow NumPy for scalars, 1-D, empty and supplementary-plane strings")
  void otherShapes() throws IOException {
    Map<String, Field> fields = new LinkedHashMap<>();
    fields.put("energy.npy", f64(shape(), -12.5));
    fields.put("empty.npy", f64(shape(0, 3)));
    fields.put("label.npy", str(shape(), "a😀"));

    Map<String, Entry> entries = read(write(true, fields));

    assertThat(entries.get("energy.npy").method).isEqualTo(ZipEntry.DEFLATED);
    assertThat(header(entries.get("energy.npy").bytes)).isEqualTo(
        "{'descr': '<f8', 'fortran_order': False, 'shape': (), }" + " ".repeat(62) + "\n");
    assertThat(entries.get("energy.npy").bytes).hasSize(136);
    assertThat(header(entries.get("empty.npy").bytes)).startsWith("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 3), }");
    assertThat(entries.get("empty.npy").bytes).hasSize(128);
    byte[] label = entries.get("label.npy").bytes;
    assertThat(header(label)).startsWith("{'descr': '<U2', 'fortran_order': False, 'shape': (), }");
    assertThat(ByteBuffer.wrap(label, 128, 8).order(ByteOrder.LITTLE_ENDIAN).getInt()).isEqualTo('a');
    assertThat(ByteBuffer.wrap(label, 132, 4).order(ByteOrder.LITTLE_ENDIAN).getInt()).isEqualTo(0x1F600);
  }

  @Test
  @DisplayName("a second entry of the same name is refused")
  void duplicateEntry() {
    assertThatThrownBy(() -> {
      try (NpzWriter writer = new NpzWriter(new ByteArrayOutputStream())) {
        writer.add("a.npy", f64(shape(), 1));
        writer.add("a.npy", f64(shape(), 2));
      }
    }).isInstanceOf(ZipException.class).hasMessageContaining("duplicate");
  }

  private static String header(byte[] npy) {
    int length = (npy[8] & 0xFF) | (npy[9] & 0xFF) << 8;
    return new String(npy, 10, length, StandardCharsets.US_ASCII);
  }

  private static byte[] write(boolean compressed, Map<String, Field> fields) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (NpzWriter writer = new NpzWriter(out, compressed)) {
      for (Map.Entry<String, Field> field : fields.entrySet()) {
        writer.add(field.getKey(), field.getValue());
      }
    }
    return out.toByteArray();
  }

  private record Entry(int method, byte[] bytes) {
  }

  private static Map<String, Entry> read(byte[] zip) throws IOException {
    Map<String, Entry> entries = new LinkedHashMap<>();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
      for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
        entries.put(entry.getName(), new Entry(entry.getMethod(), in.readAllBytes()));
      }
    }
    return entries;
  }
}
