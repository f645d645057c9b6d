// Hostile input from local users (issue "Security hardening"): each test replays an attack
// against the real binary over real sockets and checks the server neither hangs, nor stores what
// it cannot read back, nor lets a member do what the spec forbids.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, existsSync, mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './lib/server.mjs';
import { Api, assertError } from './lib/client.mjs';
import { V3, enc, createRoom, send, join as joinRoom, invite, messages } from './lib/rooms.mjs';
import { connect, readUntilClose, readResponses, sleep } from './lib/raw.mjs';

let server, api, alice, bob, carol;
before(async () => {
  server = await startServer();
  api = new Api(server.url);
  alice = await api.register('sec_alice');
  bob = await api.register('sec_bob');
  carol = await api.register('sec_carol');
});
after(async () => { await server.stop(); });

// The longest /versions round trip seen while `probe` runs: what every other client waits.
async function worstLatencyDuring(probe) {
  let worst = 0;
  let done = false;
  const watcher = (async () => {
    while (!done) {
      const t0 = performance.now();
      const r = await fetch(`${server.url}/_matrix/client/versions`);
      await r.text();
      worst = Math.max(worst, performance.now() - t0);
      await sleep(10);
    }
  })();
  try { return { result: await probe(), worst }; } finally { done = true; await watcher; }
}

const deep = (n) => { let v = { leaf: 1 }; for (let i = 1; i < n; i++) v = { v }; return v; };
const syncOf = async (who, since) => {
  const r = await who.get(`${V3}/sync${since ? `?since=${since}` : ''}`);
  assert.equal(r.status, 200, r.text);
  assert.ok(r.json, 'the sync body parses as JSON');
  return r.json;
};

test('1. a filter of many wildcards is matched in linear time, and other clients are served meanwhile', async (t) => {
  const roomId = await createRoom(alice);
  await send(alice, roomId);
  const pattern = '*'.repeat(64) + 'x'; // the recursive matcher took exponential time on this
  const { result, worst } = await worstLatencyDuring(() =>
    messages(alice, roomId, { dir: 'b', limit: '50', filter: JSON.stringify({ types: [pattern] }) }));
  assert.equal(result.status, 200, result.text);
  assert.deepEqual(result.json.chunk, [], 'no event type ends in x');
  const all = await messages(alice, roomId, { dir: 'b', filter: JSON.stringify({ types: ['m.*.mess*'] }) });
  assert.equal(all.json.chunk.length, 1, 'a wildcard still matches');
  t.diagnostic(`worst /versions round trip meanwhile: ${worst.toFixed(1)} ms`);
  assert.ok(worst < 100, `other clients waited ${worst} ms`);
  // Bounded: entries longer than any type, lists longer than any client needs.
  assertError(await messages(alice, roomId, { dir: 'b', filter: JSON.stringify({ types: ['x'.repeat(256)] }) }), 400, 'M_INVALID_PARAM');
  const upload = await alice.post(`${V3}/user/${enc(alice.userId)}/filter`, { room: { timeline: { not_senders: Array(1001).fill('@a:b') } } });
  assertError(upload, 400, 'M_INVALID_PARAM');
});

test('1. push rules: patterns are bounded and evaluation of long ones does not stall others', async (t) => {
  const long = await alice.put(`${V3}/pushrules/global/content/huge`, { pattern: 'a'.repeat(60000), actions: ['notify'] });
  assertError(long, 400, 'M_INVALID_PARAM');
  const cond = await alice.put(`${V3}/pushrules/global/override/huge`, {
    conditions: [{ kind: 'event_match', key: 'content.body', pattern: '*a'.repeat(30000) }], actions: ['notify'] });
  assertError(cond, 400, 'M_INVALID_PARAM');
  const roomId = await createRoom(alice);
  await invite(alice, roomId, bob.userId);
  await joinRoom(bob, roomId);
  for (let i = 0; i < 15; i++) {
    const r = await bob.put(`${V3}/pushrules/global/content/r${i}`, { pattern: '*a?'.repeat(333), actions: ['notify'] });
    assert.equal(r.status, 200, r.text);
  }
  const { worst } = await worstLatencyDuring(async () => {
    for (let i = 0; i < 5; i++) await send(alice, roomId, { msgtype: 'm.text', body: 'ab'.repeat(2000) });
  });
  t.diagnostic(`worst /versions round trip meanwhile: ${worst.toFixed(1)} ms`);
  assert.ok(worst < 100, `other clients waited ${worst} ms`);
});

test('2. invalid UTF-8 or control characters in a path are refused before anything is stored', async () => {
  const roomId = await createRoom(alice);
  const since = (await syncOf(bob)).next_batch;
  await invite(alice, roomId, bob.userId);
  assertError(await alice.put(`${V3}/sendToDevice/%FF/t1`, { messages: { [bob.userId]: { '*': { a: 1 } } } }), 400, 'M_INVALID_PARAM');
  assertError(await alice.put(`${V3}/rooms/${enc(roomId)}/send/%FF/t2`, { body: 'x' }), 400, 'M_INVALID_PARAM');
  assertError(await alice.put(`${V3}/rooms/${enc(roomId)}/state/m.room.topic/%FF`, { topic: 'x' }), 400, 'M_INVALID_PARAM');
  assertError(await alice.put(`${V3}/rooms/${enc(roomId)}/send/m.room.message/a%00b`, { body: 'x' }), 400, 'M_INVALID_PARAM');
  assertError(await alice.put(`${V3}/rooms/${enc(roomId)}/state/m.x/%ED%A0%80`, {}), 400, 'M_INVALID_PARAM'); // a surrogate
  assertError(await alice.get(`${V3}/rooms/${enc(roomId)}/messages?from=%FF`), 400, 'M_INVALID_PARAM');
  // Valid non-ASCII text still goes through, and every reader reads it back.
  const ok = await alice.put(`${V3}/rooms/${enc(roomId)}/state/m.room.topic/${enc('ünï ✓')}`, { topic: 'x' });
  assert.equal(ok.status, 200, ok.text);
  assert.equal((await messages(alice, roomId, { dir: 'b' })).status, 200);
  assert.equal((await alice.get(`${V3}/rooms/${enc(roomId)}/state`)).status, 200);
  const later = await syncOf(bob, since);
  assert.ok(later.rooms.invite[roomId], 'the invite still reads');
  assert.equal((await bob.post(`${V3}/rooms/${enc(roomId)}/leave`, {})).status, 200, 'the invitee can reject');
});

test('2. what a body may nest, every reader can read back; deeper is refused', async () => {
  const roomId = await createRoom(alice);
  const since = (await syncOf(alice)).next_batch;
  const r = await alice.put(`${V3}/rooms/${enc(roomId)}/send/m.deep/t1`, deep(60));
  assert.equal(r.status, 200, r.text);
  assertError(await alice.put(`${V3}/rooms/${enc(roomId)}/send/m.deep/t2`, deep(70)), 400, 'M_NOT_JSON');
  const m = await messages(alice, roomId, { dir: 'b', limit: '5' });
  assert.equal(m.status, 200, m.text);
  assert.ok(m.json.chunk.some((e) => e.type === 'm.deep'));
  const s = await syncOf(alice, since);
  assert.ok(s.rooms.join[roomId].timeline.events.some((e) => e.type === 'm.deep'));
  const ad = await alice.put(`${V3}/user/${enc(alice.userId)}/account_data/m.deep`, deep(60));
  assert.equal(ad.status, 200, ad.text);
  assert.equal((await alice.get(`${V3}/user/${enc(alice.userId)}/account_data/m.deep`)).status, 200);
  assert.ok((await syncOf(alice)).account_data.events.some((e) => e.type === 'm.deep'));
});

test('2. the spec size limits: type, state key and transaction id at 255 bytes', async () => {
  const roomId = await createRoom(alice);
  const t255 = 'm.' + 'x'.repeat(253);
  assert.equal((await alice.put(`${V3}/rooms/${enc(roomId)}/send/${t255}/t1`, {})).status, 200);
  assertError(await alice.put(`${V3}/rooms/${enc(roomId)}/send/${t255}x/t2`, {}), 400, 'M_INVALID_PARAM');
  assertError(await alice.put(`${V3}/rooms/${enc(roomId)}/send/m.room.message/${'t'.repeat(256)}`, {}), 400, 'M_INVALID_PARAM');
  assertError(await alice.put(`${V3}/rooms/${enc(roomId)}/state/m.x/${'k'.repeat(256)}`, {}), 400, 'M_INVALID_PARAM');
  assertError(await alice.put(`${V3}/rooms/${enc(roomId)}/state/${'m'.repeat(10000)}/k`, {}), 400, 'M_INVALID_PARAM');
  assertError(await alice.post(`${V3}/createRoom`, { initial_state: [{ type: 'x'.repeat(256), state_key: '', content: {} }] }), 400, 'M_INVALID_PARAM');
});

test('3. a member without the redact level cannot redact others through any endpoint', async () => {
  for (const room_version of ['10', '11']) {
    const roomId = await createRoom(alice, { preset: 'public_chat', room_version, name: 'Kept' });
    await joinRoom(bob, roomId);
    const msg = await send(alice, roomId, { msgtype: 'm.text', body: 'mine' });
    const state = (await alice.get(`${V3}/rooms/${enc(roomId)}/state`)).json;
    const pl = state.find((e) => e.type === 'm.room.power_levels').event_id;
    const name = state.find((e) => e.type === 'm.room.name').event_id;
    for (const target of [msg, pl, name]) {
      const viaSend = await bob.put(`${V3}/rooms/${enc(roomId)}/send/m.room.redaction/r-${target.slice(1, 9)}`, { redacts: target });
      assertError(viaSend, 403, 'M_FORBIDDEN');
      const viaRedact = await bob.put(`${V3}/rooms/${enc(roomId)}/redact/${enc(target)}/x-${target.slice(1, 9)}`, {});
      assertError(viaRedact, 403, 'M_FORBIDDEN');
    }
    const ev = await alice.get(`${V3}/rooms/${enc(roomId)}/event/${enc(msg)}`);
    assert.equal(ev.json.content.body, 'mine', `v${room_version}: the message is intact`);
    assert.equal((await alice.get(`${V3}/rooms/${enc(roomId)}/state/m.room.name/`)).json.name, 'Kept');
    assertError(await bob.post(`${V3}/rooms/${enc(roomId)}/invite`, { user_id: carol.userId }), 403, 'M_FORBIDDEN');
    // One's own events, and the holder of the redact level, still redact.
    const own = await send(bob, roomId, { msgtype: 'm.text', body: 'oops' });
    const r1 = await bob.put(`${V3}/rooms/${enc(roomId)}/send/m.room.redaction/own-${room_version}`, { redacts: own });
    assert.equal(r1.status, 200, r1.text);
    assert.deepEqual((await bob.get(`${V3}/rooms/${enc(roomId)}/event/${enc(own)}`)).json.content, {});
    const r2 = await alice.put(`${V3}/rooms/${enc(roomId)}/redact/${enc(own)}/again-${room_version}`, {});
    assert.equal(r2.status, 200, r2.text);
  }
});

test('4. only users who were joined read state and members, as of when they left', async () => {
  const roomId = await createRoom(alice, { name: 'Before' });
  const dave = await api.register('sec_dave');
  const erin = await api.register('sec_erin');
  await invite(alice, roomId, carol.userId);
  assert.equal((await carol.post(`${V3}/rooms/${enc(roomId)}/leave`, {})).status, 200); // rejected
  const ban = await alice.post(`${V3}/rooms/${enc(roomId)}/ban`, { user_id: dave.userId });
  assert.equal(ban.status, 200, ban.text); // banned before ever joining
  await invite(alice, roomId, erin.userId);
  await joinRoom(erin, roomId);
  assert.equal((await erin.post(`${V3}/rooms/${enc(roomId)}/leave`, {})).status, 200);
  assert.equal((await alice.put(`${V3}/rooms/${enc(roomId)}/state/m.room.name/`, { name: 'After' })).status, 200);
  for (const who of [carol, dave]) {
    assertError(await who.get(`${V3}/rooms/${enc(roomId)}/state`), 403, 'M_FORBIDDEN');
    assertError(await who.get(`${V3}/rooms/${enc(roomId)}/members`), 403, 'M_FORBIDDEN');
    assertError(await who.get(`${V3}/rooms/${enc(roomId)}/state/m.room.name/`), 403, 'M_FORBIDDEN');
    assertError(await messages(who, roomId, { dir: 'b' }), 403, 'M_FORBIDDEN');
  }
  const name = await erin.get(`${V3}/rooms/${enc(roomId)}/state/m.room.name/`);
  assert.equal(name.json.name, 'Before', 'a former member sees the state as of leaving');
  // Invited again and rejecting it does not move her view to the rejection: she was not joined.
  await invite(alice, roomId, erin.userId);
  assert.equal((await alice.put(`${V3}/rooms/${enc(roomId)}/state/m.room.topic/`, { topic: 'Later' })).status, 200);
  assert.equal((await erin.post(`${V3}/rooms/${enc(roomId)}/leave`, {})).status, 200);
  const again = await erin.get(`${V3}/rooms/${enc(roomId)}/state`);
  assert.equal(again.status, 200, again.text);
  assert.equal(again.json.find((e) => e.type === 'm.room.name').content.name, 'Before');
  assert.ok(!again.json.some((e) => e.type === 'm.room.topic'), 'no state from after her leave');
  const own = again.json.find((e) => e.type === 'm.room.member' && e.state_key === erin.userId);
  assert.equal(own.content.membership, 'leave');
  assertError(await erin.get(`${V3}/rooms/${enc(roomId)}/state/m.room.topic/`), 404, 'M_NOT_FOUND');
});

test('5. a long-poll whose client sent a byte more and closed ends at once', async () => {
  const since = (await syncOf(alice)).next_batch;
  const sock = await connect(server.port);
  sock.write(`GET ${V3}/sync?since=${since}&timeout=30000 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${alice.token}\r\n\r\n`);
  await sleep(200);
  sock.write('X'); // arrives while the long-poll waits
  await sleep(100);
  sock.end(); // FIN behind the pipelined byte
  const t0 = performance.now();
  const { closed } = await readUntilClose(sock, 5000);
  assert.ok(closed, 'the server closed the connection instead of holding it for the timeout');
  assert.ok(performance.now() - t0 < 5000);
});

test('5. a pipelined request behind a long-poll is still answered after it', async () => {
  const since = (await syncOf(alice)).next_batch;
  const sock = await connect(server.port);
  sock.write(`GET ${V3}/sync?since=${since}&timeout=1000 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${alice.token}\r\n\r\n`);
  await sleep(100);
  sock.write('GET /_matrix/client/versions HTTP/1.1\r\nHost: x\r\n\r\n');
  const [first, second] = await readResponses(sock, 2, 5000);
  assert.equal(first.status, 200);
  assert.ok(JSON.parse(first.body).next_batch);
  assert.equal(second.status, 200);
  assert.ok(JSON.parse(second.body).versions);
  sock.destroy();
});

test('5. connections are capped per address and overall; other addresses still get in', async () => {
  const capped = await startServer({ extraConfig: '\n[http]\nmax_connections_per_address = 20\nmax_connections = 30\n' });
  try {
    const socks = [];
    const ends = [];
    for (let i = 0; i < 25; i++) {
      const s = await connect(capped.port);
      socks.push(s);
      ends.push(readUntilClose(s, 1500));
    }
    const closed = await Promise.all(ends.slice(20));
    assert.ok(closed.every((c) => c.closed), 'connections past 20 from one address are closed');
    const other = await new Promise((res, rej) => {
      const s = net.connect({ port: capped.port, host: '127.0.0.1', localAddress: '127.0.0.2' }, () => res(s));
      s.once('error', rej);
    });
    other.write('GET /_matrix/client/versions HTTP/1.1\r\nHost: x\r\n\r\n');
    const [fromOther] = await readResponses(other, 1, 3000);
    assert.equal(fromOther.status, 200, 'another address still gets in');
    other.destroy();
    for (const s of socks) s.destroy();
    await sleep(300);
    const again = await fetch(`${capped.url}/_matrix/client/versions`);
    assert.equal(again.status, 200, 'slots come back when connections close');
  } finally { await capped.stop(); }
});

test('5. long-poll timeouts are capped, and so are concurrent long-polls per device', async () => {
  const s2 = await startServer({ extraConfig: '\n[sync]\nmax_timeout_s = 1\nmax_longpolls_per_device = 2\n' });
  try {
    const a2 = await new Api(s2.url).register('lp_user');
    const since = (await a2.get(`${V3}/sync`)).json.next_batch;
    const t0 = performance.now();
    const r = await a2.get(`${V3}/sync?since=${since}&timeout=600000`);
    assert.equal(r.status, 200);
    assert.ok(performance.now() - t0 < 5000, 'the hour-long timeout was cut to the configured second');
    const polls = [0, 1, 2].map(() => a2.get(`${V3}/sync?since=${since}&timeout=1000`));
    const results = await Promise.all(polls);
    const statuses = results.map((x) => x.status).sort();
    assert.deepEqual(statuses, [200, 200, 429]);
    assertError(results.find((x) => x.status === 429), 429, 'M_LIMIT_EXCEEDED');
    const after = await a2.get(`${V3}/sync?since=${since}&timeout=100`);
    assert.equal(after.status, 200, 'the slots are released when the long-polls end');
  } finally { await s2.stop(); }
});

test('6. createRoom is bounded and atomic: a refused entry leaves no room behind', async (t) => {
  const many = Array.from({ length: 101 }, (_, i) => ({ type: `m.x${i}`, state_key: '', content: {} }));
  assertError(await alice.post(`${V3}/createRoom`, { initial_state: many }), 400, 'M_INVALID_PARAM');
  assertError(await alice.post(`${V3}/createRoom`, { invite: Array(101).fill(bob.userId) }), 400, 'M_INVALID_PARAM');
  const before = (await alice.get(`${V3}/joined_rooms`)).json.joined_rooms;
  const refused = await alice.post(`${V3}/createRoom`, {
    room_alias_name: 'half-made', name: 'Half',
    initial_state: [{ type: 'm.room.member', state_key: carol.userId, content: { membership: 'join' } }],
  });
  assertError(refused, 403, 'M_FORBIDDEN');
  assert.deepEqual((await alice.get(`${V3}/joined_rooms`)).json.joined_rooms, before, 'no half-made room');
  assertError(await api.get(`${V3}/directory/room/${enc('#half-made:localhost')}`), 404, 'M_NOT_FOUND');
  const { result, worst } = await worstLatencyDuring(() => alice.post(`${V3}/createRoom`, {
    room_alias_name: 'half-made', initial_state: many.slice(0, 100) }));
  assert.equal(result.status, 200, 'the alias is free and 100 entries are allowed');
  t.diagnostic(`worst /versions round trip meanwhile: ${worst.toFixed(1)} ms`);
  assert.ok(worst < 100, `other clients waited ${worst} ms`);
  const state = (await alice.get(`${V3}/rooms/${enc(result.json.room_id)}/state`)).json;
  assert.ok(state.some((e) => e.type === 'm.x99'));
});

test('7. to-device: a backlog arrives 100 at a time, and nothing is lost', async () => {
  const sender = await api.register('td_sender');
  const target = await api.register('td_target');
  const first = await syncOf(target);
  for (let i = 0; i < 150; i++) {
    const r = await sender.put(`${V3}/sendToDevice/m.test/b${i}`, { messages: { [target.userId]: { [target.deviceId]: { i } } } });
    assert.equal(r.status, 200, r.text);
  }
  // To a device that does not exist: nothing is kept for it (and the call still succeeds).
  assert.equal((await sender.put(`${V3}/sendToDevice/m.test/ghost`, { messages: { [target.userId]: { GHOST: { i: -1 } } } })).status, 200);
  const got = [];
  let since = first.next_batch;
  for (let round = 0; round < 4; round++) {
    const s = await syncOf(target, since);
    const evs = s.to_device?.events ?? [];
    assert.ok(evs.length <= 100, `one answer carried ${evs.length}`);
    got.push(...evs.map((e) => e.content.i));
    since = s.next_batch;
  }
  assert.deepEqual(got, Array.from({ length: 150 }, (_, i) => i), 'every message once, in order');
  const big = 'x'.repeat(400000);
  for (let i = 0; i < 4; i++)
    assert.equal((await sender.put(`${V3}/sendToDevice/m.big/g${i}`, { messages: { [target.userId]: { [target.deviceId]: { big, i } } } })).status, 200);
  const sizes = [];
  const bigs = [];
  for (let round = 0; round < 4; round++) {
    const r = await target.get(`${V3}/sync?since=${since}`);
    sizes.push(r.text.length);
    bigs.push(...(r.json.to_device?.events ?? []).map((e) => e.content.i));
    since = r.json.next_batch;
  }
  assert.deepEqual(bigs, [0, 1, 2, 3]);
  assert.ok(Math.max(...sizes) < 1.2 * 1024 * 1024, `an answer was ${Math.max(...sizes)} bytes`);
});

test('9. a Transfer-Encoding whose last coding is not chunked is refused, and its body never runs', async () => {
  for (const coding of ['gzip', 'xchunked', 'identity', 'chunked, gzip']) {
    const sock = await connect(server.port);
    const smuggled = `GET /_matrix/client/versions HTTP/1.1\r\nHost: x\r\n\r\n`;
    sock.write(`POST ${V3}/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ${coding}\r\n\r\n${smuggled}`);
    const { data, closed } = await readUntilClose(sock, 3000);
    assert.ok(closed, `${coding}: the connection is closed`);
    assert.match(data, /^HTTP\/1\.1 400/, coding);
    assert.equal((data.match(/HTTP\/1\.1 /g) ?? []).length, 1, `${coding}: one response only`);
  }
});

test('10. rate limits: per client behind a trusted proxy, and wrong passwords per account', async () => {
  const rl = await startServer({ config: `
password_hash_cost = "min"
[rate_limit.login]
per_second = 0.01
burst = 3
[rate_limit.register]
enabled = false
[rate_limit.failed_password]
per_second = 0.01
burst = 4
[http]
trusted_proxies = ["127.0.0.1"]
` });
  try {
    const a = new Api(rl.url);
    await a.register('victim', 'right');
    await a.register('target', 'right');
    const from = (ip) => ({ headers: { 'x-forwarded-for': `203.0.113.9, ${ip}` } });
    const login = (user, password, ip) => a.post(`${V3}/login`, { type: 'm.login.password', identifier: { type: 'm.id.user', user }, password }, from(ip));
    for (let i = 0; i < 3; i++) assertError(await login('victim', 'wrong', '198.51.100.1'), 403, 'M_FORBIDDEN');
    assertError(await login('victim', 'wrong', '198.51.100.1'), 429, 'M_LIMIT_EXCEEDED');
    const ok = await login('victim', 'right', '198.51.100.2');
    assert.equal(ok.status, 200, 'another client behind the same proxy is not locked out');
    // Guesses spread over many addresses still count against the account.
    for (let i = 0; i < 4; i++) assertError(await login('target', 'wrong', `192.0.2.${i + 10}`), 403, 'M_FORBIDDEN');
    assertError(await login('target', 'right', '192.0.2.99'), 429, 'M_LIMIT_EXCEEDED');
    // An untrusted peer's header is ignored: all these count for 127.0.0.1 itself.
    const direct = await startServer({ config: `
password_hash_cost = "min"
[rate_limit.login]
per_second = 0.01
burst = 2
` });
    try {
      const d = new Api(direct.url);
      const l = (ip) => d.post(`${V3}/login`, { type: 'm.login.password', identifier: { type: 'm.id.user', user: 'nobody' }, password: 'x' }, from(ip));
      await l('10.0.0.1');
      await l('10.0.0.2');
      assertError(await l('10.0.0.3'), 429, 'M_LIMIT_EXCEEDED');
      const names = [];
      for (let i = 0; i < 12; i++) names.push((await d.get(`${V3}/register/available?username=n${i}`)).status);
      assert.ok(names.includes(429), `/register/available is limited: ${names}`);
    } finally { await direct.stop(); }
  } finally { await rl.stop(); }
});

test('11. a long-poll in flight at logout does not return what came after', async () => {
  const roomId = await createRoom(alice);
  await invite(alice, roomId, bob.userId);
  const b2 = bob.withToken((await api.login('sec_bob')).json.access_token);
  await joinRoom(b2, roomId);
  const since = (await syncOf(b2)).next_batch;
  const poll = b2.get(`${V3}/sync?since=${since}&timeout=10000`);
  await sleep(200);
  assert.equal((await b2.post(`${V3}/logout`, {})).status, 200);
  await send(alice, roomId, { msgtype: 'm.text', body: 'after logout' });
  const r = await poll;
  assertError(r, 401, 'M_UNKNOWN_TOKEN');
  assert.ok(!r.text.includes('after logout'));
});

test('12. /relations only lists relations from the parent\'s own room', async () => {
  const roomA = await createRoom(alice);
  const roomB = await createRoom(alice);
  const parent = await send(alice, roomA, { msgtype: 'm.text', body: 'parent' });
  await send(alice, roomA, { 'm.relates_to': { rel_type: 'm.annotation', event_id: parent, key: '👍' } }, 'm.reaction');
  await send(alice, roomB, { 'm.relates_to': { rel_type: 'm.annotation', event_id: parent, key: '💣' } }, 'm.reaction');
  const r = await alice.get(`${V3.replace('v3', 'v1')}/rooms/${enc(roomA)}/relations/${enc(parent)}`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.chunk.map((e) => e.content['m.relates_to'].key), ['👍']);
});

test('13. the data directory and the database are the owner\'s alone', { skip: !!process.env.MYELIN_TEST_PG }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'myelin-perm-'));
  const s = await startServer({ dbUrl: `sqlite:${join(dir, 'fresh', 'myelin.db')}` });
  try {
    await new Api(s.url).register('perm_user');
    assert.equal(statSync(join(dir, 'fresh')).mode & 0o777, 0o700);
    for (const f of ['myelin.db', 'myelin.db-wal', 'myelin.db-serve.lock'])
      if (existsSync(join(dir, 'fresh', f)))
        assert.equal(statSync(join(dir, 'fresh', f)).mode & 0o777, 0o600, f);
    assert.ok(existsSync(join(dir, 'fresh', 'myelin.db')));
  } finally { await s.stop(); }
});

test('14. the Bearer scheme is case-insensitive', async () => {
  for (const scheme of ['bearer', 'BEARER', 'Bearer']) {
    const r = await api.get(`${V3}/account/whoami`, { token: null, headers: { authorization: `${scheme} ${alice.token}` } });
    assert.equal(r.status, 200, `${scheme}: ${r.text}`);
    assert.equal(r.json.user_id, alice.userId);
  }
  assertError(await api.get(`${V3}/account/whoami`, { token: null, headers: { authorization: `Basic ${alice.token}` } }), 401, 'M_MISSING_TOKEN');
});

test('14. presence status messages are bounded', async () => {
  const path = `${V3}/presence/${enc(alice.userId)}/status`;
  assertError(await alice.put(path, { presence: 'online', status_msg: 'x'.repeat(1025) }), 400, 'M_INVALID_PARAM');
  assert.equal((await alice.put(path, { presence: 'online', status_msg: 'x'.repeat(1024) })).status, 200);
});

test('14. typing notifications are rate-limited per user', async () => {
  const roomId = await createRoom(alice);
  const statuses = [];
  for (let i = 0; i < 20; i++)
    statuses.push((await alice.put(`${V3}/rooms/${enc(roomId)}/typing/${enc(alice.userId)}`, { typing: i % 2 === 0, timeout: 1000 })).status);
  assert.ok(statuses.slice(0, 10).every((s) => s === 200), statuses.join());
  assert.ok(statuses.includes(429), `a burst of 20 is cut: ${statuses.join()}`);
});
