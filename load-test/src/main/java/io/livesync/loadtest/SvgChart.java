package io.livesync.loadtest;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A minimal line chart rendered as inline SVG, so the HTML report needs nothing from the
 * network. X values may be drawn on a log scale (for percentile plots, where x is
 * {@code 1 / (1 - percentile)}).
 */
final class SvgChart {
  static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
      "#8c564b"};
  private static final int W = 760;
  private static final int H = 320;
  private static final int LEFT = 70;
  private static final int RIGHT = 20;
  private static final int TOP = 30;
  private static final int BOTTOM = 50;

  record Series(String name, List<double[]> points) {
  }

  /** An x tick: where and what it says. */
  record Tick(double x, String label) {
  }

  private final String title;
  private final String xLabel;
  private final String yLabel;
  private final boolean logX;
  private final List<Series> series = new ArrayList<>();
  private List<Tick> xTicks = List.of();
  private double[] shade;

  SvgChart(String title, String xLabel, String yLabel, boolean logX) {
    this.title = title;
    this.xLabel = xLabel;
    this.yLabel = yLabel;
    this.logX = logX;
  }

  SvgChart add(String name, List<double[]> points) {
    if (!points.isEmpty()) {
      series.add(new Series(name, points));
    }
    return this;
  }

  SvgChart xTicks(List<Tick> ticks) {
    this.xTicks = ticks;
    return this;
  }

  /** Shades [from, to] on the x axis (the warm-up). */
  SvgChart shade(double from, double to) {
    this.shade = new double[] {from, to};
    return this;
  }

  boolean isEmpty() {
    return series.isEmpty();
  }

  String render() {
    double minX = Double.MAX_VALUE;
    double maxX = -Double.MAX_VALUE;
    double maxY = 0;
    for (Series s : series) {
      for (double[] p : s.points()) {
        minX = Math.min(minX, fx(p[0]));
        maxX = Math.max(maxX, fx(p[0]));
        maxY = Math.max(maxY, p[1]);
      }
    }
    for (Tick t : xTicks) {
      maxX = Math.max(maxX, fx(t.x()));
      minX = Math.min(minX, fx(t.x()));
    }
    if (series.isEmpty()) {
      minX = 0;
      maxX = 1;
    }
    if (maxX <= minX) {
      maxX = minX + 1;
    }
    maxY = niceCeil(maxY <= 0 ? 1 : maxY * 1.05);
    StringBuilder sb = new StringBuilder();
    sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(W)
        .append("\" height=\"").append(H).append("\" viewBox=\"0 0 ").append(W).append(' ')
        .append(H).append("\" font-family=\"sans-serif\" font-size=\"11\">\n");
    sb.append("<text x=\"").append(W / 2).append("\" y=\"18\" text-anchor=\"middle\""
        + " font-size=\"14\">").append(Html.esc(title)).append("</text>\n");
    int pw = W - LEFT - RIGHT;
    int ph = H - TOP - BOTTOM;
    if (shade != null) {
      double a = px(fx(shade[0]), minX, maxX, pw);
      double b = px(fx(shade[1]), minX, maxX, pw);
      sb.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\""
          + " height=\"%d\" fill=\"#eee\"/>%n", a, TOP, Math.max(0, b - a), ph));
    }
    sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\""
        + " fill=\"none\" stroke=\"#888\"/>%n", LEFT, TOP, pw, ph));
    for (int i = 0; i <= 5; i++) {
      double v = maxY * i / 5;
      double y = TOP + ph - ph * i / 5.0;
      sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\""
          + " stroke=\"#ddd\"/><text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n",
          LEFT, LEFT + pw, y, y, LEFT - 5, y + 4, Html.esc(fmt(v))));
    }
    List<Tick> ticks = xTicks;
    if (ticks.isEmpty()) {
      ticks = new ArrayList<>();
      for (int i = 0; i <= 6; i++) {
        double x = minX + (maxX - minX) * i / 6;
        ticks.add(new Tick(x, fmt(x)));
      }
    }
    for (Tick t : ticks) {
      double x = LEFT + px(fx(t.x()), minX, maxX, pw);
      sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\""
          + " stroke=\"#ddd\"/><text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
          x, x, TOP, TOP + ph, x, TOP + ph + 15, Html.esc(t.label())));
    }
    sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s"
        + "</text>%n", LEFT + pw / 2, H - 12, Html.esc(xLabel)));
    sb.append(String.format(Locale.ROOT, "<text transform=\"translate(14,%d) rotate(-90)\""
        + " text-anchor=\"middle\">%s</text>%n", TOP + ph / 2, Html.esc(yLabel)));
    int i = 0;
    for (Series s : series) {
      String color = COLORS[i % COLORS.length];
      StringBuilder pts = new StringBuilder();
      for (double[] p : s.points()) {
        double x = LEFT + px(fx(p[0]), minX, maxX, pw);
        double y = TOP + ph - ph * Math.min(1, p[1] / maxY);
        pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
      }
      sb.append("<polyline fill=\"none\" stroke=\"").append(color)
          .append("\" stroke-width=\"1.8\" points=\"").append(pts.toString().trim())
          .append("\"/>\n");
      sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\""
          + " fill=\"%s\"/><text x=\"%d\" y=\"%d\">%s</text>%n", LEFT + 10, TOP + 8 + 16 * i,
          color, LEFT + 24, TOP + 17 + 16 * i, Html.esc(s.name())));
      i++;
    }
    return sb.append("</svg>\n").toString();
  }

  private double fx(double x) {
    return logX ? Math.log10(Math.max(1, x)) : x;
  }

  private static double px(double x, double min, double max, int width) {
    return (x - min) / (max - min) * width;
  }

  static double niceCeil(double v) {
    double exp = Math.pow(10, Math.floor(Math.log10(v)));
    for (double m : new double[] {1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10}) {
      if (m * exp >= v) {
        return m * exp;
      }
    }
    return 10 * exp;
  }

  static String fmt(double v) {
    double a = Math.abs(v);
    if (a >= 1e6) {
      return String.format(Locale.ROOT, "%.2fM", v / 1e6);
    }
    if (a >= 1e4) {
      return String.format(Locale.ROOT, "%.0fk", v / 1e3);
    }
    if (a >= 100 || v == Math.rint(v)) {
      return String.format(Locale.ROOT, "%.0f", v);
    }
    return String.format(Locale.ROOT, a >= 1 ? "%.1f" : "%.3f", v);
  }
}
