// The README's quick start is real code: run it against the server and check what it prints.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { serverApi, startServer } from './server.js';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

test('examples/quickstart.js saves, updates and sees its write synced', { timeout: 60_000 }, async () => {
  const script = fileURLToPath(new URL('../examples/quickstart.js', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, [script, server.url], { timeout: 30_000 });
  assert.match(stdout, /connection: connected/);
  const m = /synced: (\{.*\}) version (\d+)/.exec(stdout);
  assert.ok(m, stdout);
  assert.deepEqual(JSON.parse(m[1]), { title: 'Buy milk', done: true });
  const [rec] = (await serverApi(server.url).records('todos'));
  assert.deepEqual(rec.data, { title: 'Buy milk', done: true });
  assert.equal(String(rec.version), m[2]);
});
