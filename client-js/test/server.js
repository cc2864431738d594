// Starts the real LiveSync server (the jar built by Maven) on a free port with a temporary data
// directory, for tests. Builds nothing: run `mvn -B package -DskipTests` at the repository root
// first (run-tests.sh does when the jar is missing).

import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SERVER_JAR = process.env.LIVESYNC_SERVER_JAR
  ?? fileURLToPath(new URL('../../sync-server/target/sync-server.jar', import.meta.url));

const READY = /LiveSync listening on (http:\/\/[^\s]+)/;
const running = new Set();
let jarCopy = null; // {dir, path} once copied
let copying = null;

/**
 * The servers of one test process run from a private copy of the jar: a rebuild of the original
 * while they run (another build in the same work tree) would otherwise break their class loading.
 */
function privateJar() {
  copying ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'livesync-jar-'));
    jarCopy = { dir, path: join(dir, 'sync-server.jar') };
    await copyFile(SERVER_JAR, jarCopy.path);
    return jarCopy.path;
  })();
  return copying;
}

// A test process that ends in any way still takes its servers with it: normal exit, an uncaught
// failure, or a signal (exiting runs the 'exit' hooks, Playwright's browser cleanup included).
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
  if (jarCopy) rmSync(jarCopy.dir, { recursive: true, force: true });
});
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
  process.once(signal, () => process.exit(code));
}

/**
 * @param {{port?: number, dataDir?: string, env?: object, timeoutMs?: number}} options
 *   port 0 (default) picks a free one; pass the old port and dataDir to restart "the same" server.
 * @returns {Promise<{url: string, port: number, dataDir: string, output: () => string, stop: () => Promise<void>, kill: () => Promise<void>}>}
 */
export async function startServer({ port = 0, dataDir, env = {}, timeoutMs = 90_000 } = {}) {
  if (!existsSync(SERVER_JAR)) {
    throw new Error(`server jar ${SERVER_JAR} not found: run 'mvn -B package -DskipTests' at the repository root`);
  }
  const ownDir = !dataDir;
  dataDir ??= await mkdtemp(join(tmpdir(), 'livesync-js-'));
  const child = spawn('java', ['-jar', await privateJar()], {
    env: {
      ...process.env,
      SYNC_PORT: String(port),
      SYNC_DATA_DIR: dataDir,
      SYNC_DEMO: 'true',
      SYNC_DRAIN_TIMEOUT_MS: '1000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
    child.once('error', (err) => { // e.g. no java on the PATH: there may be no 'exit'
      output += `\ncannot run java: ${err.message}`;
      running.delete(child);
      resolve({ code: null, signal: err.code });
    });
  });

  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`server did not start within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    function fail(err) {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    }
    const onData = (chunk) => {
      output += chunk;
      const m = READY.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', (chunk) => { output += chunk; });
    exited.then(({ code, signal }) => fail(new Error(`server exited (${code ?? signal}) before it was ready:\n${output}`)));
  });
  let url;
  try {
    url = await ready;
  } catch (err) {
    await exited;
    if (ownDir) await rm(dataDir, { recursive: true, force: true });
    throw err;
  }

  async function end(signal) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
  }

  return {
    url,
    port: Number(new URL(url).port),
    dataDir,
    output: () => output,
    /** SIGTERM (drain), then removes the data directory when this call created it. */
    async stop() {
      await end('SIGTERM');
      if (ownDir) await rm(dataDir, { recursive: true, force: true });
    },
    /** kill -9; the data directory is kept for a restart. */
    kill: () => end('SIGKILL'),
  };
}

/** The server's HTTP API as a test sees it: the source of truth to compare clients with. */
export function serverApi(url) {
  async function call(method, path, body) {
    const res = await fetch(url + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }
  const rec = (c, id) => `/v1/collections/${encodeURIComponent(c)}/records/${encodeURIComponent(id)}`;
  return {
    call,
    async record(collection, id) {
      const r = await call('GET', rec(collection, id));
      return r.status === 404 ? null : r.body;
    },
    /** Every live record of a collection, in id order. */
    async records(collection) {
      const out = [];
      let after = null;
      do {
        const q = new URLSearchParams({ limit: '100' });
        if (after) q.set('after', after);
        const r = await call('GET', `/v1/collections/${encodeURIComponent(collection)}/records?${q}`);
        if (r.status !== 200) throw new Error(`list ${collection}: ${r.status} ${JSON.stringify(r.body)}`);
        out.push(...r.body.items);
        after = r.body.next;
      } while (after);
      return out;
    },
    put: (collection, id, data) => call('PUT', rec(collection, id), data).then((r) => r.body),
    patch: (collection, id, data) => call('PATCH', rec(collection, id), data).then((r) => r.body),
    delete: (collection, id) => call('DELETE', rec(collection, id)).then((r) => r.body),
  };
}
