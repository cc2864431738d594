// A minimal event emitter whose subscriptions return an idempotent unsubscribe function.

export class Emitter {
  #listeners = new Map();
  #onListenerError;

  constructor(onListenerError = (err) => queueMicrotask(() => { throw err; })) {
    this.#onListenerError = onListenerError;
  }

  on(event, listener) {
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    // Wrapped so the same function registered twice gets two independent subscriptions.
    const entry = { listener };
    set.add(entry);
    return () => { set.delete(entry); };
  }

  emit(event, payload) {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const { listener } of [...set]) {
      try {
        listener(payload);
      } catch (err) {
        this.#onListenerError(err, event);
      }
    }
  }

  clear() {
    this.#listeners.clear();
  }
}
