package dev.atrium.boot;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atrium.config.ConfigException;
import dev.atrium.config.ResolvedConfig;
import dev.atrium.config.Setting;
import dev.atrium.config.SettingsLoader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code atrium config show|init|path}: inspect and start a configuration. */
@Command(name = "config", description = "Show, locate or create the configuration.",
    subcommands = {ConfigCommand.Show.class, ConfigCommand.Init.class, ConfigCommand.Path_.class})
final class ConfigCommand implements Runnable {

  @CommandLine.Spec
  private CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Prints every effective setting, where it came from, secrets masked. */
  @Command(name = "show", description = "Print every effective setting and where its value came from.")
  static final class Show implements Callable<Integer> {

    @Mixin
    private SettingsOptions options;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    private boolean json;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      ResolvedConfig config;
      try {
        config = SettingsLoader.fromProcess().load(options.conf, options.flags());
      } catch (ConfigException e) {
        spec.commandLine().getErr().println("atrium: " + e.getMessage());
        return Main.EXIT_CONFIG;
      }
      if (json) {
        out.println(toJson(config));
      } else {
        printTable(out, config);
      }
      out.flush();
      return 0;
    }

    private static String toJson(ResolvedConfig config) throws IOException {
      ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
      ObjectNode root = mapper.createObjectNode();
      root.put("mode", config.mode().id());
      root.put("modeReason", config.modeReason());
      root.put("confFile", config.confFile().path().toString());
      root.put("confFileRead", config.confFile().exists());
      ArrayNode settings = root.putArray("settings");
      for (Setting setting : Setting.values()) {
        ObjectNode row = settings.addObject();
        row.put("key", setting.key());
        row.put("env", setting.env());
        row.put("value", config.value(setting) == null ? null : config.shown(setting));
        row.put("source", config.source(setting).toString());
        row.put("layer", config.source(setting).layer().name().toLowerCase());
      }
      return mapper.writeValueAsString(root);
    }

    private static void printTable(PrintWriter out, ResolvedConfig config) {
      out.printf("mode: %s (%s)%n", config.mode().id(), config.modeReason());
      out.printf("conf file: %s (%s)%n", config.confFile().path(),
          config.confFile().exists() ? "read, " + config.confFile().how() : "not present");
      out.printf("%n%-28s %-34s %-32s %s%n", "SETTING", "ENVIRONMENT", "VALUE", "FROM");
      for (Setting setting : Setting.values()) {
        out.printf("%-28s %-34s %-32s %s%n", setting.key(), setting.env(), config.shown(setting),
            config.source(setting));
      }
    }
  }

  /** Writes a commented starter file to the user config path. */
  @Command(name = "init", description = "Write a commented starter configuration to the user config path.")
  static final class Init implements Callable<Integer> {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      Path path = SettingsLoader.fromProcess().userConfigPath();
      try {
        Files.createDirectories(path.getParent());
        Files.writeString(path, starterFile(), StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE);
      } catch (FileAlreadyExistsException e) {
        spec.commandLine().getErr().println("atrium: " + path + " already exists; not overwriting it");
        return Main.EXIT_FAILURE;
      }
      spec.commandLine().getOut().println("wrote " + path);
      return 0;
    }

    static String starterFile() {
      StringBuilder text = new StringBuilder();
      text.append("// Atrium configuration: JSON, with // comments allowed.\n")
          .append("// Values here override the built-in and per-mode defaults; environment variables\n")
          .append("// and command-line flags override this file. Uncomment a line to set it.\n")
          .append("// 'atrium config show' prints every effective value and where it came from.\n")
          .append("{\n");
      for (Setting setting : Setting.values()) {
        text.append("  // ").append(setting.description()).append(" (environment ").append(setting.env())
            .append(")\n");
        text.append("  // \"").append(setting.key()).append("\": ").append(example(setting)).append(",\n");
      }
      return text.append("}\n").toString();
    }

    private static String example(Setting setting) {
      return switch (setting.kind()) {
        case BOOL -> "true";
        case PORT -> setting == Setting.HTTP_PORT ? "8080" : "5701";
        case PORT_OR_ZERO -> "5710";
        case COUNT -> "4";
        case SIZE -> "\"512MB\"";
        case DURATION -> "\"10s\"";
        case RATE -> "\"5/1m\"";
        case HOST -> "\"127.0.0.1\"";
        case PATH -> "\"/var/lib/atrium\"";
        case ORIGIN_LIST -> "[\"https://atrium.example.org\"]";
        case ADDRESS_LIST -> "[\"10.0.0.0/8\"]";
        case MEMBER_LIST -> "[\"10.0.0.11:5701\", \"10.0.0.12:5701\"]";
        case MODE -> "\"local\"";
        case REDIS_URL -> "\"redis://127.0.0.1:6379\"";
        case MONGO_URI -> "\"mongodb://127.0.0.1:27017\"";
        case SECRET -> "\"a-long-random-secret-of-at-least-32-bytes\"";
        case TEXT -> setting == Setting.ADMIN_EMAIL ? "\"admin@example.org\"" : "\"atrium\"";
      };
    }
  }

  /** Prints which conf file is read and where {@code init} writes. */
  @Command(name = "path", description = "Print the configuration file in effect and the user config path.")
  static final class Path_ implements Callable<Integer> {

    @Option(names = "--conf", paramLabel = "FILE", description = "Configuration file, as for serve.")
    private Path conf;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      SettingsLoader loader = SettingsLoader.fromProcess();
      PrintWriter out = spec.commandLine().getOut();
      try {
        SettingsLoader.ConfFile file = loader.locateConfFile(conf);
        out.printf("in effect: %s (%s, %s)%n", file.path(), file.how(), file.exists() ? "present" : "not present");
      } catch (ConfigException e) {
        spec.commandLine().getErr().println("atrium: " + e.getMessage());
        return Main.EXIT_CONFIG;
      }
      out.printf("user config path: %s%n", loader.userConfigPath());
      out.flush();
      return 0;
    }
  }
}
