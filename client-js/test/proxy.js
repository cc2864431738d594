// A TCP proxy in front of the real server, to cut the network the way a device loses it:
// 'open' forwards everything, 'no-websocket' refuses WebSocket upgrades (HTTP still works),
// 'down' refuses every connection. cut() drops the connections already open; setTarget() points
// it at another server port (a restarted server gets a fresh port, so no test races for an old one).

import net from 'node:net';

export async function startProxy(targetPort) {
  const open = new Set();
  let mode = 'open';
  let target = targetPort;
  const server = net.createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    if (mode === 'down') {
      client.destroy();
      return;
    }
    client.once('data', (first) => {
      if (mode === 'down' || (mode === 'no-websocket' && first.toString('latin1').startsWith('GET /v1/ws'))) {
        client.destroy();
        return;
      }
      const upstream = net.connect(target, '127.0.0.1');
      open.add(upstream);
      upstream.on('close', () => { open.delete(upstream); client.destroy(); });
      upstream.on('error', () => upstream.destroy());
      client.on('close', () => upstream.destroy());
      upstream.write(first);
      client.pipe(upstream);
      upstream.pipe(client);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    setMode(m) {
      mode = m;
    },
    setTarget(port) {
      target = port;
    },
    cut() {
      for (const s of open) s.destroy();
    },
    async close() {
      for (const s of open) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
