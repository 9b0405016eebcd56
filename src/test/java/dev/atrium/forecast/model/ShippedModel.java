package dev.atrium.forecast.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The shipped default model's files, read from the class path, for tests that copy or damage them. */
final class ShippedModel {

  private ShippedModel() {
  }

  /** The bytes of one file of the shipped model. */
  static byte[] bytes(String file) {
    try (InputStream in = ShippedModel.class.getResourceAsStream(DjlForecastModel.DEFAULT_RESOURCE + file)) {
      if (in == null) {
        throw new IllegalStateException("the shipped model has no " + file);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The shipped model's config. */
  static ModelConfig config() {
    try {
      return ModelConfig.parse(bytes(ModelConfig.FILE));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Copies the shipped model into {@code dir} (created) and returns it. */
  static Path copyTo(Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.write(dir.resolve(ModelConfig.FILE), bytes(ModelConfig.FILE));
    String params = config().params();
    Files.write(dir.resolve(params), bytes(params));
    return dir;
  }
}
