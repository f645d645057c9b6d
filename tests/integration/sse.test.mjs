// /sync/sse (MSC2108) over raw sockets: framing, ids, heartbeats, resume, revocation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { Api, assertError } from './lib/client.mjs';
import { V3, enc, createRoom, send, join } from './lib/rooms.mjs';
import { SseReader } from './lib/sse.mjs';

let server, api;
before(async () => { server = await startServer(); api = new Api(server.url); });
after(async () => { await server.stop(); });

const SSE = `${V3}/sync/sse`;
const bodiesIn = (ev, roomId) => (ev.json.rooms?.join?.[roomId]?.timeline.events ?? [])
  .filter((e) => e.type === 'm.room.message').map((e) => e.content.body);

test('stream framing: headers, hello comment, retry, first event is the initial sync', async () => {
  const alice = await api.register('sse_a');
  const roomId = await createRoom(alice);
  const r = new SseReader(server.port, `${SSE}?heartbeat_interval=30`, { Authorization: `Bearer ${alice.token}` });
  await r.until(() => r.events.length >= 1, 5000, 'initial event');
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'text/event-stream');
  assert.equal(r.headers['cache-control'], 'no-cache, no-transform');
  assert.equal(r.headers['x-accel-buffering'], 'no');
  assert.equal(r.headers['content-length'], undefined);
  assert.equal(r.headers['access-control-allow-origin'], '*');
  assert.ok(r.comments.length >= 1, 'a comment is flushed first');
  assert.ok(r.retry > 0);
  const first = r.events[0];
  assert.equal(first.event, undefined, 'default event type');
  assert.equal(first.id, first.json.next_batch);
  assert.ok(first.json.rooms.join[roomId]);
  // Each new message is one event whose id is its next_batch, computed from the previous id.
  await send(alice, roomId, { msgtype: 'm.text', body: 'one' });
  await r.until(() => r.events.length >= 2, 5000, 'second event');
  assert.deepEqual(bodiesIn(r.events[1], roomId), ['one']);
  assert.equal(r.events[1].id, r.events[1].json.next_batch);
  assert.notEqual(r.events[1].id, first.id);
  const inc = await alice.get(`${V3}/sync?since=${first.id}`);
  assert.deepEqual(bodiesIn({ json: inc.json }, roomId), ['one'], 'same as /sync from the previous id');
  r.close();
});

test('heartbeats arrive every heartbeat_interval while quiet', async () => {
  const alice = await api.register('sse_hb');
  const r = new SseReader(server.port, `${SSE}?heartbeat_interval=1`, { Authorization: `Bearer ${alice.token}` });
  await r.until(() => r.events.length >= 1, 5000, 'initial');
  const start = r.comments.length;
  await new Promise((res) => setTimeout(res, 3300));
  const beats = r.comments.length - start;
  assert.ok(beats >= 2 && beats <= 4, `got ${beats} heartbeats in 3.3 s`);
  assert.equal(r.events.length, 1, 'no empty events');
  assert.match(r.raw, /\n: \n\n/);
  r.close();
});

test('Last-Event-ID resumes after a disconnect: every message exactly once', async () => {
  const alice = await api.register('sse_res');
  const roomId = await createRoom(alice);
  const auth = { Authorization: `Bearer ${alice.token}` };
  let r = new SseReader(server.port, SSE, auth);
  await r.until(() => r.events.length >= 1);
  await send(alice, roomId, { msgtype: 'm.text', body: 'm1' });
  await r.until(() => r.events.some((e) => bodiesIn(e, roomId).includes('m1')));
  const lastId = r.events.at(-1).id;
  r.close();
  for (const b of ['m2', 'm3']) await send(alice, roomId, { msgtype: 'm.text', body: b });
  r = new SseReader(server.port, SSE, { ...auth, 'Last-Event-ID': lastId });
  await r.until(() => r.events.length >= 1);
  await send(alice, roomId, { msgtype: 'm.text', body: 'm4' });
  await r.until(() => r.events.flatMap((e) => bodiesIn(e, roomId)).includes('m4'));
  const seen = r.events.flatMap((e) => bodiesIn(e, roomId));
  assert.deepEqual(seen, ['m2', 'm3', 'm4']);
  assert.ok(r.events.every((e) => e.id !== lastId), 'never an event with the resumed id');
  // `since` works when no Last-Event-ID is given; a non-empty header wins over it.
  const r2 = new SseReader(server.port, `${SSE}?since=${lastId}`, auth);
  await r2.until(() => r2.events.length >= 1);
  assert.deepEqual(bodiesIn(r2.events[0], roomId), ['m2', 'm3', 'm4']);
  r.close();
  r2.close();
});

test('bad tokens get JSON errors, not streams; bad parameters too', async () => {
  const anon = new SseReader(server.port, '/_matrix/client/r0/sync/sse');
  await anon.until(() => anon.status !== undefined);
  assert.equal(anon.status, 401);
  const alice = await api.register('sse_bad');
  assertError(await alice.get(`${SSE}?heartbeat_interval=0`), 400, 'M_INVALID_PARAM');
  assertError(await alice.get(`${SSE}?heartbeat_interval=abc`), 400, 'M_INVALID_PARAM');
  assertError(await alice.request('GET', SSE, { headers: { 'Last-Event-ID': 'garbage' } }), 400, 'M_INVALID_PARAM');
  assertError(await alice.get(`${SSE}?filter=${enc('{x')}`), 400, 'M_NOT_JSON');
  const v = await api.get('/_matrix/client/versions');
  assert.equal(v.json.unstable_features['org.matrix.msc2108'], true);
  // The unstable prefix serves the same stream, with the token in the query string.
  const r = new SseReader(server.port, `/_matrix/client/unstable/org.matrix.msc2108/sync/sse?access_token=${alice.token}`);
  await r.until(() => r.events.length >= 1);
  assert.equal(r.status, 200);
  r.close();
});

test('logging out ends the stream with a sync_error event', async () => {
  const alice = await api.register('sse_out');
  const r = new SseReader(server.port, `${SSE}?heartbeat_interval=30`, { Authorization: `Bearer ${alice.token}` });
  await r.until(() => r.events.length >= 1);
  assert.equal((await alice.post(`${V3}/logout`, {})).status, 200);
  await r.until(() => r.closed, 5000, 'close');
  const err = r.events.find((e) => e.event === 'sync_error');
  assert.ok(err, r.raw);
  assert.equal(err.json.errcode, 'M_UNKNOWN_TOKEN');
});

test('a stream follows invites and joins like /sync does', async () => {
  const alice = await api.register('sse_inv_a');
  const bob = await api.register('sse_inv_b');
  const roomId = await createRoom(alice, { preset: 'public_chat' });
  const r = new SseReader(server.port, SSE, { Authorization: `Bearer ${bob.token}` });
  await r.until(() => r.events.length >= 1);
  await alice.post(`${V3}/rooms/${enc(roomId)}/invite`, { user_id: '@sse_inv_b:localhost' });
  await r.until(() => r.events.some((e) => e.json.rooms?.invite?.[roomId]));
  await join(bob, roomId);
  await r.until(() => r.events.some((e) => e.json.rooms?.join?.[roomId]));
  await send(alice, roomId, { msgtype: 'm.text', body: 'welcome' });
  await r.until(() => r.events.some((e) => bodiesIn(e, roomId).includes('welcome')));
  r.close();
});

test('graceful shutdown closes open streams and the server exits cleanly', async () => {
  const { Server } = await import('./lib/server.mjs');
  const s = new Server();
  await s.start();
  const alice = await new Api(s.url).register('sse_stop');
  const r = new SseReader(s.port, SSE, { Authorization: `Bearer ${alice.token}` });
  await r.until(() => r.events.length >= 1);
  const t0 = Date.now();
  s.proc.kill('SIGTERM');
  await r.until(() => r.closed, 5000, 'stream closed by shutdown');
  const status = await s.exited;
  assert.equal(status.code, 0);
  assert.ok(Date.now() - t0 < 3000, 'shutdown waited for the stream');
  await s.stop();
});

test('to-device over SSE: sent once per stream, kept until a reconnect acknowledges it', async () => {
  const alice = await api.register('sse_td_a');
  const bob = await api.register('sse_td_b');
  const auth = { Authorization: `Bearer ${bob.token}` };
  let r = new SseReader(server.port, `${SSE}?heartbeat_interval=30`, auth);
  await r.until(() => r.events.length >= 1);
  const before = r.events[0].id;
  await alice.put(`${V3}/sendToDevice/org.example.ping/x1`, { messages: { '@sse_td_b:localhost': { [bob.deviceId]: { n: 1 } } } });
  await r.until(() => r.events.some((e) => e.json.to_device));
  await alice.put(`${V3}/rooms/${enc(await createRoom(alice))}/send/m.room.message/x`, { body: 'noise', msgtype: 'm.text' });
  await new Promise((res) => setTimeout(res, 300));
  const carried = r.events.filter((e) => e.json.to_device).length;
  assert.equal(carried, 1, 'never resent within the stream');
  const carrier = r.events.find((e) => e.json.to_device).id;
  r.close();
  // Reconnecting from before the message: it is still there.
  r = new SseReader(server.port, SSE, { ...auth, 'Last-Event-ID': before });
  await r.until(() => r.events.length >= 1);
  assert.deepEqual(r.events[0].json.to_device.events.map((e) => e.content.n), [1]);
  r.close();
  // Reconnecting from the event that carried it acknowledges it.
  r = new SseReader(server.port, `${SSE}?heartbeat_interval=1`, { ...auth, 'Last-Event-ID': carrier });
  await r.until(() => r.comments.length >= 2);
  assert.ok(!r.events.some((e) => e.json.to_device));
  r.close();
  const plain = await bob.get(`${V3}/sync?since=${before}`);
  assert.equal(plain.json.to_device, undefined, 'deleted after the acknowledging reconnect');
});

test('stream limits per device: the extra stream gets 429, a freed slot is reusable', async () => {
  const { Server } = await import('./lib/server.mjs');
  const s = new Server({ extraConfig: '\n[sse]\nmax_streams_per_device = 1\nmax_streams_per_user = 5\n' });
  await s.start();
  try {
    const alice = await new Api(s.url).register('sse_lim');
    const auth = { Authorization: `Bearer ${alice.token}` };
    const first = new SseReader(s.port, SSE, auth);
    await first.until(() => first.events.length >= 1);
    const second = await alice.get(SSE);
    assertError(second, 429, 'M_LIMIT_EXCEEDED');
    assert.ok(second.json.retry_after_ms > 0);
    first.close();
    await new Promise((res) => setTimeout(res, 300));
    const third = new SseReader(s.port, SSE, auth);
    await third.until(() => third.events.length >= 1);
    assert.equal(third.status, 200);
    third.close();
  } finally { await s.stop(); }
});

test('a reader that stops reading: server memory stays flat and the blocked stream is closed', async () => {
  const { Server } = await import('./lib/server.mjs');
  const { readFileSync } = await import('node:fs');
  const s = new Server({ extraConfig: '\n[http]\nwrite_timeout_s = 3\n' });
  await s.start();
  const rss = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${s.proc.pid}/status`, 'utf8'))[1]);
  try {
    const alice = await new Api(s.url).register('sse_slow');
    const roomId = await createRoom(alice);
    const r = new SseReader(s.port, `${SSE}?heartbeat_interval=30`, { Authorization: `Bearer ${alice.token}` });
    await r.until(() => r.events.length >= 1);
    r.sock.pause(); // stop reading: the kernel buffers fill, then the server's write blocks
    const body = 'x'.repeat(50000);
    // Warm-up: fills the socket buffers and lets the allocator and SQLite's page cache reach
    // their working size, so what is measured next is what the stalled stream holds on to.
    for (let i = 0; i < 100; i++) await send(alice, roomId, { msgtype: 'm.text', body: `w${i} ${body}` });
    const before = rss();
    const total = 200;
    for (let i = 0; i < total; i++) await send(alice, roomId, { msgtype: 'm.text', body: `${i} ${body}` });
    const grown = rss() - before; // KiB
    const sentKiB = (total * body.length) / 1024;
    assert.ok(grown < sentKiB / 2, `server grew ${grown} KiB while ${sentKiB.toFixed(0)} KiB were sent to a stalled reader`);
    // The write stays blocked past write_timeout_s, so the server closes the stream.
    // Still not reading: the write stays blocked past write_timeout_s and the server ends the
    // stream (its log line for the request says so).
    const t0 = Date.now();
    while (!/sync\/sse stream closed/.test(s.log) && Date.now() - t0 < 15000)
      await new Promise((res) => setTimeout(res, 200));
    assert.match(s.log, /sync\/sse stream closed/, 'the blocked stream was not closed');
    r.sock.resume();
    await r.until(() => r.closed, 15000, 'the client to see the close');
    const ids = r.events.map((e) => e.id);
    assert.equal(new Set(ids).size, ids.length, 'no event repeated');
  } finally { await s.stop(); }
});
