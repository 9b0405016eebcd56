package dev.atrium.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.Match;
import io.vertx.micrometer.MatchType;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.lang.management.ManagementFactory;
import java.util.EnumSet;

/**
 * The node's metrics: one Prometheus registry holding Vert.x's HTTP server and event-bus
 * metrics, JVM metrics and process metrics, scraped at {@code GET /metrics}.
 */
public final class Metrics {

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  /**
   * Binds the JVM and process meters. Call after Vert.x is built: Vert.x installs meter filters
   * on the registry, and filters must come before the first meter.
   */
  public void bindJvmAndProcess() {
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(registry);
  }

  /** The registry. */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /**
   * Vert.x metrics options writing to this registry. Per-room and per-node addresses are folded
   * into one label value each, so the number of series stays bounded however many rooms exist.
   */
  public MicrometerMetricsOptions vertxOptions() {
    return new MicrometerMetricsOptions()
        .setEnabled(true)
        .setLabels(EnumSet.of(Label.HTTP_METHOD, Label.HTTP_CODE, Label.HTTP_ROUTE, Label.EB_ADDRESS,
            Label.EB_FAILURE, Label.EB_SIDE, Label.POOL_TYPE, Label.POOL_NAME))
        .addLabelMatch(new Match().setDomain(MetricsDomain.EVENT_BUS).setLabel(Label.EB_ADDRESS.toString())
            .setType(MatchType.REGEX).setValue("room\\..*").setAlias("room.*"))
        .addLabelMatch(new Match().setDomain(MetricsDomain.EVENT_BUS).setLabel(Label.EB_ADDRESS.toString())
            .setType(MatchType.REGEX).setValue("atrium\\.node\\.[0-9a-f-]{8,}\\.ping").setAlias("atrium.node.<id>.ping"))
        .addLabelMatch(new Match().setDomain(MetricsDomain.EVENT_BUS).setLabel(Label.EB_ADDRESS.toString())
            .setType(MatchType.REGEX).setValue("atrium\\.client\\..*").setAlias("atrium.client.<socket>"))
        .addLabelMatch(new Match().setDomain(MetricsDomain.EVENT_BUS).setLabel(Label.EB_ADDRESS.toString())
            .setType(MatchType.REGEX).setValue("__vertx\\.reply\\..*").setAlias("__vertx.reply"));
  }

  /** One log-friendly line of what this node has done since it started. */
  public String snapshot() {
    long heapUsed = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    long uptimeMs = ManagementFactory.getRuntimeMXBean().getUptime();
    return String.format("uptime: %ds, http requests: %.0f, http active: %.0f, bus sent: %.0f,"
            + " bus received: %.0f, bus handlers: %.0f, heap used: %d MB",
        uptimeMs / 1000, counterSum("vertx.http.server.requests"), gaugeSum("vertx.http.server.active.requests"),
        counterSum("vertx.eventbus.sent"), counterSum("vertx.eventbus.received"),
        gaugeSum("vertx.eventbus.handlers"), heapUsed >> 20);
  }

  private double counterSum(String name) {
    return registry.find(name).counters().stream().mapToDouble(Counter::count).sum();
  }

  private double gaugeSum(String name) {
    return registry.find(name).gauges().stream().mapToDouble(Gauge::value).sum();
  }
}
