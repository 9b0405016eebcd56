package dev.atrium.observe;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.spi.context.storage.ContextLocal;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The request id of the work running now. It lives in the Vert.x <em>duplicated</em> context of
 * the HTTP request (or bus message) being served, so every callback of that request sees it and
 * no other request does; the log pattern prints it through {@link RequestIdConverter}.
 */
public final class RequestIds {

  /** HTTP header and event-bus header that carry the id. */
  public static final String HEADER = "X-Request-Id";

  private static final Pattern WELL_FORMED = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final ContextLocal<String> KEY = ContextLocal.registerLocal(String.class);

  private RequestIds() {
  }

  /**
   * Registers the context key. Call before the first {@link Vertx} is built: Vert.x sizes each
   * instance's context storage from the keys registered at that moment.
   */
  public static void init() {
    // Loading this class registers KEY; nothing else to do.
  }

  /** Whether a client-supplied id may be used as-is (bounded length, no spaces or control chars). */
  public static boolean wellFormed(String candidate) {
    return candidate != null && WELL_FORMED.matcher(candidate).matches();
  }

  /** A new random id: 16 hex digits. */
  public static String generate() {
    byte[] bytes = new byte[8];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  /**
   * Binds an id to the current context when it is a per-request (duplicated) one; on a shared
   * event-loop context it would leak into unrelated work, so there it is not bound.
   */
  public static void bind(String requestId) {
    Context context = Vertx.currentContext();
    if (context instanceof ContextInternal internal && internal.isDuplicate()) {
      KEY.put(context, requestId);
    }
  }

  /** The id bound to the current context, or null. */
  public static String current() {
    Context context = Vertx.currentContext();
    if (context == null) {
      return null;
    }
    try {
      return KEY.get(context);
    } catch (RuntimeException e) {
      // A context of a Vertx built before this key existed has no slot for it.
      return null;
    }
  }
}
