package dev.atrium.security;

import dev.atrium.bus.FailureCodes;
import dev.atrium.config.UploadSettings;
import dev.atrium.web.ApiException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;

/**
 * Extracts an uploaded zip archive only if every entry is safe, deciding before anything is
 * written: no {@code ..} segments, no absolute paths or drive letters, no symbolic links, no more
 * than the configured number of entries, and neither a total size nor an uncompressed/compressed
 * ratio above the configured bounds. Entries are then extracted into a hidden staging directory
 * with their real sizes counted (an archive that lies about its sizes is stopped as it inflates),
 * and the staging directory becomes the target in one rename; on any failure it is deleted, so
 * the target never holds a partial extraction. Blocking: call from a worker thread.
 */
public final class SafeArchive {

  private final UploadSettings limits;

  /** @param limits archive bounds */
  public SafeArchive(UploadSettings limits) {
    this.limits = limits;
  }

  /**
   * Extracts {@code zip} into {@code target}, which must not exist yet.
   *
   * @return the extracted files' relative paths
   * @throws ApiException 422 naming the entry and the reason for an unsafe or malformed archive
   */
  public List<String> extract(Path zip, Path target) throws IOException {
    if (Files.exists(target)) {
      throw new IllegalArgumentException("target " + target + " exists");
    }
    try (ZipFile archive = ZipFile.builder().setPath(zip).get()) {
      List<ZipArchiveEntry> entries = validate(archive, Files.size(zip));
      Path staging = Files.createTempDirectory(target.toAbsolutePath().getParent(), ".extract-");
      try {
        List<String> names = new ArrayList<>();
        long[] budget = {limits.archiveMaxSize()};
        for (ZipArchiveEntry entry : entries) {
          Path destination = staging.resolve(entry.getName()).normalize();
          if (entry.isDirectory()) {
            Files.createDirectories(destination);
            continue;
          }
          Files.createDirectories(destination.getParent());
          try (InputStream in = archive.getInputStream(entry); OutputStream out = Files.newOutputStream(destination)) {
            copyBounded(in, out, entry, budget);
          }
          names.add(entry.getName());
        }
        Files.move(staging, target);
        return names;
      } catch (IOException | RuntimeException e) {
        deleteTree(staging);
        throw e;
      }
    } catch (java.util.zip.ZipException | IllegalArgumentException e) {
      throw unsafe("not a readable zip archive (" + e.getMessage() + ")");
    }
  }

  private List<ZipArchiveEntry> validate(ZipFile archive, long compressedSize) {
    List<ZipArchiveEntry> entries = Collections.list(archive.getEntries());
    if (entries.size() > limits.archiveMaxEntries()) {
      throw unsafe("archive has " + entries.size() + " entries; at most " + limits.archiveMaxEntries() + " allowed");
    }
    long total = 0;
    Set<Path> files = new HashSet<>();
    Set<Path> directories = new HashSet<>();
    for (ZipArchiveEntry entry : entries) {
      String name = entry.getName();
      if (name.isEmpty() || name.startsWith("/") || name.startsWith("\\") || name.matches("^[A-Za-z]:.*")) {
        throw unsafe("entry '" + name + "' has an absolute path");
      }
      for (String segment : name.split("[/\\\\]")) {
        if (segment.equals("..")) {
          throw unsafe("entry '" + name + "' leaves the extraction directory");
        }
      }
      if (entry.isUnixSymlink()) {
        throw unsafe("entry '" + name + "' is a symbolic link");
      }
      // where extraction would put it: two entries on one path, or a file where a directory
      // goes, would overwrite or fail half-way, so both are refused here
      Path path = Path.of(name).normalize();
      for (Path parent = path.getParent(); parent != null; parent = parent.getParent()) {
        directories.add(parent);
      }
      if (entry.isDirectory()) {
        directories.add(path);
      } else if (path.toString().isEmpty()) {
        throw unsafe("entry '" + name + "' has no file name");
      } else if (!files.add(path)) {
        throw unsafe("entry '" + name + "' appears more than once");
      }
      long size = entry.getSize();
      if (size < 0) {
        throw unsafe("entry '" + name + "' does not declare its size");
      }
      total += size;
      if (total > limits.archiveMaxSize()) {
        throw unsafe("archive expands to more than " + limits.archiveMaxSize() + " bytes");
      }
    }
    for (Path file : files) {
      if (directories.contains(file)) {
        throw unsafe("entry '" + file + "' is both a file and a directory");
      }
    }
    if (total > (long) limits.archiveMaxRatio() * Math.max(compressedSize, 1)) {
      throw unsafe("archive expands " + total / Math.max(compressedSize, 1) + "× its size; at most "
          + limits.archiveMaxRatio() + "× allowed");
    }
    return entries;
  }

  private void copyBounded(InputStream in, OutputStream out, ZipArchiveEntry entry, long[] budget) throws IOException {
    byte[] chunk = new byte[64 * 1024];
    long written = 0;
    int read;
    while ((read = in.read(chunk)) > 0) {
      written += read;
      budget[0] -= read;
      if (written > entry.getSize() || budget[0] < 0) {
        throw unsafe("entry '" + entry.getName() + "' inflates beyond its declared size");
      }
      out.write(chunk, 0, read);
    }
  }

  private static ApiException unsafe(String reason) {
    return new ApiException(FailureCodes.UNPROCESSABLE, "archive refused: " + reason);
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
