/**
 * The built-in conflict strategies ({@code field-lww}, {@code record-lww}, {@code version},
 * {@code client-wins}) and {@link io.livesync.worker.resolve.Resolvers}, the registry that adds
 * custom ones found with {@link java.util.ServiceLoader}.
 *
 * <p>Threading: the resolvers are pure functions (no I/O, no clock, no shared mutable state),
 * called on the worker event loop; they never block. They never modify the {@code ObjectNode}s
 * they are given; a resolution may share (unmodified) JSON values with its inputs and between
 * its {@code data} and {@code changeData}, so neither may be mutated afterwards. A {@code
 * Resolvers} registry is immutable once built.
 */
package io.livesync.worker.resolve;
