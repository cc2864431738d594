// Identifiers: opIds and record ids are UUIDs; a device's HLC node id is persisted with its store.

const cryptoApi = globalThis.crypto;

/** A version 4 UUID; crypto.randomUUID exists only in secure contexts, getRandomValues everywhere. */
export function uuid() {
  if (typeof cryptoApi?.randomUUID === 'function') return cryptoApi.randomUUID();
  const b = cryptoApi.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A new device node id: `js-` and 16 hex digits (matches [A-Za-z0-9_-]{1,64}). */
export function newNodeId() {
  return 'js-' + uuid().replace(/-/g, '').slice(0, 16);
}

export const COLLECTION_NAME = /^[A-Za-z0-9_.:-]{1,128}$/;
export const RECORD_ID = /^[A-Za-z0-9_.:@-]{1,128}$/;
