package dev.atrium.frames.io;

import static dev.atrium.frames.io.Fields.bools;
import static dev.atrium.frames.io.Fields.f64;
import static dev.atrium.frames.io.Fields.i64;
import static dev.atrium.frames.io.Fields.shape;
import static dev.atrium.frames.io.Fields.str;

import dev.atrium.frames.Field;
import dev.atrium.frames.Frame;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.TreeMap;

/**
 * A random extended-XYZ trajectory written the many ways real files are (number formats, quoting,
 * whitespace, line endings), together with the frames it must read as — built from the values,
 * not by parsing the text.
 */
final class GeneratedTrajectory {

  private static final String[] SPECIES = {"H", "He", "C", "N", "O", "Fe", "Cu", "Na", "Cl", "Au"};
  private static final String[] SEPARATORS = {" ", "  ", "\t", " \t ", "     "};

  final String text;
  final List<Frame> frames;

  private GeneratedTrajectory(String text, List<Frame> frames) {
    this.text = text;
    this.frames = frames;
  }

  static GeneratedTrajectory generate(long seed, int frameCount) {
    Random random = new Random(seed);
    StringBuilder text = new StringBuilder();
    List<Frame> frames = new ArrayList<>();
    for (int f = 0; f < frameCount; f++) {
      frames.add(frame(random, f, text));
    }
    text.append("\n\n   \n");
    return new GeneratedTrajectory(text.toString(), frames);
  }

  private static Frame frame(Random random, int index, StringBuilder text) {
    int atoms = 1 + random.nextInt(50);
    String newline = random.nextInt(5) == 0 ? "\r\n" : "\n";
    TreeMap<String, Field> fields = new TreeMap<>();

    String[] species = new String[atoms];
    double[] positions = new double[atoms * 3];
    double[] forces = new double[atoms * 3];
    long[] tags = new long[atoms];
    boolean[] fixed = new boolean[atoms];
    String[][] cells = new String[atoms][];
    List<String> properties = new ArrayList<>(List.of("species", "pos", "forces", "tag", "fixed"));
    Collections.shuffle(properties, random);
    for (int a = 0; a < atoms; a++) {
      species[a] = SPECIES[random.nextInt(SPECIES.length)];
      List<String> pos = new ArrayList<>();
      List<String> force = new ArrayList<>();
      for (int k = 0; k < 3; k++) {
        positions[a * 3 + k] = randomDouble(random);
        pos.add(format(positions[a * 3 + k], random));
        if (random.nextInt(40) == 0) {
          String special = new String[] {"nan", "NaN", "inf", "-inf", "Infinity", "-Infinity", "+inf", "INF"}[random.nextInt(8)];
          force.add(special);
          forces[a * 3 + k] = special.toLowerCase(Locale.ROOT).contains("nan") ? Double.NaN
              : special.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        } else {
          forces[a * 3 + k] = randomDouble(random);
          force.add(format(forces[a * 3 + k], random));
        }
      }
      tags[a] = switch (random.nextInt(6)) {
        case 0 -> Long.MIN_VALUE;
        case 1 -> Long.MAX_VALUE;
        case 2 -> 0;
        default -> random.nextLong() >> random.nextInt(64);
      };
      String tag = tags[a] >= 0 && random.nextBoolean() ? "+" + tags[a] : Long.toString(tags[a]);
      fixed[a] = random.nextBoolean();
      String flag = (fixed[a] ? new String[] {"T", "True", "true"} : new String[] {"F", "False", "false"})[random.nextInt(3)];
      List<String> row = new ArrayList<>();
      for (String property : properties) {
        switch (property) {
          case "species" -> row.add(species[a]);
          case "pos" -> row.addAll(pos);
          case "forces" -> row.addAll(force);
          case "tag" -> row.add(tag);
          default -> row.add(flag);
        }
      }
      cells[a] = row.toArray(String[]::new);
    }
    fields.put("species", str(shape(atoms), species));
    fields.put("positions", f64(shape(atoms, 3), positions));
    fields.put("forces", f64(shape(atoms, 3), forces));
    fields.put("tag", i64(shape(atoms), tags));
    fields.put("fixed", bools(shape(atoms), fixed));

    List<String> comment = new ArrayList<>();
    StringBuilder spec = new StringBuilder();
    for (String property : properties) {
      if (spec.length() > 0) {
        spec.append(':');
      }
      spec.append(property).append(switch (property) {
        case "species" -> ":S:1";
        case "pos", "forces" -> ":R:3";
        case "tag" -> ":I:1";
        default -> ":L:1";
      });
    }
    comment.add("Properties=" + spec);

    double[] lattice = new double[9];
    StringBuilder latticeText = new StringBuilder();
    for (int k = 0; k < 9; k++) {
      lattice[k] = k % 4 == 0 ? 5 + random.nextDouble() * 20 : random.nextInt(3) == 0 ? randomDouble(random) : 0.0;
      latticeText.append(k > 0 ? " " : "").append(format(lattice[k], random));
    }
    comment.add("Lattice=\"" + latticeText + "\"");
    fields.put("box", f64(shape(3, 3), lattice));

    boolean[] pbc = {random.nextBoolean(), random.nextBoolean(), random.nextBoolean()};
    comment.add("pbc=\"" + logical(pbc[0], random) + " " + logical(pbc[1], random) + " " + logical(pbc[2], random) + "\"");
    fields.put("pbc", bools(shape(3), pbc));

    double energy = randomDouble(random);
    String energyText = format(energy, random, false);
    comment.add(random.nextBoolean() ? "energy=" + energyText : "energy=\"" + energyText + "\"");
    fields.put("energy", f64(shape(), energy));

    comment.add("step=" + index);
    fields.put("step", i64(shape(), index));

    String[][] labels = {
        {"\"bulk water\"", "bulk water"},
        {"slab", "slab"},
        {"\"\"", ""},
        {"\"say \\\"hi\\\" twice\"", "say \"hi\" twice"},
        {"\"Øresund ✓ Å\"", "Øresund ✓ Å"},
        {"\"back\\\\slash = {x}\"", "back\\slash = {x}"},
        {"{curly braces}", "curly braces"},
    };
    String[] label = labels[random.nextInt(labels.length)];
    comment.add("config_type=" + label[0]);
    fields.put("config_type", str(shape(), label[1]));

    double[] stress = new double[9];
    StringBuilder stressText = new StringBuilder();
    for (int k = 0; k < 9; k++) {
      stress[k] = randomDouble(random);
      stressText.append(k > 0 ? " " : "").append(format(stress[k], random, false));
    }
    comment.add("stress=\"" + stressText + "\"");
    fields.put("stress", f64(shape(9), stress));

    if (random.nextBoolean()) {
      comment.add("is_relaxed");
      fields.put("is_relaxed", bools(shape(), true));
    }
    long[] charges = {random.nextInt(7) - 3, random.nextInt(7) - 3, random.nextLong()};
    comment.add("charges=\"" + charges[0] + "  " + charges[1] + " " + charges[2] + "\"");
    fields.put("charges", i64(shape(3), charges));
    comment.add("flags=\"T F\"");
    fields.put("flags", bools(shape(2), true, false));

    Collections.shuffle(comment, random);
    text.append(random.nextInt(4) == 0 ? "  " + atoms + " " : Integer.toString(atoms)).append(newline);
    text.append(String.join(random.nextBoolean() ? " " : "   ", comment)).append(newline);
    for (String[] row : cells) {
      if (random.nextInt(4) == 0) {
        text.append("  ");
      }
      for (int c = 0; c < row.length; c++) {
        if (c > 0) {
          text.append(SEPARATORS[random.nextInt(SEPARATORS.length)]);
        }
        text.append(row[c]);
      }
      text.append(newline);
    }
    return Frame.of(fields, "expected frame " + index);
  }

  private static String logical(boolean value, Random random) {
    return (value ? new String[] {"T", "True"} : new String[] {"F", "False"})[random.nextInt(2)];
  }

  /** Finite doubles of every kind: signed zeros, subnormals, extremes, integers, many digits. */
  static double randomDouble(Random random) {
    return switch (random.nextInt(12)) {
      case 0 -> -0.0;
      case 1 -> 0.0;
      case 2 -> Double.MIN_VALUE * (1 + random.nextInt(1000)) * (random.nextBoolean() ? 1 : -1);
      case 3 -> random.nextBoolean() ? Double.MAX_VALUE : -Double.MAX_VALUE;
      case 4 -> {
        double value;
        do {
          value = Double.longBitsToDouble(random.nextLong());
        } while (Double.isNaN(value) || Double.isInfinite(value));
        yield value;
      }
      case 5 -> random.nextInt(2001) - 1000;
      case 6 -> Math.scalb(random.nextDouble() - 0.5, random.nextInt(2000) - 1000);
      case 7 -> 1e-300 * (random.nextBoolean() ? 1 : -1);
      default -> random.nextGaussian() * 10;
    };
  }

  /** One of the ways writers print a double; each reads back as exactly that double. */
  static String format(double value, Random random) {
    return format(value, random, true);
  }

  /**
   * As {@link #format(double, Random)}; without {@code integerLiterals} never an integer literal,
   * which a comment-line value would read back as (int64).
   */
  static String format(double value, Random random, boolean integerLiterals) {
    boolean negativeZero = value == 0 && 1 / value < 0;
    boolean integral = value == Math.rint(value) && Math.abs(value) < 1e15;
    return switch (random.nextInt(integerLiterals && integral ? 8 : 7)) {
      case 0, 1 -> Double.toString(value);
      case 2 -> String.format(Locale.ROOT, "%.17e", value);
      case 3 -> String.format(Locale.ROOT, "%.17E", value);
      case 4 -> value == Math.rint(value) && !integerLiterals ? Double.toString(value)
          : negativeZero ? "-0" : Math.abs(value) > 1e-30 && Math.abs(value) < 1e30
              ? new BigDecimal(value).toString() : String.format(Locale.ROOT, "%.20e", value);
      case 5 -> String.format(Locale.ROOT, "%.17e", value).replace('e', 'D');
      case 6 -> Double.toString(value).toLowerCase(Locale.ROOT);
      default -> negativeZero ? "-0" : Long.toString((long) value);
    };
  }
}
