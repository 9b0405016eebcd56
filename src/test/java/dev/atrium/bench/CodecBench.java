package dev.atrium.bench;

import dev.atrium.frames.DType;
import dev.atrium.frames.Field;
import dev.atrium.frames.Frame;
import dev.atrium.frames.FrameJson;
import dev.atrium.frames.FrameMsgpack;
import dev.atrium.frames.FrameView;
import io.vertx.core.buffer.Buffer;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Step 3 codec figures (JMH): msgpack encode and decode of a 10^5-atom frame (positions float32
 * [100000, 3] = 1.2 MB, species str [100000]), and JSON encode and decode of a 100-atom frame for
 * reference. Throughput in ops/s; MB/s = ops/s × the encoded size printed at setup (and computed by
 * {@link #run}).
 *
 * <p>{@code msgpackEncode} is what serving costs on the CPU before the socket: the headers and the
 * species are written, the positions array is wrapped. {@code msgpackEncodeCopy} adds one copy of the
 * whole body (what the transport does when it moves the bytes to a direct buffer), for comparison.
 *
 * <p>Run: {@code java -cp ... org.openjdk.jmh.Main CodecBench}, or {@link #run(PrintStream)}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class CodecBench {

  static final int ATOMS = 100_000;
  static final int SMALL_ATOMS = 100;

  private List<FrameView> big;
  private byte[] bigMsgpack;
  private List<FrameView> small;
  private Buffer smallJson;

  /** A frame of {@code n} atoms: random float32 positions and species from a few element symbols. */
  static Frame atoms(int n, long seed) {
    Random random = new Random(seed);
    ByteBuffer positions = ByteBuffer.allocate(n * 3 * 4).order(DType.ORDER);
    for (int i = 0; i < n * 3; i++) {
      positions.putFloat(random.nextFloat() * 100f);
    }
    String[] symbols = {"H", "C", "N", "O", "S", "Cl", "Fe"};
    List<String> species = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      species.add(symbols[random.nextInt(symbols.length)]);
    }
    Map<String, Field> fields = new LinkedHashMap<>();
    fields.put("positions", Field.of(DType.FLOAT32, new int[] {n, 3}, positions.array(), "bench"));
    fields.put("species", Field.ofStrings(species, new int[] {n}, "bench"));
    return Frame.of(fields, "bench");
  }

  static List<FrameView> views(int atoms) {
    return List.of(FrameView.of(0, "frame-0", 1, atoms(atoms, 42)));
  }

  /** Encoded sizes in bytes: msgpack of the big frame, JSON of the small one. */
  static long[] sizes() {
    return new long[] {FrameMsgpack.encode(views(ATOMS)).length(), FrameJson.encode(views(SMALL_ATOMS)).toBuffer().length()};
  }

  /** Builds the frames and their encodings once, and prints the sizes that turn ops/s into MB/s. */
  @Setup
  public void setup() {
    big = views(ATOMS);
    bigMsgpack = FrameMsgpack.encode(big).getBytes();
    small = views(SMALL_ATOMS);
    smallJson = FrameJson.encode(small).toBuffer();
    System.out.printf("%n[codec sizes] msgpack %d atoms: %d bytes; json %d atoms: %d bytes%n", ATOMS,
        bigMsgpack.length, SMALL_ATOMS, smallJson.length());
  }

  @Benchmark
  public Buffer msgpackEncode() {
    return FrameMsgpack.encode(big);
  }

  @Benchmark
  public byte[] msgpackEncodeCopy() {
    return FrameMsgpack.encode(big).getBytes();
  }

  @Benchmark
  public FrameJson.Decoded msgpackDecode() {
    return FrameMsgpack.decode(bigMsgpack);
  }

  @Benchmark
  public Buffer jsonEncodeSmall() {
    return FrameJson.encode(small).toBuffer();
  }

  @Benchmark
  public FrameJson.Decoded jsonDecodeSmall() {
    return FrameJson.decode(smallJson);
  }

  /** Runs the benchmarks and prints ops/s and MB/s for each. */
  static void run(PrintStream out) throws Exception {
    out.println("== Step 3: frame codecs (JMH) ==");
    long[] sizes = sizes();
    Collection<RunResult> results = new Runner(new OptionsBuilder()
        .include(CodecBench.class.getName() + "\\.")
        .shouldFailOnError(true)
        .build()).run();
    out.println();
    out.println("== Step 3 codec summary ==");
    for (RunResult result : results) {
      String benchmark = result.getParams().getBenchmark();
      String name = benchmark.substring(benchmark.lastIndexOf('.') + 1);
      double ops = result.getPrimaryResult().getScore();
      long size = name.startsWith("msgpack") ? sizes[0] : sizes[1];
      out.printf("%-20s %12.1f ops/s  %10.1f MB/s  (%d bytes per op)%n", name, ops, ops * size / 1e6, size);
    }
  }

  /** Standalone entry: {@code java -cp <test class path> dev.atrium.bench.CodecBench}. */
  public static void main(String[] args) throws Exception {
    run(System.out);
  }
}
