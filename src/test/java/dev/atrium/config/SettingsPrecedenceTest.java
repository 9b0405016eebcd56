package dev.atrium.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atrium.config.SettingsLoader.FlagValue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Settings precedence: default < mode default < conf file < environment < flag")
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SettingsPrecedenceTest {

  private static final Map<Setting, FlagValue> NO_FLAGS = Map.of();

  @TempDir
  Path tmp;

  private ConfigFixture fixture;

  @BeforeEach
  void setUp() {
    fixture = new ConfigFixture(tmp);
  }

  @Test
  @DisplayName("http.port climbs the layers: 8080 default → 9001 conf file → 9002 ATRIUM_PORT → 9003 --port, each with its source")
  void portClimbsEveryLayer() {
    ResolvedConfig defaults = fixture.load();
    assertThat(defaults.value(Setting.HTTP_PORT)).isEqualTo(8080);
    assertThat(defaults.source(Setting.HTTP_PORT)).isEqualTo(new Source(Source.Layer.DEFAULT, ""));
    assertThat(defaults.source(Setting.HTTP_PORT)).hasToString("default");

    Path file = ConfigFixture.write(tmp.resolve("atrium.json"), "{\"http\": {\"port\": 9001}}");
    ResolvedConfig fromFile = fixture.loader().load(file, NO_FLAGS);
    assertThat(fromFile.value(Setting.HTTP_PORT)).isEqualTo(9001);
    assertThat(fromFile.source(Setting.HTTP_PORT)).isEqualTo(new Source(Source.Layer.FILE, file.toString()));
    assertThat(fromFile.source(Setting.HTTP_PORT)).hasToString("conf file " + file);

    fixture.env("ATRIUM_PORT", "9002");
    ResolvedConfig fromEnv = fixture.loader().load(file, NO_FLAGS);
    assertThat(fromEnv.value(Setting.HTTP_PORT)).isEqualTo(9002);
    assertThat(fromEnv.source(Setting.HTTP_PORT)).isEqualTo(new Source(Source.Layer.ENV, "ATRIUM_PORT"));
    assertThat(fromEnv.source(Setting.HTTP_PORT)).hasToString("environment ATRIUM_PORT");

    ResolvedConfig fromFlag = fixture.loader()
        .load(file, Map.of(Setting.HTTP_PORT, new FlagValue("9003", "--port")));
    assertThat(fromFlag.value(Setting.HTTP_PORT)).isEqualTo(9003);
    assertThat(fromFlag.source(Setting.HTTP_PORT)).isEqualTo(new Source(Source.Layer.FLAG, "--port"));
    assertThat(fromFlag.source(Setting.HTTP_PORT)).hasToString("flag --port");
  }

  @Test
  @DisplayName("an empty environment value does not override the conf file (ATRIUM_PORT='')")
  void emptyEnvDoesNotOverride() {
    Path file = ConfigFixture.write(tmp.resolve("atrium.json"), "{\"http.port\": 9001}");
    ResolvedConfig config = fixture.env("ATRIUM_PORT", "").loader().load(file, NO_FLAGS);
    assertThat(config.value(Setting.HTTP_PORT)).isEqualTo(9001);
    assertThat(config.source(Setting.HTTP_PORT).layer()).isEqualTo(Source.Layer.FILE);
  }

  @Nested
  @DisplayName("the conf file")
  class ConfFileFormat {

    @Test
    @DisplayName("may use dotted keys (\"http.port\": 9001)")
    void dottedKeys() {
      Path file = ConfigFixture.write(tmp.resolve("atrium.json"), "{\"http.port\": 9001}");
      assertThat(fixture.loader().load(file, NO_FLAGS).value(Setting.HTTP_PORT)).isEqualTo(9001);
    }

    @Test
    @DisplayName("may mix nested objects, dotted keys, // and /* */ comments and trailing commas")
    void nestedDottedAndComments() {
      Path file = ConfigFixture.write(tmp.resolve("atrium.json"), """
          // Atrium configuration for the test
          {
            "http": {
              "port": 9001, // the port
              "host": "10.1.2.3",
              "allowedOrigins": ["https://a.example.org", "https://b.example.org"],
            },
            /* a block comment */
            "diskCache.maxSize": "3GB",
            "shutdown": { "grace": "2m" },
          }
          """);
      ResolvedConfig config = fixture.loader().load(file, NO_FLAGS);
      assertThat(config.value(Setting.HTTP_PORT)).isEqualTo(9001);
      assertThat(config.value(Setting.HTTP_HOST)).isEqualTo("10.1.2.3");
      assertThat(config.value(Setting.ALLOWED_ORIGINS))
          .isEqualTo(java.util.List.of("https://a.example.org", "https://b.example.org"));
      assertThat(config.value(Setting.DISK_CACHE_MAX)).isEqualTo(3L << 30);
      assertThat(config.value(Setting.SHUTDOWN_GRACE)).isEqualTo(java.time.Duration.ofMinutes(2));
      for (Setting setting : new Setting[] {Setting.HTTP_PORT, Setting.HTTP_HOST, Setting.ALLOWED_ORIGINS,
          Setting.DISK_CACHE_MAX, Setting.SHUTDOWN_GRACE}) {
        assertThat(config.source(setting)).as(setting.key())
            .isEqualTo(new Source(Source.Layer.FILE, file.toString()));
      }
      assertThat(config.confFile().exists()).isTrue();
      assertThat(config.confFile().how()).isEqualTo("flag --conf");
    }

    @Test
    @DisplayName("beats the mode defaults (http.host and cache.memory in production), and the environment beats both")
    void fileBeatsModeDefaults() {
      Path file = ConfigFixture.write(tmp.resolve("atrium.json"),
          "{\"http.host\": \"10.0.0.5\", \"cache\": {\"memory\": \"2GB\"}}");
      fixture.env("ATRIUM_MODE", "production");
      ResolvedConfig config = fixture.loader().load(file, NO_FLAGS);
      assertThat(config.value(Setting.HTTP_HOST)).isEqualTo("10.0.0.5");
      assertThat(config.source(Setting.HTTP_HOST).layer()).isEqualTo(Source.Layer.FILE);
      assertThat(config.value(Setting.MEMORY_CACHE)).isEqualTo(2L << 30);
      assertThat(config.source(Setting.MEMORY_CACHE).layer()).isEqualTo(Source.Layer.FILE);
      // what the file does not mention still comes from the mode
      assertThat(config.value(Setting.MAX_SOCKETS)).isEqualTo(5);
      assertThat(config.source(Setting.MAX_SOCKETS).layer()).isEqualTo(Source.Layer.MODE_DEFAULT);

      ResolvedConfig withEnv = fixture.env("ATRIUM_MEMORY_CACHE", "256MB").loader().load(file, NO_FLAGS);
      assertThat(withEnv.value(Setting.MEMORY_CACHE)).isEqualTo(256L << 20);
      assertThat(withEnv.source(Setting.MEMORY_CACHE))
          .isEqualTo(new Source(Source.Layer.ENV, "ATRIUM_MEMORY_CACHE"));
    }

    @Test
    @DisplayName("a null in the conf file means 'not set': the layer below applies (\"http.port\": null → 8080 default)")
    void nullMeansNotSet() {
      Path file = ConfigFixture.write(tmp.resolve("atrium.json"), "{\"http.port\": null, \"http.host\": null}");
      ResolvedConfig config = fixture.loader().load(file, NO_FLAGS);
      assertThat(config.value(Setting.HTTP_PORT)).isEqualTo(8080);
      assertThat(config.source(Setting.HTTP_PORT).layer()).isEqualTo(Source.Layer.DEFAULT);
      assertThat(config.value(Setting.HTTP_HOST)).isEqualTo("127.0.0.1");
      assertThat(config.source(Setting.HTTP_HOST).layer()).isEqualTo(Source.Layer.MODE_DEFAULT);
      assertThat(config.settings().http().port()).isEqualTo(8080);
    }

    @Test
    @DisplayName("mode defaults sit above the built-in defaults (diskCache.maxSize 10GB built in → 2GB in local)")
    void modeDefaultsBeatBuiltIns() {
      ResolvedConfig config = fixture.load();
      assertThat(config.value(Setting.DISK_CACHE_MAX)).isEqualTo(2L << 30);
      assertThat(config.source(Setting.DISK_CACHE_MAX)).isEqualTo(new Source(Source.Layer.MODE_DEFAULT, "local"));
      assertThat(config.source(Setting.DISK_CACHE_MAX)).hasToString("mode default (local)");
    }
  }

  @Nested
  @DisplayName("conf file location: --conf, then ATRIUM_CONF, then ./conf/atrium.json, then the user config path")
  class Location {

    private Path flagFile;
    private Path envFile;
    private Path workDirFile;
    private Path xdgFile;
    private Path homeFile;

    /** Puts a file at every candidate location, each with its own port. */
    @BeforeEach
    void everyCandidate() {
      flagFile = ConfigFixture.write(tmp.resolve("flag/atrium.json"), "{\"http.port\": 9101}");
      envFile = ConfigFixture.write(tmp.resolve("env/atrium.json"), "{\"http.port\": 9102}");
      workDirFile = ConfigFixture.write(fixture.workDir.resolve("conf/atrium.json"), "{\"http.port\": 9103}");
      xdgFile = ConfigFixture.write(tmp.resolve("xdg/atrium/atrium.json"), "{\"http.port\": 9104}");
      homeFile = ConfigFixture.write(fixture.home.resolve(".config/atrium/atrium.json"), "{\"http.port\": 9105}");
      fixture.env("ATRIUM_CONF", envFile.toString(), "XDG_CONFIG_HOME", tmp.resolve("xdg").toString());
    }

    private void assertRead(ResolvedConfig config, Path file, String how, int port) {
      assertThat(config.confFile().path()).isEqualTo(file);
      assertThat(config.confFile().how()).isEqualTo(how);
      assertThat(config.confFile().exists()).isTrue();
      assertThat(config.value(Setting.HTTP_PORT)).isEqualTo(port);
      assertThat(config.source(Setting.HTTP_PORT)).isEqualTo(new Source(Source.Layer.FILE, file.toString()));
    }

    @Test
    @DisplayName("--conf wins over every other location")
    void flagFirst() {
      assertRead(fixture.loader().load(flagFile, NO_FLAGS), flagFile, "flag --conf", 9101);
    }

    @Test
    @DisplayName("without --conf, ATRIUM_CONF wins")
    void envSecond() {
      assertRead(fixture.load(), envFile, "environment ATRIUM_CONF", 9102);
    }

    @Test
    @DisplayName("without either, ./conf/atrium.json in the working directory")
    void workDirThird() {
      fixture.env.remove("ATRIUM_CONF");
      assertRead(fixture.load(), workDirFile, "conf/atrium.json in the working directory", 9103);
    }

    @Test
    @DisplayName("then $XDG_CONFIG_HOME/atrium/atrium.json")
    void xdgFourth() throws Exception {
      fixture.env.remove("ATRIUM_CONF");
      Files.delete(workDirFile);
      assertRead(fixture.load(), xdgFile, "user config path", 9104);
      assertThat(fixture.loader().userConfigPath()).isEqualTo(xdgFile);
    }

    @Test
    @DisplayName("then $HOME/.config/atrium/atrium.json when XDG_CONFIG_HOME is unset or blank")
    void homeLast() throws Exception {
      fixture.env.remove("ATRIUM_CONF");
      Files.delete(workDirFile);
      fixture.env.remove("XDG_CONFIG_HOME");
      assertRead(fixture.load(), homeFile, "user config path", 9105);

      fixture.env("XDG_CONFIG_HOME", " ");
      assertRead(fixture.load(), homeFile, "user config path", 9105);
      assertThat(fixture.loader().userConfigPath()).isEqualTo(homeFile);
    }

    @Test
    @DisplayName("with no file anywhere, nothing is read and the user config path is reported as absent")
    void noFileAnywhere() throws Exception {
      fixture.env.remove("ATRIUM_CONF");
      fixture.env.remove("XDG_CONFIG_HOME");
      Files.delete(workDirFile);
      Files.delete(homeFile);
      ResolvedConfig config = fixture.load();
      assertThat(config.confFile().path()).isEqualTo(homeFile);
      assertThat(config.confFile().exists()).isFalse();
      assertThat(config.value(Setting.HTTP_PORT)).isEqualTo(8080);
      assertThat(config.source(Setting.HTTP_PORT).layer()).isEqualTo(Source.Layer.DEFAULT);
    }

    @Test
    @DisplayName("a --conf file that does not exist is refused, naming the path and --conf")
    void missingFlagFile() {
      Path missing = tmp.resolve("nowhere/atrium.json");
      assertThatThrownBy(() -> fixture.loader().load(missing, NO_FLAGS))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining(missing.toString())
          .hasMessageContaining("--conf")
          .hasMessageContaining("does not exist");
    }

    @Test
    @DisplayName("an ATRIUM_CONF file that does not exist is refused, naming the path and ATRIUM_CONF (no silent fallback)")
    void missingEnvFile() {
      Path missing = tmp.resolve("nowhere/atrium.json");
      fixture.env("ATRIUM_CONF", missing.toString());
      assertThatThrownBy(fixture::load)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining(missing.toString())
          .hasMessageContaining("ATRIUM_CONF")
          .hasMessageContaining("does not exist");
    }
  }
}
