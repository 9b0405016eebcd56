package dev.atrium.frames;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import dev.atrium.bus.FailureCodes;
import dev.atrium.web.ApiException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The JSON encoding of frames ({@code application/json}), meant for small frames and debugging.
 *
 * <p>One frame: <pre>{@code
 * {"fields": {"positions": {"dtype": "float32", "shape": [2, 3], "data": [0, 0, 0, 1, 1, 1]},
 *             "species":   {"dtype": "str", "shape": [2], "data": ["H", "O"]}}}
 * }</pre>
 * a batch: {@code {"frames": [ {"fields": ...}, ... ]}}; either may carry {@code "base_version": n}.
 * A frame of an uploaded batch may also carry the metadata keys that {@link #encode(List)} writes
 * ({@code index}, {@code id}, {@code version}, {@code hash}); they are ignored, so what was read
 * can be sent back as it is. Any other key is refused.
 * {@code data} is the array flattened in C order. Element rules:
 * <ul>
 *   <li>int and uint types take JSON integers within the type's range ({@code 300} in a {@code uint8}
 *       field is refused); {@code uint64} above {@code Long.MAX_VALUE} is written as its unsigned
 *       decimal;</li>
 *   <li>{@code float32} / {@code float64} take any JSON number (rounded to the type; a finite number
 *       beyond the type's range is refused). NaN and infinities are not JSON numbers: they are written
 *       as the strings {@code "NaN"}, {@code "Infinity"} and {@code "-Infinity"}, and those strings are
 *       accepted back (so are the bare tokens {@code NaN}, {@code Infinity}, {@code -Infinity} that
 *       Python's {@code json.dumps} writes);</li>
 *   <li>{@code bool} takes {@code true} / {@code false}; {@code str} takes strings.</li>
 * </ul>
 * Floats are written with the shortest decimal that Java reads back to the same bits
 * ({@link Float#toString(float)}, {@link Double#toString(double)}), and read back with
 * {@link Float#parseFloat} / {@link Double#parseDouble} from the number's text, so a
 * decode of an encode restores every bit, {@code -0.0} and subnormals included.
 *
 * <p>Every refusal is an {@link ApiException} 400 (413 for an array too large to hold) whose message
 * starts with where the problem is, e.g. {@code frames[2].fields.positions.data[7]: not a number: "x"}.
 * Nothing is returned unless the whole body is valid.
 */
public final class FrameJson {

  private static final JsonFactory FACTORY = JsonFactory.builder()
      .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
      .build();

  /**
   * Keys of a stored frame's encoding that an uploaded batch may carry and that are ignored, so that
   * frames read from one room can be sent to another as they are.
   */
  static final List<String> METADATA = List.of("index", "id", "version", "hash");

  private FrameJson() {
  }

  /**
   * A decoded upload, JSON or msgpack ({@link FrameMsgpack#decode(byte[])}).
   *
   * @param frames the frames, in body order (one for a single-frame body)
   * @param baseVersion the {@code base_version} given, or null when absent
   * @param batch whether the body was a batch ({@code frames}) rather than one frame ({@code fields})
   */
  public record Decoded(List<Frame> frames, Long baseVersion, boolean batch) {

    /** The single frame of a non-batch body (the first frame of a batch). */
    public Frame first() {
      return frames.get(0);
    }
  }

  /**
   * Decodes a JSON body holding one frame ({@code {"fields": {...}}}) or a batch
   * ({@code {"frames": [...]}}), with an optional {@code base_version}.
   *
   * @throws ApiException 400 naming where the body is wrong (413 when an array has too many elements)
   */
  public static Decoded decode(Buffer body) {
    return decode(body.getBytes());
  }

  /** As {@link #decode(Buffer)}, from bytes. */
  public static Decoded decode(byte[] body) {
    Reader reader = null;
    try (JsonParser parser = FACTORY.createParser(body)) {
      reader = new Reader(parser, body.length);
      return reader.document();
    } catch (JsonProcessingException e) {
      JsonLocation location = e.getLocation();
      String at = location == null ? ""
          : " at line " + location.getLineNr() + ", column " + location.getColumnNr();
      throw bad(reader == null ? "body" : reader.where(), "malformed JSON" + at + ": " + e.getOriginalMessage());
    } catch (IOException e) {
      throw bad("body", "unreadable JSON: " + e.getMessage());
    }
  }

  /**
   * Encodes stored frames as {@code {"frames": [{"index", "id", "version", "hash", "fields"}]}};
   * a null {@code id} or {@code hash} is left out, and so is {@code fields} when the view's frame
   * is null (metadata only).
   */
  public static JsonObject encode(List<FrameView> frames) {
    List<Object> list = new ArrayList<>(frames.size());
    for (FrameView view : frames) {
      JsonObject out = new JsonObject(new LinkedHashMap<>());
      out.put("index", view.index());
      if (view.id() != null) {
        out.put("id", view.id());
      }
      out.put("version", view.version());
      if (view.hash() != null) {
        out.put("hash", view.hash());
      }
      if (view.frame() != null) {
        out.put("fields", fields(view.frame()));
      }
      list.add(out);
    }
    return new JsonObject(new LinkedHashMap<>()).put("frames", new JsonArray(list));
  }

  /** Encodes one frame in the single-frame upload form {@code {"fields": {...}}}. */
  public static JsonObject encode(Frame frame) {
    return new JsonObject(new LinkedHashMap<>()).put("fields", fields(frame));
  }

  /** Encodes one field as {@code {"dtype", "shape", "data"}}. */
  public static JsonObject encode(Field field) {
    JsonObject out = new JsonObject(new LinkedHashMap<>());
    out.put("dtype", field.dtype().id());
    List<Object> shape = new ArrayList<>();
    for (int dimension : field.shape()) {
      shape.add(dimension);
    }
    out.put("shape", new JsonArray(shape));
    out.put("data", new JsonArray(values(field)));
    return out;
  }

  private static JsonObject fields(Frame frame) {
    JsonObject out = new JsonObject(new LinkedHashMap<>());
    frame.fields().forEach((name, field) -> out.put(name, encode(field)));
    return out;
  }

  private static List<Object> values(Field field) {
    DType dtype = field.dtype();
    if (dtype == DType.STR) {
      return new ArrayList<>(field.strings());
    }
    int count = (int) field.count();
    List<Object> out = new ArrayList<>(count);
    ByteBuffer data = ByteBuffer.wrap(field.data()).order(DType.ORDER);
    for (int i = 0; i < count; i++) {
      out.add(value(dtype, data, i));
    }
    return out;
  }

  private static Object value(DType dtype, ByteBuffer data, int i) {
    switch (dtype) {
      case BOOL:
        return data.get(i) != 0;
      case INT8:
        return (int) data.get(i);
      case UINT8:
        return data.get(i) & 0xff;
      case INT16:
        return (int) data.getShort(i * 2);
      case UINT16:
        return data.getShort(i * 2) & 0xffff;
      case INT32:
        return data.getInt(i * 4);
      case UINT32:
        return data.getInt(i * 4) & 0xffffffffL;
      case INT64:
        return data.getLong(i * 8);
      case UINT64: {
        long bits = data.getLong(i * 8);
        return bits >= 0 ? (Object) bits : new BigInteger(Long.toUnsignedString(bits));
      }
      case FLOAT32: {
        float value = data.getFloat(i * 4);
        return Float.isFinite(value) ? (Object) value : special(value);
      }
      case FLOAT64: {
        double value = data.getDouble(i * 8);
        return Double.isFinite(value) ? (Object) value : special(value);
      }
      default:
        throw new IllegalStateException("not numeric: " + dtype);
    }
  }

  private static String special(double value) {
    if (Double.isNaN(value)) {
      return "NaN";
    }
    return value > 0 ? "Infinity" : "-Infinity";
  }

  static ApiException bad(String where, String what) {
    return new ApiException(FailureCodes.BAD_REQUEST, where + ": " + what);
  }

  static String known() {
    StringJoiner joiner = new StringJoiner(", ");
    for (DType type : DType.values()) {
      joiner.add(type.id());
    }
    return joiner.toString();
  }

  static String shapeText(int[] shape) {
    return Arrays.toString(shape);
  }

  /** Element count of a shape, or -1 when it exceeds {@link Integer#MAX_VALUE}. */
  static long countOrMinus(int[] shape) {
    long count = 1;
    for (int dimension : shape) {
      if (dimension == 0) {
        return 0;
      }
    }
    for (int dimension : shape) {
      count *= dimension;
      if (count > Integer.MAX_VALUE) {
        return -1;
      }
    }
    return count;
  }

  /** Streams the body once, tracking where it is so that every refusal can name the spot. */
  private static final class Reader {

    private final JsonParser parser;
    private final int length;
    private String where = "body";
    private int element = -1;

    Reader(JsonParser parser, int length) {
      this.parser = parser;
      this.length = length;
    }

    String where() {
      return element < 0 ? where : where + "[" + element + "]";
    }

    private void at(String path) {
      where = path;
      element = -1;
    }

    Decoded document() throws IOException {
      JsonToken token = parser.nextToken();
      if (token != JsonToken.START_OBJECT) {
        throw bad("body", "expected a JSON object with \"fields\" (one frame) or \"frames\" (a batch), got "
            + describe(token));
      }
      List<Frame> frames = null;
      Frame single = null;
      Long baseVersion = null;
      boolean sawBase = false;
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String key = parser.currentName();
        JsonToken value = parser.nextToken();
        switch (key) {
          case "fields" -> {
            duplicate(single != null, "body", key);
            single = fields("fields", value);
          }
          case "frames" -> {
            duplicate(frames != null, "body", key);
            frames = batch(value);
          }
          case "base_version" -> {
            duplicate(sawBase, "body", key);
            sawBase = true;
            baseVersion = baseVersion(value);
          }
          default -> throw bad("body", "unknown key '" + key + "' (allowed: fields, frames, base_version)");
        }
        at("body");
      }
      if (parser.nextToken() != null) {
        throw bad("body", "unexpected content after the JSON object");
      }
      if (single != null && frames != null) {
        throw bad("body", "give either \"fields\" (one frame) or \"frames\" (a batch), not both");
      }
      if (single == null && frames == null) {
        throw bad("body", "missing key \"fields\" (one frame) or \"frames\" (a batch)");
      }
      return single != null ? new Decoded(List.of(single), baseVersion, false)
          : new Decoded(List.copyOf(frames), baseVersion, true);
    }

    private Long baseVersion(JsonToken token) throws IOException {
      at("base_version");
      if (token == JsonToken.VALUE_NULL) {
        return null;
      }
      if (token != JsonToken.VALUE_NUMBER_INT || parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER
          || parser.getLongValue() < 0) {
        throw bad("base_version", "expected a non-negative integer, got " + describe(token));
      }
      return parser.getLongValue();
    }

    private List<Frame> batch(JsonToken token) throws IOException {
      at("frames");
      if (token != JsonToken.START_ARRAY) {
        throw bad("frames", "expected an array of frames, got " + describe(token));
      }
      List<Frame> frames = new ArrayList<>();
      int index = 0;
      for (JsonToken next = parser.nextToken(); next != JsonToken.END_ARRAY; next = parser.nextToken()) {
        frames.add(frame("frames[" + index + "]", next));
        index++;
      }
      return frames;
    }

    private Frame frame(String path, JsonToken token) throws IOException {
      at(path);
      if (token != JsonToken.START_OBJECT) {
        throw bad(path, "expected an object {\"fields\": {...}}, got " + describe(token));
      }
      Frame frame = null;
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String key = parser.currentName();
        JsonToken value = parser.nextToken();
        if (METADATA.contains(key)) {
          parser.skipChildren();
          continue;
        }
        if (!key.equals("fields")) {
          throw bad(path, "unknown key '" + key + "' (allowed: fields, and " + String.join(", ", METADATA)
              + " which are ignored)");
        }
        duplicate(frame != null, path, key);
        frame = fields(path + ".fields", value);
        at(path);
      }
      if (frame == null) {
        throw bad(path, "missing key 'fields'");
      }
      return frame;
    }

    private Frame fields(String path, JsonToken token) throws IOException {
      at(path);
      if (token != JsonToken.START_OBJECT) {
        throw bad(path, "expected an object of named fields {name: {dtype, shape, data}}, got " + describe(token));
      }
      Map<String, Field> fields = new LinkedHashMap<>();
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        JsonToken value = parser.nextToken();
        if (!Frame.FIELD_NAME.matcher(name).matches()) {
          throw bad(path, "field name '" + name + "' is not allowed");
        }
        duplicate(fields.containsKey(name), path, name);
        if (fields.size() == Frame.MAX_FIELDS) {
          throw bad(path, "at most " + Frame.MAX_FIELDS + " fields");
        }
        fields.put(name, field(path + "." + name, value));
        at(path);
      }
      return Frame.of(fields, path);
    }

    private Field field(String path, JsonToken token) throws IOException {
      at(path);
      if (token != JsonToken.START_OBJECT) {
        throw bad(path, "expected an object {\"dtype\", \"shape\", \"data\"}, got " + describe(token));
      }
      DType dtype = null;
      int[] shape = null;
      Values values = null;
      List<Object[]> pending = null;
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String key = parser.currentName();
        JsonToken value = parser.nextToken();
        switch (key) {
          case "dtype" -> {
            duplicate(dtype != null, path, key);
            dtype = dtype(path + ".dtype", value);
          }
          case "shape" -> {
            duplicate(shape != null, path, key);
            shape = shape(path + ".shape", value);
          }
          case "data" -> {
            duplicate(values != null || pending != null, path, key);
            if (dtype != null) {
              values = Values.of(dtype, shape, length);
              data(path, value, values, shape);
            } else {
              pending = new ArrayList<>();
              record(path + ".data", value, pending);
            }
          }
          default -> throw bad(path, "unknown key '" + key + "' (allowed: dtype, shape, data)");
        }
        at(path);
      }
      List<String> missing = new ArrayList<>();
      if (dtype == null) {
        missing.add("'dtype'");
      }
      if (shape == null) {
        missing.add("'shape'");
      }
      if (values == null && pending == null) {
        missing.add("'data'");
      }
      if (!missing.isEmpty()) {
        throw bad(path, (missing.size() == 1 ? "missing key " : "missing keys ") + String.join(", ", missing));
      }
      if (pending != null) {
        values = Values.of(dtype, shape, length);
        for (int i = 0; i < pending.size(); i++) {
          Object[] item = pending.get(i);
          values.add((JsonToken) item[0], (String) item[1], path + ".data", i);
        }
      }
      return values.field(path, shape);
    }

    private DType dtype(String path, JsonToken token) throws IOException {
      if (token != JsonToken.VALUE_STRING) {
        throw bad(path, "expected a string such as \"float32\", got " + describe(token));
      }
      DType dtype = DType.parse(parser.getText());
      if (dtype == null) {
        throw bad(path, "unknown dtype '" + parser.getText() + "' (known: " + known() + ")");
      }
      return dtype;
    }

    private int[] shape(String path, JsonToken token) throws IOException {
      at(path);
      if (token != JsonToken.START_ARRAY) {
        throw bad(path, "expected an array of non-negative integers, got " + describe(token));
      }
      int[] shape = new int[Field.MAX_DIMENSIONS];
      int rank = 0;
      for (JsonToken next = parser.nextToken(); next != JsonToken.END_ARRAY; next = parser.nextToken()) {
        if (rank == Field.MAX_DIMENSIONS) {
          throw bad(path, "at most " + Field.MAX_DIMENSIONS + " dimensions");
        }
        element = rank;
        if (next != JsonToken.VALUE_NUMBER_INT || parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER
            || parser.getLongValue() < 0 || parser.getLongValue() > Integer.MAX_VALUE) {
          throw bad(where(), "expected a non-negative integer, got " + describe(next));
        }
        shape[rank++] = parser.getIntValue();
      }
      int[] exact = Arrays.copyOf(shape, rank);
      if (countOrMinus(exact) < 0) {
        throw new ApiException(FailureCodes.PAYLOAD_TOO_LARGE, path + ": shape " + shapeText(exact)
            + " has too many elements");
      }
      return exact;
    }

    private void data(String fieldPath, JsonToken token, Values values, int[] shape) throws IOException {
      String path = fieldPath + ".data";
      at(path);
      expectArray(path, token);
      long limit = shape == null ? Long.MAX_VALUE : countOrMinus(shape);
      int index = 0;
      for (JsonToken next = parser.nextToken(); next != JsonToken.END_ARRAY; next = parser.nextToken()) {
        element = index;
        if (index >= limit) {
          throw bad(fieldPath, "shape " + shapeText(shape)
              + " needs " + limit + " values, data has more");
        }
        flat(next);
        values.add(next, parser.getText(), path, index);
        index++;
      }
    }

    private void record(String path, JsonToken token, List<Object[]> pending) throws IOException {
      at(path);
      expectArray(path, token);
      int index = 0;
      for (JsonToken next = parser.nextToken(); next != JsonToken.END_ARRAY; next = parser.nextToken()) {
        element = index++;
        flat(next);
        pending.add(new Object[] {next, parser.getText()});
      }
    }

    private void expectArray(String path, JsonToken token) throws IOException {
      if (token != JsonToken.START_ARRAY) {
        throw bad(path, "expected an array (the values flattened in C order), got " + describe(token));
      }
    }

    private void flat(JsonToken token) throws IOException {
      if (token == JsonToken.START_ARRAY || token == JsonToken.START_OBJECT) {
        throw bad(where(), "expected a value, got " + describe(token)
            + " (data is flat: the values in C order, e.g. numpy's arr.ravel().tolist())");
      }
    }

    private void duplicate(boolean seen, String path, String key) {
      if (seen) {
        throw bad(path, "duplicate key '" + key + "'");
      }
    }

    private String describe(JsonToken token) throws IOException {
      if (token == null) {
        return "nothing";
      }
      return switch (token) {
        case START_OBJECT -> "an object";
        case START_ARRAY -> "an array";
        case VALUE_STRING -> "string " + quote(parser.getText());
        case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "number " + clip(parser.getText());
        case VALUE_TRUE -> "true";
        case VALUE_FALSE -> "false";
        case VALUE_NULL -> "null";
        default -> token.toString();
      };
    }
  }

  static String quote(String text) {
    return "\"" + clip(text) + "\"";
  }

  private static String clip(String text) {
    return text.length() <= 40 ? text : text.substring(0, 40) + "...";
  }

  /** Collects the elements of one field's data, converting each to the field's type. */
  private abstract static class Values {

    static Values of(DType dtype, int[] shape, int bodyLength) {
      if (dtype == DType.STR) {
        return new Strings();
      }
      // sized from the shape when known, but never beyond what the body could hold (two bytes a value)
      long count = shape == null ? 16 : Math.min(countOrMinus(shape), bodyLength / 2 + 1);
      return new Numbers(dtype, (int) Math.min(Integer.MAX_VALUE - 8, Math.max(16, count * dtype.itemSize())));
    }

    abstract void add(JsonToken token, String text, String path, int index);

    abstract int size();

    abstract Field build(String path, int[] shape);

    Field field(String path, int[] shape) {
      long count = countOrMinus(shape);
      if (count != size()) {
        throw bad(path, "shape " + shapeText(shape) + " needs " + count + " values, data has " + size());
      }
      return build(path, shape);
    }

    static ApiException element(String path, int index, String what) {
      return bad(path + "[" + index + "]", what);
    }
  }

  private static final class Strings extends Values {

    private final List<String> values = new ArrayList<>();

    @Override
    void add(JsonToken token, String text, String path, int index) {
      if (token != JsonToken.VALUE_STRING) {
        throw element(path, index, "not a string: " + clip(text));
      }
      values.add(text);
    }

    @Override
    int size() {
      return values.size();
    }

    @Override
    Field build(String path, int[] shape) {
      return Field.ofStrings(values, shape, path);
    }
  }

  private static final class Numbers extends Values {

    private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    private final DType dtype;
    private byte[] bytes;
    private int position;
    private int size;

    Numbers(DType dtype, int capacity) {
      this.dtype = dtype;
      this.bytes = new byte[capacity];
    }

    @Override
    void add(JsonToken token, String text, String path, int index) {
      if (position + 8 > bytes.length) {
        long grown = Math.max((long) bytes.length * 2, position + 8L);
        if (grown > Integer.MAX_VALUE - 8) {
          throw new ApiException(FailureCodes.PAYLOAD_TOO_LARGE, path + ": too many values");
        }
        bytes = Arrays.copyOf(bytes, (int) grown);
      }
      switch (dtype) {
        case BOOL -> {
          if (token != JsonToken.VALUE_TRUE && token != JsonToken.VALUE_FALSE) {
            throw element(path, index, "not a boolean: " + shown(token, text));
          }
          bytes[position] = (byte) (token == JsonToken.VALUE_TRUE ? 1 : 0);
        }
        case FLOAT32 -> putInt(Float.floatToRawIntBits(parseFloat(token, text, path, index)));
        case FLOAT64 -> putLong(Double.doubleToRawLongBits(parseDouble(token, text, path, index)));
        default -> putInteger(token, text, path, index);
      }
      position += dtype.itemSize();
      size++;
    }

    private void putInteger(JsonToken token, String text, String path, int index) {
      if (token == JsonToken.VALUE_NUMBER_FLOAT) {
        throw element(path, index, "not an integer: " + text + " (" + dtype.id() + " takes integers)");
      }
      if (token != JsonToken.VALUE_NUMBER_INT) {
        throw element(path, index, "not a number: " + shown(token, text));
      }
      long value;
      try {
        value = Long.parseLong(text);
      } catch (NumberFormatException tooLong) {
        if (dtype == DType.UINT64) {
          BigInteger big = new BigInteger(text);
          if (big.signum() >= 0 && big.compareTo(UINT64_MAX) <= 0) {
            putLong(big.longValue());
            return;
          }
        }
        throw outOfRange(text, path, index);
      }
      switch (dtype) {
        case INT8 -> bytes[position] = (byte) range(value, Byte.MIN_VALUE, Byte.MAX_VALUE, text, path, index);
        case UINT8 -> bytes[position] = (byte) range(value, 0, 0xff, text, path, index);
        case INT16 -> putShort((int) range(value, Short.MIN_VALUE, Short.MAX_VALUE, text, path, index));
        case UINT16 -> putShort((int) range(value, 0, 0xffff, text, path, index));
        case INT32 -> putInt((int) range(value, Integer.MIN_VALUE, Integer.MAX_VALUE, text, path, index));
        case UINT32 -> putInt((int) range(value, 0, 0xffffffffL, text, path, index));
        case INT64 -> putLong(value);
        case UINT64 -> putLong(range(value, 0, Long.MAX_VALUE, text, path, index));
        default -> throw new IllegalStateException("not an integer type: " + dtype);
      }
    }

    private long range(long value, long min, long max, String text, String path, int index) {
      if (value < min || value > max) {
        throw outOfRange(text, path, index);
      }
      return value;
    }

    private ApiException outOfRange(String text, String path, int index) {
      String bounds = switch (dtype) {
        case INT8 -> "-128 to 127";
        case UINT8 -> "0 to 255";
        case INT16 -> "-32768 to 32767";
        case UINT16 -> "0 to 65535";
        case INT32 -> Integer.MIN_VALUE + " to " + Integer.MAX_VALUE;
        case UINT32 -> "0 to 4294967295";
        case INT64 -> Long.MIN_VALUE + " to " + Long.MAX_VALUE;
        default -> "0 to " + UINT64_MAX;
      };
      return element(path, index, clip(text) + " is out of range for " + dtype.id() + " (" + bounds + ")");
    }

    private float parseFloat(JsonToken token, String text, String path, int index) {
      Double special = special(token, text);
      if (special != null) {
        return special.floatValue();
      }
      number(token, text, path, index);
      float value = Float.parseFloat(text);
      if (Float.isInfinite(value)) {
        throw element(path, index, clip(text) + " is out of range for float32");
      }
      return value;
    }

    private double parseDouble(JsonToken token, String text, String path, int index) {
      Double special = special(token, text);
      if (special != null) {
        return special;
      }
      number(token, text, path, index);
      double value = Double.parseDouble(text);
      if (Double.isInfinite(value)) {
        throw element(path, index, clip(text) + " is out of range for float64");
      }
      return value;
    }

    private static void number(JsonToken token, String text, String path, int index) {
      if (token != JsonToken.VALUE_NUMBER_INT && token != JsonToken.VALUE_NUMBER_FLOAT) {
        throw element(path, index, "not a number: " + shown(token, text));
      }
    }

    /** NaN and the infinities: as the strings this codec writes, or as the bare tokens Python writes. */
    private static Double special(JsonToken token, String text) {
      if (token != JsonToken.VALUE_STRING && token != JsonToken.VALUE_NUMBER_FLOAT) {
        return null;
      }
      return switch (text) {
        case "NaN" -> Double.NaN;
        case "Infinity", "+Infinity", "INF", "+INF" -> Double.POSITIVE_INFINITY;
        case "-Infinity", "-INF" -> Double.NEGATIVE_INFINITY;
        default -> null;
      };
    }

    private static String shown(JsonToken token, String text) {
      return switch (token) {
        case VALUE_STRING -> quote(text);
        case VALUE_NULL -> "null";
        default -> clip(text);
      };
    }

    private void putShort(int value) {
      bytes[position] = (byte) value;
      bytes[position + 1] = (byte) (value >>> 8);
    }

    private void putInt(int value) {
      bytes[position] = (byte) value;
      bytes[position + 1] = (byte) (value >>> 8);
      bytes[position + 2] = (byte) (value >>> 16);
      bytes[position + 3] = (byte) (value >>> 24);
    }

    private void putLong(long value) {
      for (int i = 0; i < 8; i++) {
        bytes[position + i] = (byte) (value >>> (8 * i));
      }
    }

    @Override
    int size() {
      return size;
    }

    @Override
    Field build(String path, int[] shape) {
      byte[] exact = position == bytes.length ? bytes : Arrays.copyOf(bytes, position);
      return Field.of(dtype, shape, exact, path);
    }
  }
}
