package dev.atrium.forecast;

/**
 * What a forecast is for: one point of one dataset. Two requests with the same key share one
 * computation and one cached result.
 *
 * @param dataset the series: the dataset's hash, or {@code <hash>/<column>} for another target
 *     column ({@link Series})
 * @param index the row the forecast starts after (the window ends at this row)
 */
public record TaskKey(String dataset, int index) {

  @Override
  public String toString() {
    return dataset + "#" + index;
  }
}
