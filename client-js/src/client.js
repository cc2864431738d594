// The client: local store, outbox, and the protocol's message handling. The connection state
// machine lives in connection.js, per-collection bookkeeping in collection-state.js.

import { backoffDelay } from './backoff.js';
import { Collection } from './collection.js';
import { CollectionState } from './collection-state.js';
import { ConnectionManager } from './connection.js';
import { Emitter } from './emitter.js';
import { LiveSyncError, RETRYABLE_CODES } from './errors.js';
import { Hlc, compareTs } from './hlc.js';
import { HttpApi, MAX_PUSH_WRITES } from './http.js';
import { COLLECTION_NAME, RECORD_ID, newNodeId, uuid } from './ids.js';
import { cloneJson, deepFreeze } from './merge.js';
import { Outbox, storedEntry, writeMessage } from './outbox.js';
import { TokenSource } from './tokens.js';
import { indexedDbStorage } from './storage-indexeddb.js';
import { memoryStorage } from './storage-memory.js';

export const DEFAULTS = Object.freeze({
  realtime: true,
  reconnectDelay: 1000,
  maxReconnectDelay: 30000,
  maxReconnectAttempts: 5,
  pollInterval: 5000,
  connectTimeout: 10000,
  writesPerSecond: 500,
  followNetworkStatus: true,
});

function resolveStorage(storage, serverUrl) {
  if (storage && typeof storage === 'object') return storage;
  const kind = storage ?? (globalThis.indexedDB ? 'indexeddb' : 'memory');
  if (kind === 'memory') return memoryStorage();
  if (kind === 'indexeddb') return indexedDbStorage({ name: `livesync:${serverUrl}` });
  throw new TypeError(`storage must be 'indexeddb', 'memory' or a storage object, was '${storage}'`);
}

export class LiveSyncClient {
  #o;
  #events;
  #storage;
  #http;
  #conn;
  #hlc = null;
  #collections = new Map();
  /** the writes not yet acknowledged, in write (ts) order */
  #outbox;
  #chain = Promise.resolve();
  #pollGen = 0;
  #tokens;
  #unlisten = [];
  #closed = false;

  /** This device's HLC node id (persisted), known once `ready` resolves. */
  nodeId = null;
  /** The user named by the server's welcome. */
  user = null;

  constructor(options = {}) {
    const serverUrl = (options.serverUrl ?? globalThis.location?.origin ?? '').replace(/\/+$/, '');
    if (!/^https?:\/\//.test(serverUrl)) {
      throw new TypeError(`serverUrl must be an http(s) URL such as http://127.0.0.1:8080, was '${options.serverUrl}'`);
    }
    const o = { ...DEFAULTS, ...options, serverUrl };
    o.WebSocket = options.WebSocket ?? globalThis.WebSocket;
    o.fetch = options.fetch ?? globalThis.fetch?.bind(globalThis);
    if (o.realtime && typeof o.WebSocket !== 'function') {
      throw new TypeError("no WebSocket implementation: Node.js 20 has none built in; pass createClient({ WebSocket }) (e.g. from the 'ws' package) or realtime: false");
    }
    if (typeof o.fetch !== 'function') throw new TypeError('no fetch implementation: pass createClient({ fetch })');
    if (!Number.isInteger(o.writesPerSecond) || o.writesPerSecond < 1 || o.writesPerSecond > 1_000_000) {
      throw new RangeError(`writesPerSecond must be an integer from 1 to 1000000, was ${options.writesPerSecond}`);
    }
    this.#o = o;
    this.#tokens = new TokenSource({ token: options.token, tokenProvider: options.tokenProvider });
    this.#events = new Emitter((err, event) => {
      if (event !== 'error') this.#events.emit('error', { code: 'listener', message: `a '${event}' listener threw: ${err.message}`, error: err });
    });
    this.#storage = resolveStorage(options.storage, serverUrl);
    this.#http = new HttpApi({ baseUrl: serverUrl, fetch: o.fetch, tokens: this.#tokens });
    this.#conn = new ConnectionManager({
      realtime: o.realtime,
      WebSocket: o.WebSocket,
      reconnectDelay: o.reconnectDelay,
      maxReconnectDelay: o.maxReconnectDelay,
      maxReconnectAttempts: o.maxReconnectAttempts,
      pollInterval: o.pollInterval,
      connectTimeout: o.connectTimeout,
      random: o.random,
      socketUrl: () => this.#socketUrl(),
      onState: (state, previous, info) => this.#events.emit('connection', { state, previous, ...info }),
      onOpen: (welcome) => this.#onOpen(welcome),
      onMessage: (msg) => this.#onMessage(msg),
      onClose: (info) => this.#onClose(info),
      onError: (err) => this.#emitError(err),
      poll: () => this.#poll(),
    });
    this.#outbox = new Outbox({
      send: (msg) => this.#conn.send(msg),
      connected: () => this.#conn.connected,
      onRetryDue: () => this.#conn.pollSoon(),
      maxDelay: o.maxReconnectDelay,
      writesPerSecond: o.writesPerSecond,
      random: o.random,
    });
    /** Resolves when local storage is open; rejects if it cannot be. */
    this.ready = this.#init();
    this.ready.catch((err) => this.#emitError(err));
  }

  async #init() {
    const { nodeId, outbox } = await this.#storage.open();
    this.nodeId = nodeId ?? newNodeId();
    if (!nodeId) await this.#storage.setMeta('nodeId', this.nodeId);
    this.#hlc = new Hlc(this.nodeId);
    outbox.sort((a, b) => compareTs(a.ts, b.ts));
    for (const e of outbox) {
      this.#hlc.observe(e.ts);
      this.#outbox.add({ ...e });
    }
    if (this.#closed) return;
    let online = true;
    const g = globalThis;
    if (this.#o.followNetworkStatus && typeof g.addEventListener === 'function' && g.navigator && 'onLine' in g.navigator) {
      online = g.navigator.onLine;
      const on = () => this.#conn.setNetworkOnline(true);
      const off = () => this.#conn.setNetworkOnline(false);
      g.addEventListener('online', on);
      g.addEventListener('offline', off);
      this.#unlisten.push(() => g.removeEventListener('online', on), () => g.removeEventListener('offline', off));
    }
    this.#emitOutbox();
    this.#conn.start(online);
  }

  // ---- public API ----

  /** The handle on collection `name` (the same object for the same name). */
  collection(name) {
    return this.#coll(name).ref;
  }

  /**
   * Subscribes to a client event: 'connection', 'ack', 'conflict', 'error', 'change', 'synced',
   * 'reset', 'resubscribe', 'outbox'. Returns an idempotent unsubscribe function.
   */
  on(event, listener) {
    return this.#events.on(event, listener);
  }

  /** idle | connecting | connected | reconnecting | polling | offline | closed */
  get connectionState() {
    return this.#conn.state;
  }

  /** Writes made here that the server has not acknowledged yet. */
  get pendingCount() {
    return this.#outbox.size;
  }

  /** Stops all traffic (writes queue) until goOnline(); survives network 'online' events. */
  goOffline() {
    this.#conn.setManualOffline(true);
  }

  goOnline() {
    this.#conn.setManualOffline(false);
  }

  get manualOffline() {
    return this.#conn.manualOffline;
  }

  /**
   * The token changed (another user signed in, new grants): `token` replaces a fixed token;
   * without it the provider is asked again. The socket reconnects with it at once (when
   * online), so subscriptions and writes use the new grants.
   */
  refreshToken(token) {
    this.#tokens.cancelRefresh();
    this.#tokens.replace(token ?? null);
    this.#conn.reconnectNow();
  }

  /** Closes the connection and the local store; pending writes stay stored for the next start. */
  async close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#tokens.cancelRefresh();
    this.#outbox.close();
    for (const f of this.#unlisten) f();
    this.#conn.close();
    try {
      await this.ready;
    } catch {
      /* reported already */
    }
    await this.#chain;
    await this.#storage.close();
  }

  // ---- collections and writes ----

  #coll(name) {
    let c = this.#collections.get(name);
    if (c) return c;
    if (typeof name !== 'string' || !COLLECTION_NAME.test(name)) {
      throw new LiveSyncError('bad_request', `collection name '${name}' is not allowed; use 1-128 of letters, digits, _ . : -`);
    }
    const state = new CollectionState(name);
    const listeners = new Emitter((err) => this.#emitError(new LiveSyncError('listener', `an onChange listener threw: ${err.message}`)));
    c = { state, listeners, isLoaded: false };
    c.notify = (ids, source) => {
      if (c.isLoaded && ids.length) listeners.emit('change', { collection: name, ids, source });
    };
    c.loaded = this.ready
      .then(() => this.#storage.loadCollection(name))
      .then((data) => {
        state.load(data);
        for (const e of this.#outbox.values()) if (e.collection === name) state.addPending(e);
        c.isLoaded = true;
        c.notify(state.list().map((r) => r.id), 'load');
        if (this.#conn.connected) this.#subscribe(c);
        else this.#conn.pollSoon();
      });
    c.loaded.catch(() => {});
    c.ref = new Collection(c, (op, id, data) => this.#write(c, op, id, data));
    this.#collections.set(name, c);
    return c;
  }

  async #write(c, op, id, data) {
    if (this.#closed) throw new LiveSyncError('closed', 'the client is closed');
    if (id === undefined) id = uuid();
    if (typeof id !== 'string' || !RECORD_ID.test(id)) {
      throw new LiveSyncError('bad_request', `record id '${id}' is not allowed; use 1-128 of letters, digits, _ . : @ -`);
    }
    if (op !== 'delete') {
      if (data === null || typeof data !== 'object' || Array.isArray(data)) {
        throw new LiveSyncError('bad_request', `the data of ${op} '${id}' must be a JSON object`);
      }
      const reserved = Object.keys(data).find((k) => k.startsWith('_'));
      if (reserved) {
        throw new LiveSyncError('bad_request', `field name '${reserved}' is reserved: top-level field names must not start with '_'`);
      }
      data = deepFreeze(cloneJson(data));
    }
    await c.loaded;
    const server = c.state.records.get(id);
    const entry = { opId: uuid(), collection: c.state.name, id, op, ts: this.#hlc.now() };
    if (op !== 'delete') entry.data = data;
    if (server) entry.baseVersion = server.version;
    this.#outbox.add(entry);
    c.state.addPending(entry);
    c.notify([id], 'local');
    this.#emitOutbox();
    const stored = this.#persist(() => this.#storage.putOutbox(storedEntry(entry)));
    if (this.#conn.connected) this.#outbox.flush(); // in write order, behind any older queued write
    else this.#conn.pollSoon();
    await stored;
    return id;
  }

  #persist(fn) {
    const p = this.#chain.then(fn);
    this.#chain = p.catch((err) => this.#emitError(new LiveSyncError('storage', `local storage failed: ${err?.message ?? err}`)));
    return p;
  }

  #commit(c, change) {
    this.#persist(() => this.#storage.commit(c.state.name, change));
  }

  #forget(entry) {
    if (!this.#outbox.remove(entry)) return;
    this.#persist(() => this.#storage.deleteOutbox(entry.opId));
    this.#emitOutbox();
  }

  #emitOutbox() {
    this.#events.emit('outbox', { pending: this.#outbox.size });
  }

  #emitError(err) {
    this.#events.emit('error', { code: err?.code ?? 'internal', message: err?.message ?? String(err), error: err });
  }

  #loaded(name) {
    const c = this.#collections.get(name);
    return c?.isLoaded ? c : null;
  }

  // ---- the socket ----

  async #socketUrl() {
    const url = new URL('/v1/ws', this.#o.serverUrl.replace(/^http/, 'ws'));
    const token = await this.#tokens.current();
    if (token) url.searchParams.set('access_token', token);
    return url.toString();
  }

  #onOpen(welcome) {
    this.#outbox.newConnection();
    this.#pollGen++;
    this.user = welcome.user ?? null;
    this.#hlc.observeMillis(welcome.time);
    for (const c of this.#collections.values()) if (c.isLoaded) this.#subscribe(c);
    this.#outbox.flush();
    this.#scheduleAuthRefresh();
  }

  #onClose({ code, reason, wasConnected }) {
    this.#tokens.cancelRefresh();
    if (code === 4001) {
      this.#tokens.refused();
      this.#events.emit('error', { code: 'unauthorized', message: `the server closed the connection: token missing, invalid or expired (${reason})` });
    } else if (!wasConnected) {
      // A WebSocket cannot tell why its handshake failed (a refused token looks like any other
      // failure): the next attempt asks the provider again instead of resending the same token.
      this.#tokens.refused();
    }
  }

  #subscribe(c) {
    if (!this.#conn.connected) return;
    const st = c.state;
    st.beginCatchUp();
    const msg = { type: 'subscribe', collection: st.name, since: st.cursor?.seq ?? 0 };
    if (st.cursor?.epoch) msg.epoch = st.cursor.epoch;
    this.#conn.send(msg);
  }

  #scheduleAuthRefresh() {
    this.#tokens.scheduleRefresh((token) => this.#conn.send({ type: 'auth', token }), (err) => this.#emitError(err));
  }

  #onMessage(msg) {
    const c = typeof msg.collection === 'string' ? this.#loaded(msg.collection) : null;
    switch (msg.type) {
      case 'reset':
        if (c) {
          c.state.beginReset();
          this.#events.emit('reset', { collection: msg.collection });
        }
        break;
      case 'changes':
        if (c && Array.isArray(msg.items)) this.#applyItems(c, msg.items);
        break;
      case 'synced':
        if (c) this.#applySynced(c, msg.seq, msg.epoch);
        break;
      case 'change':
        if (c) this.#applyLive(c, msg);
        break;
      case 'ack':
        this.#onAck(msg);
        break;
      case 'error':
        this.#onError(msg);
        break;
      case 'authed':
        this.#scheduleAuthRefresh();
        break;
      default:
        break; // pong, unsubscribed, and types of later protocol versions
    }
  }

  // ---- applying the server's state ----

  #applyItems(c, items) {
    for (const it of items) this.#hlc.observe(it.ts);
    c.received = (c.received ?? 0) + items.length;
    const r = c.state.applyItems(items);
    if (r.persist.length) this.#commit(c, { records: r.persist });
    c.notify(r.ids, 'remote');
  }

  #applySynced(c, seq, epoch) {
    const r = c.state.applySynced(seq, epoch);
    this.#commit(c, { reset: r.reset, records: r.persist, cursor: r.cursor });
    c.notify(r.ids, 'remote');
    const received = c.received ?? 0;
    c.received = 0;
    this.#events.emit('synced', { collection: c.state.name, seq, epoch, reset: r.reset, received });
    for (const ch of r.buffered) this.#applyLive(c, ch);
  }

  #applyLive(c, ch) {
    this.#hlc.observe(ch.ts);
    const r = c.state.applyLive(ch);
    if (r.kind === 'gap') {
      this.#events.emit('resubscribe', { collection: c.state.name, cursor: c.state.cursor?.seq ?? 0, seq: ch.seq });
      this.#subscribe(c);
      return;
    }
    if (r.kind !== 'applied') return;
    this.#commit(c, { records: r.record ? [r.record] : [], cursor: r.cursor });
    if (r.entry) this.#forget(r.entry);
    const own = r.entry != null || ch.origin === this.nodeId;
    c.notify(r.ids, own ? 'own' : 'remote');
    this.#events.emit('change', {
      collection: ch.collection, id: ch.id, op: ch.op, version: ch.version, seq: ch.seq,
      ts: ch.ts, origin: ch.origin ?? null, own,
    });
  }

  // ---- outcomes of writes ----

  #onAck(ack) {
    const entry = this.#outbox.get(ack.opId) ?? null;
    if (ack.record?.ts) this.#hlc.observe(ack.record.ts);
    if (entry) this.#forget(entry);
    this.#events.emit('ack', {
      opId: ack.opId, collection: ack.collection, id: ack.id, status: ack.status,
      version: ack.version, seq: ack.seq,
    });
    const c = this.#loaded(ack.collection ?? entry?.collection);
    if (!c) return;
    const st = c.state;
    const ids = [ack.id];
    const changed = ack.status === 'applied' || ack.status === 'merged';
    if (entry) {
      if (changed) ids.push(...st.markAcked(entry, ack.seq, ack.version));
      else st.removePending(entry);
    }
    if (ack.status !== 'applied') {
      if (!changed && ack.record) {
        const rec = st.applyAckRecord(ack.record);
        if (rec) this.#commit(c, { records: [rec] });
      }
      const conflict = {
        status: ack.status, opId: ack.opId, record: ack.record ?? null,
        write: entry ? storedEntry(entry) : null,
      };
      st.setConflict(ack.id, conflict);
      this.#events.emit('conflict', { collection: ack.collection, id: ack.id, ...conflict });
    }
    c.notify([...new Set(ids)], 'ack');
  }

  #onError(err) {
    const entry = err.opId ? this.#outbox.get(err.opId) : null;
    const info = { code: err.code ?? 'internal', message: err.message ?? '', opId: err.opId, collection: err.collection ?? entry?.collection };
    if (!entry) {
      this.#events.emit('error', info);
      // A subscription the server dropped (e.g. its catch-up failed) is asked for again.
      const c = info.collection && !err.opId ? this.#loaded(info.collection) : null;
      if (c && RETRYABLE_CODES.has(info.code)) {
        setTimeout(() => {
          if (this.#conn.connected && c.state.catchingUp) this.#subscribe(c);
        }, 250 + backoffDelay(1, 1000, this.#o.maxReconnectDelay, this.#o.random));
      }
      return;
    }
    info.id = entry.id;
    if (RETRYABLE_CODES.has(info.code)) {
      this.#outbox.retryLater(entry);
      this.#events.emit('error', { ...info, retrying: true });
      return;
    }
    // Refused for good (invalid, forbidden, ...): the write is dropped and the record shows why.
    this.#forget(entry);
    const c = this.#loaded(entry.collection);
    if (c) {
      c.state.removePending(entry);
      c.state.setConflict(entry.id, { status: 'error', code: info.code, message: info.message, opId: entry.opId, record: null, write: storedEntry(entry) });
      c.notify([entry.id], 'ack');
    }
    this.#events.emit('error', { ...info, write: storedEntry(entry) });
  }

  // ---- HTTP polling ----

  async #poll() {
    await this.ready;
    const gen = this.#pollGen;
    const due = this.#outbox.due();
    for (let i = 0; i < due.length; i += MAX_PUSH_WRITES) {
      const batch = due.slice(i, i + MAX_PUSH_WRITES);
      const results = await this.#http.push(batch.map(writeMessage));
      if (this.#closed) return;
      batch.forEach((e, k) => {
        const r = results[k] ?? {};
        if (typeof r.status === 'string') {
          this.#onAck({ ...r, opId: e.opId, collection: e.collection, id: e.id });
        } else {
          const error = r.error && typeof r.error === 'object' ? r.error : r;
          this.#onError({ code: error.code ?? 'internal', message: error.message ?? '', opId: e.opId, collection: e.collection });
        }
      });
    }
    for (const c of this.#collections.values()) {
      if (!c.isLoaded) continue;
      await this.#pull(c, gen);
      if (gen !== this.#pollGen || this.#closed) return;
    }
  }

  /** Pages through /v1/sync/pull until hasMore is false; dropped if a socket took over meanwhile. */
  async #pull(c, gen) {
    const st = c.state;
    let since = st.cursor?.seq ?? 0;
    let epoch = st.cursor?.epoch;
    st.staging = null;
    for (;;) {
      const page = await this.#http.pull(st.name, since, epoch);
      if (gen !== this.#pollGen || this.#closed) return;
      // any page can say reset: a later one when the history was replaced between two pages
      if (page.reset) {
        st.beginReset();
        this.#events.emit('reset', { collection: st.name });
      }
      this.#applyItems(c, page.items ?? []);
      since = page.seq;
      epoch = page.epoch;
      if (!page.hasMore) {
        this.#applySynced(c, page.seq, page.epoch);
        return;
      }
    }
  }
}
