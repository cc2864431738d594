package io.livesync.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.livesync.protocol.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportWriterTest {
  static Report sample() {
    Histogram h = new Histogram(1, Stats.MAX_MICROS, 3);
    for (int i = 1; i <= 10_000; i++) {
      h.recordValue(i); // 1 us .. 10 ms
    }
    Map<String, Report.Latency> lat = new LinkedHashMap<>();
    lat.put("ack", Report.Latency.of(h));
    lat.put("fanout", Report.Latency.of(new Histogram(1, Stats.MAX_MICROS, 3)));
    List<Report.Sample> timeline = List.of(
        new Report.Sample(1, false, 900, 880, 8800, 0, 0, 2.5, 3.5),
        new Report.Sample(2, true, 1000, 1000, 10_000, 0, 1, 2.0, 3.0),
        new Report.Sample(3, true, 1000, 1000, 10_000, 0, 0, 2.1, 3.1));
    Map<String, Object> results = new LinkedHashMap<>();
    results.put("ackedWritesPerSec", 1000);
    Map<String, String> checks = new LinkedHashMap<>();
    checks.put("acks == writes sent - errors", "ok");
    checks.put("deliveries == changes x subscribers", "deliveries 9, expected 10");
    return new Report("writes", "2026-01-01T00:00:00Z", Map.of("writers", 10), 2.0,
        new Report.Totals(3000, 2999, 1, 2999, 29990, 29990, 0, 1 << 20, 1 << 18, 20, 0, 0, 0,
            0),
        new Report.Totals(2000, 2000, 1, 2000, -1, 20_000, 0, 1000, 1000, 0, 0, 0, 0, 0),
        new Report.Rates(1000, 1000, 0.5, 10_000, 0, 500, 500), Map.of("rate_limited", 1L),
        Map.of("applied", 2999L), lat, timeline, results, checks, List.of("a <note>"));
  }

  @Test
  void latencySummaryIsInMillisecondsWithADistribution() {
    Report.Latency l = sample().latencies().get("ack");
    assertThat(l.count()).isEqualTo(10_000);
    assertThat(l.p50()).isBetween(4.99, 5.01);
    assertThat(l.p99()).isBetween(9.89, 9.91);
    assertThat(l.max()).isBetween(9.99, 10.01);
    assertThat(l.distribution()).isNotEmpty();
    double[] last = l.distribution().get(l.distribution().size() - 1);
    assertThat(last[0]).isEqualTo(100.0);
    assertThat(sample().latencies().get("fanout").count()).isZero();
  }

  @Test
  void jsonHoldsEveryFigure() {
    JsonNode j = Json.parseObject(ReportWriter.json(sample()));
    assertThat(j.path("scenario").asText()).isEqualTo("writes");
    assertThat(j.path("totals").path("acks").asLong()).isEqualTo(2999);
    assertThat(j.path("totals").path("expectedDeliveries").asLong()).isEqualTo(29990);
    assertThat(j.path("rates").path("acksPerSec").asDouble()).isEqualTo(1000);
    assertThat(j.path("latencies").path("ack").path("p99").asDouble()).isBetween(9.89, 9.91);
    assertThat(j.path("latencies").path("ack").path("distribution").get(0).size()).isEqualTo(2);
    assertThat(j.path("timeline")).hasSize(3);
    assertThat(j.path("errorsByCode").path("rate_limited").asLong()).isEqualTo(1);
    assertThat(j.path("results").path("ackedWritesPerSec").asLong()).isEqualTo(1000);
    assertThat(j.path("checks").path("acks == writes sent - errors").asText()).isEqualTo("ok");
  }

  @Test
  void textSummaryNamesRatesLatenciesAndFailedChecks() {
    String t = ReportWriter.text(sample());
    assertThat(t).contains("acked 1,000/s").contains("deliveries 10,000/s")
        .contains("errors by code: {rate_limited=1}")
        .contains("deliveries == changes x subscribers: deliveries 9, expected 10")
        .containsPattern("ack\\s+10000\\s+5\\.0");
    assertThat(t).doesNotContain("fanout     0"); // empty histograms are left out
  }

  @Test
  void htmlIsSelfContainedWithChartsAndEscapedText() {
    String h = ReportWriter.html(sample());
    assertThat(h).startsWith("<!DOCTYPE html>").contains("<svg").contains("<polyline")
        .contains("Latency by percentile").contains("Throughput over time")
        .contains("99.9%").contains("a &lt;note&gt;");
    assertThat(h).doesNotContain("<script").doesNotContain("src=").doesNotContain("href=")
        .doesNotContain("<link");
    // the only URL is the SVG namespace, which is never fetched
    assertThat(h.replace("http://www.w3.org/2000/svg", "")).doesNotContain("http");
  }

  @Test
  void writesThreeFiles(@TempDir Path dir) throws Exception {
    List<Path> files = ReportWriter.write(sample(), dir.resolve("out"));
    assertThat(files).extracting(p -> p.getFileName().toString())
        .containsExactly("summary.txt", "report.json", "report.html");
    for (Path p : files) {
      assertThat(Files.size(p)).isPositive();
    }
  }
}
