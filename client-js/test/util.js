// Bounded waiting for tests: every wait has a deadline and says what it was waiting for.

import WebSocket from 'ws';
import { createClient } from '../src/livesync.js';

/** Resolves with fn()'s first truthy result, checking every `every` ms until the deadline. */
export async function until(fn, { timeout = 15_000, every = 20, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    let timer;
    try {
      // A check that itself hangs (a busy page, a stuck request) must not outlast the deadline.
      const expired = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('the check itself did not return')), Math.max(deadline - Date.now(), 1));
      });
      last = await Promise.race([fn(), expired]);
      if (last) return last;
    } catch (err) {
      last = err;
    } finally {
      clearTimeout(timer);
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what}; last: ${last instanceof Error ? last.stack : JSON.stringify(last)}`);
    }
    await new Promise((r) => setTimeout(r, every));
  }
}

/** Resolves with the next `event` payload matching `pred`. */
export function nextEvent(client, event, pred = () => true, timeout = 15_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { off(); reject(new Error(`no '${event}' event within ${timeout} ms`)); }, timeout);
    const off = client.on(event, (e) => {
      if (!pred(e)) return;
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}

/** A Node client with the `ws` WebSocket and fast retries. */
export function nodeClient(serverUrl, options = {}) {
  return createClient({ serverUrl, WebSocket, storage: 'memory', reconnectDelay: 100, maxReconnectDelay: 1000, pollInterval: 200, ...options });
}

/** A view reduced to what must converge: id → data, with keys sorted so equal states print equal. */
export function contents(records) {
  return sortKeys(Object.fromEntries(records.map((r) => [r.id, r.data])));
}

export function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys(value[k])]));
  }
  return value;
}
