// The client against a server with JWT authentication on (HS256): tokens on the socket and over
// HTTP, grants from the `sync` claim, refresh before expiry, and what a refused token looks like.

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startServer } from './server.js';
import { nextEvent, nodeClient, until } from './util.js';

const SECRET = 'client-js-test-secret-0123456789-abcdefghij';

// Each test has its own limit; every wait inside it has a shorter one that names what it waited for.
const EACH = { timeout: 120_000 };

let server;
const clients = [];

function jwt(claims, secret = SECRET) {
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const body = `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc(claims)}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

function tokenFor(sub, ttlSeconds = 600) {
  return jwt({
    sub,
    exp: Math.floor(Date.now() / 1000) + ttlSeconds,
    sync: { read: ['shared:*', 'user:{sub}:*'], write: ['user:{sub}:*'] },
  });
}

function client(options) {
  const c = nodeClient(server.url, options);
  clients.push(c);
  return c;
}

before(async () => {
  server = await startServer({ env: { SYNC_JWT_SECRET: SECRET, SYNC_JWT_LEEWAY_SECONDS: '0' } });
});

after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server?.stop();
});

describe('authentication', () => {
  test('a token from tokenProvider opens the socket as its subject; grants are enforced', EACH, async () => {
    let calls = 0;
    const a = client({ tokenProvider: async () => { calls++; return tokenFor('alice'); } });
    await until(() => a.connectionState === 'connected', { what: 'connected' });
    assert.equal(a.user, 'alice');
    assert.equal(calls, 1);

    const mine = a.collection('user:alice:todos');
    await mine.save('t1', { title: 'mine' });
    await until(async () => (await mine.get('t1')).state === 'synced', { what: 'ack' });

    const refused = nextEvent(a, 'error', (e) => e.opId);
    await a.collection('user:bob:todos').save('t2', { title: 'not mine' });
    const e = await refused;
    assert.equal(e.code, 'forbidden');
    assert.equal(await a.collection('user:bob:todos').get('t2'), null, 'the refused write is dropped');

    const noRead = nextEvent(a, 'error', (x) => x.collection === 'private:stuff' && !x.opId);
    a.collection('private:stuff');
    assert.equal((await noRead).code, 'forbidden');
  });

  test('HTTP polling sends the token too', EACH, async () => {
    const a = client({ realtime: false, token: tokenFor('carol') });
    const todos = a.collection('user:carol:notes');
    await todos.save('n1', { text: 'over HTTP' });
    await until(async () => (await todos.get('n1'))?.state === 'synced' && (await todos.get('n1')).version === 1, { what: 'push and pull with a token' });
  });

  test('a token about to expire is refreshed on the live socket', EACH, async () => {
    const issued = [];
    const a = client({ tokenProvider: () => { const t = tokenFor('dave', 7); issued.push(t); return t; } });
    const closes = [];
    a.on('connection', (e) => { if (e.previous === 'connected') closes.push(e); });
    await until(() => a.connectionState === 'connected', { what: 'connected' });
    // The first token expires 7 s after issue; the client swaps it after 5 s (its minimum delay).
    await until(() => issued.length >= 2, { what: 'a refresh', timeout: 10_000 });
    await new Promise((r) => setTimeout(r, 3_000)); // past the first token's exp, zero leeway
    assert.equal(a.connectionState, 'connected');
    assert.deepEqual(closes, [], 'never disconnected');
    const todos = a.collection('user:dave:x');
    await todos.save('d1', { ok: true });
    await until(async () => (await todos.get('d1')).state === 'synced', { what: 'a write after the refresh' });
  });

  test('after a failed handshake the provider is asked again, not the same token resent', EACH, async () => {
    // the first token is signed with another secret (the handshake is refused with 401, which
    // a WebSocket cannot see); the provider's next one is good
    const tokens = [jwt({ sub: 'alice', exp: Math.floor(Date.now() / 1000) + 600 }, 'another-secret-that-is-long-enough-000000'), tokenFor('alice')];
    let calls = 0;
    const a = client({ tokenProvider: async () => tokens[Math.min(calls++, 1)], reconnectDelay: 200 });
    await until(() => a.connectionState === 'connected', { what: 'connected with the second token', timeout: 10_000 });
    assert.equal(a.user, 'alice');
    assert.equal(calls, 2, 'one call per attempt: the refused one and the good one');
  });

  test('refreshToken() reconnects with the new token, so new grants apply at once', EACH, async () => {
    const readOnly = jwt({ sub: 'alice', exp: Math.floor(Date.now() / 1000) + 600, sync: { read: ['user:{sub}:*'], write: [] } });
    let current = readOnly;
    let calls = 0;
    const a = client({ tokenProvider: async () => { calls++; return current; } });
    await until(() => a.connectionState === 'connected', { what: 'connected with the read-only token' });
    const notes = a.collection('user:alice:notes');
    const refused = nextEvent(a, 'error', (e) => e.opId);
    await notes.save('n1', { text: 'not yet' });
    assert.equal((await refused).code, 'forbidden');

    current = tokenFor('alice');
    const reconnected = nextEvent(a, 'connection', (e) => e.state === 'connected');
    a.refreshToken();
    await reconnected;
    assert.equal(calls, 2, 'the provider was asked again');
    await notes.save('n2', { text: 'now allowed' });
    await until(async () => (await notes.get('n2'))?.state === 'synced', { what: 'the write under the new grants acked' });
  });

  test('a bad token is reported as unauthorized instead of failing silently', EACH, async () => {
    const a = client({ token: jwt({ sub: 'eve', exp: Math.floor(Date.now() / 1000) + 600 }, 'another-secret-that-is-long-enough-000000'), maxReconnectAttempts: 1 });
    const refused = nextEvent(a, 'error', (x) => x.code === 'unauthorized');
    a.collection('user:eve:todos'); // gives the HTTP fallback something to pull
    const e = await refused;
    assert.match(e.message, /401|token|unauthori/i);
    assert.equal(a.connectionState, 'polling');
  });
});
