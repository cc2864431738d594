package io.livesync.loadtest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * One run's results, as written to {@code report.json} and rendered into the text summary and
 * the HTML page. Latencies are in milliseconds; rates are per second over the measured window
 * (after the warm-up).
 *
 * @param totals counts over the whole run, warm-up and drain included (for consistency checks)
 * @param measured counts over the measured window only
 * @param results scenario-specific figures (heap per connection, catch-up records/s, ...)
 * @param checks consistency checks: name to "ok" or what differed
 */
public record Report(
    String scenario, String startedAt, Map<String, Object> parameters, double measuredSeconds,
    Totals totals, Totals measured, Rates rates, Map<String, Long> errorsByCode,
    Map<String, Long> ackStatus, Map<String, Latency> latencies, List<Sample> timeline,
    Map<String, Object> results, Map<String, String> checks, List<String> notes) {

  /**
   * @param expectedDeliveries changes committed times the subscribers of their collection, or
   *     -1 when the scenario cannot predict it (subscribers that come and go)
   * @param missedSends open-loop writes that were due but never sent (the generator fell behind)
   */
  public record Totals(long writesSent, long acks, long errors, long changesCommitted,
      long expectedDeliveries, long deliveries, long catchupItems, long bytesIn, long bytesOut,
      long connections, long connectFailures, long missedSends, long gaps, long duplicates) {
  }

  public record Rates(double writesSentPerSec, double acksPerSec, double errorsPerSec,
      double deliveriesPerSec, double catchupItemsPerSec, double bytesInPerSec,
      double bytesOutPerSec) {
  }

  /** One progress interval: rates per second and interval p99 latencies in ms. */
  public record Sample(double t, boolean measuring, double sentPerSec, double acksPerSec,
      double deliveriesPerSec, double catchupItemsPerSec, double errorsPerSec, double ackP99Ms,
      double fanoutP99Ms) {
  }

  /** @param distribution [percentile, ms] points for the percentile chart */
  public record Latency(long count, double min, double mean, double p50, double p90, double p99,
      double p999, double p9999, double max, List<double[]> distribution) {

    static Latency of(Histogram h) {
      if (h.getTotalCount() == 0) {
        return new Latency(0, 0, 0, 0, 0, 0, 0, 0, 0, List.of());
      }
      List<double[]> points = new ArrayList<>();
      for (HistogramIterationValue v : h.percentiles(5)) {
        double p = v.getPercentileLevelIteratedTo();
        points.add(new double[] {p, ms(v.getValueIteratedTo())});
        if (p >= 100.0) {
          break;
        }
      }
      return new Latency(h.getTotalCount(), ms(h.getMinValue()), h.getMean() / 1000.0,
          ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(90)),
          ms(h.getValueAtPercentile(99)), ms(h.getValueAtPercentile(99.9)),
          ms(h.getValueAtPercentile(99.99)), ms(h.getMaxValue()), points);
    }

    private static double ms(long micros) {
      return micros / 1000.0;
    }
  }
}
