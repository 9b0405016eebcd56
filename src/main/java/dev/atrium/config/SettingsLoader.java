package dev.atrium.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Layers the configuration once: classpath defaults → per-mode defaults → conf file →
 * environment → command-line flags, remembering where each value came from, and validates every
 * value into its type. Nothing else in Atrium reads the environment or a configuration file.
 */
public final class SettingsLoader {

  /** Environment variable naming the conf file when {@code --conf} is not given. */
  public static final String CONF_ENV = "ATRIUM_CONF";

  private static final ObjectMapper JSON = JsonMapper.builder()
      .enable(JsonReadFeature.ALLOW_JAVA_COMMENTS)
      .enable(JsonReadFeature.ALLOW_TRAILING_COMMA)
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .build();

  private final Map<String, String> env;
  private final Path workingDir;

  /**
   * @param env the process environment (tests pass their own)
   * @param workingDir where {@code conf/atrium.json} is looked for
   */
  public SettingsLoader(Map<String, String> env, Path workingDir) {
    this.env = Map.copyOf(env);
    this.workingDir = workingDir;
  }

  /** A loader over the real environment and working directory. */
  public static SettingsLoader fromProcess() {
    return new SettingsLoader(System.getenv(), Path.of("").toAbsolutePath());
  }

  /**
   * Resolves every setting.
   *
   * @param confFlag the {@code --conf} file, or null
   * @param flags values given as command-line flags, with the flag's name for provenance
   * @throws ConfigException naming the first invalid setting
   */
  public ResolvedConfig load(Path confFlag, Map<Setting, FlagValue> flags) {
    Map<Setting, Object> defaults = readSettingsObject(readClasspath("defaults.json"), "defaults.json");
    JsonNode modes = readClasspath("modes.json");
    ConfFile confFile = locateConfFile(confFlag);
    Map<Setting, Object> fromFile = confFile.exists()
        ? readSettingsObject(readFile(confFile.path()), confFile.path().toString())
        : Map.of();

    Map<Setting, Resolved> resolved = new EnumMap<>(Setting.class);
    defaults.forEach((setting, raw) -> resolved.put(setting, new Resolved(raw, Source.DEFAULT)));
    Map<Setting, Resolved> upper = new EnumMap<>(Setting.class);
    fromFile.forEach((setting, raw) -> {
      if (raw != null) {
        upper.put(setting, new Resolved(raw, new Source(Source.Layer.FILE, confFile.path().toString())));
      }
    });
    for (Setting setting : Setting.values()) {
      String value = env.get(setting.env());
      if (value != null && !value.isBlank()) {
        upper.put(setting, new Resolved(value, new Source(Source.Layer.ENV, setting.env())));
      }
    }
    flags.forEach((setting, flag) ->
        upper.put(setting, new Resolved(flag.value(), new Source(Source.Layer.FLAG, flag.flag()))));

    ModeChoice modeChoice = chooseMode(upper);
    JsonNode modeNode = modes.path(modeChoice.mode().id());
    Map<Setting, Object> modeDefaults = readSettingsObject(modeNode.path("settings"), "modes.json");
    Source modeSource = new Source(Source.Layer.MODE_DEFAULT, modeChoice.mode().id());
    modeDefaults.forEach((setting, raw) -> resolved.put(setting, new Resolved(raw, modeSource)));
    resolved.putAll(upper);
    resolved.put(Setting.MODE, new Resolved(modeChoice.mode().id(), modeChoice.source()));

    Map<Setting, ResolvedConfig.Value> typed = new EnumMap<>(Setting.class);
    for (Setting setting : Setting.values()) {
      Resolved r = resolved.getOrDefault(setting, new Resolved(null, Source.DEFAULT));
      typed.put(setting, new ResolvedConfig.Value(parse(setting, r), r.source()));
    }
    List<String> required = new ArrayList<>();
    modeNode.path("required").forEach(node -> required.add(node.asText()));
    Object builtInPassword = defaults.get(Setting.ADMIN_PASSWORD);
    return new ResolvedConfig(modeChoice.mode(), modeChoice.reason(), confFile, typed,
        List.copyOf(required), builtInPassword == null ? null : builtInPassword.toString(), env);
  }

  /** The conf file {@code config init} writes and the last place one is looked for. */
  public Path userConfigPath() {
    String xdg = env.get("XDG_CONFIG_HOME");
    Path base = xdg != null && !xdg.isBlank()
        ? Path.of(xdg)
        : Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".config");
    return base.resolve("atrium").resolve("atrium.json");
  }

  /**
   * Finds the conf file: {@code --conf}, else {@code ATRIUM_CONF}, else {@code conf/atrium.json}
   * in the working directory, else the user config path. A file named explicitly must exist.
   */
  public ConfFile locateConfFile(Path confFlag) {
    if (confFlag != null) {
      return explicit(confFlag, "flag --conf");
    }
    String fromEnv = env.get(CONF_ENV);
    if (fromEnv != null && !fromEnv.isBlank()) {
      return explicit(Path.of(fromEnv), "environment " + CONF_ENV);
    }
    Path local = workingDir.resolve("conf").resolve("atrium.json");
    if (Files.isRegularFile(local)) {
      return new ConfFile(local, "conf/atrium.json in the working directory", true);
    }
    Path user = userConfigPath();
    return new ConfFile(user, "user config path", Files.isRegularFile(user));
  }

  private static ConfFile explicit(Path path, String how) {
    if (!Files.isRegularFile(path)) {
      throw new ConfigException("conf file " + path + " (from " + how + ") does not exist");
    }
    return new ConfFile(path, how, true);
  }

  private ModeChoice chooseMode(Map<Setting, Resolved> upper) {
    Resolved named = upper.get(Setting.MODE);
    if (named != null && named.raw() != null) {
      Mode mode = (Mode) parse(Setting.MODE, named);
      return new ModeChoice(mode, named.source(), "set by " + named.source());
    }
    String redis = text(upper.get(Setting.REDIS_URL));
    String bucket = text(upper.get(Setting.GCS_BUCKET));
    String reason = Mode.detectionReason(redis, bucket);
    return new ModeChoice(Mode.detect(redis, bucket), new Source(Source.Layer.DEFAULT, "auto"), reason);
  }

  private static String text(Resolved resolved) {
    return resolved == null || resolved.raw() == null ? null : resolved.raw().toString();
  }

  private static Object parse(Setting setting, Resolved resolved) {
    try {
      return setting.kind().parse(resolved.raw());
    } catch (IllegalArgumentException e) {
      String shown = setting.kind().secret() ? "****"
          : "'" + String.valueOf(resolved.raw()).replaceAll("(?<=//)([^/@:]*):[^/@]*@", "$1:****@") + "'";
      throw new ConfigException("invalid setting " + setting.key() + " (" + setting.env() + ") = "
          + shown + " from " + resolved.source() + ": " + e.getMessage());
    }
  }

  private static Map<Setting, Object> readSettingsObject(JsonNode node, String origin) {
    Map<Setting, Object> out = new LinkedHashMap<>();
    if (node.isMissingNode() || node.isNull()) {
      return out;
    }
    if (!node.isObject()) {
      throw new ConfigException(origin + " must hold a JSON object of settings");
    }
    flatten("", node, out, origin);
    return out;
  }

  private static void flatten(String prefix, JsonNode node, Map<Setting, Object> out, String origin) {
    Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      String key = prefix + field.getKey();
      JsonNode value = field.getValue();
      Setting setting = Setting.byKey(key);
      if (setting == null && value.isObject()) {
        flatten(key + ".", value, out, origin);
      } else if (setting == null) {
        throw new ConfigException("unknown setting '" + key + "' in " + origin
            + " (run 'atrium config show' for the list)");
      } else {
        out.put(setting, toRaw(value));
      }
    }
  }

  private static Object toRaw(JsonNode value) {
    if (value.isNull()) {
      return null;
    }
    if (value.isArray()) {
      List<String> items = new ArrayList<>();
      value.forEach(item -> items.add(item.asText()));
      return items;
    }
    if (value.isBoolean()) {
      return value.booleanValue();
    }
    return value.isNumber() ? value.numberValue() : value.asText();
  }

  private static JsonNode readClasspath(String name) {
    try (InputStream in = SettingsLoader.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("packaged " + name + " is missing from the classpath");
      }
      return JSON.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException("packaged " + name + " is unreadable", e);
    }
  }

  private static JsonNode readFile(Path path) {
    try {
      return JSON.readTree(path.toFile());
    } catch (IOException e) {
      String reason = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
      throw new ConfigException("conf file " + path + " is not valid JSON: " + reason);
    }
  }

  /**
   * A value given as a command-line flag.
   *
   * @param value the raw value
   * @param flag the flag as typed, e.g. {@code --port}
   */
  public record FlagValue(Object value, String flag) {
  }

  /**
   * The conf file in effect.
   *
   * @param path where it is (or would be)
   * @param how why this path was chosen
   * @param exists whether it exists and was read
   */
  public record ConfFile(Path path, String how, boolean exists) {
  }

  private record Resolved(Object raw, Source source) {
  }

  private record ModeChoice(Mode mode, Source source, String reason) {
  }
}
