// The protocol's write semantics (protocol 1.3), applied locally so the view matches what the
// server will compute when the write arrives unopposed.

/** `base` with each key of `delta` replacing that field and each null removing it. New object. */
export function shallowMerge(base, delta) {
  const result = { ...(base || {}) };
  for (const [key, value] of Object.entries(delta || {})) {
    if (value === null || value === undefined) delete result[key];
    else result[key] = value;
  }
  return result;
}

/**
 * The state after one write: `state` is `{data, deleted}` or null when the record is unknown.
 * insert replaces the document, update merges into it (resurrecting a tombstone with only the
 * written fields), delete leaves a tombstone.
 */
export function applyWrite(state, op, data) {
  switch (op) {
    case 'insert':
      return { data: shallowMerge({}, data), deleted: false };
    case 'update':
      return { data: shallowMerge(state && !state.deleted ? state.data : {}, data), deleted: false };
    case 'delete':
      return { data: {}, deleted: true };
    default:
      throw new TypeError(`unknown op '${op}'`);
  }
}

/** Freezes a JSON value in place, all the way down, so views can hand out references safely. */
export function deepFreeze(value) {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** A deep copy of a JSON document that the caller can no longer mutate under us. */
export function cloneJson(value) {
  return JSON.parse(JSON.stringify(value));
}
