package dev.atrium.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A sealed-off place to load settings from: an environment map with {@code HOME} in a temporary
 * directory (so a developer's own {@code ~/.config/atrium/atrium.json} is never read) and an empty
 * working directory (so no {@code ./conf/atrium.json} is found).
 */
final class ConfigFixture {

  /** A secret long enough for every mode (40 bytes). */
  static final String GOOD_SECRET = "0123456789abcdefghij0123456789ABCDEFGHIJ";

  final Path root;
  final Path home;
  final Path workDir;
  final Map<String, String> env = new LinkedHashMap<>();

  ConfigFixture(Path root) {
    this.root = root;
    this.home = mkdirs(root.resolve("home"));
    this.workDir = mkdirs(root.resolve("work"));
    env.put("HOME", home.toString());
  }

  /** Adds environment variables given as name, value, name, value... */
  ConfigFixture env(String... pairs) {
    if (pairs.length % 2 != 0) {
      throw new IllegalArgumentException("name/value pairs expected");
    }
    for (int i = 0; i < pairs.length; i += 2) {
      env.put(pairs[i], pairs[i + 1]);
    }
    return this;
  }

  SettingsLoader loader() {
    return new SettingsLoader(env, workDir);
  }

  /** Loads with no --conf and no flags, as {@code serve} with no arguments would. */
  ResolvedConfig load() {
    return loader().load(null, Map.of());
  }

  /** Writes a file (creating its directory) and returns its path. */
  static Path write(Path file, String text) {
    try {
      Files.createDirectories(file.getParent());
      return Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path mkdirs(Path dir) {
    try {
      return Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
