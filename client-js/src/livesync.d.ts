// Type declarations for the LiveSync JavaScript client (src/livesync.js).

/** A JSON document: the `data` of a record. Top-level names must not start with `_`. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type Document = { [key: string]: Json };

/** The connection state machine (see src/connection.js). */
export type ConnectionState =
  | 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'polling' | 'offline' | 'closed';

/** A record as this device sees it: the server's state with pending local writes on top. */
export interface LocalRecord<T extends Document = Document> {
  id: string;
  data: Readonly<T>;
  /** The server version this view is based on; 0 when the server has not seen the record yet. */
  version: number;
  /** HLC timestamp of the latest write in this view. */
  ts: string | null;
  /** pending: a write awaits the server; conflict: a write lost or was refused; else synced. */
  state: 'pending' | 'synced' | 'conflict';
  conflict: Conflict | null;
}

export interface Conflict {
  /** superseded / rejected / merged (protocol 1.3), or error for a write refused for good. */
  status: 'superseded' | 'rejected' | 'merged' | 'error';
  opId: string;
  /** The server's current record when the ack carried it. */
  record: ServerRecord | null;
  /** The local write that lost. */
  write: Write | null;
  code?: string;
  message?: string;
}

export interface ServerRecord {
  collection?: string;
  id: string;
  version: number;
  seq: number;
  ts: string | null;
  deleted: boolean;
  data: Document;
}

export interface Write {
  opId: string;
  collection: string;
  id: string;
  op: 'insert' | 'update' | 'delete';
  data?: Document;
  ts: string;
  baseVersion?: number;
}

export interface ChangeEvent {
  collection: string;
  ids: string[];
  /** load: read from storage; local: a write here; remote: from the server; own: the server's echo of a write here; ack: an outcome arrived. */
  source: 'load' | 'local' | 'remote' | 'own' | 'ack';
}

export interface ClientEvents {
  connection: { state: ConnectionState; previous: ConnectionState; attempt?: number; delay?: number };
  ack: { opId: string; collection: string; id: string; status: 'applied' | 'merged' | 'superseded' | 'rejected'; version: number; seq: number };
  conflict: { collection: string; id: string } & Conflict;
  error: { code: string; message: string; opId?: string; collection?: string; id?: string; retrying?: boolean; write?: Write; error?: unknown };
  change: { collection: string; id: string; op: 'insert' | 'update' | 'delete'; version: number; seq: number; ts: string | null; origin: string | null; own: boolean };
  /** A catch-up finished; `received` counts the records it brought. */
  synced: { collection: string; seq: number; epoch: string; reset: boolean; received: number };
  reset: { collection: string };
  resubscribe: { collection: string; cursor: number; seq: number };
  outbox: { pending: number };
}

/** Where records, cursors, the outbox and the node id are kept. */
export interface Storage {
  open(): Promise<{ nodeId: string | null; outbox: Write[] }>;
  setMeta(key: string, value: unknown): Promise<void>;
  loadCollection(name: string): Promise<{ records: Omit<ServerRecord, 'collection'>[]; cursor: { epoch: string; seq: number } | null }>;
  commit(name: string, change: { reset?: boolean; records?: Omit<ServerRecord, 'collection'>[]; cursor?: { epoch: string; seq: number } | null }): Promise<void>;
  putOutbox(entry: Write): Promise<void>;
  deleteOutbox(opId: string): Promise<void>;
  close(): Promise<void>;
}

export interface ClientOptions {
  /** http(s) URL of the server; defaults to the page's origin in a browser. */
  serverUrl?: string;
  /** A JWT, sent as `access_token` on the socket and `Authorization: Bearer` over HTTP. */
  token?: string;
  /** Called for a token before connecting, after a 4001 close, and before the token expires. */
  tokenProvider?: () => string | Promise<string>;
  /** 'indexeddb' (default where available), 'memory', or a Storage object. */
  storage?: 'indexeddb' | 'memory' | Storage;
  /** Use the WebSocket (default true); false syncs by HTTP polling only. */
  realtime?: boolean;
  /** Ceiling of the first reconnect delay in ms (default 1000); doubles per attempt, full jitter. */
  reconnectDelay?: number;
  /** Largest reconnect delay ceiling in ms (default 30000). */
  maxReconnectDelay?: number;
  /** Failed attempts before falling back to HTTP polling (default 5); the socket is still probed. */
  maxReconnectAttempts?: number;
  /** Milliseconds between HTTP poll rounds in polling mode (default 5000). */
  pollInterval?: number;
  /** Milliseconds to wait for the server's welcome (default 10000). */
  connectTimeout?: number;
  /**
   * Most writes sent per second on one socket (default 500: half the server's default
   * per-connection limit of 1,000). Keep it at most half the server's `limits.maxWritesPerSecond`;
   * past that writes are answered `rate_limited` and sent again later (none is lost).
   */
  writesPerSecond?: number;
  /** In a browser, go offline on the window's 'offline' event and back on 'online' (default true). */
  followNetworkStatus?: boolean;
  /** A WHATWG WebSocket constructor; required in Node.js 20, e.g. the 'ws' package's default export. */
  WebSocket?: unknown;
  /** A fetch implementation (default: the global one). */
  fetch?: typeof fetch;
  /** Source of randomness for jitter, [0, 1) (default Math.random). */
  random?: () => number;
}

export interface Collection<T extends Document = Document> {
  readonly name: string;
  /** Resolves once the local copy is loaded from storage. */
  readonly ready: Promise<void>;
  /** Creates a record with a new UUID; resolves with the id once stored locally. */
  save(data: T): Promise<string>;
  /** Creates or replaces record id. */
  save(id: string, data: T): Promise<string>;
  /** Shallow merge: each key replaces that field, null removes it. */
  update(id: string, delta: { [K in keyof T]?: T[K] | null }): Promise<string>;
  delete(id: string): Promise<string>;
  get(id: string): Promise<LocalRecord<T> | null>;
  /** Live records in id order. */
  list(): Promise<LocalRecord<T>[]>;
  clearConflict(id: string): Promise<void>;
  /** Returns an idempotent unsubscribe function. */
  onChange(listener: (event: ChangeEvent) => void): () => void;
  /** The current list, then the latest list after each change. */
  watch(): AsyncIterable<LocalRecord<T>[]>;
  /** The current record (or null), then its latest state after each change of it. */
  watch(id: string): AsyncIterable<LocalRecord<T> | null>;
}

export declare class LiveSyncClient {
  constructor(options?: ClientOptions);
  /** Resolves when local storage is open. */
  readonly ready: Promise<void>;
  /** This device's persisted HLC node id (after ready). */
  readonly nodeId: string | null;
  /** The user named by the server's welcome. */
  readonly user: string | null;
  readonly connectionState: ConnectionState;
  /** Writes not yet acknowledged by the server. */
  readonly pendingCount: number;
  readonly manualOffline: boolean;
  collection<T extends Document = Document>(name: string): Collection<T>;
  on<E extends keyof ClientEvents>(event: E, listener: (payload: ClientEvents[E]) => void): () => void;
  /** Stops all traffic until goOnline(); writes queue locally. */
  goOffline(): void;
  goOnline(): void;
  /**
   * The token changed (sign-in, new grants): `token` replaces a fixed one, or the provider is
   * asked again; the socket reconnects with it at once when online.
   */
  refreshToken(token?: string): void;
  /** Closes the socket and storage; pending writes stay stored. */
  close(): Promise<void>;
}

export declare function createClient(options?: ClientOptions): LiveSyncClient;

export declare class LiveSyncError extends Error {
  constructor(code: string, message: string, details?: object);
  code: string;
  status?: number;
}

export declare const DEFAULTS: Readonly<Required<Pick<ClientOptions,
  'realtime' | 'reconnectDelay' | 'maxReconnectDelay' | 'maxReconnectAttempts' | 'pollInterval' | 'connectTimeout' | 'writesPerSecond' | 'followNetworkStatus'>>>;

export declare class Hlc {
  constructor(node: string, wallClock?: () => number);
  readonly node: string;
  now(): string;
  observe(ts: string): void;
  observeMillis(millis: number): void;
}
export declare function compareTs(a: string | null | undefined, b: string | null | undefined): number;
export declare function formatTs(millis: number, counter: number, node: string): string;
export declare function parseTs(ts: string): { millis: number; counter: number; node: string } | null;
export declare function isValidTs(ts: unknown): boolean;
export declare function shallowMerge(base: Document | null | undefined, delta: Document): Document;
export declare function applyWrite(state: { data: Document; deleted: boolean } | null, op: 'insert' | 'update' | 'delete', data?: Document): { data: Document; deleted: boolean };
export declare function backoffDelay(attempt: number, baseMillis: number, maxMillis: number, random?: () => number): number;
export declare function memoryStorage(): Storage;
export declare function indexedDbStorage(options?: { name?: string; indexedDB?: unknown }): Storage;
