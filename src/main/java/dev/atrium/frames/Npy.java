package dev.atrium.frames;

import dev.atrium.bus.FailureCodes;
import dev.atrium.web.ApiException;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One field as a NumPy {@code .npy} file ({@code application/x-npy}).
 *
 * <p>{@link #encode} writes format version 1.0 exactly as {@code numpy.save} does: the magic
 * {@code \x93NUMPY}, version {@code 1 0}, a little-endian uint16 header length, then the header dict
 * {@code {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }} padded with spaces (including
 * NumPy's spare room for growing the first axis) and a final {@code \n} so that the data starts at a
 * multiple of 64 bytes; then the field's bytes, shared without a copy. {@link #decode} reads versions
 * 1.0, 2.0 and 3.0 with a little-endian (or byte-order-free {@code |}) descr of one of the
 * {@link DType}s, in C order.
 *
 * <p>String fields have no fixed width and are refused with 406: they travel as msgpack or JSON.
 */
public final class Npy {

  /** The {@code .npy} magic string. */
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final int ALIGN = 64;
  /** NumPy leaves room for this many digits in the first axis' length so that files can grow in place. */
  private static final int GROWTH_AXIS_MAX_DIGITS = 21;
  /** Largest header read (NumPy itself refuses headers over 10 000 bytes by default). */
  private static final int MAX_HEADER = 65_536;

  private Npy() {
  }

  /**
   * Encodes a numeric field; the result shares the field's bytes and must not be modified.
   *
   * @throws ApiException 406 for a {@link DType#STR} field
   */
  public static Buffer encode(Field field) {
    return encode(null, field);
  }

  /**
   * As {@link #encode(Field)}, naming the field in the refusal of a string field.
   *
   * @param name the field's name, for the error message; may be null
   */
  public static Buffer encode(String name, Field field) {
    if (!field.dtype().numeric()) {
      throw new ApiException(406, "field " + (name == null ? "" : name + " ")
          + "is a string array; .npy carries numeric arrays only — use msgpack or JSON");
    }
    byte[] header = header(field.dtype().npyDescr(), field.shape());
    return BufferInternal.buffer(Unpooled.wrappedBuffer(
        Unpooled.wrappedBuffer(header), Unpooled.wrappedBuffer(field.data()).asReadOnly()));
  }

  /** The magic, version, header length and padded header dict, as {@code numpy.save} writes them. */
  static byte[] header(String descr, int[] shape) {
    StringBuilder dict = new StringBuilder("{'descr': '").append(descr)
        .append("', 'fortran_order': False, 'shape': ").append(tuple(shape)).append(", }");
    if (shape.length > 0) {
      dict.append(" ".repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String.valueOf(shape[0]).length())));
    }
    int preamble = MAGIC.length + 2 + 2;
    int withNewline = dict.length() + 1;
    int padding = ALIGN - (preamble + withNewline) % ALIGN;
    dict.append(" ".repeat(padding)).append('\n');
    byte[] text = dict.toString().getBytes(StandardCharsets.ISO_8859_1);
    byte[] out = new byte[preamble + text.length];
    System.arraycopy(MAGIC, 0, out, 0, MAGIC.length);
    out[6] = 1;
    out[7] = 0;
    out[8] = (byte) text.length;
    out[9] = (byte) (text.length >>> 8);
    System.arraycopy(text, 0, out, preamble, text.length);
    return out;
  }

  private static String tuple(int[] shape) {
    if (shape.length == 1) {
      return "(" + shape[0] + ",)";
    }
    StringBuilder out = new StringBuilder("(");
    for (int i = 0; i < shape.length; i++) {
      out.append(i == 0 ? "" : ", ").append(shape[i]);
    }
    return out.append(')').toString();
  }

  /**
   * Decodes a {@code .npy} file into a field.
   *
   * @param where names the upload in error messages, e.g. {@code fields.positions}
   * @throws ApiException 400 naming {@code where} when the file is malformed, big-endian, Fortran-ordered,
   *     of an unsupported dtype, or its data does not match its shape (413 when the shape is too large)
   */
  public static Field decode(byte[] npy, String where) {
    if (npy.length < 10 || !Arrays.equals(npy, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      throw bad(where, "not a .npy file (it must start with \\x93NUMPY)");
    }
    int major = npy[6] & 0xff;
    int minor = npy[7] & 0xff;
    if (major < 1 || major > 3 || minor != 0) {
      throw bad(where, "unsupported .npy version " + major + "." + minor + " (1.0, 2.0 and 3.0 are read)");
    }
    long headerLength;
    int start;
    if (major == 1) {
      headerLength = (npy[8] & 0xff) | (npy[9] & 0xff) << 8;
      start = 10;
    } else {
      if (npy.length < 12) {
        throw bad(where, "truncated .npy header");
      }
      headerLength = ((npy[8] & 0xff) | (npy[9] & 0xff) << 8 | (npy[10] & 0xff) << 16 | (long) (npy[11] & 0xff) << 24);
      start = 12;
    }
    if (headerLength > MAX_HEADER) {
      throw bad(where, ".npy header of " + headerLength + " bytes is too long");
    }
    if (start + headerLength > npy.length) {
      throw bad(where, "truncated .npy header: it announces " + headerLength + " bytes, the file has "
          + (npy.length - start));
    }
    String text = new String(npy, start, (int) headerLength,
        major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    Header header = new HeaderParser(text, where).parse();
    DType dtype = dtype(header.descr, where);
    if (header.fortranOrder) {
      throw bad(where, "fortran_order arrays are not supported; save a C-ordered array (np.ascontiguousarray)");
    }
    if (header.shape.length > Field.MAX_DIMENSIONS) {
      throw bad(where, "at most " + Field.MAX_DIMENSIONS + " dimensions");
    }
    long count = FrameJson.countOrMinus(header.shape);
    if (count < 0) {
      throw new ApiException(FailureCodes.PAYLOAD_TOO_LARGE, where + ": shape " + tupleText(header.shape)
          + " has too many elements");
    }
    int dataStart = start + (int) headerLength;
    long expected = count * dtype.itemSize();
    long found = npy.length - dataStart;
    if (found != expected) {
      throw bad(where, ".npy data has " + found + " bytes; shape " + tupleText(header.shape) + " of "
          + header.descr + " needs " + expected);
    }
    byte[] data = Arrays.copyOfRange(npy, dataStart, npy.length);
    if (dtype == DType.BOOL) {
      for (int i = 0; i < data.length; i++) {
        if ((data[i] & 0xfe) != 0) {
          throw bad(where, "bool element " + i + " is " + (data[i] & 0xff) + ", not 0 or 1");
        }
      }
    }
    return Field.of(dtype, header.shape, data, where);
  }

  private static DType dtype(String descr, String where) {
    if (descr.length() < 2) {
      throw bad(where, "unsupported dtype '" + descr + "'");
    }
    char order = descr.charAt(0);
    String kind = descr.substring(1);
    // one-byte types have no byte order: NumPy writes '|', but '<', '>' and '=' mean the same
    if (kind.length() == 2 && kind.charAt(1) == '1' && (order == '<' || order == '>' || order == '=')) {
      order = '|';
    }
    if (order == '>') {
      throw bad(where, "big-endian dtype '" + descr + "' is not supported; save a little-endian array"
          + " (arr.astype('<" + kind + "'))");
    }
    DType dtype = order == '<' || order == '=' || order == '|' ? DType.fromNpy(order + kind) : null;
    if (dtype == null || !dtype.numeric()) {
      StringBuilder known = new StringBuilder();
      for (DType type : DType.values()) {
        if (type.npyDescr() != null) {
          known.append(known.length() == 0 ? "" : ", ").append(type.npyDescr());
        }
      }
      throw bad(where, "unsupported dtype '" + descr + "' (supported: " + known + ")");
    }
    return dtype;
  }

  private static String tupleText(int[] shape) {
    return tuple(shape);
  }

  private static ApiException bad(String where, String what) {
    return FrameJson.bad(where, what);
  }

  private record Header(String descr, boolean fortranOrder, int[] shape) {
  }

  /**
   * Reads the header: a Python dict literal with exactly the keys {@code descr} (a string),
   * {@code fortran_order} ({@code True}/{@code False}) and {@code shape} (a tuple of ints).
   */
  private static final class HeaderParser {

    private final String text;
    private final String where;
    private int at;

    HeaderParser(String text, String where) {
      this.text = text;
      this.where = where;
    }

    Header parse() {
      String descr = null;
      Boolean fortran = null;
      int[] shape = null;
      expect('{');
      while (true) {
        skipSpace();
        if (peek() == '}') {
          at++;
          break;
        }
        String key = string();
        expect(':');
        switch (key) {
          case "descr" -> {
            if (descr != null) {
              throw malformed("duplicate key 'descr'");
            }
            skipSpace();
            if (peek() != '\'' && peek() != '"') {
              throw malformed("descr must be a string such as '<f4' (structured dtypes are not supported)");
            }
            descr = string();
          }
          case "fortran_order" -> {
            if (fortran != null) {
              throw malformed("duplicate key 'fortran_order'");
            }
            fortran = bool();
          }
          case "shape" -> {
            if (shape != null) {
              throw malformed("duplicate key 'shape'");
            }
            shape = shape();
          }
          default -> throw malformed("unexpected key '" + key + "'");
        }
        skipSpace();
        if (peek() == ',') {
          at++;
        } else if (peek() != '}') {
          throw malformed("expected ',' or '}' at character " + at);
        }
      }
      skipSpace();
      if (at != text.length()) {
        throw malformed("unexpected text after the header dict at character " + at);
      }
      List<String> missing = new ArrayList<>();
      if (descr == null) {
        missing.add("'descr'");
      }
      if (fortran == null) {
        missing.add("'fortran_order'");
      }
      if (shape == null) {
        missing.add("'shape'");
      }
      if (!missing.isEmpty()) {
        throw malformed("missing " + String.join(", ", missing));
      }
      return new Header(descr, fortran, shape);
    }

    private int[] shape() {
      expect('(');
      List<Integer> dimensions = new ArrayList<>();
      boolean comma = false;
      while (true) {
        skipSpace();
        if (peek() == ')') {
          at++;
          break;
        }
        if (dimensions.size() > Field.MAX_DIMENSIONS) {
          throw malformed("more than " + Field.MAX_DIMENSIONS + " dimensions");
        }
        dimensions.add(integer());
        skipSpace();
        if (peek() == ',') {
          at++;
          comma = true;
        } else if (peek() != ')') {
          throw malformed("expected ',' or ')' in shape at character " + at);
        }
      }
      if (dimensions.size() == 1 && !comma) {
        throw malformed("shape must be a tuple such as (5,)");
      }
      return dimensions.stream().mapToInt(Integer::intValue).toArray();
    }

    private int integer() {
      int begin = at;
      while (at < text.length() && Character.isDigit(text.charAt(at)) && text.charAt(at) < 128) {
        at++;
      }
      if (begin == at || at - begin > 10) {
        throw malformed("expected a non-negative integer in shape at character " + begin);
      }
      long value = Long.parseLong(text.substring(begin, at));
      if (value > Integer.MAX_VALUE) {
        throw new ApiException(FailureCodes.PAYLOAD_TOO_LARGE, where + ": dimension " + value + " is too large");
      }
      if (peek() == 'L') {
        at++;
      }
      return (int) value;
    }

    private boolean bool() {
      skipSpace();
      if (text.startsWith("True", at)) {
        at += 4;
        return true;
      }
      if (text.startsWith("False", at)) {
        at += 5;
        return false;
      }
      throw malformed("fortran_order must be True or False");
    }

    private String string() {
      skipSpace();
      char quote = peek();
      if (quote != '\'' && quote != '"') {
        throw malformed("expected a quoted string at character " + at);
      }
      int end = text.indexOf(quote, at + 1);
      if (end < 0) {
        throw malformed("unterminated string at character " + at);
      }
      String value = text.substring(at + 1, end);
      at = end + 1;
      return value;
    }

    private void expect(char c) {
      skipSpace();
      if (peek() != c) {
        throw malformed("expected '" + c + "' at character " + at);
      }
      at++;
    }

    private char peek() {
      return at < text.length() ? text.charAt(at) : '\0';
    }

    private void skipSpace() {
      while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
        at++;
      }
    }

    private ApiException malformed(String what) {
      return bad(where, "malformed .npy header: " + what);
    }
  }
}
