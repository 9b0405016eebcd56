package dev.atrium.frames;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.atrium.web.ApiException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Frames shared by the codec tests: every dtype with its edge values, and a 10^5-atom frame. */
final class CodecFixtures {

  static final float[] FLOAT32_EDGES = {
      0.0f, -0.0f, Float.MIN_VALUE, Float.MIN_NORMAL / 3, -Float.MIN_VALUE, Float.MIN_NORMAL,
      Float.MAX_VALUE, -Float.MAX_VALUE, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
      0.1f, 1.0f / 3, 16777217f, 1.0e-38f, 3.4028235e38f};
  static final double[] FLOAT64_EDGES = {
      0.0, -0.0, Double.MIN_VALUE, Double.MIN_NORMAL / 3, Double.MAX_VALUE, -Double.MAX_VALUE,
      Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.1, 1.0 / 3, 1.0e23, 2.0e-3,
      4.9e-324};

  private CodecFixtures() {
  }

  /** Little-endian bytes of {@code count} elements of {@code size} bytes each, filled by {@code fill}. */
  static byte[] bytes(int count, int size, java.util.function.BiConsumer<ByteBuffer, Integer> fill) {
    ByteBuffer buffer = ByteBuffer.allocate(count * size).order(DType.ORDER);
    for (int i = 0; i < count; i++) {
      fill.accept(buffer, i);
    }
    return buffer.array();
  }

  static Field float32(int[] shape, float... values) {
    return Field.of(DType.FLOAT32, shape, bytes(values.length, 4, (b, i) -> b.putFloat(values[i])), "test");
  }

  static Field float64(int[] shape, double... values) {
    return Field.of(DType.FLOAT64, shape, bytes(values.length, 8, (b, i) -> b.putDouble(values[i])), "test");
  }

  static Field longs(DType dtype, long... values) {
    int size = dtype.itemSize();
    byte[] data = bytes(values.length, size, (b, i) -> {
      switch (size) {
        case 1 -> b.put((byte) values[i]);
        case 2 -> b.putShort((short) values[i]);
        case 4 -> b.putInt((int) values[i]);
        default -> b.putLong(values[i]);
      }
    });
    return Field.of(dtype, new int[] {values.length}, data, "test");
  }

  static Field strings(String... values) {
    return Field.ofStrings(List.of(values), new int[] {values.length}, "test");
  }

  /** One field per dtype, each holding the extremes of its type. */
  static Frame everyDtype() {
    Map<String, Field> fields = new LinkedHashMap<>();
    fields.put("b", Field.of(DType.BOOL, new int[] {2, 2}, new byte[] {1, 0, 0, 1}, "test"));
    fields.put("i8", longs(DType.INT8, Byte.MIN_VALUE, -1, 0, Byte.MAX_VALUE));
    fields.put("i16", longs(DType.INT16, Short.MIN_VALUE, -1, 0, Short.MAX_VALUE));
    fields.put("i32", longs(DType.INT32, Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE));
    fields.put("i64", longs(DType.INT64, Long.MIN_VALUE, -1, 0, Long.MAX_VALUE));
    fields.put("u8", longs(DType.UINT8, 0, 1, 200, 255));
    fields.put("u16", longs(DType.UINT16, 0, 1, 40_000, 65_535));
    fields.put("u32", longs(DType.UINT32, 0, 1, 3_000_000_000L, 4_294_967_295L));
    // as unsigned: 0, 2^63 - 1, 2^63, 2^64 - 1
    fields.put("u64", longs(DType.UINT64, 0, Long.MAX_VALUE, Long.MIN_VALUE, -1L));
    fields.put("f32", float32(new int[] {FLOAT32_EDGES.length}, FLOAT32_EDGES));
    fields.put("f64", float64(new int[] {FLOAT64_EDGES.length}, FLOAT64_EDGES));
    fields.put("scalar", float64(new int[] {}, 2.5));
    fields.put("empty", Field.of(DType.FLOAT32, new int[] {0, 3}, new byte[0], "test"));
    fields.put("species", strings("H", "O", "", "é", "héllo ✓", "🧪", "✓", "x".repeat(31), "y".repeat(32),
        "z".repeat(255), "w".repeat(256), "v".repeat(65_535), "u".repeat(65_536)));
    return Frame.of(fields, "test");
  }

  /** {@link #everyDtype()} with short strings only: a small body, every byte of which can be cut or corrupted. */
  static Frame everyDtypeSmall() {
    Map<String, Field> fields = new LinkedHashMap<>(everyDtype().fields());
    fields.put("species", strings("H", "é", "O", "✓", "", "🧪", "héllo ✓", "y".repeat(40), "Fe"));
    return Frame.of(fields, "test");
  }

  /** A 10^5-atom frame: random float32 positions [n, 3] and species from a few element symbols. */
  static Frame atoms(int n, long seed) {
    Random random = new Random(seed);
    float[] positions = new float[n * 3];
    for (int i = 0; i < positions.length; i++) {
      positions[i] = random.nextFloat() * 100f;
    }
    String[] symbols = {"H", "C", "N", "O", "S", "Cl", "Fe"};
    List<String> species = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      species.add(symbols[random.nextInt(symbols.length)]);
    }
    Map<String, Field> fields = new LinkedHashMap<>();
    fields.put("positions", float32(new int[] {n, 3}, positions));
    fields.put("species", Field.ofStrings(species, new int[] {n}, "test"));
    return Frame.of(fields, "test");
  }

  /** The refusal {@code call} throws, checked to be an {@link ApiException} with {@code status}. */
  static ApiException refusal(int status, ThrowingCallable call) {
    ApiException refused = catchThrowableOfType(ApiException.class, call);
    assertThat(refused).as("an ApiException").isNotNull();
    assertThat(refused.status()).as("status of: " + refused.getMessage()).isEqualTo(status);
    return refused;
  }

  static void assertSameContent(Frame actual, Frame expected) {
    assertThat(actual.fields().keySet()).containsExactlyElementsOf(expected.fields().keySet());
    expected.fields().forEach((name, field) -> {
      Field got = actual.fields().get(name);
      assertThat(got.dtype()).as(name + " dtype").isEqualTo(field.dtype());
      assertThat(got.shape()).as(name + " shape").isEqualTo(field.shape());
      assertThat(got.data()).as(name + " bytes").isEqualTo(field.data());
    });
    assertThat(actual.hash()).isEqualTo(expected.hash());
  }
}
