// GET /sync through HTTP: initial, incremental, long-poll wake-ups, gaps, invites, leaves,
// filters, account data, and the errors for bad parameters.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { Api, assertError } from './lib/client.mjs';
import { V3, enc, createRoom, send, join, invite } from './lib/rooms.mjs';
import { connect, sleep } from './lib/raw.mjs';

let server, api;
before(async () => { server = await startServer(); api = new Api(server.url); });
after(async () => { await server.stop(); });

const sync = async (who, params = {}) => {
  const q = new URLSearchParams(params).toString();
  const r = await who.get(`${V3}/sync${q ? `?${q}` : ''}`);
  assert.equal(r.status, 200, r.text);
  assert.match(r.json.next_batch, /^s\d+_\d+$/);
  return r.json;
};
const bodies = (room) => room.timeline.events.filter((e) => e.type === 'm.room.message').map((e) => e.content.body);

test('initial sync has joined rooms with state, timeline and summary', async () => {
  const alice = await api.register('s_alice');
  const roomId = await createRoom(alice, { name: 'Sync room' });
  await send(alice, roomId, { msgtype: 'm.text', body: 'first' });
  const s = await sync(alice);
  const room = s.rooms.join[roomId];
  assert.ok(room, JSON.stringify(s));
  assert.deepEqual(bodies(room), ['first']);
  assert.equal(room.timeline.limited, false);
  assert.match(room.timeline.prev_batch, /^s\d+$/);
  const types = [...room.state.events, ...room.timeline.events].map((e) => e.type);
  for (const t of ['m.room.create', 'm.room.member', 'm.room.power_levels', 'm.room.name']) assert.ok(types.includes(t), t);
  assert.equal(room.summary['m.joined_member_count'], 1);
  // The sender's own device sees its transaction id.
  const txnEvent = room.timeline.events.find((e) => e.type === 'm.room.message');
  assert.match(txnEvent.unsigned.transaction_id, /^t\d+/);
});

test('sync events leave out room_id (ClientEventWithoutRoomID); /messages events carry it', async () => {
  const alice = await api.register('s_noroomid');
  const roomId = await createRoom(alice, { name: 'No room ids' });
  const first = await sync(alice);
  await send(alice, roomId, { msgtype: 'm.text', body: 'keyed by room' });
  const fields = await sync(alice, {
    since: first.next_batch, filter: JSON.stringify({ event_fields: ['type', 'room_id', 'content.body'] }),
  });
  const lazy = await sync(alice, { filter: JSON.stringify({ room: { state: { lazy_load_members: true } } }) });
  const events = [first, fields, lazy].flatMap((s) => {
    const room = s.rooms.join[roomId];
    return [...room.state.events, ...room.timeline.events];
  });
  assert.ok(events.length > 5, 'the rooms came with events');
  for (const e of events) {
    assert.equal(e.room_id, undefined, JSON.stringify(e));
    assert.equal(typeof e.type, 'string');
  }
  assert.deepEqual(fields.rooms.join[roomId].timeline.events, [{ type: 'm.room.message', content: { body: 'keyed by room' } }]);
  const page = await alice.get(`${V3}/rooms/${enc(roomId)}/messages?dir=b&limit=5`);
  assert.equal(page.status, 200);
  for (const e of page.json.chunk) assert.equal(e.room_id, roomId);
});

test('incremental sync returns only what is new; nothing new returns empty at once with timeout=0', async () => {
  const alice = await api.register('s_inc');
  const roomId = await createRoom(alice);
  const first = await sync(alice);
  const idle = await sync(alice, { since: first.next_batch, timeout: 0 });
  assert.equal(idle.rooms, undefined);
  await send(alice, roomId, { msgtype: 'm.text', body: 'new one' });
  const next = await sync(alice, { since: first.next_batch });
  assert.deepEqual(bodies(next.rooms.join[roomId]), ['new one']);
  assert.equal(next.rooms.join[roomId].timeline.limited, false);
  assert.deepEqual(next.rooms.join[roomId].state.events, []);
  const again = await sync(alice, { since: next.next_batch, timeout: 0 });
  assert.equal(again.rooms, undefined);
});

test('long-poll wakes when a message arrives and times out empty with next_batch = since', async () => {
  const alice = await api.register('s_lp');
  const bob = await api.register('s_lp_bob');
  const roomId = await createRoom(alice, { preset: 'public_chat' });
  await join(bob, roomId);
  const base = await sync(bob);
  const t0 = Date.now();
  const pending = sync(bob, { since: base.next_batch, timeout: 10000 });
  setTimeout(() => send(alice, roomId, { msgtype: 'm.text', body: 'wake up' }), 300);
  const woke = await pending;
  const took = Date.now() - t0;
  assert.ok(took < 5000, `took ${took} ms`);
  assert.deepEqual(bodies(woke.rooms.join[roomId]), ['wake up']);
  // Activity in a room bob is not in does not end his long-poll early.
  const other = await createRoom(alice);
  const t1 = Date.now();
  const quiet = sync(bob, { since: woke.next_batch, timeout: 1200 });
  setTimeout(() => send(alice, other), 200);
  const res = await quiet;
  assert.ok(Date.now() - t1 >= 1100, 'returned before the timeout');
  assert.equal(res.rooms, undefined);
  assert.equal(res.next_batch, woke.next_batch);
});

test('a gap larger than the timeline limit is limited and carries the hidden state', async () => {
  const alice = await api.register('s_gap');
  const roomId = await createRoom(alice, { name: 'Old name' });
  const base = await sync(alice);
  await alice.put(`${V3}/rooms/${enc(roomId)}/state/m.room.name/`, { name: 'New name' });
  for (let i = 0; i < 5; i++) await send(alice, roomId, { msgtype: 'm.text', body: `g${i}` });
  const filter = JSON.stringify({ room: { timeline: { limit: 3 } } });
  const s = await sync(alice, { since: base.next_batch, filter });
  const room = s.rooms.join[roomId];
  assert.equal(room.timeline.limited, true);
  assert.deepEqual(bodies(room), ['g2', 'g3', 'g4']);
  const name = room.state.events.find((e) => e.type === 'm.room.name');
  assert.equal(name?.content.name, 'New name', 'the state change hidden in the gap is in state');
  // prev_batch works with /messages to fill the gap.
  const gap = await alice.get(`${V3}/rooms/${enc(roomId)}/messages?dir=b&limit=2&from=${room.timeline.prev_batch}`);
  assert.deepEqual(gap.json.chunk.map((e) => e.content.body), ['g1', 'g0']);
});

test('a range one event over the limit is limited, exactly the limit is not (small room)', async () => {
  // Fewer events in the whole room than one read of the store returns: `limited` must still
  // come from what is left in the range, not from reaching the room's start.
  const alice = await api.register('s_small_gap');
  const roomId = await createRoom(alice, {});
  const base = await sync(alice);
  await send(alice, roomId, { msgtype: 'm.text', body: 'a' });
  await send(alice, roomId, { msgtype: 'm.text', body: 'b' });
  const filter = (limit) => JSON.stringify({ room: { timeline: { limit } } });
  const over = (await sync(alice, { since: base.next_batch, filter: filter(1) })).rooms.join[roomId];
  assert.equal(over.timeline.limited, true);
  assert.deepEqual(bodies(over), ['b']);
  const exact = (await sync(alice, { since: base.next_batch, filter: filter(2) })).rooms.join[roomId];
  assert.equal(exact.timeline.limited, false);
  assert.deepEqual(bodies(exact), ['a', 'b']);
});

test('invites arrive with stripped state; joining brings full state and limited', async () => {
  const alice = await api.register('s_inv_a');
  const bob = await api.register('s_inv_b');
  const roomId = await createRoom(alice, { name: 'Secret club' });
  for (let i = 0; i < 3; i++) await send(alice, roomId);
  const base = await sync(bob);
  await invite(alice, roomId, '@s_inv_b:localhost');
  const inv = await sync(bob, { since: base.next_batch, timeout: 5000 });
  const state = inv.rooms.invite[roomId].invite_state.events;
  assert.ok(state.some((e) => e.type === 'm.room.name' && e.content.name === 'Secret club'));
  assert.ok(state.some((e) => e.type === 'm.room.member' && e.state_key === '@s_inv_b:localhost' && e.content.membership === 'invite'));
  await join(bob, roomId);
  const joined = await sync(bob, { since: inv.next_batch, filter: JSON.stringify({ room: { timeline: { limit: 2 } } }) });
  const room = joined.rooms.join[roomId];
  assert.equal(room.timeline.limited, true);
  const all = [...room.state.events, ...room.timeline.events];
  assert.ok(all.some((e) => e.type === 'm.room.create'));
  assert.ok(all.some((e) => e.type === 'm.room.name'));
  assert.equal(joined.rooms.invite, undefined);
});

test('leaving moves the room to leave; a kicked user sees the kick', async () => {
  const alice = await api.register('s_lv_a');
  const bob = await api.register('s_lv_b');
  const roomId = await createRoom(alice, { preset: 'public_chat' });
  await join(bob, roomId);
  const base = await sync(bob);
  await alice.post(`${V3}/rooms/${enc(roomId)}/kick`, { user_id: '@s_lv_b:localhost', reason: 'bye' });
  await send(alice, roomId, { msgtype: 'm.text', body: 'after kick' });
  const s = await sync(bob, { since: base.next_batch });
  const left = s.rooms.leave[roomId];
  assert.ok(left, JSON.stringify(s));
  const kick = left.timeline.events.find((e) => e.type === 'm.room.member');
  assert.equal(kick.content.membership, 'leave');
  assert.equal(kick.content.reason, 'bye');
  assert.ok(!bodies(left).includes('after kick'), 'events after the kick are not shown');
  assert.equal(s.rooms.join?.[roomId], undefined);
  // Initial sync leaves left rooms out unless include_leave.
  assert.equal((await sync(bob)).rooms?.leave?.[roomId], undefined);
  const withLeave = await sync(bob, { filter: JSON.stringify({ room: { include_leave: true } }) });
  assert.ok(withLeave.rooms.leave[roomId]);
});

test('filters: stored and inline, types, rooms, lazy-loaded members', async () => {
  const alice = await api.register('s_f_a');
  const bob = await api.register('s_f_b');
  const r1 = await createRoom(alice, { preset: 'public_chat' });
  const r2 = await createRoom(alice);
  await join(bob, r1);
  await send(bob, r1, { msgtype: 'm.text', body: 'from bob' });
  await send(alice, r1, { body: 'x' }, 'org.example.custom');
  const up = await alice.post(`${V3}/user/${enc('@s_f_a:localhost')}/filter`, {
    room: { rooms: [r1], timeline: { types: ['m.room.message'] }, state: { lazy_load_members: true } },
  });
  assert.equal(up.status, 200, up.text);
  assert.equal(typeof up.json.filter_id, 'string');
  const got = await alice.get(`${V3}/user/${enc('@s_f_a:localhost')}/filter/${up.json.filter_id}`);
  assert.deepEqual(got.json.room.rooms, [r1]);
  const s = await sync(alice, { filter: up.json.filter_id });
  assert.deepEqual(Object.keys(s.rooms.join), [r1]);
  assert.ok(s.rooms.join[r1].timeline.events.every((e) => e.type === 'm.room.message'));
  const members = s.rooms.join[r1].state.events.filter((e) => e.type === 'm.room.member').map((e) => e.state_key).sort();
  assert.deepEqual(members, ['@s_f_a:localhost', '@s_f_b:localhost']);
  assert.equal(s.rooms.join[r2], undefined);
  assertError(await alice.get(`${V3}/sync?filter=999`), 400, 'M_INVALID_PARAM');
  assertError(await alice.get(`${V3}/sync?filter=${enc('{bad json')}`), 400, 'M_NOT_JSON');
  assertError(await alice.post(`${V3}/user/${enc('@s_f_a:localhost')}/filter`, { room: { timeline: { types: 'nope' } } }), 400, 'M_BAD_JSON');
  assertError(await bob.post(`${V3}/user/${enc('@s_f_a:localhost')}/filter`, {}), 403, 'M_FORBIDDEN');
});

test('stored filters are per user: two users whose filters are both "0" each get their own, every time', async () => {
  const alice = await api.register('s_fid_a');
  const bob = await api.register('s_fid_b');
  const roomId = await createRoom(alice, { preset: 'public_chat' });
  await join(bob, roomId);
  for (const body of ['one', 'two', 'three']) await send(alice, roomId, { msgtype: 'm.text', body });
  const upload = async (who, user, limit) => {
    const r = await who.post(`${V3}/user/${enc(user)}/filter`, {
      room: { timeline: { limit, types: ['m.room.message'] } },
    });
    assert.equal(r.status, 200, r.text);
    return r.json.filter_id;
  };
  const aliceId = await upload(alice, '@s_fid_a:localhost', 1);
  const bobId = await upload(bob, '@s_fid_b:localhost', 3);
  assert.equal(aliceId, bobId, 'filter ids are numbered per user');
  // Each user's filter applies on every request, in either order (the server keeps parsed
  // filters: a key without the user would hand one user's filter to the other).
  for (let round = 0; round < 2; round++) {
    assert.deepEqual(bodies((await sync(alice, { filter: aliceId })).rooms.join[roomId]), ['three']);
    assert.deepEqual(bodies((await sync(bob, { filter: bobId })).rooms.join[roomId]), ['one', 'two', 'three']);
  }
  // The same holds for an inline filter text given by both.
  const inline = JSON.stringify({ room: { timeline: { limit: 2, types: ['m.room.message'] } } });
  assert.deepEqual(bodies((await sync(alice, { filter: inline })).rooms.join[roomId]), ['two', 'three']);
  assert.deepEqual(bodies((await sync(bob, { filter: inline })).rooms.join[roomId]), ['two', 'three']);
  assertError(await bob.get(`${V3}/sync?filter=1`), 400, 'M_INVALID_PARAM');
});

test('account data reaches sync, globally and per room, and wakes a long-poll', async () => {
  const alice = await api.register('s_ad');
  const roomId = await createRoom(alice);
  const base = await sync(alice);
  const pending = sync(alice, { since: base.next_batch, timeout: 5000 });
  setTimeout(() => alice.put(`${V3}/user/${enc('@s_ad:localhost')}/account_data/org.example.a`, { v: 1 }), 200);
  const s = await pending;
  assert.deepEqual(s.account_data.events, [{ type: 'org.example.a', content: { v: 1 } }]);
  await alice.put(`${V3}/user/${enc('@s_ad:localhost')}/rooms/${enc(roomId)}/tags/u.work`, {});
  const s2 = await sync(alice, { since: s.next_batch });
  assert.deepEqual(s2.rooms.join[roomId].account_data.events, [{ type: 'm.tag', content: { tags: { 'u.work': {} } } }]);
});

test('bad parameters: since, timeout, full_state; full_state returns everything', async () => {
  const alice = await api.register('s_bad');
  const roomId = await createRoom(alice);
  const s = await sync(alice);
  assertError(await alice.get(`${V3}/sync?since=banana`), 400, 'M_INVALID_PARAM');
  assertError(await alice.get(`${V3}/sync?since=s999999999`), 400, 'M_INVALID_PARAM');
  assertError(await alice.get(`${V3}/sync?timeout=-5`), 400, 'M_INVALID_PARAM');
  assertError(await alice.get(`${V3}/sync?full_state=maybe`), 400, 'M_INVALID_PARAM');
  assertError(await api.get(`${V3}/sync`), 401, 'M_MISSING_TOKEN');
  const full = await sync(alice, { since: s.next_batch, full_state: 'true', timeout: 10000 });
  assert.ok(full.rooms.join[roomId].state.events.length + full.rooms.join[roomId].timeline.events.length >= 5);
});

test('redactions in sync: the redacted event is served redacted afterwards', async () => {
  const alice = await api.register('s_red');
  const roomId = await createRoom(alice);
  const eid = await send(alice, roomId, { msgtype: 'm.text', body: 'secret' });
  await sync(alice); // warms the serialization cache
  await alice.put(`${V3}/rooms/${enc(roomId)}/redact/${enc(eid)}/rr`, {});
  const again = await sync(alice);
  const ev = again.rooms.join[roomId].timeline.events.find((e) => e.event_id === eid);
  assert.deepEqual(ev.content, {});
  assert.ok(ev.unsigned.redacted_because);
});

test('use_state_after returns state_after instead of state', async () => {
  const alice = await api.register('s_sa');
  const roomId = await createRoom(alice, { name: 'SA' });
  const s = await sync(alice, { use_state_after: 'true' });
  const room = s.rooms.join[roomId];
  assert.equal(room.state, undefined);
  assert.ok(room.state_after.events.some((e) => e.type === 'm.room.name'));
});

test('typing notifications: set, seen by members, cleared, expire', async () => {
  const alice = await api.register('s_ty_a');
  const bob = await api.register('s_ty_b');
  const roomId = await createRoom(alice, { preset: 'public_chat' });
  await join(bob, roomId);
  const base = await sync(bob);
  const pending = sync(bob, { since: base.next_batch, timeout: 5000 });
  setTimeout(() => alice.put(`${V3}/rooms/${enc(roomId)}/typing/${enc('@s_ty_a:localhost')}`, { typing: true, timeout: 1500 }), 100);
  const s1 = await pending;
  const typing = (s) => s.rooms?.join?.[roomId]?.ephemeral?.events.find((e) => e.type === 'm.typing')?.content.user_ids;
  assert.deepEqual(typing(s1), ['@s_ty_a:localhost']);
  // Expiry: after the timeout the typer disappears without anyone asking.
  const s2 = await sync(bob, { since: s1.next_batch, timeout: 5000 });
  assert.deepEqual(typing(s2), []);
  assertError(await bob.put(`${V3}/rooms/${enc(roomId)}/typing/${enc('@s_ty_a:localhost')}`, { typing: true }), 403, 'M_FORBIDDEN');
  assertError(await bob.put(`${V3}/rooms/${enc(roomId)}/typing/${enc('@s_ty_b:localhost')}`, {}), 400, 'M_MISSING_PARAM');
});

test('a long-poll answers at once for what happened since its token: typing alone, then a message', async () => {
  const alice = await api.register('s_lp_a');
  const bob = await api.register('s_lp_b');
  const roomId = await createRoom(alice, { preset: 'public_chat' });
  await join(bob, roomId);
  // Bob coming online is written after a batching delay (250 ms): let it land and take it in,
  // so that below only the typing serial has moved past the token.
  const first = await sync(bob);
  await sleep(600);
  const base = await sync(bob, { since: first.next_batch, timeout: 0 });
  // Typing moves no stream position, only the typing serial in the token.
  const typingUrl = `${V3}/rooms/${enc(roomId)}/typing/${enc('@s_lp_a:localhost')}`;
  assert.equal((await alice.put(typingUrl, { typing: true, timeout: 30000 })).status, 200);
  let started = Date.now();
  const s1 = await sync(bob, { since: base.next_batch, timeout: 20000 });
  assert.ok(Date.now() - started < 3000, `waited ${Date.now() - started} ms for a change made before the poll`);
  const typers = s1.rooms?.join?.[roomId]?.ephemeral?.events.find((e) => e.type === 'm.typing')?.content.user_ids;
  assert.deepEqual(typers, ['@s_lp_a:localhost']);
  await send(alice, roomId, { msgtype: 'm.text', body: 'before the poll' });
  started = Date.now();
  const s2 = await sync(bob, { since: s1.next_batch, timeout: 20000 });
  assert.ok(Date.now() - started < 3000, `waited ${Date.now() - started} ms for a message sent before the poll`);
  assert.deepEqual(bodies(s2.rooms.join[roomId]), ['before the poll']);
  // Nothing new: the poll waits, and the next message wakes it.
  const pending = sync(bob, { since: s2.next_batch, timeout: 10000 });
  setTimeout(() => send(alice, roomId, { msgtype: 'm.text', body: 'during the poll' }), 300);
  assert.deepEqual(bodies((await pending).rooms.join[roomId]), ['during the poll']);
  await alice.put(typingUrl, { typing: false });
});

test('read receipts and read markers reach sync; private receipts stay private', async () => {
  const alice = await api.register('s_rr_a');
  const bob = await api.register('s_rr_b');
  const roomId = await createRoom(alice, { preset: 'public_chat' });
  await join(bob, roomId);
  const eid = await send(alice, roomId, { msgtype: 'm.text', body: 'read me' });
  const base = await sync(alice);
  assert.equal((await bob.post(`${V3}/rooms/${enc(roomId)}/receipt/m.read/${enc(eid)}`, {})).status, 200);
  assert.equal((await bob.post(`${V3}/rooms/${enc(roomId)}/receipt/m.read.private/${enc(eid)}`, {})).status, 200);
  const s = await sync(alice, { since: base.next_batch, timeout: 5000 });
  const receipt = s.rooms.join[roomId].ephemeral.events.find((e) => e.type === 'm.receipt');
  assert.ok(receipt.content[eid]['m.read']['@s_rr_b:localhost'].ts > 0);
  assert.equal(receipt.content[eid]['m.read.private'], undefined, 'others never see private receipts');
  const own = await sync(bob);
  const mine = own.rooms.join[roomId].ephemeral.events.find((e) => e.type === 'm.receipt');
  assert.ok(mine.content[eid]['m.read.private']['@s_rr_b:localhost']);
  assert.equal((await bob.post(`${V3}/rooms/${enc(roomId)}/read_markers`, { 'm.fully_read': eid, 'm.read': eid })).status, 200);
  const fr = await bob.get(`${V3}/user/${enc('@s_rr_b:localhost')}/rooms/${enc(roomId)}/account_data/m.fully_read`);
  assert.deepEqual(fr.json, { event_id: eid });
  assertError(await bob.post(`${V3}/rooms/${enc(roomId)}/receipt/m.bogus/${enc(eid)}`, {}), 400, 'M_INVALID_PARAM');
  assertError(await bob.post(`${V3}/rooms/${enc(roomId)}/receipt/m.read/${enc('$missing')}`, {}), 404, 'M_NOT_FOUND');
});

test('a long-poll whose client disconnects ends at once instead of at its timeout', async () => {
  const alice = await api.register('s_gone');
  const base = await sync(alice);
  const sock = await connect(server.port);
  sock.write(`GET ${V3}/sync?since=${base.next_batch}&timeout=60000 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${alice.token}\r\n\r\n`);
  await sleep(300);
  const logBefore = server.log.length;
  sock.destroy();
  await sleep(500);
  const tail = server.log.slice(logBefore);
  const m = /GET \/_matrix\/client\/v3\/sync \d+ ([\d.]+)ms/.exec(tail);
  assert.ok(m, `no completed /sync in the log after the disconnect:\n${tail}`);
  assert.ok(Number(m[1]) < 5000, `the long-poll lasted ${m[1]} ms`);
  // A pipelined request after a long-poll is not mistaken for a disconnect.
  const sock2 = await connect(server.port);
  const { readResponses } = await import('./lib/raw.mjs');
  sock2.write(`GET ${V3}/sync?since=${base.next_batch}&timeout=800 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${alice.token}\r\n\r\n` +
    `GET /_matrix/client/versions HTTP/1.1\r\nHost: x\r\n\r\n`);
  const rs = await readResponses(sock2, 2, 5000);
  assert.deepEqual(rs.map((r) => r.status), [200, 200]);
  assert.equal(JSON.parse(rs[0].body).next_batch, base.next_batch);
  sock2.destroy();
});

test('to-device messages: delivered until acknowledged, then deleted; * reaches every device', async () => {
  const alice = await api.register('s_td_a');
  const bob = await api.register('s_td_b');
  const bob2 = api.withToken((await api.login('s_td_b')).json.access_token);
  const base = await sync(bob);
  const send = (txn, device, body) => alice.put(`${V3}/sendToDevice/org.example.ping/${txn}`,
    { messages: { '@s_td_b:localhost': { [device]: body } } });
  const pending = sync(bob, { since: base.next_batch, timeout: 5000 });
  setTimeout(() => send('t1', bob.deviceId, { n: 1 }), 100);
  const s1 = await pending;
  assert.deepEqual(s1.to_device.events, [{ sender: '@s_td_a:localhost', type: 'org.example.ping', content: { n: 1 } }]);
  // Not acknowledged yet: the same `since` gets it again.
  const again = await sync(bob, { since: base.next_batch });
  assert.equal(again.to_device.events.length, 1);
  // Syncing from the token that carried it acknowledges it.
  const s2 = await sync(bob, { since: s1.next_batch });
  assert.equal(s2.to_device, undefined);
  const s3 = await sync(bob, { since: base.next_batch });
  assert.equal(s3.to_device, undefined, 'deleted once acknowledged');
  // A retried transaction is not delivered twice; '*' goes to every device of the user.
  assert.equal((await send('t1', bob.deviceId, { n: 1 })).status, 200);
  assert.equal((await send('t2', '*', { n: 2 })).status, 200);
  const b1 = await sync(bob, { since: s3.next_batch });
  assert.deepEqual(b1.to_device.events.map((e) => e.content.n), [2]);
  const b2 = await sync(bob2, { since: s3.next_batch });
  assert.deepEqual(b2.to_device.events.map((e) => e.content.n), [2]);
  assertError(await alice.put(`${V3}/sendToDevice/x/t3`, {}), 400, 'M_MISSING_PARAM');
  assertError(await alice.put(`${V3}/sendToDevice/x/t4`, { messages: { nobody: {} } }), 400, 'M_INVALID_PARAM');
});

test('lazy-loaded members: a new speaker\'s membership arrives once, again with include_redundant_members', async () => {
  const alice = await api.register('ll_alice');
  const bob = await api.register('ll_bob');
  const carol = await api.register('ll_carol');
  const roomId = await createRoom(alice, { preset: 'public_chat' });
  await join(bob, roomId);
  await join(carol, roomId);
  await send(bob, roomId, { msgtype: 'm.text', body: 'bob speaks' });
  const lazy = (redundant) => enc(JSON.stringify({ room: { timeline: { limit: 1 }, state: { lazy_load_members: true, include_redundant_members: redundant } } }));
  const members = (s) => (s.rooms?.join?.[roomId]?.state?.events ?? []).filter((e) => e.type === 'm.room.member').map((e) => e.state_key).sort();
  const s0 = await sync(alice, { filter: decodeURIComponent(lazy(false)) });
  assert.deepEqual(members(s0), [alice.userId, bob.userId].sort(), 'initial: only the timeline sender and me');

  // Carol, silent so far, speaks: her membership comes with her message.
  await send(carol, roomId, { msgtype: 'm.text', body: 'carol speaks' });
  const s1 = await sync(alice, { filter: decodeURIComponent(lazy(false)), since: s0.next_batch });
  assert.equal(s1.rooms.join[roomId].timeline.limited, false);
  assert.deepEqual(members(s1), [carol.userId]);
  // Once the device has it, it is not repeated...
  await send(carol, roomId, { msgtype: 'm.text', body: 'carol again' });
  const s2 = await sync(alice, { filter: decodeURIComponent(lazy(false)), since: s1.next_batch });
  assert.deepEqual(members(s2), []);
  // ...unless the client asks for redundant members.
  await send(carol, roomId, { msgtype: 'm.text', body: 'carol a third time' });
  const s3 = await sync(alice, { filter: decodeURIComponent(lazy(true)), since: s2.next_batch });
  assert.deepEqual(members(s3), [carol.userId]);
  // A response the device never acknowledged does not count as delivered: syncing again from
  // the older token brings the membership again.
  const s4 = await sync(alice, { filter: decodeURIComponent(lazy(false)), since: s0.next_batch });
  assert.ok(members(s4).includes(carol.userId), JSON.stringify(members(s4)));
});

test('event_format federation returns the stored PDUs', async () => {
  const alice = await api.register('ef_alice');
  const roomId = await createRoom(alice);
  const eventId = await send(alice, roomId, { msgtype: 'm.text', body: 'pdu' });
  const s = await sync(alice, { filter: JSON.stringify({ event_format: 'federation' }) });
  const ev = s.rooms.join[roomId].timeline.events.find((e) => e.content?.body === 'pdu');
  assert.ok(ev, JSON.stringify(s.rooms.join[roomId].timeline.events));
  for (const field of ['auth_events', 'prev_events', 'depth', 'hashes', 'signatures']) assert.ok(field in ev, field);
  assert.equal(ev.event_id, undefined, 'room v11 PDUs carry no event_id');
  assert.ok(eventId.startsWith('$'));
});
