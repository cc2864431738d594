package io.livesync.core.spi;

/**
 * A collection's history markers (PROTOCOL.md 1.1).
 *
 * @param epoch random string fixed when the collection's history began
 * @param seq the seq of the latest accepted change (0 when none)
 * @param horizon cursors below this are told to reset (tombstones up to it were purged)
 */
public record CollectionInfo(String name, String epoch, long seq, long horizon) {
}
