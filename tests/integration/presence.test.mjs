// Presence: the status endpoints, presence in /sync for users who share a room, set_presence,
// the offline timeout after the last sync ends, and an open /sync/sse stream holding a user online.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { Api, assertError } from './lib/client.mjs';
import { V3, enc, createRoom, join } from './lib/rooms.mjs';
import { SseReader } from './lib/sse.mjs';
import { sleep } from './lib/raw.mjs';

let server, api;
// A short offline timeout keeps the timing tests quick (the sweep runs every second).
before(async () => {
  server = await startServer({ extraConfig: '\n[presence]\noffline_after_s = 2\n' });
  api = new Api(server.url);
});
after(async () => { await server.stop(); });

const ok = (r) => { assert.equal(r.status, 200, r.text); return r.json; };
const presenceOf = (sync, userId) => sync.presence?.events.filter((e) => e.sender === userId).map((e) => e.content) ?? [];

async function pair(prefix) {
  const alice = await api.register(`${prefix}_alice`);
  const bob = await api.register(`${prefix}_bob`);
  const roomId = await createRoom(alice, { preset: 'public_chat' });
  await join(bob, roomId);
  return { alice, bob, roomId };
}

test('status endpoints: set, read, and the errors', async () => {
  const { alice, bob } = await pair('ps');
  ok(await alice.put(`${V3}/presence/${enc(alice.userId)}/status`, { presence: 'unavailable', status_msg: 'at lunch' }));
  const got = ok(await bob.get(`${V3}/presence/${enc(alice.userId)}/status`));
  assert.equal(got.presence, 'unavailable');
  assert.equal(got.status_msg, 'at lunch');
  assert.equal(typeof got.last_active_ago, 'number');
  assertError(await bob.put(`${V3}/presence/${enc(alice.userId)}/status`, { presence: 'online' }), 403, 'M_FORBIDDEN');
  assertError(await alice.put(`${V3}/presence/${enc(alice.userId)}/status`, { presence: 'asleep' }), 400, 'M_INVALID_PARAM');
  assertError(await alice.put(`${V3}/presence/${enc(alice.userId)}/status`, {}), 400, 'M_MISSING_PARAM');
  assertError(await alice.get(`${V3}/presence/${enc('@nobody:localhost')}/status`), 404, 'M_NOT_FOUND');
  // A user never seen is offline.
  const carol = await api.register('ps_carol');
  assert.equal(ok(await alice.get(`${V3}/presence/${enc(carol.userId)}/status`)).presence, 'offline');
});

test('syncing brings a user online for room-mates; set_presence offline and unavailable', async () => {
  const { alice, bob } = await pair('pn');
  const stranger = await api.register('pn_stranger');
  const since = ok(await alice.get(`${V3}/sync?set_presence=offline`)).next_batch;
  const strangerSince = ok(await stranger.get(`${V3}/sync?set_presence=offline`)).next_batch;

  // Alice waits; Bob's first sync wakes her with his presence.
  const pending = alice.get(`${V3}/sync?since=${since}&timeout=10000&set_presence=offline`);
  ok(await bob.get(`${V3}/sync?timeout=0`));
  const woke = ok(await pending);
  const [content] = presenceOf(woke, bob.userId);
  assert.equal(content.presence, 'online');
  assert.equal(content.currently_active, true);
  // Someone who shares no room hears nothing.
  const s = ok(await stranger.get(`${V3}/sync?since=${strangerSince}&timeout=0&set_presence=offline`));
  assert.deepEqual(presenceOf(s, bob.userId), []);
  // set_presence=offline syncs leave Alice offline; unavailable sets it.
  assert.equal(ok(await bob.get(`${V3}/presence/${enc(alice.userId)}/status`)).presence, 'offline');
  ok(await alice.get(`${V3}/sync?timeout=0&set_presence=unavailable`));
  assert.equal(ok(await bob.get(`${V3}/presence/${enc(alice.userId)}/status`)).presence, 'unavailable');
  assertError(await alice.get(`${V3}/sync?set_presence=away`), 400, 'M_INVALID_PARAM');
  // A filter can leave presence out.
  const filter = enc(JSON.stringify({ presence: { not_types: ['m.presence'] } }));
  assert.equal(ok(await alice.get(`${V3}/sync?filter=${filter}&set_presence=offline`)).presence, undefined);
  assert.ok(presenceOf(ok(await alice.get(`${V3}/sync?set_presence=offline`)), bob.userId).length === 1, 'initial sync carries presence');
});

test('a user goes offline after their last sync ends, but not while a /sync/sse stream is open', async () => {
  const { alice, bob } = await pair('po');
  const status = async () => ok(await alice.get(`${V3}/presence/${enc(bob.userId)}/status`)).presence;
  // An open stream holds Bob online well past the timeout.
  const stream = new SseReader(server.port, `${V3}/sync/sse`, { Authorization: `Bearer ${bob.token}` });
  await stream.until(() => stream.events.length >= 1, 5000, 'first event');
  assert.equal(await status(), 'online');
  await sleep(3500);
  assert.equal(await status(), 'online', 'still online while streaming');
  stream.close();
  const closedAt = Date.now();
  while ((await status()) !== 'offline') {
    assert.ok(Date.now() - closedAt < 6000, 'offline within the timeout after the stream closed');
    await sleep(200);
  }
  assert.ok(Date.now() - closedAt >= 1500, 'not before the timeout');

  // Alice's incremental sync reports the change.
  const s0 = ok(await alice.get(`${V3}/sync?set_presence=offline`)).next_batch;
  ok(await bob.get(`${V3}/sync?timeout=0`));
  const online = ok(await alice.get(`${V3}/sync?since=${s0}&timeout=5000&set_presence=offline`));
  assert.equal(presenceOf(online, bob.userId)[0]?.presence, 'online');
  const offline = ok(await alice.get(`${V3}/sync?since=${online.next_batch}&timeout=8000&set_presence=offline`));
  assert.equal(presenceOf(offline, bob.userId)[0]?.presence, 'offline');
});
