// Opens N keep-alive connections to a running server, sends one request on each, then leaves
// them idle and reports the server's resident memory per connection (from /proc/PID/status).
// Usage: node bench/idle_connections.mjs --pid PID --port PORT [--count 10000]
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: {
  pid: { type: 'string' }, port: { type: 'string' }, count: { type: 'string', default: '10000' },
  host: { type: 'string', default: '127.0.0.1' },
} });
const count = Number(values.count);
const port = Number(values.port);

function rssKiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]);
}

// Spread sources over 127.0.0.x so the ephemeral-port range never runs out.
function open(i) {
  return new Promise((resolve, reject) => {
    const localAddress = `127.0.0.${2 + (i % 50)}`;
    const sock = net.connect({ host: values.host, port, localAddress }, () => {
      sock.write('GET /_matrix/client/versions HTTP/1.1\r\nHost: bench\r\n\r\n');
    });
    let got = '';
    sock.on('data', (d) => {
      got += d.toString();
      const end = got.indexOf('\r\n\r\n');
      if (end < 0) return;
      const len = Number(/content-length: *(\d+)/i.exec(got)[1]);
      if (got.length >= end + 4 + len) { sock.removeAllListeners('data'); resolve(sock); }
    });
    sock.on('error', reject);
  });
}

const before = rssKiB(values.pid);
const socks = [];
const batch = 200;
for (let i = 0; i < count; i += batch) {
  const n = Math.min(batch, count - i);
  socks.push(...await Promise.all(Array.from({ length: n }, (_, k) => open(i + k))));
}
await new Promise((r) => setTimeout(r, 1000));
const after = rssKiB(values.pid);
let closed = 0;
for (const s of socks) s.on('close', () => closed++);
const result = {
  connections: socks.length,
  rss_before_kib: before,
  rss_after_kib: after,
  growth_mib: +((after - before) / 1024).toFixed(1),
  kib_per_connection: +((after - before) / socks.length).toFixed(2),
  closed_by_server_during_test: closed,
};
console.log(JSON.stringify(result));
for (const s of socks) s.destroy();
