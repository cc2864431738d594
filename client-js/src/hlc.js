// Hybrid logical clock timestamps (protocol 1.2): MMMMMMMMMMMMM-CCCC-NODE.
// Plain string comparison orders them as HLCs (time, then counter, then node).

const TS_FORMAT = /^[0-9]{13}-[0-9a-f]{4}-[A-Za-z0-9_-]{1,64}$/;
const NODE_FORMAT = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_COUNTER = 0xffff;

export function isValidNodeId(node) {
  return typeof node === 'string' && NODE_FORMAT.test(node);
}

export function isValidTs(ts) {
  return typeof ts === 'string' && TS_FORMAT.test(ts);
}

export function formatTs(millis, counter, node) {
  return String(millis).padStart(13, '0') + '-' + counter.toString(16).padStart(4, '0') + '-' + node;
}

export function parseTs(ts) {
  if (!isValidTs(ts)) return null;
  return { millis: Number(ts.slice(0, 13)), counter: parseInt(ts.slice(14, 18), 16), node: ts.slice(19) };
}

/** Orders two timestamps; null and undefined sort first. */
export function compareTs(a, b) {
  if (a == null) return b == null ? 0 : -1;
  if (b == null) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** One device's clock: every timestamp it issues is later than every one it issued or observed. */
export class Hlc {
  #millis = 0;
  #counter = 0;

  constructor(node, wallClock = Date.now) {
    if (!isValidNodeId(node)) {
      throw new TypeError(`HLC node id '${node}' is not allowed; use 1-64 of letters, digits, _ -`);
    }
    this.node = node;
    this.wallClock = wallClock;
  }

  /** A timestamp for a local write. */
  now() {
    const wall = Math.floor(this.wallClock());
    if (wall > this.#millis) {
      this.#millis = wall;
      this.#counter = 0;
    } else if (this.#counter < MAX_COUNTER) {
      this.#counter++;
    } else {
      this.#millis++;
      this.#counter = 0;
    }
    return formatTs(this.#millis, this.#counter, this.node);
  }

  /** Advances to at least a received timestamp; malformed ones are ignored. */
  observe(ts) {
    const t = parseTs(ts);
    if (!t) return;
    if (t.millis > this.#millis || (t.millis === this.#millis && t.counter > this.#counter)) {
      this.#millis = t.millis;
      this.#counter = t.counter;
    }
  }

  /** Advances to at least a received wall time (the welcome's `time`). */
  observeMillis(millis) {
    if (Number.isFinite(millis) && millis > this.#millis) {
      this.#millis = Math.floor(millis);
      this.#counter = 0;
    }
  }
}
