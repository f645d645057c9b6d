// Real nginx (Debian) in front of Myelin, HTTP/2 over TLS with a self-signed certificate:
// `curl --http2` receives SSE events as they happen, not when a proxy buffer fills.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startServer } from './lib/server.mjs';
import { startNginx } from './lib/nginx.mjs';
import { Api } from './lib/client.mjs';
import { V3, createRoom, send } from './lib/rooms.mjs';

let server, nginxPort, nginx;
before(async () => {
  server = await startServer();
  // A plain reverse-proxy configuration: nothing SSE-specific. Myelin's X-Accel-Buffering: no
  // header is what turns nginx's response buffering off for the stream.
  nginx = await startNginx((d, port) => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-keyout', join(d, 'key.pem'), '-out', join(d, 'cert.pem')], { stdio: 'ignore' });
    return `
  server {
    listen 127.0.0.1:${port} ssl http2;
    ssl_certificate ${d}/cert.pem;
    ssl_certificate_key ${d}/key.pem;
    location / {
      proxy_pass http://127.0.0.1:${server.port};
      proxy_http_version 1.1;
      proxy_read_timeout 1h;
    }
  }`;
  });
  nginxPort = nginx.port;
});
after(async () => {
  nginx?.stop();
  await server.stop();
});

test('events pass through nginx over HTTP/2 as they happen', async () => {
  const alice = await new Api(server.url).register('nginx_alice');
  const roomId = await createRoom(alice);
  const curl = spawn('curl', ['--http2', '-k', '-sS', '-N', '-v', '-H', `Authorization: Bearer ${alice.token}`,
    `https://127.0.0.1:${nginxPort}${V3}/sync/sse?heartbeat_interval=30`]);
  let out = '';
  let verbose = '';
  curl.stderr.on('data', (d) => { verbose += d.toString(); });
  const arrivals = [];
  curl.stdout.on('data', (d) => { out += d.toString(); arrivals.push({ at: Date.now(), text: d.toString() }); });
  const until = async (pred, ms, what) => {
    const t0 = Date.now();
    while (!pred()) {
      if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}: ${out.slice(0, 300)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  try {
    await until(() => out.includes('\ndata: '), 10000, 'first event through nginx');
    const sentAt = Date.now();
    await send(alice, roomId, { msgtype: 'm.text', body: 'through the proxy' });
    await until(() => out.includes('through the proxy'), 5000, 'the message');
    const arrived = arrivals.find((a) => a.text.includes('through the proxy')).at;
    assert.ok(arrived - sentAt < 2000, `took ${arrived - sentAt} ms: the proxy buffered`);
  } finally {
    curl.kill();
  }
  await new Promise((r) => curl.on('close', r));
  // curl -v shows the protocol of the response it received.
  assert.match(verbose, /< HTTP\/2 200/);
  assert.match(verbose, /< content-type: text\/event-stream/i);
});
