package io.livesync.gateway;

/**
 * The process's readiness switch, shared by its gateway instances: false once draining starts,
 * so load balancers stop sending traffic before sockets are closed. Thread-safe.
 */
public final class Readiness {
  private volatile boolean draining;

  public boolean draining() {
    return draining;
  }

  public void startDraining() {
    draining = true;
  }
}
