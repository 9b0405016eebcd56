package dev.atrium.frames;

import java.nio.ByteOrder;

/**
 * The element types a frame field may have. Numeric arrays are stored and sent as little-endian
 * bytes in C order; {@link #STR} arrays as a sequence of (uint32 little-endian byte length,
 * UTF-8 bytes) per element.
 */
public enum DType {
  BOOL("bool", 1, "|b1"),
  INT8("int8", 1, "|i1"),
  INT16("int16", 2, "<i2"),
  INT32("int32", 4, "<i4"),
  INT64("int64", 8, "<i8"),
  UINT8("uint8", 1, "|u1"),
  UINT16("uint16", 2, "<u2"),
  UINT32("uint32", 4, "<u4"),
  UINT64("uint64", 8, "<u8"),
  FLOAT32("float32", 4, "<f4"),
  FLOAT64("float64", 8, "<f8"),
  STR("str", 0, null);

  /** Byte order of every numeric array Atrium stores or sends. */
  public static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

  private final String id;
  private final int itemSize;
  private final String npyDescr;

  DType(String id, int itemSize, String npyDescr) {
    this.id = id;
    this.itemSize = itemSize;
    this.npyDescr = npyDescr;
  }

  /** The wire name, e.g. {@code float32}. */
  public String id() {
    return id;
  }

  /** Bytes per element; 0 for strings (variable). */
  public int itemSize() {
    return itemSize;
  }

  /** The NumPy {@code descr} of this type, or null for strings (not representable as .npy without a fixed width). */
  public String npyDescr() {
    return npyDescr;
  }

  /** Whether elements are numbers (booleans included). */
  public boolean numeric() {
    return this != STR;
  }

  /** Parses a wire name; null when unknown. */
  public static DType parse(String id) {
    for (DType type : values()) {
      if (type.id.equals(id)) {
        return type;
      }
    }
    return null;
  }

  /** The type with this NumPy descr (byte order {@code <}, {@code |} or {@code =}), or null. */
  public static DType fromNpy(String descr) {
    if (descr == null || descr.length() < 2) {
      return null;
    }
    String normalized = descr.replace('=', '<');
    for (DType type : values()) {
      if (type.npyDescr != null && (type.npyDescr.equals(normalized)
          || type.npyDescr.substring(1).equals(normalized.substring(1)) && normalized.charAt(0) == '|')) {
        return type;
      }
    }
    return null;
  }
}
