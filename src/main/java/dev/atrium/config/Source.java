package dev.atrium.config;

/**
 * Where a setting's effective value came from, lowest layer first.
 *
 * @param layer the layer
 * @param detail the file path, variable or flag; empty for defaults
 */
public record Source(Layer layer, String detail) {

  /** The configuration layers, in order of precedence (later wins). */
  public enum Layer { DEFAULT, MODE_DEFAULT, FILE, ENV, FLAG }

  static final Source DEFAULT = new Source(Layer.DEFAULT, "");

  @Override
  public String toString() {
    return switch (layer) {
      case DEFAULT -> "default";
      case MODE_DEFAULT -> "mode default (" + detail + ")";
      case FILE -> "conf file " + detail;
      case ENV -> "environment " + detail;
      case FLAG -> "flag " + detail;
    };
  }
}
