package dev.atrium.config;

import java.time.Duration;

/**
 * Frames and their blobs.
 *
 * @param history versions kept per frame
 * @param maxRange most frames one read may ask for
 * @param gcGrace age below which unreferenced blobs are kept
 * @param gcInterval how often blobs are collected (zero: never automatically)
 * @param blobsInCloud whether array bytes live in the GCS bucket (else under the data directory)
 */
public record FrameSettings(int history, int maxRange, Duration gcGrace, Duration gcInterval, boolean blobsInCloud) {
}
