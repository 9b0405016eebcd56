package dev.atrium.forecast.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.atrium.frames.Field;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The forecast model: the {@link ForecastNet} MLP with Monte-Carlo dropout on the PyTorch engine,
 * loaded from a model directory ({@code model.json} plus the parameters file it names and whose
 * sha256 it records). The parameters are shared; every {@link #newForecaster()} gets its own DJL
 * {@code Predictor}, so workers never share native state.
 *
 * <p>The shipped default model lives on the class path under {@value #DEFAULT_RESOURCE}
 * ({@link #loadDefault()}); the README says how it was produced.
 */
public final class DjlForecastModel implements ForecastModel {

  /** Class-path folder of the shipped default model. */
  public static final String DEFAULT_RESOURCE = "/models/default/";

  private static final Logger LOG = LoggerFactory.getLogger(DjlForecastModel.class);

  static {
    DjlSetup.apply();
  }

  private final ModelConfig config;
  private final Model model;
  private final String source;
  private final Set<DjlForecaster> forecasters = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean closed = new AtomicBoolean();

  private DjlForecastModel(ModelConfig config, Model model, String source) {
    this.config = config;
    this.model = model;
    this.source = source;
  }

  /**
   * Loads the model in {@code dir}.
   *
   * @throws ModelLoadException naming the directory or file and the cause: missing, bad JSON,
   *     sha256 mismatch, truncated or corrupt parameters, shapes that do not fit the config
   */
  public static DjlForecastModel load(Path dir) throws ModelLoadException {
    Path absolute = dir.toAbsolutePath().normalize();
    if (!Files.exists(absolute)) {
      throw new ModelLoadException("model directory " + absolute + ": does not exist");
    }
    if (!Files.isDirectory(absolute)) {
      throw new ModelLoadException("model directory " + absolute + ": is not a directory");
    }
    return load(new ModelFiles() {
      @Override
      public String location() {
        return absolute.toString();
      }

      @Override
      public String where(String file) {
        return absolute.resolve(file).toString();
      }

      @Override
      public byte[] read(String file) throws IOException {
        return Files.readAllBytes(absolute.resolve(file));
      }
    });
  }

  /** Loads the default model shipped on the class path; failures as for {@link #load(Path)}. */
  public static DjlForecastModel loadDefault() throws ModelLoadException {
    return load(new ModelFiles() {
      @Override
      public String location() {
        return "classpath:" + DEFAULT_RESOURCE;
      }

      @Override
      public String where(String file) {
        return location() + file;
      }

      @Override
      public byte[] read(String file) throws IOException {
        try (InputStream in = DjlForecastModel.class.getResourceAsStream(DEFAULT_RESOURCE + file)) {
          if (in == null) {
            throw new NoSuchFileException(where(file));
          }
          return in.readAllBytes();
        }
      }
    });
  }

  private static DjlForecastModel load(ModelFiles files) throws ModelLoadException {
    long started = System.nanoTime();
    ModelConfig config = readConfig(files);
    String paramsFile = files.where(config.params());
    byte[] params = read(files, config.params());
    String actual = Field.sha256Hex(params);
    if (!actual.equals(config.paramsSha256())) {
      throw new ModelLoadException("model file " + paramsFile + ": sha256 mismatch (" + ModelConfig.FILE + " says "
          + config.paramsSha256() + ", file is " + actual + ")");
    }
    Block block = ForecastNet.build(config.hidden(), config.dropout(), config.horizon());
    Model model;
    try {
      model = Model.newInstance(config.name(), Device.cpu(), "PyTorch");
    } catch (EngineException | IllegalArgumentException e) {
      throw new ModelLoadException("model file " + paramsFile + ": the PyTorch engine did not start: "
          + e.getMessage(), e);
    }
    try {
      model.setBlock(block);
      loadParameters(block, model.getNDManager(), params, paramsFile);
      checkShapes(block, config, paramsFile);
    } catch (ModelLoadException e) {
      model.close();
      throw e;
    }
    DjlForecastModel loaded = new DjlForecastModel(config, model, files.location());
    LOG.info("forecast model loaded [name: {}, sha256: {}, from: {}, ms: {}]", config.name(), actual,
        loaded.source, (System.nanoTime() - started) / 1_000_000);
    return loaded;
  }

  private static ModelConfig readConfig(ModelFiles files) throws ModelLoadException {
    String where = files.where(ModelConfig.FILE);
    byte[] json = read(files, ModelConfig.FILE);
    try {
      return ModelConfig.parse(json);
    } catch (JsonProcessingException e) {
      String at = e.getLocation() == null ? ""
          : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
      throw new ModelLoadException("model file " + where + ": bad JSON" + at + ": " + firstLine(e.getOriginalMessage()), e);
    } catch (IOException e) {
      throw new ModelLoadException("model file " + where + ": unreadable JSON: " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new ModelLoadException("model file " + where + ": invalid: " + e.getMessage(), e);
    }
  }

  private static byte[] read(ModelFiles files, String file) throws ModelLoadException {
    try {
      return files.read(file);
    } catch (NoSuchFileException e) {
      throw new ModelLoadException("model file " + files.where(file) + ": missing", e);
    } catch (IOException e) {
      throw new ModelLoadException("model file " + files.where(file) + ": unreadable: " + e, e);
    }
  }

  private static void loadParameters(Block block, NDManager manager, byte[] params, String where)
      throws ModelLoadException {
    ByteArrayInputStream bytes = new ByteArrayInputStream(params);
    try (DataInputStream in = new DataInputStream(bytes)) {
      block.loadParameters(manager, in);
      if (bytes.available() > 0) {
        throw new ModelLoadException("model file " + where + ": corrupt parameters: " + bytes.available()
            + " unexpected bytes after the last parameter");
      }
    } catch (EOFException e) {
      throw new ModelLoadException("model file " + where + ": truncated parameters: the file ends after "
          + params.length + " bytes, inside parameter data", e);
    } catch (MalformedModelException | IOException | RuntimeException e) {
      throw new ModelLoadException("model file " + where + ": corrupt parameters: " + e.getMessage(), e);
    }
  }

  /** Parameters load with whatever shape the file holds; compare them with what the config implies. */
  private static void checkShapes(Block loaded, ModelConfig config, String where) throws ModelLoadException {
    List<Pair<String, Shape>> expected = new ArrayList<>();
    Block reference = ForecastNet.build(config.hidden(), config.dropout(), config.horizon());
    try (NDManager scratch = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
      reference.initialize(scratch, DataType.FLOAT32, new Shape(1, config.window()));
      for (Pair<String, Parameter> p : reference.getParameters()) {
        expected.add(new Pair<>(p.getKey(), p.getValue().getArray().getShape()));
      }
    }
    List<Pair<String, Parameter>> actual = loaded.getParameters().stream().toList();
    String implied = "model.json (window " + config.window() + ", hidden " + config.hidden() + ", horizon "
        + config.horizon() + ")";
    if (actual.size() != expected.size()) {
      throw new ModelLoadException("model file " + where + ": shape mismatch: " + actual.size()
          + " parameters, " + implied + " needs " + expected.size());
    }
    for (int i = 0; i < expected.size(); i++) {
      Parameter parameter = actual.get(i).getValue();
      Shape want = expected.get(i).getValue();
      Shape have = parameter.isInitialized() ? parameter.getArray().getShape() : null;
      if (!want.equals(have)) {
        throw new ModelLoadException("model file " + where + ": shape mismatch: parameter " + actual.get(i).getKey()
            + " is " + have + " but " + implied + " needs " + want);
      }
    }
  }

  private static String firstLine(String text) {
    if (text == null) {
      return "unreadable";
    }
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline);
  }

  /** The model's {@code model.json}. */
  public ModelConfig config() {
    return config;
  }

  /** Where the model was loaded from (a directory, or a {@code classpath:} folder). */
  public String source() {
    return source;
  }

  @Override
  public String name() {
    return config.name();
  }

  @Override
  public String sha256() {
    return config.paramsSha256();
  }

  @Override
  public int window() {
    return config.window();
  }

  @Override
  public int horizon() {
    return config.horizon();
  }

  /** A forecaster with its own predictor; call from any thread, use from one at a time. */
  @Override
  public DjlForecaster newForecaster() {
    if (closed.get()) {
      throw new IllegalStateException("forecast model " + name() + " is closed");
    }
    DjlForecaster forecaster = new DjlForecaster(this, model, config.window(), config.horizon());
    forecasters.add(forecaster);
    return forecaster;
  }

  void released(DjlForecaster forecaster) {
    forecasters.remove(forecaster);
  }

  /**
   * Unloads the model. Forecasters still open are closed first (and counted in a warning): close
   * them before, from the threads that use them, since a predictor must not be closed mid-pass.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (!forecasters.isEmpty()) {
      LOG.warn("forecast model closed with forecasters open [name: {}, open: {}]", name(), forecasters.size());
      for (DjlForecaster forecaster : List.copyOf(forecasters)) {
        forecaster.close();
      }
    }
    model.close();
    LOG.info("forecast model unloaded [name: {}]", name());
  }

  /** The files of one model directory, on disk or on the class path. */
  private interface ModelFiles {
    /** The directory, for messages and {@link #source()}. */
    String location();

    /** How to name {@code file} in a message. */
    String where(String file);

    /** The file's bytes; {@link NoSuchFileException} when it is not there. */
    byte[] read(String file) throws IOException;
  }
}
