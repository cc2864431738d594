// LiveSync JavaScript client: the entry point. An ES module for browsers and Node.js 20, no bundler.
//
//   import { createClient } from './livesync.js';
//   const client = createClient({ serverUrl: 'http://127.0.0.1:8080' });
//   const todos = client.collection('todos');
//   const id = await todos.save({ title: 'Buy milk', done: false });
//   todos.onChange(async () => render(await todos.list()));

import { LiveSyncClient } from './client.js';

/**
 * Creates a client. It opens its local store and connects in the background; `client.ready`
 * resolves when the store is open. See livesync.d.ts for every option.
 */
export function createClient(options) {
  return new LiveSyncClient(options);
}

export { LiveSyncClient, DEFAULTS } from './client.js';
export { LiveSyncError } from './errors.js';
export { Hlc, compareTs, formatTs, parseTs, isValidTs } from './hlc.js';
export { shallowMerge, applyWrite } from './merge.js';
export { backoffDelay } from './backoff.js';
export { memoryStorage } from './storage-memory.js';
export { indexedDbStorage } from './storage-indexeddb.js';
