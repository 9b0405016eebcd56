package dev.atrium.config;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Every setting's effective, typed value and where it came from; the input of {@code config show}
 * and of {@link #settings()}.
 */
public final class ResolvedConfig {

  /** Shortest HS256 secret accepted, in bytes. */
  public static final int MIN_SECRET_BYTES = 32;

  private final Mode mode;
  private final String modeReason;
  private final SettingsLoader.ConfFile confFile;
  private final Map<Setting, Value> values;
  private final List<String> requiredServices;
  private final String builtInAdminPassword;
  private final Map<String, String> env;

  ResolvedConfig(Mode mode, String modeReason, SettingsLoader.ConfFile confFile, Map<Setting, Value> values,
      List<String> requiredServices, String builtInAdminPassword, Map<String, String> env) {
    this.mode = mode;
    this.modeReason = modeReason;
    this.confFile = confFile;
    this.values = values;
    this.requiredServices = requiredServices;
    this.builtInAdminPassword = builtInAdminPassword;
    this.env = env;
  }

  /** The mode in effect. */
  public Mode mode() {
    return mode;
  }

  /** Why this mode: named by a layer, or how it was detected. */
  public String modeReason() {
    return modeReason;
  }

  /** The conf file that was read, or the path where one would be read. */
  public SettingsLoader.ConfFile confFile() {
    return confFile;
  }

  /** Services this mode refuses to start without. */
  public List<String> requiredServices() {
    return requiredServices;
  }

  /** A setting's typed value, or null when unset. */
  public Object value(Setting setting) {
    return values.get(setting).value();
  }

  /** Where a setting's value came from. */
  public Source source(Setting setting) {
    return values.get(setting).source();
  }

  /** A setting's value as shown to people: secrets and URL passwords masked, unset as "(unset)". */
  public String shown(Setting setting) {
    Object value = value(setting);
    if (value == null) {
      return "(unset)";
    }
    if (setting.kind().secret()) {
      return "****";
    }
    if (value instanceof String text && (setting == Setting.REDIS_URL || setting == Setting.MONGO_URI)) {
      return maskUserInfo(text);
    }
    if (value instanceof Duration duration) {
      return duration.toMillis() + "ms";
    }
    if (value instanceof List<?> list) {
      return String.join(",", list.stream().map(String::valueOf).toList());
    }
    return value instanceof Mode m ? m.id() : String.valueOf(value);
  }

  /**
   * Refuses a configuration the mode cannot run with: a required service not configured, a
   * missing or short signing secret outside local mode, or the built-in admin password in
   * production.
   *
   * @throws ConfigException one line naming the setting
   */
  public void checkStartable() {
    for (String service : requiredServices) {
      Setting setting = switch (service) {
        case "redis" -> Setting.REDIS_URL;
        case "mongo" -> Setting.MONGO_URI;
        case "gcs" -> Setting.GCS_BUCKET;
        default -> throw new IllegalStateException("modes.json names an unknown service: " + service);
      };
      if (value(setting) == null) {
        throw new ConfigException(setting.env() + " is required in " + mode.id() + " mode ("
            + setting.description() + ")");
      }
    }
    if (mode != Mode.LOCAL) {
      String secret = (String) value(Setting.JWT_SECRET);
      if (secret == null) {
        throw new ConfigException("ATRIUM_JWT_SECRET is required in " + mode.id()
            + " mode: set a random secret of at least " + MIN_SECRET_BYTES + " bytes");
      }
      if (secret.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
        throw new ConfigException("ATRIUM_JWT_SECRET is too short: use at least " + MIN_SECRET_BYTES + " bytes");
      }
    }
    if (mode == Mode.PRODUCTION && value(Setting.ADMIN_PASSWORD).equals(builtInAdminPassword)) {
      throw new ConfigException("ADMIN_PASSWORD still has its default value: production refuses to start with it");
    }
  }

  /** The typed settings; call after {@link #checkStartable()} when about to serve. */
  public Settings settings() {
    int instances = (Integer) value(Setting.HTTP_INSTANCES);
    HttpSettings http = new HttpSettings(
        (String) value(Setting.HTTP_HOST),
        (Integer) value(Setting.HTTP_PORT),
        instances == 0 ? Runtime.getRuntime().availableProcessors() : instances,
        (Long) value(Setting.HTTP_BODY_LIMIT),
        (Boolean) value(Setting.HTTP_COMPRESSION),
        stringList(Setting.ALLOWED_ORIGINS),
        (Duration) value(Setting.SHUTDOWN_GRACE));
    String clusterHost = (String) value(Setting.CLUSTER_HOST);
    String publicHost = (String) value(Setting.CLUSTER_PUBLIC_HOST);
    ClusterSettings cluster = new ClusterSettings(
        (Boolean) value(Setting.CLUSTER_ENABLED),
        value(Setting.CLUSTER_MEMBERS) == null ? null : stringList(Setting.CLUSTER_MEMBERS),
        clusterHost,
        publicHost == null ? clusterHost : publicHost,
        (Integer) value(Setting.CLUSTER_PORT),
        (Integer) value(Setting.EVENTBUS_PORT),
        (Path) value(Setting.CLUSTER_CONFIG));
    StoreSettings stores = new StoreSettings(dataDir(), (String) value(Setting.REDIS_URL),
        (String) value(Setting.MONGO_URI), (String) value(Setting.MONGO_DATABASE),
        (String) value(Setting.GCS_BUCKET));
    CacheSettings caches = new CacheSettings((Long) value(Setting.MEMORY_CACHE),
        (Boolean) value(Setting.DISK_CACHE_ENABLED), (Long) value(Setting.DISK_CACHE_MAX));
    SessionSettings sessions = new SessionSettings((Integer) value(Setting.MAX_SOCKETS),
        (Boolean) value(Setting.ENFORCE_LIMITS));
    AuthSettings auth = new AuthSettings((String) value(Setting.JWT_SECRET),
        (String) value(Setting.ADMIN_EMAIL), (String) value(Setting.ADMIN_PASSWORD));
    return new Settings(mode, requiredServices, http, cluster, stores, caches, sessions, auth);
  }

  private Path dataDir() {
    Path configured = (Path) value(Setting.DATA_DIR);
    if (configured != null) {
      return configured.toAbsolutePath();
    }
    String xdg = env.get("XDG_DATA_HOME");
    Path base = xdg != null && !xdg.isBlank()
        ? Path.of(xdg)
        : Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".local", "share");
    return base.resolve("atrium").toAbsolutePath();
  }

  private List<String> stringList(Setting setting) {
    Object value = value(setting);
    List<String> out = new ArrayList<>();
    if (value instanceof List<?> list) {
      list.forEach(item -> out.add(String.valueOf(item)));
    }
    return List.copyOf(out);
  }

  static String maskUserInfo(String url) {
    try {
      URI uri = URI.create(url);
      if (uri.getRawUserInfo() == null) {
        return url;
      }
      String user = uri.getRawUserInfo().split(":", 2)[0];
      return url.replace(uri.getRawUserInfo() + "@", (user.isEmpty() ? "" : user + ":") + "****@");
    } catch (IllegalArgumentException e) {
      return "****";
    }
  }

  /**
   * One effective value.
   *
   * @param value the typed value, or null when unset
   * @param source where it came from
   */
  public record Value(Object value, Source source) {
  }
}
