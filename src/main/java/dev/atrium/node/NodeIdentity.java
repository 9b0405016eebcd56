package dev.atrium.node;

import dev.atrium.config.Mode;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * Who this node is: its cluster node id (a random id when not clustered), mode and version.
 *
 * @param nodeId id of this node in the cluster
 * @param mode the mode it runs in
 * @param clustered whether it joined a cluster
 * @param startedAtMillis when the node started serving
 */
public record NodeIdentity(String nodeId, Mode mode, boolean clustered, long startedAtMillis) {

  /** The Atrium version, from the jar (filtered at build time). */
  public static String version() {
    try (InputStream in = NodeIdentity.class.getClassLoader().getResourceAsStream("atrium-version.properties")) {
      Properties properties = new Properties();
      if (in != null) {
        properties.load(in);
      }
      return properties.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** The identity as the node addresses reply it. */
  public JsonObject toJson() {
    return new JsonObject()
        .put("node", nodeId)
        .put("mode", mode.id())
        .put("version", version())
        .put("clustered", clustered)
        .put("uptimeMs", System.currentTimeMillis() - startedAtMillis);
  }
}
