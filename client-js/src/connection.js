// The connection state machine. One place decides when a socket is opened, when HTTP polling
// runs, and when nothing is attempted at all.
//
//   connecting ──welcome──▶ connected ──socket lost──▶ reconnecting ──welcome──▶ connected
//        │                                                  │ after maxReconnectAttempts
//        └──────────── failed attempts ──────────────────▶ polling (HTTP push + pull every
//                                                            pollInterval; the socket is still
//                                                            probed with backoff) ──welcome──▶ connected
//   any state ──network offline / goOffline()──▶ offline ──online / goOnline()──▶ connecting
//   any state ──close()──▶ closed
//
// Retries wait a random delay between 0 and min(maxReconnectDelay, reconnectDelay · 2^attempt)
// ("full jitter"). With realtime off, the machine goes straight to polling and opens no socket.

import { backoffDelay } from './backoff.js';

const OPEN = 1;

export class ConnectionManager {
  #o;
  #state = 'idle';
  #ws = null;
  #welcomed = false;
  #attempts = 0;
  #retryTimer = null;
  #connectTimer = null;
  #pollTimer = null;
  #polling = false;
  #pollRunning = false;
  #pollAgain = false;
  #networkOnline = true;
  #manualOffline = false;

  /**
   * @param {object} o
   * @param {() => Promise<string>} o.socketUrl the URL of the next attempt (may fetch a token)
   * @param {Function} o.WebSocket a WHATWG-compatible WebSocket constructor
   * @param {(state: string, previous: string, info?: object) => void} o.onState
   * @param {(welcome: object) => void} o.onOpen
   * @param {(message: object) => void} o.onMessage
   * @param {(info: {code: number, reason: string, wasConnected: boolean}) => void} o.onClose
   * @param {() => Promise<void>} o.poll one round of HTTP push and pull
   */
  constructor(o) {
    this.#o = o;
  }

  get state() {
    return this.#state;
  }

  get attempts() {
    return this.#attempts;
  }

  start(networkOnline = true) {
    this.#networkOnline = networkOnline;
    if (this.#offline()) this.#setState('offline');
    else this.#begin();
  }

  /** Sends when a welcomed socket is open; returns false otherwise. */
  send(message) {
    const ws = this.#ws;
    if (!ws || !this.#welcomed || ws.readyState !== OPEN) return false;
    ws.send(JSON.stringify(message));
    return true;
  }

  get connected() {
    return this.#welcomed && this.#ws?.readyState === OPEN;
  }

  setNetworkOnline(online) {
    this.#networkOnline = online;
    this.#reevaluate();
  }

  setManualOffline(offline) {
    this.#manualOffline = offline;
    this.#reevaluate();
  }

  get manualOffline() {
    return this.#manualOffline;
  }

  /** Drops the socket (or an attempt under way) and connects again at once; not while offline. */
  reconnectNow() {
    if (this.#state === 'closed' || this.#state === 'idle' || this.#offline()) return;
    this.#teardown(1000, 'reconnecting');
    this.#begin();
  }

  /** Runs a poll round now (when polling), e.g. because a write was made. */
  pollSoon() {
    if (!this.#polling) return;
    if (this.#pollRunning) {
      this.#pollAgain = true;
      return;
    }
    clearTimeout(this.#pollTimer);
    this.#pollTimer = null;
    this.#pollLoop();
  }

  close() {
    if (this.#state === 'closed') return;
    this.#setState('closed'); // first, so the socket's close schedules no retry
    this.#teardown(1000, 'client closed');
  }

  // ---- internals ----

  #offline() {
    return this.#manualOffline || !this.#networkOnline;
  }

  #begin() {
    this.#attempts = 0;
    if (this.#o.realtime) this.#open();
    else this.#startPolling();
  }

  #reevaluate() {
    if (this.#state === 'closed' || this.#state === 'idle') return;
    if (this.#offline()) {
      if (this.#state !== 'offline') {
        this.#teardown(1000, 'offline');
        this.#setState('offline');
      }
    } else if (this.#state === 'offline') {
      this.#begin();
    }
  }

  async #open() {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    if (this.#ws) return;
    if (!this.#polling) this.#setState(this.#attempts === 0 ? 'connecting' : 'reconnecting');
    const marker = {};
    this.#ws = marker; // reserves the slot while the URL (and token) is resolved
    let url;
    try {
      url = await this.#o.socketUrl();
    } catch (err) {
      if (this.#ws === marker) {
        this.#ws = null;
        this.#o.onError?.(err);
        this.#afterFailure(false);
      }
      return;
    }
    if (this.#ws !== marker) return; // torn down meanwhile
    let ws;
    try {
      ws = new this.#o.WebSocket(url);
    } catch (err) {
      this.#ws = null;
      this.#o.onError?.(err);
      this.#afterFailure(false);
      return;
    }
    this.#ws = ws;
    this.#welcomed = false;
    this.#connectTimer = setTimeout(() => {
      if (this.#ws === ws && !this.#welcomed) this.#socketGone(ws, 4000, 'no welcome in time');
    }, this.#o.connectTimeout);
    ws.onmessage = (ev) => {
      if (this.#ws !== ws) return;
      let msg;
      try {
        msg = JSON.parse(typeof ev.data === 'string' ? ev.data : String(ev.data));
      } catch {
        return;
      }
      if (msg?.type === 'welcome' && !this.#welcomed) {
        clearTimeout(this.#connectTimer);
        this.#welcomed = true;
        this.#attempts = 0;
        this.#stopPolling();
        this.#setState('connected');
        this.#o.onOpen(msg);
      } else if (this.#welcomed) {
        this.#o.onMessage(msg);
      }
    };
    ws.onclose = (ev) => this.#socketGone(ws, ev.code, ev.reason);
    ws.onerror = () => {}; // a close event follows
  }

  #socketGone(ws, code, reason) {
    if (this.#ws !== ws) return;
    this.#ws = null;
    clearTimeout(this.#connectTimer);
    const wasConnected = this.#welcomed;
    this.#welcomed = false;
    try {
      ws.onmessage = ws.onclose = null;
      if (ws.readyState <= OPEN) ws.close();
    } catch { /* already closing */ }
    this.#o.onClose({ code, reason: String(reason ?? ''), wasConnected });
    if (this.#state === 'closed' || this.#offline()) return;
    this.#afterFailure(wasConnected);
  }

  #afterFailure(wasConnected) {
    if (wasConnected) this.#attempts = 0;
    else this.#attempts++;
    const o = this.#o;
    const delay = backoffDelay(wasConnected ? 0 : this.#attempts - 1, o.reconnectDelay, o.maxReconnectDelay, o.random);
    if (this.#polling || this.#attempts >= o.maxReconnectAttempts) this.#startPolling();
    else this.#setState('reconnecting', { attempt: this.#attempts, delay });
    this.#retryTimer = setTimeout(() => this.#open(), delay);
  }

  #startPolling() {
    if (this.#polling) return;
    this.#polling = true;
    this.#setState('polling');
    this.#pollLoop();
  }

  async #pollLoop() {
    if (!this.#polling || this.#pollRunning) return;
    this.#pollRunning = true;
    try {
      do {
        this.#pollAgain = false;
        try {
          await this.#o.poll();
        } catch (err) {
          this.#o.onError?.(err);
        }
      } while (this.#pollAgain && this.#polling);
    } finally {
      this.#pollRunning = false;
    }
    if (this.#polling) this.#pollTimer = setTimeout(() => { this.#pollTimer = null; this.#pollLoop(); }, this.#o.pollInterval);
  }

  #stopPolling() {
    this.#polling = false;
    clearTimeout(this.#pollTimer);
    this.#pollTimer = null;
  }

  #teardown(code, reason) {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#stopPolling();
    const ws = this.#ws;
    if (ws && typeof ws.close === 'function') {
      this.#socketGone(ws, code, reason);
    } else {
      this.#ws = null; // a pending open sees the slot cleared and gives up
    }
  }

  #setState(state, info) {
    const previous = this.#state;
    if (previous === state) return;
    this.#state = state;
    this.#o.onState(state, previous, info);
  }
}
