package dev.atrium.frames;

import dev.atrium.bus.FailureCodes;
import dev.atrium.web.ApiException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessageInsufficientBufferException;
import org.msgpack.core.MessageIntegerOverflowException;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ValueType;

/**
 * The msgpack encoding of frames ({@code application/msgpack}): the structure of {@link FrameJson}
 * — a map with {@code fields} (one frame) or {@code frames} (a batch), optionally
 * {@code base_version} — where each field is a map {@code {dtype: str, shape: [int], data}} whose
 * {@code data} is a bin of the raw little-endian bytes in C order for numeric dtypes, and an array of
 * strings for {@code str}. As in JSON, the metadata keys of a read batch ({@code index}, {@code id},
 * {@code version}, {@code hash}) are accepted in an uploaded batch and ignored.
 *
 * <p>Encoding is built for large frames: only the small headers go through a msgpack packer, and
 * the returned {@link Buffer} is a composite of those headers and the fields' own byte arrays,
 * wrapped (read-only) without a copy. Decoding copies each bin payload once into the field's array.
 *
 * <p>Every refusal is an {@link ApiException} 400 (413 for an array too large to hold) whose
 * message starts with where the problem is, e.g.
 * {@code frames[0].fields.positions.data: truncated msgpack at byte 1032}; nothing is returned
 * unless the whole body is valid.
 */
public final class FrameMsgpack {

  /** Arrays at least this long are sent as their own buffer; smaller ones are copied into the headers. */
  private static final int WRAP_THRESHOLD = 4096;

  private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  private FrameMsgpack() {
  }

  /**
   * Decodes a msgpack body holding one frame or a batch.
   *
   * @throws ApiException 400 naming where the body is wrong (413 when an array has too many elements)
   */
  public static FrameJson.Decoded decode(byte[] body) {
    return decode(body, 0, body.length);
  }

  /** As {@link #decode(byte[])}, reading a heap buffer in place. */
  public static FrameJson.Decoded decode(Buffer body) {
    ByteBuf buf = ((BufferInternal) body).getByteBuf();
    if (buf.hasArray()) {
      return decode(buf.array(), buf.arrayOffset() + buf.readerIndex(), buf.readableBytes());
    }
    return decode(body.getBytes());
  }

  private static FrameJson.Decoded decode(byte[] body, int offset, int length) {
    if (length == 0) {
      throw FrameJson.bad("body", "empty body; expected a msgpack map with \"fields\" (one frame) or \"frames\" (a batch)");
    }
    Reader reader = new Reader(body, offset, length);
    try {
      return reader.document();
    } catch (MessageInsufficientBufferException e) {
      throw FrameJson.bad(reader.where(), "truncated msgpack at byte " + length);
    } catch (MessageIntegerOverflowException e) {
      throw FrameJson.bad(reader.where(), "integer out of range at byte " + reader.position());
    } catch (MessagePackException e) {
      throw FrameJson.bad(reader.where(), "malformed msgpack at byte " + reader.position() + ": " + e.getMessage());
    } catch (IOException e) {
      throw FrameJson.bad(reader.where(), "unreadable msgpack: " + e.getMessage());
    }
  }

  /**
   * Encodes stored frames as a map {@code {"frames": [{index, id, version, hash, fields}]}}; a null
   * {@code id} or {@code hash} is left out, and so is {@code fields} when the view's frame is null.
   * The result shares the fields' byte arrays: it must not be modified.
   */
  public static Buffer encode(List<FrameView> frames) {
    Composer out = new Composer();
    try {
      MessageBufferPacker packer = out.packer;
      packer.packMapHeader(1).packString("frames").packArrayHeader(frames.size());
      for (FrameView view : frames) {
        int keys = 2 + (view.id() != null ? 1 : 0) + (view.hash() != null ? 1 : 0) + (view.frame() != null ? 1 : 0);
        packer.packMapHeader(keys);
        packer.packString("index").packLong(view.index());
        if (view.id() != null) {
          packer.packString("id").packString(view.id());
        }
        packer.packString("version").packLong(view.version());
        if (view.hash() != null) {
          packer.packString("hash").packString(view.hash());
        }
        if (view.frame() != null) {
          packer.packString("fields");
          fields(out, view.frame());
        }
      }
      return out.finish();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Encodes one frame in the single-frame upload form {@code {"fields": {...}}}. */
  public static Buffer encode(Frame frame) {
    Composer out = new Composer();
    try {
      out.packer.packMapHeader(1).packString("fields");
      fields(out, frame);
      return out.finish();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void fields(Composer out, Frame frame) throws IOException {
    MessageBufferPacker packer = out.packer;
    packer.packMapHeader(frame.fields().size());
    for (Map.Entry<String, Field> entry : frame.fields().entrySet()) {
      Field field = entry.getValue();
      packer.packString(entry.getKey()).packMapHeader(3);
      packer.packString("dtype").packString(field.dtype().id());
      int[] shape = field.shape();
      packer.packString("shape").packArrayHeader(shape.length);
      for (int dimension : shape) {
        packer.packInt(dimension);
      }
      packer.packString("data");
      if (field.dtype().numeric()) {
        packer.packBinaryHeader(field.data().length);
        out.raw(field.data(), field.data().length);
      } else {
        packer.packArrayHeader((int) field.count());
        Sized strings = msgpackStrings(field.data());
        out.raw(strings.bytes(), strings.length());
      }
    }
  }

  /**
   * Rewrites a {@link DType#STR} array's bytes (uint32 little-endian length + UTF-8, per element)
   * as a run of msgpack str values, without decoding the strings. One pass: a msgpack str header is
   * never longer than the 4-byte length it replaces, except the 5-byte str32 of strings of 64 KiB or
   * more, hence the slack. Returns the bytes and, in {@link Sized#length}, how many are used.
   */
  static Sized msgpackStrings(byte[] data) {
    int n = data.length;
    byte[] out = new byte[n + n / 65_536 + 8];
    int o = 0;
    int p = 0;
    while (p < n) {
      int length = (int) INT_LE.get(data, p);
      p += 4;
      if (length < 32) {
        out[o] = (byte) (0xa0 | length);
        if (length <= 4 && p + 4 <= n) {
          // element symbols are one or two bytes: move a word rather than call arraycopy; the bytes
          // past the string are overwritten by the next element (out has slack for the last one)
          INT_LE.set(out, o + 1, (int) INT_LE.get(data, p));
        } else {
          System.arraycopy(data, p, out, o + 1, length);
        }
        o += 1 + length;
        p += length;
        continue;
      }
      if (length < 0x100) {
        out[o++] = (byte) 0xd9;
        out[o++] = (byte) length;
      } else if (length < 0x10000) {
        out[o++] = (byte) 0xda;
        out[o++] = (byte) (length >>> 8);
        out[o++] = (byte) length;
      } else {
        out[o++] = (byte) 0xdb;
        out[o++] = (byte) (length >>> 24);
        out[o++] = (byte) (length >>> 16);
        out[o++] = (byte) (length >>> 8);
        out[o++] = (byte) length;
      }
      System.arraycopy(data, p, out, o, length);
      o += length;
      p += length;
    }
    return new Sized(out, o);
  }

  /** The first {@code length} bytes of {@code bytes}. */
  record Sized(byte[] bytes, int length) {
  }

  /** Whether {@code length} bytes from {@code offset} are well-formed UTF-8 (no overlongs, no surrogates). */
  static boolean validUtf8(byte[] bytes, int offset, int length) {
    int i = offset;
    int end = offset + length;
    while (i < end) {
      int b = bytes[i];
      if (b >= 0) {
        i++;
        continue;
      }
      b &= 0xff;
      int extra;
      int min = 0x80;
      int max = 0xbf;
      if (b >= 0xc2 && b <= 0xdf) {
        extra = 1;
      } else if (b >= 0xe0 && b <= 0xef) {
        extra = 2;
        if (b == 0xe0) {
          min = 0xa0;
        } else if (b == 0xed) {
          max = 0x9f;
        }
      } else if (b >= 0xf0 && b <= 0xf4) {
        extra = 3;
        if (b == 0xf0) {
          min = 0x90;
        } else if (b == 0xf4) {
          max = 0x8f;
        }
      } else {
        return false;
      }
      if (i + extra >= end) {
        return false;
      }
      int second = bytes[i + 1] & 0xff;
      if (second < min || second > max) {
        return false;
      }
      for (int k = 2; k <= extra; k++) {
        int next = bytes[i + k] & 0xff;
        if (next < 0x80 || next > 0xbf) {
          return false;
        }
      }
      i += extra + 1;
    }
    return true;
  }

  /** Headers through a msgpack packer; large arrays as their own wrapped chunks. */
  private static final class Composer {

    final MessageBufferPacker packer = MessagePack.newDefaultBufferPacker();
    private final List<ByteBuf> chunks = new ArrayList<>();

    void raw(byte[] bytes, int length) throws IOException {
      if (length < WRAP_THRESHOLD) {
        packer.writePayload(bytes, 0, length);
        return;
      }
      flushHeaders();
      chunks.add(Unpooled.wrappedBuffer(bytes, 0, length).asReadOnly());
    }

    private void flushHeaders() {
      byte[] headers = packer.toByteArray();
      packer.clear();
      if (headers.length > 0) {
        chunks.add(Unpooled.wrappedBuffer(headers));
      }
    }

    Buffer finish() {
      flushHeaders();
      if (chunks.size() == 1) {
        return BufferInternal.buffer(chunks.get(0));
      }
      return BufferInternal.buffer(Unpooled.wrappedBuffer(chunks.toArray(new ByteBuf[0])));
    }
  }

  /** Walks the body once, tracking where it is so that every refusal can name the spot. */
  private static final class Reader {

    private static final int MAX_KEY_BYTES = 1024;

    private final MessageUnpacker in;
    private final byte[] body;
    private final int offset;
    private final int length;
    private String where = "body";
    private int element = -1;

    Reader(byte[] body, int offset, int length) {
      this.in = MessagePack.newDefaultUnpacker(body, offset, length);
      this.body = body;
      this.offset = offset;
      this.length = length;
    }

    String where() {
      return element < 0 ? where : where + "[" + element + "]";
    }

    long position() {
      return in.getTotalReadBytes();
    }

    private long remaining() {
      return length - in.getTotalReadBytes();
    }

    private void at(String path) {
      where = path;
      element = -1;
    }

    FrameJson.Decoded document() throws IOException {
      expect(ValueType.MAP, "a map with \"fields\" (one frame) or \"frames\" (a batch)");
      int entries = in.unpackMapHeader();
      Frame single = null;
      List<Frame> frames = null;
      Long baseVersion = null;
      boolean sawBase = false;
      for (int i = 0; i < entries; i++) {
        at("body");
        String key = key();
        switch (key) {
          case "fields" -> {
            duplicate(single != null, "body", key);
            single = fields("fields");
          }
          case "frames" -> {
            duplicate(frames != null, "body", key);
            frames = batch();
          }
          case "base_version" -> {
            duplicate(sawBase, "body", key);
            sawBase = true;
            baseVersion = baseVersion();
          }
          default -> throw FrameJson.bad("body", "unknown key '" + key + "' (allowed: fields, frames, base_version)");
        }
      }
      at("body");
      if (in.hasNext()) {
        throw FrameJson.bad("body", remaining() + " unexpected bytes after the msgpack map, from byte " + position());
      }
      if (single != null && frames != null) {
        throw FrameJson.bad("body", "give either \"fields\" (one frame) or \"frames\" (a batch), not both");
      }
      if (single == null && frames == null) {
        throw FrameJson.bad("body", "missing key \"fields\" (one frame) or \"frames\" (a batch)");
      }
      return single != null ? new FrameJson.Decoded(List.of(single), baseVersion, false)
          : new FrameJson.Decoded(List.copyOf(frames), baseVersion, true);
    }

    private Long baseVersion() throws IOException {
      at("base_version");
      if (in.tryUnpackNil()) {
        return null;
      }
      expect(ValueType.INTEGER, "a non-negative integer");
      long value = in.unpackLong();
      if (value < 0) {
        throw FrameJson.bad(where, "expected a non-negative integer, got " + value);
      }
      return value;
    }

    private List<Frame> batch() throws IOException {
      at("frames");
      expect(ValueType.ARRAY, "an array of frames");
      int count = count(in.unpackArrayHeader());
      List<Frame> frames = new ArrayList<>(Math.min(count, 1024));
      for (int i = 0; i < count; i++) {
        String path = "frames[" + i + "]";
        at(path);
        expect(ValueType.MAP, "a map {\"fields\": {...}}");
        int entries = in.unpackMapHeader();
        Frame frame = null;
        for (int e = 0; e < entries; e++) {
          at(path);
          String key = key();
          if (FrameJson.METADATA.contains(key)) {
            in.skipValue();
            continue;
          }
          if (!key.equals("fields")) {
            throw FrameJson.bad(path, "unknown key '" + key + "' (allowed: fields, and "
                + String.join(", ", FrameJson.METADATA) + " which are ignored)");
          }
          duplicate(frame != null, path, key);
          frame = fields(path + ".fields");
        }
        if (frame == null) {
          throw FrameJson.bad(path, "missing key 'fields'");
        }
        frames.add(frame);
      }
      return frames;
    }

    private Frame fields(String path) throws IOException {
      at(path);
      expect(ValueType.MAP, "a map of named fields {name: {dtype, shape, data}}");
      int entries = in.unpackMapHeader();
      if (entries > Frame.MAX_FIELDS) {
        throw FrameJson.bad(path, "at most " + Frame.MAX_FIELDS + " fields");
      }
      Map<String, Field> fields = new LinkedHashMap<>();
      for (int i = 0; i < entries; i++) {
        at(path);
        String name = key();
        if (!Frame.FIELD_NAME.matcher(name).matches()) {
          throw FrameJson.bad(path, "field name '" + name + "' is not allowed");
        }
        duplicate(fields.containsKey(name), path, name);
        fields.put(name, field(path + "." + name));
      }
      return Frame.of(fields, path);
    }

    private Field field(String path) throws IOException {
      at(path);
      expect(ValueType.MAP, "a map {\"dtype\", \"shape\", \"data\"}");
      int entries = in.unpackMapHeader();
      DType dtype = null;
      int[] shape = null;
      byte[] bin = null;
      Strings strings = null;
      for (int i = 0; i < entries; i++) {
        at(path);
        String key = key();
        switch (key) {
          case "dtype" -> {
            duplicate(dtype != null, path, key);
            dtype = dtype(path + ".dtype");
          }
          case "shape" -> {
            duplicate(shape != null, path, key);
            shape = shape(path + ".shape");
          }
          case "data" -> {
            duplicate(bin != null || strings != null, path, key);
            at(path + ".data");
            ValueType type = peek();
            if (type == ValueType.BINARY) {
              bin = bin();
            } else if (type == ValueType.ARRAY) {
              strings = strings();
            } else {
              throw FrameJson.bad(where, "expected bin (raw little-endian bytes) for a numeric dtype or an array"
                  + " of strings for str, got " + describe(type));
            }
          }
          default -> throw FrameJson.bad(path, "unknown key '" + key + "' (allowed: dtype, shape, data)");
        }
      }
      at(path);
      List<String> missing = new ArrayList<>();
      if (dtype == null) {
        missing.add("'dtype'");
      }
      if (shape == null) {
        missing.add("'shape'");
      }
      if (bin == null && strings == null) {
        missing.add("'data'");
      }
      if (!missing.isEmpty()) {
        throw FrameJson.bad(path, (missing.size() == 1 ? "missing key " : "missing keys ") + String.join(", ", missing));
      }
      if (dtype.numeric()) {
        if (bin == null) {
          throw FrameJson.bad(path + ".data", "dtype " + dtype.id() + " takes bin (raw little-endian bytes), got an array");
        }
        if (dtype == DType.BOOL) {
          checkBooleans(bin, path + ".data");
        }
        return Field.of(dtype, shape, bin, path);
      }
      if (strings == null) {
        throw FrameJson.bad(path + ".data", "dtype str takes an array of strings, got bin");
      }
      long count = FrameJson.countOrMinus(shape);
      if (count != strings.count()) {
        throw FrameJson.bad(path, "shape " + FrameJson.shapeText(shape) + " needs " + count + " strings, data has "
            + strings.count());
      }
      return Field.of(DType.STR, shape, strings.bytes(), path);
    }

    private DType dtype(String path) throws IOException {
      at(path);
      expect(ValueType.STRING, "a string such as \"float32\"");
      String id = string(64);
      DType dtype = DType.parse(id);
      if (dtype == null) {
        throw FrameJson.bad(path, "unknown dtype '" + id + "' (known: " + FrameJson.known() + ")");
      }
      return dtype;
    }

    private int[] shape(String path) throws IOException {
      at(path);
      expect(ValueType.ARRAY, "an array of non-negative integers");
      int rank = in.unpackArrayHeader();
      if (rank > Field.MAX_DIMENSIONS) {
        throw FrameJson.bad(path, "at most " + Field.MAX_DIMENSIONS + " dimensions, got " + rank);
      }
      int[] shape = new int[rank];
      for (int i = 0; i < rank; i++) {
        element = i;
        expect(ValueType.INTEGER, "a non-negative integer");
        long dimension;
        try {
          dimension = in.unpackLong();
        } catch (MessageIntegerOverflowException e) {
          dimension = -1;
        }
        if (dimension < 0 || dimension > Integer.MAX_VALUE) {
          throw FrameJson.bad(where(), "expected a non-negative integer up to " + Integer.MAX_VALUE);
        }
        shape[i] = (int) dimension;
      }
      element = -1;
      if (FrameJson.countOrMinus(shape) < 0) {
        throw new ApiException(FailureCodes.PAYLOAD_TOO_LARGE, path + ": shape " + FrameJson.shapeText(shape)
            + " has too many elements");
      }
      return shape;
    }

    private byte[] bin() throws IOException {
      int size = in.unpackBinaryHeader();
      if (size < 0 || size > remaining()) {
        throw truncated();
      }
      return in.readPayload(size);
    }

    /**
     * A str array, read straight from the body rather than value by value through the unpacker: a
     * frame's species are 10^5 one- or two-byte strings, and per-value calls would cost more than the
     * positions' 1.2 MB. One pass copies them into the field layout, checking headers, sizes and UTF-8;
     * then the unpacker is moved past the array.
     */
    private Strings strings() throws IOException {
      int count = count(in.unpackArrayHeader());
      int start = offset + (int) position();
      int end = offset + length;
      // each element becomes 4 bytes of length + its UTF-8, and took at least 1 + its UTF-8 in the body
      long bound = Math.min(Integer.MAX_VALUE - 8, (long) (end - start) + 3L * count);
      byte[] out = new byte[(int) Math.min(bound, 8L * count + 16)];
      int o = 0;
      int p = start;
      for (int i = 0; i < count; i++) {
        if (p >= end) {
          element = i;
          throw truncated();
        }
        int b = body[p];
        int size;
        if ((b & 0xe0) == 0xa0) {
          size = b & 0x1f;
          p++;
        } else {
          element = i;
          int header = strHeader(p, end);
          size = strSize(p, header);
          p += header;
        }
        if (size < 0 || size > end - p) {
          element = i;
          throw truncated();
        }
        if (o + 4L + size > out.length) {
          out = Arrays.copyOf(out, (int) Math.min(bound, Math.max(o + 4L + size, out.length * 2L)));
        }
        INT_LE.set(out, o, size);
        o += 4;
        int bits = 0;
        if (size <= 4 && p + 4 <= end && o + 4 <= out.length) {
          // element symbols are one or two bytes: move a word, and test only the string's bytes for
          // non-ASCII; the bytes past the string are overwritten next, or cut by the final trim
          int word = (int) INT_LE.get(body, p);
          INT_LE.set(out, o, word);
          bits = (word & (int) ((1L << (size << 3)) - 1) & 0x80808080) == 0 ? 0 : -1;
        } else if (size <= 16) {
          for (int k = 0; k < size; k++) {
            byte c = body[p + k];
            out[o + k] = c;
            bits |= c;
          }
        } else {
          System.arraycopy(body, p, out, o, size);
          bits = -1;
        }
        if (bits < 0 && !validUtf8(out, o, size)) {
          element = i;
          throw FrameJson.bad(where(), "not valid UTF-8");
        }
        o += size;
        p += size;
      }
      element = -1;
      in.readPayloadAsReference(p - start);
      return new Strings(o == out.length ? out : Arrays.copyOf(out, o), count);
    }

    /** The length of the str header at {@code p}, after checking that it is one and is whole. */
    private int strHeader(int p, int end) {
      if (p >= end) {
        throw truncated();
      }
      int b = body[p] & 0xff;
      int header;
      if ((b & 0xe0) == 0xa0) {
        header = 1;
      } else if (b == 0xd9) {
        header = 2;
      } else if (b == 0xda) {
        header = 3;
      } else if (b == 0xdb) {
        header = 5;
      } else {
        MessageFormat format = MessageFormat.valueOf((byte) b);
        throw FrameJson.bad(where(), format == MessageFormat.NEVER_USED
            ? "malformed msgpack at byte " + (p - offset) + ": 0xc1 is not a msgpack type"
            : "expected a string, got " + describe(format.getValueType()));
      }
      if (header > end - p) {
        throw truncated();
      }
      return header;
    }

    /** The size a whole str header announces; negative when a str32 size exceeds what an int holds. */
    private int strSize(int p, int header) {
      return switch (header) {
        case 1 -> body[p] & 0x1f;
        case 2 -> body[p + 1] & 0xff;
        case 3 -> (body[p + 1] & 0xff) << 8 | (body[p + 2] & 0xff);
        default -> (body[p + 1] & 0xff) << 24 | (body[p + 2] & 0xff) << 16 | (body[p + 3] & 0xff) << 8
            | (body[p + 4] & 0xff);
      };
    }

    /** An array or map count: each element takes at least a byte, so a larger count is a truncation. */
    private int count(int count) {
      if (count < 0 || count > remaining()) {
        throw truncated();
      }
      return count;
    }

    private String key() throws IOException {
      ValueType type = peek();
      if (type != ValueType.STRING) {
        throw FrameJson.bad(where, "map keys must be strings, got " + describe(type));
      }
      return string(MAX_KEY_BYTES);
    }

    private String string(int maxBytes) throws IOException {
      int size = in.unpackRawStringHeader();
      if (size < 0 || size > remaining()) {
        throw truncated();
      }
      if (size > maxBytes) {
        throw FrameJson.bad(where, "string of " + size + " bytes is too long here (at most " + maxBytes + ")");
      }
      byte[] bytes = in.readPayload(size);
      if (!validUtf8(bytes, 0, size)) {
        throw FrameJson.bad(where, "not valid UTF-8");
      }
      return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    }

    private void expect(ValueType type, String what) throws IOException {
      ValueType found = peek();
      if (found != type) {
        throw FrameJson.bad(where(), "expected " + what + ", got " + describe(found));
      }
    }

    private ValueType peek() throws IOException {
      MessageFormat format = in.getNextFormat();
      if (format == MessageFormat.NEVER_USED) {
        throw FrameJson.bad(where(), "malformed msgpack at byte " + position() + ": 0xc1 is not a msgpack type");
      }
      return format.getValueType();
    }

    private ApiException truncated() {
      return FrameJson.bad(where(), "truncated msgpack at byte " + length);
    }

    private void checkBooleans(byte[] bytes, String path) {
      for (int i = 0; i < bytes.length; i++) {
        if ((bytes[i] & 0xfe) != 0) {
          throw FrameJson.bad(path + "[" + i + "]", "bool bytes must be 0 or 1, got " + (bytes[i] & 0xff));
        }
      }
    }

    private void duplicate(boolean seen, String path, String key) {
      if (seen) {
        throw FrameJson.bad(path, "duplicate key '" + key + "'");
      }
    }

    private static String describe(ValueType type) {
      return switch (type) {
        case NIL -> "nil";
        case BOOLEAN -> "a boolean";
        case INTEGER -> "an integer";
        case FLOAT -> "a float";
        case STRING -> "a string";
        case BINARY -> "bin";
        case ARRAY -> "an array";
        case MAP -> "a map";
        case EXTENSION -> "an extension value";
      };
    }
  }

  /** A str field's bytes, (uint32 little-endian length, UTF-8) per element, and how many elements. */
  private record Strings(byte[] bytes, int count) {
  }
}
