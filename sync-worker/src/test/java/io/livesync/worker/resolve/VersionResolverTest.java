package io.livesync.worker.resolve;

import static io.livesync.worker.resolve.Fixtures.based;
import static io.livesync.worker.resolve.Fixtures.delete;
import static io.livesync.worker.resolve.Fixtures.insert;
import static io.livesync.worker.resolve.Fixtures.json;
import static io.livesync.worker.resolve.Fixtures.record;
import static io.livesync.worker.resolve.Fixtures.resolveChecked;
import static io.livesync.worker.resolve.Fixtures.ts;
import static io.livesync.worker.resolve.Fixtures.update;
import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.core.spi.StoredRecord;
import io.livesync.protocol.Op;
import io.livesync.protocol.WriteStatus;
import io.livesync.worker.spi.Resolution;
import org.junit.jupiter.api.Test;

class VersionResolverTest {
  private final VersionResolver resolver = new VersionResolver();
  private final StoredRecord atFive = record("{'a':1,'b':1}", 5, ts(9), false);
  private final StoredRecord tombAtFive = record("{}", 5, ts(9), true);

  @Test
  void writeBasedOnTheCurrentVersionIsAppliedWhateverItsTs() {
    Resolution r = resolveChecked(resolver, atFive, based(update(ts(1), "{'a':null,'c':1}"), 5L));
    assertThat(r.status()).isEqualTo(WriteStatus.APPLIED);
    assertThat(r.data()).isEqualTo(json("{'b':1,'c':1}"));
    assertThat(r.ts()).isEqualTo(ts(1));
    assertThat(r.meta()).isNull();
    assertThat(r.changeData()).isEqualTo(json("{'a':null,'c':1}"));
    assertThat(resolveChecked(resolver, atFive, based(insert(ts(1), "{'z':1,'y':null}"), 5L))
        .data()).isEqualTo(json("{'z':1}"));
    Resolution d = resolveChecked(resolver, atFive, based(delete(ts(1)), 5L));
    assertThat(d.deleted()).isTrue();
    assertThat(d.changeOp()).isEqualTo(Op.DELETE);
  }

  @Test
  void staleOrMissingBaseVersionIsRejectedWithAReason() {
    Resolution stale = resolver.resolve(atFive, based(update(ts(10), "{'a':2}"), 3L));
    assertThat(stale.status()).isEqualTo(WriteStatus.REJECTED);
    assertThat(stale.reason()).isEqualTo("record t1 is at version 5; the write was based on 3");
    Resolution missing = resolver.resolve(atFive, insert(ts(10), "{'a':2}"));
    assertThat(missing.status()).isEqualTo(WriteStatus.REJECTED);
    assertThat(missing.reason()).contains("version 5").contains("no baseVersion");
    assertThat(resolver.resolve(atFive, based(delete(ts(10)), 6L)).status())
        .isEqualTo(WriteStatus.REJECTED);
  }

  @Test
  void missingRecordAcceptsInsertOrDeleteBasedOnNothingOrZero() {
    assertThat(resolveChecked(resolver, null, insert(ts(1), "{'a':1}")).status())
        .isEqualTo(WriteStatus.APPLIED);
    assertThat(resolveChecked(resolver, null, based(insert(ts(1), "{'a':1}"), 0L)).status())
        .isEqualTo(WriteStatus.APPLIED);
    assertThat(resolveChecked(resolver, null, delete(ts(1))).deleted()).isTrue();
    Resolution r = resolver.resolve(null, based(insert(ts(1), "{'a':1}"), 2L));
    assertThat(r.status()).isEqualTo(WriteStatus.REJECTED);
    assertThat(r.reason()).contains("does not exist").contains("version 2");
  }

  @Test
  void updateOfAMissingRecordIsRejected() {
    Resolution r = resolver.resolve(null, update(ts(1), "{'a':1}"));
    assertThat(r.status()).isEqualTo(WriteStatus.REJECTED);
    assertThat(r.reason()).contains("does not exist");
    assertThat(resolver.resolve(null, based(update(ts(1), "{'a':1}"), 0L)).status())
        .isEqualTo(WriteStatus.REJECTED);
  }

  @Test
  void tombstoneCountsAsExisting() {
    assertThat(resolver.resolve(tombAtFive, insert(ts(10), "{'a':1}")).status())
        .as("no baseVersion").isEqualTo(WriteStatus.REJECTED);
    assertThat(resolver.resolve(tombAtFive, based(insert(ts(10), "{'a':1}"), 0L)).status())
        .isEqualTo(WriteStatus.REJECTED);
    Resolution back = resolveChecked(resolver, tombAtFive, based(insert(ts(10), "{'a':1}"), 5L));
    assertThat(back.status()).isEqualTo(WriteStatus.APPLIED);
    assertThat(back.data()).isEqualTo(json("{'a':1}"));
    assertThat(back.changeOp()).isEqualTo(Op.INSERT);
    Resolution update = resolver.resolve(tombAtFive, based(update(ts(10), "{'a':1}"), 5L));
    assertThat(update.status()).isEqualTo(WriteStatus.REJECTED);
    assertThat(update.reason()).contains("deleted").contains("insert");
    assertThat(resolveChecked(resolver, tombAtFive, based(delete(ts(10)), 5L)).status())
        .isEqualTo(WriteStatus.APPLIED);
  }
}
