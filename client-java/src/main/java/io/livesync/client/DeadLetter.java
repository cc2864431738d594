package io.livesync.client;

import io.livesync.protocol.ErrorInfo;
import io.livesync.protocol.SyncRecord;
import io.livesync.protocol.Write;
import io.livesync.protocol.WriteStatus;
import java.time.Instant;

/**
 * A write the server refused for good, kept so the application can show or redo it. Exactly one
 * of {@code status} (always {@link WriteStatus#REJECTED}) and {@code error} is set.
 *
 * @param write the write as it was sent (same opId)
 * @param status {@code REJECTED} when the conflict strategy refused it, else null
 * @param error the server's error when it was refused as invalid or forbidden, else null
 * @param current the server's record at the time, when the server sent it; may be null
 * @param at when the client recorded the refusal
 */
public record DeadLetter(Write write, WriteStatus status, ErrorInfo error, SyncRecord current,
    Instant at) {
}
