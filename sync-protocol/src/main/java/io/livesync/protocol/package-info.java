/**
 * The sync protocol (docs/protocol.md) as plain Java: records, messages, the JSON codec,
 * validation, the hybrid logical clock and the shallow-merge rule. No Vert.x; shared by the
 * server and the Java client.
 *
 * <p>Threading: every type here is immutable or thread-safe ({@link io.livesync.protocol.Hlc}
 * synchronizes internally). Records holding Jackson {@code ObjectNode}s must not be mutated after
 * they are built.
 */
package io.livesync.protocol;
