// Reconnect delays: exponential backoff with "full jitter" (a uniformly random delay between 0 and
// the exponential ceiling), so that many clients dropped together do not return together.

/**
 * @param {number} attempt 0 for the first retry
 * @param {number} baseMillis the ceiling of the first retry
 * @param {number} maxMillis the largest ceiling
 * @param {() => number} random a source of [0, 1)
 */
export function backoffDelay(attempt, baseMillis, maxMillis, random = Math.random) {
  const ceiling = Math.min(maxMillis, baseMillis * 2 ** Math.min(Math.max(attempt, 0), 30));
  return Math.floor(random() * ceiling);
}
