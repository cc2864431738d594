// The application's handle on one collection. Every write lands in the local view at once
// (listeners fire synchronously), is persisted in the outbox, and goes to the server when it can.

/** @typedef {{id: string, data: object, version: number, ts: string|null, state: 'pending'|'synced'|'conflict', conflict: object|null}} LocalRecord */

export class Collection {
  #c;
  #write;

  /** @internal built by the client: `c` holds the state, `write(op, id, data)` makes a write. */
  constructor(c, write) {
    this.#c = c;
    this.#write = write;
  }

  get name() {
    return this.#c.state.name;
  }

  /** Resolves once the collection's local copy is loaded from storage. */
  get ready() {
    return this.#c.loaded;
  }

  /**
   * save(data) creates a record with a new UUID; save(id, data) creates or replaces record id.
   * Resolves with the id once the write is stored locally (not when the server has it).
   */
  save(idOrData, data) {
    if (typeof idOrData === 'string') return this.#write('insert', idOrData, data);
    return this.#write('insert', undefined, idOrData);
  }

  /** Shallow-merges delta into record id: each key replaces that field, null removes it. */
  update(id, delta) {
    return this.#write('update', id, delta);
  }

  /** Deletes record id. */
  delete(id) {
    return this.#write('delete', id, undefined);
  }

  /** @returns {Promise<LocalRecord|null>} the record as this device sees it now. */
  async get(id) {
    await this.#c.loaded;
    return this.#c.state.view(id);
  }

  /** @returns {Promise<LocalRecord[]>} the live records as this device sees them, in id order. */
  async list() {
    await this.#c.loaded;
    return this.#c.state.list();
  }

  /** Forgets the conflict shown for record id (a new write of it does too). */
  async clearConflict(id) {
    await this.#c.loaded;
    if (this.#c.state.clearConflict(id)) this.#c.notify([id], 'local');
  }

  /**
   * Calls listener({collection, ids, source}) after every change of the local view; source is
   * 'load', 'local' (a write here), 'remote' (from the server), 'own' (the server's echo of a
   * write here) or 'ack'. Returns an idempotent unsubscribe function.
   */
  onChange(listener) {
    return this.#c.listeners.on('change', listener);
  }

  /**
   * An async iterator of the collection's records (or of one record, or null, with an id): the
   * current state first, then the latest state after each change. A slow consumer skips
   * intermediate states, never the latest. Breaking out of `for await` unsubscribes.
   */
  watch(id) {
    const self = this;
    return {
      [Symbol.asyncIterator]() {
        let dirty = true;
        let finished = false;
        let wake = null;
        const unsubscribe = self.onChange((ev) => {
          if (id !== undefined && !ev.ids.includes(id)) return;
          dirty = true;
          wake?.();
        });
        const end = () => {
          finished = true;
          unsubscribe();
          wake?.();
          return Promise.resolve({ done: true, value: undefined });
        };
        return {
          async next() {
            while (!dirty && !finished) await new Promise((resolve) => { wake = resolve; });
            wake = null;
            if (finished) return { done: true, value: undefined };
            dirty = false;
            const value = id === undefined ? await self.list() : await self.get(id);
            return { done: false, value };
          },
          return: end,
          [Symbol.asyncIterator]() {
            return this;
          },
        };
      },
    };
  }
}
