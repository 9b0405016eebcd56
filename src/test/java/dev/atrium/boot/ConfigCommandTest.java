package dev.atrium.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.atrium.config.ResolvedConfig;
import dev.atrium.config.Setting;
import dev.atrium.config.SettingsLoader;
import dev.atrium.config.Source;
import dev.atrium.testing.AtriumProcess;
import dev.atrium.testing.AtriumProcess.ProcessResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The configuration commands as an operator runs them: each in its own JVM, with a clean
 * environment whose HOME and XDG_CONFIG_HOME point into a temporary directory.
 */
@DisplayName("The atrium config and version commands, run as separate processes")
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ConfigCommandTest {

  private static final Duration LIMIT = Duration.ofSeconds(60);
  private static final String JWT_SECRET = "k9Vd2LwQ8rT5mXz1Bn7Hc4Jp6Sf3Gy0Ae8Ru2Wq5";
  private static final String REDIS_PASSWORD = "s3cret";

  @TempDir
  Path tmp;

  private Map<String, String> isolatedEnv() throws IOException {
    Map<String, String> env = new HashMap<>();
    env.put("HOME", Files.createDirectories(tmp.resolve("home")).toString());
    env.put("XDG_CONFIG_HOME", tmp.resolve("xdg").toString());
    return env;
  }

  @Test
  @DisplayName("config show --json reports each value and where it came from (flag, environment, conf file, mode default, default), secrets masked")
  void showJson() throws IOException {
    assertThat(JWT_SECRET).hasSize(40);
    Path file = Files.writeString(tmp.resolve("atrium.json"),
        "// test configuration\n{\n  \"diskCache.maxSize\": \"3GB\", // overrides the mode default\n}\n");
    Map<String, String> env = isolatedEnv();
    env.put("ATRIUM_MEMORY_CACHE", "1GB");
    env.put("REDIS_URL", "redis://user:" + REDIS_PASSWORD + "@127.0.0.1:6379");
    env.put("ATRIUM_JWT_SECRET", JWT_SECRET);

    ProcessResult result = AtriumProcess.run(LIMIT, env,
        "config", "show", "--json", "--port", "9100", "--conf", file.toString());

    assertThat(result.exitCode()).as(result.output()).isZero();
    JsonNode root = jsonObject(result.lines());
    assertThat(root.path("mode").asText()).isEqualTo("local");
    assertThat(root.path("modeReason").asText()).isEqualTo("auto-detected: REDIS_URL without GCS_BUCKET_NAME");
    assertThat(root.path("confFile").asText()).isEqualTo(file.toString());
    assertThat(root.path("confFileRead").asBoolean()).isTrue();

    Map<String, JsonNode> settings = new HashMap<>();
    root.path("settings").forEach(row -> settings.put(row.path("key").asText(), row));
    assertThat(settings.keySet()).as("one row per setting")
        .containsExactlyInAnyOrder(java.util.Arrays.stream(Setting.values()).map(Setting::key).toArray(String[]::new));
    for (Setting setting : Setting.values()) {
      assertThat(settings.get(setting.key()).path("env").asText()).as(setting.key()).isEqualTo(setting.env());
    }

    assertRow(settings, "http.port", "9100", "flag --port", "flag");
    assertRow(settings, "cache.memory", String.valueOf(1L << 30), "environment ATRIUM_MEMORY_CACHE", "env");
    assertRow(settings, "diskCache.maxSize", String.valueOf(3L << 30), "conf file " + file, "file");
    assertRow(settings, "http.host", "127.0.0.1", "mode default (local)", "mode_default");
    assertRow(settings, "mongo.database", "atrium", "default", "default");
    assertRow(settings, "mode", "local", "default", "default");
    assertRow(settings, "redis.url", "redis://user:****@127.0.0.1:6379", "environment REDIS_URL", "env");
    assertRow(settings, "auth.jwtSecret", "****", "environment ATRIUM_JWT_SECRET", "env");
    assertRow(settings, "auth.adminPassword", "****", "default", "default");
    assertThat(settings.get("mongo.uri").path("value").isNull()).as("unset shows as null").isTrue();

    assertThat(result.output())
        .doesNotContain(REDIS_PASSWORD)
        .doesNotContain(JWT_SECRET)
        .doesNotContain("atrium-admin");
  }

  @Test
  @DisplayName("config show with an invalid setting exits 2 with one line naming the setting, the variable and the value")
  void showInvalid() throws IOException {
    Map<String, String> env = isolatedEnv();
    env.put("ATRIUM_PORT", "70000");

    ProcessResult result = AtriumProcess.run(LIMIT, env, "config", "show", "--json");

    assertThat(result.exitCode()).as(result.output()).isEqualTo(Main.EXIT_CONFIG);
    assertThat(result.lines()).contains("atrium: invalid setting http.port (ATRIUM_PORT) = '70000'"
        + " from environment ATRIUM_PORT: must be a port between 1 and 65535");
    assertThat(result.lines()).as("no settings are printed").doesNotContain("{");
  }

  @Test
  @DisplayName("config init writes a commented starter file that sets nothing, and a second init refuses to overwrite it")
  void initOnce() throws IOException {
    Map<String, String> env = isolatedEnv();
    Path expected = tmp.resolve("xdg/atrium/atrium.json");

    ProcessResult first = AtriumProcess.run(LIMIT, env, "config", "init");

    assertThat(first.exitCode()).as(first.output()).isZero();
    assertThat(first.lines()).contains("wrote " + expected);
    assertThat(expected).isRegularFile();
    String written = Files.readString(expected, StandardCharsets.UTF_8);
    for (Setting setting : Setting.values()) {
      assertThat(written).as("documents " + setting.key())
          .contains("\"" + setting.key() + "\"")
          .contains(setting.env());
    }

    // it is found at the user config path, parses as JSON with comments, and sets nothing
    Path emptyWorkDir = Files.createDirectories(tmp.resolve("work"));
    ResolvedConfig config = new SettingsLoader(env, emptyWorkDir).load(null, Map.of());
    assertThat(config.confFile().path()).isEqualTo(expected);
    assertThat(config.confFile().exists()).isTrue();
    for (Setting setting : Setting.values()) {
      assertThat(config.source(setting).layer()).as(setting.key()).isNotEqualTo(Source.Layer.FILE);
    }

    FileTime before = Files.getLastModifiedTime(expected);
    Files.setLastModifiedTime(expected, FileTime.fromMillis(before.toMillis() - 60_000));
    FileTime aged = Files.getLastModifiedTime(expected);

    ProcessResult second = AtriumProcess.run(LIMIT, env, "config", "init");

    assertThat(second.exitCode()).as(second.output()).isEqualTo(Main.EXIT_FAILURE);
    assertThat(second.output()).contains(expected + " already exists");
    assertThat(Files.readString(expected, StandardCharsets.UTF_8)).isEqualTo(written);
    assertThat(Files.getLastModifiedTime(expected)).isEqualTo(aged);
  }

  @Test
  @DisplayName("config path prints the user config path ($HOME/.config/atrium/atrium.json without XDG_CONFIG_HOME)")
  void path() throws IOException {
    Path home = Files.createDirectories(tmp.resolve("home"));
    ProcessResult result = AtriumProcess.run(LIMIT, Map.of("HOME", home.toString()), "config", "path");

    assertThat(result.exitCode()).as(result.output()).isZero();
    assertThat(result.lines()).contains("user config path: " + home.resolve(".config/atrium/atrium.json"));
  }

  @Test
  @DisplayName("version prints 'atrium 0.1.0'")
  void version() throws IOException {
    ProcessResult result = AtriumProcess.run(LIMIT, isolatedEnv(), "version");

    assertThat(result.exitCode()).as(result.output()).isZero();
    assertThat(result.lines()).anySatisfy(line -> assertThat(line).startsWith("atrium 0.1.0"));
  }

  private static void assertRow(Map<String, JsonNode> settings, String key, String value, String source,
      String layer) {
    JsonNode row = settings.get(key);
    assertThat(row).as(key).isNotNull();
    assertThat(row.path("value").asText()).as(key + " value").isEqualTo(value);
    assertThat(row.path("source").asText()).as(key + " source").isEqualTo(source);
    assertThat(row.path("layer").asText()).as(key + " layer").isEqualTo(layer);
  }

  /** The JSON object in the output: from the first line that is exactly "{" to the next line exactly "}". */
  private static JsonNode jsonObject(List<String> lines) throws IOException {
    int start = lines.indexOf("{");
    assertThat(start).as("a line '{' in:\n" + String.join("\n", lines)).isNotNegative();
    int end = lines.subList(start, lines.size()).indexOf("}");
    assertThat(end).as("a line '}' after the '{' in:\n" + String.join("\n", lines)).isPositive();
    return new ObjectMapper().readTree(String.join("\n", lines.subList(start, start + end + 1)));
  }
}
