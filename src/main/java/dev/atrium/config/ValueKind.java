package dev.atrium.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The type of a setting: how a raw value (a JSON value from a file, or a string from the
 * environment or a flag) becomes a typed one, and what is refused.
 *
 * <p>Every {@code parse} throws {@link IllegalArgumentException} whose message completes the
 * sentence "invalid setting KEY = VALUE: ...".
 */
public enum ValueKind {
  /** A mode name. */
  MODE {
    @Override Object parseText(String text) {
      return Mode.parse(text);
    }
  },
  /** Free text, never empty. */
  TEXT {
    @Override Object parseText(String text) {
      if (text.isBlank()) {
        throw new IllegalArgumentException("must not be empty");
      }
      return text;
    }
  },
  /** A secret: free text, masked wherever settings are shown. */
  SECRET {
    @Override Object parseText(String text) {
      return TEXT.parseText(text);
    }
  },
  /** A host name or IP address. */
  HOST {
    @Override Object parseText(String text) {
      if (!HOST_PATTERN.matcher(text).matches()) {
        throw new IllegalArgumentException("must be a host name or an IP address");
      }
      return text;
    }
  },
  /** A TCP port, 1-65535. */
  PORT {
    @Override Object parseText(String text) {
      int port = parseInt(text);
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("must be a port between 1 and 65535");
      }
      return port;
    }
  },
  /** A TCP port, or 0 for "any free port". */
  PORT_OR_ZERO {
    @Override Object parseText(String text) {
      int port = parseInt(text);
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("must be a port between 0 (any free port) and 65535");
      }
      return port;
    }
  },
  /** A whole number, zero or more. */
  COUNT {
    @Override Object parseText(String text) {
      int value = parseInt(text);
      if (value < 0) {
        throw new IllegalArgumentException("must not be negative");
      }
      return value;
    }
  },
  /** true or false. */
  BOOL {
    @Override Object parseText(String text) {
      return switch (text.trim().toLowerCase(Locale.ROOT)) {
        case "true", "yes", "on", "1" -> true;
        case "false", "no", "off", "0" -> false;
        default -> throw new IllegalArgumentException("must be true or false");
      };
    }
  },
  /** A byte size: a number of bytes, or a number with KB, MB, GB or TB (powers of 1024). */
  SIZE {
    @Override Object parseText(String text) {
      Matcher m = SIZE_PATTERN.matcher(text.trim());
      if (!m.matches()) {
        throw new IllegalArgumentException(
            "must be a size such as 1048576, 512KB, 64MB or 2GB (and not negative)");
      }
      long unit = switch (m.group(2).toUpperCase(Locale.ROOT)) {
        case "", "B" -> 1L;
        case "K", "KB", "KIB" -> 1L << 10;
        case "M", "MB", "MIB" -> 1L << 20;
        case "G", "GB", "GIB" -> 1L << 30;
        default -> 1L << 40;
      };
      double bytes = Double.parseDouble(m.group(1)) * unit;
      if (bytes > Long.MAX_VALUE) {
        throw new IllegalArgumentException("is too large");
      }
      return (long) bytes;
    }
  },
  /** A duration: milliseconds, or a number with ms, s, m or h. */
  DURATION {
    @Override Object parseText(String text) {
      Matcher m = DURATION_PATTERN.matcher(text.trim());
      if (!m.matches()) {
        throw new IllegalArgumentException("must be a duration such as 500ms, 10s or 2m (and not negative)");
      }
      long amount = Long.parseLong(m.group(1));
      return switch (m.group(2).toLowerCase(Locale.ROOT)) {
        case "", "ms" -> Duration.ofMillis(amount);
        case "s" -> Duration.ofSeconds(amount);
        case "m" -> Duration.ofMinutes(amount);
        default -> Duration.ofHours(amount);
      };
    }
  },
  /** A filesystem path. */
  PATH {
    @Override Object parseText(String text) {
      if (text.isBlank()) {
        throw new IllegalArgumentException("must not be empty");
      }
      return Path.of(text);
    }
  },
  /** A Redis URL: redis:// or rediss:// with a host. */
  REDIS_URL {
    @Override Object parseText(String text) {
      return checkUrl(text, List.of("redis", "rediss"), "a Redis URL such as redis://host:6379");
    }
  },
  /** A MongoDB connection string: mongodb:// or mongodb+srv:// with a host. */
  MONGO_URI {
    @Override Object parseText(String text) {
      return checkUrl(text, List.of("mongodb", "mongodb+srv"),
          "a MongoDB connection string such as mongodb://host:27017");
    }
  },
  /** A list of web origins (scheme://host[:port]); from the environment, comma-separated. */
  ORIGIN_LIST {
    @Override Object parseText(String text) {
      return parseList(text);
    }

    @Override Object parseList(List<String> items) {
      for (String origin : items) {
        if (!"*".equals(origin)) {
          checkUrl(origin, List.of("http", "https"), "origins such as https://atrium.example.org");
        }
      }
      return List.copyOf(items);
    }
  },
  /** A rate limit: {@code N/window}, e.g. {@code 5/1m}; {@code 0/1m} turns the limit off. */
  RATE {
    @Override Object parseText(String text) {
      Matcher m = RATE_PATTERN.matcher(text.trim());
      if (!m.matches()) {
        throw new IllegalArgumentException("must be a rate such as 5/1m or 600/60s (count/window)");
      }
      Duration window = (Duration) DURATION.parseText(m.group(2));
      if (window.isZero()) {
        throw new IllegalArgumentException("must have a window longer than zero");
      }
      return new RateLimit(Integer.parseInt(m.group(1)), window);
    }
  },
  /** A list of IP addresses or CIDR blocks; from the environment, comma-separated. */
  ADDRESS_LIST {
    @Override Object parseText(String text) {
      return parseList(text);
    }

    @Override Object parseList(List<String> items) {
      for (String item : items) {
        if (!CIDR_PATTERN.matcher(item).matches()) {
          throw new IllegalArgumentException("'" + item + "' is not an IP address or CIDR block");
        }
      }
      return List.copyOf(items);
    }
  },
  /** A list of cluster members, host or host:port; from the environment, comma-separated. */
  MEMBER_LIST {
    @Override Object parseText(String text) {
      return parseList(text);
    }

    @Override Object parseList(List<String> items) {
      if (items.isEmpty()) {
        throw new IllegalArgumentException("must name at least one member");
      }
      for (String member : items) {
        if (!MEMBER_PATTERN.matcher(member).matches()) {
          throw new IllegalArgumentException("'" + member + "' is not host or host:port");
        }
      }
      return List.copyOf(items);
    }
  };

  private static final Pattern HOST_PATTERN = Pattern.compile("[A-Za-z0-9._:\\[\\]-]{1,253}");
  private static final Pattern MEMBER_PATTERN =
      Pattern.compile("[A-Za-z0-9._-]{1,253}(:([1-9][0-9]{0,4}))?");
  private static final Pattern SIZE_PATTERN =
      Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*((?i)|B|K|KB|KIB|M|MB|MIB|G|GB|GIB|T|TB|TIB)");
  private static final Pattern RATE_PATTERN = Pattern.compile("([0-9]{1,9})\\s*/\\s*(\\S+)");
  private static final Pattern CIDR_PATTERN = Pattern.compile("[0-9A-Fa-f.:]{2,39}(/[0-9]{1,3})?");
  private static final Pattern DURATION_PATTERN = Pattern.compile("([0-9]{1,12})\\s*((?i)|ms|s|m|h)");

  /** Parses a raw value: a string, number, boolean or list. Null means "not set". */
  public Object parse(Object raw) {
    if (raw == null) {
      return null;
    }
    if (raw instanceof List<?> list) {
      List<String> items = new ArrayList<>();
      for (Object item : list) {
        items.add(String.valueOf(item).trim());
      }
      return parseList(items);
    }
    return parseText(String.valueOf(raw));
  }

  abstract Object parseText(String text);

  /** Kinds that are lists override this; a scalar kind given a list is an error. */
  Object parseList(List<String> items) {
    throw new IllegalArgumentException("must be a single value, not a list");
  }

  /** Whether values of this kind are hidden when settings are shown. */
  public boolean secret() {
    return this == SECRET;
  }

  static List<String> splitList(String text) {
    return Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }

  Object parseList(String text) {
    return parseList(splitList(text));
  }

  private static int parseInt(String text) {
    try {
      return Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("must be a whole number");
    }
  }

  private static String checkUrl(String text, List<String> schemes, String example) {
    try {
      URI uri = new URI(text.trim());
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!schemes.contains(scheme) || uri.getHost() == null || uri.getHost().isEmpty()) {
        throw new IllegalArgumentException("must be " + example);
      }
      if (uri.getPort() > 65535) {
        throw new IllegalArgumentException("has a port out of range");
      }
      return text.trim();
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("must be " + example + " (" + e.getReason() + ")");
    }
  }
}
