package dev.atrium.frames.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atrium.frames.Frame;
import dev.atrium.web.ApiException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@DisplayName("Malformed extended XYZ is refused with 422 naming the line")
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ExtXyzMalformedTest {

  /** Two atoms, four lines per frame. */
  private static String frame(int step) {
    return "2\nProperties=species:S:1:pos:R:3 energy=-1.5 step=" + step + "\n"
        + "H 0.0 0.0 0.0\n"
        + "O 0.0 0.0 0.9572\n";
  }

  @Test
  @DisplayName("an atom count that is not a non-negative integer")
  void badAtomCount() {
    assertRefused("two\nenergy=1\nH 0 0 0\n", 0, "line 1:", "atom count", "'two'");
    assertRefused(frame(0) + "2.5\nenergy=1\n", 1, "line 5:", "atom count", "'2.5'");
    assertRefused("-3\nenergy=1\n", 0, "line 1:", "must not be negative");
  }

  @Test
  @DisplayName("a wrong column count on the second atom line of the third frame names line 12")
  void wrongColumnCount() {
    String third = "2\nProperties=species:S:1:pos:R:3\nH 0.0 0.0 0.0\nO 0.0 0.9572\n";

    assertRefused(frame(0) + frame(1) + third + frame(3), 2, "line 12:", "expected 4 columns", "got 3",
        "atom 2 of 2", "frame starting at line 9");
  }

  @Test
  @DisplayName("a non-numeric position names the column and the property")
  void nonNumericPosition() {
    assertRefused("2\n\nH 0 0 0\nO 1.0 abc 2.0\n", 0, "line 4:", "column 3", "pos:R:3", "component 2",
        "not a real number", "'abc'");
    assertRefused("1\n\nH 0 0 1.0.0\n", 0, "line 3:", "column 4", "'1.0.0'");
    assertRefused("1\n\nH 0 0 1e\n", 0, "line 3:", "'1e'");
    assertRefused("1\n\nH 0 0 0x1p3\n", 0, "line 3:", "'0x1p3'");
  }

  @Test
  @DisplayName("a non-integer in an I column and a non-logical in an L column")
  void badIntegersAndLogicals() {
    assertRefused("1\nProperties=species:S:1:pos:R:3:tag:I:1\nH 0 0 0 1.5\n", 0, "line 3:", "tag:I:1", "not an integer");
    assertRefused("1\nProperties=species:S:1:pos:R:3:tag:I:1\nH 0 0 0 99999999999999999999\n", 0, "line 3:",
        "int64 range");
    assertRefused("1\nProperties=species:S:1:pos:R:3:fixed:L:1\nH 0 0 0 yes\n", 0, "line 3:", "fixed:L:1",
        "not a logical");
  }

  @Test
  @DisplayName("a truncated last frame says how many atom lines were expected and found")
  void truncatedLastFrame() {
    assertRefused(frame(0) + frame(1) + "3\nenergy=2\nH 0 0 0\n", 2, "line 12:", "frame starting at line 9",
        "declares 3 atoms but has 1 atom lines", "truncated");
    assertRefused(frame(0) + "3\nenergy=2\nH 0 0 0", 1, "line 8:", "has 1 atom lines");
    assertRefused(frame(0) + "3", 1, "line 6:", "missing comment line after the atom count at line 5");
  }

  @Test
  @DisplayName("a malformed Properties value names the comment line and what is wrong")
  void badProperties() {
    assertRefused(frame(0) + "1\nProperties=species:S:1:pos:R\nH 0 0 0\n", 1, "line 6:", "Properties", "malformed");
    assertRefused("1\nProperties=species:X:1:pos:R:3\nH 0 0 0\n", 0, "line 2:", "type 'X'");
    assertRefused("1\nProperties=species:S:one:pos:R:3\nH 0 0 0\n", 0, "line 2:", "column count 'one'");
    assertRefused("1\nProperties=species:S:1:pos:R:2\nH 0 0\n", 0, "line 2:", "must be R:3");
    assertRefused("1\nProperties=species:S:1:pos:R:3:species:S:1\nH 0 0 0 H\n", 0, "line 2:", "twice");
  }

  @Test
  @DisplayName("an empty input has no frames")
  void emptyInput() {
    assertRefused("", 0, "line 1:", "no frames");
    assertRefused("\n  \n\t\n", 0, "no frames");
  }

  @Test
  @DisplayName("bad comment lines: key names, quotes, Lattice, pbc, duplicates")
  void badCommentLines() {
    assertRefused("1\nenergy=1 bad/key=2\nH 0 0 0\n", 0, "line 2:", "'bad/key'", "not a valid field name");
    assertRefused("1\nenergy=1 label=\"open\nH 0 0 0\n", 0, "line 2:", "unterminated quote", "label");
    assertRefused("1\nLattice=\"1 0 0 0 1 0 0 0\"\nH 0 0 0\n", 0, "line 2:", "Lattice needs 9 numbers", "got 8");
    assertRefused("1\nLattice=\"1 0 0 0 1 0 0 0 x\"\nH 0 0 0\n", 0, "line 2:", "Lattice value 9");
    assertRefused("1\npbc=\"T T maybe\"\nH 0 0 0\n", 0, "line 2:", "pbc needs 3 logical values");
    assertRefused("1\nenergy=1 energy=2\nH 0 0 0\n", 0, "line 2:", "'energy' appears twice");
    assertRefused("1\nLattice=\"1 0 0 0 1 0 0 0 1\" box=3\nH 0 0 0\n", 0, "line 2:", "appears twice");
    assertRefused("1\nspecies=3\nH 0 0 0\n", 0, "line 2:", "'species' is both a per-atom property and a comment key");
  }

  @Test
  @DisplayName("bytes that are not UTF-8 name the line")
  void notUtf8() {
    byte[] head = (frame(0) + "1\nlabel=").getBytes(StandardCharsets.UTF_8);
    byte[] bytes = new byte[head.length + 2];
    System.arraycopy(head, 0, bytes, 0, head.length);
    bytes[head.length] = (byte) 0xC3;
    bytes[head.length + 1] = (byte) 0x28;

    assertThatThrownBy(() -> readAll(bytes, new ArrayList<>())).isInstanceOfSatisfying(ApiException.class, e -> {
      assertThat(e.status()).isEqualTo(422);
      assertThat(e.getMessage()).contains("not valid UTF-8");
    });
  }

  @Test
  @DisplayName("a frame over the atom limit is refused with 413 before its atoms are read")
  void atomLimit() {
    assertThatThrownBy(() -> new ExtXyzReader(new ByteArrayInputStream("2000000000\n\n".getBytes(StandardCharsets.UTF_8)),
        "big.xyz", 1_000_000).next()).isInstanceOfSatisfying(ApiException.class, e -> {
          assertThat(e.status()).isEqualTo(413);
          assertThat(e.getMessage()).startsWith("big.xyz line 1:").contains("over the limit of 1000000");
        });
  }

  @Test
  @DisplayName("after an error the reader keeps reporting it instead of reading on")
  void errorIsFinal() throws IOException {
    byte[] text = (frame(0) + "x\n" + frame(2)).getBytes(StandardCharsets.UTF_8);
    ExtXyzReader reader = new ExtXyzReader(new ByteArrayInputStream(text), "bad.xyz");

    assertThat(reader.next()).isNotNull();
    assertThatThrownBy(reader::next).hasMessageContaining("line 5:");
    assertThatThrownBy(reader::next).hasMessageContaining("line 5:");
    assertThat(reader.framesRead()).isEqualTo(1);
  }

  @Test
  @DisplayName("blank lines between frames and at the end are accepted")
  void blankLinesAreFine() throws IOException {
    List<Frame> frames = new ArrayList<>();

    readAll((frame(0) + "\n\n" + frame(1) + "\r\n  \n\n").getBytes(StandardCharsets.UTF_8), frames);

    assertThat(frames).hasSize(2);
  }

  /**
   * Reads {@code text} expecting {@code goodFrames} frames and then a 422 whose message starts with
   * the input name and contains every fragment.
   */
  private static void assertRefused(String text, int goodFrames, String... fragments) {
    List<Frame> frames = new ArrayList<>();
    assertThatThrownBy(() -> readAll(text.getBytes(StandardCharsets.UTF_8), frames))
        .isInstanceOfSatisfying(ApiException.class, e -> {
          assertThat(e.status()).isEqualTo(422);
          assertThat(e.getMessage()).startsWith("bad.xyz line ").contains(fragments);
        });
    assertThat(frames).as("frames read before the error").hasSize(goodFrames);
  }

  private static void readAll(byte[] bytes, List<Frame> into) throws IOException {
    try (ExtXyzReader reader = new ExtXyzReader(new ByteArrayInputStream(bytes), "bad.xyz")) {
      for (Frame frame = reader.next(); frame != null; frame = reader.next()) {
        into.add(frame);
      }
    }
  }
}
