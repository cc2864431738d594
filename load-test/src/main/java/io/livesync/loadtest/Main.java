package io.livesync.loadtest;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code java -jar load-test.jar <scenario> [options]}: runs one scenario against a LiveSync
 * server, prints a progress line every second and a summary at the end, and writes
 * report.json, report.html and summary.txt into {@code --report-dir}. Exits 0 when the run
 * completed (see the report's checks for consistency), 2 on a usage error, 1 on a failure.
 */
public final class Main {
  private Main() {
  }

  public static void main(String[] args) {
    int code;
    try {
      code = run(args, System.out);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      code = 2;
    }
    System.exit(code);
  }

  /** Runs and reports; returns the exit code. */
  public static int run(String[] args, PrintStream out) {
    if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
      out.println(Options.USAGE);
      return 0;
    }
    Options opts = Options.parse(args);
    Report report = execute(opts, out);
    if (report == null) {
      return 1;
    }
    return 0;
  }

  /** Runs the scenario and writes the reports; null when the run itself failed. */
  public static Report execute(Options opts, PrintStream out) {
    Report report;
    try (Run run = new Run(opts, out)) {
      Scenario scenario = Scenario.forName(run);
      try {
        scenario.execute();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        run.notes.add("interrupted");
      } catch (Exception e) {
        run.notes.add("the scenario stopped early: " + e);
        out.println("scenario failed: " + e);
      }
      report = scenario.report();
    }
    out.print(ReportWriter.text(report));
    try {
      List<Path> files = ReportWriter.write(report, Path.of(opts.reportDir()));
      out.println("reports: " + files);
    } catch (java.io.IOException e) {
      out.println("cannot write the reports to " + opts.reportDir() + ": " + e);
      return null;
    }
    return report;
  }
}
