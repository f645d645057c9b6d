// Two Myelin processes on one PostgreSQL database behind real nginx (round robin): a
// conversation whose requests alternate between the processes reaches every client complete
// and in order; typing, presence, receipts, to-device, account data and device lists cross
// from one process to the other; an SSE client whose process is killed resumes on the other
// with Last-Event-ID and misses nothing. Runs only with MYELIN_TEST_PG (SQLite is one process).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, PG_BASE } from './lib/server.mjs';
import { startNginx } from './lib/nginx.mjs';
import { Api } from './lib/client.mjs';
import { SseReader } from './lib/sse.mjs';
import { deviceKeys } from './lib/keys.mjs';
import { V3, enc, createRoom, send, join as joinRoom } from './lib/rooms.mjs';

const skip = !PG_BASE && 'several processes need PostgreSQL (MYELIN_TEST_PG)';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let a, b, nginx, nginxPort, lb;
before(async () => {
  if (skip) return;
  a = await startServer();
  b = await startServer({ dbUrl: a.dbUrl });
  // The configuration docs/deployment.md recommends for several processes (plain HTTP here).
  // X-Upstream tells the test which process answered.
  nginx = await startNginx((dir, port) => `
  upstream myelin {
    server 127.0.0.1:${a.port} max_fails=1 fail_timeout=30s;
    server 127.0.0.1:${b.port} max_fails=1 fail_timeout=30s;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://myelin;
      proxy_http_version 1.1;
      proxy_buffering off;
      proxy_read_timeout 1h;
      add_header X-Upstream $upstream_addr always;
    }
  }`);
  nginxPort = nginx.port;
  lb = `http://127.0.0.1:${nginxPort}`;
});
after(async () => {
  if (skip) return;
  nginx?.stop();
  await b?.stop();
  await a?.stop();
});

// The same account, seen through another base URL.
const via = (api, base) => { const o = new Api(base, api.token); o.userId = api.userId; o.deviceId = api.deviceId; return o; };
const timelineBodies = (ev) => (ev.json.rooms?.join ?? {});

// Collects a room's message bodies from an SSE stream, in the order they arrive.
function bodiesFrom(stream, roomId) {
  const out = [];
  for (const ev of stream.events)
    for (const e of timelineBodies(ev)[roomId]?.timeline?.events ?? [])
      if (e.type === 'm.room.message') out.push(e.content.body);
  return out;
}

test('a conversation alternating between two processes is complete and ordered for every client', { skip }, async () => {
  const alice = await new Api(a.url).register('cl_alice');
  const bob = await new Api(b.url).register('cl_bob');
  const carol = await new Api(lb).register('cl_carol');
  const roomId = await createRoom(alice, { preset: 'public_chat' });
  await joinRoom(bob, roomId);
  await joinRoom(carol, roomId);

  // bob streams from process A, carol from process B, alice long-polls through nginx.
  const bobStream = new SseReader(a.port, `${V3}/sync/sse?heartbeat_interval=30`, { Authorization: `Bearer ${bob.token}` });
  const carolStream = new SseReader(b.port, `${V3}/sync/sse?heartbeat_interval=30`, { Authorization: `Bearer ${carol.token}` });
  await bobStream.until(() => bobStream.events.length >= 1, 5000, 'bob first event');
  await carolStream.until(() => carolStream.events.length >= 1, 5000, 'carol first event');

  const aliceLb = via(alice, lb);
  let since = (await aliceLb.get(`${V3}/sync?timeout=0`)).json.next_batch;
  const aliceBodies = [];
  const upstreams = new Set();
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const r = await aliceLb.get(`${V3}/sync?since=${enc(since)}&timeout=2000`);
      assert.equal(r.status, 200, r.text);
      upstreams.add(r.headers.get('x-upstream'));
      for (const e of r.json.rooms?.join?.[roomId]?.timeline?.events ?? [])
        if (e.type === 'm.room.message') aliceBodies.push(e.content.body);
      since = r.json.next_batch;
    }
  })();

  // Ten rounds; in each, the three send at once through A, B and nginx, so appends to the
  // room race across processes.
  const senders = [[alice, a.url], [bob, b.url], [carol, lb]];
  const expected = [];
  for (let round = 0; round < 10; round++) {
    await Promise.all(senders.map(([who, base], i) => {
      const body = `m${round}-${i}`;
      expected.push(body);
      return send(via(who, base), roomId, { msgtype: 'm.text', body });
    }));
  }

  const n = expected.length;
  await bobStream.until(() => bodiesFrom(bobStream, roomId).length >= n, 10000, 'bob: all messages');
  await carolStream.until(() => bodiesFrom(carolStream, roomId).length >= n, 10000, 'carol: all messages');
  for (let t = 0; aliceBodies.length < n && t < 100; t++) await sleep(100);
  polling = false;
  await poller;

  // The room's order, as each process serves it.
  const order = async (base) => {
    const r = await via(alice, base).get(`${V3}/rooms/${enc(roomId)}/messages?dir=b&limit=100`);
    assert.equal(r.status, 200, r.text);
    return r.json.chunk.filter((e) => e.type === 'm.room.message').map((e) => e.content.body).reverse();
  };
  const fromA = await order(a.url);
  assert.deepEqual(await order(b.url), fromA, 'both processes serve the same order');
  assert.deepEqual([...fromA].sort(), [...expected].sort(), 'every message stored once');
  assert.deepEqual(bodiesFrom(bobStream, roomId), fromA, 'bob (SSE on A): complete, ordered, no duplicates');
  assert.deepEqual(bodiesFrom(carolStream, roomId), fromA, 'carol (SSE on B): complete, ordered, no duplicates');
  assert.deepEqual(aliceBodies, fromA, 'alice (long-poll through nginx): complete, ordered, no duplicates');
  assert.equal(upstreams.size, 2, `alice's long-polls went to both processes: ${[...upstreams]}`);

  // Concurrent sends never forked the room: each event names the one before it.
  const filter = JSON.stringify({ event_format: 'federation', room: { rooms: [roomId], timeline: { limit: 100 } } });
  const pdus = (await via(alice, b.url).get(`${V3}/sync?filter=${enc(filter)}`)).json.rooms.join[roomId].timeline.events;
  assert.ok(pdus.length >= n);
  for (let i = 1; i < pdus.length; i++) {
    assert.equal(pdus[i].depth, pdus[i - 1].depth + 1, 'depth grows by one');
    assert.equal(pdus[i].prev_events.length, 1);
  }
  bobStream.close();
  carolStream.close();
});

test('typing, presence, receipts, to-device, account data and device lists cross processes', { skip }, async () => {
  const alice = await new Api(a.url).register('cx_alice');
  const bob = await new Api(b.url).register('cx_bob');
  const roomId = await createRoom(alice, { preset: 'public_chat' });
  await joinRoom(bob, roomId);
  const eventId = await send(bob, roomId, { msgtype: 'm.text', body: 'read me' });

  const s = new SseReader(a.port, `${V3}/sync/sse?heartbeat_interval=30`, { Authorization: `Bearer ${alice.token}` });
  await s.until(() => s.events.length >= 1, 5000, 'first event');
  const seen = (pred) => s.events.some((ev) => pred(ev.json));
  const ephemeral = (j, type) => (j.rooms?.join?.[roomId]?.ephemeral?.events ?? []).find((e) => e.type === type);

  // Everything below goes through process B; alice's stream is on process A.
  let r = await bob.put(`${V3}/rooms/${enc(roomId)}/typing/${enc(bob.userId)}`, { typing: true, timeout: 30000 });
  assert.equal(r.status, 200, r.text);
  await s.until(() => seen((j) => ephemeral(j, 'm.typing')?.content.user_ids.includes(bob.userId)), 5000, 'typing from B');

  r = await bob.post(`${V3}/rooms/${enc(roomId)}/receipt/m.read/${enc(eventId)}`, {});
  assert.equal(r.status, 200, r.text);
  await s.until(() => seen((j) => ephemeral(j, 'm.receipt')?.content[eventId]?.['m.read']?.[bob.userId]), 5000, 'receipt from B');

  r = await bob.put(`${V3}/presence/${enc(bob.userId)}/status`, { presence: 'unavailable', status_msg: 'on B' });
  assert.equal(r.status, 200, r.text);
  await s.until(() => seen((j) => (j.presence?.events ?? []).some((e) => e.sender === bob.userId && e.content.status_msg === 'on B' && e.content.presence === 'unavailable')), 5000, 'presence from B');

  r = await bob.put(`${V3}/sendToDevice/m.test/tx${Date.now()}`, { messages: { [alice.userId]: { [alice.deviceId]: { hello: 'from B' } } } });
  assert.equal(r.status, 200, r.text);
  await s.until(() => seen((j) => (j.to_device?.events ?? []).some((e) => e.sender === bob.userId && e.content.hello === 'from B')), 5000, 'to-device from B');

  r = await via(alice, b.url).put(`${V3}/user/${enc(alice.userId)}/account_data/m.test.cross`, { where: 'B' });
  assert.equal(r.status, 200, r.text);
  await s.until(() => seen((j) => (j.account_data?.events ?? []).some((e) => e.type === 'm.test.cross' && e.content.where === 'B')), 5000, 'account data from B');

  r = await bob.post(`${V3}/keys/upload`, { device_keys: deviceKeys(bob.userId, bob.deviceId).keys });
  assert.equal(r.status, 200, r.text);
  await s.until(() => seen((j) => (j.device_lists?.changed ?? []).includes(bob.userId)), 5000, 'device list change from B');

  // A redaction through B: A serves the event redacted from then on (its cached
  // serialization of the event is dropped).
  const secret = await send(bob, roomId, { msgtype: 'm.text', body: 'secret' });
  await s.until(() => seen((j) => (j.rooms?.join?.[roomId]?.timeline?.events ?? []).some((e) => e.event_id === secret)), 5000, 'message from B');
  r = await bob.put(`${V3}/rooms/${enc(roomId)}/redact/${enc(secret)}/rd${Date.now()}`, {});
  assert.equal(r.status, 200, r.text);
  await s.until(() => seen((j) => (j.rooms?.join?.[roomId]?.timeline?.events ?? []).some((e) => e.type === 'm.room.redaction' && e.redacts === secret)), 5000, 'redaction from B');
  const onA = await alice.get(`${V3}/rooms/${enc(roomId)}/messages?dir=b&limit=10`);
  const redacted = onA.json.chunk.find((e) => e.event_id === secret);
  assert.deepEqual(redacted.content, {}, 'A serves the redacted event without its content');
  const initial = await alice.get(`${V3}/sync?filter=${enc(JSON.stringify({ room: { rooms: [roomId], timeline: { limit: 20 } } }))}`);
  assert.deepEqual(initial.json.rooms.join[roomId].timeline.events.find((e) => e.event_id === secret).content, {});

  // Typing stops on B: A's stream hears that too.
  r = await bob.put(`${V3}/rooms/${enc(roomId)}/typing/${enc(bob.userId)}`, { typing: false });
  assert.equal(r.status, 200, r.text);
  await s.until(() => s.events.some((ev) => ephemeral(ev.json, 'm.typing')?.content.user_ids.length === 0), 5000, 'typing stopped from B');
  s.close();
});

test('a user-interactive-auth session started on one process completes on the other, once', { skip }, async () => {
  const body = { username: 'cu_erin', password: 'correct horse battery' };
  const first = await new Api(a.url).post(`${V3}/register`, body);
  assert.equal(first.status, 401, first.text);
  const session = first.json.session;
  assert.ok(session);
  const done = await new Api(b.url).post(`${V3}/register`, { ...body, auth: { type: 'm.login.dummy', session } });
  assert.equal(done.status, 200, done.text);
  assert.equal(done.json.user_id, '@cu_erin:localhost');
  // The completed session authorised that one request; it is gone on both processes.
  for (const base of [a.url, b.url]) {
    const again = await new Api(base).post(`${V3}/register`, { username: 'cu_erin2', password: 'x', auth: { type: 'm.login.dummy', session } });
    assert.equal(again.status, 400, again.text);
    assert.equal(again.json.errcode, 'M_UNKNOWN');
  }
  // Deleting a device: the password stage on A, the request completed on B.
  const erin = new Api(a.url, done.json.access_token);
  const del = await erin.del(`${V3}/devices/${enc(done.json.device_id)}`, {});
  assert.equal(del.status, 401, del.text);
  const fin = await new Api(b.url, done.json.access_token).del(`${V3}/devices/${enc(done.json.device_id)}`, {
    auth: { type: 'm.login.password', session: del.json.session, identifier: { type: 'm.id.user', user: 'cu_erin' }, password: 'correct horse battery' },
  });
  assert.equal(fin.status, 200, fin.text);
  assert.equal((await erin.get(`${V3}/account/whoami`)).status, 401, 'the deleted device\'s token is revoked everywhere');
});

test('an SSE client whose process is killed resumes on the other with Last-Event-ID and misses nothing', { skip }, async () => {
  const alice = await new Api(a.url).register('ck_alice');
  const dave = await new Api(a.url).register('ck_dave');
  const roomId = await createRoom(alice, { preset: 'public_chat' });
  await joinRoom(dave, roomId);
  const auth = { Authorization: `Bearer ${dave.token}` };
  const first = new SseReader(nginxPort, `${V3}/sync/sse?heartbeat_interval=30`, auth);
  await first.until(() => first.events.length >= 1, 5000, 'first event');
  const upstream = first.headers['x-upstream'];
  const [victim, survivor] = upstream === `127.0.0.1:${a.port}` ? [a, b] : [b, a];
  assert.ok([`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`].includes(upstream), upstream);

  for (let i = 0; i < 3; i++) await send(via(alice, survivor.url), roomId, { msgtype: 'm.text', body: `before-${i}` });
  await first.until(() => bodiesFrom(first, roomId).length >= 3, 5000, 'messages before the kill');

  victim.proc.kill('SIGKILL');
  // nginx ends the response (closing the connection, or with the last chunk if it keeps it).
  await first.until(() => first.closed || first.raw.endsWith('\r\n0\r\n\r\n'), 5000, 'stream ended by the kill');
  const lastId = first.events.at(-1).id;
  // Sent while the client is disconnected.
  for (let i = 0; i < 5; i++) await send(via(alice, survivor.url), roomId, { msgtype: 'm.text', body: `during-${i}` });

  const resumed = new SseReader(nginxPort, `${V3}/sync/sse?heartbeat_interval=30`, { ...auth, 'Last-Event-ID': lastId });
  await resumed.until(() => bodiesFrom(resumed, roomId).length >= 5, 10000, 'messages sent while down');
  assert.equal(resumed.headers['x-upstream'].split(', ').at(-1), `127.0.0.1:${survivor.port}`);
  await send(via(alice, survivor.url), roomId, { msgtype: 'm.text', body: 'after' });
  await resumed.until(() => bodiesFrom(resumed, roomId).includes('after'), 5000, 'message after resuming');
  assert.deepEqual([...bodiesFrom(first, roomId), ...bodiesFrom(resumed, roomId)],
    ['before-0', 'before-1', 'before-2', 'during-0', 'during-1', 'during-2', 'during-3', 'during-4', 'after']);
  resumed.close();
  first.close();
});
