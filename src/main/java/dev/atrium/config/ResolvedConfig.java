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
    if (value instanceof RateLimit rate) {
      return rate.count() + "/" + rate.window().toMillis() + "ms";
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
    checkSigningKey();
    Object blobStore = value(Setting.BLOB_STORE);
    if (!"local".equals(blobStore) && !"gcs".equals(blobStore)) {
      throw new ConfigException("invalid setting frames.blobStore (ATRIUM_BLOB_STORE) = '" + blobStore
          + "': must be local or gcs");
    }
    if ("gcs".equals(blobStore) && value(Setting.GCS_BUCKET) == null) {
      throw new ConfigException("ATRIUM_BLOB_STORE=gcs needs GCS_BUCKET_NAME");
    }
    boolean defaultPassword = value(Setting.ADMIN_PASSWORD).equals(builtInAdminPassword);
    if (mode == Mode.PRODUCTION && defaultPassword) {
      throw new ConfigException("ADMIN_PASSWORD still has its default value: production refuses to start with it");
    }
    if (mode != Mode.LOCAL && Boolean.TRUE.equals(value(Setting.LOCAL_USER))) {
      throw new ConfigException("ATRIUM_LOCAL_USER=true is only allowed in local mode (mode is " + mode.id() + ")");
    }
    String host = (String) value(Setting.HTTP_HOST);
    if (mode == Mode.LOCAL && !isLoopback(host) && defaultPassword) {
      throw new ConfigException("local mode bound to " + host + " (ATRIUM_HOST) requires ADMIN_PASSWORD:"
          + " people on the network must sign in, and the default password is public");
    }
  }

  private void checkSigningKey() {
    String secret = (String) value(Setting.JWT_SECRET);
    Path privateKey = (Path) value(Setting.JWT_PRIVATE_KEY);
    Path publicKey = (Path) value(Setting.JWT_PUBLIC_KEY);
    if ((privateKey == null) != (publicKey == null)) {
      throw new ConfigException("ATRIUM_JWT_PRIVATE_KEY and ATRIUM_JWT_PUBLIC_KEY must be set together");
    }
    if (secret != null && privateKey != null) {
      throw new ConfigException("set either ATRIUM_JWT_SECRET or the ATRIUM_JWT_PRIVATE_KEY/PUBLIC_KEY pair, not both");
    }
    if (secret == null && privateKey == null && mode != Mode.LOCAL) {
      throw new ConfigException("ATRIUM_JWT_SECRET (or ATRIUM_JWT_PRIVATE_KEY and ATRIUM_JWT_PUBLIC_KEY) is required in "
          + mode.id() + " mode: set a random secret of at least " + MIN_SECRET_BYTES + " bytes");
    }
    if (secret != null && secret.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
      throw new ConfigException("ATRIUM_JWT_SECRET is too short: use at least " + MIN_SECRET_BYTES + " bytes");
    }
  }

  /** Whether a bind address only accepts connections from this machine. */
  public static boolean isLoopback(String host) {
    return host.equals("localhost") || host.startsWith("127.") || host.equals("::1") || host.equals("[::1]");
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
        stringList(Setting.TRUSTED_PROXIES),
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
        (Boolean) value(Setting.ENFORCE_LIMITS), positive(Setting.HEARTBEAT_TIMEOUT),
        (Long) value(Setting.OUTBOUND_LIMIT), positive(Setting.OUTBOUND_STALL));
    boolean localUser = mode == Mode.LOCAL && (Boolean) value(Setting.LOCAL_USER) && isLoopback(http.host());
    AuthSettings auth = new AuthSettings((String) value(Setting.JWT_SECRET), (Path) value(Setting.JWT_PRIVATE_KEY),
        (Path) value(Setting.JWT_PUBLIC_KEY), (Duration) value(Setting.TOKEN_TTL),
        (Boolean) value(Setting.REGISTRATION), localUser,
        (String) value(Setting.ADMIN_EMAIL), (String) value(Setting.ADMIN_PASSWORD));
    LimitSettings limits = new LimitSettings((RateLimit) value(Setting.LIMIT_LOGIN),
        (RateLimit) value(Setting.LIMIT_REGISTER), (RateLimit) value(Setting.LIMIT_WRITES),
        (RateLimit) value(Setting.LIMIT_UPLOADS));
    UploadSettings uploads = new UploadSettings((Long) value(Setting.UPLOAD_MAX_SIZE),
        (Integer) value(Setting.ARCHIVE_MAX_ENTRIES), (Integer) value(Setting.ARCHIVE_MAX_RATIO),
        (Long) value(Setting.ARCHIVE_MAX_SIZE));
    FrameSettings frames = new FrameSettings(Math.max(1, (Integer) value(Setting.FRAME_HISTORY)),
        Math.max(1, (Integer) value(Setting.FRAME_MAX_RANGE)), (Duration) value(Setting.GC_GRACE),
        (Duration) value(Setting.GC_INTERVAL), "gcs".equals(value(Setting.BLOB_STORE)));
    return new Settings(mode, requiredServices, http, cluster, stores, caches, sessions, auth, limits, uploads,
        frames, control(), datasets(), forecast());
  }

  private DatasetSettings datasets() {
    long maxUpload = (Long) value(Setting.DATASET_MAX_UPLOAD);
    if (maxUpload < 1 || maxUpload > DatasetSettings.MAX_UPLOAD_LIMIT) {
      throw new ConfigException("invalid setting " + Setting.DATASET_MAX_UPLOAD.key() + " ("
          + Setting.DATASET_MAX_UPLOAD.env() + ") = '" + shown(Setting.DATASET_MAX_UPLOAD) + "' from "
          + source(Setting.DATASET_MAX_UPLOAD) + ": must be between 1 byte and " + DatasetSettings.MAX_UPLOAD_LIMIT
          + " bytes (a CSV is stored as one MongoDB document)");
    }
    long maxBytes = (Long) value(Setting.DATASET_MAX_BYTES);
    if (maxBytes < maxUpload) {
      throw new ConfigException("invalid setting " + Setting.DATASET_MAX_BYTES.key() + " ("
          + Setting.DATASET_MAX_BYTES.env() + ") = '" + shown(Setting.DATASET_MAX_BYTES) + "' from "
          + source(Setting.DATASET_MAX_BYTES) + ": must be at least " + Setting.DATASET_MAX_UPLOAD.key() + " ("
          + maxUpload + " bytes)");
    }
    if ((Integer) value(Setting.DATASET_MAX_COUNT) < 1) {
      throw new ConfigException("invalid setting " + Setting.DATASET_MAX_COUNT.key() + " ("
          + Setting.DATASET_MAX_COUNT.env() + ") = '0' from " + source(Setting.DATASET_MAX_COUNT)
          + ": must be at least 1");
    }
    return new DatasetSettings(maxUpload, (Integer) value(Setting.DATASET_MAX_COUNT), maxBytes,
        positive(Setting.DATASET_TTL), (Long) value(Setting.DATASET_LOCAL_CACHE));
  }

  private ForecastSettings forecast() {
    int cores = Runtime.getRuntime().availableProcessors();
    int inference = (Integer) value(Setting.INFERENCE_WORKERS);
    int calc = (Integer) value(Setting.CALC_WORKERS);
    at(Setting.FORECAST_SAMPLES, 2);
    for (Setting setting : new Setting[] {Setting.FORECAST_USER_QUEUE, Setting.FORECAST_BACKGROUND_QUEUE,
        Setting.FORECAST_PROCESS_BATCH, Setting.FORECAST_RESULT_CACHE}) {
      at(setting, 1);
    }
    at(Setting.FORECAST_DENSITY_POINTS, 8);
    ForecastSettings.Scheduling scheduling;
    try {
      scheduling = ForecastSettings.Scheduling.parse((String) value(Setting.FORECAST_SCHEDULING));
    } catch (IllegalArgumentException e) {
      throw new ConfigException("invalid setting " + Setting.FORECAST_SCHEDULING.key() + " ("
          + Setting.FORECAST_SCHEDULING.env() + ") = '" + shown(Setting.FORECAST_SCHEDULING) + "' from "
          + source(Setting.FORECAST_SCHEDULING) + ": " + e.getMessage());
    }
    return new ForecastSettings((Path) value(Setting.FORECAST_MODEL),
        inference == 0 ? ForecastSettings.automaticInferenceWorkers(cores) : inference,
        calc == 0 ? ForecastSettings.automaticCalcWorkers(cores) : calc, (Integer) value(Setting.FORECAST_SAMPLES),
        positive(Setting.FORECAST_DEADLINE),
        (Integer) value(Setting.FORECAST_USER_QUEUE), (Integer) value(Setting.FORECAST_BACKGROUND_QUEUE), scheduling,
        (Integer) value(Setting.FORECAST_PROCESS_BATCH), (Integer) value(Setting.FORECAST_RESULT_CACHE),
        positive(Setting.FORECAST_RESULT_TTL), (Integer) value(Setting.FORECAST_DENSITY_POINTS));
  }

  /** A count setting that must be at least {@code min}. */
  private void at(Setting setting, int min) {
    if ((Integer) value(setting) < min) {
      throw new ConfigException("invalid setting " + setting.key() + " (" + setting.env() + ") = '"
          + shown(setting) + "' from " + source(setting) + ": must be at least " + min);
    }
  }

  private ControlSettings control() {
    for (Setting setting : new Setting[] {Setting.LOCK_TTL, Setting.PRESENTER_TTL}) {
      if (((Duration) value(setting)).isZero()) {
        throw new ConfigException("invalid setting " + setting.key() + " (" + setting.env() + ") = '"
            + shown(setting) + "' from " + source(setting) + ": must be longer than zero");
      }
    }
    if ((Integer) value(Setting.STEP_RATE) < 1) {
      throw new ConfigException("invalid setting " + Setting.STEP_RATE.key() + " (" + Setting.STEP_RATE.env()
          + ") = '0' from " + source(Setting.STEP_RATE) + ": must be at least 1 step per second");
    }
    return new ControlSettings((Duration) value(Setting.LOCK_TTL), (Duration) value(Setting.PRESENTER_TTL),
        (Integer) value(Setting.STEP_RATE));
  }

  /** A duration setting that must be longer than zero. */
  private Duration positive(Setting setting) {
    Duration value = (Duration) value(setting);
    if (value.isZero() || value.isNegative()) {
      throw new ConfigException("invalid setting " + setting.key() + " (" + setting.env() + ") = '"
          + shown(setting) + "' from " + source(setting) + ": must be longer than zero");
    }
    return value;
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
