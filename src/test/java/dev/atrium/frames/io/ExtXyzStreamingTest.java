package dev.atrium.frames.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.frames.Frame;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@DisplayName("Extended XYZ import streams")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ExtXyzStreamingTest {

  private static final long TARGET_BYTES = 200L << 20;
  private static final int ATOMS = 100;

  @Test
  @DisplayName("a 200 MB trajectory generated on the fly is read frame by frame without reading ahead")
  void readsLargeInputFrameByFrame() throws IOException {
    byte[] frame = frameText(new Random(11));
    long frames = TARGET_BYTES / frame.length;
    GeneratedStream in = new GeneratedStream(frame, frames);

    long started = System.nanoTime();
    long count = 0;
    try (ExtXyzReader reader = new ExtXyzReader(in, "generated.xyz")) {
      Frame first = reader.next();
      count++;
      assertThat(first.fields().get("positions").shape()).containsExactly(ATOMS, 3);
      assertThat(in.delivered()).as("bytes read to return the first frame").isLessThan(1 << 20);
      for (Frame next = reader.next(); next != null; next = reader.next()) {
        count++;
      }
    }
    double seconds = (System.nanoTime() - started) / 1e9;

    assertThat(count).isEqualTo(frames);
    assertThat(in.delivered()).isEqualTo(frames * frame.length);
    System.out.printf(Locale.ROOT, "extxyz read [bytes: %d, frames: %d, seconds: %.2f, MB/s: %.1f]%n",
        in.delivered(), count, seconds, in.delivered() / 1e6 / seconds);
  }

  /** One frame of ATOMS atoms with many-digit numbers, as a typical writer prints it. */
  private static byte[] frameText(Random random) {
    StringBuilder text = new StringBuilder();
    text.append(ATOMS).append('\n');
    text.append("Lattice=\"12.5 0.0 0.0 0.0 12.5 0.0 0.0 0.0 12.5\" Properties=species:S:1:pos:R:3:forces:R:3"
        + " energy=-1234.56789012345 pbc=\"T T T\" step=7\n");
    String[] species = {"H", "C", "N", "O"};
    for (int a = 0; a < ATOMS; a++) {
      text.append(species[random.nextInt(species.length)]);
      for (int k = 0; k < 3; k++) {
        text.append(String.format(Locale.ROOT, " %15.8f", random.nextDouble() * 12.5));
      }
      for (int k = 0; k < 3; k++) {
        text.append(' ').append(random.nextGaussian());
      }
      text.append('\n');
    }
    return text.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** The same frame text repeated {@code frames} times, made as it is read; nothing is held but one frame. */
  private static final class GeneratedStream extends InputStream {
    private final byte[] frame;
    private final long total;
    private long delivered;

    GeneratedStream(byte[] frame, long frames) {
      this.frame = frame;
      this.total = frame.length * frames;
    }

    long delivered() {
      return delivered;
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] into, int offset, int length) {
      if (delivered >= total) {
        return -1;
      }
      int inFrame = (int) (delivered % frame.length);
      int count = (int) Math.min(Math.min(length, frame.length - inFrame), total - delivered);
      System.arraycopy(frame, inFrame, into, offset, count);
      delivered += count;
      return count;
    }
  }
}
