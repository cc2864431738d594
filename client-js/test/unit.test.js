// The client's local logic, without a server: HLC, merge rule, local view over pending writes,
// the seq/cursor rules, reset staging, backoff and the memory store.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CollectionState } from '../src/collection-state.js';
import { backoffDelay } from '../src/backoff.js';
import { Hlc, compareTs, formatTs, isValidTs, parseTs } from '../src/hlc.js';
import { applyWrite, shallowMerge } from '../src/merge.js';
import { memoryStorage } from '../src/storage-memory.js';
import { newNodeId, uuid } from '../src/ids.js';

describe('HLC', () => {
  test('formats as 13-digit millis, 4 hex counter, node', () => {
    assert.equal(formatTs(1732470000000, 10, 'deviceA'), '1732470000000-000a-deviceA');
    assert.equal(formatTs(5, 0, 'n'), '0000000000005-0000-n');
    assert.ok(isValidTs('1732470000000-000a-deviceA'));
    assert.ok(!isValidTs('1732470000000-000A-deviceA'), 'upper-case hex is not the format');
    assert.ok(!isValidTs('1732470000000-000a-bad node'));
    assert.deepEqual(parseTs('1732470000000-00ff-x'), { millis: 1732470000000, counter: 255, node: 'x' });
  });

  test('rejects node ids outside [A-Za-z0-9_-]{1,64}', () => {
    assert.throws(() => new Hlc('a b'), /not allowed/);
    assert.throws(() => new Hlc('x'.repeat(65)), /not allowed/);
    assert.ok(isValidTs(new Hlc(newNodeId()).now()));
  });

  test('is strictly increasing when the wall clock stands still or goes back', () => {
    let wall = 1000;
    const hlc = new Hlc('n1', () => wall);
    const a = hlc.now();
    const b = hlc.now();
    wall = 900;
    const c = hlc.now();
    wall = 2000;
    const d = hlc.now();
    assert.deepEqual([a, b, c, d], [
      '0000000001000-0000-n1', '0000000001000-0001-n1', '0000000001000-0002-n1', '0000000002000-0000-n1',
    ]);
  });

  test('counter overflow moves to the next millisecond', () => {
    const hlc = new Hlc('n', () => 7);
    hlc.observe('0000000000007-ffff-other');
    assert.equal(hlc.now(), '0000000000008-0000-n');
  });

  test('observing a later timestamp or welcome time moves the clock past it', () => {
    const hlc = new Hlc('n', () => 1000);
    hlc.observe('0000000005000-0003-server');
    assert.equal(hlc.now(), '0000000005000-0004-n');
    hlc.observe('garbage');
    hlc.observeMillis(9000);
    assert.equal(hlc.now(), '0000000009000-0001-n');
  });

  test('string order is HLC order; null sorts first', () => {
    const ts = ['0000000000002-0000-a', '0000000000001-0001-a', '0000000000001-0000-b', '0000000000001-0000-a'];
    assert.deepEqual([...ts].sort(compareTs), [ts[3], ts[2], ts[1], ts[0]]);
    assert.equal(compareTs(null, ts[0]), -1);
    assert.equal(compareTs(ts[0], undefined), 1);
    assert.equal(compareTs(null, null), 0);
  });
});

describe('merge rule', () => {
  test('update replaces top-level fields and null removes them', () => {
    const base = { a: 1, b: { x: 1 }, c: 3 };
    assert.deepEqual(shallowMerge(base, { b: { y: 2 }, c: null, d: 4 }), { a: 1, b: { y: 2 }, d: 4 });
    assert.deepEqual(base, { a: 1, b: { x: 1 }, c: 3 }, 'the base is not modified');
  });

  test('insert replaces the document, update of a tombstone resurrects with only its fields', () => {
    const live = { data: { a: 1, b: 2 }, deleted: false };
    assert.deepEqual(applyWrite(live, 'insert', { c: 3, d: null }), { data: { c: 3 }, deleted: false });
    assert.deepEqual(applyWrite(live, 'update', { b: 5 }), { data: { a: 1, b: 5 }, deleted: false });
    assert.deepEqual(applyWrite(live, 'delete'), { data: {}, deleted: true });
    assert.deepEqual(applyWrite({ data: {}, deleted: true }, 'update', { z: 1 }), { data: { z: 1 }, deleted: false });
    assert.deepEqual(applyWrite(null, 'update', { z: 1 }), { data: { z: 1 }, deleted: false });
  });
});

describe('backoff with full jitter', () => {
  test('the ceiling doubles per attempt up to the maximum', () => {
    const top = () => 0.999999;
    assert.deepEqual([0, 1, 2, 3, 4, 5, 10].map((a) => backoffDelay(a, 1000, 30000, top)),
      [999, 1999, 3999, 7999, 15999, 29999, 29999]);
  });

  test('delays are spread uniformly between 0 and the ceiling', () => {
    assert.equal(backoffDelay(3, 1000, 30000, () => 0), 0);
    const samples = Array.from({ length: 2000 }, () => backoffDelay(2, 1000, 30000));
    assert.ok(samples.every((d) => d >= 0 && d < 4000));
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    assert.ok(mean > 1700 && mean < 2300, `mean ${mean} should be near 2000`);
  });

  test('huge attempt numbers do not overflow', () => {
    assert.equal(backoffDelay(5000, 1000, 30000, () => 0.5), 15000);
  });
});

function change(over) {
  return { collection: 'c', op: 'insert', data: {}, version: 1, ts: '0000000000001-0000-s', ...over };
}

function synced(st, seq = 0, epoch = 'e1') {
  st.beginCatchUp();
  return st.applySynced(seq, epoch);
}

function entry(id, op, data, n) {
  return { opId: `op-${n}`, collection: 'c', id, op, data, ts: formatTs(1000 + n, 0, 'me') };
}

describe('local view: server state with pending writes replayed on top', () => {
  test('pending writes show at once, in order, with state pending', () => {
    const st = new CollectionState('c');
    synced(st);
    st.addPending(entry('a', 'insert', { title: 'x', done: false }, 1));
    st.addPending(entry('a', 'update', { done: true }, 2));
    st.addPending(entry('b', 'insert', { title: 'y' }, 3));
    st.addPending(entry('b', 'delete', undefined, 4));
    assert.deepEqual(st.list().map((r) => [r.id, r.data, r.state, r.version]), [['a', { title: 'x', done: true }, 'pending', 0]]);
    assert.equal(st.view('b'), null);
  });

  test('a pending update is merged over the latest server state', () => {
    const st = new CollectionState('c');
    synced(st);
    st.applyLive(change({ id: 'a', seq: 1, data: { title: 't', n: 1 } }));
    st.addPending(entry('a', 'update', { n: 2 }, 1));
    st.applyLive(change({ id: 'a', op: 'update', seq: 2, version: 2, data: { title: 'remote' } }));
    assert.deepEqual(st.view('a').data, { title: 'remote', n: 2 });
  });

  test('an acked write stays visible until its change arrives, then is synced', () => {
    const st = new CollectionState('c');
    synced(st, 4);
    const e = entry('a', 'insert', { v: 1 }, 1);
    st.addPending(e);
    st.markAcked(e, 5, 1);
    assert.deepEqual(st.view('a'), { id: 'a', data: { v: 1 }, version: 1, ts: e.ts, state: 'synced', conflict: null });
    const r = st.applyLive(change({ id: 'a', seq: 5, data: { v: 1 }, opId: 'someone-else' }));
    assert.equal(r.kind, 'applied');
    assert.equal(st.pending.size, 0, 'pruned once the cursor passed the acked seq');
    assert.equal(st.view('a').version, 1);
  });

  test('the echo of an own write removes it from the pending list', () => {
    const st = new CollectionState('c');
    synced(st);
    const e = entry('a', 'insert', { v: 1 }, 1);
    st.addPending(e);
    const r = st.applyLive(change({ id: 'a', seq: 1, data: { v: 1 }, opId: e.opId }));
    assert.equal(r.entry, e);
    assert.equal(st.view('a').state, 'synced');
  });

  test('a conflict shows until the record is written again', () => {
    const st = new CollectionState('c');
    synced(st);
    st.applyLive(change({ id: 'a', seq: 1, data: { v: 1 } }));
    st.setConflict('a', { status: 'superseded' });
    assert.equal(st.view('a').state, 'conflict');
    st.addPending(entry('a', 'update', { v: 2 }, 1));
    assert.equal(st.view('a').state, 'pending');
    assert.equal(st.view('a').conflict, null);
  });

  test('views are frozen so callers cannot corrupt the local copy', () => {
    const st = new CollectionState('c');
    synced(st);
    st.applyLive(change({ id: 'a', seq: 1, data: { nested: { v: 1 } } }));
    const v = st.view('a');
    assert.throws(() => { v.data.nested.v = 2; }, TypeError);
  });
});

describe('cursor and sequence rules', () => {
  test('live changes advance the cursor one by one; older ones are ignored', () => {
    const st = new CollectionState('c');
    synced(st, 10);
    assert.equal(st.applyLive(change({ id: 'a', seq: 11 })).kind, 'applied');
    assert.deepEqual(st.cursor, { epoch: 'e1', seq: 11 });
    assert.equal(st.applyLive(change({ id: 'a', seq: 11 })).kind, 'ignored');
    assert.equal(st.applyLive(change({ id: 'a', seq: 3 })).kind, 'ignored');
  });

  test('a seq gap is reported so the client re-subscribes, and changes nothing', () => {
    const st = new CollectionState('c');
    synced(st, 10);
    assert.equal(st.applyLive(change({ id: 'a', seq: 13 })).kind, 'gap');
    assert.deepEqual(st.cursor, { epoch: 'e1', seq: 10 });
    assert.equal(st.records.size, 0);
  });

  test('live changes during catch-up are buffered and handed back at synced', () => {
    const st = new CollectionState('c');
    st.beginCatchUp();
    assert.equal(st.applyLive(change({ id: 'a', seq: 6 })).kind, 'buffered');
    st.applyItems([change({ id: 'b', seq: 5 })]);
    const r = st.applySynced(5, 'e1');
    assert.equal(r.buffered.length, 1);
    assert.equal(st.applyLive(r.buffered[0]).kind, 'applied');
    assert.deepEqual(st.cursor, { epoch: 'e1', seq: 6 });
  });

  test('catch-up items carry full state and never go back in version', () => {
    const st = new CollectionState('c');
    st.beginCatchUp();
    st.applyItems([change({ id: 'a', seq: 3, version: 3, data: { v: 3 } })]);
    const r = st.applyItems([change({ id: 'a', seq: 2, version: 2, data: { v: 2 } }), change({ id: 'b', op: 'delete', seq: 4, version: 2, data: undefined })]);
    assert.deepEqual(r.ids, ['b']);
    assert.deepEqual(st.records.get('a').data, { v: 3 });
    assert.equal(st.records.get('b').deleted, true);
    assert.equal(st.view('b'), null);
  });

  test('a reset swaps in the new copy at synced, atomically, keeping un-acked writes', () => {
    const st = new CollectionState('c');
    synced(st, 0, 'old');
    st.applyLive(change({ id: 'stale', seq: 1 }));
    const acked = entry('x', 'insert', { v: 1 }, 1);
    const mine = entry('y', 'insert', { v: 2 }, 2);
    st.addPending(acked);
    st.addPending(mine);
    st.markAcked(acked, 9, 1);
    st.beginCatchUp();
    st.beginReset();
    st.applyItems([change({ id: 'fresh', seq: 1 })]);
    assert.ok(st.view('stale'), 'old copy still shown while the new one loads');
    const r = st.applySynced(1, 'new');
    assert.equal(r.reset, true);
    assert.deepEqual(r.persist.map((x) => x.id), ['fresh']);
    assert.deepEqual(st.list().map((x) => x.id), ['fresh', 'y']);
    assert.deepEqual(st.cursor, { epoch: 'new', seq: 1 });
  });

  test('an ack record newer than the local copy replaces it; an older one does not', () => {
    const st = new CollectionState('c');
    synced(st);
    st.applyLive(change({ id: 'a', seq: 1, data: { v: 1 } }));
    assert.equal(st.applyAckRecord({ id: 'a', version: 1, seq: 1, data: { v: 0 }, deleted: false }), null);
    const rec = st.applyAckRecord({ id: 'a', version: 3, seq: 7, data: { v: 3 }, deleted: false, ts: 't' });
    assert.deepEqual(rec.data, { v: 3 });
    assert.equal(st.applyAckRecord(null), null);
  });
});

describe('memory storage', () => {
  test('keeps records, cursors, outbox and node id across clients; commits are version-guarded', async () => {
    const s = memoryStorage();
    assert.deepEqual(await s.open(), { nodeId: null, outbox: [] });
    await s.setMeta('nodeId', 'n1');
    await s.putOutbox({ opId: 'o1', collection: 'c', id: 'a', op: 'insert', data: {}, ts: 't' });
    await s.commit('c', { records: [{ id: 'a', version: 2, seq: 2, data: { v: 2 } }], cursor: { epoch: 'e', seq: 2 } });
    await s.commit('c', { records: [{ id: 'a', version: 1, seq: 1, data: { v: 1 } }], cursor: { epoch: 'e', seq: 1 } });
    assert.deepEqual(await s.loadCollection('c'), { records: [{ id: 'a', version: 2, seq: 2, data: { v: 2 } }], cursor: { epoch: 'e', seq: 2 } });
    assert.equal((await s.open()).nodeId, 'n1');
    assert.equal((await s.open()).outbox.length, 1);
    await s.deleteOutbox('o1');
    await s.commit('c', { reset: true, records: [{ id: 'b', version: 1, seq: 1, data: {} }], cursor: { epoch: 'f', seq: 1 } });
    assert.deepEqual(await s.loadCollection('c'), { records: [{ id: 'b', version: 1, seq: 1, data: {} }], cursor: { epoch: 'f', seq: 1 } });
    assert.deepEqual((await s.open()).outbox, []);
  });
});

describe('ids', () => {
  test('UUIDs are v4 and node ids fit the HLC node format', () => {
    assert.match(uuid(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.match(newNodeId(), /^js-[0-9a-f]{16}$/);
  });
});
