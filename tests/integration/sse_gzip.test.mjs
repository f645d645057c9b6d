// gzip for /sync/sse and /sync: one compression context per stream, flushed per event, so a
// compressed stream delivers each event at once; clients that do not ask get identity.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import http from 'node:http';
import zlib from 'node:zlib';
import { startServer } from './lib/server.mjs';
import { Api } from './lib/client.mjs';
import { V3, createRoom, send } from './lib/rooms.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

// Reads a gzip SSE stream from a raw socket: headers as sent, the body through a streaming
// gunzip that emits whatever each flushed piece decodes to.
function gzipStream(port, path, token) {
  const s = { head: '', text: '', wire: 0, events: [], waiters: [] };
  const sock = net.connect(port, '127.0.0.1');
  sock.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nAccept-Encoding: gzip\r\nAuthorization: Bearer ${token}\r\n\r\n`);
  const gunzip = zlib.createGunzip({ flush: zlib.constants.Z_SYNC_FLUSH });
  let raw = Buffer.alloc(0);
  let inBody = false;
  sock.on('data', (d) => {
    if (inBody) { s.wire += d.length; gunzip.write(d); return; }
    raw = Buffer.concat([raw, d]);
    const end = raw.indexOf('\r\n\r\n');
    if (end < 0) return;
    s.head = raw.subarray(0, end).toString();
    inBody = true;
    const rest = raw.subarray(end + 4);
    s.wire += rest.length;
    gunzip.write(rest);
  });
  gunzip.on('data', (d) => {
    s.text += d.toString();
    let sep;
    while ((sep = s.text.indexOf('\n\n')) >= 0) {
      const block = s.text.slice(0, sep);
      s.text = s.text.slice(sep + 2);
      const ev = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const i = line.indexOf(':');
        ev[line.slice(0, i)] = line.slice(i + 1).replace(/^ /, '');
      }
      if (ev.data) { ev.json = JSON.parse(ev.data); s.events.push(ev); }
    }
    for (const w of s.waiters.splice(0)) w();
  });
  s.until = (pred, ms, what) => new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error(`timed out: ${what}`)), ms);
    const check = () => { if (pred()) { clearTimeout(t); res(); } else s.waiters.push(check); };
    check();
  });
  s.close = () => sock.destroy();
  return s;
}

test('an SSE client sending Accept-Encoding: gzip gets a gzip stream, each event at once', async () => {
  const alice = await new Api(server.url).register('gz_alice');
  const roomId = await createRoom(alice);
  const s = gzipStream(server.port, `${V3}/sync/sse?heartbeat_interval=30`, alice.token);
  await s.until(() => s.events.length >= 1, 5000, 'first event');
  assert.match(s.head, /\r\ncontent-encoding: gzip\r\n/i);
  assert.match(s.head, /\r\nvary: accept-encoding\r\n/i);
  assert.match(s.head, /\r\ncontent-type: text\/event-stream\r\n/i);
  assert.equal(s.events[0].id, s.events[0].json.next_batch);
  const wireBefore = s.wire;
  const bodies = [];
  for (let i = 0; i < 5; i++) {
    const t0 = Date.now();
    const body = `compressed ${i} ${'the same words again '.repeat(8)}`;
    await send(alice, roomId, { msgtype: 'm.text', body });
    bodies.push(body);
    await s.until(() => s.events.some((e) => (e.json.rooms?.join?.[roomId]?.timeline?.events ?? []).some((x) => x.content?.body === body)), 3000, `message ${i}`);
    assert.ok(Date.now() - t0 < 3000);
  }
  // Ids chain: each event continues from the previous one.
  for (const e of s.events) assert.equal(e.id, e.json.next_batch);
  const plainBytes = s.events.slice(1).reduce((n, e) => n + `id: ${e.id}\ndata: ${e.data}\n\n`.length, 0);
  assert.ok(s.wire - wireBefore < plainBytes / 2, `compressed ${s.wire - wireBefore} of ${plainBytes} bytes`);
  s.close();
});

test('/sync is gzipped only for clients that ask', async () => {
  const bob = await new Api(server.url).register('gz_bob');
  await createRoom(bob, { name: 'A room with a name' });
  const get = (headers) => new Promise((res, rej) => {
    http.get({ host: '127.0.0.1', port: server.port, path: `${V3}/sync`, headers: { authorization: `Bearer ${bob.token}`, ...headers } }, (r) => {
      const chunks = [];
      r.on('data', (c) => chunks.push(c));
      r.on('end', () => res({ headers: r.headers, body: Buffer.concat(chunks) }));
    }).on('error', rej);
  });
  const plain = await get({});
  assert.equal(plain.headers['content-encoding'], undefined);
  const sync = JSON.parse(plain.body.toString());
  const zipped = await get({ 'accept-encoding': 'gzip, deflate' });
  assert.equal(zipped.headers['content-encoding'], 'gzip');
  assert.match(zipped.headers.vary, /accept-encoding/i);
  const unzipped = JSON.parse(zlib.gunzipSync(zipped.body).toString());
  assert.deepEqual(Object.keys(unzipped.rooms.join), Object.keys(sync.rooms.join));
  assert.ok(zipped.body.length < plain.body.length);
  const refused = await get({ 'accept-encoding': 'gzip;q=0, identity' });
  assert.equal(refused.headers['content-encoding'], undefined);
});
