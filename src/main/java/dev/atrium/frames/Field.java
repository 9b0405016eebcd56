package dev.atrium.frames;

import dev.atrium.bus.FailureCodes;
import dev.atrium.web.ApiException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * One named array of a frame: its type, shape and bytes (see {@link DType} for the byte layout).
 * Immutable once built; the bytes' sha256 is the blob's address in storage.
 */
public final class Field {

  /** Largest number of dimensions accepted. */
  public static final int MAX_DIMENSIONS = 8;

  private final DType dtype;
  private final int[] shape;
  private final byte[] data;
  private volatile String sha256;

  private Field(DType dtype, int[] shape, byte[] data, String sha256) {
    this.dtype = dtype;
    this.shape = shape;
    this.data = data;
    this.sha256 = sha256;
  }

  /**
   * A field whose bytes must match its type and shape.
   *
   * @param where names the field in error messages, e.g. {@code frames[3].positions}
   * @throws ApiException 400 naming {@code where} when the bytes do not fit the shape
   */
  public static Field of(DType dtype, int[] shape, byte[] data, String where) {
    checkShape(shape, where);
    long count = count(shape);
    if (dtype.numeric()) {
      long expected = count * dtype.itemSize();
      if (expected != data.length) {
        throw new ApiException(FailureCodes.BAD_REQUEST, where + ": " + dtype.id() + " shape "
            + Arrays.toString(shape) + " needs " + expected + " bytes, got " + data.length);
      }
    } else {
      int found = countStrings(data, where);
      if (found != count) {
        throw new ApiException(FailureCodes.BAD_REQUEST, where + ": shape " + Arrays.toString(shape) + " needs "
            + count + " strings, got " + found);
      }
    }
    return new Field(dtype, shape.clone(), data, null);
  }

  /** A string field from its elements. */
  public static Field ofStrings(List<String> values, int[] shape, String where) {
    checkShape(shape, where);
    if (count(shape) != values.size()) {
      throw new ApiException(FailureCodes.BAD_REQUEST, where + ": shape " + Arrays.toString(shape) + " needs "
          + count(shape) + " strings, got " + values.size());
    }
    return new Field(DType.STR, shape.clone(), encodeStrings(values), null);
  }

  /** A field rebuilt from storage, whose bytes were verified against {@code sha256} by the caller. */
  public static Field stored(DType dtype, int[] shape, byte[] data, String sha256) {
    return new Field(dtype, shape.clone(), data, sha256);
  }

  /** Element type. */
  public DType dtype() {
    return dtype;
  }

  /** Shape (a copy). */
  public int[] shape() {
    return shape.clone();
  }

  /** Number of elements. */
  public long count() {
    return count(shape);
  }

  /** The bytes; callers must not modify them. */
  public byte[] data() {
    return data;
  }

  /** The string elements of a {@link DType#STR} field. */
  public List<String> strings() {
    ByteBuffer buffer = ByteBuffer.wrap(data).order(DType.ORDER);
    List<String> out = new ArrayList<>();
    while (buffer.hasRemaining()) {
      int length = buffer.getInt();
      out.add(new String(data, buffer.position(), length, StandardCharsets.UTF_8));
      buffer.position(buffer.position() + length);
    }
    return out;
  }

  /** Hex sha256 of the bytes: the blob address. */
  public String sha256() {
    String value = sha256;
    if (value == null) {
      value = sha256Hex(data);
      sha256 = value;
    }
    return value;
  }

  /** Hex sha256 of some bytes. */
  public static String sha256Hex(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  static byte[] encodeStrings(List<String> values) {
    List<byte[]> encoded = new ArrayList<>(values.size());
    int total = 0;
    for (String value : values) {
      byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
      encoded.add(bytes);
      total += 4 + bytes.length;
    }
    ByteBuffer out = ByteBuffer.allocate(total).order(DType.ORDER);
    for (byte[] bytes : encoded) {
      out.putInt(bytes.length).put(bytes);
    }
    return out.array();
  }

  private static int countStrings(byte[] data, String where) {
    ByteBuffer buffer = ByteBuffer.wrap(data).order(DType.ORDER);
    int count = 0;
    while (buffer.hasRemaining()) {
      if (buffer.remaining() < 4) {
        throw new ApiException(FailureCodes.BAD_REQUEST, where + ": truncated string array");
      }
      int length = buffer.getInt();
      if (length < 0 || length > buffer.remaining()) {
        throw new ApiException(FailureCodes.BAD_REQUEST, where + ": truncated string array");
      }
      buffer.position(buffer.position() + length);
      count++;
    }
    return count;
  }

  private static void checkShape(int[] shape, String where) {
    if (shape.length > MAX_DIMENSIONS) {
      throw new ApiException(FailureCodes.BAD_REQUEST, where + ": at most " + MAX_DIMENSIONS + " dimensions");
    }
    for (int dimension : shape) {
      if (dimension < 0) {
        throw new ApiException(FailureCodes.BAD_REQUEST, where + ": negative dimension in shape " + Arrays.toString(shape));
      }
    }
    // checked dimension by dimension: the plain product of up to 8 ints can overflow a long and wrap
    // to a small count (e.g. [65536, 65536, 65536, 65536] → 0)
    if (Arrays.stream(shape).noneMatch(dimension -> dimension == 0)) {
      long count = 1;
      for (int dimension : shape) {
        count *= dimension;
        if (count > Integer.MAX_VALUE) {
          throw new ApiException(FailureCodes.PAYLOAD_TOO_LARGE, where + ": too many elements");
        }
      }
    }
  }

  static long count(int[] shape) {
    long count = 1;
    for (int dimension : shape) {
      count *= dimension;
    }
    return count;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Field field && dtype == field.dtype && Arrays.equals(shape, field.shape)
        && Arrays.equals(data, field.data);
  }

  @Override
  public int hashCode() {
    return sha256().hashCode();
  }
}
