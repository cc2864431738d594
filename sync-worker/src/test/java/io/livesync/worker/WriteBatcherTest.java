package io.livesync.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.core.bus.SyncBus.IncomingWrite;
import io.livesync.protocol.Json;
import io.livesync.protocol.Op;
import io.livesync.protocol.Write;
import io.livesync.protocol.WriteResult;
import io.livesync.worker.WriteBatcher.Pending;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WriteBatcherTest {

  private static IncomingWrite write(String id, int n) {
    Write w = new Write(Op.UPDATE, "op-" + id + "-" + n, "todos", id, Json.object().put("n", n),
        null, null);
    return new IncomingWrite() {
      @Override
      public Write write() {
        return w;
      }

      @Override
      public void reply(WriteResult result) {
      }
    };
  }

  private static List<String> opIds(List<Pending> batch) {
    return batch.stream().map(p -> p.incoming().write().opId()).toList();
  }

  @Test
  void oneWritePerRecordPerBatchInArrivalOrder() {
    WriteBatcher b = new WriteBatcher(10);
    b.add(write("a", 1));
    b.add(write("b", 1));
    b.add(write("a", 2));
    b.add(write("c", 1));
    assertThat(opIds(b.next())).containsExactly("op-a-1", "op-b-1", "op-c-1");
    assertThat(opIds(b.next())).containsExactly("op-a-2");
    assertThat(b.isEmpty()).isTrue();
  }

  @Test
  void recordsOfBatchesInFlightWaitAndKeepTheirOrder() {
    WriteBatcher b = new WriteBatcher(10);
    b.add(write("a", 1));
    b.add(write("b", 1));
    b.add(write("a", 2));
    String busyA = new Pending(write("a", 0), 0).key();
    assertThat(opIds(b.next(Set.of(busyA)))).containsExactly("op-b-1");
    assertThat(b.size()).isEqualTo(2);
    assertThat(b.next(Set.of(busyA))).isEmpty();
    assertThat(opIds(b.next(Set.of()))).containsExactly("op-a-1");
    assertThat(opIds(b.next(Set.of()))).containsExactly("op-a-2");
  }

  @Test
  void batchesStopAtMaxBatch() {
    WriteBatcher b = new WriteBatcher(2);
    for (int i = 0; i < 5; i++) {
      b.add(write("r" + i, 1));
    }
    assertThat(b.next()).hasSize(2);
    assertThat(b.next()).hasSize(2);
    assertThat(b.next()).hasSize(1);
  }
}
