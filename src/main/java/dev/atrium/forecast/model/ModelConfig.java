package dev.atrium.forecast.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.util.regex.Pattern;

/**
 * A model directory's {@code model.json}: the architecture, how the model was trained (from which
 * CSV, with which settings) and how well it did, and the name and sha256 of its parameters file.
 * Every field is required when reading; {@link #validate()} checks the values.
 *
 * @param format file format version, {@link #FORMAT}
 * @param name the model's name
 * @param window points of history the model reads
 * @param horizon points the model predicts
 * @param hidden units in each of the two hidden layers
 * @param dropout Monte-Carlo dropout probability, applied in training and at inference
 * @param target the training CSV column the model was trained on
 * @param trainingCsvSha256 lower-case hex sha256 of the training CSV's bytes
 * @param trainingRows rows of the training series
 * @param epochs training epochs
 * @param batchSize training batch size
 * @param learningRate Adam learning rate
 * @param seed the engine's random seed for initialization, shuffling and dropout
 * @param params the parameters file name, in the same directory
 * @param paramsSha256 lower-case hex sha256 of the parameters file
 * @param created when training finished (ISO-8601 instant)
 * @param trainingLoss L2 loss (½·MSE, scaled units) of the last epoch over the training windows
 * @param validationLoss L2 loss (½·MSE, scaled units) of one stochastic pass over the validation windows
 * @param validationMae mean absolute error, in the series' units, of the mean of {@code validationSamples}
 *     stochastic passes over the validation windows (every horizon step)
 * @param naiveMae the same error for the naive forecast that repeats the window's last value
 * @param validationWindows windows in the held-out tail
 * @param validationSamples stochastic passes averaged for {@code validationMae}
 */
public record ModelConfig(int format, String name, int window, int horizon, int hidden, float dropout,
    String target, String trainingCsvSha256, int trainingRows, int epochs, int batchSize, float learningRate,
    int seed, String params, String paramsSha256, String created, double trainingLoss, double validationLoss,
    double validationMae, double naiveMae, int validationWindows, int validationSamples) {

  /** The name of the config file in a model directory. */
  public static final String FILE = "model.json";
  /** The current {@link #format}. */
  public static final int FORMAT = 1;

  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
  private static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_CREATOR_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(SerializationFeature.INDENT_OUTPUT);

  /** Parses and validates {@code model.json}; the message of a failure says what is wrong. */
  public static ModelConfig parse(byte[] json) throws IOException {
    ModelConfig config = MAPPER.readValue(json, ModelConfig.class);
    config.validate();
    return config;
  }

  /** The config as pretty-printed JSON. */
  public String toJson() {
    try {
      return MAPPER.writeValueAsString(this) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("model config does not serialize", e);
    }
  }

  /** The architecture as one line. */
  public String architecture() {
    return ForecastNet.describe(window, hidden, dropout, horizon);
  }

  /**
   * Checks every value.
   *
   * @throws IllegalArgumentException naming the field and the value
   */
  public void validate() {
    if (format != FORMAT) {
      throw new IllegalArgumentException("format " + format + " is not supported (this version reads " + FORMAT + ")");
    }
    positive("window", window);
    positive("horizon", horizon);
    positive("hidden", hidden);
    if (!(dropout >= 0f && dropout < 1f)) {
      throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
    }
    if (name.isBlank()) {
      throw new IllegalArgumentException("name is empty");
    }
    if (!FILE_NAME.matcher(params).matches()) {
      throw new IllegalArgumentException("params must be a plain file name in the model directory, got '" + params + "'");
    }
    if (!SHA256.matcher(paramsSha256).matches()) {
      throw new IllegalArgumentException("paramsSha256 must be 64 lower-case hex digits, got '" + paramsSha256 + "'");
    }
  }

  private static void positive(String field, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(field + " must be at least 1, got " + value);
    }
  }
}
