package dev.atrium.blobs.impl;

import dev.atrium.blobs.DataProvider;
import dev.atrium.frames.Field;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Blobs as files under {@code <root>/blobs/<aa>/<bb>/<sha256>}, where {@code aa} and {@code bb} are
 * the first two byte pairs of the hex address (65,536 directories keep each one small).
 *
 * <p>A blob becomes visible only complete and durable: its bytes go to a temporary file in the
 * final directory (named {@code .<sha256>.<random>.tmp}, so it is never mistaken for a blob), are
 * forced to disk, then the file is atomically renamed to its address and the directory is forced
 * so the rename itself survives a power loss. A crash therefore leaves at worst a temporary file,
 * which {@link #sweepIncomplete()} removes at startup; never a partial blob. Two writers of the same
 * blob both succeed: each renames its own complete copy, and the bytes are identical by
 * construction.
 *
 * <p>Every address is checked to be 64 lower-case hex digits before it touches a path, so no
 * caller can reach outside the blob tree; a bad one fails the call with
 * {@link IllegalArgumentException}. All file I/O runs on Vert.x worker threads, unordered, so
 * concurrent calls proceed in parallel.
 */
public final class LocalDataProvider implements DataProvider {

  private static final Logger LOG = LoggerFactory.getLogger(LocalDataProvider.class);
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final String TEMP_SUFFIX = ".tmp";

  private final Vertx vertx;
  private final Path root;
  private final Path blobs;
  private final Path quarantine;

  /**
   * @param vertx runs the blocking file I/O on its worker pool
   * @param root the data directory; blobs live under {@code root/blobs}, created on first write
   */
  public LocalDataProvider(Vertx vertx, Path root) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
    this.blobs = this.root.resolve("blobs");
    this.quarantine = this.root.resolve("blobs-quarantine");
  }

  @Override
  public Future<Boolean> put(String sha256, byte[] data) {
    Objects.requireNonNull(data, "data");
    return blocking(sha256, () -> {
      String actual = Field.sha256Hex(data);
      if (!actual.equals(sha256)) {
        throw new BlobMismatchException(sha256, actual);
      }
      Path target = pathOf(sha256);
      if (storedWhole(target, data.length)) {
        try {
          Files.setLastModifiedTime(target, java.nio.file.attribute.FileTime.from(java.time.Instant.now()));
          return false;
        } catch (NoSuchFileException e) {
          // quarantined between the check and the touch: store it again below
        }
      }
      Path directory = target.getParent();
      ensureDirectory(directory);
      write(directory, target, sha256, data);
      return true;
    });
  }

  @Override
  public Future<Boolean> quarantine(String sha256, java.time.Instant olderThan) {
    return blocking(sha256, () -> {
      Path target = pathOf(sha256);
      try {
        if (!Files.getLastModifiedTime(target).toInstant().isBefore(olderThan)) {
          return false;
        }
        Files.createDirectories(quarantine);
        Files.move(target, quarantine.resolve(sha256), StandardCopyOption.ATOMIC_MOVE,
            StandardCopyOption.REPLACE_EXISTING);
        return true;
      } catch (NoSuchFileException e) {
        return false;
      }
    });
  }

  @Override
  public Future<Void> restore(String sha256) {
    return blocking(sha256, () -> {
      Path aside = quarantine.resolve(sha256);
      Path target = pathOf(sha256);
      if (Files.exists(target)) {
        Files.deleteIfExists(aside);
        return null;
      }
      try {
        ensureDirectory(target.getParent());
        Files.move(aside, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException e) {
        Files.deleteIfExists(aside);
      } catch (NoSuchFileException e) {
        // already restored or purged
      }
      return null;
    });
  }

  @Override
  public Future<List<String>> listQuarantined() {
    return vertx.executeBlocking(() -> {
      if (!Files.isDirectory(quarantine)) {
        return List.<String>of();
      }
      try (java.util.stream.Stream<Path> files = Files.list(quarantine)) {
        return files.map(file -> file.getFileName().toString()).filter(name -> SHA256.matcher(name).matches()).toList();
      }
    }, false);
  }

  @Override
  public Future<Void> purge(String sha256) {
    return blocking(sha256, () -> {
      Files.deleteIfExists(quarantine.resolve(sha256));
      return null;
    });
  }

  @Override
  public Future<byte[]> get(String sha256) {
    return blocking(sha256, () -> {
      byte[] data;
      try {
        data = Files.readAllBytes(pathOf(sha256));
      } catch (NoSuchFileException e) {
        try {
          data = Files.readAllBytes(quarantine.resolve(sha256));
        } catch (NoSuchFileException aside) {
          // restored (or stored again) between the two reads: it is back in place
          try {
            data = Files.readAllBytes(pathOf(sha256));
          } catch (NoSuchFileException gone) {
            throw new BlobNotFoundException(sha256);
          }
        }
      }
      // a disk can rot or a hand can edit: a reader is never handed bytes that are not the blob
      String actual = Field.sha256Hex(data);
      if (!actual.equals(sha256)) {
        LOG.error("stored blob is corrupt [sha256: {}, actual: {}, path: {}]", sha256, actual, pathOf(sha256));
        throw new BlobMismatchException(sha256, actual);
      }
      return data;
    });
  }

  @Override
  public Future<Boolean> exists(String sha256) {
    return blocking(sha256, () -> Files.isRegularFile(pathOf(sha256)));
  }

  @Override
  public Future<Void> delete(String sha256) {
    // empty directories stay: removing one could race a writer about to create its temp file there
    return blocking(sha256, () -> {
      Files.deleteIfExists(pathOf(sha256));
      return null;
    });
  }

  @Override
  public Future<List<BlobInfo>> list() {
    return vertx.executeBlocking(() -> {
      List<BlobInfo> found = new ArrayList<>();
      walk((file, attributes) -> {
        String name = file.getFileName().toString();
        if (SHA256.matcher(name).matches() && file.equals(pathOf(name))) {
          found.add(new BlobInfo(name, attributes.size(), attributes.lastModifiedTime().toInstant()));
        }
      });
      return found;
    }, false);
  }

  /**
   * Deletes every temporary file under the blob tree, which only an interrupted write leaves
   * behind. Call it at startup, before this node accepts writes: a temporary file of a write in
   * progress would be deleted too and that write would fail.
   */
  @Override
  public Future<Integer> sweepIncomplete() {
    return vertx.executeBlocking(() -> {
      int[] removed = {0};
      walk((file, attributes) -> {
        String name = file.getFileName().toString();
        if (name.endsWith(TEMP_SUFFIX)) {
          try {
            if (Files.deleteIfExists(file)) {
              removed[0]++;
            }
          } catch (IOException e) {
            LOG.warn("could not remove an incomplete blob file [path: {}]", file, e);
          }
        }
      });
      if (removed[0] > 0) {
        LOG.info("incomplete blob files removed [count: {}, root: {}]", removed[0], blobs);
      }
      return removed[0];
    }, false);
  }

  @Override
  public String describe() {
    return "local " + root;
  }

  /** Where a blob's file lives (whether or not it exists). */
  Path pathOf(String sha256) {
    return blobs.resolve(sha256.substring(0, 2)).resolve(sha256.substring(2, 4)).resolve(sha256);
  }

  private <T> Future<T> blocking(String sha256, Callable<T> work) {
    if (sha256 == null || !SHA256.matcher(sha256).matches()) {
      return Future.failedFuture(new IllegalArgumentException(
          "a blob address must be 64 lower-case hex digits, got " + abbreviate(sha256)));
    }
    return vertx.executeBlocking(work, false);
  }

  /**
   * Whether the blob's file is there with the right size. A file of the wrong size (a disk that
   * lost writes) is replaced by the new, verified bytes rather than kept.
   */
  private static boolean storedWhole(Path target, long size) {
    try {
      return Files.size(target) == size;
    } catch (IOException e) {
      return false;
    }
  }

  private static void write(Path directory, Path target, String sha256, byte[] data) throws IOException {
    Path temp = directory.resolve("." + sha256 + "." + randomHex() + TEMP_SUFFIX);
    try {
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.wrap(data);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      }
      try {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException e) {
        // a concurrent writer published the same bytes first; ours are redundant
        if (!Files.isRegularFile(target)) {
          throw e;
        }
      }
      forceDirectory(directory);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /** Creates the directory and any missing parents, forcing each parent that gained an entry. */
  private void ensureDirectory(Path directory) throws IOException {
    if (Files.isDirectory(directory)) {
      return;
    }
    if (!directory.startsWith(blobs)) {
      Files.createDirectories(directory);
      return;
    }
    Path parent = directory.getParent();
    ensureDirectory(parent);
    try {
      Files.createDirectory(directory);
    } catch (FileAlreadyExistsException e) {
      if (Files.isDirectory(directory)) {
        return;
      }
      throw e;
    }
    forceDirectory(parent);
  }

  /** Makes a directory's entries (a rename, a new child) durable, where the filesystem allows. */
  private static void forceDirectory(Path directory) {
    try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      // some filesystems (and platforms) refuse to open or force a directory; the rename still happened
      LOG.debug("directory fsync not supported [path: {}]", directory, e);
    }
  }

  private interface FileVisitor {
    void visit(Path file, BasicFileAttributes attributes);
  }

  private void walk(FileVisitor visitor) throws IOException {
    if (!Files.isDirectory(blobs)) {
      return;
    }
    Files.walkFileTree(blobs, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
        if (attributes.isRegularFile()) {
          visitor.visit(file, attributes);
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) {
        // a temporary file renamed or a blob deleted while walking: not an error
        return FileVisitResult.CONTINUE;
      }
    });
  }

  private static String randomHex() {
    return HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
  }

  static String abbreviate(String value) {
    if (value == null) {
      return "null";
    }
    return value.length() <= 80 ? "'" + value + "'" : "'" + value.substring(0, 80) + "...'";
  }
}
