// Real nginx (Debian) in front of Myelin, HTTP/2 over TLS with a self-signed certificate:
// `curl --http2` receives SSE events as they happen, not when a proxy buffer fills.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { startServer } from './lib/server.mjs';
import { Api } from './lib/client.mjs';
import { V3, createRoom, send } from './lib/rooms.mjs';

const freePort = () => new Promise((res) => {
  const srv = net.createServer().listen(0, '127.0.0.1', () => { const p = srv.address().port; srv.close(() => res(p)); });
});

let server, dir, nginxPort;
before(async () => {
  server = await startServer();
  dir = mkdtempSync(join(tmpdir(), 'myelin-nginx-'));
  mkdirSync(join(dir, 'logs'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  nginxPort = await freePort();
  // A plain reverse-proxy configuration: nothing SSE-specific. Myelin's X-Accel-Buffering: no
  // header is what turns nginx's response buffering off for the stream.
  writeFileSync(join(dir, 'nginx.conf'), `
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${nginxPort} ssl http2;
    ssl_certificate ${dir}/cert.pem;
    ssl_certificate_key ${dir}/key.pem;
    location / {
      proxy_pass http://127.0.0.1:${server.port};
      proxy_http_version 1.1;
      proxy_read_timeout 1h;
    }
  }
}`);
  nginx = spawn('/usr/sbin/nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'ignore' });
  for (let i = 0; i < 50; i++) {
    try { await new Promise((res, rej) => { const s = net.connect(nginxPort, '127.0.0.1', () => { s.destroy(); res(); }); s.on('error', rej); }); break; }
    catch { await new Promise((r) => setTimeout(r, 100)); }
  }
});
let nginx;
after(async () => {
  nginx?.kill('SIGQUIT');
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
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
