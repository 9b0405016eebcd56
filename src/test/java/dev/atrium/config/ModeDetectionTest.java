package dev.atrium.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@DisplayName("Mode detection")
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ModeDetectionTest {

  private static final String REDIS = "redis://127.0.0.1:6379";
  private static final String BUCKET = "atrium-test-bucket";
  /** ATRIUM_MODE values tried; null means unset. */
  private static final List<String> MODE_VALUES =
      Arrays.asList(null, "local", "development", "production", "LOCAL", "staging");

  @TempDir
  Path tmp;

  private ConfigFixture fixture() {
    return new ConfigFixture(tmp);
  }

  /**
   * The rule, written out independently of {@link Mode}: a named mode wins (any case); otherwise
   * REDIS_URL and GCS_BUCKET_NAME → production, GCS_BUCKET_NAME alone → development, else local.
   * Null means "refused as invalid".
   */
  private static Mode expectedMode(boolean redis, boolean bucket, String named) {
    if (named != null) {
      return switch (named.toLowerCase(Locale.ROOT)) {
        case "local" -> Mode.LOCAL;
        case "development" -> Mode.DEVELOPMENT;
        case "production" -> Mode.PRODUCTION;
        default -> null;
      };
    }
    if (redis && bucket) {
      return Mode.PRODUCTION;
    }
    return bucket ? Mode.DEVELOPMENT : Mode.LOCAL;
  }

  static Stream<Arguments> everyCombination() {
    List<Arguments> cases = new ArrayList<>();
    for (boolean redis : new boolean[] {false, true}) {
      for (boolean bucket : new boolean[] {false, true}) {
        for (String named : MODE_VALUES) {
          Mode expected = expectedMode(redis, bucket, named);
          cases.add(Arguments.of(redis ? "set" : "unset", bucket ? "set" : "unset",
              named == null ? "unset" : named, expected == null ? "refused" : expected.id()));
        }
      }
    }
    return cases.stream();
  }

  @Test
  @DisplayName("the combinations cover 2 × 2 × 6 = 24 cases")
  void coversEveryCase() {
    assertThat(everyCombination()).hasSize(24);
  }

  @ParameterizedTest(name = "REDIS_URL {0}, GCS_BUCKET_NAME {1}, ATRIUM_MODE {2} → {3}")
  @MethodSource("everyCombination")
  @DisplayName("chooses the mode the rule says for every combination of REDIS_URL, GCS_BUCKET_NAME and ATRIUM_MODE")
  void everyCombinationFollowsTheRule(String redis, String bucket, String named, String expected) {
    ConfigFixture fixture = fixture();
    if (redis.equals("set")) {
      fixture.env("REDIS_URL", REDIS);
    }
    if (bucket.equals("set")) {
      fixture.env("GCS_BUCKET_NAME", BUCKET);
    }
    if (!named.equals("unset")) {
      fixture.env("ATRIUM_MODE", named);
    }

    if (expected.equals("refused")) {
      assertThatThrownBy(fixture::load)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("mode")
          .hasMessageContaining("ATRIUM_MODE")
          .hasMessageContaining("'" + named + "'");
      return;
    }

    ResolvedConfig config = fixture.load();
    Mode mode = Mode.parse(expected);
    assertThat(config.mode()).isEqualTo(mode);
    assertThat(config.value(Setting.MODE)).isEqualTo(mode);
    if (named.equals("unset")) {
      assertThat(config.source(Setting.MODE)).isEqualTo(new Source(Source.Layer.DEFAULT, "auto"));
      assertThat(config.modeReason()).startsWith("auto-detected");
    } else {
      assertThat(config.source(Setting.MODE)).isEqualTo(new Source(Source.Layer.ENV, "ATRIUM_MODE"));
      assertThat(config.modeReason()).isEqualTo("set by environment ATRIUM_MODE");
    }
    // the mode's own defaults follow the mode, whatever chose it
    assertThat(config.value(Setting.MAX_SOCKETS)).isEqualTo(mode == Mode.PRODUCTION ? 5 : 0);
    assertThat(config.source(Setting.MAX_SOCKETS))
        .isEqualTo(new Source(Source.Layer.MODE_DEFAULT, mode.id()));
  }

  @Nested
  @DisplayName("spot checks")
  class SpotChecks {

    @Test
    @DisplayName("nothing configured → local, because neither REDIS_URL nor GCS_BUCKET_NAME is set")
    void nothingIsLocal() {
      ResolvedConfig config = fixture().load();
      assertThat(config.mode()).isEqualTo(Mode.LOCAL);
      assertThat(config.modeReason()).isEqualTo("auto-detected: neither REDIS_URL nor GCS_BUCKET_NAME is set");
    }

    @Test
    @DisplayName("REDIS_URL and GCS_BUCKET_NAME → production, and the reason names both")
    void bothIsProduction() {
      ResolvedConfig config = fixture().env("REDIS_URL", REDIS, "GCS_BUCKET_NAME", BUCKET).load();
      assertThat(config.mode()).isEqualTo(Mode.PRODUCTION);
      assertThat(config.modeReason()).isEqualTo("auto-detected: REDIS_URL and GCS_BUCKET_NAME are set");
    }

    @Test
    @DisplayName("GCS_BUCKET_NAME alone → development")
    void bucketAloneIsDevelopment() {
      ResolvedConfig config = fixture().env("GCS_BUCKET_NAME", BUCKET).load();
      assertThat(config.mode()).isEqualTo(Mode.DEVELOPMENT);
      assertThat(config.modeReason()).isEqualTo("auto-detected: GCS_BUCKET_NAME is set without REDIS_URL");
    }

    @Test
    @DisplayName("REDIS_URL alone → local, and the reason says the bucket is missing")
    void redisAloneIsLocal() {
      ResolvedConfig config = fixture().env("REDIS_URL", REDIS).load();
      assertThat(config.mode()).isEqualTo(Mode.LOCAL);
      assertThat(config.modeReason()).isEqualTo("auto-detected: REDIS_URL without GCS_BUCKET_NAME");
    }

    @Test
    @DisplayName("ATRIUM_MODE=local wins over REDIS_URL and GCS_BUCKET_NAME being set")
    void namedModeWins() {
      ResolvedConfig config = fixture()
          .env("REDIS_URL", REDIS, "GCS_BUCKET_NAME", BUCKET, "ATRIUM_MODE", "local").load();
      assertThat(config.mode()).isEqualTo(Mode.LOCAL);
      assertThat(config.modeReason()).isEqualTo("set by environment ATRIUM_MODE");
    }

    @Test
    @DisplayName("ATRIUM_MODE is case-insensitive and tolerates surrounding spaces (' Production ')")
    void namedModeIgnoresCase() {
      assertThat(fixture().env("ATRIUM_MODE", " Production ").load().mode()).isEqualTo(Mode.PRODUCTION);
    }

    @Test
    @DisplayName("ATRIUM_MODE=staging is refused with a message naming mode, ATRIUM_MODE, the value and the accepted names")
    void invalidModeIsRefused() {
      assertThatThrownBy(() -> fixture().env("ATRIUM_MODE", "staging").load())
          .isInstanceOf(ConfigException.class)
          .hasMessage("invalid setting mode (ATRIUM_MODE) = 'staging' from environment ATRIUM_MODE:"
              + " must be one of local, development, production");
    }

    @Test
    @DisplayName("empty environment values count as unset: REDIS_URL='' and GCS_BUCKET_NAME='' → local, ATRIUM_MODE='' → detected")
    void emptyValuesAreUnset() {
      ResolvedConfig config = fixture()
          .env("REDIS_URL", "", "GCS_BUCKET_NAME", "", "ATRIUM_MODE", "").load();
      assertThat(config.mode()).isEqualTo(Mode.LOCAL);
      assertThat(config.modeReason()).isEqualTo("auto-detected: neither REDIS_URL nor GCS_BUCKET_NAME is set");
      assertThat(config.value(Setting.REDIS_URL)).isNull();
      assertThat(config.value(Setting.GCS_BUCKET)).isNull();
    }

    @Test
    @DisplayName("an empty ATRIUM_MODE does not hide detection: REDIS_URL and GCS_BUCKET_NAME set → production")
    void emptyModeStillDetects() {
      ResolvedConfig config = fixture()
          .env("REDIS_URL", REDIS, "GCS_BUCKET_NAME", BUCKET, "ATRIUM_MODE", "").load();
      assertThat(config.mode()).isEqualTo(Mode.PRODUCTION);
      assertThat(config.modeReason()).startsWith("auto-detected");
    }

    @Test
    @DisplayName("whitespace-only environment values count as unset too (REDIS_URL='  ', GCS_BUCKET_NAME=' ', ATRIUM_MODE=' ')")
    void whitespaceValuesAreUnset() {
      ResolvedConfig config = fixture()
          .env("REDIS_URL", "  ", "GCS_BUCKET_NAME", " ", "ATRIUM_MODE", " ").load();
      assertThat(config.mode()).isEqualTo(Mode.LOCAL);
      assertThat(config.value(Setting.REDIS_URL)).isNull();
      assertThat(config.value(Setting.GCS_BUCKET)).isNull();
    }

    @Test
    @DisplayName("the conf file can name the mode, and ATRIUM_MODE overrides it")
    void modeFromConfFile() {
      Path file = ConfigFixture.write(tmp.resolve("atrium.json"), "{ \"mode\": \"development\" }");
      ConfigFixture fixture = fixture();
      ResolvedConfig fromFile = fixture.loader().load(file, java.util.Map.of());
      assertThat(fromFile.mode()).isEqualTo(Mode.DEVELOPMENT);
      assertThat(fromFile.modeReason()).isEqualTo("set by conf file " + file);

      ResolvedConfig fromEnv = fixture.env("ATRIUM_MODE", "production").loader().load(file, java.util.Map.of());
      assertThat(fromEnv.mode()).isEqualTo(Mode.PRODUCTION);
    }

    @Test
    @DisplayName("detection also sees REDIS_URL and GCS_BUCKET_NAME set in the conf file")
    void detectionSeesConfFile() {
      Path file = ConfigFixture.write(tmp.resolve("atrium.json"),
          "{ \"redis\": {\"url\": \"" + REDIS + "\"}, \"gcs.bucket\": \"" + BUCKET + "\" }");
      ResolvedConfig config = fixture().loader().load(file, java.util.Map.of());
      assertThat(config.mode()).isEqualTo(Mode.PRODUCTION);
    }
  }

  @Nested
  @DisplayName("per-mode defaults")
  class PerModeDefaults {

    @Test
    @DisplayName("production: sessions.maxSockets 5, limits enforced, 4GB memory cache, binds 0.0.0.0 — all from the mode default")
    void production() {
      ResolvedConfig config = fixture().env("ATRIUM_MODE", "production").load();
      Source production = new Source(Source.Layer.MODE_DEFAULT, "production");
      assertThat(config.value(Setting.MAX_SOCKETS)).isEqualTo(5);
      assertThat(config.source(Setting.MAX_SOCKETS)).isEqualTo(production);
      assertThat(config.value(Setting.ENFORCE_LIMITS)).isEqualTo(true);
      assertThat(config.value(Setting.MEMORY_CACHE)).isEqualTo(4L << 30);
      assertThat(config.value(Setting.HTTP_HOST)).isEqualTo("0.0.0.0");
      assertThat(config.source(Setting.HTTP_HOST)).isEqualTo(production);
      assertThat(config.source(Setting.MAX_SOCKETS).toString()).isEqualTo("mode default (production)");
      assertThat(config.requiredServices()).containsExactly("redis", "mongo", "gcs");
    }

    @Test
    @DisplayName("local: sessions.maxSockets 0, limits off, binds 127.0.0.1 — from the mode default")
    void local() {
      ResolvedConfig config = fixture().load();
      Source local = new Source(Source.Layer.MODE_DEFAULT, "local");
      assertThat(config.value(Setting.MAX_SOCKETS)).isEqualTo(0);
      assertThat(config.source(Setting.MAX_SOCKETS)).isEqualTo(local);
      assertThat(config.value(Setting.ENFORCE_LIMITS)).isEqualTo(false);
      assertThat(config.value(Setting.HTTP_HOST)).isEqualTo("127.0.0.1");
      assertThat(config.source(Setting.HTTP_HOST)).isEqualTo(local);
      assertThat(config.requiredServices()).isEmpty();
    }

    @Test
    @DisplayName("development: 1GB memory cache and the disk cache on, gcs required")
    void development() {
      ResolvedConfig config = fixture().env("GCS_BUCKET_NAME", BUCKET).load();
      assertThat(config.value(Setting.MEMORY_CACHE)).isEqualTo(1L << 30);
      assertThat(config.value(Setting.DISK_CACHE_ENABLED)).isEqualTo(true);
      assertThat(config.source(Setting.DISK_CACHE_ENABLED))
          .isEqualTo(new Source(Source.Layer.MODE_DEFAULT, "development"));
      assertThat(config.requiredServices()).containsExactly("gcs");
    }

    @Test
    @DisplayName("settings no mode mentions keep the built-in default (http.port 8080 from 'default')")
    void otherSettingsKeepDefaults() {
      ResolvedConfig config = fixture().env("ATRIUM_MODE", "production").load();
      assertThat(config.value(Setting.HTTP_PORT)).isEqualTo(8080);
      assertThat(config.source(Setting.HTTP_PORT)).isEqualTo(new Source(Source.Layer.DEFAULT, ""));
    }

    @Test
    @DisplayName("the environment overrides a mode default (ATRIUM_MAX_SOCKETS_PER_SESSION=2 in production)")
    void environmentOverridesModeDefault() {
      ResolvedConfig config = fixture()
          .env("ATRIUM_MODE", "production", "ATRIUM_MAX_SOCKETS_PER_SESSION", "2").load();
      assertThat(config.value(Setting.MAX_SOCKETS)).isEqualTo(2);
      assertThat(config.source(Setting.MAX_SOCKETS))
          .isEqualTo(new Source(Source.Layer.ENV, "ATRIUM_MAX_SOCKETS_PER_SESSION"));
    }
  }
}
