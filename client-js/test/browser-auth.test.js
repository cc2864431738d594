// The demo page in Debian's Chromium against a server with JWT authentication on: the page asks
// for a token, says why one was refused, connects with a good one, and takes a token from the
// address's fragment without leaving it there.

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import { launchBrowser, openDemo } from './browser.js';
import { startServer } from './server.js';
import { nodeClient, until } from './util.js';

const SECRET = 'client-js-demo-auth-secret-0123456789-abcdefghij';
const COLLECTION = 'demo-todos';

function jwt(claims, secret = SECRET) {
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const body = `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc(claims)}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

function tokenFor(sub, grants = { read: [COLLECTION], write: [COLLECTION] }, secret = SECRET) {
  return jwt({ sub, exp: Math.floor(Date.now() / 1000) + 600, sync: grants }, secret);
}

let server;
let browser;
const contexts = [];
const clients = [];

before(async () => {
  server = await startServer({ env: { SYNC_JWT_SECRET: SECRET } });
  browser = await launchBrowser();
});

after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all(contexts.map((c) => c.close()));
  await browser?.close();
  await server?.stop();
});

async function newContext() {
  const context = await browser.newContext();
  contexts.push(context);
  return context;
}

/** What the page, the server and a reader hold, for a failure message. */
async function diagnose(page, reader, consoleLines) {
  const pageState = await page.evaluate(async () => ({
    connection: window.livesync.client.connectionState,
    user: window.livesync.client.user,
    pending: window.livesync.client.pendingCount,
    records: (await window.livesync.todos.list()).map((r) => [r.data.title, r.state, r.conflict?.status ?? null]),
    log: [...document.querySelectorAll('#log li')].map((li) => li.textContent).reverse(),
  })).catch((e) => `page unreadable: ${e.message}`);
  const res = await fetch(`${server.url}/v1/collections/${COLLECTION}/records?limit=100`, { headers: { Authorization: `Bearer ${tokenFor('admin')}` } });
  const stored = await res.text();
  const readerState = { connection: reader.connectionState, records: (await reader.collection(COLLECTION).list()).map((r) => [r.data.title, r.state]) };
  return JSON.stringify({ page: pageState, server: { status: res.status, body: stored }, reader: readerState, console: consoleLines.slice(-30) }, null, 1);
}

const formShown = (page) => page.waitForFunction(() => !document.querySelector('#token-form').hidden, null, { timeout: 15_000 });

test('without a token the page asks for one, explains a refused one, and connects with a good one', { timeout: 120_000 }, async () => {
  const page = await (await newContext()).newPage();
  const problems = [];
  const consoleLines = [];
  page.on('pageerror', (err) => problems.push(err.message));
  page.on('console', (msg) => consoleLines.push(`${msg.type()}: ${msg.text()}`));
  await page.goto(server.url);
  await formShown(page);
  assert.notEqual(await page.evaluate(() => window.livesync.client.connectionState), 'connected');

  // signed with another secret: refused, and the page says so
  await page.fill('#token', tokenFor('alice', undefined, 'not-the-server-secret-0123456789-abcdef'));
  await page.click('#use-token');
  await page.waitForFunction(() => /refused this token/.test(document.querySelector('#token-status').textContent), null, { timeout: 15_000 });

  // a valid token without the collection in its grants: the page says what is missing
  await page.fill('#token', tokenFor('alice', { read: ['other'], write: ['other'] }));
  await page.click('#use-token');
  await page.waitForFunction(() => /may not read demo-todos/.test(document.querySelector('#token-status').textContent), null, { timeout: 15_000 });
  // its signature is good, so the client's next attempt connects with it (without grants for the
  // list): make that happen now rather than at the end of the backoff
  await page.evaluate(() => { window.livesync.client.goOffline(); window.livesync.client.goOnline(); });
  await page.waitForFunction(() => window.livesync.client.connectionState === 'connected', null, { timeout: 15_000 });

  // a good one: the form goes away and the socket opens again with it at once (the form hides
  // in the same task that starts the reconnect, so both seen together mean the new socket)
  await page.fill('#token', tokenFor('alice'));
  await page.click('#use-token');
  await page.waitForFunction(() => document.querySelector('#token-form').hidden
    && window.livesync.client.connectionState === 'connected', null, { timeout: 15_000 });
  assert.equal(await page.evaluate(() => window.livesync.client.user), 'alice');
  assert.equal(await page.isHidden('#token-form'), true);

  await page.fill('#new-title', 'written with a token');
  await page.click('#add');
  const reader = nodeClient(server.url, { token: tokenFor('reader') });
  clients.push(reader);
  const todos = reader.collection(COLLECTION);
  try {
    await until(async () => (await todos.list()).some((r) => r.data.title === 'written with a token' && r.state === 'synced'),
      { what: 'the page\'s write at another client', timeout: 20_000 });
  } catch (err) {
    throw new Error(`${err.message}\n${await diagnose(page, reader, consoleLines)}`);
  }
  assert.deepEqual(problems, []);
});

test('a token in the fragment is used, kept for the tab, and taken out of the address', { timeout: 120_000 }, async () => {
  const context = await newContext();
  const page = await openDemo(context, `${server.url}/#token=${tokenFor('bob')}`);
  assert.equal(await page.evaluate(() => window.livesync.client.user), 'bob');
  assert.doesNotMatch(page.url(), /token/);
  assert.equal(await page.isHidden('#token-form'), true);

  await page.reload();
  await page.waitForFunction(() => window.livesync?.client.connectionState === 'connected', null, { timeout: 20_000 });
  assert.equal(await page.evaluate(() => window.livesync.client.user), 'bob');
  assert.deepEqual(page.problems, []);
});
