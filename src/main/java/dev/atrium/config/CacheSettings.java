package dev.atrium.config;

/**
 * Cache sizes.
 *
 * @param memoryBytes memory for in-process caches
 * @param diskCacheEnabled whether cloud files are cached on local disk
 * @param diskCacheMaxBytes largest size of that cache
 */
public record CacheSettings(long memoryBytes, boolean diskCacheEnabled, long diskCacheMaxBytes) {
}
