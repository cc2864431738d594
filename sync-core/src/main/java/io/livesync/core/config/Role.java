package io.livesync.core.config;

/** Which verticles a process runs. */
public enum Role {
  /** Gateway and worker in one process (the default; embedded mode without Redis). */
  ALL,
  /** Only the WebSocket/HTTP edge. Needs Redis. */
  GATEWAY,
  /** Only the write consumer. Needs Redis. */
  WORKER;

  public boolean runsGateway() {
    return this != WORKER;
  }

  public boolean runsWorker() {
    return this != GATEWAY;
  }
}
