// End-to-end: the demo page in Debian's Chromium (playwright-core) against the real server.
// Every browser context is a separate device with its own IndexedDB.

import assert from 'node:assert/strict';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { after, before, beforeEach, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { launchBrowser, openDemo } from './browser.js';
import { serverApi, startServer } from './server.js';
import { contents, nodeClient, sortKeys, until } from './util.js';

const COLLECTION = 'demo-todos';
const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url));
const SOURCES = [
  ['/lib/', new URL('../src/', import.meta.url)],
  ['/', new URL('../../sync-gateway/src/main/resources/webroot/', import.meta.url)],
];

/** The service worker must precache every module of the client, or an offline reload breaks. */
async function assertServiceWorkerCachesEveryModule() {
  const sw = await readFile(new URL('sw.js', SOURCES[1][1]), 'utf8');
  const cached = [...sw.matchAll(/'lib\/([\w.-]+\.js)'/g)].map((m) => m[1]).sort();
  const modules = (await readdir(SOURCES[0][1])).filter((f) => f.endsWith('.js')).sort();
  assert.deepEqual(cached, modules, 'sw.js SHELL lists every file of client-js/src');
}

/** The jar packs copies of the page and the client: fail clearly when they are not these files. */
async function assertServedFilesAreCurrent(url) {
  for (const [prefix, dir] of SOURCES) {
    for (const file of (await readdir(dir)).filter((f) => /\.(js|html|css)$/.test(f))) {
      const [served, local] = await Promise.all([
        fetch(url + prefix + file).then((r) => r.text()),
        readFile(new URL(file, dir), 'utf8'),
      ]);
      if (served !== local) {
        throw new Error(`the server jar serves an old copy of ${prefix}${file}: rebuild it (mvn -B package -DskipTests -pl sync-server -am)`);
      }
    }
  }
}

let server;
let api;
let browser;
const contexts = [];
const nodeClients = [];

before(async () => {
  server = await startServer();
  api = serverApi(server.url);
  await assertServiceWorkerCachesEveryModule();
  await assertServedFilesAreCurrent(server.url);
  browser = await launchBrowser();
});

after(async () => {
  await Promise.all(nodeClients.map((c) => c.close()));
  await browser?.close();
  await server?.stop();
});

// Each test starts from an empty shared list.
beforeEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close()));
  await Promise.all((await api.records(COLLECTION)).map((r) => api.delete(COLLECTION, r.id)));
});

async function device() {
  const context = await browser.newContext({ viewport: { width: 1100, height: 640 } });
  context.setDefaultTimeout(20_000);
  contexts.push(context);
  return context;
}

/** The list as the page shows it: [{id, title, done, state}] in display order. */
function shown(page) {
  return page.$$eval('#todo-list li', (lis) => lis.map((li) => ({
    id: li.dataset.id,
    title: li.querySelector('.title')?.textContent ?? li.querySelector('.edit')?.value,
    done: li.querySelector('.toggle').checked,
    state: li.querySelector('.state').textContent,
  })));
}

/** Waits until the page's list satisfies pred (bounded), returns it. */
async function waitShown(page, pred, what, timeout = 15_000) {
  return until(async () => {
    const items = await shown(page);
    return pred(items) ? items : false;
  }, { timeout, what: `${what} (page ${page.url()})` });
}

async function addItem(page, title) {
  await page.fill('#new-title', title);
  await page.press('#new-title', 'Enter');
}

const row = (page, title) => page.locator('#todo-list li', { has: page.locator('.title', { hasText: title }) });

async function rename(page, from, to) {
  await row(page, from).locator('.title').dblclick();
  const input = page.locator('#todo-list .edit');
  await input.fill(to);
  await input.press('Enter');
}

function titles(items) {
  return items.map((i) => `${i.title}${i.done ? ' ✓' : ''}`).sort();
}

const allSynced = (n) => (items) => items.length === n && items.every((i) => i.state === 'synced');

// Each test has its own limit; every wait inside it has a shorter one that names what it waited for.
const EACH = { timeout: 120_000 };

describe('the demo page in Chromium', () => {
  test('an item added in one page appears in the other', EACH, async (t) => {
    const a = await openDemo(await device(), server.url);
    const b = await openDemo(await device(), server.url);
    const started = Date.now();
    await addItem(a, 'Buy milk');
    const [item] = await waitShown(b, (items) => items.length === 1, 'the item to reach page B');
    const latency = Date.now() - started;
    assert.equal(item.title, 'Buy milk');
    assert.equal(item.state, 'synced');
    await waitShown(a, allSynced(1), 'page A to show it synced');
    const rec = await api.record(COLLECTION, item.id);
    assert.equal(rec.version, 1);
    assert.deepEqual(Object.keys(rec.data).sort(), ['createdAt', 'done', 'title']);
    await b.locator('#todo-list .toggle').check();
    await waitShown(a, (items) => items[0]?.done === true && items[0].state === 'synced', 'the toggle to reach page A');
    assert.deepEqual([...a.problems, ...b.problems], []);
    t.diagnostic(`A→B latency including typing: ${latency} ms`);
  });

  test('offline in page A: three edits, a reload, back online; page B converges; each edit reaches the server once', EACH, async () => {
    const ctxA = await device();
    const a = await openDemo(ctxA, server.url);
    const b = await openDemo(await device(), server.url);
    for (const t of ['one', 'two', 'three']) await addItem(a, t);
    await waitShown(b, allSynced(3), 'page B to have the three items');
    // Page B can see the items synced before page A has read its acks; an insert still unacked
    // when A goes offline would stay in A's outbox (and be re-sent, deduplicated, on return).
    await waitShown(a, allSynced(3), 'page A to have its three inserts acked');
    await a.waitForFunction(() => window.livesync.client.pendingCount === 0, null, { timeout: 20_000 });
    const ids = Object.fromEntries((await shown(b)).map((i) => [i.title, i.id]));
    // The page keeps working without network once its service worker has cached it.
    await a.waitForFunction(() => navigator.serviceWorker.ready.then(() => true));

    await ctxA.setOffline(true);
    await a.waitForFunction(() => window.livesync.client.connectionState === 'offline');
    await row(a, 'one').locator('.toggle').check();
    await rename(a, 'two', 'two (edited offline)');
    await row(a, 'three').locator('.toggle').check();
    await waitShown(a, (items) => items.filter((i) => i.state === 'pending').length === 3, 'three pending edits in page A');

    await a.reload();
    await a.waitForFunction(() => window.livesync?.client.connectionState === 'offline');
    const afterReload = await waitShown(a, (items) => items.length === 3, 'the list to load from IndexedDB after the reload');
    assert.deepEqual(titles(afterReload), ['one ✓', 'three ✓', 'two (edited offline)']);
    assert.ok(afterReload.every((i) => i.state === 'pending'), JSON.stringify(afterReload));
    assert.equal(await a.evaluate(() => window.livesync.client.pendingCount), 3);
    // Nothing left the device: page B and the server still have the old state.
    assert.deepEqual(titles(await shown(b)), ['one', 'three', 'two']);
    for (const id of Object.values(ids)) assert.equal((await api.record(COLLECTION, id)).version, 1);

    await ctxA.setOffline(false);
    await a.waitForFunction(() => window.livesync.client.connectionState === 'connected', null, { timeout: 20_000 });
    const converged = await waitShown(b, (items) => titles(items).join() === 'one ✓,three ✓,two (edited offline)', 'page B to converge');
    assert.ok(converged.every((i) => i.state === 'synced'));
    await waitShown(a, allSynced(3), 'page A to show all synced');
    for (const id of Object.values(ids)) {
      assert.equal((await api.record(COLLECTION, id)).version, 2, `record ${id} changed exactly once`);
    }
    assert.deepEqual([...a.problems, ...b.problems].filter((p) => !/ERR_INTERNET_DISCONNECTED/.test(p)), []);
  });

  test('a page and a Node client edit the same collection concurrently and converge', EACH, async () => {
    const page = await openDemo(await device(), server.url);
    const node = nodeClient(server.url);
    nodeClients.push(node);
    const todos = node.collection(COLLECTION);
    await todos.ready;
    for (const t of ['alpha', 'beta', 'gamma']) await addItem(page, t);
    await until(async () => (await todos.list()).length === 3, { what: 'the Node client to see the page\'s items' });
    const ids = (await todos.list()).map((r) => r.id);

    // Both sides write to the same records at the same time: the page through its client API in
    // a tight loop plus real clicks, the Node client in parallel.
    const pageWrites = page.evaluate(async (ids) => {
      const { todos } = window.livesync;
      for (let i = 1; i <= 30; i++) {
        await Promise.all(ids.map((id) => todos.update(id, { title: `page ${i}`, page: i })));
      }
    }, ids);
    const nodeWrites = (async () => {
      for (let i = 1; i <= 30; i++) {
        await Promise.all(ids.map((id) => todos.update(id, { title: `node ${i}`, node: i })));
        if (i === 15) await todos.save('from-node', { title: 'added by node', done: false, createdAt: Date.now() });
      }
    })();
    await page.locator(`#todo-list li[data-id="${ids[0]}"] .toggle`).check(); // a real click meanwhile
    await Promise.all([pageWrites, nodeWrites]);
    await page.locator('#todo-list .toggle').first().check();

    const want = await until(async () => {
      if (node.pendingCount > 0) return false;
      if (await page.evaluate(() => window.livesync.client.pendingCount) > 0) return false;
      const server = JSON.stringify(contents(await api.records(COLLECTION)));
      const fromNode = JSON.stringify(contents(await todos.list()));
      const fromPage = JSON.stringify(sortKeys(await page.evaluate(async () =>
        Object.fromEntries((await window.livesync.todos.list()).map((r) => [r.id, r.data])))));
      return server === fromNode && server === fromPage ? JSON.parse(server) : false;
    }, { what: 'page, Node client and server to agree', timeout: 30_000 });
    assert.equal(Object.keys(want).length, 4);
    for (const id of ids) {
      // field-lww: each side's own field keeps its last value; the shared title goes to the later write.
      assert.equal(want[id].page, 30);
      assert.equal(want[id].node, 30);
      assert.match(want[id].title, /^(page|node) 30$/);
    }
    const list = await waitShown(page, allSynced(4), 'the page to show four synced items');
    assert.deepEqual(list.map((i) => i.title).sort(), Object.values(want).map((d) => d.title).sort());
    assert.deepEqual(page.problems, []);
  });

  test('two tabs of one browser share IndexedDB and still see each other\'s edits', EACH, async () => {
    const ctx = await device();
    const a = await openDemo(ctx, server.url);
    const b = await openDemo(ctx, server.url);
    assert.equal(await a.evaluate(() => window.livesync.client.nodeId), await b.evaluate(() => window.livesync.client.nodeId));
    await addItem(a, 'from tab A');
    await addItem(b, 'from tab B');
    await waitShown(a, allSynced(2), 'tab A to show both');
    await waitShown(b, allSynced(2), 'tab B to show both');
    await a.reload();
    await a.waitForFunction(() => window.livesync?.client.connectionState === 'connected');
    await waitShown(a, allSynced(2), 'tab A after reload');
    assert.deepEqual([...a.problems, ...b.problems], []);
  });

  test('the offline switch queues an edit and flushes it on return (screenshot)', EACH, async () => {
    const a = await openDemo(await device(), server.url);
    const b = await openDemo(await device(), server.url);
    await addItem(a, 'Buy milk');
    await addItem(a, 'Write the sync tests');
    await waitShown(a, allSynced(2), 'two synced items');
    await a.locator('#todo-list .toggle').last().check();
    await waitShown(a, (items) => items[1].done && items[1].state === 'synced', 'the toggle acked');

    await a.locator('#offline').check();
    await a.waitForFunction(() => window.livesync.client.connectionState === 'offline');
    await addItem(a, 'Ship the demo');
    const items = await waitShown(a, (its) => its.length === 3, 'the new item shown at once');
    assert.deepEqual(items.map((i) => i.state), ['synced', 'synced', 'pending']);
    assert.equal(await a.locator('#connection').textContent(), 'offline (switch)');
    await mkdir(ARTIFACTS, { recursive: true });
    await a.screenshot({ path: `${ARTIFACTS}demo.png` });
    assert.equal(await api.record(COLLECTION, items[2].id), null, 'the queued item has not left the page');
    assert.equal((await shown(b)).length, 2);

    await a.locator('#offline').uncheck();
    await waitShown(b, allSynced(3), 'page B to receive the queued item');
    await waitShown(a, allSynced(3), 'page A to show it synced');
    assert.equal((await api.record(COLLECTION, items[2].id)).version, 1);
    assert.deepEqual([...a.problems, ...b.problems], []);
  });
});
