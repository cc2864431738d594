// The LiveSync demo: a shared todo list on the collection 'demo-todos'. Every edit lands in this
// browser's IndexedDB at once, goes to the server over the WebSocket, and reaches every other open
// page; the badges show each item's sync state. Try `livesync.todos.list()` in the console.

import { createClient } from './lib/livesync.js';

const COLLECTION = 'demo-todos';
const OFFLINE_KEY = 'livesync-demo-offline';
const TOKEN_KEY = 'livesync-demo-token';

const $ = (sel) => document.querySelector(sel);
const ui = {
  connection: $('#connection'),
  offline: $('#offline'),
  form: $('#add-form'),
  title: $('#new-title'),
  list: $('#todo-list'),
  empty: $('#empty'),
  summary: $('#summary'),
  log: $('#log'),
  tokenForm: $('#token-form'),
  token: $('#token'),
  tokenStatus: $('#token-status'),
};

// ---- the token (servers with authentication on) ----
// A token given as /#token=<jwt> is moved to this tab's sessionStorage and taken out of the
// address bar; a fragment never reaches the server or its logs. The client asks for the token at
// every connection attempt, so a token pasted later is used from the next one on.

function takeTokenFromFragment() {
  const params = new URLSearchParams(location.hash.slice(1));
  const given = params.get('token');
  if (!given) return;
  sessionStorage.setItem(TOKEN_KEY, given.trim());
  params.delete('token');
  const rest = params.toString();
  history.replaceState(null, '', location.pathname + location.search + (rest ? '#' + rest : ''));
}
takeTokenFromFragment();
const currentToken = () => sessionStorage.getItem(TOKEN_KEY);

const client = createClient({ serverUrl: location.origin, storage: 'indexeddb', tokenProvider: currentToken });
const todos = client.collection(COLLECTION);
// The offline switch is remembered per tab, so a reload while "offline" stays offline.
if (sessionStorage.getItem(OFFLINE_KEY) === '1') {
  ui.offline.checked = true;
  client.goOffline();
}
window.livesync = { client, todos };

// ---- event log ----

const MAX_LOG = 300;

function log(kind, text, cls = kind) {
  const li = document.createElement('li');
  li.className = cls;
  const time = document.createElement('time');
  const now = new Date();
  time.textContent = now.toLocaleTimeString([], { hour12: false }) + '.' + String(now.getMilliseconds()).padStart(3, '0');
  const k = document.createElement('span');
  k.className = 'kind';
  k.textContent = kind;
  li.append(time, k, document.createTextNode(text));
  ui.log.prepend(li);
  while (ui.log.children.length > MAX_LOG) ui.log.lastElementChild.remove();
}

const short = (id) => (id && id.length > 12 ? id.slice(0, 8) + '…' : id);
const titleOf = async (id) => (await todos.get(id))?.data.title ?? short(id);

client.on('connection', ({ state, attempt, delay }) => {
  showConnection(state);
  const extra = state === 'reconnecting' && delay != null ? ` (attempt ${attempt}, retry in ${delay} ms)` : '';
  log('connection', `${state}${extra}`);
});
client.on('synced', ({ seq, reset, received }) => {
  const brought = received ? `, ${received} record${received === 1 ? '' : 's'} received` : '';
  log('synced', `caught up to seq ${seq}${brought}${reset ? ' after a reset' : ''}`);
});
client.on('reset', () => log('reset', 'the server asked for a full reload of the list', 'conflict'));
client.on('resubscribe', ({ cursor, seq }) => log('gap', `missed changes between ${cursor} and ${seq}: re-subscribing`, 'conflict'));
client.on('ack', async ({ id, status, version }) => log('ack', `${status} "${await titleOf(id)}" → v${version}`));
client.on('change', async ({ id, op, seq, own, origin }) => {
  if (own) return; // the echo of an edit made here: its ack is logged
  log('remote', `${op} "${await titleOf(id)}" (seq ${seq}, from ${origin ?? 'server'})`);
});
client.on('conflict', async ({ id, status, record }) => {
  const title = await titleOf(id); // awaited like the ack's, so the log keeps ack → conflict order
  const kept = record?.data?.title != null ? `; the server kept "${record.data.title}"` : '';
  log('conflict', `${status}: a concurrent write to "${title}" won${kept}`);
});
client.on('error', ({ code, message, retrying }) => {
  log('error', `${code}: ${message}${retrying ? ' (will retry)' : ''}`);
  if (code === 'unauthorized') checkToken();
});

function showConnection(state) {
  const labels = {
    idle: 'starting…',
    connecting: 'connecting…',
    connected: 'live',
    reconnecting: 'reconnecting…',
    polling: 'polling over HTTP',
    offline: navigator.onLine ? 'offline (switch)' : 'offline (no network)',
    closed: 'closed',
  };
  ui.connection.dataset.state = state;
  ui.connection.textContent = labels[state] ?? state;
}

// ---- the list ----

/** A record id: a UUID (crypto.randomUUID exists on secure origins only). */
function newId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

const rows = new Map(); // id → li
let editing = null;

function rowFor(id) {
  let li = rows.get(id);
  if (li) return li;
  li = document.createElement('li');
  li.dataset.id = id;
  li.innerHTML = `<input type="checkbox" class="toggle" aria-label="done">
    <span class="title"></span>
    <span class="state"></span>
    <button type="button" class="delete" title="Delete" aria-label="delete">✕</button>`;
  li.querySelector('.toggle').addEventListener('change', (e) => edit('update', id, { done: e.target.checked }));
  li.querySelector('.delete').addEventListener('click', () => edit('delete', id));
  li.querySelector('.title').addEventListener('dblclick', () => startEditing(li, id));
  li.querySelector('.state').addEventListener('click', () => {
    if (li.dataset.state === 'conflict') todos.clearConflict(id);
  });
  rows.set(id, li);
  return li;
}

function startEditing(li, id) {
  const span = li.querySelector('.title');
  const input = document.createElement('input');
  input.className = 'edit';
  input.value = span.textContent;
  editing = id;
  span.replaceWith(input);
  input.focus();
  input.select();
  let finished = false;
  const finish = (save) => {
    if (finished) return;
    finished = true;
    editing = null;
    input.replaceWith(span);
    const title = input.value.trim();
    if (save && title && title !== span.textContent) edit('update', id, { title });
    else render();
  };
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') finish(true);
    if (e.key === 'Escape') finish(false);
  });
  input.addEventListener('blur', () => finish(true));
}

async function edit(op, id, data) {
  const title = op === 'insert' ? data.title : await titleOf(id);
  const queued = client.connectionState === 'connected' ? '' : ' (queued)';
  const writing = op === 'insert' ? todos.save(id, data) : op === 'update' ? todos.update(id, data) : todos.delete(id);
  log('local', `${op} "${title}"${op === 'update' ? ` ${JSON.stringify(data)}` : ''}${queued}`);
  try {
    await writing;
  } catch (err) {
    log('error', err.message);
  }
}

let rendering = null;
let renderAgain = false;

/** Redraws from the local view; coalesces bursts of changes into one pass. */
async function render() {
  if (rendering) {
    renderAgain = true;
    return rendering;
  }
  rendering = (async () => {
    do {
      renderAgain = false;
      const items = (await todos.list()).sort((a, b) => (a.data.createdAt ?? 0) - (b.data.createdAt ?? 0) || (a.id < b.id ? -1 : 1));
      draw(items);
    } while (renderAgain);
  })();
  try {
    await rendering;
  } finally {
    rendering = null;
  }
}

function draw(items) {
  const seen = new Set();
  let previous = null;
  for (const r of items) {
    seen.add(r.id);
    const li = rowFor(r.id);
    li.dataset.state = r.state;
    li.classList.toggle('done', r.data.done === true);
    li.querySelector('.toggle').checked = r.data.done === true;
    if (editing !== r.id) li.querySelector('.title').textContent = r.data.title ?? '(untitled)';
    const badge = li.querySelector('.state');
    badge.dataset.state = r.state;
    badge.textContent = r.state;
    badge.title = r.state === 'conflict'
      ? `${r.conflict.status}${r.conflict.code ? ` (${r.conflict.code}: ${r.conflict.message})` : ': a concurrent write won'}; click to dismiss`
      : r.state === 'pending' ? 'saved on this device, waiting for the server' : `version ${r.version} on the server`;
    const expected = previous ? previous.nextSibling : ui.list.firstChild;
    if (li !== expected) ui.list.insertBefore(li, expected);
    previous = li;
  }
  for (const [id, li] of rows) {
    if (!seen.has(id)) {
      li.remove();
      rows.delete(id);
    }
  }
  ui.empty.hidden = items.length > 0;
  const pending = items.filter((r) => r.state === 'pending').length;
  const conflicts = items.filter((r) => r.state === 'conflict').length;
  ui.summary.textContent = [
    `${items.length} item${items.length === 1 ? '' : 's'}`,
    `${pending} pending`,
    conflicts ? `${conflicts} in conflict` : null,
    `${client.pendingCount} write${client.pendingCount === 1 ? '' : 's'} queued`,
    client.nodeId ? `device ${client.nodeId}` : null,
  ].filter(Boolean).join(' · ');
}

todos.onChange(() => render());
client.on('outbox', () => render());

ui.form.addEventListener('submit', (e) => {
  e.preventDefault();
  const title = ui.title.value.trim();
  if (!title) return;
  ui.title.value = '';
  edit('insert', newId(), { title, done: false, createdAt: Date.now() });
});

ui.offline.addEventListener('change', () => {
  if (ui.offline.checked) {
    sessionStorage.setItem(OFFLINE_KEY, '1');
    client.goOffline();
  } else {
    sessionStorage.removeItem(OFFLINE_KEY);
    client.goOnline();
  }
});

$('#clear-log').addEventListener('click', () => ui.log.replaceChildren());

/** The token the client was last given: the one it started with, then each accepted one. */
let acceptedToken = currentToken();

/**
 * Asks the server whether the page may read the list with the current token (an authenticated
 * read of one record) and shows the token form when it may not. A browser cannot see why a
 * WebSocket handshake failed, so this HTTP answer is what tells a refused token apart from a
 * server that is down. A token accepted for the first time goes to the client at once: it may
 * hold an earlier one (a token without these grants connects too), so it drops that one and
 * reconnects now instead of at the end of its backoff (not while switched offline). Resolves to
 * true when the token (or no token, with authentication off) is accepted.
 */
async function checkToken() {
  const token = currentToken();
  let res;
  try {
    res = await fetch(`/v1/collections/${COLLECTION}/records?limit=1`, {
      headers: token ? { Authorization: `Bearer ${token}` } : {},
      cache: 'no-store',
    });
  } catch {
    return false; // no network: the connection badge says so
  }
  if (res.ok) {
    ui.tokenForm.hidden = true;
    if (token && token !== acceptedToken) {
      acceptedToken = token;
      log('connection', 'token accepted; connecting with it');
      client.refreshToken();
    }
    return true;
  }
  if (res.status !== 401 && res.status !== 403) return false;
  const reason = (await res.json().catch(() => null))?.error?.message ?? `HTTP ${res.status}`;
  ui.tokenStatus.textContent = !token ? ''
    : res.status === 401 ? `The server refused this token: ${reason}`
    : `This token may not read ${COLLECTION}: ${reason}`;
  ui.tokenForm.hidden = false;
  return false;
}

ui.tokenForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  const token = ui.token.value.trim();
  if (!token) return;
  sessionStorage.setItem(TOKEN_KEY, token);
  ui.token.value = '';
  await checkToken();
});
checkToken();

showConnection(client.connectionState);
client.ready.then(() => {
  log('start', `device ${client.nodeId}, ${client.pendingCount} queued write${client.pendingCount === 1 ? '' : 's'} from before`, 'connection');
  render();
}, (err) => log('error', `local storage unavailable: ${err.message}`));

// A service worker keeps the page itself available offline, so a reload without network still
// opens the list (and its queued edits) from IndexedDB. Only on secure origins (localhost counts).
if ('serviceWorker' in navigator && window.isSecureContext) {
  navigator.serviceWorker.register('sw.js').then(
    () => navigator.serviceWorker.ready.then(() => document.documentElement.dataset.offlineReady = 'true'),
    (err) => log('error', `offline cache unavailable: ${err.message}`),
  );
}
