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
import { indexedDbStorage } from './storage-indexeddb.js';
import { memoryStorage } from './storage-memory.js';

/** Writes sent per second on one socket: half the server's default per-connection budget. */
const WRITES_PER_SECOND = 500;
/** Writes sent on one socket and not yet answered. */
const MAX_IN_FLIGHT = 256;

export const DEFAULTS = Object.freeze({
  realtime: true,
  reconnectDelay: 1000,
  maxReconnectDelay: 30000,
  maxReconnectAttempts: 5,
  pollInterval: 5000,
  connectTimeout: 10000,
  followNetworkStatus: true,
});

/** The fields of an outbox entry that are stored; the others are per-connection bookkeeping. */
function storedEntry(e) {
  const out = { opId: e.opId, collection: e.collection, id: e.id, op: e.op, ts: e.ts };
  if (e.data !== undefined) out.data = e.data;
  if (e.baseVersion !== undefined) out.baseVersion = e.baseVersion;
  return out;
}

function writeMessage(e) {
  const m = { type: e.op, opId: e.opId, collection: e.collection, id: e.id };
  if (e.op !== 'delete') m.data = e.data;
  m.ts = e.ts;
  if (e.baseVersion !== undefined) m.baseVersion = e.baseVersion;
  return m;
}

/** The `exp` claim of a JWT in seconds, or null. */
function jwtExp(token) {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const exp = JSON.parse(atob(payload)).exp;
    return typeof exp === 'number' ? exp : null;
  } catch {
    return null;
  }
}

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
  /** opId → entry not yet acknowledged, in write (ts) order */
  #outbox = new Map();
  #chain = Promise.resolve();
  #connId = 0;
  #pollGen = 0;
  #token = null;
  #retryTimer = null;
  #authTimer = null;
  #paceTimer = null;
  #window = { start: 0, count: 0 };
  /** writes sent on the current socket and not answered yet */
  #inFlight = 0;
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
    this.#o = o;
    this.#token = options.token ?? null;
    this.#events = new Emitter((err, event) => {
      if (event !== 'error') this.#events.emit('error', { code: 'listener', message: `a '${event}' listener threw: ${err.message}`, error: err });
    });
    this.#storage = resolveStorage(options.storage, serverUrl);
    this.#http = new HttpApi({ baseUrl: serverUrl, fetch: o.fetch, token: () => this.#currentToken() });
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
      this.#outbox.set(e.opId, { ...e });
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

  /** Closes the connection and the local store; pending writes stay stored for the next start. */
  async close() {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#authTimer);
    clearTimeout(this.#paceTimer);
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
    this.#outbox.set(entry.opId, entry);
    c.state.addPending(entry);
    c.notify([id], 'local');
    this.#emitOutbox();
    const stored = this.#persist(() => this.#storage.putOutbox(storedEntry(entry)));
    if (this.#conn.connected) this.#flush(); // in write order, behind any older queued write
    else this.#conn.pollSoon();
    await stored;
    return id;
  }

  #send(entry) {
    if (entry.notBefore > Date.now()) return false;
    if (!this.#pace()) return false;
    if (!this.#conn.send(writeMessage(entry))) return false;
    entry.sentOn = this.#connId;
    this.#window.count++;
    this.#inFlight++;
    return true;
  }

  /**
   * The server answers writes beyond its per-connection rate with rate_limited and closes
   * connections that keep exceeding it (4008), so a long offline queue is sent in paced bursts:
   * at most WRITES_PER_SECOND per second and MAX_IN_FLIGHT unacknowledged at a time.
   */
  #pace() {
    const now = Date.now();
    const w = this.#window;
    if (now - w.start >= 1000) {
      w.start = now;
      w.count = 0;
    }
    if (w.count < WRITES_PER_SECOND && this.#inFlight < MAX_IN_FLIGHT) return true;
    if (!this.#paceTimer) {
      const wait = w.count >= WRITES_PER_SECOND ? w.start + 1000 - now : 50;
      this.#paceTimer = setTimeout(() => {
        this.#paceTimer = null;
        if (this.#conn.connected) this.#flush();
      }, Math.max(wait, 1));
    }
    return false;
  }

  /** Sends the pending writes this connection has not carried yet, in write order. */
  #flush() {
    for (const e of this.#outbox.values()) {
      if (e.sentOn === this.#connId || e.notBefore > Date.now()) continue;
      if (!this.#send(e)) return;
    }
  }

  #scheduleRetry() {
    clearTimeout(this.#retryTimer);
    let next = Infinity;
    for (const e of this.#outbox.values()) if (e.notBefore) next = Math.min(next, e.notBefore);
    if (next === Infinity || this.#closed) return;
    this.#retryTimer = setTimeout(() => {
      if (this.#conn.connected) this.#flush();
      else this.#conn.pollSoon();
      this.#scheduleRetry();
    }, Math.max(0, next - Date.now()) + 1);
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
    if (!this.#outbox.delete(entry.opId)) return;
    this.#persist(() => this.#storage.deleteOutbox(entry.opId));
    this.#emitOutbox();
    if (entry.sentOn === this.#connId) {
      this.#inFlight--;
      if (this.#conn.connected) this.#flush(); // room in the window
    }
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

  async #currentToken() {
    if (this.#token == null && this.#o.tokenProvider) this.#token = await this.#o.tokenProvider();
    return this.#token;
  }

  async #socketUrl() {
    const url = new URL('/v1/ws', this.#o.serverUrl.replace(/^http/, 'ws'));
    const token = await this.#currentToken();
    if (token) url.searchParams.set('access_token', token);
    return url.toString();
  }

  #onOpen(welcome) {
    this.#connId++;
    this.#inFlight = 0;
    this.#pollGen++;
    this.user = welcome.user ?? null;
    this.#hlc.observeMillis(welcome.time);
    for (const c of this.#collections.values()) if (c.isLoaded) this.#subscribe(c);
    this.#flush();
    this.#scheduleAuthRefresh();
  }

  #onClose({ code, reason }) {
    clearTimeout(this.#authTimer);
    if (code === 4001) {
      if (this.#o.tokenProvider) this.#token = null;
      this.#events.emit('error', { code: 'unauthorized', message: `the server closed the connection: token missing, invalid or expired (${reason})` });
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
    clearTimeout(this.#authTimer);
    const exp = this.#o.tokenProvider && this.#token ? jwtExp(this.#token) : null;
    if (!exp) return;
    const delay = Math.max(exp * 1000 - Date.now() - 60_000, 5_000);
    this.#authTimer = setTimeout(async () => {
      try {
        this.#token = await this.#o.tokenProvider();
        this.#conn.send({ type: 'auth', token: this.#token });
      } catch (err) {
        this.#emitError(err);
      }
    }, delay);
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
    const r = c.state.applyItems(items);
    if (r.persist.length) this.#commit(c, { records: r.persist });
    c.notify(r.ids, 'remote');
  }

  #applySynced(c, seq, epoch) {
    const r = c.state.applySynced(seq, epoch);
    this.#commit(c, { reset: r.reset, records: r.persist, cursor: r.cursor });
    c.notify(r.ids, 'remote');
    this.#events.emit('synced', { collection: c.state.name, seq, epoch, reset: r.reset });
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
      entry.attempts = (entry.attempts ?? 0) + 1;
      if (entry.sentOn === this.#connId) this.#inFlight--;
      entry.sentOn = undefined;
      entry.notBefore = Date.now() + 250 + backoffDelay(entry.attempts, 1000, this.#o.maxReconnectDelay, this.#o.random);
      this.#events.emit('error', { ...info, retrying: true });
      this.#scheduleRetry();
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
    const now = Date.now();
    const due = [...this.#outbox.values()].filter((e) => !(e.notBefore > now));
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
    for (let first = true; ; first = false) {
      const page = await this.#http.pull(st.name, since, epoch);
      if (gen !== this.#pollGen || this.#closed) return;
      if (first && page.reset) {
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
