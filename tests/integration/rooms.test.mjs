// Rooms through HTTP: create, invite, join, send, paginate, redact, kick, ban, aliases, directory.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { Api, assertError } from './lib/client.mjs';
import { V3, enc, createRoom, send, join, invite, messages } from './lib/rooms.mjs';

let server, api, alice, bob, carol;
before(async () => {
  server = await startServer();
  api = new Api(server.url);
  alice = await api.register('alice');
  bob = await api.register('bob');
  carol = await api.register('carol');
});
after(async () => { await server.stop(); });

test('createRoom writes the spec sequence of state events', async () => {
  const roomId = await createRoom(alice, {
    name: 'Garden', topic: 'Plants', room_alias_name: 'garden', preset: 'public_chat',
    initial_state: [{ type: 'm.room.history_visibility', state_key: '', content: { history_visibility: 'world_readable' } }],
  });
  const state = (await alice.get(`${V3}/rooms/${enc(roomId)}/state`)).json;
  const byType = Object.fromEntries(state.map((e) => [`${e.type}|${e.state_key}`, e]));
  const create = byType['m.room.create|'];
  assert.equal(create.content.room_version, '11');
  assert.equal(create.content.creator, undefined, 'v11 create has no creator');
  assert.equal(create.sender, '@alice:localhost');
  assert.equal(byType['m.room.member|@alice:localhost'].content.membership, 'join');
  assert.equal(byType['m.room.power_levels|'].content.users['@alice:localhost'], 100);
  assert.equal(byType['m.room.join_rules|'].content.join_rule, 'public');
  assert.equal(byType['m.room.history_visibility|'].content.history_visibility, 'world_readable');
  assert.equal(byType['m.room.name|'].content.name, 'Garden');
  assert.equal(byType['m.room.topic|'].content.topic, 'Plants');
  assert.equal(byType['m.room.canonical_alias|'].content.alias, '#garden:localhost');
  for (const e of state) assert.match(e.event_id, /^\$[A-Za-z0-9_-]{43}$/);
  const name = await alice.get(`${V3}/rooms/${enc(roomId)}/state/m.room.name/`);
  assert.deepEqual(name.json, { name: 'Garden' });
  const alias = await api.get(`${V3}/directory/room/${enc('#garden:localhost')}`);
  assert.equal(alias.json.room_id, roomId);
  assert.deepEqual(alias.json.servers, ['localhost']);
  assertError(await alice.post(`${V3}/createRoom`, { room_alias_name: 'garden' }), 400, 'M_ROOM_IN_USE');
  assertError(await alice.post(`${V3}/createRoom`, { room_version: '1' }), 400, 'M_UNSUPPORTED_ROOM_VERSION');
  assertError(await alice.post(`${V3}/createRoom`, { invite: ['not-a-user'] }), 400, 'M_INVALID_PARAM');
  assertError(await alice.post(`${V3}/createRoom`, { preset: 'party' }), 400, 'M_INVALID_PARAM');
});

test('room versions 10 and 12 create rooms with their own rules', async () => {
  const v10 = await createRoom(alice, { room_version: '10' });
  const c10 = await alice.get(`${V3}/rooms/${enc(v10)}/state/m.room.create/`);
  assert.equal(c10.json.creator, '@alice:localhost');
  assert.equal(c10.json.room_version, '10');
  const v12 = await createRoom(alice, { room_version: '12' });
  assert.match(v12, /^![A-Za-z0-9_-]{43}$/, 'v12 room id is the create event hash');
  const pl = await alice.get(`${V3}/rooms/${enc(v12)}/state/m.room.power_levels/`);
  assert.equal(pl.json.users?.['@alice:localhost'], undefined, 'v12 creators are not listed');
  await send(alice, v12);
  // A v12 creator cannot be listed in power levels.
  const bad = await alice.put(`${V3}/rooms/${enc(v12)}/state/m.room.power_levels/`, { ...pl.json, users: { '@alice:localhost': 100 } });
  assertError(bad, 403, 'M_FORBIDDEN');
});

test('invite-only room: strangers are refused, invitees join, messages flow', async () => {
  const roomId = await createRoom(alice, { preset: 'private_chat' });
  assertError(await bob.post(`${V3}/join/${enc(roomId)}`, {}), 403, 'M_FORBIDDEN');
  assertError(await bob.put(`${V3}/rooms/${enc(roomId)}/send/m.room.message/x1`, { body: 'x', msgtype: 'm.text' }), 403, 'M_FORBIDDEN');
  await invite(alice, roomId, '@bob:localhost');
  const members = await alice.get(`${V3}/rooms/${enc(roomId)}/members?membership=invite`);
  assert.deepEqual(members.json.chunk.map((e) => e.state_key), ['@bob:localhost']);
  assert.equal(await join(bob, roomId), roomId);
  const eid = await send(bob, roomId, { msgtype: 'm.text', body: 'hello alice' });
  const ev = await alice.get(`${V3}/rooms/${enc(roomId)}/event/${enc(eid)}`);
  assert.equal(ev.json.content.body, 'hello alice');
  assert.equal(ev.json.sender, '@bob:localhost');
  const jm = await alice.get(`${V3}/rooms/${enc(roomId)}/joined_members`);
  assert.deepEqual(Object.keys(jm.json.joined).sort(), ['@alice:localhost', '@bob:localhost']);
  assert.equal(jm.json.joined['@bob:localhost'].display_name, 'bob');
  const jr = await bob.get(`${V3}/joined_rooms`);
  assert.ok(jr.json.joined_rooms.includes(roomId));
});

test('send is idempotent per device and transaction id', async () => {
  const roomId = await createRoom(alice);
  const path = `${V3}/rooms/${enc(roomId)}/send/m.room.message/same-txn`;
  const a = await alice.put(path, { msgtype: 'm.text', body: 'once' });
  const b = await alice.put(path, { msgtype: 'm.text', body: 'once' });
  assert.equal(a.status, 200);
  assert.equal(a.json.event_id, b.json.event_id);
  const other = api.withToken((await api.login('alice')).json.access_token);
  const c = await other.put(path, { msgtype: 'm.text', body: 'once' });
  assert.notEqual(c.json.event_id, a.json.event_id, 'another device gets its own event');
  const page = await messages(alice, roomId, { dir: 'b', limit: 10, filter: JSON.stringify({ types: ['m.room.message'] }) });
  assert.equal(page.json.chunk.length, 2);
});

test('a retried send answers with the first event even after the sender left the room', async () => {
  const roomId = await createRoom(alice, { preset: 'public_chat' });
  await join(bob, roomId);
  const path = `${V3}/rooms/${enc(roomId)}/send/m.room.message/retry-after-leave`;
  const first = await bob.put(path, { msgtype: 'm.text', body: 'before leaving' });
  assert.equal(first.status, 200);
  assert.equal((await bob.post(`${V3}/rooms/${enc(roomId)}/leave`, {})).status, 200);
  const retry = await bob.put(path, { msgtype: 'm.text', body: 'before leaving' });
  assert.equal(retry.status, 200, JSON.stringify(retry.json));
  assert.equal(retry.json.event_id, first.json.event_id);
  // A new transaction id is refused: bob is no longer in the room.
  const fresh = await bob.put(`${V3}/rooms/${enc(roomId)}/send/m.room.message/after-leave`,
    { msgtype: 'm.text', body: 'after leaving' });
  assertError(fresh, 403, 'M_FORBIDDEN');
  const page = await messages(alice, roomId, { dir: 'b', limit: 10, filter: JSON.stringify({ types: ['m.room.message'] }) });
  assert.deepEqual(page.json.chunk.map((e) => e.event_id), [first.json.event_id]);
});

test('messages paginate backwards and forwards across pages with stable tokens', async () => {
  const roomId = await createRoom(alice);
  const sent = [];
  for (let i = 0; i < 25; i++) sent.push(await send(alice, roomId, { msgtype: 'm.text', body: `m${i}` }));
  const filter = JSON.stringify({ types: ['m.room.message'] });
  const seen = [];
  let from;
  for (let pageNo = 0; pageNo < 10; pageNo++) {
    const params = { dir: 'b', limit: 10, filter };
    if (from) params.from = from;
    const r = await messages(alice, roomId, params);
    assert.equal(r.status, 200, r.text);
    seen.push(...r.json.chunk.map((e) => e.event_id));
    if (!r.json.end || r.json.chunk.length === 0) break;
    from = r.json.end;
  }
  assert.deepEqual(seen, [...sent].reverse());
  // Forwards from the start of the room.
  const fwd = [];
  from = undefined;
  for (let pageNo = 0; pageNo < 10; pageNo++) {
    const params = { dir: 'f', limit: 7, filter };
    if (from) params.from = from;
    const r = await messages(alice, roomId, params);
    fwd.push(...r.json.chunk.map((e) => e.event_id));
    if (!r.json.end || r.json.chunk.length === 0) break;
    from = r.json.end;
  }
  assert.deepEqual(fwd, sent);
  // Without a filter, the room's state events come first, create first of all.
  const all = await messages(alice, roomId, { dir: 'f', limit: 3 });
  assert.equal(all.json.chunk[0].type, 'm.room.create');
  assertError(await messages(alice, roomId, { dir: 'x' }), 400, 'M_INVALID_PARAM');
  assertError(await messages(alice, roomId, { dir: 'b', from: 'garbage' }), 400, 'M_INVALID_PARAM');
  assertError(await messages(alice, roomId, { dir: 'b', filter: '{nope' }), 400, 'M_NOT_JSON');
  assertError(await messages(carol, roomId, { dir: 'b' }), 403, 'M_FORBIDDEN');
});

test('context returns events around an event with state', async () => {
  const roomId = await createRoom(alice);
  const ids = [];
  for (let i = 0; i < 6; i++) ids.push(await send(alice, roomId, { msgtype: 'm.text', body: `c${i}` }));
  const r = await alice.get(`${V3}/rooms/${enc(roomId)}/context/${enc(ids[3])}?limit=4`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.event.event_id, ids[3]);
  assert.deepEqual(r.json.events_before.map((e) => e.event_id), [ids[2], ids[1]]);
  assert.deepEqual(r.json.events_after.map((e) => e.event_id), [ids[4], ids[5]]);
  assert.ok(r.json.state.some((e) => e.type === 'm.room.create'));
  const next = await messages(alice, roomId, { dir: 'f', from: r.json.end });
  assert.equal(next.json.chunk.length, 0);
  assertError(await alice.get(`${V3}/rooms/${enc(roomId)}/context/${enc('$nope')}`), 404, 'M_NOT_FOUND');
});

test('redaction strips content, keeps the event and names the redaction', async () => {
  const roomId = await createRoom(alice, { preset: 'public_chat' });
  await join(bob, roomId);
  const eid = await send(bob, roomId, { msgtype: 'm.text', body: 'oops secret' });
  const own = await alice.put(`${V3}/rooms/${enc(roomId)}/redact/${enc(eid)}/r1`, { reason: 'spam' });
  assert.equal(own.status, 200, own.text);
  const ev = await bob.get(`${V3}/rooms/${enc(roomId)}/event/${enc(eid)}`);
  assert.deepEqual(ev.json.content, {});
  assert.equal(ev.json.unsigned.redacted_because.event_id, own.json.event_id);
  assert.equal(ev.json.unsigned.redacted_because.content.reason, 'spam');
  assert.equal(ev.json.unsigned.redacted_because.content.redacts, eid);
  // Bob (power 0) may redact his own events but not alice's.
  const aliceMsg = await send(alice, roomId);
  assertError(await bob.put(`${V3}/rooms/${enc(roomId)}/redact/${enc(aliceMsg)}/r2`, {}), 403, 'M_FORBIDDEN');
  const bobMsg = await send(bob, roomId);
  assert.equal((await bob.put(`${V3}/rooms/${enc(roomId)}/redact/${enc(bobMsg)}/r3`, {})).status, 200);
  assertError(await bob.put(`${V3}/rooms/${enc(roomId)}/redact/${enc('$missing')}/r4`, {}), 404, 'M_NOT_FOUND');
});

test('kick, ban and unban follow power levels', async () => {
  const roomId = await createRoom(alice, { preset: 'public_chat' });
  await join(bob, roomId);
  await join(carol, roomId);
  assertError(await bob.post(`${V3}/rooms/${enc(roomId)}/kick`, { user_id: '@carol:localhost' }), 403, 'M_FORBIDDEN');
  const kick = await alice.post(`${V3}/rooms/${enc(roomId)}/kick`, { user_id: '@carol:localhost', reason: 'noise' });
  assert.equal(kick.status, 200, kick.text);
  const m = await alice.get(`${V3}/rooms/${enc(roomId)}/state/m.room.member/${enc('@carol:localhost')}`);
  assert.equal(m.json.membership, 'leave');
  assert.equal(m.json.reason, 'noise');
  await join(carol, roomId);
  assert.equal((await alice.post(`${V3}/rooms/${enc(roomId)}/ban`, { user_id: '@carol:localhost' })).status, 200);
  assertError(await carol.post(`${V3}/join/${enc(roomId)}`, {}), 403, 'M_FORBIDDEN');
  assertError(await bob.post(`${V3}/rooms/${enc(roomId)}/unban`, { user_id: '@carol:localhost' }), 403, 'M_FORBIDDEN');
  assert.equal((await alice.post(`${V3}/rooms/${enc(roomId)}/unban`, { user_id: '@carol:localhost' })).status, 200);
  await join(carol, roomId);
  assertError(await alice.post(`${V3}/rooms/${enc(roomId)}/kick`, {}), 400, 'M_MISSING_PARAM');
});

test('leave, then forget; state of a left room stops at the leave', async () => {
  const roomId = await createRoom(alice, { preset: 'public_chat', name: 'Before' });
  await join(bob, roomId);
  assertError(await bob.post(`${V3}/rooms/${enc(roomId)}/forget`, {}), 400, 'M_UNKNOWN');
  assert.equal((await bob.post(`${V3}/rooms/${enc(roomId)}/leave`, {})).status, 200);
  await alice.put(`${V3}/rooms/${enc(roomId)}/state/m.room.name/`, { name: 'After' });
  const name = await bob.get(`${V3}/rooms/${enc(roomId)}/state/m.room.name/`);
  assert.equal(name.json.name, 'Before');
  assert.equal((await bob.post(`${V3}/rooms/${enc(roomId)}/forget`, {})).status, 200);
  assert.ok(!(await bob.get(`${V3}/joined_rooms`)).json.joined_rooms.includes(roomId));
  assertError(await bob.post(`${V3}/rooms/${enc(roomId)}/leave`, {}), 403, 'M_FORBIDDEN');
});

test('history visibility: joined rooms hide history from later joiners', async () => {
  const roomId = await createRoom(alice, {
    preset: 'public_chat',
    initial_state: [{ type: 'm.room.history_visibility', content: { history_visibility: 'joined' } }],
  });
  const secret = await send(alice, roomId, { msgtype: 'm.text', body: 'before bob' });
  await join(bob, roomId);
  const after = await send(alice, roomId, { msgtype: 'm.text', body: 'after bob' });
  const page = await messages(bob, roomId, { dir: 'b', limit: 50 });
  const ids = page.json.chunk.map((e) => e.event_id);
  assert.ok(ids.includes(after));
  assert.ok(!ids.includes(secret));
  assertError(await bob.get(`${V3}/rooms/${enc(roomId)}/event/${enc(secret)}`), 404, 'M_NOT_FOUND');
  // shared: a later joiner sees earlier history.
  const shared = await createRoom(alice, { preset: 'public_chat' });
  const early = await send(alice, shared);
  await join(carol, shared);
  assert.equal((await carol.get(`${V3}/rooms/${enc(shared)}/event/${enc(early)}`)).status, 200);
  // world_readable: a non-member can read.
  const open = await createRoom(alice, {
    preset: 'public_chat',
    initial_state: [{ type: 'm.room.history_visibility', content: { history_visibility: 'world_readable' } }],
  });
  const pub = await send(alice, open);
  assert.equal((await carol.get(`${V3}/rooms/${enc(open)}/event/${enc(pub)}`)).status, 200);
  assert.equal((await messages(carol, open, { dir: 'b' })).status, 200);
});

test('state keys and membership rules', async () => {
  const roomId = await createRoom(alice, { preset: 'public_chat' });
  await join(bob, roomId);
  // A state key that is a user id belongs to that user.
  assertError(await bob.put(`${V3}/rooms/${enc(roomId)}/state/org.example.x/${enc('@alice:localhost')}`, { a: 1 }), 403, 'M_FORBIDDEN');
  // Bob has power 0 < state_default 50.
  assertError(await bob.put(`${V3}/rooms/${enc(roomId)}/state/org.example.x/`, { a: 1 }), 403, 'M_FORBIDDEN');
  assert.equal((await alice.put(`${V3}/rooms/${enc(roomId)}/state/org.example.x/${enc('@alice:localhost')}`, { a: 1 })).status, 200);
  assertError(await alice.put(`${V3}/rooms/${enc(roomId)}/state/m.room.member/${enc('@bob:localhost')}`, { membership: 'leave' }), 403, 'M_FORBIDDEN');
});

test('bad input: unknown rooms, malformed ids, oversized events', async () => {
  assertError(await alice.put(`${V3}/rooms/${enc('!nope:localhost')}/send/m.room.message/1`, {}), 404, 'M_NOT_FOUND');
  assertError(await alice.put(`${V3}/rooms/not-a-room/send/m.room.message/1`, {}), 400, 'M_INVALID_PARAM');
  assertError(await alice.post(`${V3}/join/${enc('#nowhere:localhost')}`, {}), 404, 'M_NOT_FOUND');
  assertError(await alice.post(`${V3}/join/garbage`, {}), 400, 'M_INVALID_PARAM');
  assertError(await alice.get(`${V3}/rooms/${enc('!nope:localhost')}/messages?dir=b`), 404, 'M_NOT_FOUND');
  const roomId = await createRoom(alice);
  const big = await alice.put(`${V3}/rooms/${enc(roomId)}/send/m.room.message/big`, { msgtype: 'm.text', body: 'x'.repeat(70000) });
  assertError(big, 413, 'M_TOO_LARGE');
  assertError(await alice.get(`${V3}/rooms/${enc(roomId)}/event/nope`), 400, 'M_INVALID_PARAM');
  assertError(await alice.post(`${V3}/rooms/${enc(roomId)}/invite`, { user_id: 'bob' }), 400, 'M_INVALID_PARAM');
});

test('numbers an event cannot hold are refused with M_BAD_JSON, and nothing is stored', async () => {
  // Canonical JSON (which event hashes and signatures cover) holds integers within
  // ±(2^53 − 1) only: no fractions.
  const roomId = await createRoom(alice);
  const path = (txn) => `${V3}/rooms/${enc(roomId)}/send/m.room.message/${txn}`;
  const raw = (body) => ({ raw: body, headers: { 'Content-Type': 'application/json' } });
  const ok = await alice.request('PUT', path('edge'), raw('{"msgtype":"m.text","body":"edge","n":9007199254740991}'));
  assert.equal(ok.status, 200, ok.text);
  for (const [txn, body] of [['float', '{"msgtype":"m.text","body":"x","n":1.5}'],
    ['big', '{"msgtype":"m.text","body":"x","n":9007199254740992}'],
    ['deep', '{"msgtype":"m.text","body":"x","a":[{"b":-0.25}]}']]) {
    assertError(await alice.request('PUT', path(txn), raw(body)), 400, 'M_BAD_JSON');
  }
  assertError(await alice.request('PUT', `${V3}/rooms/${enc(roomId)}/state/org.example.odd/`,
    raw('{"v":0.5}')), 400, 'M_BAD_JSON');
  const latest = (await alice.get(`${V3}/rooms/${enc(roomId)}/messages?dir=b&limit=1`)).json.chunk[0];
  assert.equal(latest.event_id, ok.json.event_id, 'the refused events were not stored');
  assert.equal(latest.content.n, 9007199254740991);

  // createRoom checks every content it was given before storing the first event.
  const before = (await alice.get(`${V3}/joined_rooms`)).json.joined_rooms.length;
  for (const body of [
    '{"creation_content":{"x":1.5}}',
    '{"power_level_content_override":{"users_default":0.5}}',
    '{"initial_state":[{"type":"m.room.topic","state_key":"","content":{"topic":"t","n":1e-3}}]}',
  ]) {
    assertError(await alice.request('POST', `${V3}/createRoom`, raw(body)), 400, 'M_BAD_JSON');
  }
  assert.equal((await alice.get(`${V3}/joined_rooms`)).json.joined_rooms.length, before,
    'no half-made room was left behind');
});

test('aliases and the public room directory', async () => {
  const roomId = await createRoom(alice, { preset: 'public_chat', name: 'Astronomy club', visibility: 'public' });
  assert.equal((await alice.put(`${V3}/directory/room/${enc('#stars:localhost')}`, { room_id: roomId })).status, 200);
  assertError(await alice.put(`${V3}/directory/room/${enc('#stars:localhost')}`, { room_id: roomId }), 409, 'M_UNKNOWN');
  assertError(await alice.put(`${V3}/directory/room/${enc('#x:elsewhere.org')}`, { room_id: roomId }), 400, 'M_INVALID_PARAM');
  assert.deepEqual((await alice.get(`${V3}/rooms/${enc(roomId)}/aliases`)).json.aliases, ['#stars:localhost']);
  assertError(await bob.del(`${V3}/directory/room/${enc('#stars:localhost')}`), 403, 'M_FORBIDDEN');
  const listed = await api.get(`${V3}/publicRooms`);
  const entry = listed.json.chunk.find((r) => r.room_id === roomId);
  assert.ok(entry, listed.text);
  assert.equal(entry.name, 'Astronomy club');
  assert.equal(entry.num_joined_members, 1);
  assert.equal(entry.join_rule, 'public');
  const search = await alice.post(`${V3}/publicRooms`, { filter: { generic_search_term: 'astro' } });
  assert.deepEqual(search.json.chunk.map((r) => r.room_id), [roomId]);
  const none = await alice.post(`${V3}/publicRooms`, { filter: { generic_search_term: 'zzzz' } });
  assert.equal(none.json.chunk.length, 0);
  // Pagination over several public rooms.
  for (let i = 0; i < 3; i++) await createRoom(alice, { visibility: 'public', name: `pub${i}` });
  const p1 = await api.get(`${V3}/publicRooms?limit=2`);
  assert.equal(p1.json.chunk.length, 2);
  const p2 = await api.get(`${V3}/publicRooms?limit=2&since=${p1.json.next_batch}`);
  assert.equal(p2.json.chunk.length, 2);
  assert.ok(!p2.json.chunk.some((r) => p1.json.chunk.some((q) => q.room_id === r.room_id)));
  assert.equal((await alice.put(`${V3}/directory/list/room/${enc(roomId)}`, { visibility: 'private' })).status, 200);
  assert.equal((await api.get(`${V3}/directory/list/room/${enc(roomId)}`)).json.visibility, 'private');
  assert.equal((await alice.del(`${V3}/directory/room/${enc('#stars:localhost')}`)).status, 200);
  assertError(await api.get(`${V3}/directory/room/${enc('#stars:localhost')}`), 404, 'M_NOT_FOUND');
});

test('account data, room account data and tags', async () => {
  const roomId = await createRoom(alice);
  const base = `${V3}/user/${enc('@alice:localhost')}`;
  assert.equal((await alice.put(`${base}/account_data/org.example.settings`, { theme: 'dark' })).status, 200);
  assert.deepEqual((await alice.get(`${base}/account_data/org.example.settings`)).json, { theme: 'dark' });
  assertError(await alice.get(`${base}/account_data/org.example.none`), 404, 'M_NOT_FOUND');
  assertError(await bob.get(`${base}/account_data/org.example.settings`), 403, 'M_FORBIDDEN');
  assert.equal((await alice.put(`${base}/rooms/${enc(roomId)}/account_data/org.example.r`, { x: 1 })).status, 200);
  assert.deepEqual((await alice.get(`${base}/rooms/${enc(roomId)}/account_data/org.example.r`)).json, { x: 1 });
  assert.equal((await alice.put(`${base}/rooms/${enc(roomId)}/tags/m.favourite`, { order: 0.5 })).status, 200);
  assert.deepEqual((await alice.get(`${base}/rooms/${enc(roomId)}/tags`)).json, { tags: { 'm.favourite': { order: 0.5 } } });
  assert.equal((await alice.del(`${base}/rooms/${enc(roomId)}/tags/m.favourite`)).status, 200);
  assert.deepEqual((await alice.get(`${base}/rooms/${enc(roomId)}/tags`)).json, { tags: {} });
  assertError(await alice.put(`${base}/account_data/m.fully_read`, {}), 405, 'M_BAD_JSON');
});

test('relations list children of an event', async () => {
  const roomId = await createRoom(alice);
  const parent = await send(alice, roomId);
  const r1 = await send(alice, roomId, { msgtype: 'm.text', body: 't1', 'm.relates_to': { rel_type: 'm.thread', event_id: parent } });
  const r2 = await send(alice, roomId, { 'm.relates_to': { rel_type: 'm.annotation', event_id: parent, key: '👍' } }, 'm.reaction');
  const all = await alice.get(`/_matrix/client/v1/rooms/${enc(roomId)}/relations/${enc(parent)}`);
  assert.deepEqual(all.json.chunk.map((e) => e.event_id), [r2, r1]);
  const threads = await alice.get(`/_matrix/client/v1/rooms/${enc(roomId)}/relations/${enc(parent)}/m.thread`);
  assert.deepEqual(threads.json.chunk.map((e) => e.event_id), [r1]);
  const reactions = await alice.get(`/_matrix/client/v1/rooms/${enc(roomId)}/relations/${enc(parent)}/m.annotation/m.reaction`);
  assert.deepEqual(reactions.json.chunk.map((e) => e.event_id), [r2]);
  const paged = await alice.get(`/_matrix/client/v1/rooms/${enc(roomId)}/relations/${enc(parent)}?limit=1`);
  assert.equal(paged.json.chunk.length, 1);
  const rest = await alice.get(`/_matrix/client/v1/rooms/${enc(roomId)}/relations/${enc(parent)}?limit=1&from=${paged.json.next_batch}`);
  assert.deepEqual(rest.json.chunk.map((e) => e.event_id), [r1]);
});

test('knock on a knockable room, then get invited in', async () => {
  const roomId = await createRoom(alice, { initial_state: [{ type: 'm.room.join_rules', content: { join_rule: 'knock' } }] });
  const k = await bob.post(`${V3}/knock/${enc(roomId)}`, { reason: 'let me in' });
  assert.equal(k.status, 200, k.text);
  const m = await alice.get(`${V3}/rooms/${enc(roomId)}/state/m.room.member/${enc('@bob:localhost')}`);
  assert.equal(m.json.membership, 'knock');
  await invite(alice, roomId, '@bob:localhost');
  await join(bob, roomId);
  const pub = await createRoom(alice, { preset: 'private_chat' });
  assertError(await carol.post(`${V3}/knock/${enc(pub)}`, {}), 403, 'M_FORBIDDEN');
});
