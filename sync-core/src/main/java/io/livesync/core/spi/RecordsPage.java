package io.livesync.core.spi;

import java.util.List;

/** Live (not deleted) records in id order; {@code next} is the id to continue after, or null. */
public record RecordsPage(List<StoredRecord> records, String next) {
}
