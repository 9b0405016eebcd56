package dev.atrium.forecast.model;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.TranslateException;
import dev.atrium.forecast.data.Scaler;
import dev.atrium.frames.Field;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a {@link ForecastNet} with DJL's {@link Trainer} (L2 loss, Adam, the engine's random seed
 * fixed, so the same series and options give the same parameters) and saves a model directory that
 * {@link DjlForecastModel#load(Path)} reads.
 *
 * <p>The series is standardized with its own {@link Scaler}, as the pipeline scales each dataset
 * with the dataset's scaler before sampling. Training uses every sliding window whose targets lie
 * before the held-out tail; validation uses the windows whose targets lie in it.
 */
public final class ModelTrainer {

  private static final Logger LOG = LoggerFactory.getLogger(ModelTrainer.class);
  private static final String ENGINE = "PyTorch";

  static {
    DjlSetup.apply();
  }

  private ModelTrainer() {
  }

  /**
   * What to train.
   *
   * @param name the model's name, also the parameters file's prefix
   * @param window points of history read
   * @param horizon points predicted
   * @param hidden units per hidden layer
   * @param dropout Monte-Carlo dropout probability
   * @param epochs passes over the training windows
   * @param seed engine random seed
   * @param batchSize windows per training step
   * @param learningRate Adam learning rate
   * @param validationFraction share of the series held out at its end
   * @param validationSamples stochastic passes averaged for the validation MAE
   */
  public record Options(String name, int window, int horizon, int hidden, float dropout, int epochs, int seed,
      int batchSize, float learningRate, double validationFraction, int validationSamples) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");

    /** Checks the values, naming the option at fault. */
    public Options {
      if (name == null || !NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("name must be 1-64 letters, digits, '_' or '-', got '" + name + "'");
      }
      atLeast("window", window, 1);
      atLeast("horizon", horizon, 1);
      atLeast("hidden", hidden, 1);
      atLeast("epochs", epochs, 1);
      atLeast("batch size", batchSize, 1);
      atLeast("validation samples", validationSamples, 1);
      if (!(dropout >= 0f && dropout < 1f)) {
        throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
      }
      if (!(learningRate > 0f && Float.isFinite(learningRate))) {
        throw new IllegalArgumentException("learning rate must be positive, got " + learningRate);
      }
      if (!(validationFraction > 0 && validationFraction < 1)) {
        throw new IllegalArgumentException("validation fraction must be in (0, 1), got " + validationFraction);
      }
    }

    /** The defaults of {@code atrium model train}. */
    public static Options defaults() {
      return new Options("forecast", 32, 8, 64, 0.1f, 40, 7, 64, 2e-3f, 0.2, 64);
    }

    private static void atLeast(String option, int value, int least) {
      if (value < least) {
        throw new IllegalArgumentException(option + " must be at least " + least + ", got " + value);
      }
    }
  }

  /**
   * Trains on {@code series} and writes {@code model.json} and the parameters file into {@code out}
   * (created if needed; an older parameters file of the same model name there is replaced).
   *
   * @param series the target column, oldest first
   * @param target the column's name, recorded in the config
   * @param csvSha256 sha256 of the CSV the series came from, recorded in the config
   * @param progress receives one line per epoch
   * @return the config written
   * @throws IllegalArgumentException when the series is too short for the window, horizon and tail
   */
  public static ModelConfig train(double[] series, String target, String csvSha256, Options options, Path out,
      Consumer<String> progress) throws IOException {
    int n = series.length;
    int w = options.window();
    int h = options.horizon();
    if (!longEnough(n, options)) {
      int least = w + h;
      while (!longEnough(least, options)) {
        least++;
      }
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "a series of %d rows is too short for window %d, horizon %d and a %.0f%% validation tail "
              + "(needs at least %d rows)", n, w, h, options.validationFraction() * 100, least));
    }
    int split = n - tail(n, options);
    for (int i = 0; i < n; i++) {
      if (!Double.isFinite(series[i])) {
        throw new IllegalArgumentException("series value " + i + " is not finite: " + series[i]);
      }
    }
    Scaler scaler = Scaler.fit(series);
    float[] scaled = new float[n];
    for (int i = 0; i < n; i++) {
      scaled[i] = (float) scaler.scale(series[i]);
    }
    Windows training = Windows.of(scaled, 0, split - w - h, w, h);
    Windows validation = Windows.of(scaled, split - w, n - w - h, w, h);

    long started = System.nanoTime();
    Engine.getEngine(ENGINE).setRandomSeed(options.seed());
    Block block = ForecastNet.build(options.hidden(), options.dropout(), h);
    try (Model model = Model.newInstance(options.name(), Device.cpu(), ENGINE)) {
      model.setBlock(block);
      double[] losses = fit(model, training, validation, options, progress);
      double[] maes = meanAbsoluteErrors(model, validation, options.validationSamples(), scaler.std());
      byte[] params = parameters(block);
      String paramsFile = String.format(Locale.ROOT, "%s-%04d.params", options.name(), options.epochs());
      ModelConfig config = new ModelConfig(ModelConfig.FORMAT, options.name(), w, h, options.hidden(),
          options.dropout(), target, csvSha256, n, options.epochs(), options.batchSize(), options.learningRate(),
          options.seed(), paramsFile, Field.sha256Hex(params),
          Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), losses[0], losses[1], maes[0], maes[1],
          validation.count, options.validationSamples());
      write(out, config, params);
      LOG.info("forecast model trained [name: {}, dir: {}, epochs: {}, validation mae: {}, naive mae: {}, s: {}]",
          config.name(), out.toAbsolutePath(), config.epochs(), String.format(Locale.ROOT, "%.4f", maes[0]),
          String.format(Locale.ROOT, "%.4f", maes[1]),
          String.format(Locale.ROOT, "%.1f", (System.nanoTime() - started) / 1e9));
      return config;
    } catch (TranslateException e) {
      throw new IllegalStateException("training batch failed", e);
    }
  }

  private static int tail(int rows, Options options) {
    return (int) Math.round(rows * options.validationFraction());
  }

  /** At least one training window before the tail, and one validation window inside it. */
  private static boolean longEnough(int rows, Options options) {
    int tail = tail(rows, options);
    return tail >= options.horizon() && rows - tail >= options.window() + options.horizon();
  }

  /** Trains; returns the last epoch's training loss and one validation pass's loss. */
  private static double[] fit(Model model, Windows training, Windows validation, Options options,
      Consumer<String> progress) throws IOException, TranslateException {
    NDManager manager = model.getNDManager();
    ArrayDataset data = new ArrayDataset.Builder()
        .setData(manager.create(training.x, new Shape(training.count, training.window)))
        .optLabels(manager.create(training.y, new Shape(training.count, training.horizon)))
        .setSampling(options.batchSize(), true)
        .build();
    DefaultTrainingConfig setup = new DefaultTrainingConfig(Loss.l2Loss())
        .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(options.learningRate())).build())
        .optDevices(new Device[] {Device.cpu()});
    double trainingLoss = Double.NaN;
    double validationLoss = Double.NaN;
    try (Trainer trainer = model.newTrainer(setup)) {
      trainer.initialize(new Shape(options.batchSize(), training.window));
      for (int epoch = 1; epoch <= options.epochs(); epoch++) {
        double sum = 0;
        long windows = 0;
        for (Batch batch : trainer.iterateDataset(data)) {
          try (batch; GradientCollector collector = trainer.newGradientCollector()) {
            NDList predictions = trainer.forward(batch.getData());
            NDArray loss = trainer.getLoss().evaluate(batch.getLabels(), predictions);
            collector.backward(loss);
            sum += loss.getFloat() * batch.getSize();
            windows += batch.getSize();
          }
          trainer.step();
        }
        trainingLoss = sum / windows;
        validationLoss = validationLoss(trainer, validation);
        progress.accept(String.format(Locale.ROOT, "epoch %d/%d: training loss %.5f, validation loss %.5f",
            epoch, options.epochs(), trainingLoss, validationLoss));
      }
    }
    return new double[] {trainingLoss, validationLoss};
  }

  private static double validationLoss(Trainer trainer, Windows validation) {
    try (NDManager scratch = trainer.getManager().newSubManager()) {
      NDArray x = scratch.create(validation.x, new Shape(validation.count, validation.window));
      NDArray y = scratch.create(validation.y, new Shape(validation.count, validation.horizon));
      NDList predictions = trainer.evaluate(new NDList(x));
      return trainer.getLoss().evaluate(new NDList(y), predictions).getFloat();
    }
  }

  /**
   * Mean absolute error, in the series' units, of the mean of {@code k} stochastic passes, and of
   * the naive forecast that repeats each window's last value; over every window and horizon step.
   */
  private static double[] meanAbsoluteErrors(Model model, Windows validation, int k, double std) {
    float[] mean = new float[validation.y.length];
    try (DjlPasses passes = new DjlPasses(model)) {
      for (int s = 0; s < k; s++) {
        float[] sample = passes.forward(validation);
        for (int i = 0; i < mean.length; i++) {
          mean[i] += sample[i] / k;
        }
      }
    }
    double forecastError = 0;
    double naive = 0;
    for (int r = 0; r < validation.count; r++) {
      float last = validation.x[r * validation.window + validation.window - 1];
      for (int j = 0; j < validation.horizon; j++) {
        float actual = validation.y[r * validation.horizon + j];
        forecastError += Math.abs(mean[r * validation.horizon + j] - actual);
        naive += Math.abs(last - actual);
      }
    }
    double cells = (double) validation.count * validation.horizon;
    return new double[] {forecastError / cells * std, naive / cells * std};
  }

  private static byte[] parameters(Block block) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      block.saveParameters(out);
    }
    return bytes.toByteArray();
  }

  private static void write(Path out, ModelConfig config, byte[] params) throws IOException {
    Files.createDirectories(out);
    Pattern older = Pattern.compile(Pattern.quote(config.name()) + "-\\d{4}\\.params");
    try (Stream<Path> files = Files.list(out)) {
      for (Path file : files.toList()) {
        String name = file.getFileName().toString();
        if (older.matcher(name).matches() && !name.equals(config.params())) {
          Files.delete(file);
        }
      }
    }
    Files.write(out.resolve(config.params()), params);
    Files.writeString(out.resolve(ModelConfig.FILE), config.toJson());
  }

  /** Forward passes of the trained block in inference mode (dropout stays on: {@link McDropout}). */
  private static final class DjlPasses implements AutoCloseable {
    private final Model model;
    private final NDManager manager;
    private final ai.djl.training.ParameterStore parameters;

    DjlPasses(Model model) {
      this.model = model;
      this.manager = model.getNDManager().newSubManager();
      this.parameters = new ai.djl.training.ParameterStore(manager, false);
    }

    float[] forward(Windows windows) {
      try (NDManager call = manager.newSubManager()) {
        NDArray x = call.create(windows.x, new Shape(windows.count, windows.window));
        return model.getBlock().forward(parameters, new NDList(x), false).singletonOrThrow().toFloatArray();
      }
    }

    @Override
    public void close() {
      manager.close();
    }
  }

  /** Sliding windows {@code x[i..i+w)} → {@code y[i+w..i+w+h)} for start points {@code from..to}, row-major. */
  private record Windows(float[] x, float[] y, int count, int window, int horizon) {
    static Windows of(float[] series, int from, int to, int w, int h) {
      int count = to - from + 1;
      float[] x = new float[count * w];
      float[] y = new float[count * h];
      for (int r = 0; r < count; r++) {
        System.arraycopy(series, from + r, x, r * w, w);
        System.arraycopy(series, from + r + w, y, r * h, h);
      }
      return new Windows(x, y, count, w, h);
    }
  }
}
