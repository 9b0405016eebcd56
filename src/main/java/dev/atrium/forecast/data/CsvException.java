package dev.atrium.forecast.data;

import dev.atrium.bus.FailureCodes;
import dev.atrium.web.ApiException;

/**
 * A CSV file Atrium cannot use (400). The message says what and where; the place is also kept
 * apart for callers that show it another way (the {@code atrium model} command, tests).
 */
public final class CsvException extends ApiException {

  private final int row;
  private final int line;
  private final String column;

  /** A refusal that concerns the whole file. */
  public CsvException(String message) {
    this(message, 0, 0, null);
  }

  /**
   * @param message what was wrong and where
   * @param row 1-based data row, 0 when no data row is concerned
   * @param line 1-based line of the file, 0 when unknown or not concerned
   * @param column the column's header name, or null
   */
  public CsvException(String message, int row, int line, String column) {
    super(FailureCodes.BAD_REQUEST, message);
    this.row = row;
    this.line = line;
    this.column = column;
  }

  /** The 1-based data row (the header is not one), 0 when none. */
  public int row() {
    return row;
  }

  /** The 1-based line of the file, 0 when unknown. */
  public int line() {
    return line;
  }

  /** The column's header name, or null. */
  public String column() {
    return column;
  }
}
