// The in-memory store (Node.js, tests). It survives a client's close: pass the same instance to a
// new client to model an application restart on one device.

const clone = (v) => (v === undefined ? undefined : structuredClone(v));

export function memoryStorage() {
  const meta = new Map();
  const records = new Map(); // collection → Map(id → record)
  const cursors = new Map();
  const outbox = new Map();

  return {
    kind: 'memory',

    async open() {
      return { nodeId: meta.get('nodeId') ?? null, outbox: [...outbox.values()].map(clone) };
    },

    async setMeta(key, value) {
      meta.set(key, clone(value));
    },

    async loadCollection(name) {
      const recs = records.get(name);
      return {
        records: recs ? [...recs.values()].map(clone) : [],
        cursor: clone(cursors.get(name) ?? null),
      };
    },

    /** Atomically: drop the collection (reset), store records newer than the stored ones, the cursor. */
    async commit(name, { reset = false, records: recs = [], cursor = null } = {}) {
      if (reset) {
        records.delete(name);
        cursors.delete(name);
      }
      let m = records.get(name);
      if (!m) records.set(name, (m = new Map()));
      for (const r of recs) {
        const cur = m.get(r.id);
        if (!cur || cur.version <= r.version) m.set(r.id, clone(r));
      }
      if (cursor) {
        const cur = cursors.get(name);
        if (!cur || cur.epoch !== cursor.epoch || cur.seq <= cursor.seq) cursors.set(name, clone(cursor));
      }
    },

    async putOutbox(entry) {
      outbox.set(entry.opId, clone(entry));
    },

    async deleteOutbox(opId) {
      outbox.delete(opId);
    },

    async close() {},
  };
}
