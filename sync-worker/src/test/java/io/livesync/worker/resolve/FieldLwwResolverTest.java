package io.livesync.worker.resolve;

import static io.livesync.worker.resolve.Fixtures.apply;
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

class FieldLwwResolverTest {
  private final FieldLwwResolver resolver = new FieldLwwResolver();

  private StoredRecord start(String ts, String data) {
    return apply(resolver, null, insert(ts, data));
  }

  @Test
  void insertOfANewRecordIsAppliedAndDropsNulls() {
    Resolution r = resolveChecked(resolver, null, insert(ts(1), "{'a':1,'b':null}"));
    assertThat(r.status()).isEqualTo(WriteStatus.APPLIED);
    assertThat(r.data()).isEqualTo(json("{'a':1}"));
    assertThat(r.deleted()).isFalse();
    assertThat(r.ts()).isEqualTo(ts(1));
    assertThat(r.changeOp()).isEqualTo(Op.INSERT);
    assertThat(r.meta()).isEqualTo(json(
        "{'f':{'a':'" + ts(1) + "'},'clear':'" + ts(1) + "','clearKind':'insert'}"));
  }

  @Test
  void concurrentUpdatesOfDifferentFieldsBothSurvive() {
    StoredRecord r0 = start(ts(1), "{'a':1,'b':1}");
    StoredRecord r1 = apply(resolver, r0, update(ts(3, "A"), "{'a':2}"));
    Resolution second = resolveChecked(resolver, r1, update(ts(2, "B"), "{'b':2}"));
    assertThat(second.status()).isEqualTo(WriteStatus.APPLIED);
    assertThat(second.data()).isEqualTo(json("{'a':2,'b':2}"));
    assertThat(second.ts()).as("max of both").isEqualTo(ts(3, "A"));
    assertThat(second.changeData()).isEqualTo(json("{'b':2}"));
  }

  @Test
  void olderUpdateOfTheSameFieldIsSuperseded() {
    StoredRecord r1 = apply(resolver, start(ts(1), "{'a':1}"), update(ts(3), "{'a':3}"));
    Resolution r = resolveChecked(resolver, r1, update(ts(2), "{'a':2}"));
    assertThat(r.status()).isEqualTo(WriteStatus.SUPERSEDED);
    assertThat(r.reason()).contains(ts(3));
  }

  @Test
  void partlyOlderUpdateIsMerged() {
    StoredRecord r1 = apply(resolver, start(ts(1), "{'a':1,'b':1}"), update(ts(3), "{'a':3}"));
    Resolution r = resolveChecked(resolver, r1, update(ts(2), "{'a':2,'b':2,'c':2}"));
    assertThat(r.status()).isEqualTo(WriteStatus.MERGED);
    assertThat(r.data()).isEqualTo(json("{'a':3,'b':2,'c':2}"));
    assertThat(r.changeData()).isEqualTo(json("{'b':2,'c':2}"));
    assertThat(r.ts()).isEqualTo(ts(3));
  }

  @Test
  void removalIsARegisterThatAnOlderWriteCannotUndo() {
    StoredRecord r1 = apply(resolver, start(ts(1), "{'a':1,'b':1}"), update(ts(3), "{'a':null}"));
    assertThat(r1.data()).isEqualTo(json("{'b':1}"));
    assertThat(r1.meta().get("f").get("a").asText()).isEqualTo(ts(3));
    Resolution r = resolveChecked(resolver, r1, update(ts(2), "{'a':2}"));
    assertThat(r.status()).isEqualTo(WriteStatus.SUPERSEDED);
  }

  @Test
  void removedFieldIsPublishedAsNull() {
    Resolution r = resolveChecked(resolver, start(ts(1), "{'a':1,'b':1}"),
        update(ts(2), "{'a':null,'b':2}"));
    assertThat(r.status()).isEqualTo(WriteStatus.APPLIED);
    assertThat(r.changeOp()).isEqualTo(Op.UPDATE);
    assertThat(r.changeData()).isEqualTo(json("{'a':null,'b':2}"));
  }

  @Test
  void deleteThenOlderUpdateIsSuperseded() {
    StoredRecord deleted = apply(resolver, start(ts(1), "{'a':1}"), delete(ts(3)));
    assertThat(deleted.deleted()).isTrue();
    assertThat(deleted.data()).isEmpty();
    Resolution r = resolveChecked(resolver, deleted, update(ts(2), "{'b':2}"));
    assertThat(r.status()).isEqualTo(WriteStatus.SUPERSEDED);
  }

  @Test
  void newerUpdateAfterDeleteResurrectsOnlyTheNewlyWrittenFields() {
    StoredRecord deleted = apply(resolver, start(ts(1), "{'a':1,'b':1}"), delete(ts(2)));
    Resolution r = resolveChecked(resolver, deleted, update(ts(3), "{'b':3,'c':3}"));
    assertThat(r.status()).isEqualTo(WriteStatus.APPLIED);
    assertThat(r.deleted()).isFalse();
    assertThat(r.data()).isEqualTo(json("{'b':3,'c':3}"));
    assertThat(r.changeOp()).as("clients apply it onto an empty document").isEqualTo(Op.UPDATE);
    assertThat(r.changeData()).isEqualTo(json("{'b':3,'c':3}"));
  }

  @Test
  void deleteOlderThanSomeFieldsIsMergedAndKeepsThem() {
    StoredRecord r1 = apply(resolver, start(ts(1), "{'a':1,'b':1}"), update(ts(3), "{'b':3}"));
    Resolution r = resolveChecked(resolver, r1, delete(ts(2)));
    assertThat(r.status()).isEqualTo(WriteStatus.MERGED);
    assertThat(r.deleted()).isFalse();
    assertThat(r.data()).isEqualTo(json("{'b':3}"));
    assertThat(r.changeOp()).isEqualTo(Op.INSERT);
    assertThat(r.ts()).isEqualTo(ts(3));
  }

  @Test
  void insertThenOlderUpdateOfAFieldNotInTheInsertIsSuperseded() {
    StoredRecord r1 = apply(resolver, start(ts(1), "{'a':1,'b':1}"), insert(ts(3), "{'a':3}"));
    assertThat(r1.data()).isEqualTo(json("{'a':3}"));
    Resolution r = resolveChecked(resolver, r1, update(ts(2), "{'b':2}"));
    assertThat(r.status()).isEqualTo(WriteStatus.SUPERSEDED);
  }

  @Test
  void olderInsertKeepsNewerFieldsAndIsMerged() {
    StoredRecord r1 = apply(resolver, start(ts(1), "{'a':1}"), update(ts(3), "{'b':3}"));
    Resolution r = resolveChecked(resolver, r1, insert(ts(2), "{'c':2}"));
    assertThat(r.status()).isEqualTo(WriteStatus.MERGED);
    assertThat(r.data()).as("a cleared at ts 2, b written at 3 survives")
        .isEqualTo(json("{'b':3,'c':2}"));
    assertThat(r.changeOp()).isEqualTo(Op.INSERT);
  }

  @Test
  void olderInsertEntirelyBehindTheClearIsSuperseded() {
    StoredRecord r1 = apply(resolver, start(ts(1), "{'a':1}"), insert(ts(3), "{'b':3}"));
    assertThat(resolveChecked(resolver, r1, insert(ts(2), "{'a':2}")).status())
        .isEqualTo(WriteStatus.SUPERSEDED);
    StoredRecord gone = apply(resolver, r1, delete(ts(4)));
    assertThat(resolveChecked(resolver, gone, insert(ts(3, "n2"), "{'a':2}")).status())
        .isEqualTo(WriteStatus.SUPERSEDED);
  }

  @Test
  void updateOfAMissingRecordCreatesIt() {
    Resolution r = resolveChecked(resolver, null, update(ts(1), "{'a':1,'b':null}"));
    assertThat(r.status()).isEqualTo(WriteStatus.APPLIED);
    assertThat(r.data()).isEqualTo(json("{'a':1}"));
    assertThat(r.changeOp()).isEqualTo(Op.UPDATE);
    assertThat(r.changeData()).isEqualTo(json("{'a':1}"));
    assertThat(r.meta()).as("no clear yet").isEqualTo(json(
        "{'f':{'a':'" + ts(1) + "','b':'" + ts(1) + "'}}"));
  }

  @Test
  void deleteOfAMissingRecordLeavesATombstoneThatSupersedesOlderWrites() {
    StoredRecord tomb = apply(resolver, null, delete(ts(2)));
    assertThat(tomb.deleted()).isTrue();
    assertThat(resolveChecked(resolver, tomb, insert(ts(1), "{'a':1}")).status())
        .isEqualTo(WriteStatus.SUPERSEDED);
  }

  @Test
  void reapplyingAWriteIsSuperseded() {
    StoredRecord r1 = apply(resolver, start(ts(1), "{'a':1}"), update(ts(2), "{'b':2,'a':null}"));
    assertThat(resolveChecked(resolver, r1, update(ts(2), "{'b':2,'a':null}")).status())
        .isEqualTo(WriteStatus.SUPERSEDED);
    assertThat(resolveChecked(resolver, r1, insert(ts(1), "{'a':1}")).status())
        .isEqualTo(WriteStatus.SUPERSEDED);
    StoredRecord tomb = apply(resolver, r1, delete(ts(3)));
    assertThat(resolveChecked(resolver, tomb, delete(ts(3))).status())
        .isEqualTo(WriteStatus.SUPERSEDED);
  }

  @Test
  void emptyUpdateChangesNothing() {
    Resolution r = resolveChecked(resolver, start(ts(1), "{'a':1}"), update(ts(2), "{}"));
    assertThat(r.status()).isEqualTo(WriteStatus.SUPERSEDED);
    assertThat(resolveChecked(resolver, null, update(ts(2), "{}")).status())
        .isEqualTo(WriteStatus.SUPERSEDED);
  }

  @Test
  void tiesAtTheSameTsAreBrokenDeterministically() {
    // two values at one ts: the greater canonical JSON wins, whichever arrives first
    StoredRecord ab = apply(resolver, apply(resolver, null, update(ts(1), "{'a':'x'}")),
        update(ts(1), "{'a':'y'}"));
    StoredRecord ba = apply(resolver, apply(resolver, null, update(ts(1), "{'a':'y'}")),
        update(ts(1), "{'a':'x'}"));
    assertThat(ab.data()).isEqualTo(json("{'a':'y'}")).isEqualTo(ba.data());
    // a value beats a removal at the same ts
    StoredRecord removedFirst = apply(resolver, apply(resolver, null, update(ts(1), "{'a':null}")),
        update(ts(1), "{'a':1}"));
    assertThat(removedFirst.data()).isEqualTo(json("{'a':1}"));
    // a delete beats an insert at the same ts
    StoredRecord insertFirst = apply(resolver, start(ts(1), "{'a':1}"), delete(ts(1)));
    assertThat(insertFirst.deleted()).isTrue();
    StoredRecord deleteFirst = apply(resolver, apply(resolver, null, delete(ts(1))),
        insert(ts(1), "{'a':1}"));
    assertThat(deleteFirst.deleted()).isTrue();
  }

  @Test
  void registersBehindTheClearAreCollected() {
    StoredRecord r = apply(resolver, start(ts(1), "{'a':1,'b':1}"), update(ts(2), "{'c':null}"));
    r = apply(resolver, r, insert(ts(3), "{'d':3}"));
    assertThat(r.meta()).isEqualTo(json(
        "{'f':{'d':'" + ts(3) + "'},'clear':'" + ts(3) + "','clearKind':'insert'}"));
    r = apply(resolver, r, delete(ts(4)));
    assertThat(r.meta()).isEqualTo(json(
        "{'f':{},'clear':'" + ts(4) + "','clearKind':'delete'}"));
  }

  @Test
  void recordWithoutMetaCountsAsWrittenAtItsTs() {
    StoredRecord foreign = record("{'a':1,'b':1}", 7, ts(5), false);
    Resolution older = resolveChecked(resolver, foreign, update(ts(4), "{'a':4}"));
    assertThat(older.status()).isEqualTo(WriteStatus.SUPERSEDED);
    Resolution newer = resolveChecked(resolver, foreign, update(ts(6), "{'a':6}"));
    assertThat(newer.status()).isEqualTo(WriteStatus.APPLIED);
    assertThat(newer.data()).isEqualTo(json("{'a':6,'b':1}"));
    assertThat(newer.meta().get("clear").asText()).isEqualTo(ts(5));
    assertThat(newer.meta().get("f").get("b").asText()).isEqualTo(ts(5));

    StoredRecord foreignTomb = record("{}", 3, ts(5), true);
    assertThat(resolveChecked(resolver, foreignTomb, update(ts(4), "{'a':4}")).status())
        .isEqualTo(WriteStatus.SUPERSEDED);
    Resolution back = resolveChecked(resolver, foreignTomb, update(ts(6), "{'a':6}"));
    assertThat(back.deleted()).isFalse();
    assertThat(back.data()).isEqualTo(json("{'a':6}"));
  }
}
