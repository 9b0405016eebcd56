package dev.atrium.frames.io;

import dev.atrium.frames.DType;
import dev.atrium.frames.Field;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes fields as {@code .npy} entries of a zip archive — the {@code .npz} layout NumPy's
 * {@code numpy.load} reads — streaming entry by entry.
 *
 * <p>Each entry is NumPy format 1.0: {@code \x93NUMPY}, version 1.0, a little-endian uint16 header
 * length, the header dict {@code {'descr': '<f8', 'fortran_order': False, 'shape': (3, 3), }} padded
 * with spaces and a final newline exactly as {@code numpy.save} does (so the data starts at a
 * multiple of 64 bytes and the bytes equal NumPy's own), then the array bytes in C order. Numeric
 * types use {@link DType#npyDescr()}; str fields use NumPy's fixed-width unicode type
 * {@code <U<n>} (n the longest element in code points, at least 1): each element UTF-32LE,
 * zero-padded to n code points.
 *
 * <p>Entries are STORED by default, like {@code numpy.savez}; {@code compressed} gives DEFLATED
 * entries, like {@code numpy.savez_compressed}.
 */
public final class NpzWriter implements Closeable {

  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
  private static final int ALIGN = 64;
  private static final int GROWTH_AXIS_MAX_DIGITS = 21;

  private final ZipOutputStream zip;
  private final boolean compressed;

  /** An archive of STORED entries over {@code out} (closed by {@link #close()}). */
  public NpzWriter(OutputStream out) {
    this(out, false);
  }

  /** An archive over {@code out}, DEFLATED when {@code compressed}. */
  public NpzWriter(OutputStream out, boolean compressed) {
    this.zip = new ZipOutputStream(out);
    this.compressed = compressed;
    zip.setMethod(compressed ? ZipOutputStream.DEFLATED : ZipOutputStream.STORED);
  }

  /**
   * Writes one entry, e.g. {@code frame_000000/positions.npy}.
   *
   * @throws IOException when the output fails or the name is already used ({@link java.util.zip.ZipException})
   */
  public void add(String entryName, Field field) throws IOException {
    Payload payload = field.dtype() == DType.STR ? new StringPayload(field) : new NumericPayload(field);
    byte[] header = header(payload.descr(), field.shape());
    ZipEntry entry = new ZipEntry(entryName);
    if (!compressed) {
      CRC32 crc = new CRC32();
      crc.update(header);
      payload.writeTo(crc::update);
      long size = header.length + payload.size();
      entry.setMethod(ZipEntry.STORED);
      entry.setSize(size);
      entry.setCompressedSize(size);
      entry.setCrc(crc.getValue());
    }
    zip.putNextEntry(entry);
    zip.write(header);
    payload.writeTo(zip::write);
    zip.closeEntry();
  }

  /** Writes the zip's central directory without closing the underlying stream. */
  public void finish() throws IOException {
    zip.finish();
  }

  /** Finishes the archive and closes the underlying stream. */
  @Override
  public void close() throws IOException {
    zip.close();
  }

  /**
   * The complete {@code .npy} header (magic, version, length, dict, padding) for an array of this
   * descr and shape, byte for byte as {@code numpy.lib.format.write_array_header_1_0} writes it.
   */
  static byte[] header(String descr, int[] shape) {
    StringBuilder shapeText = new StringBuilder("(");
    for (int i = 0; i < shape.length; i++) {
      if (i > 0) {
        shapeText.append(", ");
      }
      shapeText.append(shape[i]);
    }
    if (shape.length == 1) {
      shapeText.append(',');
    }
    shapeText.append(')');
    StringBuilder dict = new StringBuilder()
        .append("{'descr': '").append(descr).append("', 'fortran_order': False, 'shape': ")
        .append(shapeText).append(", }");
    if (shape.length > 0) {
      // NumPy leaves room to grow the first axis in place.
      dict.append(" ".repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - Integer.toString(shape[0]).length())));
    }
    int headerLength = dict.length() + 1;
    int padding = ALIGN - (MAGIC.length + 2 + headerLength) % ALIGN;
    dict.append(" ".repeat(padding)).append('\n');
    byte[] text = dict.toString().getBytes(StandardCharsets.US_ASCII);
    if (text.length > 0xFFFF) {
      throw new IllegalArgumentException("npy header of " + text.length + " bytes does not fit format 1.0");
    }
    ByteBuffer out = ByteBuffer.allocate(MAGIC.length + 2 + text.length).order(ByteOrder.LITTLE_ENDIAN);
    out.put(MAGIC).putShort((short) text.length).put(text);
    return out.array();
  }

  /** Where the array bytes go: the CRC, then the zip. */
  @FunctionalInterface
  private interface Sink {
    void write(byte[] bytes, int offset, int length) throws IOException;
  }

  private interface Payload {
    String descr();

    long size();

    void writeTo(Sink sink) throws IOException;
  }

  private static final class NumericPayload implements Payload {
    private final Field field;

    NumericPayload(Field field) {
      this.field = field;
    }

    @Override
    public String descr() {
      return field.dtype().npyDescr();
    }

    @Override
    public long size() {
      return field.data().length;
    }

    @Override
    public void writeTo(Sink sink) throws IOException {
      sink.write(field.data(), 0, field.data().length);
    }
  }

  /** Fixed-width UTF-32LE elements, generated element by element (never the whole array at once). */
  private static final class StringPayload implements Payload {
    private final List<String> values;
    private final int width;

    StringPayload(Field field) {
      this.values = field.strings();
      int longest = 1;
      for (String value : values) {
        longest = Math.max(longest, value.codePointCount(0, value.length()));
      }
      this.width = longest;
    }

    @Override
    public String descr() {
      return "<U" + width;
    }

    @Override
    public long size() {
      return (long) values.size() * width * 4;
    }

    @Override
    public void writeTo(Sink sink) throws IOException {
      ByteBuffer element = ByteBuffer.allocate(width * 4).order(ByteOrder.LITTLE_ENDIAN);
      for (String value : values) {
        element.clear();
        value.codePoints().forEach(element::putInt);
        while (element.hasRemaining()) {
          element.putInt(0);
        }
        sink.write(element.array(), 0, element.capacity());
      }
    }
  }
}
