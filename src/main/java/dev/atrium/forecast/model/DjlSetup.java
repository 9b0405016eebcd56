package dev.atrium.forecast.model;

/**
 * What DJL must know before its first class loads: it runs offline, so the PyTorch native
 * library comes from the {@code pytorch-native-cpu} jar on the class path and nothing is ever
 * downloaded (offline mode also stops DJL's telemetry probe). {@code boot.Main} sets the same
 * property first thing; this covers other entry points (tests, benchmarks, embedding).
 */
public final class DjlSetup {

  /** The system property DJL reads. */
  public static final String OFFLINE = "ai.djl.offline";

  private DjlSetup() {
  }

  /** Sets {@code ai.djl.offline=true}. */
  public static void offline() {
    System.setProperty(OFFLINE, "true");
  }
}
