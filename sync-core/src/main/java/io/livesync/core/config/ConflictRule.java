package io.livesync.core.config;

/**
 * Chooses a conflict strategy for collections whose name matches {@code pattern}: an exact name,
 * or a prefix ending in {@code *}. Rules are tried in order; the first match wins.
 *
 * @param strategy {@code field-lww}, {@code record-lww}, {@code version}, {@code client-wins}, or
 *     the name of a custom resolver found with {@code ServiceLoader}
 */
public record ConflictRule(String pattern, String strategy) {
  public boolean matches(String collection) {
    return pattern.endsWith("*")
        ? collection.startsWith(pattern.substring(0, pattern.length() - 1))
        : collection.equals(pattern);
  }
}
