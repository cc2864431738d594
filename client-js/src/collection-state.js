// One collection as this device knows it: the server's records and cursor, the writes still
// pending on top of them, and conflicts to show. Pure bookkeeping with no I/O: the client decides
// what to send and persist from the values these methods return.

import { applyWrite, deepFreeze } from './merge.js';

/** A server record as held locally. */
export function recordFromChange(item) {
  const deleted = item.op === 'delete' || item.deleted === true;
  return {
    id: item.id,
    data: deleted ? deepFreeze({}) : deepFreeze(item.data ?? {}),
    version: item.version,
    seq: item.seq,
    ts: item.ts ?? null,
    deleted,
  };
}

export class CollectionState {
  constructor(name) {
    this.name = name;
    /** id → server record {id, data, version, seq, ts, deleted} */
    this.records = new Map();
    /** {epoch, seq} once the first catch-up completed, else null */
    this.cursor = null;
    /** id → outbox entries for that record in write order; acked ones stay until their change arrives */
    this.pending = new Map();
    /** id → {status, opId, code?, message?, record?} of the last write that did not take full effect */
    this.conflicts = new Map();
    /** during a reset, the new copy being filled by catch-up; swapped in at `synced` */
    this.staging = null;
    /** true from subscribe until synced on the current connection */
    this.catchingUp = false;
    /** live changes that arrived while catching up, re-applied after `synced` */
    this.buffered = [];
  }

  load({ records = [], cursor = null }) {
    for (const r of records) {
      deepFreeze(r.data);
      this.records.set(r.id, r);
    }
    this.cursor = cursor;
  }

  // ---- the local view ----

  /** The record as the application sees it: server state with pending writes replayed on top. */
  view(id) {
    const server = this.records.get(id);
    const entries = this.pending.get(id);
    let state = server ? { data: server.data, deleted: server.deleted } : null;
    let ts = server?.ts ?? null;
    let version = server?.version ?? 0;
    if (entries) {
      for (const e of entries) {
        state = applyWrite(state, e.op, e.data);
        ts = e.ts;
        if (e.ackedVersion > version) version = e.ackedVersion;
      }
      if (state) deepFreeze(state.data);
    }
    if (!state || state.deleted) return null;
    const conflict = this.conflicts.get(id) ?? null;
    return {
      id,
      data: state.data,
      version,
      ts,
      state: this.syncState(id),
      conflict,
    };
  }

  /** 'pending' while a write of the record awaits its ack, 'conflict' after one lost, else 'synced'. */
  syncState(id) {
    const entries = this.pending.get(id);
    if (entries && entries.some((e) => e.ackedSeq == null)) return 'pending';
    if (this.conflicts.has(id)) return 'conflict';
    return 'synced';
  }

  /** Every live record of the view, in id order (the order of the server's REST listing). */
  list() {
    const ids = new Set([...this.records.keys(), ...this.pending.keys()]);
    const out = [];
    for (const id of [...ids].sort()) {
      const v = this.view(id);
      if (v) out.push(v);
    }
    return out;
  }

  // ---- pending writes ----

  addPending(entry) {
    let list = this.pending.get(entry.id);
    if (!list) this.pending.set(entry.id, (list = []));
    list.push(entry);
    this.conflicts.delete(entry.id);
  }

  removePending(entry) {
    const list = this.pending.get(entry.id);
    if (!list) return false;
    const i = list.indexOf(entry);
    if (i < 0) return false;
    list.splice(i, 1);
    if (list.length === 0) this.pending.delete(entry.id);
    return true;
  }

  findPending(opId) {
    for (const list of this.pending.values()) {
      const e = list.find((x) => x.opId === opId);
      if (e) return e;
    }
    return null;
  }

  /**
   * The server applied the write as `seq`, making `version`. It stays in the view until the change
   * itself arrives (or the cursor passes it), so the record does not flicker back meanwhile.
   * Returns the ids whose view changed.
   */
  markAcked(entry, seq, version) {
    entry.ackedSeq = seq;
    entry.ackedVersion = version;
    return this.prune();
  }

  /** Drops acked writes the server state already contains. Returns the ids affected. */
  prune() {
    const ids = [];
    if (!this.cursor) return ids;
    for (const [id, list] of [...this.pending]) {
      const keep = list.filter((e) => e.ackedSeq == null || e.ackedSeq > this.cursor.seq);
      if (keep.length !== list.length) {
        ids.push(id);
        if (keep.length) this.pending.set(id, keep);
        else this.pending.delete(id);
      }
    }
    return ids;
  }

  setConflict(id, conflict) {
    this.conflicts.set(id, conflict);
  }

  clearConflict(id) {
    return this.conflicts.delete(id);
  }

  // ---- server state ----

  /** Starts a catch-up on the current connection (subscribe or re-subscribe). */
  beginCatchUp() {
    this.staging = null;
    this.catchingUp = true;
    this.buffered = [];
  }

  /** `reset`: the local copy is dropped; the catch-up that follows fills a fresh one. */
  beginReset() {
    this.staging = new Map();
  }

  /**
   * A page of catch-up (full states, seq order). Returns the records to persist now (none while a
   * reset is staged: those are persisted together at `synced`).
   */
  applyItems(items) {
    const target = this.staging ?? this.records;
    const changed = [];
    for (const item of items) {
      const rec = recordFromChange(item);
      const existing = target.get(rec.id);
      if (!existing || rec.version >= existing.version) {
        target.set(rec.id, rec);
        changed.push(rec);
      }
    }
    return this.staging ? { persist: [], ids: [] } : { persist: changed, ids: changed.map((r) => r.id) };
  }

  /**
   * `synced`: catch-up is complete up to seq. Returns whether a reset was completed, the records
   * to persist, the ids whose view changed, and the live changes buffered meanwhile.
   */
  applySynced(seq, epoch) {
    let reset = false;
    let persist = [];
    let ids = [];
    if (this.staging) {
      reset = true;
      const old = this.records;
      this.records = this.staging;
      this.staging = null;
      persist = [...this.records.values()];
      ids = [...new Set([...old.keys(), ...this.records.keys()])];
      // Acked writes belong to the old history; the new copy holds whatever the server kept.
      for (const [id, list] of [...this.pending]) {
        const keep = list.filter((e) => e.ackedSeq == null);
        if (keep.length) this.pending.set(id, keep);
        else this.pending.delete(id);
      }
    }
    this.cursor = { epoch, seq };
    ids.push(...this.prune());
    this.catchingUp = false;
    const buffered = this.buffered;
    this.buffered = [];
    return { reset, persist, ids: [...new Set(ids)], cursor: this.cursor, buffered };
  }

  /**
   * A live `change`. Returns {kind: 'buffered'} while catching up, {kind: 'ignored'} for one
   * already applied, {kind: 'gap'} when changes were missed (the caller re-subscribes), or
   * {kind: 'applied', record, cursor, entry, ids} where entry is the pending write it confirms.
   */
  applyLive(change) {
    if (this.catchingUp) {
      this.buffered.push(change);
      return { kind: 'buffered' };
    }
    if (!this.cursor) return { kind: 'gap' };
    if (change.seq <= this.cursor.seq) return { kind: 'ignored' };
    if (change.seq > this.cursor.seq + 1) return { kind: 'gap' };
    const existing = this.records.get(change.id);
    let record = null;
    if (!existing || change.version > existing.version) {
      const base = existing ? { data: existing.data, deleted: existing.deleted } : null;
      const state = applyWrite(base, change.op, change.data);
      record = {
        id: change.id,
        data: deepFreeze(state.data),
        version: change.version,
        seq: change.seq,
        ts: change.ts ?? null,
        deleted: state.deleted,
      };
      this.records.set(change.id, record);
    }
    this.cursor = { epoch: this.cursor.epoch, seq: change.seq };
    let entry = null;
    if (change.opId) {
      entry = this.findPending(change.opId);
      if (entry) this.removePending(entry);
    }
    const ids = [change.id, ...this.prune()];
    return { kind: 'applied', record, cursor: this.cursor, entry, ids: [...new Set(ids)] };
  }

  /** The current record carried by a superseded/rejected/merged ack. Returns it if newer. */
  applyAckRecord(r) {
    if (!r || typeof r.version !== 'number' || r.version < 1) return null;
    const existing = this.records.get(r.id);
    if (existing && existing.version >= r.version) return null;
    const rec = recordFromChange({ ...r, op: r.deleted ? 'delete' : 'insert' });
    this.records.set(rec.id, rec);
    return rec;
  }
}
