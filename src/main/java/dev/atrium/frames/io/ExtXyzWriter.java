package dev.atrium.frames.io;

import dev.atrium.frames.DType;
import dev.atrium.frames.Field;
import dev.atrium.frames.Frame;
import java.io.Closeable;
import java.io.Flushable;
import java.io.IOException;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Writes frames as extended XYZ, one frame per {@link #write} call, in the form
 * {@link ExtXyzReader} reads back.
 *
 * <p>The atom count N is the first dimension of {@code positions} (which must be [N,3]), else of
 * {@code species}; a frame with neither has no atoms and is written with N = 0 and no
 * {@code Properties}. Per-atom columns are the fields of 1 or 2 dimensions whose first dimension is
 * N: {@code species} first, then {@code positions} as {@code pos}, then the rest by name. Every
 * other field goes in the comment line: {@code box} [3,3] as {@code Lattice}, {@code pbc} bool [3]
 * as {@code pbc="T T T"}, scalars as {@code key=value}, arrays flattened into a quoted list.
 *
 * <p>Numbers are written so that they read back exactly: float64 with {@link Double#toString},
 * integers in decimal, bools as T/F, NaN and infinities as {@code nan}, {@code inf}, {@code -inf}.
 * So data that came from extended XYZ (float64, int64, bool, str) round-trips value for value.
 * Other data reads back as the nearest extxyz type: float32 is written with {@link Float#toString}
 * and reads back as the float64 of that decimal, which is not bit-identical to the float32; other
 * integer types read back as int64; a comment-line array of more than one dimension reads back
 * flattened, one of a single element as a scalar, an empty one as the str {@code ""}; a str scalar
 * that looks like a number or T/F reads back as that number or logical.
 *
 * <p>What cannot be represented at all fails with {@link IllegalArgumentException} before anything
 * of that frame is written: a str per-atom value that is empty or contains whitespace, a str array
 * in the comment line, fields named {@code Lattice}, {@code Properties} or per-atom {@code pos},
 * {@code positions} not [N,3], {@code pbc} not bool [3], a per-atom field of zero columns, uint64
 * values above the int64 range.
 *
 * <p>The writer does not buffer: give it a {@link java.io.BufferedWriter} (or similar).
 */
public final class ExtXyzWriter implements Closeable, Flushable {

  private final Writer out;
  private final StringBuilder text = new StringBuilder(256);

  /**
   * @param out where the text goes (UTF-8 is the expected encoding); closed by {@link #close()}
   */
  public ExtXyzWriter(Writer out) {
    this.out = out;
  }

  /**
   * Writes one frame.
   *
   * @throws IllegalArgumentException when the frame cannot be represented as extended XYZ (nothing
   *     of the frame is written then)
   */
  public void write(Frame frame) throws IOException {
    Map<String, Field> fields = frame.fields();
    Field positions = fields.get("positions");
    Field species = fields.get("species");
    int atoms = 0;
    boolean hasAtoms = false;
    if (positions != null) {
      int[] shape = positions.shape();
      if (shape.length != 2 || shape[1] != 3 || !isReal(positions.dtype()) && !isInteger(positions.dtype())) {
        throw new IllegalArgumentException("positions must be a numeric [N,3] array, got " + positions.dtype().id()
            + " " + Arrays.toString(shape));
      }
      atoms = shape[0];
      hasAtoms = true;
    } else if (species != null && species.shape().length >= 1) {
      atoms = species.shape()[0];
      hasAtoms = true;
    }

    List<Column> perAtom = new ArrayList<>();
    List<String> commentKeys = new ArrayList<>();
    Field box = null;
    for (Map.Entry<String, Field> entry : fields.entrySet()) {
      String name = entry.getKey();
      Field field = entry.getValue();
      int[] shape = field.shape();
      if (name.equals("Lattice") || name.equals("Properties")) {
        throw new IllegalArgumentException("a field named " + name + " cannot be written: extended XYZ reserves the key");
      }
      if (name.equals("box") && isLattice(field)) {
        box = field;
      } else if (name.equals("pbc")) {
        if (field.dtype() != DType.BOOL || !Arrays.equals(shape, new int[] {3})) {
          throw new IllegalArgumentException("pbc must be bool [3], got " + field.dtype().id() + " " + Arrays.toString(shape));
        }
        commentKeys.add(name);
      } else if (hasAtoms && (shape.length == 1 || shape.length == 2) && shape[0] == atoms) {
        perAtom.add(new Column(name, field, atoms));
      } else {
        if (field.dtype() == DType.STR && shape.length > 0) {
          throw new IllegalArgumentException("str array '" + name + "' " + Arrays.toString(shape)
              + " cannot be written in the extended XYZ comment line");
        }
        commentKeys.add(name);
      }
    }
    perAtom.sort((a, b) -> Integer.compare(a.rank(), b.rank()));

    StringBuilder comment = new StringBuilder();
    if (box != null) {
      comment.append("Lattice=");
      appendList(comment, box);
    }
    if (!perAtom.isEmpty()) {
      separate(comment).append("Properties=");
      for (int c = 0; c < perAtom.size(); c++) {
        Column column = perAtom.get(c);
        if (c > 0) {
          comment.append(':');
        }
        comment.append(column.property).append(':').append(column.type).append(':').append(column.width);
      }
    }
    for (String name : commentKeys) {
      Field field = fields.get(name);
      separate(comment).append(name).append('=');
      if (field.shape().length == 0) {
        if (field.dtype() == DType.STR) {
          appendQuotedIfNeeded(comment, field.strings().get(0));
        } else {
          appendValue(comment, field.dtype(), ByteBuffer.wrap(field.data()).order(DType.ORDER), 0);
        }
      } else {
        appendList(comment, field);
      }
    }

    out.write(Integer.toString(atoms));
    out.write('\n');
    out.write(comment.toString());
    out.write('\n');
    for (int atom = 0; atom < atoms; atom++) {
      text.setLength(0);
      for (int c = 0; c < perAtom.size(); c++) {
        Column column = perAtom.get(c);
        for (int k = 0; k < column.width; k++) {
          if (c > 0 || k > 0) {
            text.append(' ');
          }
          column.append(text, atom * column.width + k);
        }
      }
      text.append('\n');
      out.append(text);
    }
  }

  @Override
  public void flush() throws IOException {
    out.flush();
  }

  @Override
  public void close() throws IOException {
    out.close();
  }

  /** One per-atom field, checked to be representable. */
  private static final class Column {
    final String name;
    final String property;
    final char type;
    final int width;
    final DType dtype;
    final ByteBuffer bytes;
    final List<String> strings;

    Column(String name, Field field, int atoms) {
      if (name.equals("pos")) {
        throw new IllegalArgumentException("a per-atom field named pos cannot be written: extended XYZ pos is positions");
      }
      int[] shape = field.shape();
      this.name = name;
      this.property = name.equals("positions") ? "pos" : name;
      this.dtype = field.dtype();
      this.width = shape.length == 1 ? 1 : shape[1];
      if (width == 0) {
        throw new IllegalArgumentException("per-atom field '" + name + "' " + Arrays.toString(shape)
            + " has no columns; extended XYZ cannot represent it");
      }
      this.type = switch (dtype) {
        case FLOAT32, FLOAT64 -> 'R';
        case BOOL -> 'L';
        case STR -> 'S';
        default -> 'I';
      };
      this.bytes = ByteBuffer.wrap(field.data()).order(DType.ORDER);
      if (dtype == DType.STR) {
        strings = field.strings();
        for (String value : strings) {
          if (value.isEmpty() || hasSpace(value)) {
            throw new IllegalArgumentException("per-atom str field '" + name + "' has the value '" + value
                + "'; extended XYZ columns cannot hold empty values or whitespace");
          }
        }
      } else {
        strings = null;
        if (dtype == DType.UINT64) {
          for (int i = 0; i < atoms * width; i++) {
            checkUint64(name, bytes.getLong(i * 8));
          }
        }
      }
    }

    int rank() {
      return name.equals("species") ? 0 : name.equals("positions") ? 1 : 2;
    }

    void append(StringBuilder out, int index) {
      if (strings != null) {
        out.append(strings.get(index));
      } else {
        appendValue(out, dtype, bytes, index);
      }
    }
  }

  private static boolean isLattice(Field field) {
    return Arrays.equals(field.shape(), new int[] {3, 3}) && (isReal(field.dtype()) || isInteger(field.dtype()));
  }

  private static boolean isReal(DType dtype) {
    return dtype == DType.FLOAT32 || dtype == DType.FLOAT64;
  }

  private static boolean isInteger(DType dtype) {
    return dtype.numeric() && dtype != DType.BOOL && !isReal(dtype);
  }

  private static StringBuilder separate(StringBuilder comment) {
    if (comment.length() > 0) {
      comment.append(' ');
    }
    return comment;
  }

  /** All elements of a numeric field, in C order, quoted and space-separated. */
  private static void appendList(StringBuilder out, Field field) {
    ByteBuffer bytes = ByteBuffer.wrap(field.data()).order(DType.ORDER);
    long count = field.count();
    if (field.dtype() == DType.UINT64) {
      for (int i = 0; i < count; i++) {
        checkUint64("comment key", bytes.getLong(i * 8));
      }
    }
    out.append('"');
    for (int i = 0; i < count; i++) {
      if (i > 0) {
        out.append(' ');
      }
      appendValue(out, field.dtype(), bytes, i);
    }
    out.append('"');
  }

  private static void checkUint64(String name, long value) {
    if (value < 0) {
      throw new IllegalArgumentException("uint64 field '" + name + "' holds " + Long.toUnsignedString(value)
          + ", above the int64 range extended XYZ integers read back as");
    }
  }

  /** Element {@code index} of a numeric array, formatted to read back exactly. */
  static void appendValue(StringBuilder out, DType dtype, ByteBuffer bytes, int index) {
    switch (dtype) {
      case FLOAT64 -> appendReal(out, bytes.getDouble(index * 8), false);
      case FLOAT32 -> appendReal(out, bytes.getFloat(index * 4), true);
      case BOOL -> out.append(bytes.get(index) != 0 ? 'T' : 'F');
      case INT8 -> out.append(bytes.get(index));
      case UINT8 -> out.append(Byte.toUnsignedInt(bytes.get(index)));
      case INT16 -> out.append(bytes.getShort(index * 2));
      case UINT16 -> out.append(Short.toUnsignedInt(bytes.getShort(index * 2)));
      case INT32 -> out.append(bytes.getInt(index * 4));
      case UINT32 -> out.append(Integer.toUnsignedLong(bytes.getInt(index * 4)));
      case INT64, UINT64 -> out.append(bytes.getLong(index * 8));
      default -> throw new IllegalArgumentException("not a numeric type: " + dtype.id());
    }
  }

  private static void appendReal(StringBuilder out, double value, boolean single) {
    if (Double.isNaN(value)) {
      out.append("nan");
    } else if (value == Double.POSITIVE_INFINITY) {
      out.append("inf");
    } else if (value == Double.NEGATIVE_INFINITY) {
      out.append("-inf");
    } else if (single) {
      out.append(Float.toString((float) value));
    } else {
      out.append(Double.toString(value));
    }
  }

  /** A comment-line str value, quoted (with \ escapes) when it would not read back bare. */
  private static void appendQuotedIfNeeded(StringBuilder out, String value) {
    boolean quote = value.isEmpty();
    for (int i = 0; i < value.length() && !quote; i++) {
      char c = value.charAt(i);
      quote = c <= ' ' || c == '"' || c == '\\' || c == '=' || c == '{' || c == '}';
    }
    if (!quote) {
      out.append(value);
      return;
    }
    out.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        default -> out.append(c);
      }
    }
    out.append('"');
  }

  private static boolean hasSpace(String value) {
    for (int i = 0; i < value.length(); i++) {
      if (ExtXyzReader.isSpace(value.charAt(i))) {
        return true;
      }
    }
    return false;
  }
}
