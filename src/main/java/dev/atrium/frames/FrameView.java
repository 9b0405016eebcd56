package dev.atrium.frames;

/**
 * A stored frame with its metadata, as the codecs send it: position in the room's index, stable id,
 * version and content hash, and the content itself.
 *
 * @param index position in the room's ordered index
 * @param id stable frame id; null when not known (it is then left out of the encoding)
 * @param version edit version, starting at 1
 * @param hash {@code sha256:<hex>} content hash ({@link Frame#hash()}); null when not known (left out)
 * @param frame the content, possibly only a subset of the fields; null for metadata-only listings
 *     (the encoding then has no {@code fields} key)
 */
public record FrameView(long index, String id, long version, String hash, Frame frame) {

  /** A view of a frame that carries its full content and its own hash. */
  public static FrameView of(long index, String id, long version, Frame frame) {
    return new FrameView(index, id, version, frame.hash(), frame);
  }
}
