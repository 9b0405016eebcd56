package dev.atrium.boot;

import dev.atrium.config.Setting;
import dev.atrium.config.SettingsLoader.FlagValue;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The flags that feed the settings, shared by {@code serve} and {@code config show} so that
 * {@code config show} prints exactly what {@code serve} with the same flags would use.
 */
final class SettingsOptions {

  @Option(names = "--conf", paramLabel = "FILE", description = "Configuration file (JSON with comments).")
  Path conf;

  @Option(names = "--port", paramLabel = "N", description = "HTTP port.")
  String port;

  @Option(names = "--data-dir", paramLabel = "DIR", description = "Directory for local records and files.")
  String dataDir;

  @Option(names = "--cluster", description = "Join the Hazelcast cluster.")
  boolean cluster;

  Map<Setting, FlagValue> flags() {
    Map<Setting, FlagValue> flags = new EnumMap<>(Setting.class);
    if (port != null) {
      flags.put(Setting.HTTP_PORT, new FlagValue(port, "--port"));
    }
    if (dataDir != null) {
      flags.put(Setting.DATA_DIR, new FlagValue(dataDir, "--data-dir"));
    }
    if (cluster) {
      flags.put(Setting.CLUSTER_ENABLED, new FlagValue(true, "--cluster"));
    }
    return flags;
  }
}
