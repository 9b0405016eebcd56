package dev.atrium.boot;

/** Startup cannot go on; the message is the one line the operator reads. */
public final class StartupException extends RuntimeException {

  /** @param message names the setting or service and the cause */
  public StartupException(String message) {
    super(message, null, false, false);
  }
}
