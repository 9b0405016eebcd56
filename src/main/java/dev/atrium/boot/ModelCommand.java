package dev.atrium.boot;

import dev.atrium.forecast.data.CsvException;
import dev.atrium.forecast.data.CsvTable;
import dev.atrium.forecast.data.Dataset;
import dev.atrium.forecast.model.DjlForecastModel;
import dev.atrium.forecast.model.ModelConfig;
import dev.atrium.forecast.model.ModelLoadException;
import dev.atrium.forecast.model.ModelTrainer;
import dev.atrium.forecast.model.SyntheticSeries;
import dev.atrium.frames.Field;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code atrium model train|synth|info}: make, inspect and feed the forecast model. */
@Command(name = "model", description = "Train the forecast model, generate a synthetic series, or inspect a model.",
    subcommands = {ModelCommand.Train.class, ModelCommand.Synth.class, ModelCommand.Info.class})
final class ModelCommand implements Runnable {

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
  private boolean help;

  @CommandLine.Spec
  private CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Trains a model on one column of a CSV and writes its directory. */
  @Command(name = "train", description = "Train a forecast model on one column of a CSV file and save it with "
      + "its config and the sha256 of its parameters.")
  static final class Train implements Callable<Integer> {
    private static final ModelTrainer.Options DEFAULTS = ModelTrainer.Options.defaults();

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    private boolean help;

    @Option(names = "--csv", required = true, paramLabel = "FILE", description = "Training CSV (header row).")
    private Path csv;

    @Option(names = "--target", required = true, paramLabel = "COLUMN", description = "Numeric column to forecast.")
    private String target;

    @Option(names = "--window", paramLabel = "W", description = "Points of history read (default ${DEFAULT-VALUE}).")
    private int window = DEFAULTS.window();

    @Option(names = "--horizon", paramLabel = "H", description = "Points predicted (default ${DEFAULT-VALUE}).")
    private int horizon = DEFAULTS.horizon();

    @Option(names = "--epochs", paramLabel = "N", description = "Training epochs (default ${DEFAULT-VALUE}).")
    private int epochs = DEFAULTS.epochs();

    @Option(names = "--hidden", paramLabel = "N", description = "Units per hidden layer (default ${DEFAULT-VALUE}).")
    private int hidden = DEFAULTS.hidden();

    @Option(names = "--dropout", paramLabel = "P", description = "Monte-Carlo dropout probability (default ${DEFAULT-VALUE}).")
    private float dropout = DEFAULTS.dropout();

    @Option(names = "--seed", paramLabel = "S", description = "Random seed (default ${DEFAULT-VALUE}).")
    private int seed = DEFAULTS.seed();

    @Option(names = "--batch-size", paramLabel = "N", description = "Windows per step (default ${DEFAULT-VALUE}).")
    private int batchSize = DEFAULTS.batchSize();

    @Option(names = "--learning-rate", paramLabel = "R", description = "Adam learning rate (default ${DEFAULT-VALUE}).")
    private float learningRate = DEFAULTS.learningRate();

    @Option(names = "--name", paramLabel = "NAME", description = "Model name (default ${DEFAULT-VALUE}).")
    private String name = DEFAULTS.name();

    @Option(names = "--out", paramLabel = "DIR", description = "Model directory to write (default ${DEFAULT-VALUE}).")
    private Path out = Path.of("model");

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter stdout = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      ModelTrainer.Options options;
      Dataset dataset;
      double[] series;
      try {
        options = new ModelTrainer.Options(name, window, horizon, hidden, dropout, epochs, seed, batchSize,
            learningRate, DEFAULTS.validationFraction(), DEFAULTS.validationSamples());
        dataset = CsvTable.parse(Files.readAllBytes(csv));
        series = dataset.values()[CsvTable.column(dataset, target)];
      } catch (NoSuchFileException e) {
        err.println("atrium: " + csv + ": no such file");
        return Main.EXIT_CONFIG;
      } catch (IOException e) {
        err.println("atrium: cannot read " + csv + ": " + e);
        return Main.EXIT_FAILURE;
      } catch (CsvException e) {
        err.println("atrium: " + csv + ": " + e.getMessage());
        return Main.EXIT_CONFIG;
      } catch (IllegalArgumentException e) {
        err.println("atrium: " + e.getMessage());
        return Main.EXIT_CONFIG;
      }
      stdout.printf("training on %s, column '%s': %d rows, sha256 %s%n", csv, target, series.length,
          dataset.hash());
      stdout.flush();
      ModelConfig config;
      try {
        config = ModelTrainer.train(series, target, dataset.hash(), options, out, line -> {
          stdout.println(line);
          stdout.flush();
        });
      } catch (IllegalArgumentException e) {
        err.println("atrium: " + e.getMessage());
        return Main.EXIT_CONFIG;
      } catch (IOException e) {
        err.println("atrium: cannot write the model to " + out + ": " + e);
        return Main.EXIT_FAILURE;
      }
      try (DjlForecastModel loaded = DjlForecastModel.load(out)) {
        print(stdout, config, loaded.source(), "verified by loading it back");
      } catch (ModelLoadException e) {
        err.println("atrium: the model just written does not load: " + e.getMessage());
        return Main.EXIT_FAILURE;
      }
      return 0;
    }
  }

  /** Writes the synthetic sine-plus-noise series the default model is trained on. */
  @Command(name = "synth", description = "Write a seeded synthetic sine-plus-noise series as CSV "
      + "(columns timestamp, value).")
  static final class Synth implements Callable<Integer> {

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    private boolean help;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "CSV file to write.")
    private Path out;

    @Option(names = "--rows", paramLabel = "N", description = "Number of points (default ${DEFAULT-VALUE}).")
    private int rows = 5000;

    @Option(names = "--seed", paramLabel = "S", description = "Seed for phases and noise (default ${DEFAULT-VALUE}).")
    private long seed = 7;

    @Option(names = "--trend", paramLabel = "T", description = "Linear trend added per point (default ${DEFAULT-VALUE}).")
    private double trend = 0;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      byte[] csv;
      try {
        csv = new SyntheticSeries(rows, seed, trend).csv();
      } catch (IllegalArgumentException e) {
        spec.commandLine().getErr().println("atrium: " + e.getMessage());
        return Main.EXIT_CONFIG;
      }
      try {
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
          Files.createDirectories(parent);
        }
        Files.write(out, csv);
      } catch (IOException e) {
        spec.commandLine().getErr().println("atrium: cannot write " + out + ": " + e);
        return Main.EXIT_FAILURE;
      }
      spec.commandLine().getOut().printf("wrote %s: %d rows, seed %d, trend %s, sha256 %s%n", out, rows, seed,
          trend, Field.sha256Hex(csv));
      spec.commandLine().getOut().flush();
      return 0;
    }
  }

  /** Prints a model's config after loading it (which checks its sha256 and shapes). */
  @Command(name = "info", description = "Load a model (checking its sha256) and print its config; "
      + "without DIR, the default model shipped in the jar.")
  static final class Info implements Callable<Integer> {

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    private boolean help;

    @Parameters(arity = "0..1", paramLabel = "DIR", description = "Model directory (default: the shipped model).")
    private Path dir;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      try (DjlForecastModel model = dir == null ? DjlForecastModel.loadDefault() : DjlForecastModel.load(dir)) {
        print(spec.commandLine().getOut(), model.config(), model.source(), "verified");
        return 0;
      } catch (ModelLoadException e) {
        spec.commandLine().getErr().println("atrium: " + e.getMessage());
        return Main.EXIT_FAILURE;
      }
    }
  }

  private static void print(PrintWriter out, ModelConfig c, String source, String check) {
    out.printf(Locale.ROOT, "model %s at %s%n", c.name(), source);
    out.printf(Locale.ROOT, "  architecture      %s%n", c.architecture());
    out.printf(Locale.ROOT, "  window %d, horizon %d, hidden %d, dropout %s%n", c.window(), c.horizon(), c.hidden(),
        c.dropout());
    out.printf(Locale.ROOT, "  trained on        column '%s' of a %d-row CSV, sha256 %s%n", c.target(),
        c.trainingRows(), c.trainingCsvSha256());
    out.printf(Locale.ROOT, "  training          %d epochs, batch %d, Adam learning rate %s, seed %d, finished %s%n",
        c.epochs(), c.batchSize(), c.learningRate(), c.seed(), c.created());
    out.printf(Locale.ROOT, "  training loss     %.5f (L2, half the MSE, scaled units)%n", c.trainingLoss());
    out.printf(Locale.ROOT, "  validation loss   %.5f (one stochastic pass over %d held-out windows)%n",
        c.validationLoss(), c.validationWindows());
    out.printf(Locale.ROOT, "  validation MAE    %.4f (mean of %d samples, series units)%n", c.validationMae(),
        c.validationSamples());
    out.printf(Locale.ROOT, "  naive MAE         %.4f (last value repeated)%n", c.naiveMae());
    out.printf(Locale.ROOT, "  params            %s, sha256 %s (%s)%n", c.params(), c.paramsSha256(), check);
    out.flush();
  }
}
