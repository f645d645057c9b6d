// Many SSE streams woken by the same change share the server's range, timeline and summary
// caches (sync/sync_caches.hpp); what is per user or per device must stay per user: unread
// counts, the sender's transaction_id, lazy-loaded members, account data.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { Api } from './lib/client.mjs';
import { V3, enc, createRoom, join } from './lib/rooms.mjs';
import { SseReader } from './lib/sse.mjs';

let server, api;
before(async () => { server = await startServer(); api = new Api(server.url); });
after(async () => { await server.stop(); });

const N = 12;
const filter = enc(JSON.stringify({ room: { state: { lazy_load_members: true }, timeline: { limit: 5 } } }));

async function sendTxn(who, roomId, txn, body) {
  const r = await who.put(`${V3}/rooms/${enc(roomId)}/send/m.room.message/${txn}`, { msgtype: 'm.text', body });
  assert.equal(r.status, 200, r.text);
  return r.json.event_id;
}

// The stream's event that carries the message `body`, and that message.
function find(reader, roomId, body) {
  for (const ev of reader.events) {
    const m = (ev.json.rooms?.join?.[roomId]?.timeline.events ?? []).find((e) => e.content?.body === body);
    if (m) return { ev, m, room: ev.json.rooms.join[roomId] };
  }
  return null;
}
const count = (reader, roomId, body) => reader.events.filter((ev) =>
  (ev.json.rooms?.join?.[roomId]?.timeline.events ?? []).some((e) => e.content?.body === body)).length;
// Every membership event of `userId` the stream has carried, in any section.
const memberSeen = (reader, roomId, userId) => reader.events.some((ev) => {
  const room = ev.json.rooms?.join?.[roomId];
  return [...(room?.timeline.events ?? []), ...(room?.state?.events ?? [])]
    .some((e) => e.type === 'm.room.member' && e.state_key === userId);
});
// The unread count of the last event up to and including the one that carried `body`.
function unreadAt(reader, roomId, body) {
  let last;
  for (const ev of reader.events) {
    const room = ev.json.rooms?.join?.[roomId];
    if (room?.unread_notifications) last = room.unread_notifications.notification_count;
    if ((room?.timeline.events ?? []).some((e) => e.content?.body === body)) return last;
  }
  return undefined;
}

test('one message to many streams: each gets it once, with its own unread counts, txn id and members', async () => {
  const alice = await api.register('fan_alice');
  const roomId = await createRoom(alice, { preset: 'public_chat' });
  const members = [];
  for (let i = 0; i < N; i++) {
    const m = await api.register(`fan_m${i}`);
    await join(m, roomId);
    members.push(m);
  }
  const everyone = [alice, ...members];
  const readers = everyone.map((u) => new SseReader(server.port,
    `${V3}/sync/sse?heartbeat_interval=30&filter=${filter}`, { Authorization: `Bearer ${u.token}` }));
  try {
    await Promise.all(readers.map((r) => r.until(() => r.events.length >= 1, 10000, 'initial sync')));

    // 1. alice → everyone.
    await sendTxn(alice, roomId, 'fan-txn-1', 'one');
    await Promise.all(readers.map((r) => r.until(() => find(r, roomId, 'one'), 10000, 'one')));
    readers.forEach((r, i) => {
      const { m } = find(r, roomId, 'one');
      assert.equal(count(r, roomId, 'one'), 1, 'exactly once');
      assert.equal(m.unsigned?.transaction_id, i === 0 ? 'fan-txn-1' : undefined,
        'transaction_id only for the sender\'s own device');
      assert.equal(unreadAt(r, roomId, 'one'), i === 0 ? 0 : 1, `unread of ${everyone[i].userId}`);
      assert.ok(memberSeen(r, roomId, alice.userId), 'the sender\'s membership reached every device');
    });

    // 2. member 0 (readers[1]) reads up to "one"; member 1 (readers[2]) changes account data
    // (a per-user change, which the next sync must not skip).
    const one = find(readers[1], roomId, 'one').m.event_id;
    let r = await members[0].post(`${V3}/rooms/${enc(roomId)}/receipt/m.read/${enc(one)}`, {});
    assert.equal(r.status, 200, r.text);
    r = await members[1].put(`${V3}/user/${enc(members[1].userId)}/account_data/org.example.fanout`, { n: 1 });
    assert.equal(r.status, 200, r.text);
    await readers[2].until(() => readers[2].events.some((ev) =>
      ev.json.rooms?.join?.[roomId]?.ephemeral?.events.some((e) => e.type === 'm.receipt')), 10000, 'receipt');
    await readers[2].until(() => readers[2].events.some((ev) =>
      (ev.json.account_data?.events ?? []).some((e) => e.type === 'org.example.fanout')), 10000, 'account data');

    // 3. member 5 → everyone: counts per user (member 0 read "one"; alice has one from member 5).
    const sender = members[5];
    await sendTxn(sender, roomId, 'fan-txn-2', 'two');
    await Promise.all(readers.map((rd) => rd.until(() => find(rd, roomId, 'two'), 10000, 'two')));
    readers.forEach((rd, i) => {
      const { m } = find(rd, roomId, 'two');
      assert.equal(count(rd, roomId, 'two'), 1, 'exactly once');
      assert.equal(m.unsigned?.transaction_id, i === 6 ? 'fan-txn-2' : undefined);
      const expected = i === 0 ? 1 : i === 1 ? 1 : i === 6 ? 1 : 2;
      assert.equal(unreadAt(rd, roomId, 'two'), expected, `unread of ${everyone[i].userId} after two`);
      // Lazy loading: every device has the sender's membership by the time it shows its message.
      assert.ok(memberSeen(rd, roomId, sender.userId), `sender membership for ${everyone[i].userId}`);
    });

    // 4. A later message after all that still reaches everyone once.
    await sendTxn(alice, roomId, 'fan-txn-3', 'three');
    await Promise.all(readers.map((rd) => rd.until(() => find(rd, roomId, 'three'), 10000, 'three')));
    readers.forEach((rd, i) => {
      assert.equal(count(rd, roomId, 'three'), 1);
      assert.equal(unreadAt(rd, roomId, 'three'), i === 0 ? 1 : i === 1 ? 2 : i === 6 ? 2 : 3);
    });
    // And /sync from scratch agrees with the streams' counts (the store, not the cache).
    const full = await members[3].get(`${V3}/sync`);
    assert.equal(full.json.rooms.join[roomId].unread_notifications.notification_count, 3);
  } finally {
    readers.forEach((rd) => rd.close());
  }
});

// Streams that connected one after another each hold a different `since` (every connection
// writes its user's presence in between), yet for everything but presence the ranges are the
// same: the server keys its range caches by `since` lowered past positions holding only
// presence. Every stream must still get the next message exactly once, with the same content.
test('streams connected at different times (presence writes in between) get the next message once', async () => {
  const owner = await api.register('stagger_owner');
  const roomId = await createRoom(owner, { preset: 'public_chat' });
  const users = [];
  for (let i = 0; i < 6; i++) {
    const u = await api.register(`stagger_m${i}`);
    await join(u, roomId);
    users.push(u);
  }
  const noPresence = enc(JSON.stringify({ presence: { not_types: ['*'] }, room: { timeline: { limit: 5 } } }));
  const readers = [];
  try {
    for (const [i, u] of users.entries()) {
      // Each connection brings its user online (a presence write); so does this explicit one.
      const r = await owner.put(`${V3}/presence/${enc(owner.userId)}/status`,
        { presence: i % 2 ? 'online' : 'unavailable' });
      assert.equal(r.status, 200, r.text);
      const rd = new SseReader(server.port, `${V3}/sync/sse?heartbeat_interval=30&filter=${noPresence}`,
        { Authorization: `Bearer ${u.token}` });
      readers.push(rd);
      await rd.until(() => rd.events.length >= 1, 10000, 'initial sync');
    }
    const tokens = readers.map((rd) => rd.events.at(-1).json.next_batch);
    assert.equal(new Set(tokens).size, tokens.length, `distinct since tokens: ${tokens}`);

    for (const body of ['staggered one', 'staggered two']) {
      const eventId = await sendTxn(owner, roomId, `txn-${body}`, body);
      await Promise.all(readers.map((rd) => rd.until(() => find(rd, roomId, body), 10000, body)));
      for (const rd of readers) {
        assert.equal(count(rd, roomId, body), 1, 'exactly once');
        const { room } = find(rd, roomId, body);
        assert.deepEqual(room.timeline.events.map((e) => e.event_id), [eventId], 'only the message');
        assert.equal(room.timeline.limited, false);
        assert.deepEqual(room.state?.events ?? [], [], 'no state in the gap');
        assert.equal(room.unread_notifications.notification_count, body === 'staggered one' ? 1 : 2);
      }
    }
  } finally {
    readers.forEach((rd) => rd.close());
  }
});

// The same with /sync and tokens separated only by presence writes, over a limited timeline
// with a state change in the gap: the room is the same from every token, and presence still
// runs from each token's own position.
test('tokens separated only by presence writes: same room, own presence', async () => {
  const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((n) => api.register(`gap_${n}`)));
  const roomId = await createRoom(alice, { preset: 'public_chat' });
  for (const who of [bob, carol]) await join(who, roomId);
  const filter = enc(JSON.stringify({ room: { timeline: { limit: 1 } } }));
  // An initial sync reads the store's newest position (and set_presence=offline writes none).
  const token = async () => {
    const r = await bob.get(`${V3}/sync?set_presence=offline&filter=${filter}`);
    assert.equal(r.status, 200, r.text);
    return r.json.next_batch;
  };
  const setPresence = async (who, presence) => {
    const r = await who.put(`${V3}/presence/${enc(who.userId)}/status`, { presence });
    assert.equal(r.status, 200, r.text);
  };
  const t0 = await token();
  await setPresence(alice, 'unavailable');
  const t1 = await token();
  await setPresence(carol, 'unavailable');
  const t2 = await token();
  assert.ok(t0 !== t1 && t1 !== t2, `tokens ${t0} ${t1} ${t2}`);

  let r = await alice.put(`${V3}/rooms/${enc(roomId)}/state/m.room.topic`, { topic: 'in the gap' });
  assert.equal(r.status, 200, r.text);
  await sendTxn(alice, roomId, 'gap-1', 'gap one');
  const last = await sendTxn(alice, roomId, 'gap-2', 'gap two');

  const presenceFrom = (sync) => (sync.presence?.events ?? []).map((e) => e.sender).sort();
  const rooms = [];
  for (const [since, expected] of [[t2, []], [t0, [alice.userId, carol.userId].sort()], [t1, [carol.userId]]]) {
    r = await bob.get(`${V3}/sync?since=${since}&timeout=0&set_presence=offline&filter=${filter}`);
    assert.equal(r.status, 200, r.text);
    const room = r.json.rooms.join[roomId];
    assert.deepEqual(room.timeline.events.map((e) => e.event_id), [last]);
    assert.equal(room.timeline.limited, true);
    assert.deepEqual(room.state.events.filter((e) => e.type === 'm.room.topic').map((e) => e.content.topic),
      ['in the gap']);
    assert.deepEqual(presenceFrom(r.json), expected, `presence since ${since}`);
    rooms.push(room);
  }
  assert.deepEqual(rooms[1], rooms[0]);
  assert.deepEqual(rooms[2], rooms[0]);
});

// More than 32 stream writes within a millisecond go to the server's writer thread
// (net/socket_writer.hpp): 300 streams woken by each of several quick messages must still get
// every message exactly once, in order, each event's id equal to its next_batch and rising.
test('a burst of stream writes (the writer thread): every stream gets every message once, in order', async () => {
  // A timeline limit above the burst: when all six messages land in one answer (a slow
  // machine), a limit of 5 rightly gives a limited timeline without the first, which is a gap
  // the client fills with /messages, not a lost message.
  const burstFilter = enc(JSON.stringify({ room: { state: { lazy_load_members: true }, timeline: { limit: 10 } } }));
  const s = await startServer({ extraConfig: '\n[sse]\nmax_streams_per_device = 1000\nmax_streams_per_user = 1000\n' });
  const a = new Api(s.url);
  const readers = [];
  try {
    const sender = await a.register('burst_sender');
    const watcher = await a.register('burst_watcher');
    const roomId = await createRoom(sender, { preset: 'public_chat' });
    await join(watcher, roomId);
    for (let i = 0; i < 300; i++)
      readers.push(new SseReader(s.port, `${V3}/sync/sse?heartbeat_interval=30&filter=${burstFilter}`,
        { Authorization: `Bearer ${watcher.token}` }));
    await Promise.all(readers.map((r) => r.until(() => r.events.length >= 1, 20000, 'initial sync')));
    const bodies = ['b0', 'b1', 'b2', 'b3', 'b4', 'b5'];
    await Promise.all(bodies.map((b, i) => sendTxn(sender, roomId, `burst-${i}`, b)));
    await Promise.all(readers.map((r) => r.until(() => bodies.every((b) => find(r, roomId, b)), 20000, 'all messages')));
    const order = (r) => r.events.flatMap((ev) => ev.json.rooms?.join?.[roomId]?.timeline.events ?? [])
      .filter((e) => bodies.includes(e.content?.body)).map((e) => e.event_id);
    const reference = order(readers[0]);
    assert.equal(reference.length, bodies.length);
    for (const r of readers) {
      assert.equal(r.status, 200);
      for (const b of bodies) assert.equal(count(r, roomId, b), 1, `${b} exactly once`);
      assert.deepEqual(order(r), reference, 'the same order on every stream');
      const positions = r.events.map((ev) => {
        assert.equal(ev.id, ev.json.next_batch, 'id is the next_batch');
        return Number(/^s(\d+)/.exec(ev.id)[1]);
      });
      for (let i = 1; i < positions.length; i++) assert.ok(positions[i] > positions[i - 1], 'ids rise');
    }
  } finally {
    for (const r of readers) r.sock.destroy();
    await s.stop();
  }
});
