// The browser store: IndexedDB, so that a reload or a closed tab loses no record, cursor or
// pending write. Tabs of one origin share the database (one device, one node id); every write is
// guarded so that a tab holding older state never overwrites newer state stored by another.

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

/** @param {{name?: string, indexedDB?: IDBFactory}} options */
export function indexedDbStorage({ name = 'livesync', indexedDB = globalThis.indexedDB } = {}) {
  if (!indexedDB) throw new Error('IndexedDB is not available here; use storage: "memory"');
  const IDBKeyRange = globalThis.IDBKeyRange;
  // Keys are [collection, id]; an array sorts after every string, so [name, []] bounds the collection.
  const range = (collection) => IDBKeyRange.bound([collection], [collection, []]);
  let db = null;

  return {
    kind: 'indexeddb',

    async open() {
      db = await new Promise((resolve, reject) => {
        const req = indexedDB.open(name, 1);
        req.onupgradeneeded = () => {
          const d = req.result;
          d.createObjectStore('meta', { keyPath: 'key' });
          d.createObjectStore('records', { keyPath: ['collection', 'id'] });
          d.createObjectStore('cursors', { keyPath: 'collection' });
          d.createObjectStore('outbox', { keyPath: 'opId' });
        };
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
        req.onblocked = () => reject(new Error(`IndexedDB database '${name}' is blocked by another tab`));
      });
      db.onversionchange = () => db.close();
      const tx = db.transaction(['meta', 'outbox'], 'readonly');
      const [node, outbox] = await Promise.all([
        request(tx.objectStore('meta').get('nodeId')),
        request(tx.objectStore('outbox').getAll()),
      ]);
      return { nodeId: node?.value ?? null, outbox };
    },

    async setMeta(key, value) {
      const tx = db.transaction('meta', 'readwrite');
      tx.objectStore('meta').put({ key, value });
      await done(tx);
    },

    async loadCollection(collection) {
      const tx = db.transaction(['records', 'cursors'], 'readonly');
      const [rows, cursor] = await Promise.all([
        request(tx.objectStore('records').getAll(range(collection))),
        request(tx.objectStore('cursors').get(collection)),
      ]);
      return {
        records: rows.map(({ collection: _c, ...r }) => r),
        cursor: cursor ? { epoch: cursor.epoch, seq: cursor.seq } : null,
      };
    },

    async commit(collection, { reset = false, records = [], cursor = null } = {}) {
      const tx = db.transaction(['records', 'cursors'], 'readwrite');
      const rs = tx.objectStore('records');
      const cs = tx.objectStore('cursors');
      if (reset) {
        rs.delete(range(collection));
        cs.delete(collection);
      }
      for (const r of records) {
        const row = { collection, ...r };
        if (reset) {
          rs.put(row);
        } else {
          const get = rs.get([collection, r.id]);
          get.onsuccess = () => {
            if (!get.result || get.result.version <= r.version) rs.put(row);
          };
        }
      }
      if (cursor) {
        const get = cs.get(collection);
        get.onsuccess = () => {
          const cur = get.result;
          if (reset || !cur || cur.epoch !== cursor.epoch || cur.seq <= cursor.seq) {
            cs.put({ collection, epoch: cursor.epoch, seq: cursor.seq });
          }
        };
      }
      await done(tx);
    },

    async putOutbox(entry) {
      const tx = db.transaction('outbox', 'readwrite');
      tx.objectStore('outbox').put(entry);
      await done(tx);
    },

    async deleteOutbox(opId) {
      const tx = db.transaction('outbox', 'readwrite');
      tx.objectStore('outbox').delete(opId);
      await done(tx);
    },

    async close() {
      db?.close();
      db = null;
    },
  };
}
