// The Node.js client against a real server process: writes, live changes, convergence, offline
// outbox across restarts, exactly-once delivery, reconnects, HTTP polling, reset and conflicts.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { PULL_PAGE } from '../src/http.js';
import { memoryStorage } from '../src/livesync.js';
import { startProxy } from './proxy.js';
import { serverApi, startServer } from './server.js';
import { contents, nextEvent, nodeClient, until } from './util.js';

// Each test has its own limit; every wait inside it has a shorter one that names what it waited for.
const EACH = { timeout: 120_000 };

let server;
let api;
const clients = [];
let n = 0;

/** A fresh collection name per test, so tests do not see each other's records. */
const fresh = (what) => `js-${what}-${Date.now().toString(36)}-${++n}`;

function client(url, options) {
  const c = nodeClient(url ?? server.url, options);
  clients.push(c);
  return c;
}

async function converged(collection, ...cs) {
  return until(async () => {
    if (cs.some((c) => c.pendingCount > 0)) return false;
    const want = JSON.stringify(contents(await api.records(collection)));
    for (const c of cs) {
      const view = await c.collection(collection).list();
      if (view.some((r) => r.state !== 'synced' && r.state !== 'conflict')) return false;
      if (JSON.stringify(contents(view)) !== want) return false;
    }
    return want;
  }, { what: `clients to converge on ${collection}` });
}

before(async () => {
  server = await startServer();
  api = serverApi(server.url);
});

after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server?.stop();
});

describe('writes and live changes', () => {
  test('a save is visible at once as pending, then synced with the server version', EACH, async () => {
    const name = fresh('save');
    const a = client();
    const todos = a.collection(name);
    await nextEvent(a, 'synced', (e) => e.collection === name);
    const states = [];
    todos.onChange(async (e) => { if (e.ids.includes('t1')) states.push((await todos.get('t1'))?.state); });
    const saving = todos.save('t1', { title: 'Buy milk', done: false });
    const local = await todos.get('t1');
    assert.deepEqual(local.data, { title: 'Buy milk', done: false });
    assert.equal(local.state, 'pending');
    assert.equal(await saving, 't1');
    await until(async () => (await todos.get('t1')).state === 'synced', { what: 'ack' });
    assert.equal((await todos.get('t1')).version, 1);
    const rec = await api.record(name, 't1');
    assert.deepEqual(rec.data, { title: 'Buy milk', done: false });
    assert.equal(rec.version, 1);
    assert.match(rec.ts, new RegExp(`-${a.nodeId}$`), 'the write carries this device\'s HLC timestamp');
    assert.equal(states[0], 'pending');
    assert.equal(a.pendingCount, 0);
  });

  test('another client sees inserts, updates (null removes a field) and deletes live', EACH, async () => {
    const name = fresh('live');
    const a = client();
    const b = client();
    const ta = a.collection(name);
    const tb = b.collection(name);
    await Promise.all([nextEvent(a, 'synced', (e) => e.collection === name), nextEvent(b, 'synced', (e) => e.collection === name)]);
    const id = await ta.save({ title: 'x', note: 'n', done: false });
    assert.match(id, /^[0-9a-f-]{36}$/);
    await until(async () => (await tb.get(id))?.data.title === 'x', { what: 'insert at b' });
    await ta.update(id, { done: true, note: null });
    await until(async () => (await tb.get(id))?.data.done === true, { what: 'update at b' });
    assert.deepEqual((await tb.get(id)).data, { title: 'x', done: true });
    await ta.delete(id);
    await until(async () => (await tb.get(id)) === null, { what: 'delete at b' });
    assert.equal((await api.record(name, id)).deleted, true);
    assert.deepEqual(await tb.list(), []);
  });

  test('watch() yields the current list first, then each new state', EACH, async () => {
    const name = fresh('watch');
    const a = client();
    const b = client();
    const seen = [];
    const iter = b.collection(name).watch()[Symbol.asyncIterator]();
    seen.push((await iter.next()).value);
    await a.collection(name).save('w1', { v: 1 });
    for (;;) {
      const { value } = await iter.next();
      if (value.some((r) => r.id === 'w1' && r.state === 'synced')) break;
    }
    await iter.return();
    assert.deepEqual(seen[0], []);
    assert.deepEqual(await iter.next(), { done: true, value: undefined });
  });

  test('invalid writes are refused locally with a clear message', EACH, async () => {
    const c = client().collection(fresh('bad'));
    await assert.rejects(c.save('bad id!', {}), /record id 'bad id!' is not allowed/);
    await assert.rejects(c.save({ _secret: 1 }), /reserved/);
    await assert.rejects(c.update('x', [1]), /must be a JSON object/);
    assert.throws(() => client().collection('no spaces'), /collection name/);
  });
});

describe('convergence', () => {
  test('two clients editing the same records concurrently converge to the server state', EACH, async () => {
    const name = fresh('conv');
    const a = client();
    const b = client();
    const ta = a.collection(name);
    const tb = b.collection(name);
    await Promise.all([nextEvent(a, 'synced', (e) => e.collection === name), nextEvent(b, 'synced', (e) => e.collection === name)]);
    const ids = ['r1', 'r2', 'r3', 'r4'];
    await Promise.all(ids.map((id) => ta.save(id, { title: id, n: 0 })));
    const writes = [];
    for (let i = 1; i <= 25; i++) {
      for (const id of ids) {
        writes.push(ta.update(id, { n: i, a: i }));
        writes.push(tb.update(id, { n: -i, b: i }));
      }
      if (i % 5 === 0) writes.push(tb.delete(ids[i % 4]), ta.save(`new-${i}`, { i }));
    }
    await Promise.all(writes);
    const state = await converged(name, a, b);
    assert.ok(Object.keys(JSON.parse(state)).length >= 4);
  });
});

describe('offline and restarts', () => {
  test('writes made offline survive a restart and reach the server exactly once', EACH, async () => {
    const name = fresh('offline');
    const storage = memoryStorage();
    const a1 = client(undefined, { storage });
    const t1 = a1.collection(name);
    await Promise.all(['a', 'b', 'c'].map((id) => t1.save(id, { title: id, done: false })));
    await until(() => a1.pendingCount === 0, { what: 'initial acks' });
    a1.goOffline();
    assert.equal(a1.connectionState, 'offline');
    await t1.update('a', { done: true });
    await t1.update('b', { title: 'B!' });
    await t1.delete('c');
    assert.equal(a1.pendingCount, 3);
    const nodeId = a1.nodeId;
    await a1.close();
    assert.equal((await api.record(name, 'a')).version, 1, 'nothing left the device while offline');

    const a2 = client(undefined, { storage });
    const t2 = a2.collection(name);
    await t2.ready;
    assert.equal(a2.nodeId, nodeId, 'the node id is persisted');
    assert.deepEqual((await t2.list()).map((r) => [r.id, r.state]), [['a', 'pending'], ['b', 'pending']]);
    await until(() => a2.pendingCount === 0 && a2.connectionState === 'connected', { what: 'flush after restart' });
    const [ra, rb, rc] = await Promise.all(['a', 'b', 'c'].map((id) => api.record(name, id)));
    assert.deepEqual([ra.version, rb.version, rc.version], [2, 2, 2], 'each offline write applied once');
    assert.deepEqual(ra.data, { title: 'a', done: true });
    assert.equal(rc.deleted, true);
    await converged(name, a2);
  });

  test('a long offline queue is paced under the server\'s write rate: no rate_limited, no 4008', EACH, async () => {
    const name = fresh('burst');
    const a = client();
    const errors = [];
    const drops = [];
    a.on('error', (e) => errors.push(e.code));
    a.on('connection', (e) => { if (e.previous === 'connected') drops.push(e.state); });
    const todos = a.collection(name);
    await until(() => a.connectionState === 'connected', { what: 'connected' });
    a.goOffline();
    const writes = [];
    for (let i = 0; i < 2500; i++) writes.push(todos.save(`item-${i}`, { i }));
    await Promise.all(writes);
    assert.equal(a.pendingCount, 2500);
    drops.length = 0;
    a.goOnline();
    await until(() => a.pendingCount === 0, { what: 'the queue to drain', timeout: 40_000 });
    assert.deepEqual(errors, []);
    assert.deepEqual(drops, [], 'the socket stayed up');
    assert.equal((await api.records(name)).length, 2500);
  });

  test('writesPerSecond paces the socket: a 20/s client sends at most 20 writes in its first second', EACH, async () => {
    // Counts the writes each client puts on its socket, with the time it sent them.
    function countingSocket(sent) {
      return class extends WebSocket {
        send(data) {
          if (/^\{"type":"(insert|update|delete)"/.test(String(data))) sent.push(Date.now());
          return super.send(data);
        }
      };
    }
    const inFirstSecond = (sent) => sent.filter((t) => t < sent[0] + 1000).length;
    const run = async (options) => {
      const name = fresh('paced');
      const sent = [];
      const c = client(undefined, { ...options, WebSocket: countingSocket(sent) });
      const todos = c.collection(name);
      await until(() => c.connectionState === 'connected', { what: 'connected' });
      c.goOffline();
      for (let i = 0; i < 50; i++) await todos.save(`p${i}`, { i });
      c.goOnline();
      await until(() => c.pendingCount === 0, { what: 'the queue to drain', timeout: 30_000 });
      assert.equal((await api.records(name)).length, 50);
      return sent;
    };
    const paced = await run({ writesPerSecond: 20 });
    assert.ok(inFirstSecond(paced) <= 20, `${inFirstSecond(paced)} writes sent in the first second at 20/s`);
    const unpaced = await run({});
    assert.equal(inFirstSecond(unpaced), 50, 'at the default 500/s the queue goes out at once');
    assert.throws(() => client(undefined, { writesPerSecond: 0 }), /writesPerSecond must be an integer from 1 to 1000000, was 0/);
    assert.throws(() => client(undefined, { writesPerSecond: 2.5 }), RangeError);
  });

  test('a write re-sent after a crash between send and ack is applied once (same opId)', EACH, async () => {
    const name = fresh('opid');
    const storage = memoryStorage();
    const a1 = client(undefined, { storage });
    await a1.ready;
    // Capture the outbox entry as stored, as a crash before the ack was processed would leave it.
    let stored;
    const realPut = storage.putOutbox;
    storage.putOutbox = async (e) => { stored = structuredClone(e); return realPut(e); };
    await a1.collection(name).update('k', { count: 1 });
    await until(() => a1.pendingCount === 0, { what: 'ack' });
    await a1.close();
    assert.equal((await api.record(name, 'k')).version, 1);
    await realPut(stored);

    const a2 = client(undefined, { storage });
    const acks = [];
    a2.on('ack', (e) => acks.push(e));
    await until(() => acks.length === 1 && a2.pendingCount === 0, { what: 'the re-sent write\'s ack' });
    assert.equal(acks[0].opId, stored.opId);
    assert.equal(acks[0].version, 1, 'the original ack, not a new version');
    assert.equal((await api.record(name, 'k')).version, 1);
  });
});

describe('connection loss', () => {
  let proxy;
  before(async () => { proxy = await startProxy(server.port); });
  after(async () => { await proxy?.close(); });

  test('a dropped socket reconnects, re-sends pending writes and catches up from its cursor', EACH, async () => {
    const name = fresh('reconnect');
    proxy.setMode('open');
    const a = client(proxy.url);
    const b = client();
    const ta = a.collection(name);
    const tb = b.collection(name);
    await Promise.all([nextEvent(a, 'synced', (e) => e.collection === name), nextEvent(b, 'synced', (e) => e.collection === name)]);
    await ta.save('x', { v: 0 });
    await until(() => a.pendingCount === 0, { what: 'ack' });
    proxy.setMode('down');
    proxy.cut();
    await until(() => a.connectionState === 'reconnecting', { what: 'reconnecting' });
    await ta.update('x', { v: 1 });
    await tb.save('y', { from: 'b' });
    await tb.update('x', { other: true });
    proxy.setMode('open');
    await nextEvent(a, 'connection', (e) => e.state === 'connected');
    const view = JSON.parse(await converged(name, a, b));
    assert.deepEqual(view, { x: { v: 1, other: true }, y: { from: 'b' } });
    assert.equal((await api.record(name, 'x')).version, 3);
  });

  test('after maxReconnectAttempts the client polls over HTTP, then returns to the socket', EACH, async () => {
    const name = fresh('poll');
    proxy.setMode('no-websocket');
    const a = client(proxy.url, { maxReconnectAttempts: 2, reconnectDelay: 50, maxReconnectDelay: 300, pollInterval: 150 });
    const b = client();
    const states = [];
    a.on('connection', (e) => states.push(e.state));
    const ta = a.collection(name);
    const tb = b.collection(name);
    await until(() => a.connectionState === 'polling', { what: 'polling' });
    assert.deepEqual(states.slice(0, 3), ['connecting', 'reconnecting', 'polling']);
    await ta.save('p1', { via: 'push' });
    await tb.save('p2', { via: 'socket' });
    await until(async () => (await ta.get('p2'))?.state === 'synced', { what: 'pull to bring b\'s write' });
    await until(async () => (await tb.get('p1'))?.data.via === 'push', { what: 'push to reach b' });
    assert.equal(a.connectionState, 'polling');
    proxy.setMode('open');
    await until(() => a.connectionState === 'connected', { what: 'the socket probe to succeed', timeout: 20_000 });
    await tb.update('p1', { live: true });
    await until(async () => (await ta.get('p1'))?.data.live === true, { what: 'live change after fallback' });
    await converged(name, a, b);
  });

  test('realtime: false syncs by HTTP polling alone', EACH, async () => {
    const name = fresh('http');
    const a = client(undefined, { realtime: false, pollInterval: 100 });
    const b = client();
    const ta = a.collection(name);
    await until(() => a.connectionState === 'polling', { what: 'polling' });
    await ta.save('h1', { n: 1 });
    await b.collection(name).save('h2', { n: 2 });
    const view = JSON.parse(await converged(name, a, b));
    assert.deepEqual(Object.keys(view), ['h1', 'h2']);
  });
});

describe('server-driven resets and conflicts', () => {
  test('a cursor naming another epoch is reset: the stale copy is dropped and reloaded', EACH, async () => {
    const name = fresh('reset');
    await api.put(name, 'real', { ok: true });
    const storage = memoryStorage();
    await storage.open();
    await storage.commit(name, {
      records: [{ id: 'stale', data: { old: true }, version: 1, seq: 1, ts: null, deleted: false }],
      cursor: { epoch: 'some-other-history', seq: 1 },
    });
    const a = client(undefined, { storage });
    const resets = [];
    a.on('reset', (e) => resets.push(e.collection));
    const syncing = nextEvent(a, 'synced', (e) => e.collection === name);
    const todos = a.collection(name);
    const done = await syncing;
    assert.equal(done.reset, true);
    assert.deepEqual(resets, [name]);
    assert.deepEqual(contents(await todos.list()), { real: { ok: true } });
    const stored = await storage.loadCollection(name);
    assert.deepEqual(stored.records.map((r) => r.id), ['real']);
    assert.equal(stored.cursor.epoch, done.epoch);
  });

  test('a history replaced between two pull pages resets the copy on that page', EACH, async () => {
    const name = fresh('replaced');
    // the same collection with another history: what a cluster serves after Redis lost its data
    const other = await startServer();
    try {
      await serverApi(other.url).put(name, 'b1', { from: 'other' });
      for (let i = 0; i <= PULL_PAGE; i++) await api.put(name, `a${i}`, { i });
      let pulls = 0;
      // the first pull page comes from this server, everything after it from the other one
      const switching = (url, init) => {
        const u = String(url);
        if (u.includes('/v1/sync/pull')) pulls++;
        return fetch(pulls >= 2 && u.startsWith(server.url) ? other.url + u.slice(server.url.length) : u, init);
      };
      const a = client(undefined, { realtime: false, pollInterval: 100, fetch: switching });
      const resets = [];
      a.on('reset', (e) => resets.push(e.collection));
      const syncing = nextEvent(a, 'synced', (e) => e.collection === name);
      const todos = a.collection(name);
      const done = await syncing;
      assert.equal(pulls, 2, 'a full page from this server, then the other one\'s reset page');
      assert.deepEqual(resets, [name]);
      assert.equal(done.reset, true);
      assert.deepEqual(contents(await todos.list()), { b1: { from: 'other' } });
    } finally {
      await other.stop();
    }
  });

  test('an offline write older than a concurrent one is superseded and shown as a conflict', EACH, async () => {
    const name = fresh('conflict');
    const a = client();
    const b = client();
    const ta = a.collection(name);
    await ta.save('t', { title: 'original' });
    await until(() => a.pendingCount === 0, { what: 'ack' });
    a.goOffline();
    await ta.update('t', { title: 'from a (older)' });
    await new Promise((r) => setTimeout(r, 5)); // b's write gets a later HLC time
    await b.collection(name).update('t', { title: 'from b (newer)' });
    await until(() => b.pendingCount === 0, { what: 'b ack' });
    const conflict = nextEvent(a, 'conflict', (e) => e.id === 't');
    a.goOnline();
    const c = await conflict;
    assert.equal(c.status, 'superseded');
    assert.equal(c.record.data.title, 'from b (newer)');
    await until(async () => (await ta.get('t')).data.title === 'from b (newer)', { what: 'the winner shown' });
    const view = await ta.get('t');
    assert.equal(view.state, 'conflict');
    assert.equal(view.conflict.status, 'superseded');
    await ta.update('t', { done: true });
    await until(async () => (await ta.get('t')).state === 'synced', { what: 'a new write clears the conflict' });
  });

  test('a write the server refuses for good is dropped and reported', EACH, async () => {
    const name = fresh('refused');
    const a = client();
    let deep = { leaf: 1 };
    for (let i = 0; i < 40; i++) deep = { deep };
    const error = nextEvent(a, 'error', (e) => e.opId);
    await a.collection(name).save('too-deep', { deep });
    const e = await error;
    assert.equal(e.code, 'too_large');
    assert.equal(e.id, 'too-deep');
    await until(() => a.pendingCount === 0, { what: 'the write to leave the outbox' });
    assert.equal(await a.collection(name).get('too-deep'), null);
    assert.equal(await api.record(name, 'too-deep'), null);
  });
});

describe('server restart', () => {
  test('after a kill -9 and a restart on the same data, clients reconnect, resend and converge', EACH, async () => {
    const own = await startServer();
    // Clients reach the server through a proxy, so the restarted server may take any free port.
    const proxy = await startProxy(own.port);
    const name = fresh('restart');
    let again = null;
    try {
      const a = client(proxy.url);
      const b = client(proxy.url);
      const ta = a.collection(name);
      const tb = b.collection(name);
      await ta.save('before', { n: 1 });
      await until(async () => (await tb.get('before'))?.state === 'synced', { what: 'b to see the first write' });
      await own.kill();
      await until(() => a.connectionState !== 'connected' && b.connectionState !== 'connected', { what: 'both to notice' });
      await ta.update('before', { n: 2 });
      await tb.save('during', { by: 'b' });
      again = await startServer({ dataDir: own.dataDir });
      proxy.setTarget(again.port);
      const againApi = serverApi(again.url);
      await until(() => a.connectionState === 'connected' && b.connectionState === 'connected', { what: 'both to reconnect', timeout: 30_000 });
      await until(async () => {
        if (a.pendingCount || b.pendingCount) return false;
        const want = JSON.stringify(contents(await againApi.records(name)));
        return want === JSON.stringify(contents(await ta.list())) && want === JSON.stringify(contents(await tb.list()));
      }, { what: 'convergence after the restart' });
      assert.deepEqual(contents(await ta.list()), { before: { n: 2 }, during: { by: 'b' } });
      assert.equal((await againApi.record(name, 'before')).version, 2, 'the acknowledged write survived kill -9, the queued one applied once');
    } finally {
      await proxy.close();
      await again?.stop();
      await own.stop();
    }
  });
});
