package io.livesync.core.spi;

import java.util.List;

/**
 * One page of catch-up, read from one consistent snapshot.
 *
 * @param records the latest state of each record whose latest change has seq in
 *     ({@code since}, {@code cursor}], in seq order, tombstones included
 * @param cursor the cursor after this page: the last record's seq when {@code hasMore}, else the
 *     collection's seq in the same snapshot
 * @param info the collection's epoch, seq and horizon in the same snapshot
 */
public record ChangesPage(List<StoredRecord> records, long cursor, boolean hasMore,
    CollectionInfo info) {
}
