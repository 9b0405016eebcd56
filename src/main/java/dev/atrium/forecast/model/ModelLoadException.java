package dev.atrium.forecast.model;

/**
 * A forecast model could not be loaded. The message always names the file (or directory) and the
 * cause, e.g. {@code model file /x/forecast-0040.params: sha256 mismatch (model.json says ab12…,
 * file is cd34…)}, so startup can print it as the one line that explains the exit.
 */
public final class ModelLoadException extends Exception {

  private static final long serialVersionUID = 1L;

  /** A failure with no underlying exception. */
  public ModelLoadException(String message) {
    super(message);
  }

  /** A failure caused by {@code cause}. */
  public ModelLoadException(String message, Throwable cause) {
    super(message, cause);
  }
}
