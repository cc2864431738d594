package io.livesync.loadtest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders a {@link Report} three ways: a text summary for the terminal, {@code report.json} for
 * scripts (bench/run.sh reads it), and a self-contained {@code report.html} with inline SVG
 * charts (no scripts, no external resources).
 */
public final class ReportWriter {
  private static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT);
  private static final double[] PERCENTILE_TICKS = {0, 90, 99, 99.9, 99.99, 99.999};

  private ReportWriter() {
  }

  /** Writes report.json, report.html and summary.txt into {@code dir}; returns the paths. */
  public static List<Path> write(Report r, Path dir) throws IOException {
    Files.createDirectories(dir);
    Path json = dir.resolve("report.json");
    Path html = dir.resolve("report.html");
    Path txt = dir.resolve("summary.txt");
    Files.writeString(json, json(r), StandardCharsets.UTF_8);
    Files.writeString(html, html(r), StandardCharsets.UTF_8);
    Files.writeString(txt, text(r), StandardCharsets.UTF_8);
    return List.of(txt, json, html);
  }

  public static String json(Report r) {
    try {
      return MAPPER.writeValueAsString(r) + "\n";
    } catch (IOException e) {
      throw new IllegalStateException("cannot serialize the report", e);
    }
  }

  public static String text(Report r) {
    StringBuilder sb = new StringBuilder();
    sb.append("== LiveSync load test: ").append(r.scenario()).append(" (started ")
        .append(r.startedAt()).append(")\n");
    sb.append("parameters: ").append(r.parameters()).append('\n');
    sb.append(String.format(Locale.ROOT, "measured window: %.1f s%n", r.measuredSeconds()));
    Report.Rates x = r.rates();
    sb.append(String.format(Locale.ROOT, "rates: sent %s/s, acked %s/s, errors %s/s,"
        + " deliveries %s/s, catch-up items %s/s, in %s/s, out %s/s%n",
        num(x.writesSentPerSec()), num(x.acksPerSec()), num(x.errorsPerSec()),
        num(x.deliveriesPerSec()), num(x.catchupItemsPerSec()), bytes(x.bytesInPerSec()),
        bytes(x.bytesOutPerSec())));
    Report.Totals t = r.totals();
    sb.append(String.format(Locale.ROOT, "totals: connections %d (failed %d), sent %d, acks %d,"
        + " errors %d, changes %d, deliveries %d (expected %s), catch-up items %d, gaps %d,"
        + " duplicates %d, missed sends %d, in %s, out %s%n", t.connections(),
        t.connectFailures(), t.writesSent(), t.acks(), t.errors(), t.changesCommitted(),
        t.deliveries(), t.expectedDeliveries() < 0 ? "n/a" : Long.toString(
            t.expectedDeliveries()), t.catchupItems(), t.gaps(), t.duplicates(),
        t.missedSends(), bytes(t.bytesIn()), bytes(t.bytesOut())));
    if (!r.errorsByCode().isEmpty()) {
      sb.append("errors by code: ").append(r.errorsByCode()).append('\n');
    }
    if (!r.ackStatus().isEmpty()) {
      sb.append("ack status: ").append(r.ackStatus()).append('\n');
    }
    sb.append(String.format(Locale.ROOT, "%-10s %9s %9s %9s %9s %9s %9s %9s %9s%n", "latency ms",
        "count", "p50", "p90", "p99", "p99.9", "p99.99", "max", "mean"));
    r.latencies().forEach((name, l) -> {
      if (l.count() > 0) {
        sb.append(String.format(Locale.ROOT, "%-10s %9d %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f"
            + " %9.3f%n", name, l.count(), l.p50(), l.p90(), l.p99(), l.p999(), l.p9999(),
            l.max(), l.mean()));
      }
    });
    if (!r.results().isEmpty()) {
      sb.append("results:\n");
      r.results().forEach((k, v) -> sb.append("  ").append(k).append(": ").append(v)
          .append('\n'));
    }
    if (!r.checks().isEmpty()) {
      sb.append("checks:\n");
      r.checks().forEach((k, v) -> sb.append("  ").append(k).append(": ").append(v)
          .append('\n'));
    }
    for (String n : r.notes()) {
      sb.append("note: ").append(n).append('\n');
    }
    return sb.toString();
  }

  public static String html(Report r) {
    StringBuilder sb = new StringBuilder();
    sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>")
        .append(Html.esc("LiveSync load test: " + r.scenario())).append("</title>\n<style>\n"
            + "body{font-family:sans-serif;margin:24px;color:#222;max-width:1000px}\n"
            + "table{border-collapse:collapse;margin:8px 0 16px}\n"
            + "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}\n"
            + "th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}\n"
            + ".bad{color:#b00}.ok{color:#070}\n</style></head><body>\n");
    sb.append("<h1>").append(Html.esc("LiveSync load test: " + r.scenario())).append("</h1>\n");
    sb.append("<p>Started ").append(Html.esc(r.startedAt())).append(String.format(Locale.ROOT,
        "; measured window %.1f s.</p>%n", r.measuredSeconds()));
    sb.append("<h2>Parameters</h2>\n").append(kv(r.parameters()));
    Report.Rates x = r.rates();
    sb.append("<h2>Throughput (measured window)</h2>\n<table><tr><th>rate</th><th>per second"
        + "</th></tr>\n");
    row(sb, "writes sent", num(x.writesSentPerSec()));
    row(sb, "acks", num(x.acksPerSec()));
    row(sb, "errors", num(x.errorsPerSec()));
    row(sb, "deliveries (live changes)", num(x.deliveriesPerSec()));
    row(sb, "catch-up items", num(x.catchupItemsPerSec()));
    row(sb, "bytes in", bytes(x.bytesInPerSec()));
    row(sb, "bytes out", bytes(x.bytesOutPerSec()));
    sb.append("</table>\n<h2>Latency (ms)</h2>\n<table><tr><th>what</th><th>count</th>"
        + "<th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>p99.99</th><th>max</th>"
        + "<th>mean</th></tr>\n");
    r.latencies().forEach((name, l) -> sb.append(String.format(Locale.ROOT, "<tr><td>%s</td>"
        + "<td>%d</td><td>%.3f</td><td>%.3f</td><td>%.3f</td><td>%.3f</td><td>%.3f</td>"
        + "<td>%.3f</td><td>%.3f</td></tr>%n", Html.esc(name), l.count(), l.p50(), l.p90(),
        l.p99(), l.p999(), l.p9999(), l.max(), l.mean())));
    sb.append("</table>\n");
    SvgChart pct = new SvgChart("Latency by percentile", "percentile", "ms", true);
    List<SvgChart.Tick> ticks = new ArrayList<>();
    for (double p : PERCENTILE_TICKS) {
      ticks.add(new SvgChart.Tick(1 / (1 - p / 100.0), p == 0 ? "0%" : trim(p) + "%"));
    }
    pct.xTicks(ticks);
    // connect and catch-up times are seconds where acks are milliseconds: they get the chart
    // only when nothing else was timed
    boolean writes = r.latencies().entrySet().stream().anyMatch(e -> e.getValue().count() > 0
        && (e.getKey().equals("ack") || e.getKey().equals("fanout")));
    r.latencies().forEach((name, l) -> {
      if (writes && (name.equals("connect") || name.equals("catchup"))) {
        return;
      }
      List<double[]> pts = new ArrayList<>();
      for (double[] p : l.distribution()) {
        if (p[0] < 100.0) {
          pts.add(new double[] {1 / (1 - p[0] / 100.0), p[1]});
        }
      }
      pct.add(name, pts);
    });
    if (!pct.isEmpty()) {
      sb.append(pct.render());
    }
    SvgChart tput = new SvgChart("Throughput over time", "seconds since start", "per second",
        false);
    tput.add("writes sent", series(r, Report.Sample::sentPerSec));
    tput.add("acks", series(r, Report.Sample::acksPerSec));
    tput.add("deliveries", series(r, Report.Sample::deliveriesPerSec));
    tput.add("catch-up items", series(r, Report.Sample::catchupItemsPerSec));
    tput.add("errors", series(r, Report.Sample::errorsPerSec));
    double warm = warmupEnd(r);
    if (warm > 0) {
      tput.shade(0, warm);
    }
    sb.append(tput.render());
    SvgChart p99 = new SvgChart("p99 latency per second", "seconds since start", "ms", false);
    p99.add("ack p99", series(r, Report.Sample::ackP99Ms));
    p99.add("fan-out p99", series(r, Report.Sample::fanoutP99Ms));
    if (warm > 0) {
      p99.shade(0, warm);
    }
    sb.append(p99.render());
    sb.append("<p>The grey band is the warm-up, not measured.</p>\n");
    Report.Totals t = r.totals();
    sb.append("<h2>Totals (whole run)</h2>\n<table><tr><th>count</th><th>value</th></tr>\n");
    row(sb, "connections", Long.toString(t.connections()));
    row(sb, "connect failures", Long.toString(t.connectFailures()));
    row(sb, "writes sent", Long.toString(t.writesSent()));
    row(sb, "acks", Long.toString(t.acks()));
    row(sb, "errors", Long.toString(t.errors()));
    row(sb, "changes committed", Long.toString(t.changesCommitted()));
    row(sb, "expected deliveries", t.expectedDeliveries() < 0 ? "n/a"
        : Long.toString(t.expectedDeliveries()));
    row(sb, "deliveries", Long.toString(t.deliveries()));
    row(sb, "catch-up items", Long.toString(t.catchupItems()));
    row(sb, "seq gaps seen", Long.toString(t.gaps()));
    row(sb, "duplicates seen", Long.toString(t.duplicates()));
    row(sb, "missed sends (generator behind)", Long.toString(t.missedSends()));
    row(sb, "bytes in", bytes(t.bytesIn()));
    row(sb, "bytes out", bytes(t.bytesOut()));
    sb.append("</table>\n");
    if (!r.errorsByCode().isEmpty()) {
      sb.append("<h2>Errors by code</h2>\n").append(kv(r.errorsByCode()));
    }
    if (!r.ackStatus().isEmpty()) {
      sb.append("<h2>Ack status</h2>\n").append(kv(r.ackStatus()));
    }
    if (!r.results().isEmpty()) {
      sb.append("<h2>Results</h2>\n").append(kv(r.results()));
    }
    if (!r.checks().isEmpty()) {
      sb.append("<h2>Checks</h2>\n<table>\n");
      r.checks().forEach((k, v) -> sb.append("<tr><td>").append(Html.esc(k))
          .append("</td><td class=\"").append(v.equals("ok") ? "ok" : "bad").append("\">")
          .append(Html.esc(v)).append("</td></tr>\n"));
      sb.append("</table>\n");
    }
    if (!r.notes().isEmpty()) {
      sb.append("<h2>Notes</h2>\n<ul>\n");
      r.notes().forEach(n -> sb.append("<li>").append(Html.esc(n)).append("</li>\n"));
      sb.append("</ul>\n");
    }
    return sb.append("</body></html>\n").toString();
  }

  private static double warmupEnd(Report r) {
    double end = 0;
    for (Report.Sample s : r.timeline()) {
      if (!s.measuring()) {
        end = s.t();
      } else {
        break;
      }
    }
    return end;
  }

  private static List<double[]> series(Report r,
      java.util.function.ToDoubleFunction<Report.Sample> f) {
    List<double[]> pts = new ArrayList<>();
    boolean any = false;
    for (Report.Sample s : r.timeline()) {
      double v = f.applyAsDouble(s);
      any |= v > 0;
      pts.add(new double[] {s.t(), v});
    }
    return any ? pts : List.of();
  }

  private static String kv(Map<String, ?> m) {
    StringBuilder sb = new StringBuilder("<table>\n");
    m.forEach((k, v) -> sb.append("<tr><td>").append(Html.esc(k)).append("</td><td>")
        .append(Html.esc(String.valueOf(v))).append("</td></tr>\n"));
    return sb.append("</table>\n").toString();
  }

  private static void row(StringBuilder sb, String k, String v) {
    sb.append("<tr><td>").append(Html.esc(k)).append("</td><td>").append(Html.esc(v))
        .append("</td></tr>\n");
  }

  private static String trim(double p) {
    String s = String.format(Locale.ROOT, "%.3f", p);
    return s.replaceAll("0+$", "").replaceAll("\\.$", "");
  }

  static String num(double v) {
    return String.format(Locale.ROOT, "%,.0f", v);
  }

  static String bytes(double v) {
    if (v >= 1 << 30) {
      return String.format(Locale.ROOT, "%.2f GiB", v / (1 << 30));
    }
    if (v >= 1 << 20) {
      return String.format(Locale.ROOT, "%.2f MiB", v / (1 << 20));
    }
    if (v >= 1 << 10) {
      return String.format(Locale.ROOT, "%.1f KiB", v / (1 << 10));
    }
    return String.format(Locale.ROOT, "%.0f B", v);
  }
}
