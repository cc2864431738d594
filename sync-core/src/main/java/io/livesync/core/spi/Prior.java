package io.livesync.core.spi;

/**
 * What the store holds for one write about to be resolved: the record it targets and the
 * outcome remembered for its opId (either may be null). See {@link Store#priors}.
 */
public record Prior(StoredRecord record, OpRecord op) {
}
