package io.livesync.loadtest;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time used by the server process (from {@code /proc/<pid>/stat}, Linux only) and by this
 * generator, so a report can state CPU cost per operation: a figure that holds up better than
 * throughput on a machine shared with other work.
 */
final class CpuMeter {
  /** Linux reports utime and stime in clock ticks of 1/100 s (USER_HZ) on every platform. */
  private static final double TICK_SECONDS = 0.01;

  private final long[] pids;

  CpuMeter(long[] pids) {
    this.pids = pids;
  }

  /** The server processes' CPU seconds so far, or -1 when unknown (no pid, not Linux). */
  double server() {
    if (pids.length == 0) {
      return -1;
    }
    double sum = 0;
    for (long pid : pids) {
      double s = cpuOf(pid);
      if (s < 0) {
        return -1;
      }
      sum += s;
    }
    return sum;
  }

  private static double cpuOf(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // the command name (field 2) may hold spaces: count fields after its closing parenthesis
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * TICK_SECONDS;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** This JVM's CPU seconds so far, or -1. */
  static double self() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      long ns = os.getProcessCpuTime();
      return ns < 0 ? -1 : ns / 1e9;
    }
    return -1;
  }
}
