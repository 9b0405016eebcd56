package dev.atrium.frames.io;

import dev.atrium.frames.DType;
import dev.atrium.frames.Field;
import dev.atrium.frames.Frame;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Builds fields from Java values, and compares frames field by field with readable failures. */
final class Fields {

  private Fields() {
  }

  static int[] shape(int... dimensions) {
    return dimensions;
  }

  static Field f64(int[] shape, double... values) {
    ByteBuffer bytes = ByteBuffer.allocate(values.length * 8).order(DType.ORDER);
    bytes.asDoubleBuffer().put(values);
    return Field.of(DType.FLOAT64, shape, bytes.array(), "test");
  }

  static Field f32(int[] shape, float... values) {
    ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(DType.ORDER);
    bytes.asFloatBuffer().put(values);
    return Field.of(DType.FLOAT32, shape, bytes.array(), "test");
  }

  static Field i64(int[] shape, long... values) {
    ByteBuffer bytes = ByteBuffer.allocate(values.length * 8).order(DType.ORDER);
    bytes.asLongBuffer().put(values);
    return Field.of(DType.INT64, shape, bytes.array(), "test");
  }

  static Field bools(int[] shape, boolean... values) {
    byte[] bytes = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      bytes[i] = (byte) (values[i] ? 1 : 0);
    }
    return Field.of(DType.BOOL, shape, bytes, "test");
  }

  static Field str(int[] shape, String... values) {
    return Field.ofStrings(List.of(values), shape, "test");
  }

  static Frame frame(Map<String, Field> fields) {
    return Frame.of(fields, "test");
  }

  /** Fails naming the frame and the first field that differs, with both values shown. */
  static void assertSameFrame(Frame expected, Frame actual, String what) {
    if (!expected.fields().keySet().equals(actual.fields().keySet())) {
      throw new AssertionError(what + ": field names differ: expected " + expected.fields().keySet() + ", got "
          + actual.fields().keySet());
    }
    for (Map.Entry<String, Field> entry : expected.fields().entrySet()) {
      Field want = entry.getValue();
      Field got = actual.fields().get(entry.getKey());
      if (!want.equals(got)) {
        throw new AssertionError(what + ": field '" + entry.getKey() + "' differs: expected " + describe(want)
            + ", got " + describe(got));
      }
    }
  }

  static String describe(Field field) {
    String values;
    ByteBuffer bytes = ByteBuffer.wrap(field.data()).order(DType.ORDER);
    values = switch (field.dtype()) {
      case FLOAT64 -> {
        double[] out = new double[(int) field.count()];
        bytes.asDoubleBuffer().get(out);
        yield Arrays.toString(out);
      }
      case INT64 -> {
        long[] out = new long[(int) field.count()];
        bytes.asLongBuffer().get(out);
        yield Arrays.toString(out);
      }
      case STR -> field.strings().toString();
      default -> Arrays.toString(field.data());
    };
    return field.dtype().id() + " " + Arrays.toString(field.shape()) + " " + values;
  }
}
