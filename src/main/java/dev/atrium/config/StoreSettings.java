package dev.atrium.config;

import java.nio.file.Path;

/**
 * Where state lives.
 *
 * @param dataDir local directory for embedded records and files
 * @param redisUrl Redis for ephemeral coordination, or null for in-process
 * @param mongoUri MongoDB for records, or null for the embedded server
 * @param mongoDatabase database name
 * @param gcsBucket cloud bucket, or null
 */
public record StoreSettings(Path dataDir, String redisUrl, String mongoUri, String mongoDatabase,
    String gcsBucket) {
}
