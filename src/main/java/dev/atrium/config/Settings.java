package dev.atrium.config;

import java.util.List;

/**
 * The whole validated configuration of one Atrium node. Built once at startup by
 * {@link SettingsLoader}; each subsystem is handed only its own part.
 *
 * @param mode the mode
 * @param requiredServices services the mode cannot run without ({@code redis}, {@code mongo}, {@code gcs})
 * @param http HTTP server
 * @param cluster cluster membership
 * @param stores stores of record and coordination
 * @param caches cache sizes
 * @param sessions connection limits
 * @param auth sign-in and secrets
 * @param limits rate limits
 * @param uploads upload bounds
 * @param frames frames and blobs
 * @param control lock and presenter-token service
 * @param datasets the Data Cache of forecast datasets
 * @param forecast forecast pipeline
 */
public record Settings(Mode mode, List<String> requiredServices, HttpSettings http,
    ClusterSettings cluster, StoreSettings stores, CacheSettings caches, SessionSettings sessions,
    AuthSettings auth, LimitSettings limits, UploadSettings uploads, FrameSettings frames,
    ControlSettings control, DatasetSettings datasets, ForecastSettings forecast) {
}
