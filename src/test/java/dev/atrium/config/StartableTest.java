package dev.atrium.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atrium.config.SettingsLoader.FlagValue;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Whether a configuration may start (checkStartable) and the typed settings")
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class StartableTest {

  private static final String REDIS = "redis://127.0.0.1:6379";
  private static final String MONGO = "mongodb://127.0.0.1:27017";
  private static final String BUCKET = "atrium-test-bucket";
  private static final String STRONG_PASSWORD = "a-much-better-admin-password";

  @TempDir
  Path tmp;

  /** Everything production needs, set properly. */
  private ConfigFixture production() {
    return new ConfigFixture(tmp).env(
        "REDIS_URL", REDIS,
        "MONGO_URI", MONGO,
        "GCS_BUCKET_NAME", BUCKET,
        "ATRIUM_JWT_SECRET", ConfigFixture.GOOD_SECRET,
        "ADMIN_PASSWORD", STRONG_PASSWORD);
  }

  private static ResolvedConfig loaded(ConfigFixture fixture) {
    return fixture.load();
  }

  @Nested
  @DisplayName("production")
  class Production {

    @Test
    @DisplayName("with everything set properly starts")
    void allSet() {
      ResolvedConfig config = loaded(production());
      assertThat(config.mode()).isEqualTo(Mode.PRODUCTION);
      assertThatCode(config::checkStartable).doesNotThrowAnyException();
    }

    @Test
    @DisplayName("without MONGO_URI is refused, naming MONGO_URI")
    void withoutMongo() {
      ConfigFixture fixture = production();
      fixture.env.remove("MONGO_URI");
      ResolvedConfig config = loaded(fixture);
      assertThat(config.mode()).isEqualTo(Mode.PRODUCTION);
      assertThatThrownBy(config::checkStartable)
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith("MONGO_URI is required in production mode");
    }

    @Test
    @DisplayName("named by ATRIUM_MODE=production without REDIS_URL is refused, naming REDIS_URL")
    void namedWithoutRedis() {
      ConfigFixture fixture = production().env("ATRIUM_MODE", "production");
      fixture.env.remove("REDIS_URL");
      ResolvedConfig config = loaded(fixture);
      assertThat(config.mode()).isEqualTo(Mode.PRODUCTION);
      assertThatThrownBy(config::checkStartable)
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith("REDIS_URL is required in production mode");
    }

    @Test
    @DisplayName("named by ATRIUM_MODE=production without GCS_BUCKET_NAME is refused, naming GCS_BUCKET_NAME")
    void namedWithoutBucket() {
      ConfigFixture fixture = production().env("ATRIUM_MODE", "production");
      fixture.env.remove("GCS_BUCKET_NAME");
      assertThatThrownBy(loaded(fixture)::checkStartable)
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith("GCS_BUCKET_NAME is required in production mode");
    }

    @Test
    @DisplayName("without ATRIUM_JWT_SECRET is refused, naming ATRIUM_JWT_SECRET")
    void withoutSecret() {
      ConfigFixture fixture = production();
      fixture.env.remove("ATRIUM_JWT_SECRET");
      assertThatThrownBy(loaded(fixture)::checkStartable)
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith("ATRIUM_JWT_SECRET")
          .hasMessageContaining("is required in production mode")
          .hasMessageContaining("32 bytes");
    }

    @Test
    @DisplayName("with a 10-byte ATRIUM_JWT_SECRET is refused as too short, without printing it")
    void shortSecret() {
      ConfigFixture fixture = production().env("ATRIUM_JWT_SECRET", "0123456789");
      assertThatThrownBy(loaded(fixture)::checkStartable)
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith("ATRIUM_JWT_SECRET is too short")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("0123456789"));
    }

    @Test
    @DisplayName("counts the secret in UTF-8 bytes: 31 bytes refused, 32 accepted, 11 × '€' (33 bytes) accepted")
    void secretLengthBoundary() {
      assertThatThrownBy(loaded(production().env("ATRIUM_JWT_SECRET", "x".repeat(31)))::checkStartable)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("ATRIUM_JWT_SECRET");
      assertThatCode(loaded(production().env("ATRIUM_JWT_SECRET", "x".repeat(32)))::checkStartable)
          .doesNotThrowAnyException();
      assertThatCode(loaded(production().env("ATRIUM_JWT_SECRET", "€".repeat(11)))::checkStartable)
          .doesNotThrowAnyException();
    }

    @Test
    @DisplayName("with ADMIN_PASSWORD unset (the built-in default) is refused, naming ADMIN_PASSWORD")
    void defaultAdminPassword() {
      ConfigFixture fixture = production();
      fixture.env.remove("ADMIN_PASSWORD");
      assertThatThrownBy(loaded(fixture)::checkStartable)
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith("ADMIN_PASSWORD")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("atrium-admin"));
    }

    @Test
    @DisplayName("with ADMIN_PASSWORD explicitly set to 'atrium-admin' is refused, naming ADMIN_PASSWORD")
    void explicitDefaultAdminPassword() {
      ConfigFixture fixture = production().env("ADMIN_PASSWORD", "atrium-admin");
      ResolvedConfig config = loaded(fixture);
      assertThat(config.source(Setting.ADMIN_PASSWORD).layer()).isEqualTo(Source.Layer.ENV);
      assertThatThrownBy(config::checkStartable)
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith("ADMIN_PASSWORD");
    }

    @Test
    @DisplayName("with the admin password set to null in the conf file is refused with a ConfigException (not a crash)")
    void nullAdminPasswordInFile() {
      Path file = ConfigFixture.write(tmp.resolve("atrium.json"), "{\"auth.adminPassword\": null}");
      ConfigFixture fixture = production();
      fixture.env.remove("ADMIN_PASSWORD");
      assertThatThrownBy(() -> fixture.loader().load(file, Map.of()).checkStartable())
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("ADMIN_PASSWORD");
    }

    @Test
    @DisplayName("settings() gives the typed values: instances 0 → one per CPU core, sizes in bytes, durations, mode defaults")
    void typedSettings() {
      ResolvedConfig config = loaded(production());
      config.checkStartable();
      Settings settings = config.settings();

      assertThat(settings.mode()).isEqualTo(Mode.PRODUCTION);
      assertThat(settings.requiredServices()).containsExactly("redis", "mongo", "gcs");
      assertThat(settings.http().instances()).isEqualTo(Runtime.getRuntime().availableProcessors());
      assertThat(settings.http().host()).isEqualTo("0.0.0.0");
      assertThat(settings.http().port()).isEqualTo(8080);
      assertThat(settings.http().bodyLimit()).isEqualTo(64L << 20);
      assertThat(settings.http().compression()).isTrue();
      assertThat(settings.http().allowedOrigins()).isEmpty();
      assertThat(settings.http().shutdownGrace()).isEqualTo(Duration.ofSeconds(10));
      assertThat(settings.stores().redisUrl()).isEqualTo(REDIS);
      assertThat(settings.stores().mongoUri()).isEqualTo(MONGO);
      assertThat(settings.stores().mongoDatabase()).isEqualTo("atrium");
      assertThat(settings.stores().gcsBucket()).isEqualTo(BUCKET);
      assertThat(settings.caches().memoryBytes()).isEqualTo(4L << 30);
      assertThat(settings.caches().diskCacheEnabled()).isTrue();
      assertThat(settings.caches().diskCacheMaxBytes()).isEqualTo(200L << 30);
      assertThat(settings.sessions().maxSocketsPerSession()).isEqualTo(5);
      assertThat(settings.sessions().enforceConnectionLimits()).isTrue();
      assertThat(settings.cluster().enabled()).isFalse();
      assertThat(settings.cluster().members()).isNull();
      assertThat(settings.cluster().host()).isEqualTo("127.0.0.1");
      assertThat(settings.cluster().publicHost()).isEqualTo("127.0.0.1");
      assertThat(settings.cluster().port()).isEqualTo(5701);
      assertThat(settings.cluster().eventBusPort()).isEqualTo(5710);
      assertThat(settings.cluster().configFile()).isNull();
      assertThat(settings.auth().jwtSecret()).isEqualTo(ConfigFixture.GOOD_SECRET);
      assertThat(settings.auth().adminEmail()).isEqualTo("admin@localhost");
      assertThat(settings.auth().adminPassword()).isEqualTo(STRONG_PASSWORD);
      assertThat(settings.auth().toString())
          .doesNotContain(ConfigFixture.GOOD_SECRET)
          .doesNotContain(STRONG_PASSWORD);
    }

    @Test
    @DisplayName("settings() honours explicit values: instances 3, members list, public host")
    void explicitTypedSettings() {
      ConfigFixture fixture = production().env(
          "ATRIUM_HTTP_INSTANCES", "3",
          "ATRIUM_CLUSTER_MEMBERS", "10.0.0.11:5701, 10.0.0.12",
          "ATRIUM_CLUSTER_PUBLIC_HOST", "atrium-1.internal",
          "ALLOWED_ORIGINS", "https://a.example.org,https://b.example.org");
      Settings settings = loaded(fixture).settings();
      assertThat(settings.http().instances()).isEqualTo(3);
      assertThat(settings.cluster().members()).containsExactly("10.0.0.11:5701", "10.0.0.12");
      assertThat(settings.cluster().publicHost()).isEqualTo("atrium-1.internal");
      assertThat(settings.http().allowedOrigins())
          .isEqualTo(List.of("https://a.example.org", "https://b.example.org"));
    }
  }

  @Nested
  @DisplayName("the data directory")
  class DataDir {

    @Test
    @DisplayName("defaults to $HOME/.local/share/atrium")
    void underHome() {
      ConfigFixture fixture = new ConfigFixture(tmp);
      assertThat(loaded(fixture).settings().stores().dataDir())
          .isEqualTo(fixture.home.resolve(".local/share/atrium").toAbsolutePath());
    }

    @Test
    @DisplayName("is $XDG_DATA_HOME/atrium when XDG_DATA_HOME is set")
    void underXdg() {
      Path xdg = tmp.resolve("xdg-data");
      ConfigFixture fixture = new ConfigFixture(tmp).env("XDG_DATA_HOME", xdg.toString());
      assertThat(loaded(fixture).settings().stores().dataDir()).isEqualTo(xdg.resolve("atrium").toAbsolutePath());
    }

    @Test
    @DisplayName("--data-dir wins over ATRIUM_DATA_DIR and XDG_DATA_HOME, and is made absolute")
    void flagWins() {
      Path fromEnv = tmp.resolve("from-env");
      ConfigFixture fixture = new ConfigFixture(tmp)
          .env("XDG_DATA_HOME", tmp.resolve("xdg-data").toString(), "ATRIUM_DATA_DIR", fromEnv.toString());
      assertThat(loaded(fixture).settings().stores().dataDir()).isEqualTo(fromEnv.toAbsolutePath());

      ResolvedConfig config = fixture.loader()
          .load(null, Map.of(Setting.DATA_DIR, new FlagValue("relative/data", "--data-dir")));
      assertThat(config.source(Setting.DATA_DIR)).isEqualTo(new Source(Source.Layer.FLAG, "--data-dir"));
      Path dataDir = config.settings().stores().dataDir();
      assertThat(dataDir.isAbsolute()).isTrue();
      assertThat(dataDir).isEqualTo(Path.of("relative/data").toAbsolutePath());
    }
  }

  @Nested
  @DisplayName("development")
  class Development {

    @Test
    @DisplayName("with GCS_BUCKET_NAME and a good secret starts, even with the default admin password")
    void starts() {
      ConfigFixture fixture = new ConfigFixture(tmp)
          .env("GCS_BUCKET_NAME", BUCKET, "ATRIUM_JWT_SECRET", ConfigFixture.GOOD_SECRET);
      ResolvedConfig config = loaded(fixture);
      assertThat(config.mode()).isEqualTo(Mode.DEVELOPMENT);
      assertThatCode(config::checkStartable).doesNotThrowAnyException();
    }

    @Test
    @DisplayName("named by ATRIUM_MODE without GCS_BUCKET_NAME is refused, naming GCS_BUCKET_NAME")
    void withoutBucket() {
      ConfigFixture fixture = new ConfigFixture(tmp)
          .env("ATRIUM_MODE", "development", "ATRIUM_JWT_SECRET", ConfigFixture.GOOD_SECRET);
      assertThatThrownBy(loaded(fixture)::checkStartable)
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith("GCS_BUCKET_NAME is required in development mode");
    }

    @Test
    @DisplayName("without ATRIUM_JWT_SECRET is refused, naming ATRIUM_JWT_SECRET")
    void withoutSecret() {
      ConfigFixture fixture = new ConfigFixture(tmp).env("GCS_BUCKET_NAME", BUCKET);
      assertThatThrownBy(loaded(fixture)::checkStartable)
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith("ATRIUM_JWT_SECRET")
          .hasMessageContaining("is required in development mode");
    }
  }

  @Nested
  @DisplayName("local")
  class Local {

    @Test
    @DisplayName("with nothing set starts: no services, no secret, default admin password")
    void nothingSet() {
      ResolvedConfig config = loaded(new ConfigFixture(tmp));
      assertThat(config.mode()).isEqualTo(Mode.LOCAL);
      assertThatCode(config::checkStartable).doesNotThrowAnyException();
      Settings settings = config.settings();
      assertThat(settings.auth().jwtSecret()).isNull();
      assertThat(settings.stores().redisUrl()).isNull();
      assertThat(settings.stores().mongoUri()).isNull();
      assertThat(settings.http().host()).isEqualTo("127.0.0.1");
      assertThat(settings.caches().memoryBytes()).isEqualTo(512L << 20);
      assertThat(settings.caches().diskCacheMaxBytes()).isEqualTo(2L << 30);
    }

    @Test
    @DisplayName("a secret that is set is checked even in local mode: a 10-byte ATRIUM_JWT_SECRET is refused")
    void shortSecretRefusedInLocal() {
      ResolvedConfig config = loaded(new ConfigFixture(tmp).env("ATRIUM_JWT_SECRET", "0123456789"));
      assertThat(config.mode()).isEqualTo(Mode.LOCAL);
      assertThatThrownBy(config::checkStartable)
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith("ATRIUM_JWT_SECRET is too short");
    }
  }
}
