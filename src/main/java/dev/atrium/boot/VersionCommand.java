package dev.atrium.boot;

import dev.atrium.node.NodeIdentity;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code atrium version}: the Atrium version and the Java runtime it runs on. */
@Command(name = "version", description = "Print the Atrium version.")
final class VersionCommand implements Callable<Integer> {

  @CommandLine.Spec
  private CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().getOut().printf("atrium %s (java %s, %s)%n", NodeIdentity.version(),
        System.getProperty("java.version"), System.getProperty("java.vm.name"));
    return 0;
  }
}
