package io.livesync.client.impl;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.protocol.Json;
import io.livesync.protocol.Op;
import io.livesync.protocol.SyncRecord;
import io.livesync.protocol.Write;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ViewReplayTest {
  private static OutboxEntry entry(long n, Op op, Map<String, ?> data, Long ackedVersion) {
    return new OutboxEntry(n, new Write(op, "op" + n, "c", "r", data == null ? null
        : Json.fromMap(data), "1700000000000-000" + n + "-dev", null), ackedVersion,
        ackedVersion == null ? null : ackedVersion);
  }

  private static SyncRecord server(Map<String, ?> data, long version, boolean deleted) {
    return new SyncRecord("c", "r", Json.fromMap(data), version, version, "1600000000000-0000-s",
        deleted);
  }

  @Test
  void noServerStateAndNoWritesIsNothing() {
    assertThat(ViewReplay.replay("c", "r", null, List.of())).isNull();
    assertThat(ViewReplay.replay("c", "r", server(Map.of(), 2, true), List.of())).isNull();
  }

  @Test
  void writesReplayInOrderOnTheServerState() {
    Map<String, Object> removeB = new HashMap<>();
    removeB.put("b", null);
    SyncRecord v = ViewReplay.replay("c", "r", server(Map.of("a", 1, "b", 1), 3, false),
        List.of(entry(1, Op.UPDATE, Map.of("a", 2), null), entry(2, Op.UPDATE, removeB, null)));
    assertThat(v.data().toString()).isEqualTo("{\"a\":2}");
    assertThat(v.version()).isEqualTo(3);
    assertThat(v.ts()).isEqualTo("1700000000000-0002-dev");
  }

  @Test
  void anInsertReplacesAndAnUpdateOfNothingCreates() {
    SyncRecord v = ViewReplay.replay("c", "r", server(Map.of("a", 1), 1, false),
        List.of(entry(1, Op.INSERT, Map.of("z", 1), null)));
    assertThat(v.data().toString()).isEqualTo("{\"z\":1}");
    v = ViewReplay.replay("c", "r", server(Map.of(), 2, true),
        List.of(entry(1, Op.UPDATE, Map.of("z", 1), null)));
    assertThat(v.data().toString()).isEqualTo("{\"z\":1}");
  }

  @Test
  void ackedWritesAlreadyInTheServerStateAreNotReplayed() {
    SyncRecord v = ViewReplay.replay("c", "r", server(Map.of("a", "server"), 5, false),
        List.of(entry(1, Op.UPDATE, Map.of("a", "acked-in-4"), 4L)));
    assertThat(v.data().path("a").asText()).isEqualTo("server");
    v = ViewReplay.replay("c", "r", server(Map.of("a", "server"), 5, false),
        List.of(entry(1, Op.UPDATE, Map.of("a", "acked-in-6"), 6L)));
    assertThat(v.data().path("a").asText()).isEqualTo("acked-in-6");
  }

  @Test
  void aDeleteThenAnInsertResurrects() {
    SyncRecord v = ViewReplay.replay("c", "r", server(Map.of("a", 1), 1, false),
        List.of(entry(1, Op.DELETE, null, null), entry(2, Op.UPDATE, Map.of("b", 1), null)));
    assertThat(v.data().toString()).isEqualTo("{\"b\":1}");
  }
}
