package dev.atrium.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.atrium.config.UploadSettings;
import dev.atrium.web.ApiException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link SafeArchive} on zips built byte for byte in the test (commons-compress writes any entry
 * name, symbolic links, and lets the test patch a header afterwards): every unsafe archive is
 * refused with 422 naming the entry and the reason, and leaves nothing behind — neither the target
 * nor a staging directory; a good archive is extracted whole, byte for byte.
 */
@DisplayName("Safe archive extraction")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SafeArchiveTest {

  private static final long GB = 1024L * 1024 * 1024;
  /** Bounds small enough to reach in a test: 10 entries, 100× ratio, 1 GB total. */
  private static final UploadSettings LIMITS = new UploadSettings(GB, 10, 100, GB);

  @TempDir
  Path root;

  /** Where the archives are written (not the extraction parent, so it stays empty on refusal). */
  private Path zips;
  /** The extraction target's parent: must hold nothing after a refusal. */
  private Path out;
  private Path target;

  @BeforeEach
  void dirs() throws IOException {
    zips = Files.createDirectories(root.resolve("zips"));
    out = Files.createDirectories(root.resolve("out"));
    target = out.resolve("room-files");
  }

  @ParameterizedTest(name = "{0} → {1}")
  @CsvSource(delimiter = '|', value = {
      "../evil.txt          | leaves the extraction directory",
      "a/../../evil         | leaves the extraction directory",
      "a/b/../../../evil    | leaves the extraction directory",
      "..\\evil.txt         | leaves the extraction directory",
      "/etc/evil            | has an absolute path",
      "C:/evil              | has an absolute path",
      "c:\\windows\\evil    | has an absolute path"})
  @DisplayName("an entry whose name escapes the target is refused with 422 naming it, before anything is written")
  void escapingNamesRefused(String name, String reason) throws IOException {
    Path zip = zip("escape.zip", Map.of("first-good-file.txt", bytes("harmless")), name, bytes("pwned"));

    ApiException refused = refusal(LIMITS, zip);

    assertThat(refused.status()).isEqualTo(422);
    // zip readers take backslashes in names from DOS-made archives as separators, and so does the message
    String shown = name.replace('\\', '/');
    assertThat(refused.getMessage()).isEqualTo("archive refused: entry '" + shown + "' " + reason);
    assertNothingWritten();
    assertThat(root.resolve("evil")).doesNotExist();
    assertThat(root.resolve("evil.txt")).doesNotExist();
  }

  @Test
  @DisplayName("a symbolic link entry is refused with 422 naming it, and nothing is written")
  void symlinkRefused() throws IOException {
    Path zip = zips.resolve("symlink.zip");
    try (ZipArchiveOutputStream stream = new ZipArchiveOutputStream(zip)) {
      put(stream, "docs/readme.txt", bytes("hello"));
      ZipArchiveEntry link = new ZipArchiveEntry("docs/passwd");
      link.setUnixMode(0120777);
      put(stream, link, bytes("/etc/passwd"));
    }

    ApiException refused = refusal(LIMITS, zip);

    assertThat(refused.status()).isEqualTo(422);
    assertThat(refused.getMessage()).isEqualTo("archive refused: entry 'docs/passwd' is a symbolic link");
    assertNothingWritten();
  }

  @Test
  @DisplayName("an archive with more entries than archiveMaxEntries is refused with 422, and nothing is written")
  void tooManyEntriesRefused() throws IOException {
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (int i = 0; i < 11; i++) {
      files.put("file-" + i + ".txt", bytes("file " + i));
    }
    Path zip = zip("many.zip", files);

    ApiException refused = refusal(LIMITS, zip);

    assertThat(refused.status()).isEqualTo(422);
    assertThat(refused.getMessage()).isEqualTo("archive refused: archive has 11 entries; at most 10 allowed");
    assertNothingWritten();
  }

  @Test
  @DisplayName("exactly archiveMaxEntries entries are accepted")
  void entryLimitIsInclusive() throws IOException {
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (int i = 0; i < 10; i++) {
      files.put("file-" + i + ".txt", random(100, i));
    }

    List<String> names = new SafeArchive(LIMITS).extract(zip("ten.zip", files), target);

    assertThat(names).containsExactlyInAnyOrderElementsOf(files.keySet());
  }

  @Test
  @DisplayName("a 10 MB entry of zeros deflated to a few KB (about 1000:1) is refused for its ratio, and nothing is written")
  void compressionRatioRefused() throws IOException {
    Path zip = zip("bomb.zip", Map.of("zeros.bin", new byte[10 * 1024 * 1024]));
    assertThat(Files.size(zip)).as("the archive really is small").isLessThan(100 * 1024);

    ApiException refused = refusal(LIMITS, zip);

    assertThat(refused.status()).isEqualTo(422);
    assertThat(refused.getMessage()).startsWith("archive refused: archive expands ")
        .endsWith("× its size; at most 100× allowed");
    assertNothingWritten();
  }

  @Test
  @DisplayName("an archive whose declared total exceeds archiveMaxSize is refused with 422, and nothing is written")
  void totalSizeRefused() throws IOException {
    UploadSettings small = new UploadSettings(GB, 10, 100, 10_000);
    Path zip = zip("big.zip", Map.of("a.bin", random(6_000, 1), "b.bin", random(6_000, 2)));

    ApiException refused = refusal(small, zip);

    assertThat(refused.status()).isEqualTo(422);
    assertThat(refused.getMessage()).isEqualTo("archive refused: archive expands to more than 10000 bytes");
    assertNothingWritten();
  }

  @Test
  @DisplayName("an entry that inflates beyond the size its headers declare is stopped, and the partial extraction removed")
  void lyingSizeStoppedWhileInflating() throws IOException {
    // A real 1 MB entry of zeros whose headers are patched to claim 1000 bytes: the declared total
    // and ratio pass validation, so only counting the real bytes while inflating can stop it.
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("first-good-file.txt", bytes("written before the liar"));
    files.put("liar.bin", new byte[1024 * 1024]);
    Path zip = zip("liar.zip", files);
    patchUncompressedSize(zip, "liar.bin", 1000);

    ApiException refused = refusal(LIMITS, zip);

    assertThat(refused.status()).isEqualTo(422);
    assertThat(refused.getMessage()).isEqualTo("archive refused: entry 'liar.bin' inflates beyond its declared size");
    assertNothingWritten();
  }

  @ParameterizedTest(name = "{0} then {1} → {2}")
  @CsvSource(delimiter = '|', value = {
      "docs/a.txt | docs/a.txt      | entry 'docs/a.txt' appears more than once",
      "docs/a.txt | docs/./a.txt    | entry 'docs/./a.txt' appears more than once",
      "docs       | docs/inner.txt  | entry 'docs' is both a file and a directory",
      "docs/x/y   | docs/x          | entry 'docs/x' is both a file and a directory",
      "ok.txt     | .               | entry '.' has no file name"})
  @DisplayName("entries that would land on the same path, or a file where a directory goes, are refused with 422 before anything is written")
  void conflictingEntriesRefused(String first, String second, String reason) throws IOException {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put(first, bytes("first"));
    Path zip = zip("conflict.zip", files, second, bytes("second"));

    ApiException refused = refusal(LIMITS, zip);

    assertThat(refused.status()).isEqualTo(422);
    assertThat(refused.getMessage()).isEqualTo("archive refused: " + reason);
    assertNothingWritten();
  }

  @Test
  @DisplayName("a file that is not a zip is refused with 422, and nothing is written")
  void notAZipRefused() throws IOException {
    Path notZip = Files.write(zips.resolve("not.zip"), bytes("this is not a zip archive at all"));

    ApiException refused = refusal(LIMITS, notZip);

    assertThat(refused.status()).isEqualTo(422);
    assertThat(refused.getMessage()).startsWith("archive refused: not a readable zip archive");
    assertNothingWritten();
  }

  @Test
  @DisplayName("a good archive with nested directories is extracted whole, every file byte for byte, with no staging left")
  void goodArchiveExtracted() throws IOException {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("top.txt", bytes("top level"));
    files.put("a/b/c/deep.bin", random(70_000, 7));
    files.put("a/b/sibling.json", bytes("{\"x\": 1}"));
    files.put("a/empty.txt", new byte[0]);
    files.put("other/zeros.bin", new byte[5_000]);
    Path zip = zips.resolve("good.zip");
    try (ZipArchiveOutputStream stream = new ZipArchiveOutputStream(zip)) {
      // explicit directory entries for some, implicit parents for the others
      stream.putArchiveEntry(new ZipArchiveEntry("a/"));
      stream.closeArchiveEntry();
      stream.putArchiveEntry(new ZipArchiveEntry("a/b/"));
      stream.closeArchiveEntry();
      stream.putArchiveEntry(new ZipArchiveEntry("empty-dir/"));
      stream.closeArchiveEntry();
      for (Map.Entry<String, byte[]> file : files.entrySet()) {
        put(stream, file.getKey(), file.getValue());
      }
    }

    List<String> names = new SafeArchive(LIMITS).extract(zip, target);

    assertThat(names).containsExactlyInAnyOrderElementsOf(files.keySet());
    for (Map.Entry<String, byte[]> file : files.entrySet()) {
      assertThat(target.resolve(file.getKey())).as(file.getKey()).isRegularFile().hasBinaryContent(file.getValue());
    }
    assertThat(target.resolve("empty-dir")).isDirectory().isEmptyDirectory();
    assertThat(regularFilesUnder(target)).hasSize(files.size());
    assertThat(listing(out)).as("only the target in its parent").containsExactly(target);
  }

  @Test
  @DisplayName("extract refuses a target that already exists and leaves it untouched")
  void existingTargetRefused() throws IOException {
    Files.createDirectories(target);
    Path kept = Files.write(target.resolve("kept.txt"), bytes("already here"));
    Path zip = zip("good.zip", Map.of("kept.txt", bytes("replacement"), "new.txt", bytes("new")));

    assertThatThrownBy(() -> new SafeArchive(LIMITS).extract(zip, target))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(target.toString()).hasMessageContaining("exists");

    assertThat(kept).hasBinaryContent(bytes("already here"));
    assertThat(listing(target)).containsExactly(kept);
    assertThat(listing(out)).containsExactly(target);
  }

  // ---------------------------------------------------------------------------------------------

  private ApiException refusal(UploadSettings limits, Path zip) {
    ApiException refused = catchThrowableOfType(ApiException.class, () -> new SafeArchive(limits).extract(zip, target));
    assertThat(refused).as("extracting %s must fail with ApiException", zip.getFileName()).isNotNull();
    return refused;
  }

  /** Neither the target nor any staging directory exists: the target's parent is still empty. */
  private void assertNothingWritten() throws IOException {
    assertThat(target).doesNotExist();
    assertThat(listing(out)).as("no staging directory (.extract-*) or file left in %s", out).isEmpty();
  }

  private Path zip(String fileName, Map<String, byte[]> files) throws IOException {
    return zip(fileName, files, null, null);
  }

  /** A deflated zip with {@code files} (in order) and then, if given, one more raw-named entry. */
  private Path zip(String fileName, Map<String, byte[]> files, String rawName, byte[] rawContent) throws IOException {
    Path zip = zips.resolve(fileName);
    try (ZipArchiveOutputStream stream = new ZipArchiveOutputStream(zip)) {
      for (Map.Entry<String, byte[]> file : files.entrySet()) {
        put(stream, file.getKey(), file.getValue());
      }
      if (rawName != null) {
        put(stream, rawName, rawContent);
      }
    }
    return zip;
  }

  private static void put(ZipArchiveOutputStream stream, String name, byte[] content) throws IOException {
    put(stream, new ZipArchiveEntry(name), content);
  }

  private static void put(ZipArchiveOutputStream stream, ZipArchiveEntry entry, byte[] content) throws IOException {
    entry.setMethod(ZipArchiveEntry.DEFLATED);
    stream.putArchiveEntry(entry);
    stream.write(content);
    stream.closeArchiveEntry();
  }

  /**
   * Rewrites the uncompressed size of {@code name} in its local header and its central directory
   * record (the CRC is left as it is: a liar would not bother either).
   */
  private static void patchUncompressedSize(Path zip, String name, int size) throws IOException {
    ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(zip)).order(ByteOrder.LITTLE_ENDIAN);
    byte[] wanted = name.getBytes(StandardCharsets.UTF_8);
    int patched = 0;
    for (int i = 0; i + 46 < bytes.limit(); i++) {
      int signature = bytes.getInt(i);
      if (signature == 0x04034b50 && nameAt(bytes, i + 30, bytes.getShort(i + 26), wanted)) {
        bytes.putInt(i + 22, size);
        patched++;
      } else if (signature == 0x02014b50 && nameAt(bytes, i + 46, bytes.getShort(i + 28), wanted)) {
        bytes.putInt(i + 24, size);
        patched++;
      }
    }
    assertThat(patched).as("local and central headers of %s patched", name).isEqualTo(2);
    Files.write(zip, bytes.array());
  }

  private static boolean nameAt(ByteBuffer bytes, int offset, short length, byte[] wanted) {
    if (length != wanted.length || offset + length > bytes.limit()) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      if (bytes.get(offset + i) != wanted[i]) {
        return false;
      }
    }
    return true;
  }

  private static List<Path> listing(Path dir) throws IOException {
    try (Stream<Path> paths = Files.list(dir)) {
      return paths.toList();
    }
  }

  private static List<Path> regularFilesUnder(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      return new ArrayList<>(paths.filter(Files::isRegularFile).toList());
    }
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] random(int n, long seed) {
    byte[] bytes = new byte[n];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }
}
