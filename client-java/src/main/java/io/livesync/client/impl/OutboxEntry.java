package io.livesync.client.impl;

import io.livesync.protocol.Write;

/**
 * One local write in the outbox. Pending until the server acknowledges it; an {@code applied}
 * write then stays, "acked", until the local copy of the server state includes it (the own
 * change arrived, or the cursor passed its seq), so the local view never loses it in between.
 *
 * @param n the outbox position (order of the local writes)
 * @param write the write as it is sent; its baseVersion is updated when an earlier write of the
 *     same record is acknowledged
 * @param ackedVersion the version the ack reported, or null while pending
 * @param ackedSeq the seq the ack reported, or null while pending
 */
public record OutboxEntry(long n, Write write, Long ackedVersion, Long ackedSeq) {

  public boolean pending() {
    return ackedVersion == null;
  }

  public String key() {
    return key(write.collection(), write.id());
  }

  public static String key(String collection, String id) {
    return collection + '\u0000' + id;
  }

  OutboxEntry acked(long version, long seq) {
    return new OutboxEntry(n, write, version, seq);
  }

  OutboxEntry withBaseVersion(Long baseVersion) {
    Write w = write;
    return new OutboxEntry(n, new Write(w.op(), w.opId(), w.collection(), w.id(), w.data(),
        w.ts(), baseVersion), ackedVersion, ackedSeq);
  }
}
