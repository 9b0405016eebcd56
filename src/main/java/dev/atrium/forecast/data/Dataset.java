package dev.atrium.forecast.data;

import java.util.List;
import java.util.Map;

/**
 * A parsed CSV time series: numeric columns (column-major), an optional timestamp column kept as
 * text, and a scaler fitted per numeric column. Immutable once built; the arrays are never
 * handed out for writing.
 *
 * @param hash lower-case hex sha256 of the uploaded bytes (the key)
 * @param columns numeric column names in file order
 * @param values {@code values[c][row]} for numeric column {@code c}
 * @param timestampColumn the timestamp column's name, or null when the file has none
 * @param timestamps the timestamp cells in row order, or null when the file has none
 * @param scalers one scaler per numeric column, in column order
 * @param bytes size of the uploaded CSV in bytes
 */
public record Dataset(String hash, List<String> columns, double[][] values, String timestampColumn,
    List<String> timestamps, List<Scaler> scalers, long bytes) {

  /** Number of rows (time points). */
  public int rows() {
    return values.length == 0 ? 0 : values[0].length;
  }

  /** The index of a numeric column, or -1. */
  public int columnIndex(String name) {
    return columns.indexOf(name);
  }

  /** The column forecasts are made for: the first numeric column (see {@link #withTarget}). */
  public int targetIndex() {
    return 0;
  }

  /**
   * The same dataset with numeric column {@code column} first, so that it is the forecast target;
   * the other columns follow in file order. The arrays are shared, not copied.
   */
  public Dataset withTarget(int column) {
    if (column == 0) {
      return this;
    }
    List<String> names = new java.util.ArrayList<>(columns);
    List<Scaler> fitted = new java.util.ArrayList<>(scalers);
    double[][] reordered = new double[values.length][];
    reordered[0] = values[column];
    names.add(0, names.remove(column));
    fitted.add(0, fitted.remove(column));
    for (int c = 0, to = 1; c < values.length; c++) {
      if (c != column) {
        reordered[to++] = values[c];
      }
    }
    return new Dataset(hash, List.copyOf(names), reordered, timestampColumn, timestamps, List.copyOf(fitted), bytes);
  }

  /** A short description for replies: {@code {hash, rows, columns}} as a map. */
  public Map<String, Object> summary() {
    return Map.of("hash", hash, "rows", rows(), "columns", columns);
  }

  /** Approximate heap bytes held, for bounded caches. */
  public long weight() {
    long cells = (long) columns.size() * rows();
    long text = timestamps == null ? 0 : timestamps.size() * 48L;
    return cells * Double.BYTES + text + 256;
  }
}
