package io.livesync.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.server.testing.Pull;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The checks every cluster test ends with, after writes stopped and every write was answered:
 *
 * <ol>
 *   <li><b>Acked writes are stored, each once</b>: the applied/merged acks of all peers own
 *       distinct seqs, and those seqs are exactly 1..the collection's seq. So every seq the
 *       server assigned belongs to one acked opId: no opId was applied twice, and nothing
 *       unacked was applied. Per record, the number of applied/merged acks equals its stored
 *       version, and the newest of them has the stored version and seq.
 *   <li><b>Every gateway serves the same state</b> (pull through each).
 *   <li><b>Every replica converges</b> to the pull state (data, tombstone, version, seq), with no
 *       gap, duplicate or reset in its stream, and no seq <i>missing</i>: each seq was received,
 *       or a later seq of the same record was (a catch-up gives the latest state only).
 * </ol>
 */
final class Verify {
  private Verify() {
  }

  record Report(long seq, int acked, int applied, int records, int liveChanges,
      int catchUpItems, int catchUps) {
  }

  static Report converged(List<String> gatewayUrls, String collection, List<SyncPeer> peers,
      long convergeMillis) throws Exception {
    for (SyncPeer p : peers) {
      assertThat(p.unanswered()).as("%s: writes never acked", p.summary()).isEmpty();
      assertThat(p.unexpectedErrors()).as("%s: error replies other than unavailable",
          p.name).isEmpty();
    }
    Map<String, JsonNode> pulled = Pull.all(gatewayUrls.get(0), collection);
    long seq = Pull.seq(gatewayUrls.get(0), collection);
    for (String url : gatewayUrls.subList(1, gatewayUrls.size())) {
      assertThat(Pull.all(url, collection)).as("pull through %s", url).isEqualTo(pulled);
    }

    // 1. acked writes: stored, each once
    Map<String, ObjectNode> acks = new HashMap<>();
    for (SyncPeer p : peers) {
      acks.putAll(p.acks());
    }
    Map<Long, ObjectNode> bySeq = new HashMap<>();
    Map<String, List<ObjectNode>> appliedById = new HashMap<>();
    for (ObjectNode ack : acks.values()) {
      String status = ack.path("status").asText();
      assertThat(status).as("ack %s", ack).isIn("applied", "merged", "superseded");
      if (!status.equals("applied") && !status.equals("merged")) {
        continue;
      }
      long s = ack.path("seq").asLong();
      ObjectNode other = bySeq.put(s, ack);
      assertThat(other).as("seq %d acked to two opIds: %s and %s", s, other, ack).isNull();
      appliedById.computeIfAbsent(ack.path("id").asText(), x -> new ArrayList<>()).add(ack);
    }
    assertThat(bySeq.size()).as("applied acks = collection seq %d (no opId applied twice, "
        + "nothing unacked applied)", seq).isEqualTo((int) seq);
    for (long s = 1; s <= seq; s++) {
      assertThat(bySeq).as("seq %d belongs to an acked write", s).containsKey(s);
    }
    for (Map.Entry<String, List<ObjectNode>> e : appliedById.entrySet()) {
      JsonNode stored = pulled.get(e.getKey());
      assertThat(stored).as("acked record %s is stored", e.getKey()).isNotNull();
      ObjectNode newest = e.getValue().stream()
          .max((a, b) -> Long.compare(a.path("version").asLong(), b.path("version").asLong()))
          .orElseThrow();
      assertThat(stored.path("version").asLong()).as("version of %s = its applied acks",
          e.getKey()).isEqualTo(e.getValue().size())
          .isEqualTo(newest.path("version").asLong());
      assertThat(stored.path("seq").asLong()).as("seq of %s", e.getKey())
          .isEqualTo(newest.path("seq").asLong());
    }
    assertThat(appliedById.keySet()).as("every stored record was written by an acked write")
        .isEqualTo(pulled.keySet());

    // 3. replicas
    int live = 0;
    int items = 0;
    int catchUps = 0;
    for (SyncPeer p : peers) {
      p.awaitCursor(seq, convergeMillis);
      holdsExactly(p, pulled);
      assertThat(p.gaps()).isZero();
      assertThat(p.duplicates()).isZero();
      assertThat(p.resets()).as("%s: resets", p.name).isZero();
      Set<Long> received = p.received();
      Map<String, Long> maxSeq = p.maxSeqById();
      List<Long> missing = new ArrayList<>();
      for (long s = 1; s <= seq; s++) {
        String id = bySeq.get(s).path("id").asText();
        if (!received.contains(s) && maxSeq.getOrDefault(id, 0L) < s) {
          missing.add(s);
        }
      }
      assertThat(missing).as("%s: seqs neither received nor covered by a later seq of their "
          + "record", p.name).isEmpty();
      live += p.liveChanges();
      items += p.catchUpItems();
      catchUps += p.unsolicitedSynced();
    }
    return new Report(seq, acks.size(), bySeq.size(), pulled.size(), live, items, catchUps);
  }

  /**
   * The peer's replica holds exactly the pulled records (data, tombstone, version, seq), and its
   * stream broke no rule.
   */
  static void holdsExactly(SyncPeer p, Map<String, JsonNode> pulled) {
    Map<String, SyncPeer.Rec> replica = p.replica();
    assertThat(replica.keySet()).as("%s: records", p.name).isEqualTo(pulled.keySet());
    for (Map.Entry<String, JsonNode> e : pulled.entrySet()) {
      JsonNode item = e.getValue();
      SyncPeer.Rec r = replica.get(e.getKey());
      boolean deleted = item.path("op").asText().equals("delete");
      assertThat(r.deleted()).as("%s: %s deleted", p.name, e.getKey()).isEqualTo(deleted);
      assertThat(r.version()).as("%s: %s version", p.name, e.getKey())
          .isEqualTo(item.path("version").asLong());
      assertThat(r.seq()).as("%s: %s seq", p.name, e.getKey())
          .isEqualTo(item.path("seq").asLong());
      if (!deleted) {
        assertThat(r.data()).as("%s: %s data", p.name, e.getKey()).isEqualTo(item.path("data"));
      }
    }
    assertThat(p.violations()).as("%s: stream violations", p.name).isEmpty();
  }
}
