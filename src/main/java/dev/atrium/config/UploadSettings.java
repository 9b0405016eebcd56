package dev.atrium.config;

/**
 * Bounds on uploaded files and archives.
 *
 * @param maxSize largest streamed upload in bytes
 * @param archiveMaxEntries most entries in an archive
 * @param archiveMaxRatio highest uncompressed/compressed ratio
 * @param archiveMaxSize largest total uncompressed size in bytes
 */
public record UploadSettings(long maxSize, int archiveMaxEntries, int archiveMaxRatio, long archiveMaxSize) {
}
