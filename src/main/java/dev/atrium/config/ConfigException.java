package dev.atrium.config;

/** A configuration Atrium refuses to start with; the message is one line naming the setting. */
public final class ConfigException extends RuntimeException {

  /** @param message one line that names the setting, its value where safe, and what is wrong */
  public ConfigException(String message) {
    super(message);
  }
}
