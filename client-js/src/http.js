// The HTTP side of the protocol (protocol 3): push of pending writes and paged pull of changes.

import { LiveSyncError } from './errors.js';

export const MAX_PUSH_WRITES = 500;
export const PULL_PAGE = 500;

export class HttpApi {
  #baseUrl;
  #fetch;
  #tokens;

  /** @param {{baseUrl: string, fetch: typeof fetch, tokens: import('./tokens.js').TokenSource}} o */
  constructor({ baseUrl, fetch, tokens }) {
    this.#baseUrl = baseUrl;
    this.#fetch = fetch;
    this.#tokens = tokens;
  }

  async #request(method, path, body) {
    const headers = { accept: 'application/json' };
    const token = await this.#tokens.current();
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res;
    try {
      res = await this.#fetch(this.#baseUrl + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new LiveSyncError('network', `${method} ${path} failed: ${err.message}`, { cause: err });
    }
    const text = await res.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    if (!res.ok) {
      if (res.status === 401) this.#tokens.refused();
      const code = json?.error?.code ?? (res.status >= 500 ? 'unavailable' : 'bad_request');
      const message = json?.error?.message ?? `${method} ${path} answered ${res.status}`;
      throw new LiveSyncError(code, message, { status: res.status });
    }
    return json;
  }

  /** POST /v1/sync/push: results in the order of `writes`, each an ack or an error. */
  async push(writes) {
    const body = await this.#request('POST', '/v1/sync/push', { writes });
    if (!Array.isArray(body?.results) || body.results.length !== writes.length) {
      throw new LiveSyncError('internal', 'push answered without one result per write');
    }
    return body.results;
  }

  /** GET /v1/sync/pull: one page. */
  pull(collection, since, epoch, limit = PULL_PAGE) {
    const q = new URLSearchParams({ collection, since: String(since), limit: String(limit) });
    if (epoch) q.set('epoch', epoch);
    return this.#request('GET', `/v1/sync/pull?${q}`);
  }

  /** GET /v1/collections/{c}/records/{id}: the server's record, or null. */
  async record(collection, id) {
    try {
      return await this.#request('GET', `/v1/collections/${encodeURIComponent(collection)}/records/${encodeURIComponent(id)}`);
    } catch (err) {
      if (err.status === 404) return null;
      throw err;
    }
  }
}
