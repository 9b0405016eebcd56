package dev.atrium.web;

import dev.atrium.bus.FailureCodes;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * RFC 9530 {@code Content-Digest} with {@code sha-256}: checking a request body a client sent it
 * with (a mismatch means a corrupted or truncated transfer: 422, nothing stored), and computing
 * the header for a response. Other algorithms in the header are ignored.
 */
public final class ContentDigest {

  /** The header name. */
  public static final String HEADER = "Content-Digest";
  private static final Pattern SHA256 = Pattern.compile("(?:^|,)\\s*sha-256\\s*=\\s*:([A-Za-z0-9+/=]+):");

  private ContentDigest() {
  }

  /** Fails with 422 when the header names a sha-256 that the body does not have; passes without one. */
  public static void verify(String header, Buffer body) {
    if (header == null) {
      return;
    }
    Matcher m = SHA256.matcher(header);
    if (!m.find()) {
      return;
    }
    byte[] expected;
    try {
      expected = Base64.getDecoder().decode(m.group(1));
    } catch (IllegalArgumentException e) {
      throw new ApiException(FailureCodes.BAD_REQUEST, "Content-Digest: sha-256 value is not base64");
    }
    if (!MessageDigest.isEqual(expected, sha256(body))) {
      throw new ApiException(FailureCodes.UNPROCESSABLE, "Content-Digest: the body's sha-256 does not match;"
          + " the transfer was corrupted or truncated, nothing was stored");
    }
  }

  /** The header value for a body: {@code sha-256=:<base64>:}. */
  public static String of(Buffer body) {
    return "sha-256=:" + Base64.getEncoder().encodeToString(sha256(body)) + ":";
  }

  private static byte[] sha256(Buffer body) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      if (body != null) {
        for (ByteBuffer part : ((BufferInternal) body).getByteBuf().nioBuffers()) {
          digest.update(part);
        }
      }
      return digest.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
