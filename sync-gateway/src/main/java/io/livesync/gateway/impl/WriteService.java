package io.livesync.gateway.impl;

import io.livesync.core.bus.SyncBus;
import io.livesync.core.metrics.SyncMetrics;
import io.livesync.gateway.auth.Principal;
import io.livesync.protocol.ErrorCode;
import io.livesync.protocol.ErrorInfo;
import io.livesync.protocol.Hlc;
import io.livesync.protocol.Limits;
import io.livesync.protocol.SyncException;
import io.livesync.protocol.Validation;
import io.livesync.protocol.Write;
import io.livesync.protocol.WriteResult;
import io.vertx.core.Future;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's write path, shared by the WebSocket and HTTP: authorize, validate, stamp a ts
 * when the write has none, hand it to a worker, count the outcome. Every failure becomes a
 * {@link WriteResult} error: the returned future never fails.
 */
public final class WriteService {
  static final String OUTCOMES = "livesync_gateway_write_outcomes_total";
  private final SyncBus bus;
  private final Hlc clock;
  private final Limits limits;
  private final SyncMetrics metrics;

  public WriteService(SyncBus bus, Hlc clock, Limits limits, SyncMetrics metrics) {
    this.bus = bus;
    this.clock = clock;
    this.limits = limits;
    this.metrics = metrics;
  }

  public Future<WriteResult> submit(Principal principal, Write write) {
    long started = System.nanoTime();
    Write stamped;
    try {
      if (!principal.canWrite(write.collection())) {
        throw new SyncException(ErrorCode.FORBIDDEN, "user " + principal.user()
            + " may not write to collection " + write.collection());
      }
      long now = System.currentTimeMillis();
      Validation.write(write, now, limits);
      if (write.ts() == null) {
        stamped = write.withTs(clock.now());
      } else {
        clock.observe(write.ts());
        stamped = write;
      }
    } catch (SyncException e) {
      return Future.succeededFuture(count(WriteResult.error(
          ErrorInfo.of(e, write.opId(), write.collection())), started));
    }
    return bus.submit(stamped)
        .recover(err -> {
          SyncException se = err instanceof SyncException s ? s
              : new SyncException(ErrorCode.UNAVAILABLE,
                  "the write could not reach a worker; retry it with the same opId");
          return Future.succeededFuture(WriteResult.error(
              ErrorInfo.of(se, write.opId(), write.collection())));
        })
        .map(r -> count(r, started));
  }

  private WriteResult count(WriteResult r, long started) {
    metrics.writeLatency().record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    String outcome = r.isAck() ? r.ack().status().wire() : r.error().code().wire();
    metrics.counter(OUTCOMES, "outcome", outcome).increment();
    return r;
  }

  /**
   * Counts a write that a connection refused before {@link #submit} (its rate limit, or a
   * drain) with the error code it was answered with.
   */
  void countRefused(ErrorCode code) {
    metrics.counter(OUTCOMES, "outcome", code.wire()).increment();
  }

  public Limits limits() {
    return limits;
  }
}
