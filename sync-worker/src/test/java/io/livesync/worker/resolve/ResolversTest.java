package io.livesync.worker.resolve;

import static io.livesync.worker.resolve.Fixtures.insert;
import static io.livesync.worker.resolve.Fixtures.ts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livesync.core.spi.StoredRecord;
import io.livesync.protocol.Write;
import io.livesync.protocol.WriteStatus;
import io.livesync.worker.spi.ConflictResolver;
import io.livesync.worker.spi.Resolution;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResolversTest {
  @Test
  void builtInsAreKnownByName() {
    Resolvers resolvers = Resolvers.of(List.of());
    assertThat(resolvers.names())
        .containsExactly("client-wins", "field-lww", "record-lww", "version");
    assertThat(resolvers.forName("field-lww")).isInstanceOf(FieldLwwResolver.class);
    assertThat(resolvers.forName("record-lww")).isInstanceOf(RecordLwwResolver.class);
    assertThat(resolvers.forName("version")).isInstanceOf(VersionResolver.class);
    assertThat(resolvers.forName("client-wins")).isInstanceOf(ClientWinsResolver.class);
    assertThat(resolvers.defaultResolver()).isInstanceOf(FieldLwwResolver.class);
    assertThat(Resolvers.DEFAULT).isEqualTo("field-lww");
  }

  @Test
  void customResolversAreDiscoveredWithServiceLoader() {
    Resolvers resolvers = Resolvers.load();
    assertThat(resolvers.names()).contains(RejectAllResolver.NAME, "field-lww");
    ConflictResolver custom = resolvers.forName(RejectAllResolver.NAME);
    assertThat(custom).isInstanceOf(RejectAllResolver.class);
    assertThat(custom.resolve(null, insert(ts(1), "{'a':1}")).status())
        .isEqualTo(WriteStatus.REJECTED);
    assertThat(Resolvers.load(getClass().getClassLoader()).names())
        .contains(RejectAllResolver.NAME);
  }

  @Test
  void unknownNameFailsListingTheKnownOnes() {
    Resolvers resolvers = Resolvers.load();
    assertThatThrownBy(() -> resolvers.forName("feld-lww"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'feld-lww'")
        .hasMessageContaining("client-wins, field-lww, record-lww, test-reject-all, version");
    assertThatThrownBy(() -> resolvers.forName(null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("(missing)");
  }

  @Test
  void duplicateNamesAreRefused() {
    assertThatThrownBy(() -> Resolvers.of(List.of(new Named("record-lww"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'record-lww'")
        .hasMessageContaining(RecordLwwResolver.class.getName())
        .hasMessageContaining(Named.class.getName());
    assertThatThrownBy(() -> Resolvers.of(List.of(new Named("mine"), new Named("mine"))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'mine'");
    assertThatThrownBy(() -> Resolvers.of(List.of(new Named(" "))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no name");
  }

  private record Named(String name) implements ConflictResolver {
    @Override
    public Resolution resolve(StoredRecord current, Write write) {
      return Resolution.unchanged(WriteStatus.REJECTED, null);
    }
  }
}
