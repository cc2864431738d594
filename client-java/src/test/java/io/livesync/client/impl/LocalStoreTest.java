package io.livesync.client.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livesync.protocol.Ack;
import io.livesync.protocol.Change;
import io.livesync.protocol.ErrorCode;
import io.livesync.protocol.ErrorInfo;
import io.livesync.protocol.Json;
import io.livesync.protocol.Op;
import io.livesync.protocol.SyncRecord;
import io.livesync.protocol.Write;
import io.livesync.protocol.WriteStatus;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local store alone: outbox, view replay, server input, acks, resets, persistence. */
class LocalStoreTest {
  private static final String C = "todos";
  @TempDir
  Path dir;
  private LocalStore store;
  private long clock = 1_700_000_000_000L;

  @BeforeEach
  void open() {
    store = LocalStore.open(dir.resolve("local.db"));
    store.openCollection(C);
  }

  @AfterEach
  void close() {
    store.close();
  }

  private String ts() {
    return io.livesync.protocol.Hlc.format(++clock, 0, "dev");
  }

  private OutboxEntry write(Op op, String id, Map<String, ?> data) {
    Write w = new Write(op, UUID.randomUUID().toString(), C, id,
        data == null ? null : Json.fromMap(data), ts(), null);
    return store.write(w, clock);
  }

  private static Change live(String id, Op op, Map<String, ?> data, long version, long seq) {
    return new Change(C, id, op, data == null ? null : Json.fromMap(data), version, seq,
        io.livesync.protocol.Hlc.format(1_600_000_000_000L + seq, 0, "srv"), "srv", null);
  }

  private static Ack ack(OutboxEntry e, WriteStatus status, long version, long seq,
      SyncRecord record) {
    return new Ack(e.write().opId(), C, e.write().id(), status, version, seq, record);
  }

  private String data(String id) {
    return store.get(C, id).map(r -> Json.canonical(r.data())).orElse(null);
  }

  @Test
  void aLocalWriteIsVisibleAtOnceAndSurvivesAReopen() {
    write(Op.INSERT, "t1", Map.of("title", "milk"));
    write(Op.UPDATE, "t1", Map.of("done", true));
    assertThat(data("t1")).isEqualTo("{\"done\":true,\"title\":\"milk\"}");
    assertThat(store.pendingCount()).isEqualTo(2);

    store.close();
    store = LocalStore.open(dir.resolve("local.db"));
    assertThat(store.pendingCount()).isEqualTo(2);
    assertThat(store.pending()).extracting(e -> e.write().op())
        .containsExactly(Op.INSERT, Op.UPDATE);
    assertThat(data("t1")).isEqualTo("{\"done\":true,\"title\":\"milk\"}");
    assertThat(store.outboxCollections()).containsExactly(C);
  }

  @Test
  void pendingWritesStayOnTopOfIncomingChanges() {
    store.applyLive(live("t1", Op.INSERT, Map.of("title", "milk", "n", 1), 1, 1));
    write(Op.UPDATE, "t1", Map.of("title", "bread"));
    // another device changes both fields: our pending title stays on top, n comes through
    var out = store.applyLive(live("t1", Op.UPDATE, Map.of("title", "eggs", "n", 2), 2, 2));
    assertThat(out.gap()).isFalse();
    assertThat(out.changedIds()).containsExactly("t1");
    assertThat(data("t1")).isEqualTo("{\"n\":2,\"title\":\"bread\"}");
    assertThat(store.serverRecord(C, "t1").data().path("title").asText()).isEqualTo("eggs");
    assertThat(store.cursor(C).seq()).isEqualTo(2);
  }

  @Test
  void aPendingDeleteHidesTheRecordUntilTheServerAgrees() {
    store.applyLive(live("t1", Op.INSERT, Map.of("a", 1), 1, 1));
    OutboxEntry del = write(Op.DELETE, "t1", null);
    assertThat(store.get(C, "t1")).isEmpty();
    assertThat(store.list(C)).isEmpty();
    store.applyAck(del.write().opId(), ack(del, WriteStatus.APPLIED, 2, 2, null), Instant.now());
    assertThat(store.get(C, "t1")).isEmpty(); // acked, own change not seen yet: still hidden
    assertThat(store.outboxSize()).isEqualTo(1);
    store.applyLive(live("t1", Op.DELETE, null, 2, 2));
    assertThat(store.outboxSize()).isZero();
    assertThat(store.get(C, "t1")).isEmpty();
    assertThat(store.serverRecord(C, "t1").deleted()).isTrue();
  }

  @Test
  void anAppliedWriteStaysInTheViewBetweenItsAckAndItsChange() {
    OutboxEntry e = write(Op.INSERT, "t1", Map.of("title", "milk"));
    store.applyAck(e.write().opId(), ack(e, WriteStatus.APPLIED, 1, 1, null), Instant.now());
    assertThat(store.pendingCount()).isZero();
    assertThat(store.outboxSize()).isEqualTo(1);
    assertThat(data("t1")).isEqualTo("{\"title\":\"milk\"}");

    store.applyLive(live("t1", Op.INSERT, Map.of("title", "milk"), 1, 1));
    assertThat(store.outboxSize()).isZero();
    assertThat(store.get(C, "t1").orElseThrow().version()).isEqualTo(1);
  }

  @Test
  void theOwnChangeBeforeTheAckSettlesTheEntryAtTheAck() {
    OutboxEntry e = write(Op.INSERT, "t1", Map.of("title", "milk"));
    store.applyLive(live("t1", Op.INSERT, Map.of("title", "milk"), 1, 1));
    assertThat(store.outboxSize()).isEqualTo(1);
    store.applyAck(e.write().opId(), ack(e, WriteStatus.APPLIED, 1, 1, null), Instant.now());
    assertThat(store.outboxSize()).isZero();
  }

  @Test
  void theCursorPassingTheAckedSeqSettlesTheEntry() {
    OutboxEntry e = write(Op.INSERT, "t1", Map.of("title", "milk"));
    store.applyAck(e.write().opId(), ack(e, WriteStatus.APPLIED, 1, 7, null), Instant.now());
    store.setCursor(C, "ep", 7, true);
    assertThat(store.outboxSize()).isZero();
  }

  @Test
  void mergedAndSupersededTakeTheServerRecord() {
    OutboxEntry e = write(Op.UPDATE, "t1", Map.of("a", "mine", "b", "mine"));
    SyncRecord winner = new SyncRecord(C, "t1", Json.fromMap(Map.of("a", "theirs", "b", "mine")),
        3, 9, io.livesync.protocol.Hlc.format(clock + 10, 0, "x"), false);
    var out = store.applyAck(e.write().opId(), ack(e, WriteStatus.MERGED, 3, 9, winner),
        Instant.now());
    assertThat(out.changedIds()).containsExactly("t1");
    assertThat(data("t1")).isEqualTo("{\"a\":\"theirs\",\"b\":\"mine\"}");
    assertThat(store.outboxSize()).isZero();

    OutboxEntry s = write(Op.INSERT, "t1", Map.of("a", "old"));
    SyncRecord current = new SyncRecord(C, "t1", Json.fromMap(Map.of("a", "new")), 4, 10,
        io.livesync.protocol.Hlc.format(clock + 20, 0, "x"), false);
    store.applyAck(s.write().opId(), ack(s, WriteStatus.SUPERSEDED, 4, 10, current),
        Instant.now());
    assertThat(data("t1")).isEqualTo("{\"a\":\"new\"}");
    assertThat(store.deadLetters()).isEmpty();
  }

  @Test
  void aRejectedWriteBecomesADeadLetterAndLaterWritesStay() {
    OutboxEntry rejected = write(Op.UPDATE, "v1", Map.of("a", 1));
    write(Op.INSERT, "v2", Map.of("b", 2));
    SyncRecord current = new SyncRecord(C, "v1", Json.fromMap(Map.of("a", 0)), 5, 5, ts(), false);
    var out = store.applyAck(rejected.write().opId(),
        ack(rejected, WriteStatus.REJECTED, 5, 5, current), Instant.now());
    assertThat(out.deadLetter()).isNotNull();
    assertThat(out.deadLetter().status()).isEqualTo(WriteStatus.REJECTED);
    assertThat(data("v1")).isEqualTo("{\"a\":0}");
    assertThat(store.pending()).extracting(e -> e.write().id()).containsExactly("v2");

    var dead = store.deadLetters();
    assertThat(dead).hasSize(1);
    assertThat(dead.get(0).write().opId()).isEqualTo(rejected.write().opId());
    assertThat(dead.get(0).current().data().path("a").asInt()).isZero();
    store.clearDeadLetters();
    assertThat(store.deadLetters()).isEmpty();
  }

  @Test
  void aPermanentErrorDeadLettersTheWriteAndRevertsTheView() {
    OutboxEntry e = write(Op.INSERT, "t1", Map.of("a", 1));
    var out = store.deadLetter(e.write().opId(),
        new ErrorInfo(ErrorCode.FORBIDDEN, "no", e.write().opId(), C), Instant.now());
    assertThat(out.changedIds()).containsExactly("t1");
    assertThat(store.get(C, "t1")).isEmpty();
    assertThat(store.deadLetters().get(0).error().code()).isEqualTo(ErrorCode.FORBIDDEN);
  }

  @Test
  void aChainedWriteTakesItsPredecessorsAckedVersionAsBase() {
    store.applyLive(live("t1", Op.INSERT, Map.of("a", 1), 4, 1));
    OutboxEntry first = write(Op.UPDATE, "t1", Map.of("a", 2));
    OutboxEntry second = write(Op.UPDATE, "t1", Map.of("a", 3));
    assertThat(first.write().baseVersion()).isEqualTo(4);
    assertThat(second.write().baseVersion()).isEqualTo(4);
    store.applyAck(first.write().opId(), ack(first, WriteStatus.APPLIED, 5, 2, null),
        Instant.now());
    assertThat(store.entry(second.write().opId()).write().baseVersion()).isEqualTo(5);
    store.close();
    store = LocalStore.open(dir.resolve("local.db"));
    assertThat(store.entry(second.write().opId()).write().baseVersion()).isEqualTo(5);
  }

  @Test
  void aDeltaThatSkipsAVersionIsAGap() {
    store.applyLive(live("t1", Op.INSERT, Map.of("a", 1), 1, 1));
    var out = store.applyLive(live("t1", Op.UPDATE, Map.of("a", 3), 3, 2));
    assertThat(out.gap()).isTrue();
    assertThat(store.cursor(C).seq()).isEqualTo(1);
    assertThat(store.serverRecord(C, "t1").version()).isEqualTo(1);
    // an older version is a duplicate: skipped, the cursor still moves
    out = store.applyLive(live("t1", Op.UPDATE, Map.of("a", 0), 1, 2));
    assertThat(out.gap()).isFalse();
    assertThat(store.cursor(C).seq()).isEqualTo(2);
    assertThat(store.serverRecord(C, "t1").data().path("a").asInt()).isEqualTo(1);
  }

  @Test
  void catchUpItemsReplaceOnlyOlderStates() {
    store.applyLive(live("t1", Op.INSERT, Map.of("a", 1), 2, 5));
    var changed = store.applyFullStates(C, List.of(
        live("t1", Op.INSERT, Map.of("a", 0), 1, 3),
        live("t2", Op.INSERT, Map.of("b", 1), 1, 4),
        live("t3", Op.DELETE, null, 2, 6)));
    assertThat(changed).containsExactly("t2");
    assertThat(data("t1")).isEqualTo("{\"a\":1}");
    assertThat(store.serverRecord(C, "t3").deleted()).isTrue();
  }

  @Test
  void aResetReplacesTheCollectionWithoutDroppingPendingWrites() {
    store.applyFullStates(C, List.of(live("old", Op.INSERT, Map.of("a", 1), 1, 1),
        live("kept", Op.INSERT, Map.of("a", 1), 1, 2)));
    store.setCursor(C, "epoch1", 2, true);
    write(Op.INSERT, "mine", Map.of("m", 1));

    store.beginReset(C);
    assertThat(store.cursor(C)).isEqualTo(new LocalStore.Cursor(null, 0,
        store.cursor(C).resetGen()));
    // during the reload nothing disappears (no flicker) ...
    store.applyFullStates(C, List.of(live("kept", Op.INSERT, Map.of("a", 2), 1, 1)));
    assertThat(store.list(C)).extracting(SyncRecord::id).containsExactly("kept", "mine", "old");
    // ... and when it completes, what was not reloaded is gone; the pending write stays
    var changed = store.setCursor(C, "epoch2", 1, true);
    assertThat(changed).containsExactly("old");
    assertThat(store.list(C)).extracting(SyncRecord::id).containsExactly("kept", "mine");
    assertThat(data("kept")).isEqualTo("{\"a\":2}");
    assertThat(store.cursor(C)).isEqualTo(new LocalStore.Cursor("epoch2", 1, null));
  }

  @Test
  void theNodeIdAndTheLastTimestampArePersisted() {
    String id = store.nodeId(null, () -> "generated1");
    assertThat(id).isEqualTo("generated1");
    write(Op.INSERT, "t1", Map.of("a", 1));
    String last = store.pending().get(0).write().ts();
    store.close();
    store = LocalStore.open(dir.resolve("local.db"));
    assertThat(store.nodeId(null, () -> "other")).isEqualTo("generated1");
    assertThat(store.lastTimestamp()).isEqualTo(last);
  }

  @Test
  void aSecondStoreOnTheSameFileIsRefused() {
    assertThatThrownBy(() -> LocalStore.open(dir.resolve("local.db")))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("in use");
  }

  @Test
  void anInMemoryStoreWorks() {
    LocalStore mem = LocalStore.open(null);
    try {
      mem.write(new Write(Op.INSERT, "op1", C, "x", Json.fromMap(Map.of("a", 1)), ts(), null),
          clock);
      assertThat(mem.list(C)).hasSize(1);
    } finally {
      mem.close();
    }
  }
}
