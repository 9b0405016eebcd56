package dev.atrium.boot;

import dev.atrium.forecast.model.DjlSetup;
import dev.atrium.node.NodeIdentity;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code atrium} command line: {@code serve}, {@code config show|init|path},
 * {@code model train|synth|info}, {@code version}.
 * Exit codes: 0 success, 1 startup or runtime failure, 2 invalid configuration or usage.
 */
@Command(name = "atrium", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
    description = "Atrium: collaborative scientific visualization with on-demand model inference.",
    subcommands = {ServeCommand.class, ConfigCommand.class, ModelCommand.class, VersionCommand.class,
        CommandLine.HelpCommand.class})
public final class Main implements Runnable {

  /** Exit code for a configuration the server refuses (picocli uses the same for bad usage). */
  public static final int EXIT_CONFIG = 2;
  /** Exit code for a failed startup or shutdown. */
  public static final int EXIT_FAILURE = 1;

  static {
    // before any DJL class loads: libtorch comes from the jar, nothing is downloaded at run time;
    // one PyTorch thread per pass (the parallelism is one inference worker per core)
    DjlSetup.apply();
  }

  @CommandLine.Spec
  private CommandLine.Model.CommandSpec spec;

  /** Runs the command line and exits with its code. */
  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The command line, for tests that run commands in-process. */
  public static CommandLine commandLine() {
    return new CommandLine(new Main());
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Supplies {@code --version}. */
  static final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"atrium " + NodeIdentity.version()};
    }
  }
}
