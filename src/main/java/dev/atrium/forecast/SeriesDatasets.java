package dev.atrium.forecast;

import dev.atrium.forecast.data.CsvTable;
import dev.atrium.forecast.data.Dataset;
import dev.atrium.forecast.data.Datasets;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * The Data Cache seen by series ({@link Series}): {@code get} answers the dataset with the
 * series' target column first (where the workers read it), an unknown column fails 400 naming
 * the columns; everything else is the dataset's.
 */
final class SeriesDatasets implements Datasets {

  private final Datasets datasets;

  SeriesDatasets(Datasets datasets) {
    this.datasets = datasets;
  }

  @Override
  public Future<Dataset> get(String series) {
    String column = Series.column(series);
    return datasets.get(Series.hash(series))
        .map(dataset -> column == null ? dataset : dataset.withTarget(CsvTable.column(dataset, column)));
  }

  @Override
  public Future<Boolean> exists(String series) {
    return datasets.exists(Series.hash(series));
  }

  @Override
  public Future<Void> progress(String series, JsonObject progress) {
    String column = Series.column(series);
    return datasets.progress(Series.hash(series), column == null ? progress : progress.put("target", column));
  }

  @Override
  public Future<Boolean> remove(String series) {
    return datasets.remove(Series.hash(series));
  }
}
