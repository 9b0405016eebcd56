package dev.atrium.forecast;

/**
 * What the forecast pipeline forecasts: one numeric column of a dataset, named {@code <hash>} for
 * the dataset's first numeric column (the default target) or {@code <hash>/<column>} for another
 * one. Queues, shared computations, the process feed and the Result Cache are keyed by this name,
 * so two targets of one dataset are two series; a dataset's removal removes all of its series.
 */
public final class Series {

  private Series() {
  }

  /** The series of {@code column} of a dataset; the dataset's default target when null. */
  public static String of(String hash, String column) {
    return column == null ? hash : hash + "/" + column;
  }

  /** The dataset a series belongs to. */
  public static String hash(String series) {
    int slash = series.indexOf('/');
    return slash < 0 ? series : series.substring(0, slash);
  }

  /** The target column a series names, or null for the dataset's default target. */
  public static String column(String series) {
    int slash = series.indexOf('/');
    return slash < 0 ? null : series.substring(slash + 1);
  }
}
