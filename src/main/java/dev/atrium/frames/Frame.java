package dev.atrium.frames;

import dev.atrium.bus.FailureCodes;
import dev.atrium.web.ApiException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A frame's content: named fields. Its hash is {@code sha256:} over a canonical encoding — one line
 * per field in name order, {@code name \0 dtype \0 shape \0 sha256(bytes) \n} — so equal content has
 * an equal hash whatever order the fields arrived in, and the hash needs only the blob addresses.
 */
public final class Frame {

  /** Field names: letters, digits, {@code _ . -}, starting with a letter or {@code _}. */
  public static final Pattern FIELD_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]{0,63}");
  /** Most fields in one frame. */
  public static final int MAX_FIELDS = 256;

  private final SortedMap<String, Field> fields;

  private Frame(SortedMap<String, Field> fields) {
    this.fields = Collections.unmodifiableSortedMap(fields);
  }

  /**
   * A frame from named fields.
   *
   * @param where names the frame in error messages, e.g. {@code frames[3]}
   */
  public static Frame of(Map<String, Field> fields, String where) {
    if (fields.size() > MAX_FIELDS) {
      throw new ApiException(FailureCodes.BAD_REQUEST, where + ": at most " + MAX_FIELDS + " fields");
    }
    for (String name : fields.keySet()) {
      if (!FIELD_NAME.matcher(name).matches()) {
        throw new ApiException(FailureCodes.BAD_REQUEST, where + ": field name '" + name + "' is not allowed");
      }
    }
    return new Frame(new TreeMap<>(fields));
  }

  /** The fields, by name. */
  public SortedMap<String, Field> fields() {
    return fields;
  }

  /** This frame with {@code changes} merged in (a field given replaces the field of that name). */
  public Frame merge(Frame changes) {
    TreeMap<String, Field> merged = new TreeMap<>(fields);
    merged.putAll(changes.fields);
    return of(merged, "frame");
  }

  /** Only the named fields (names that are absent are skipped). */
  public Frame select(java.util.Collection<String> names) {
    TreeMap<String, Field> selected = new TreeMap<>();
    for (String name : names) {
      Field field = fields.get(name);
      if (field != null) {
        selected.put(name, field);
      }
    }
    return new Frame(selected);
  }

  /** {@code sha256:<hex>} of the canonical encoding. */
  public String hash() {
    return hashOf(fields.entrySet().stream().collect(java.util.stream.Collectors.toMap(Map.Entry::getKey,
        e -> new FieldRef(e.getValue().dtype(), e.getValue().shape(), e.getValue().sha256()),
        (a, b) -> a, TreeMap::new)));
  }

  /**
   * The frame hash from field references alone (as stored: no bytes needed).
   */
  public static String hashOf(SortedMap<String, FieldRef> refs) {
    StringBuilder canonical = new StringBuilder();
    refs.forEach((name, ref) -> canonical.append(name).append('\0').append(ref.dtype().id()).append('\0')
        .append(Arrays.toString(ref.shape())).append('\0').append(ref.sha256()).append('\n'));
    return "sha256:" + Field.sha256Hex(canonical.toString().getBytes(StandardCharsets.UTF_8));
  }

  /**
   * A field as stored: its type, shape and blob address.
   *
   * @param dtype element type
   * @param shape shape
   * @param sha256 hex sha256 of its bytes
   */
  public record FieldRef(DType dtype, int[] shape, String sha256) {
  }
}
