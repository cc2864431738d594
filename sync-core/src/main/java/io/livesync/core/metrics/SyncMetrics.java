package io.livesync.core.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The process's meters, scraped at {@code /metrics} in Prometheus text format. One instance per
 * process, shared by its verticles; thread-safe.
 */
public final class SyncMetrics {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final ConcurrentMap<String, Counter> counters = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, java.util.concurrent.atomic.AtomicLong> gauges =
      new ConcurrentHashMap<>();
  private final ConcurrentMap<String, java.util.concurrent.atomic.LongAdder> sums =
      new ConcurrentHashMap<>();
  private final Timer writeLatency;
  private final Timer commitLatency;

  public SyncMetrics() {
    // JVM heap and GC meters: operators size servers by heap per connection (docs/benchmarks.md)
    new io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics().bindTo(registry);
    new io.micrometer.core.instrument.binder.jvm.JvmGcMetrics().bindTo(registry);
    writeLatency = Timer.builder("livesync_write_latency")
        .description("Gateway: write received to ack or error sent")
        .publishPercentiles(0.5, 0.99, 0.999)
        .serviceLevelObjectives(Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10),
            Duration.ofMillis(50), Duration.ofMillis(250))
        .register(registry);
    commitLatency = Timer.builder("livesync_commit_latency")
        .description("Worker: one group commit, resolve to durable")
        .publishPercentiles(0.5, 0.99)
        .register(registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public String scrape() {
    return registry.scrape();
  }

  public Timer writeLatency() {
    return writeLatency;
  }

  public Timer commitLatency() {
    return commitLatency;
  }

  /** A counter with one tag, cached so the hot path does not rebuild meter ids. */
  public Counter counter(String name, String tagKey, String tagValue) {
    return counters.computeIfAbsent(name + '\u0000' + tagKey + '\u0000' + tagValue,
        k -> Counter.builder(name).tag(tagKey, tagValue).register(registry));
  }

  /** A gauge backed by a shared counter, e.g. open connections across all gateway instances. */
  public java.util.concurrent.atomic.AtomicLong gauge(String name, String description) {
    return gauges.computeIfAbsent(name, k -> {
      java.util.concurrent.atomic.AtomicLong value = new java.util.concurrent.atomic.AtomicLong();
      io.micrometer.core.instrument.Gauge.builder(name, value, java.util.concurrent.atomic.AtomicLong::get)
          .description(description).register(registry);
      return value;
    });
  }

  /**
   * A gauge summing contributions from many threads without contention (a {@link
   * java.util.concurrent.atomic.LongAdder}), for hot-path figures such as the outbound backlog.
   */
  public java.util.concurrent.atomic.LongAdder sumGauge(String name, String description) {
    return sums.computeIfAbsent(name, k -> {
      java.util.concurrent.atomic.LongAdder value = new java.util.concurrent.atomic.LongAdder();
      io.micrometer.core.instrument.Gauge.builder(name, value,
          java.util.concurrent.atomic.LongAdder::sum).description(description).register(registry);
      return value;
    });
  }

  public Counter counter(String name) {
    return counters.computeIfAbsent(name, k -> Counter.builder(name).register(registry));
  }

  /** A gauge read from {@code value} at each scrape. */
  public void gauge(String name, String description, Supplier<Number> value) {
    Gauge.builder(name, value).description(description).register(registry);
  }

  /** A counter whose running total is kept elsewhere and read at each scrape. */
  public void counter(String name, String description, LongSupplier total) {
    FunctionCounter.builder(name, total, LongSupplier::getAsLong).description(description)
        .register(registry);
  }
}
