package dev.atrium.config;

import java.nio.file.Path;
import java.util.List;

/**
 * How this node joins the Hazelcast cluster.
 *
 * @param enabled whether to join at all
 * @param members explicit TCP-IP members, or null for the list in the Hazelcast file
 * @param host interface to bind Hazelcast and the event bus to
 * @param publicHost address other members reach this one at
 * @param port Hazelcast member port
 * @param eventBusPort clustered event-bus port (0 = any)
 * @param configFile Hazelcast XML file, or null for the packaged {@code cluster.xml}
 */
public record ClusterSettings(boolean enabled, List<String> members, String host, String publicHost,
    int port, int eventBusPort, Path configFile) {
}
