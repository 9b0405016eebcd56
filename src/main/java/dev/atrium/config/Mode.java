package dev.atrium.config;

import java.util.Locale;

/**
 * How Atrium runs: what it needs around it and which defaults apply.
 *
 * <p>Chosen by {@code ATRIUM_MODE} when set, else detected from the services configured:
 * {@code REDIS_URL} and {@code GCS_BUCKET_NAME} → production, {@code GCS_BUCKET_NAME} alone →
 * development, anything else → local.
 */
public enum Mode {
  LOCAL, DEVELOPMENT, PRODUCTION;

  /** The lower-case name used in configuration, logs and the README. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses a mode name.
   *
   * @throws IllegalArgumentException naming the accepted values
   */
  public static Mode parse(String value) {
    for (Mode mode : values()) {
      if (mode.id().equalsIgnoreCase(value.trim())) {
        return mode;
      }
    }
    throw new IllegalArgumentException("must be one of local, development, production");
  }

  /**
   * The mode when none is named: production needs both Redis and a bucket, development a bucket.
   * Blank values count as absent.
   */
  public static Mode detect(String redisUrl, String gcsBucket) {
    boolean redis = !isBlank(redisUrl);
    boolean bucket = !isBlank(gcsBucket);
    if (redis && bucket) {
      return PRODUCTION;
    }
    return bucket ? DEVELOPMENT : LOCAL;
  }

  /** Why {@link #detect} chose what it chose, for {@code config show} and the startup log. */
  public static String detectionReason(String redisUrl, String gcsBucket) {
    boolean redis = !isBlank(redisUrl);
    boolean bucket = !isBlank(gcsBucket);
    if (redis && bucket) {
      return "auto-detected: REDIS_URL and GCS_BUCKET_NAME are set";
    }
    if (bucket) {
      return "auto-detected: GCS_BUCKET_NAME is set without REDIS_URL";
    }
    return redis
        ? "auto-detected: REDIS_URL without GCS_BUCKET_NAME"
        : "auto-detected: neither REDIS_URL nor GCS_BUCKET_NAME is set";
  }

  static boolean isBlank(String value) {
    return value == null || value.isBlank();
  }
}
