/** An error with a protocol error code (protocol 2.5) or a client-side one ('network', 'storage'). */
export class LiveSyncError extends Error {
  constructor(code, message, details = {}) {
    super(message);
    this.name = 'LiveSyncError';
    this.code = code;
    Object.assign(this, details);
  }
}

/** Codes after which the same write may succeed later; the others drop it. */
export const RETRYABLE_CODES = new Set(['unavailable', 'rate_limited', 'internal', 'clock_skew', 'network']);
