package io.livesync.worker.resolve;

import io.livesync.core.spi.StoredRecord;
import io.livesync.protocol.Write;
import io.livesync.protocol.WriteStatus;
import io.livesync.worker.spi.ConflictResolver;
import io.livesync.worker.spi.Resolution;

/** A custom resolver found through META-INF/services in the test class path. */
public class RejectAllResolver implements ConflictResolver {
  public static final String NAME = "test-reject-all";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Resolution resolve(StoredRecord current, Write write) {
    return Resolution.unchanged(WriteStatus.REJECTED, "this collection is read-only");
  }
}
