package io.livesync.core.spi;

import io.livesync.protocol.Ack;

/**
 * What the store remembers of one opId (at least 24 hours): the write's fingerprint, to tell a
 * retry from a re-used opId, and the ack it got.
 */
public record OpRecord(String opId, String fingerprint, Ack ack, long createdAt) {
}
