package dev.atrium.blobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.blobs.DataProvider.BlobInfo;
import dev.atrium.blobs.DataProvider.BlobMismatchException;
import dev.atrium.blobs.impl.LocalDataProvider;
import dev.atrium.frames.Field;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The local filesystem data provider")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LocalDataProviderTest extends DataProviderContract {

  @TempDir
  Path root;

  @Override
  DataProvider create(Vertx vertx) {
    return new LocalDataProvider(vertx, root);
  }

  @Override
  List<String> storedEntries() throws IOException {
    return files().stream().map(path -> root.relativize(path).toString()).toList();
  }

  @Override
  void afterConcurrentPuts(String sha256) throws IOException {
    assertThat(temporaryFiles()).as("temporary files left by 50 writers").isEmpty();
  }

  @Test
  @DisplayName("stores a blob at blobs/<aa>/<bb>/<sha256> and leaves no temporary file")
  void layout() throws Exception {
    byte[] data = bytes("laid out");
    String sha = Field.sha256Hex(data);
    await(provider.put(sha, data));
    Path expected = root.resolve("blobs").resolve(sha.substring(0, 2)).resolve(sha.substring(2, 4)).resolve(sha);
    assertThat(Files.readAllBytes(expected)).isEqualTo(data);
    assertThat(files()).containsExactly(expected);
    assertThat(temporaryFiles()).isEmpty();
  }

  @Test
  @DisplayName("never lists a leftover temporary file, and sweepIncomplete removes every one")
  void sweepsTemporaryFiles() throws Exception {
    byte[] data = bytes("complete");
    String sha = Field.sha256Hex(data);
    await(provider.put(sha, data));
    Path directory = root.resolve("blobs").resolve(sha.substring(0, 2)).resolve(sha.substring(2, 4));
    // what kill -9 leaves: a half-written temp file beside a finished blob, and one elsewhere
    byte[] other = bytes("interrupted");
    String otherSha = Field.sha256Hex(other);
    Path otherDirectory = root.resolve("blobs").resolve(otherSha.substring(0, 2)).resolve(otherSha.substring(2, 4));
    Files.createDirectories(otherDirectory);
    Files.write(directory.resolve(".x.tmp"), bytes("partial"));
    Files.write(otherDirectory.resolve("." + otherSha + ".0123456789abcdef.tmp"), bytes("inter"));

    assertThat(await(provider.list())).extracting(BlobInfo::sha256).containsExactly(sha);
    assertThat(await(provider.exists(otherSha))).isFalse();

    assertThat(await(provider.sweepIncomplete())).isEqualTo(2);
    assertThat(temporaryFiles()).isEmpty();
    assertThat(await(provider.get(sha))).as("the finished blob survives the sweep").isEqualTo(data);
    assertThat(await(provider.sweepIncomplete())).as("a second sweep finds nothing").isZero();
  }

  @Test
  @DisplayName("sweeps nothing, and lists nothing, before anything was stored")
  void emptyRoot() throws Exception {
    assertThat(await(provider.sweepIncomplete())).isZero();
    assertThat(await(provider.list())).isEmpty();
  }

  @Test
  @DisplayName("refuses to hand out a blob whose file was altered on disk")
  void detectsCorruptionOnDisk() throws Exception {
    byte[] data = random(1000, 5);
    String sha = Field.sha256Hex(data);
    await(provider.put(sha, data));
    Path file = files().get(0);
    byte[] rotten = data.clone();
    rotten[500] ^= 0x10;
    Files.write(file, rotten);
    assertThat(failure(provider.get(sha))).isInstanceOf(BlobMismatchException.class);
  }

  @Test
  @DisplayName("keeps a blob already stored when the same blob is put again")
  void keepsExistingFile() throws Exception {
    byte[] data = bytes("first");
    String sha = Field.sha256Hex(data);
    await(provider.put(sha, data));
    Path file = files().get(0);
    Object inode = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
    await(provider.put(sha, data));
    assertThat(Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class).fileKey())
        .as("the second put must not rewrite the file").isEqualTo(inode);
  }

  @Test
  @DisplayName("replaces a blob file of the wrong size on the next put of that blob")
  void repairsTruncatedFile() throws Exception {
    byte[] data = random(3000, 21);
    String sha = Field.sha256Hex(data);
    await(provider.put(sha, data));
    Path file = files().get(0);
    Files.write(file, java.util.Arrays.copyOf(data, 1000));
    assertThat(failure(provider.get(sha))).isInstanceOf(BlobMismatchException.class);
    await(provider.put(sha, data));
    assertThat(await(provider.get(sha))).isEqualTo(data);
    assertThat(temporaryFiles()).isEmpty();
  }

  @Test
  @DisplayName("quarantines by moving the file to blobs-quarantine/<sha256> and restores by moving it back, never copying")
  void quarantineMovesTheFile() throws Exception {
    byte[] data = random(1200, 23);
    String sha = Field.sha256Hex(data);
    await(provider.put(sha, data));
    Path file = files().get(0);
    Object inode = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
    assertThat(await(provider.quarantine(sha, java.time.Instant.now().plusSeconds(1)))).isTrue();
    Path aside = root.resolve("blobs-quarantine").resolve(sha);
    assertThat(files()).containsExactly(aside);
    assertThat(Files.readAttributes(aside, java.nio.file.attribute.BasicFileAttributes.class).fileKey()).isEqualTo(inode);
    assertThat(await(provider.sweepIncomplete())).as("a sweep leaves quarantine alone").isZero();
    await(provider.restore(sha));
    assertThat(files()).containsExactly(file);
    assertThat(Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class).fileKey()).isEqualTo(inode);
  }

  @Test
  @DisplayName("describes itself as its root directory")
  void describes() {
    assertThat(provider.describe()).isEqualTo("local " + root.toAbsolutePath().normalize());
  }

  private List<Path> files() throws IOException {
    if (!Files.exists(root)) {
      return List.of();
    }
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(Files::isRegularFile).sorted().toList();
    }
  }

  private List<Path> temporaryFiles() throws IOException {
    return files().stream().filter(path -> path.getFileName().toString().endsWith(".tmp")).toList();
  }
}
