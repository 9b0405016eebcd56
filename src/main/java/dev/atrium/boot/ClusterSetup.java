package dev.atrium.boot;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.config.FileSystemXmlConfig;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.ListenerConfig;
import com.hazelcast.config.NetworkConfig;
import dev.atrium.config.ClusterSettings;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.FileNotFoundException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the Hazelcast cluster manager from {@code cluster.xml} and the cluster settings:
 * TCP-IP join only (multicast and auto-detection off), explicit bind and public addresses, and a
 * listener that logs members joining and leaving.
 */
final class ClusterSetup {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterSetup.class);

  private ClusterSetup() {
  }

  static HazelcastClusterManager clusterManager(ClusterSettings cluster) {
    return new HazelcastClusterManager(hazelcastConfig(cluster));
  }

  static Config hazelcastConfig(ClusterSettings cluster) {
    Config config = load(cluster);
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(cluster.port()).setPortAutoIncrement(false);
    network.setPublicAddress(cluster.publicHost() + ":" + cluster.port());
    if (!"0.0.0.0".equals(cluster.host())) {
      config.setProperty("hazelcast.local.localAddress", cluster.host());
    }
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true);
    if (cluster.members() != null) {
      join.getTcpIpConfig().setMembers(cluster.members());
    }
    config.addListenerConfig(new ListenerConfig(new MembershipLogger()));
    return config;
  }

  static EventBusOptions eventBusOptions(ClusterSettings cluster) {
    EventBusOptions options = new EventBusOptions()
        .setHost(cluster.host())
        .setPort(cluster.eventBusPort())
        .setClusterPublicHost(cluster.publicHost());
    return cluster.eventBusPort() == 0 ? options : options.setClusterPublicPort(cluster.eventBusPort());
  }

  private static Config load(ClusterSettings cluster) {
    if (cluster.configFile() == null) {
      return ConfigUtil.loadConfig();
    }
    try {
      return new FileSystemXmlConfig(cluster.configFile().toFile());
    } catch (FileNotFoundException e) {
      throw new IllegalStateException("cluster.config (ATRIUM_CLUSTER_CONFIG): " + cluster.configFile()
          + " does not exist", e);
    }
  }

  /** Logs membership changes; Vert.x purges a departed member's subscriptions on the same event. */
  private static final class MembershipLogger implements MembershipListener {
    /** Member attribute where vertx-hazelcast keeps the Vert.x node id (the id Atrium shows). */
    private static final String NODE_ID_ATTRIBUTE = "__vertx.nodeId";

    @Override
    public void memberAdded(MembershipEvent event) {
      LOG.info("cluster member joined [node: {}, address: {}, members: {}]",
          event.getMember().getAttribute(NODE_ID_ATTRIBUTE), event.getMember().getAddress(),
          event.getMembers().size());
    }

    @Override
    public void memberRemoved(MembershipEvent event) {
      LOG.warn("cluster member left [node: {}, address: {}, members: {}]",
          event.getMember().getAttribute(NODE_ID_ATTRIBUTE), event.getMember().getAddress(),
          event.getMembers().size());
    }
  }
}
