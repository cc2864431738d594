// The demo's service worker: network first, the cache when the network is gone, so the page and
// the client library load during an offline reload. The API (/v1/...) is never cached.

const CACHE = 'livesync-demo-v1';
const SHELL = [
  './', 'index.html', 'demo.js', 'demo.css',
  'lib/livesync.js', 'lib/client.js', 'lib/backoff.js', 'lib/collection.js', 'lib/collection-state.js',
  'lib/connection.js', 'lib/emitter.js', 'lib/errors.js', 'lib/hlc.js', 'lib/http.js', 'lib/ids.js',
  'lib/merge.js', 'lib/outbox.js', 'lib/storage-indexeddb.js', 'lib/storage-memory.js', 'lib/tokens.js',
];
const NEVER = /^\/(v1|health|metrics)(\/|$)/;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // One by one, so a file missing from a custom deployment does not fail the whole install.
    await Promise.all(SHELL.map((path) => cache.add(new Request(path, { cache: 'no-store' })).catch(() => {})));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key !== CACHE) await caches.delete(key);
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin || NEVER.test(url.pathname)) return;
  event.respondWith((async () => {
    try {
      const res = await fetch(req);
      if (res.ok) {
        const copy = res.clone();
        event.waitUntil(caches.open(CACHE).then((cache) => cache.put(req, copy)));
      }
      return res;
    } catch (err) {
      const cached = await caches.match(req, { ignoreSearch: true })
        ?? (req.mode === 'navigate' ? await caches.match('./') : undefined);
      if (cached) return cached;
      throw err;
    }
  })());
});
