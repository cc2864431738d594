package io.livesync.gateway.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PingWheelTest {
  private static final long INTERVAL = 1_600;

  /** A member that records the ticks it was visited on and may leave the wheel then. */
  private static final class Member implements PingWheel.Member {
    final int slot;
    final List<Long> visits = new ArrayList<>();
    Runnable onVisit = () -> { };

    Member(int slot) {
      this.slot = slot;
    }

    @Override
    public int pingSlot() {
      return slot;
    }

    @Override
    public void onPingTick(long nowMillis) {
      visits.add(nowMillis);
      onVisit.run();
    }
  }

  @Test
  void everyMemberIsVisitedOncePerTurnStartingOneTurnAfterItJoined() {
    Set<Member> members = new LinkedHashSet<>();
    PingWheel<Member> wheel = new PingWheel<>(members, INTERVAL);
    long tick = INTERVAL / PingWheel.SLOTS;
    long now = 0;
    List<Member> joined = new ArrayList<>();
    List<Long> joinedAt = new ArrayList<>();
    for (int i = 0; i < 3 * PingWheel.SLOTS; i++) {
      Member m = new Member(wheel.slotForNewMember());
      members.add(m);
      joined.add(m);
      joinedAt.add(now);
      now += tick;
      wheel.tick(now);
    }
    for (int i = 0; i < 4 * PingWheel.SLOTS; i++) {
      now += tick;
      wheel.tick(now);
    }
    for (int i = 0; i < joined.size(); i++) {
      List<Long> visits = joined.get(i).visits;
      assertThat(visits).as("member %d", i).isNotEmpty();
      assertThat(visits.get(0) - joinedAt.get(i)).as("first visit of member %d", i)
          .isEqualTo(INTERVAL);
      for (int v = 1; v < visits.size(); v++) {
        assertThat(visits.get(v) - visits.get(v - 1)).isEqualTo(INTERVAL);
      }
    }
  }

  @Test
  void membersJoiningTogetherAreSpreadOnlyByWhenTheyJoined() {
    Set<Member> members = new LinkedHashSet<>();
    PingWheel<Member> wheel = new PingWheel<>(members, INTERVAL);
    for (int i = 0; i < 100; i++) {
      members.add(new Member(wheel.slotForNewMember()));
    }
    int visitedOnAnyTick = 0;
    for (int t = 1; t <= PingWheel.SLOTS; t++) {
      wheel.tick(t);
      long visited = members.stream().filter(m -> m.visits.size() == 1).count();
      if (t < PingWheel.SLOTS) {
        assertThat(visited).isZero();
      } else {
        visitedOnAnyTick = (int) visited;
      }
    }
    assertThat(visitedOnAnyTick).isEqualTo(100);
  }

  @Test
  void aMemberMayLeaveDuringItsVisit() {
    Set<Member> members = new LinkedHashSet<>();
    PingWheel<Member> wheel = new PingWheel<>(members, INTERVAL);
    List<Member> all = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      Member m = new Member(wheel.slotForNewMember());
      m.onVisit = () -> members.remove(m);
      members.add(m);
      all.add(m);
    }
    for (int t = 1; t <= 3 * PingWheel.SLOTS; t++) {
      wheel.tick(t);
    }
    assertThat(members).isEmpty();
    assertThat(all).allSatisfy(m -> assertThat(m.visits).hasSize(1));
  }
}
