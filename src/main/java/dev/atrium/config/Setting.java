package dev.atrium.config;

/**
 * Every setting Atrium knows: its key in configuration files, its environment variable, its
 * type and what it is for. Defaults live in {@code conf/defaults.json} and {@code conf/modes.json};
 * this catalogue is what {@code config show}, {@code config init} and the README are built from.
 */
public enum Setting {
  MODE("mode", "ATRIUM_MODE", ValueKind.MODE,
      "local, development or production; auto-detected from REDIS_URL and GCS_BUCKET_NAME when unset"),
  HTTP_HOST("http.host", "ATRIUM_HOST", ValueKind.HOST, "address the HTTP server binds to"),
  HTTP_PORT("http.port", "ATRIUM_PORT", ValueKind.PORT, "HTTP port (flag --port)"),
  HTTP_INSTANCES("http.instances", "ATRIUM_HTTP_INSTANCES", ValueKind.COUNT,
      "HTTP server verticle instances; 0 = one per CPU core"),
  HTTP_BODY_LIMIT("http.bodyLimit", "ATRIUM_BODY_LIMIT", ValueKind.SIZE,
      "largest request body accepted; larger ones get 413"),
  HTTP_COMPRESSION("http.compression", "ATRIUM_HTTP_COMPRESSION", ValueKind.BOOL,
      "gzip/deflate responses for clients that accept them"),
  TRUSTED_PROXIES("http.trustedProxies", "ATRIUM_TRUSTED_PROXIES", ValueKind.ADDRESS_LIST,
      "proxy addresses (IP or CIDR) whose X-Forwarded-For/Proto/Host headers are believed"),
  ALLOWED_ORIGINS("http.allowedOrigins", "ALLOWED_ORIGINS", ValueKind.ORIGIN_LIST,
      "web origins allowed to call the API cross-origin (comma-separated in the environment)"),
  SHUTDOWN_GRACE("shutdown.grace", "ATRIUM_SHUTDOWN_GRACE", ValueKind.DURATION,
      "how long in-flight requests may run after SIGTERM before the server stops"),
  DATA_DIR("data.dir", "ATRIUM_DATA_DIR", ValueKind.PATH,
      "directory for local records and files (flag --data-dir); default ~/.local/share/atrium"),
  REDIS_URL("redis.url", "REDIS_URL", ValueKind.REDIS_URL,
      "Redis for locks, tokens, sessions and rate limits; in-process when unset"),
  MONGO_URI("mongo.uri", "MONGO_URI", ValueKind.MONGO_URI,
      "MongoDB for records; an embedded MongoDB-wire server under data.dir when unset"),
  MONGO_DATABASE("mongo.database", "ATRIUM_MONGO_DATABASE", ValueKind.TEXT, "MongoDB database name"),
  GCS_BUCKET("gcs.bucket", "GCS_BUCKET_NAME", ValueKind.TEXT, "Google Cloud Storage bucket for source files and blobs"),
  MEMORY_CACHE("cache.memory", "ATRIUM_MEMORY_CACHE", ValueKind.SIZE, "memory for in-process caches"),
  DISK_CACHE_ENABLED("diskCache.enabled", "ATRIUM_DISK_CACHE_ENABLED", ValueKind.BOOL,
      "keep cloud files in a local disk cache"),
  DISK_CACHE_MAX("diskCache.maxSize", "ATRIUM_DISK_CACHE_MAX", ValueKind.SIZE, "largest size of the disk cache"),
  MAX_SOCKETS("sessions.maxSockets", "ATRIUM_MAX_SOCKETS_PER_SESSION", ValueKind.COUNT,
      "sockets one browser session may hold; 0 = unlimited"),
  ENFORCE_LIMITS("connections.enforceLimits", "ATRIUM_ENFORCE_CONNECTION_LIMITS", ValueKind.BOOL,
      "enforce per-session and per-client connection limits"),
  HEARTBEAT_TIMEOUT("control.heartbeatTimeout", "ATRIUM_HEARTBEAT_TIMEOUT", ValueKind.DURATION,
      "a control-channel socket that sends no ping for this long is closed and leaves its rooms"),
  OUTBOUND_LIMIT("control.outboundLimit", "ATRIUM_SOCKET_OUTBOUND_LIMIT", ValueKind.SIZE,
      "bytes of events one socket may have unsent; past it steps are coalesced and other events dropped"),
  OUTBOUND_STALL("control.outboundStall", "ATRIUM_SOCKET_OUTBOUND_STALL", ValueKind.DURATION,
      "how long a socket's outbound buffer may stay full before the socket is closed as too slow"),
  CLUSTER_ENABLED("cluster.enabled", "ATRIUM_CLUSTER", ValueKind.BOOL, "join a Hazelcast cluster (flag --cluster)"),
  CLUSTER_MEMBERS("cluster.members", "ATRIUM_CLUSTER_MEMBERS", ValueKind.MEMBER_LIST,
      "cluster members as host[:port], comma-separated; default: the list in conf/cluster.xml"),
  CLUSTER_HOST("cluster.host", "ATRIUM_CLUSTER_HOST", ValueKind.HOST,
      "interface Hazelcast and the event bus bind to"),
  CLUSTER_PUBLIC_HOST("cluster.publicHost", "ATRIUM_CLUSTER_PUBLIC_HOST", ValueKind.HOST,
      "address other members use to reach this one; default cluster.host"),
  CLUSTER_PORT("cluster.port", "ATRIUM_CLUSTER_PORT", ValueKind.PORT, "Hazelcast member port"),
  EVENTBUS_PORT("cluster.eventBusPort", "ATRIUM_EVENTBUS_PORT", ValueKind.PORT_OR_ZERO,
      "clustered event-bus port; 0 = any free port"),
  CLUSTER_CONFIG("cluster.config", "ATRIUM_CLUSTER_CONFIG", ValueKind.PATH,
      "Hazelcast XML file; default: conf/cluster.xml packaged in the jar"),
  JWT_SECRET("auth.jwtSecret", "ATRIUM_JWT_SECRET", ValueKind.SECRET,
      "HS256 signing secret, at least 32 bytes; this or a key pair is required outside local mode"),
  JWT_PRIVATE_KEY("auth.jwtPrivateKey", "ATRIUM_JWT_PRIVATE_KEY", ValueKind.PATH,
      "PEM private key (RSA or EC) that signs tokens; with auth.jwtPublicKey, instead of a secret"),
  JWT_PUBLIC_KEY("auth.jwtPublicKey", "ATRIUM_JWT_PUBLIC_KEY", ValueKind.PATH,
      "PEM public key that verifies tokens"),
  TOKEN_TTL("auth.tokenTtl", "ATRIUM_TOKEN_TTL", ValueKind.DURATION, "how long a sign-in lasts"),
  REGISTRATION("auth.registration", "ENABLE_REGISTRATION", ValueKind.BOOL,
      "whether anyone may create an account with POST /api/auth/register"),
  LOCAL_USER("auth.localUser", "ATRIUM_LOCAL_USER", ValueKind.BOOL,
      "local mode on loopback: requests without a token act as the implicit local user"),
  ADMIN_EMAIL("auth.adminEmail", "ADMIN_EMAIL", ValueKind.TEXT, "e-mail of the admin account created on first start"),
  ADMIN_PASSWORD("auth.adminPassword", "ADMIN_PASSWORD", ValueKind.SECRET,
      "password of that admin account; production refuses the default"),
  BLOB_STORE("frames.blobStore", "ATRIUM_BLOB_STORE", ValueKind.TEXT,
      "where array bytes live: local (under data.dir) or gcs (GCS_BUCKET_NAME)"),
  FRAME_HISTORY("frames.history", "ATRIUM_FRAME_HISTORY", ValueKind.COUNT,
      "versions kept per frame for ?version=K and undo"),
  FRAME_MAX_RANGE("frames.maxRange", "ATRIUM_FRAME_MAX_RANGE", ValueKind.COUNT,
      "most frames one read may ask for; larger ranges are paged"),
  GC_GRACE("frames.gcGrace", "ATRIUM_GC_GRACE", ValueKind.DURATION,
      "unreferenced blobs younger than this are kept (a write may be about to reference them)"),
  GC_INTERVAL("frames.gcInterval", "ATRIUM_GC_INTERVAL", ValueKind.DURATION,
      "how often unreferenced blobs are collected; 0 = never automatically"),
  LIMIT_LOGIN("limits.login", "ATRIUM_LIMIT_LOGIN", ValueKind.RATE,
      "sign-in attempts per client IP and per account (count/window)"),
  LIMIT_REGISTER("limits.register", "ATRIUM_LIMIT_REGISTER", ValueKind.RATE, "registrations per client IP"),
  LIMIT_WRITES("limits.writes", "ATRIUM_LIMIT_WRITES", ValueKind.RATE,
      "state-changing API requests per client IP and per user"),
  LIMIT_UPLOADS("limits.uploads", "ATRIUM_LIMIT_UPLOADS", ValueKind.RATE, "file uploads per client IP and per user"),
  UPLOAD_MAX_SIZE("uploads.maxSize", "ATRIUM_UPLOAD_MAX_SIZE", ValueKind.SIZE,
      "largest streamed upload (files, archives) unless a route sets its own"),
  ARCHIVE_MAX_ENTRIES("uploads.archiveMaxEntries", "ATRIUM_ARCHIVE_MAX_ENTRIES", ValueKind.COUNT,
      "most entries an uploaded archive may hold"),
  ARCHIVE_MAX_RATIO("uploads.archiveMaxRatio", "ATRIUM_ARCHIVE_MAX_RATIO", ValueKind.COUNT,
      "highest uncompressed/compressed size ratio of an uploaded archive"),
  ARCHIVE_MAX_SIZE("uploads.archiveMaxSize", "ATRIUM_ARCHIVE_MAX_SIZE", ValueKind.SIZE,
      "largest total uncompressed size of an uploaded archive"),
  LOCK_TTL("control.lockTtl", "ATRIUM_LOCK_TTL", ValueKind.DURATION,
      "default life of an edit lock when the client names none; clients renew every 3-5 s"),
  PRESENTER_TTL("control.presenterTtl", "ATRIUM_PRESENTER_TTL", ValueKind.DURATION,
      "life of the presenter token after its grant or last renew"),
  STEP_RATE("control.stepRate", "ATRIUM_STEP_RATE", ValueKind.COUNT,
      "most presenter steps broadcast per second per room; faster steps are coalesced, the latest frame wins"),
  DATASET_MAX_UPLOAD("datasets.maxUpload", "ATRIUM_DATASET_MAX_UPLOAD", ValueKind.SIZE,
      "largest CSV dataset upload (413 above); at most 16MB less 1KB, a MongoDB document's limit"),
  DATASET_MAX_COUNT("datasets.maxCount", "ATRIUM_DATASET_MAX_COUNT", ValueKind.COUNT,
      "most datasets kept in the Data Cache; the least recently used go first"),
  DATASET_MAX_BYTES("datasets.maxBytes", "ATRIUM_DATASET_MAX_BYTES", ValueKind.SIZE,
      "most CSV bytes kept in the Data Cache; the least recently used go first"),
  DATASET_TTL("datasets.ttl", "ATRIUM_DATASET_TTL", ValueKind.DURATION,
      "a dataset unused for this long is removed"),
  DATASET_LOCAL_CACHE("datasets.localCacheBytes", "ATRIUM_DATASET_LOCAL_CACHE", ValueKind.SIZE,
      "memory per node for parsed datasets in front of the Data Cache"),
  FORECAST_MODEL("forecast.model", "ATRIUM_FORECAST_MODEL", ValueKind.PATH,
      "forecast model directory (atrium model train writes one); unset = the default model shipped in the jar"),
  INFERENCE_WORKERS("forecast.inferenceWorkers", "ATRIUM_INFERENCE_WORKERS", ValueKind.COUNT,
      "inference workers, each with its own predictor; 0 = automatic (cores - 1 shared 3:1 with calc; 1 on 2 cores)"),
  CALC_WORKERS("forecast.calcWorkers", "ATRIUM_CALC_WORKERS", ValueKind.COUNT,
      "workers turning forecast samples into plot data; 0 = automatic (a quarter of cores - 1; at least 1)"),
  FORECAST_SAMPLES("forecast.samples", "ATRIUM_FORECAST_SAMPLES", ValueKind.COUNT,
      "stochastic forward passes (dropout on) per forecast: the size of the forecast distribution"),
  FORECAST_DEADLINE("forecast.deadline", "ATRIUM_FORECAST_DEADLINE", ValueKind.DURATION,
      "a user draw not started within this time is dropped with 503 instead of being computed late"),
  FORECAST_USER_QUEUE("forecast.userQueue", "ATRIUM_FORECAST_USER_QUEUE", ValueKind.COUNT,
      "most user draws queued per node; past it draws get 503 with Retry-After"),
  FORECAST_BACKGROUND_QUEUE("forecast.backgroundQueue", "ATRIUM_FORECAST_BACKGROUND_QUEUE", ValueKind.COUNT,
      "most background (process) tasks queued per node; past it producers pause"),
  FORECAST_SCHEDULING("forecast.scheduling", "ATRIUM_FORECAST_SCHEDULING", ValueKind.TEXT,
      "priority (user draws newest first, ahead of background work) or fifo (one queue in arrival order)"),
  FORECAST_PROCESS_BATCH("forecast.processBatch", "ATRIUM_FORECAST_PROCESS_BATCH", ValueKind.COUNT,
      "most background tasks of one dataset queued at once while it is processed"),
  FORECAST_RESULT_CACHE("forecast.resultCacheCount", "ATRIUM_FORECAST_RESULT_CACHE", ValueKind.COUNT,
      "forecast plots kept per node in the result cache"),
  FORECAST_RESULT_TTL("forecast.resultTtl", "ATRIUM_FORECAST_RESULT_TTL", ValueKind.DURATION,
      "how long a forecast plot stays in the result cache"),
  FORECAST_DENSITY_POINTS("forecast.densityPoints", "ATRIUM_FORECAST_DENSITY_POINTS", ValueKind.COUNT,
      "grid points of the density estimate of the final forecast step");

  private final String key;
  private final String env;
  private final ValueKind kind;
  private final String description;

  Setting(String key, String env, ValueKind kind, String description) {
    this.key = key;
    this.env = env;
    this.kind = kind;
    this.description = description;
  }

  /** The dotted key used in configuration files. */
  public String key() {
    return key;
  }

  /** The environment variable that sets it. */
  public String env() {
    return env;
  }

  /** Its type. */
  public ValueKind kind() {
    return kind;
  }

  /** One line on what it does. */
  public String description() {
    return description;
  }

  /** The setting with this dotted key, or null. */
  public static Setting byKey(String key) {
    for (Setting setting : values()) {
      if (setting.key.equals(key)) {
        return setting;
      }
    }
    return null;
  }
}
