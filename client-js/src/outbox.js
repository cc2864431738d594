// The writes this device made that the server has not acknowledged, in write (HLC) order, and
// the rules for sending them: each at most once per socket, retried after retryable errors with
// backoff, and paced so a long offline queue stays under the server's per-connection write rate.

import { backoffDelay } from './backoff.js';

/** Writes sent on one socket and not answered yet. */
const MAX_IN_FLIGHT = 256;

/** The fields of an entry that are stored; the others are per-connection bookkeeping. */
export function storedEntry(e) {
  const out = { opId: e.opId, collection: e.collection, id: e.id, op: e.op, ts: e.ts };
  if (e.data !== undefined) out.data = e.data;
  if (e.baseVersion !== undefined) out.baseVersion = e.baseVersion;
  return out;
}

/** The protocol message of an entry (protocol 2.3; also the element of an HTTP push). */
export function writeMessage(e) {
  const m = { type: e.op, opId: e.opId, collection: e.collection, id: e.id };
  if (e.op !== 'delete') m.data = e.data;
  m.ts = e.ts;
  if (e.baseVersion !== undefined) m.baseVersion = e.baseVersion;
  return m;
}

export class Outbox {
  #entries = new Map();
  #o;
  #connId = 0;
  #inFlight = 0;
  #window = { start: 0, count: 0 };
  #paceTimer = null;
  #retryTimer = null;

  /**
   * @param {object} o
   * @param {(message: object) => boolean} o.send sends on the socket; false when it is not open
   * @param {() => boolean} o.connected whether a welcomed socket is open
   * @param {() => void} o.onRetryDue a retry is due while no socket is open (poll now)
   * @param {number} o.maxDelay the largest retry delay in ms
   * @param {number} o.writesPerSecond writes sent per second on one socket (a fixed one-second
   *   window, so up to twice that in any second: keep it at most half the server's limit)
   * @param {() => number} [o.random]
   */
  constructor(o) {
    this.#o = o;
  }

  get size() {
    return this.#entries.size;
  }

  values() {
    return this.#entries.values();
  }

  get(opId) {
    return this.#entries.get(opId);
  }

  /** Appends a new write (callers add in ts order) and sends it if a socket is open. */
  add(entry) {
    this.#entries.set(entry.opId, entry);
  }

  /** Removes an answered entry; returns false when it was not here. */
  remove(entry) {
    if (!this.#entries.delete(entry.opId)) return false;
    if (entry.sentOn === this.#connId) {
      this.#inFlight--;
      if (this.#o.connected()) this.flush(); // room in the window
    }
    return true;
  }

  /** A new socket was welcomed: every entry is due on it. */
  newConnection() {
    this.#connId++;
    this.#inFlight = 0;
  }

  /** Sends the entries this socket has not carried yet, in write order, as pacing allows. */
  flush() {
    if (!this.#o.connected()) return;
    const now = Date.now();
    for (const e of this.#entries.values()) {
      if (e.sentOn === this.#connId || e.notBefore > now) continue;
      if (!this.#pace(now) || !this.#o.send(writeMessage(e))) return;
      e.sentOn = this.#connId;
      this.#window.count++;
      this.#inFlight++;
    }
  }

  /** Entries due for an HTTP push now. */
  due() {
    const now = Date.now();
    return [...this.#entries.values()].filter((e) => !(e.notBefore > now));
  }

  /** A retryable error: send the entry again after a backoff delay. */
  retryLater(entry) {
    entry.attempts = (entry.attempts ?? 0) + 1;
    if (entry.sentOn === this.#connId) this.#inFlight--;
    entry.sentOn = undefined;
    entry.notBefore = Date.now() + 250 + backoffDelay(entry.attempts, 1000, this.#o.maxDelay, this.#o.random);
    this.#scheduleRetry();
  }

  close() {
    clearTimeout(this.#paceTimer);
    clearTimeout(this.#retryTimer);
    this.#paceTimer = this.#retryTimer = null;
  }

  #pace(now) {
    const w = this.#window;
    if (now - w.start >= 1000) {
      w.start = now;
      w.count = 0;
    }
    const perSecond = this.#o.writesPerSecond;
    if (w.count < perSecond && this.#inFlight < MAX_IN_FLIGHT) return true;
    if (!this.#paceTimer) {
      const wait = w.count >= perSecond ? w.start + 1000 - now : 50;
      this.#paceTimer = setTimeout(() => {
        this.#paceTimer = null;
        this.flush();
      }, Math.max(wait, 1));
    }
    return false;
  }

  #scheduleRetry() {
    clearTimeout(this.#retryTimer);
    let next = Infinity;
    for (const e of this.#entries.values()) if (e.notBefore) next = Math.min(next, e.notBefore);
    if (next === Infinity) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      if (this.#o.connected()) this.flush();
      else this.#o.onRetryDue();
      this.#scheduleRetry();
    }, Math.max(0, next - Date.now()) + 1);
  }
}
