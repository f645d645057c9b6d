// Opens N idle /sync/sse streams (or N idle long-polls) against a running server and reports
// the server's resident memory per stream, read from /proc/PID/status.
// Usage: node bench/idle_streams.mjs --pid PID --port PORT [--count 10000] [--users 100]
//        [--mode sse|sse-gzip|longpoll]   (sse-gzip: streams asking for Accept-Encoding: gzip)
import net from 'node:net';
import zlib from 'node:zlib';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: {
  pid: { type: 'string' }, port: { type: 'string' }, count: { type: 'string', default: '10000' },
  users: { type: 'string', default: '100' }, mode: { type: 'string', default: 'sse' },
} });
const port = Number(values.port);
const count = Number(values.count);
const rssKiB = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${values.pid}/status`, 'utf8'))[1]);
const base = `http://127.0.0.1:${port}/_matrix/client/v3`;

const tokens = [];
const run = Date.now().toString(36);
for (let i = 0; i < Number(values.users); i++) {
  const r = await fetch(`${base}/register`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: `idle_${run}_${i}`, password: 'pw', auth: { type: 'm.login.dummy' } }) });
  const j = await r.json();
  if (!j.access_token) throw new Error(JSON.stringify(j));
  tokens.push(j.access_token);
}
// Long-polls need a since token: take one from a first /sync per user.
const since = [];
if (values.mode === 'longpoll')
  for (const t of tokens) since.push((await (await fetch(`${base}/sync`, { headers: { authorization: `Bearer ${t}` } })).json()).next_batch);

const sse = values.mode !== 'longpoll';
function open(i) {
  return new Promise((resolve, reject) => {
    const u = i % tokens.length;
    const sock = net.connect({ host: '127.0.0.1', port, localAddress: `127.0.0.${2 + (i % 50)}` }, () => {
      const path = sse
        ? '/_matrix/client/v3/sync/sse?heartbeat_interval=300'
        : `/_matrix/client/v3/sync?since=${since[u]}&timeout=600000`;
      const gzip = values.mode === 'sse-gzip' ? 'Accept-Encoding: gzip\r\n' : '';
      sock.write(`GET ${path} HTTP/1.1\r\nHost: b\r\n${gzip}Authorization: Bearer ${tokens[u]}\r\n\r\n`);
      if (!sse) setTimeout(() => resolve(sock), 0);
    });
    let got = '';
    let gunzip;
    const opened = () => { sock.removeAllListeners('data'); sock.on('data', () => {}); gunzip?.destroy(); resolve(sock); };
    sock.on('data', (d) => {
      if (gunzip) { gunzip.write(d); return; }
      got += d.toString('latin1');
      if (got.includes('\r\n') && !got.startsWith('HTTP/1.1 200')) { sock.destroy(); reject(new Error(got.slice(0, 300))); return; }
      // An SSE stream counts as open once its first event (the initial sync) has arrived.
      if (values.mode === 'sse' && got.includes('\ndata: ')) opened();
      if (values.mode === 'sse-gzip' && got.includes('\r\n\r\n')) {
        if (!/\r\ncontent-encoding: gzip\r\n/i.test(got)) { sock.destroy(); reject(new Error('no gzip')); return; }
        let text = '';
        gunzip = zlib.createGunzip({ flush: zlib.constants.Z_SYNC_FLUSH });
        gunzip.on('data', (x) => { text += x.toString(); if (text.includes('\ndata: ')) opened(); });
        gunzip.write(Buffer.from(got.slice(got.indexOf('\r\n\r\n') + 4), 'latin1'));
      }
    });
    sock.on('error', reject);
  });
}

const before = rssKiB();
const socks = [];
for (let i = 0; i < count; i += 100)
  socks.push(...await Promise.all(Array.from({ length: Math.min(100, count - i) }, (_, k) => open(i + k))));
await new Promise((r) => setTimeout(r, 2000));
const after = rssKiB();
console.log(JSON.stringify({ mode: values.mode, streams: socks.length, rss_before_kib: before,
  rss_after_kib: after, growth_mib: +((after - before) / 1024).toFixed(1),
  kib_per_stream: +((after - before) / socks.length).toFixed(2) }));
for (const s of socks) s.destroy();
