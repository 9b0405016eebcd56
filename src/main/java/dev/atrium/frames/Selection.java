package dev.atrium.frames;

import dev.atrium.bus.FailureCodes;
import dev.atrium.web.ApiException;
import java.util.ArrayList;
import java.util.List;

/**
 * Which frames a read asks for: {@code a:b} (half-open range; either end may be omitted), or a
 * list {@code 3,7,9}; absent means all (up to the cap).
 */
public final class Selection {

  private final String text;

  private Selection(String text) {
    this.text = text;
  }

  /** Parses the {@code frames} query parameter (null = everything). */
  public static Selection parse(String text) {
    return new Selection(text == null || text.isBlank() ? null : text.trim());
  }

  /**
   * The indices, checked against the room's size: 404 for an index out of range, 400 for a
   * malformed selection or one larger than {@code cap}.
   */
  public List<Integer> indices(int size, int cap) {
    List<Integer> out = new ArrayList<>();
    if (text == null) {
      return range(0, size, size, cap);
    }
    if (text.contains(":")) {
      String[] parts = text.split(":", -1);
      if (parts.length != 2) {
        throw malformed();
      }
      int from = parts[0].isEmpty() ? 0 : number(parts[0]);
      int to = parts[1].isEmpty() ? size : number(parts[1]);
      if (from > to) {
        throw new ApiException(FailureCodes.BAD_REQUEST, "frames: range " + text + " ends before it starts");
      }
      if (to > size) {
        throw new ApiException(FailureCodes.NOT_FOUND, "frames: range " + text + " goes past the end (room has "
            + size + " frames)");
      }
      return range(from, to, size, cap);
    }
    for (String part : text.split(",")) {
      int index = number(part.trim());
      if (index >= size) {
        throw new ApiException(FailureCodes.NOT_FOUND, "frames: index " + index + " out of range (room has "
            + size + " frames)");
      }
      out.add(index);
    }
    if (out.size() > cap) {
      throw tooMany(out.size(), cap);
    }
    return out;
  }

  private static List<Integer> range(int from, int to, int size, int cap) {
    if (to - from > cap) {
      throw tooMany(to - from, cap);
    }
    List<Integer> out = new ArrayList<>(to - from);
    for (int i = from; i < to; i++) {
      out.add(i);
    }
    return out;
  }

  private int number(String part) {
    try {
      int value = Integer.parseInt(part);
      if (value < 0) {
        throw new ApiException(FailureCodes.BAD_REQUEST, "frames: index " + value + " is negative");
      }
      return value;
    } catch (NumberFormatException e) {
      throw malformed();
    }
  }

  private ApiException malformed() {
    return new ApiException(FailureCodes.BAD_REQUEST, "frames: '" + text + "' is neither a:b nor a list like 3,7,9");
  }

  private static ApiException tooMany(int asked, int cap) {
    return new ApiException(FailureCodes.BAD_REQUEST, "frames: " + asked + " frames asked for; at most " + cap
        + " per request (page through larger ranges)");
  }
}
