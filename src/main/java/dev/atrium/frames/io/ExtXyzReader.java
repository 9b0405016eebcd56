package dev.atrium.frames.io;

import dev.atrium.bus.FailureCodes;
import dev.atrium.frames.DType;
import dev.atrium.frames.Field;
import dev.atrium.frames.Frame;
import dev.atrium.web.ApiException;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads an extended-XYZ trajectory (ASE / extxyz conventions) one frame at a time, holding only
 * the current frame: the input is read line by line and never buffered whole.
 *
 * <p>Each frame is a line with the atom count N, a comment line of {@code key=value} pairs and N
 * atom lines whose whitespace-separated columns follow {@code Properties} (default
 * {@code species:S:1:pos:R:3}). Fields produced:
 * <ul>
 *   <li>per-atom property {@code pos} → {@code positions} float64 [N,3]; {@code species} → str [N];
 *       any other property keeps its name: R → float64, I → int64, L → bool, S → str, shape [N]
 *       for one column, [N,k] for k columns;</li>
 *   <li>{@code Lattice="a1 a2 a3 b1 b2 b3 c1 c2 c3"} → {@code box} float64 [3,3] (one lattice vector
 *       per row); {@code pbc="T T T"} → {@code pbc} bool [3];</li>
 *   <li>any other key → a scalar (shape []) int64, float64, bool or str, or, for a value of several
 *       numbers or logicals, a 1-D int64 (all integers), float64 or bool array; a bare key without
 *       {@code =} is the logical T (as in ASE); a comment line without any {@code =} is kept whole
 *       as the str field {@code comment}.</li>
 * </ul>
 * Numbers are parsed exactly (correctly rounded, {@code -0.0} kept); {@code nan}, {@code inf},
 * {@code -inf}, {@code Infinity} and Fortran {@code D} exponents are accepted. A frame of zero
 * atoms without {@code Properties} has no per-atom fields.
 *
 * <p>Malformed input fails with {@link ApiException} 422 {@code "<where> line L: <what>"} (lines
 * counted from 1); limits fail with 413. Frames returned before an error are valid, so a caller that
 * must not write anything partially has to stage frames until {@link #next()} returns null.
 */
public final class ExtXyzReader implements Closeable {

  /** Longest line accepted, in characters; longer ones fail with 413 rather than exhaust memory. */
  public static final int MAX_LINE_CHARS = 1 << 22;

  private static final String DEFAULT_PROPERTIES = "species:S:1:pos:R:3";
  private static final int SHOWN_TOKEN_CHARS = 40;

  private final InputStream in;
  private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
  private final ByteBuffer bytes = ByteBuffer.allocate(1 << 16);
  private boolean inputEnded;
  private boolean malformed;
  private boolean drained;
  private final String where;
  private final int maxAtoms;
  private final char[] buffer = new char[1 << 16];
  private final CharBuffer chars = CharBuffer.wrap(buffer);
  private int bufferPos;
  private int bufferLen;
  private boolean endOfInput;
  private char[] line = new char[256];
  private int lineLen;
  private long lineNumber;
  private int frames;
  private boolean finished;
  /** The error that ended reading: the input cannot be resumed after it. */
  private ApiException failure;
  private int[] starts = new int[64];
  private int[] ends = new int[64];

  /**
   * A reader of UTF-8 extended XYZ.
   *
   * @param in the input, read as it is needed (wrap it in nothing: this reader buffers)
   * @param where names the input in error messages, e.g. {@code upload.xyz}
   */
  public ExtXyzReader(InputStream in, String where) {
    this(in, where, Integer.MAX_VALUE);
  }

  /**
   * A reader of UTF-8 extended XYZ that refuses frames of more than {@code maxAtoms} atoms (413).
   */
  public ExtXyzReader(InputStream in, String where, int maxAtoms) {
    this.in = in;
    bytes.flip();
    this.where = where;
    this.maxAtoms = maxAtoms;
  }

  /** Frames returned so far. */
  public int framesRead() {
    return frames;
  }

  /** Number of the last line read (lines count from 1). */
  public long lineNumber() {
    return lineNumber;
  }

  /**
   * The next frame, or null after the last one.
   *
   * @throws ApiException 422 naming the line when the input is malformed or holds no frame at all,
   *     413 when a frame or line is over the limits
   * @throws IOException when the input cannot be read
   */
  public Frame next() throws IOException {
    if (failure != null) {
      throw failure;
    }
    if (finished) {
      return null;
    }
    try {
      return readFrame();
    } catch (ApiException e) {
      failure = e;
      throw e;
    }
  }

  private Frame readFrame() throws IOException {
    long countLine;
    do {
      if (!readLine()) {
        finished = true;
        if (frames == 0) {
          throw fail(1, "no frames (the input is empty)");
        }
        return null;
      }
    } while (isBlank());
    countLine = lineNumber;
    int atoms = parseAtomCount();
    if (!readLine()) {
      throw fail(lineNumber + 1, "missing comment line after the atom count at line " + countLine);
    }
    long commentLine = lineNumber;
    Map<String, Field> info = new LinkedHashMap<>();
    String properties = parseComment(new String(line, 0, lineLen), commentLine, info);
    List<Column> columns = properties == null && atoms == 0 ? List.of()
        : parseProperties(properties == null ? DEFAULT_PROPERTIES : properties, commentLine, atoms);
    int expectedTokens = 0;
    for (Column column : columns) {
      expectedTokens += column.width;
    }
    for (int atom = 0; atom < atoms; atom++) {
      if (!readLine()) {
        throw fail(lineNumber + 1, "unexpected end of input: the frame starting at line " + countLine
            + " declares " + atoms + " atoms but has " + atom + " atom lines (truncated)");
      }
      int tokens = tokenize();
      if (tokens != expectedTokens) {
        throw fail(lineNumber, "expected " + expectedTokens + " columns (" + describe(columns) + "), got " + tokens
            + " (atom " + (atom + 1) + " of " + atoms + " in the frame starting at line " + countLine + ")");
      }
      int token = 0;
      for (Column column : columns) {
        for (int k = 0; k < column.width; k++) {
          column.add(token, k);
          token++;
        }
      }
    }
    TreeMap<String, Field> fields = new TreeMap<>();
    for (Column column : columns) {
      fields.put(column.field, column.build(atoms));
    }
    for (Map.Entry<String, Field> entry : info.entrySet()) {
      if (fields.putIfAbsent(entry.getKey(), entry.getValue()) != null) {
        throw fail(commentLine, "'" + entry.getKey() + "' is both a per-atom property and a comment key");
      }
    }
    if (fields.size() > Frame.MAX_FIELDS) {
      throw fail(commentLine, "more than " + Frame.MAX_FIELDS + " fields in one frame");
    }
    frames++;
    return Frame.of(fields, where + " frame " + (frames - 1));
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  // ---- atom count -------------------------------------------------------------------------------

  private int parseAtomCount() {
    int from = 0;
    int to = lineLen;
    while (from < to && isSpace(line[from])) {
      from++;
    }
    while (to > from && isSpace(line[to - 1])) {
      to--;
    }
    String text = new String(line, from, to - from);
    if (!isInteger(line, from, to)) {
      throw fail(lineNumber, "expected the atom count (a non-negative integer), got '" + shown(text) + "'");
    }
    long count;
    try {
      count = Long.parseLong(text);
    } catch (NumberFormatException e) {
      count = Long.MAX_VALUE;
    }
    if (count < 0) {
      throw fail(lineNumber, "the atom count must not be negative, got " + text);
    }
    if (count > maxAtoms) {
      throw new ApiException(FailureCodes.PAYLOAD_TOO_LARGE, where + " line " + lineNumber + ": atom count " + text
          + " is over the limit of " + maxAtoms);
    }
    if (count > Integer.MAX_VALUE) {
      throw new ApiException(FailureCodes.PAYLOAD_TOO_LARGE, where + " line " + lineNumber + ": atom count " + text
          + " is too large");
    }
    return (int) count;
  }

  // ---- comment line -----------------------------------------------------------------------------

  /** Parses the key=value pairs into {@code info}; returns the Properties value or null. */
  private String parseComment(String text, long at, Map<String, Field> info) {
    if (text.indexOf('=') < 0) {
      String comment = text.strip();
      if (!comment.isEmpty()) {
        info.put("comment", Field.ofStrings(List.of(comment), new int[0], where));
      }
      return null;
    }
    String properties = null;
    int length = text.length();
    int i = 0;
    while (true) {
      while (i < length && isSpace(text.charAt(i))) {
        i++;
      }
      if (i >= length) {
        break;
      }
      StringBuilder key = new StringBuilder();
      i = readWord(text, i, key, true, at, null);
      int afterKey = i;
      while (i < length && isSpace(text.charAt(i))) {
        i++;
      }
      String name = key.toString();
      String value = null;
      if (i < length && text.charAt(i) == '=') {
        i++;
        while (i < length && isSpace(text.charAt(i))) {
          i++;
        }
        StringBuilder raw = new StringBuilder();
        i = readWord(text, i, raw, false, at, name);
        value = raw.toString();
      } else {
        i = afterKey;
      }
      if (name.equals("Properties")) {
        if (properties != null) {
          throw fail(at, "key 'Properties' appears twice");
        }
        if (value == null) {
          throw fail(at, "Properties needs a value such as species:S:1:pos:R:3");
        }
        properties = value;
        continue;
      }
      String field = name.equals("Lattice") ? "box" : name;
      if (!Frame.FIELD_NAME.matcher(field).matches()) {
        throw fail(at, "key '" + shown(name) + "' is not a valid field name (letters, digits, _ . -,"
            + " starting with a letter or _, at most 64 characters)");
      }
      if (info.containsKey(field)) {
        throw fail(at, "key '" + name + "' appears twice" + (field.equals("box") ? " (Lattice is stored as box)" : ""));
      }
      info.put(field, commentValue(name, value, at));
    }
    return properties;
  }

  /** Reads a bare, double-quoted or brace-quoted word starting at {@code i}; returns the index after it. */
  private int readWord(String text, int i, StringBuilder out, boolean key, long at, String keyName) {
    int length = text.length();
    if (i < length && text.charAt(i) == '"') {
      i++;
      while (i < length) {
        char c = text.charAt(i);
        if (c == '"') {
          return i + 1;
        }
        if (c == '\\' && i + 1 < length) {
          char escaped = text.charAt(i + 1);
          switch (escaped) {
            case '"', '\\' -> out.append(escaped);
            case 'n' -> out.append('\n');
            case 'r' -> out.append('\r');
            default -> out.append(c).append(escaped);
          }
          i += 2;
          continue;
        }
        out.append(c);
        i++;
      }
      throw fail(at, "unterminated quote in " + (key ? "a key" : "the value of '" + keyName + "'"));
    }
    if (!key && i < length && text.charAt(i) == '{') {
      int close = text.indexOf('}', i + 1);
      if (close < 0) {
        throw fail(at, "unterminated { in the value of '" + keyName + "'");
      }
      out.append(text, i + 1, close);
      return close + 1;
    }
    while (i < length) {
      char c = text.charAt(i);
      if (isSpace(c) || key && c == '=') {
        break;
      }
      out.append(c);
      i++;
    }
    return i;
  }

  private Field commentValue(String key, String value, long at) {
    if (value == null) {
      if (key.equals("Lattice") || key.equals("pbc")) {
        throw fail(at, key + " needs a value");
      }
      return booleans(new boolean[] {true}, new int[0]);
    }
    List<String> tokens = splitTokens(value);
    if (key.equals("Lattice")) {
      double[] cell = new double[9];
      if (tokens.size() != 9) {
        throw fail(at, "Lattice needs 9 numbers (three lattice vectors), got " + tokens.size());
      }
      for (int k = 0; k < 9; k++) {
        Double number = parseReal(tokens.get(k));
        if (number == null) {
          throw fail(at, "Lattice value " + (k + 1) + " is not a number: '" + shown(tokens.get(k)) + "'");
        }
        cell[k] = number;
      }
      return doubles(cell, 9, new int[] {3, 3});
    }
    if (key.equals("pbc")) {
      boolean[] flags = new boolean[tokens.size()];
      for (int k = 0; k < flags.length; k++) {
        Boolean flag = parseLogical(tokens.get(k));
        if (flag == null) {
          flags = null;
          break;
        }
        flags[k] = flag;
      }
      if (flags == null || flags.length != 3 && flags.length != 1) {
        throw fail(at, "pbc needs 3 logical values (T or F), got '" + shown(value) + "'");
      }
      return booleans(flags.length == 3 ? flags : new boolean[] {flags[0], flags[0], flags[0]}, new int[] {3});
    }
    int count = tokens.size();
    if (count == 0) {
      return Field.ofStrings(List.of(value), new int[0], where);
    }
    int[] shape = count == 1 ? new int[0] : new int[] {count};
    long[] integers = new long[count];
    boolean allIntegers = true;
    for (int k = 0; k < count && allIntegers; k++) {
      String token = tokens.get(k);
      allIntegers = isInteger(token);
      if (allIntegers) {
        try {
          integers[k] = Long.parseLong(token);
        } catch (NumberFormatException e) {
          allIntegers = false;
        }
      }
    }
    if (allIntegers) {
      ByteBuffer bytes = ByteBuffer.allocate(count * 8).order(DType.ORDER);
      bytes.asLongBuffer().put(integers);
      return Field.of(DType.INT64, shape, bytes.array(), where);
    }
    double[] reals = new double[count];
    boolean allReals = true;
    for (int k = 0; k < count && allReals; k++) {
      Double number = parseReal(tokens.get(k));
      allReals = number != null;
      if (allReals) {
        reals[k] = number;
      }
    }
    if (allReals) {
      return doubles(reals, count, shape);
    }
    boolean[] flags = new boolean[count];
    for (int k = 0; k < count; k++) {
      Boolean flag = parseLogical(tokens.get(k));
      if (flag == null) {
        return Field.ofStrings(List.of(value), new int[0], where);
      }
      flags[k] = flag;
    }
    return booleans(flags, shape);
  }

  // ---- Properties and atom lines -----------------------------------------------------------------

  private List<Column> parseProperties(String spec, long at, int atoms) {
    String[] parts = spec.split(":", -1);
    if (spec.isEmpty() || parts.length % 3 != 0) {
      throw fail(at, "Properties '" + shown(spec) + "' is malformed: expected name:type:columns triples such as "
          + DEFAULT_PROPERTIES);
    }
    List<Column> columns = new ArrayList<>();
    List<String> seen = new ArrayList<>();
    for (int p = 0; p < parts.length; p += 3) {
      String name = parts[p];
      String type = parts[p + 1];
      String width = parts[p + 2];
      if (type.length() != 1 || "SRIL".indexOf(type.charAt(0)) < 0) {
        throw fail(at, "Properties type '" + shown(type) + "' of '" + shown(name) + "' is not one of S, R, I, L");
      }
      int columnCount;
      try {
        columnCount = isInteger(width) && !width.startsWith("-") ? Integer.parseInt(width) : 0;
      } catch (NumberFormatException e) {
        columnCount = 0;
      }
      if (columnCount < 1) {
        throw fail(at, "Properties column count '" + shown(width) + "' of '" + shown(name)
            + "' is not a positive integer");
      }
      String field = name.equals("pos") ? "positions" : name;
      if (!Frame.FIELD_NAME.matcher(field).matches()) {
        throw fail(at, "Properties name '" + shown(name) + "' is not a valid field name");
      }
      if (seen.contains(field)) {
        throw fail(at, "Properties names '" + field + "' twice" + (field.equals("positions") ? " (pos is stored as positions)" : ""));
      }
      if (field.equals("positions") && !(type.equals("R") && columnCount == 3)) {
        throw fail(at, "Properties gives pos as " + type + ":" + columnCount + "; it must be R:3");
      }
      long bytes = (long) atoms * columnCount * 8;
      if (bytes > Integer.MAX_VALUE - 64) {
        throw new ApiException(FailureCodes.PAYLOAD_TOO_LARGE, where + " line " + at + ": " + atoms
            + " atoms are too many for one frame");
      }
      seen.add(field);
      columns.add(new Column(name, field, type.charAt(0), columnCount, atoms));
    }
    return columns;
  }

  private static String describe(List<Column> columns) {
    StringBuilder out = new StringBuilder();
    for (Column column : columns) {
      if (out.length() > 0) {
        out.append(' ');
      }
      out.append(column.name).append(':').append(column.type).append(':').append(column.width);
    }
    return out.toString();
  }

  /** One per-atom property being filled from the atom lines. */
  private final class Column {
    final String name;
    final String field;
    final char type;
    final int width;
    double[] reals;
    long[] integers;
    byte[] flags;
    List<String> strings;
    int size;

    Column(String name, String field, char type, int width, int atoms) {
      this.name = name;
      this.field = field;
      this.type = type;
      this.width = width;
      int capacity = (int) Math.min((long) atoms * width, 1 << 12);
      switch (type) {
        case 'R' -> reals = new double[capacity];
        case 'I' -> integers = new long[capacity];
        case 'L' -> flags = new byte[capacity];
        default -> strings = new ArrayList<>(capacity);
      }
    }

    void add(int token, int k) {
      int from = starts[token];
      int to = ends[token];
      switch (type) {
        case 'R' -> {
          if (size == reals.length) {
            reals = Arrays.copyOf(reals, Math.max(16, size * 2));
          }
          double value = parseReal(line, from, to);
          if (value != value && !isNan(line, from, to)) {
            throw badValue(token, k, "a real number");
          }
          reals[size++] = value;
        }
        case 'I' -> {
          if (size == integers.length) {
            integers = Arrays.copyOf(integers, Math.max(16, size * 2));
          }
          if (!isInteger(line, from, to)) {
            throw badValue(token, k, "an integer");
          }
          try {
            integers[size++] = Long.parseLong(new String(line, from, to - from));
          } catch (NumberFormatException e) {
            throw badValue(token, k, "an integer in the int64 range");
          }
        }
        case 'L' -> {
          if (size == flags.length) {
            flags = Arrays.copyOf(flags, Math.max(16, size * 2));
          }
          Boolean flag = parseLogical(new String(line, from, to - from));
          if (flag == null) {
            throw badValue(token, k, "a logical (T or F)");
          }
          flags[size++] = (byte) (flag ? 1 : 0);
        }
        default -> {
          strings.add(new String(line, from, to - from));
          size++;
        }
      }
    }

    private ApiException badValue(int token, int k, String what) {
      String shownValue = shown(new String(line, starts[token], ends[token] - starts[token]));
      return fail(lineNumber, "column " + (token + 1) + " (" + name + ":" + type + ":" + width
          + (width > 1 ? ", component " + (k + 1) : "") + ") is not " + what + ": '" + shownValue + "'");
    }

    Field build(int atoms) {
      int[] shape = width == 1 ? new int[] {atoms} : new int[] {atoms, width};
      return switch (type) {
        case 'R' -> doubles(reals, size, shape);
        case 'I' -> {
          ByteBuffer bytes = ByteBuffer.allocate(size * 8).order(DType.ORDER);
          bytes.asLongBuffer().put(integers, 0, size);
          yield Field.of(DType.INT64, shape, bytes.array(), where);
        }
        case 'L' -> Field.of(DType.BOOL, shape, Arrays.copyOf(flags, size), where);
        default -> Field.ofStrings(strings, shape, where);
      };
    }
  }

  private Field doubles(double[] values, int size, int[] shape) {
    ByteBuffer bytes = ByteBuffer.allocate(size * 8).order(DType.ORDER);
    bytes.asDoubleBuffer().put(values, 0, size);
    return Field.of(DType.FLOAT64, shape, bytes.array(), where);
  }

  private Field booleans(boolean[] values, int[] shape) {
    byte[] bytes = new byte[values.length];
    for (int k = 0; k < values.length; k++) {
      bytes[k] = (byte) (values[k] ? 1 : 0);
    }
    return Field.of(DType.BOOL, shape, bytes, where);
  }

  // ---- lines and tokens --------------------------------------------------------------------------

  /** Reads the next line into {@code line}; false at the end of the input. */
  private boolean readLine() throws IOException {
    lineLen = 0;
    boolean any = false;
    while (true) {
      if (bufferPos == bufferLen) {
        if (endOfInput || !fill()) {
          if (any) {
            lineNumber++;
          }
          return any;
        }
      }
      any = true;
      int start = bufferPos;
      int end = start;
      while (end < bufferLen) {
        char c = buffer[end];
        if (c == '\n' || c == '\r') {
          break;
        }
        end++;
      }
      append(start, end);
      bufferPos = end;
      if (end < bufferLen) {
        char c = buffer[end];
        bufferPos++;
        if (c == '\r') {
          if (bufferPos == bufferLen && !endOfInput) {
            fill();
          }
          if (bufferPos < bufferLen && buffer[bufferPos] == '\n') {
            bufferPos++;
          }
        }
        lineNumber++;
        return true;
      }
    }
  }

  /** Decodes more of the input into {@code buffer}; false at its end. */
  private boolean fill() throws IOException {
    if (malformed) {
      throw fail(lineNumber + 1, "the input is not valid UTF-8");
    }
    chars.clear();
    while (!drained) {
      CoderResult result = decoder.decode(bytes, chars, inputEnded);
      if (result.isError()) {
        // Hand out what decoded cleanly first, so the error names the line it is on.
        malformed = true;
        break;
      }
      if (result.isOverflow() || chars.position() > buffer.length / 2) {
        break;
      }
      if (inputEnded) {
        decoder.flush(chars);
        drained = true;
        break;
      }
      bytes.compact();
      int read = in.read(bytes.array(), bytes.position(), bytes.remaining());
      if (read < 0) {
        inputEnded = true;
      } else {
        bytes.position(bytes.position() + read);
      }
      bytes.flip();
    }
    bufferPos = 0;
    bufferLen = chars.position();
    if (bufferLen == 0) {
      if (malformed) {
        throw fail(lineNumber + 1, "the input is not valid UTF-8");
      }
      endOfInput = true;
      return false;
    }
    return true;
  }

  private void append(int from, int to) {
    int count = to - from;
    if (count == 0) {
      return;
    }
    if (lineLen + count > line.length) {
      if (lineLen + count > MAX_LINE_CHARS) {
        throw new ApiException(FailureCodes.PAYLOAD_TOO_LARGE, where + " line " + (lineNumber + 1)
            + ": longer than " + MAX_LINE_CHARS + " characters");
      }
      line = Arrays.copyOf(line, Math.min(MAX_LINE_CHARS, Math.max(lineLen + count, line.length * 2)));
    }
    System.arraycopy(buffer, from, line, lineLen, count);
    lineLen += count;
  }

  private boolean isBlank() {
    for (int i = 0; i < lineLen; i++) {
      if (!isSpace(line[i])) {
        return false;
      }
    }
    return true;
  }

  /** Splits the current line at whitespace into {@code starts}/{@code ends}; returns the token count. */
  private int tokenize() {
    int count = 0;
    int i = 0;
    while (true) {
      while (i < lineLen && isSpace(line[i])) {
        i++;
      }
      if (i >= lineLen) {
        return count;
      }
      int start = i;
      while (i < lineLen && !isSpace(line[i])) {
        i++;
      }
      if (count == starts.length) {
        starts = Arrays.copyOf(starts, count * 2);
        ends = Arrays.copyOf(ends, count * 2);
      }
      starts[count] = start;
      ends[count] = i;
      count++;
    }
  }

  private static List<String> splitTokens(String value) {
    List<String> tokens = new ArrayList<>();
    int i = 0;
    int length = value.length();
    while (true) {
      while (i < length && isSpace(value.charAt(i))) {
        i++;
      }
      if (i >= length) {
        return tokens;
      }
      int start = i;
      while (i < length && !isSpace(value.charAt(i))) {
        i++;
      }
      tokens.add(value.substring(start, i));
    }
  }

  static boolean isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\f' || c == '\u000B' || c == '\n' || c == '\r';
  }

  // ---- values ------------------------------------------------------------------------------------

  private static boolean isInteger(String token) {
    return isInteger(token.toCharArray(), 0, token.length());
  }

  private static boolean isInteger(char[] text, int from, int to) {
    if (from < to && (text[from] == '-' || text[from] == '+')) {
      from++;
    }
    if (from >= to) {
      return false;
    }
    for (int i = from; i < to; i++) {
      if (text[i] < '0' || text[i] > '9') {
        return false;
      }
    }
    return true;
  }

  /** A real number, or null when the token is not one. */
  static Double parseReal(String token) {
    char[] text = token.toCharArray();
    double value = parseReal(text, 0, text.length);
    if (value != value && !isNan(text, 0, text.length)) {
      return null;
    }
    return value;
  }

  /**
   * Parses a decimal number (optional sign, digits with an optional point, optional e/E/d/D
   * exponent) or nan/inf/infinity in any case; a non-number gives a NaN that {@link #isNan} rejects.
   * Numbers of at most 15 significant digits and a small exponent are computed directly (one
   * correctly rounded multiplication or division of exact values, so the same double as
   * {@link Double#parseDouble}); the rest go through {@link Double#parseDouble}.
   */
  private static double parseReal(char[] text, int from, int to) {
    int i = from;
    boolean negative = false;
    if (i < to && (text[i] == '-' || text[i] == '+')) {
      negative = text[i] == '-';
      i++;
    }
    int mantissaStart = i;
    int digits = 0;
    int significant = 0;
    int fractionDigits = 0;
    long mantissa = 0;
    while (i < to && text[i] >= '0' && text[i] <= '9') {
      if (significant > 0 || text[i] != '0') {
        significant++;
        if (significant <= 18) {
          mantissa = mantissa * 10 + (text[i] - '0');
        }
      }
      i++;
      digits++;
    }
    if (i < to && text[i] == '.') {
      i++;
      while (i < to && text[i] >= '0' && text[i] <= '9') {
        if (significant > 0 || text[i] != '0') {
          significant++;
          if (significant <= 18) {
            mantissa = mantissa * 10 + (text[i] - '0');
          }
        }
        fractionDigits++;
        i++;
        digits++;
      }
    }
    if (digits == 0) {
      if (mantissaStart < to && isSpecial(text, mantissaStart, to, "nan")) {
        return Double.NaN;
      }
      if (isSpecial(text, mantissaStart, to, "inf") || isSpecial(text, mantissaStart, to, "infinity")) {
        return negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
      }
      return Double.NaN;
    }
    int exponentAt = -1;
    long exponent = 0;
    if (i < to && (text[i] == 'e' || text[i] == 'E' || text[i] == 'd' || text[i] == 'D')) {
      exponentAt = i;
      i++;
      boolean negativeExponent = false;
      if (i < to && (text[i] == '-' || text[i] == '+')) {
        negativeExponent = text[i] == '-';
        i++;
      }
      int exponentDigits = 0;
      while (i < to && text[i] >= '0' && text[i] <= '9') {
        if (exponent < 100_000) {
          exponent = exponent * 10 + (text[i] - '0');
        }
        i++;
        exponentDigits++;
      }
      if (exponentDigits == 0) {
        return Double.NaN;
      }
      if (negativeExponent) {
        exponent = -exponent;
      }
    }
    if (i != to) {
      return Double.NaN;
    }
    if (significant == 0) {
      return negative ? -0.0 : 0.0;
    }
    long scale = exponent - fractionDigits;
    if (significant <= 15 && scale >= -22 && scale <= 22) {
      double value = scale >= 0 ? mantissa * POWERS_OF_TEN[(int) scale] : mantissa / POWERS_OF_TEN[(int) -scale];
      return negative ? -value : value;
    }
    if (exponentAt < 0 || text[exponentAt] == 'e' || text[exponentAt] == 'E') {
      return Double.parseDouble(new String(text, from, to - from));
    }
    char[] copy = Arrays.copyOfRange(text, from, to);
    copy[exponentAt - from] = 'e';
    return Double.parseDouble(new String(copy));
  }

  /** 10^0 … 10^22, all exact doubles. */
  private static final double[] POWERS_OF_TEN = new double[23];

  static {
    double power = 1;
    for (int k = 0; k < POWERS_OF_TEN.length; k++) {
      POWERS_OF_TEN[k] = power;
      power *= 10;
    }
  }

  /** Whether the token is a NaN literal (so a NaN result is a value, not a failure). */
  private static boolean isNan(char[] text, int from, int to) {
    if (from < to && (text[from] == '-' || text[from] == '+')) {
      from++;
    }
    return isSpecial(text, from, to, "nan");
  }

  private static boolean isSpecial(char[] text, int from, int to, String word) {
    if (to - from != word.length()) {
      return false;
    }
    for (int k = 0; k < word.length(); k++) {
      if (Character.toLowerCase(text[from + k]) != word.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  static Boolean parseLogical(String token) {
    return switch (token) {
      case "T", "True", "true", "TRUE" -> Boolean.TRUE;
      case "F", "False", "false", "FALSE" -> Boolean.FALSE;
      default -> null;
    };
  }

  private static String shown(String text) {
    return text.length() <= SHOWN_TOKEN_CHARS ? text : text.substring(0, SHOWN_TOKEN_CHARS) + "…";
  }

  private ApiException fail(long at, String what) {
    return new ApiException(FailureCodes.UNPROCESSABLE, where + " line " + at + ": " + what);
  }
}
