// Quick start for Node.js 20: node examples/quickstart.js http://127.0.0.1:8080
// (the README shows this file; test/examples.test.js runs it against a real server).

import WebSocket from 'ws';
import { createClient } from '../src/livesync.js';

const client = createClient({
  serverUrl: process.argv[2] ?? 'http://127.0.0.1:8080',
  WebSocket, // Node.js 20 has no global WebSocket; browsers need no option
  storage: 'memory', // browsers default to IndexedDB
});
client.on('connection', ({ state }) => console.log('connection:', state));
client.on('conflict', ({ id, status }) => console.log('conflict:', id, status));

const todos = client.collection('todos');
todos.onChange(({ ids, source }) => console.log('changed:', ids.join(', '), `(${source})`));

// A write lands locally at once, then reaches the server and every other subscriber.
const id = await todos.save({ title: 'Buy milk', done: false });
await todos.update(id, { done: true });
console.log('local view:', await todos.get(id));

// Wait until the server has acknowledged every write, then show what it confirmed.
for await (const record of todos.watch(id)) {
  if (record?.state === 'synced' && client.pendingCount === 0) {
    console.log('synced:', JSON.stringify(record.data), 'version', record.version);
    break;
  }
}
await client.close();
