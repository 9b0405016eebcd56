package dev.atrium.config;

import static org.assertj.core.api.Assertions.assertThat;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("Settings validation")
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SettingsValidationTest {

  @TempDir
  Path tmp;

  private ConfigFixture fixture() {
    return new ConfigFixture(tmp);
  }

  @ParameterizedTest(name = "{0}={1} is refused naming {2}, {0} and the value: ''{3}''")
  @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
      ATRIUM_MODE                    | staging                          | mode                      | must be one of local, development, production
      ATRIUM_MEMORY_CACHE            | -5MB                             | cache.memory              | not negative
      ATRIUM_MEMORY_CACHE            | lots                             | cache.memory              | must be a size such as
      ATRIUM_DISK_CACHE_MAX          | 12QB                             | diskCache.maxSize         | must be a size such as
      ATRIUM_BODY_LIMIT              | 64 M B                           | http.bodyLimit            | must be a size such as
      REDIS_URL                      | localhost:6379                   | redis.url                 | must be a Redis URL
      REDIS_URL                      | http://127.0.0.1:6379            | redis.url                 | must be a Redis URL
      REDIS_URL                      | redis://                         | redis.url                 | must be a Redis URL
      MONGO_URI                      | http://x                         | mongo.uri                 | must be a MongoDB connection string
      MONGO_URI                      | mongodb://db:99999               | mongo.uri                 | port out of range
      ATRIUM_PORT                    | 0                                | http.port                 | must be a port between 1 and 65535
      ATRIUM_PORT                    | 70000                            | http.port                 | must be a port between 1 and 65535
      ATRIUM_PORT                    | abc                              | http.port                 | must be a whole number
      ATRIUM_CLUSTER_PORT            | -1                               | cluster.port              | must be a port between 1 and 65535
      ATRIUM_EVENTBUS_PORT           | 65536                            | cluster.eventBusPort      | must be a port between 0 (any free port) and 65535
      ATRIUM_HTTP_INSTANCES          | -2                               | http.instances            | must not be negative
      ATRIUM_SHUTDOWN_GRACE          | 10 seconds                       | shutdown.grace            | must be a duration such as 500ms, 10s or 2m
      ATRIUM_SHUTDOWN_GRACE          | -1s                              | shutdown.grace            | must be a duration
      ATRIUM_SHUTDOWN_GRACE          | 1.5s                             | shutdown.grace            | must be a duration
      ATRIUM_HTTP_COMPRESSION        | maybe                            | http.compression          | must be true or false
      ATRIUM_ENFORCE_CONNECTION_LIMITS | 2                              | connections.enforceLimits | must be true or false
      ALLOWED_ORIGINS                | atrium.example.org               | http.allowedOrigins       | must be origins such as https://atrium.example.org
      ALLOWED_ORIGINS                | https://ok.example.org,ftp://bad.example.org | http.allowedOrigins | must be origins such as
      ATRIUM_CLUSTER_MEMBERS         | 10.0.0.1:5701,10.0.0.2:abc       | cluster.members           | '10.0.0.2:abc' is not host or host:port
      ATRIUM_CLUSTER_MEMBERS         | node a                           | cluster.members           | 'node a' is not host or host:port
      ATRIUM_CLUSTER_MEMBERS         | " , "                            | cluster.members           | must name at least one member
      ATRIUM_HOST                    | bad host!                        | http.host                 | must be a host name or an IP address
      """)
  @DisplayName("an invalid environment value stops loading with one line naming the key, the variable and the value")
  void invalidEnvironmentValue(String variable, String value, String key, String reason) {
    ConfigFixture fixture = fixture().env(variable, value);
    assertThatThrownBy(fixture::load)
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("invalid setting " + key + " (" + variable + ") = '" + value + "'"
            + " from environment " + variable + ": ")
        .hasMessageContaining(reason)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  @DisplayName("the message is the one the operator sees: ATRIUM_PORT=70000")
  void exactPortMessage() {
    assertThatThrownBy(() -> fixture().env("ATRIUM_PORT", "70000").load())
        .isInstanceOf(ConfigException.class)
        .hasMessage("invalid setting http.port (ATRIUM_PORT) = '70000' from environment ATRIUM_PORT:"
            + " must be a port between 1 and 65535");
  }

  @Test
  @DisplayName("an invalid flag is refused naming the flag as the source (--port 70000)")
  void invalidFlag() {
    ConfigFixture fixture = fixture();
    assertThatThrownBy(() -> fixture.loader()
        .load(null, Map.of(Setting.HTTP_PORT, new FlagValue("70000", "--port"))))
        .isInstanceOf(ConfigException.class)
        .hasMessage("invalid setting http.port (ATRIUM_PORT) = '70000' from flag --port:"
            + " must be a port between 1 and 65535");
  }

  @Nested
  @DisplayName("in the conf file")
  class ConfFile {

    @Test
    @DisplayName("an invalid value is refused naming the key, the variable, the value and the file")
    void invalidValueInFile() {
      Path file = ConfigFixture.write(tmp.resolve("atrium.json"), "{\"http\": {\"port\": 70000}}");
      assertThatThrownBy(() -> fixture().loader().load(file, Map.of()))
          .isInstanceOf(ConfigException.class)
          .hasMessage("invalid setting http.port (ATRIUM_PORT) = '70000' from conf file " + file
              + ": must be a port between 1 and 65535");
    }

    @Test
    @DisplayName("a list where one value is expected is refused (\"http.port\": [1, 2])")
    void listForScalar() {
      Path file = ConfigFixture.write(tmp.resolve("atrium.json"), "{\"http.port\": [1, 2]}");
      assertThatThrownBy(() -> fixture().loader().load(file, Map.of()))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("http.port")
          .hasMessageContaining("must be a single value, not a list");
    }

    @Test
    @DisplayName("an invalid origin in a JSON array is refused")
    void badOriginInArray() {
      Path file = ConfigFixture.write(tmp.resolve("atrium.json"),
          "{\"http.allowedOrigins\": [\"https://ok.example.org\", \"not an origin\"]}");
      assertThatThrownBy(() -> fixture().loader().load(file, Map.of()))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("http.allowedOrigins")
          .hasMessageContaining("ALLOWED_ORIGINS")
          .hasMessageContaining("not an origin");
    }

    @Test
    @DisplayName("an unknown dotted key is refused, naming the key and the file")
    void unknownDottedKey() {
      Path file = ConfigFixture.write(tmp.resolve("atrium.json"), "{\"http.prot\": 9001}");
      assertThatThrownBy(() -> fixture().loader().load(file, Map.of()))
          .isInstanceOf(ConfigException.class)
          .hasMessage("unknown setting 'http.prot' in " + file + " (run 'atrium config show' for the list)");
    }

    @Test
    @DisplayName("an unknown nested key is refused by its full dotted name")
    void unknownNestedKey() {
      Path file = ConfigFixture.write(tmp.resolve("atrium.json"), "{\"cluster\": {\"memberz\": [\"a\"]}}");
      assertThatThrownBy(() -> fixture().loader().load(file, Map.of()))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("unknown setting 'cluster.memberz'")
          .hasMessageContaining(file.toString());
    }

    @Test
    @DisplayName("a section name given a scalar is an unknown key (\"cache\": \"1GB\")")
    void sectionAsScalar() {
      Path file = ConfigFixture.write(tmp.resolve("atrium.json"), "{\"cache\": \"1GB\"}");
      assertThatThrownBy(() -> fixture().loader().load(file, Map.of()))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("unknown setting 'cache'");
    }

    @Test
    @DisplayName("invalid JSON is refused, naming the file")
    void invalidJson() {
      Path file = ConfigFixture.write(tmp.resolve("atrium.json"), "{\n  \"http.port\": 9001\n  \"http.host\": \"x\"\n}");
      assertThatThrownBy(() -> fixture().loader().load(file, Map.of()))
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith("conf file " + file + " is not valid JSON: ")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    @DisplayName("a key given twice is refused as invalid JSON rather than silently taking one")
    void duplicateKey() {
      Path file = ConfigFixture.write(tmp.resolve("atrium.json"), "{\"http.port\": 9001, \"http.port\": 9002}");
      assertThatThrownBy(() -> fixture().loader().load(file, Map.of()))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining(file.toString())
          .hasMessageContaining("http.port");
    }

    @Test
    @DisplayName("a file that is not a JSON object is refused, naming the file")
    void notAnObject() {
      Path file = ConfigFixture.write(tmp.resolve("atrium.json"), "[8080]");
      assertThatThrownBy(() -> fixture().loader().load(file, Map.of()))
          .isInstanceOf(ConfigException.class)
          .hasMessage(file + " must hold a JSON object of settings");
    }
  }

  @Nested
  @DisplayName("secrets in error messages")
  class Secrets {

    @Test
    @DisplayName("an invalid auth.jwtSecret (ATRIUM_JWT_SECRET) is shown as **** in the message")
    void jwtSecretShownMasked() {
      Path file = ConfigFixture.write(tmp.resolve("atrium.json"), "{\"auth.jwtSecret\": \"   \"}");
      assertThatThrownBy(() -> fixture().loader().load(file, Map.of()))
          .isInstanceOf(ConfigException.class)
          .hasMessage("invalid setting auth.jwtSecret (ATRIUM_JWT_SECRET) = **** from conf file " + file
              + ": must not be empty");
    }

    @Test
    @DisplayName("an invalid auth.jwtSecret in the conf file never shows the secret")
    void jwtSecretFromFile() {
      Path file = ConfigFixture.write(tmp.resolve("atrium.json"),
          "{\"auth\": {\"jwtSecret\": [\"hunter2-very-secret-signing-key-0001\"]}}");
      assertThatThrownBy(() -> fixture().loader().load(file, Map.of()))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("auth.jwtSecret (ATRIUM_JWT_SECRET) = ****")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
    }

    @Test
    @DisplayName("an invalid ADMIN_PASSWORD in the conf file never shows the password")
    void adminPasswordFromFile() {
      Path file = ConfigFixture.write(tmp.resolve("atrium.json"),
          "{\"auth.adminPassword\": [\"correct-horse-battery\"]}");
      assertThatThrownBy(() -> fixture().loader().load(file, Map.of()))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("auth.adminPassword (ADMIN_PASSWORD) = ****")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("correct-horse"));
    }

    @Test
    @DisplayName("a malformed REDIS_URL that carries a password does not echo the password")
    void redisUrlPassword() {
      assertThatThrownBy(() -> fixture().env("REDIS_URL", "http://user:s3cret@127.0.0.1:6379").load())
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("redis.url (REDIS_URL)")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cret"));
    }

    @Test
    @DisplayName("a malformed MONGO_URI that carries a password does not echo the password")
    void mongoUriPassword() {
      assertThatThrownBy(() -> fixture().env("MONGO_URI", "http://user:s3cret@db.example.org").load())
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("mongo.uri (MONGO_URI)")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cret"));
    }
  }

  @Nested
  @DisplayName("value kinds")
  class Kinds {

    @Test
    @DisplayName("sizes: 64MB = 67108864, 1.5GB = 1610612736, 512KB = 524288, plain bytes, any case, JSON numbers")
    void sizes() {
      assertThat(ValueKind.SIZE.parse("64MB")).isEqualTo(67_108_864L);
      assertThat(ValueKind.SIZE.parse("1.5GB")).isEqualTo(1_610_612_736L);
      assertThat(ValueKind.SIZE.parse("512KB")).isEqualTo(524_288L);
      assertThat(ValueKind.SIZE.parse("2TB")).isEqualTo(2L << 40);
      assertThat(ValueKind.SIZE.parse("1048576")).isEqualTo(1_048_576L);
      assertThat(ValueKind.SIZE.parse("64mb")).isEqualTo(67_108_864L);
      assertThat(ValueKind.SIZE.parse(" 64 MB ")).isEqualTo(67_108_864L);
      assertThat(ValueKind.SIZE.parse(4096)).isEqualTo(4096L);
      assertThat(ValueKind.SIZE.parse(null)).isNull();
    }

    @Test
    @DisplayName("sizes refused: negative, unknown unit, no number, too large")
    void badSizes() {
      for (String bad : List.of("-5MB", "5XB", "MB", "", "1.5.5GB", "99999999999TB")) {
        assertThatThrownBy(() -> ValueKind.SIZE.parse(bad)).as(bad)
            .isInstanceOf(IllegalArgumentException.class);
      }
    }

    @Test
    @DisplayName("durations: 500ms, 10s, 2m, 1h and bare milliseconds")
    void durations() {
      assertThat(ValueKind.DURATION.parse("500ms")).isEqualTo(Duration.ofMillis(500));
      assertThat(ValueKind.DURATION.parse("10s")).isEqualTo(Duration.ofSeconds(10));
      assertThat(ValueKind.DURATION.parse("2m")).isEqualTo(Duration.ofMinutes(2));
      assertThat(ValueKind.DURATION.parse("1h")).isEqualTo(Duration.ofHours(1));
      assertThat(ValueKind.DURATION.parse("250")).isEqualTo(Duration.ofMillis(250));
      assertThat(ValueKind.DURATION.parse(250)).isEqualTo(Duration.ofMillis(250));
    }

    @Test
    @DisplayName("durations refused: negative, fractional, unknown unit, words")
    void badDurations() {
      for (String bad : List.of("-1s", "1.5s", "10d", "ten seconds", "")) {
        assertThatThrownBy(() -> ValueKind.DURATION.parse(bad)).as(bad)
            .isInstanceOf(IllegalArgumentException.class);
      }
    }

    @Test
    @DisplayName("booleans accept true/false, yes/no, on/off, 1/0 in any case")
    void booleans() {
      for (String yes : List.of("true", "TRUE", "yes", "on", "1")) {
        assertThat(ValueKind.BOOL.parse(yes)).as(yes).isEqualTo(true);
      }
      for (String no : List.of("false", "False", "no", "off", "0")) {
        assertThat(ValueKind.BOOL.parse(no)).as(no).isEqualTo(false);
      }
      assertThat(ValueKind.BOOL.parse(Boolean.TRUE)).isEqualTo(true);
    }

    @Test
    @DisplayName("ports: 1 and 65535 accepted, 0 accepted only where 'any free port' is allowed")
    void ports() {
      assertThat(ValueKind.PORT.parse("1")).isEqualTo(1);
      assertThat(ValueKind.PORT.parse(65535)).isEqualTo(65535);
      assertThatThrownBy(() -> ValueKind.PORT.parse("0")).isInstanceOf(IllegalArgumentException.class);
      assertThat(ValueKind.PORT_OR_ZERO.parse("0")).isEqualTo(0);
    }

    @Test
    @DisplayName("lists: comma-separated from the environment, '*' is a valid origin, members may omit the port")
    void lists() {
      assertThat(ValueKind.ORIGIN_LIST.parse("https://a.example.org, http://localhost:5173"))
          .isEqualTo(List.of("https://a.example.org", "http://localhost:5173"));
      assertThat(ValueKind.ORIGIN_LIST.parse("*")).isEqualTo(List.of("*"));
      assertThat(ValueKind.ORIGIN_LIST.parse("")).isEqualTo(List.of());
      assertThat(ValueKind.MEMBER_LIST.parse("10.0.0.11:5701,node-b"))
          .isEqualTo(List.of("10.0.0.11:5701", "node-b"));
    }

    @Test
    @DisplayName("URLs: redis://, rediss://, mongodb:// and mongodb+srv:// accepted")
    void urls() {
      assertThat(ValueKind.REDIS_URL.parse("redis://user:pw@127.0.0.1:6379/0")).isEqualTo("redis://user:pw@127.0.0.1:6379/0");
      assertThat(ValueKind.REDIS_URL.parse("rediss://cache.example.org")).isEqualTo("rediss://cache.example.org");
      assertThat(ValueKind.MONGO_URI.parse("mongodb://127.0.0.1:27017/atrium")).isEqualTo("mongodb://127.0.0.1:27017/atrium");
      assertThat(ValueKind.MONGO_URI.parse("mongodb+srv://cluster0.example.net")).isEqualTo("mongodb+srv://cluster0.example.net");
    }
  }
}
