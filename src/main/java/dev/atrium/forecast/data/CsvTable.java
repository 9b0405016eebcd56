package dev.atrium.forecast.data;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.csv.CsvFactory;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import dev.atrium.frames.Field;
import java.io.CharConversionException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns an uploaded CSV file into a {@link Dataset}. The rules, each refusal a
 * {@link CsvException} (400) naming what and where:
 * <ul>
 *   <li>UTF-8 text (a byte-order mark is ignored), RFC 4180 quoting, LF or CRLF line ends; empty
 *       lines are skipped; spaces around unquoted cells are trimmed;</li>
 *   <li>a header row of unique, non-blank names, then at least one data row, each with exactly as
 *       many cells as the header;</li>
 *   <li>at most one timestamp column, recognised by its name ({@code timestamp}, {@code time},
 *       {@code date} or {@code datetime}, any case), kept as text, cells not empty;</li>
 *   <li>every other column numeric: each cell a finite decimal number ({@code 12}, {@code -0.5},
 *       {@code 1.5e-3}); empty cells, {@code NaN}, {@code Infinity} and overflowing values are refused;
 *       at least one such column.</li>
 * </ul>
 * Rows are counted as data rows from 1 (the header is not a data row); messages also give the
 * file line, which differs when the header, skipped empty lines or quoted line breaks come before.
 */
public final class CsvTable {

  /** Header names that make a column the timestamp column (compared case-insensitively). */
  public static final Set<String> TIMESTAMP_NAMES = Set.of("timestamp", "time", "date", "datetime");

  private static final Pattern DECIMAL = Pattern.compile("[+-]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?");
  private static final int SHOWN_CELL_CHARS = 40;
  private static final CsvFactory FACTORY = CsvFactory.builder()
      .enable(CsvParser.Feature.SKIP_EMPTY_LINES)
      .enable(CsvParser.Feature.TRIM_SPACES)
      .build();

  private CsvTable() {
  }

  /** Parses a CSV file; the dataset's hash is the sha256 of exactly these bytes. */
  public static Dataset parse(byte[] bytes) {
    if (bytes == null || bytes.length == 0) {
      throw new CsvException("the CSV body is empty: a header row and at least one data row are required");
    }
    return new Reader(bytes).read();
  }

  /**
   * The index in {@link Dataset#columns()} of the numeric column named {@code name}; a 400
   * {@link CsvException} naming the columns when there is none.
   */
  public static int column(Dataset dataset, String name) {
    int index = dataset.columnIndex(name);
    if (index >= 0) {
      return index;
    }
    if (name != null && name.equals(dataset.timestampColumn())) {
      throw new CsvException("column '" + name + "' is the timestamp column, not a numeric one; numeric columns are "
          + dataset.columns(), 0, 0, name);
    }
    throw new CsvException("unknown column '" + name + "'; columns are " + dataset.columns(), 0, 0, name);
  }

  /** One pass over one file. */
  private static final class Reader {
    private final byte[] bytes;
    private String[] header;
    private int timestampAt = -1;
    private int[] numericAt;
    private Column[] numeric;
    private List<String> timestamps;
    private int rows;

    Reader(byte[] bytes) {
      this.bytes = bytes;
    }

    Dataset read() {
      int offset = hasBom(bytes) ? 3 : 0;
      try (CsvParser parser = FACTORY.createParser(bytes, offset, bytes.length - offset)) {
        List<String> cells = new ArrayList<>();
        int line;
        while ((line = nextRow(parser, cells)) > 0) {
          if (header == null) {
            header(cells, line);
          } else {
            row(cells, line);
          }
        }
      } catch (CharConversionException e) {
        throw new CsvException("the CSV body is not UTF-8 text (" + e.getMessage() + ")");
      } catch (IOException e) {
        throw malformed(e);
      }
      if (header == null) {
        throw new CsvException("the CSV body is empty: a header row and at least one data row are required");
      }
      if (rows == 0) {
        throw new CsvException("the CSV has a header row but no data rows", 0, 1, null);
      }
      return build();
    }

    /** Reads one row's cells into {@code cells}; its first line number, or 0 at the end. */
    private static int nextRow(CsvParser parser, List<String> cells) throws IOException {
      cells.clear();
      JsonToken token = parser.nextToken();
      if (token == null) {
        return 0;
      }
      if (token != JsonToken.START_ARRAY) {
        throw new IOException("unexpected " + token + " at the start of a row");
      }
      // the row's own token carries no location; its first cell's does
      int line = 0;
      while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
        if (token == null) {
          throw new IOException("the file ends inside a row");
        }
        if (cells.isEmpty()) {
          line = parser.currentTokenLocation().getLineNr();
        }
        cells.add(parser.getText());
      }
      return Math.max(line, 1);
    }

    private void header(List<String> cells, int line) {
      header = cells.toArray(String[]::new);
      Set<String> seen = new LinkedHashSet<>();
      List<Integer> numericColumns = new ArrayList<>();
      for (int i = 0; i < header.length; i++) {
        String name = header[i].strip();
        header[i] = name;
        if (name.isEmpty()) {
          throw new CsvException("header (line " + line + "): column " + (i + 1) + " has a blank name", 0, line, null);
        }
        if (!seen.add(name)) {
          throw new CsvException("header (line " + line + "): column name '" + shown(name) + "' appears twice", 0,
              line, name);
        }
        if (TIMESTAMP_NAMES.contains(name.toLowerCase(Locale.ROOT))) {
          if (timestampAt >= 0) {
            throw new CsvException("header (line " + line + "): two timestamp columns, '" + header[timestampAt]
                + "' and '" + name + "'; keep one (timestamp, time, date or datetime)", 0, line, name);
          }
          timestampAt = i;
        } else {
          numericColumns.add(i);
        }
      }
      if (numericColumns.isEmpty()) {
        throw new CsvException("header (line " + line + "): no numeric column; the columns are "
            + Arrays.toString(header) + " and only a timestamp column was found", 0, line, null);
      }
      numericAt = numericColumns.stream().mapToInt(Integer::intValue).toArray();
      numeric = new Column[numericAt.length];
      for (int c = 0; c < numeric.length; c++) {
        numeric[c] = new Column();
      }
      timestamps = timestampAt >= 0 ? new ArrayList<>() : null;
    }

    private void row(List<String> cells, int line) {
      int row = rows + 1;
      if (cells.size() != header.length) {
        throw new CsvException(where(row, line) + " has " + cells.size() + (cells.size() == 1 ? " cell" : " cells")
            + ", the header has " + header.length, row, line, null);
      }
      for (int c = 0; c < numericAt.length; c++) {
        numeric[c].add(number(cells.get(numericAt[c]), row, line, header[numericAt[c]]));
      }
      if (timestampAt >= 0) {
        String stamp = cells.get(timestampAt);
        if (stamp.isBlank()) {
          throw new CsvException(where(row, line) + ", column '" + header[timestampAt] + "': the timestamp is empty",
              row, line, header[timestampAt]);
        }
        timestamps.add(stamp);
      }
      rows = row;
    }

    private static double number(String cell, int row, int line, String column) {
      String text = cell.strip();
      if (text.isEmpty()) {
        throw bad("the cell is empty; every cell of a numeric column needs a number", row, line, column);
      }
      if (!DECIMAL.matcher(text).matches()) {
        throw bad("'" + shown(text) + "' is not a number", row, line, column);
      }
      double value = Double.parseDouble(text);
      if (Double.isInfinite(value)) {
        throw bad("'" + shown(text) + "' is out of the range of a double", row, line, column);
      }
      return value;
    }

    /** A refused cell; the message is built only then, not for every cell read. */
    private static CsvException bad(String why, int row, int line, String column) {
      return new CsvException(where(row, line) + ", column '" + column + "': " + why, row, line, column);
    }

    private Dataset build() {
      List<String> columns = new ArrayList<>(numericAt.length);
      double[][] values = new double[numericAt.length][];
      List<Scaler> scalers = new ArrayList<>(numericAt.length);
      for (int c = 0; c < numericAt.length; c++) {
        columns.add(header[numericAt[c]]);
        values[c] = numeric[c].toArray();
        scalers.add(Scaler.fit(values[c]));
      }
      return new Dataset(Field.sha256Hex(bytes), List.copyOf(columns), values,
          timestampAt >= 0 ? header[timestampAt] : null,
          timestamps == null ? null : List.copyOf(timestamps), List.copyOf(scalers), bytes.length);
    }

    private CsvException malformed(IOException e) {
      JsonLocation location = e instanceof com.fasterxml.jackson.core.JacksonException jackson
          ? jackson.getLocation() : null;
      String reason = e instanceof com.fasterxml.jackson.core.JacksonException jackson
          ? jackson.getOriginalMessage() : e.getMessage();
      int line = location == null ? 0 : location.getLineNr();
      int row = header == null ? 0 : rows + 1;
      // the parser reports where it gave up: for an unclosed quote that is the end of the file
      String at = (header == null ? "header" : "data row " + row) + (line > 0 ? ", near line " + line : "");
      return new CsvException(at + ": malformed CSV (" + reason + ")", row, Math.max(line, 0), null);
    }
  }

  private static String where(int row, int line) {
    return "data row " + row + " (line " + line + ")";
  }

  private static boolean hasBom(byte[] bytes) {
    return bytes.length >= 3 && (bytes[0] & 0xFF) == 0xEF && (bytes[1] & 0xFF) == 0xBB && (bytes[2] & 0xFF) == 0xBF;
  }

  private static String shown(String text) {
    return text.length() <= SHOWN_CELL_CHARS ? text : text.substring(0, SHOWN_CELL_CHARS) + "…";
  }

  /** A growable column of doubles: no boxing on files of a million rows. */
  private static final class Column {
    private double[] values = new double[1024];
    private int size;

    void add(double value) {
      if (size == values.length) {
        values = Arrays.copyOf(values, values.length * 2);
      }
      values[size++] = value;
    }

    double[] toArray() {
      return Arrays.copyOf(values, size);
    }
  }
}
