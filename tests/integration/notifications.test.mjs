// Unread notification counts in /sync, driven by push rule evaluation and read receipts:
// per room, highlights, per thread with unread_thread_notifications, and the user's own rules.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Server } from './lib/server.mjs';
import { Api } from './lib/client.mjs';
import { V3, enc, createRoom, send, join } from './lib/rooms.mjs';

let server, api;
before(async () => { server = await startServer(); api = new Api(server.url); });
after(async () => { await server.stop(); });

const ok = (r) => { assert.equal(r.status, 200, r.text); return r.json; };
const unread = async (who, roomId, filter) => {
  const q = filter ? `?filter=${enc(JSON.stringify(filter))}` : '';
  const s = ok(await who.get(`${V3}/sync${q}`));
  return s.rooms.join[roomId];
};
const receipt = (who, roomId, eventId, body = {}, type = 'm.read') => who.post(`${V3}/rooms/${enc(roomId)}/receipt/${type}/${enc(eventId)}`, body);

test('messages count as notifications, mentions as highlights, read receipts clear them', async () => {
  const alice = await api.register('n_alice');
  const bob = await api.register('n_bob');
  const carol = await api.register('n_carol');
  const roomId = await createRoom(alice, { preset: 'public_chat' });
  await join(bob, roomId);
  await join(carol, roomId);
  assert.deepEqual((await unread(bob, roomId)).unread_notifications, { highlight_count: 0, notification_count: 0 });

  const first = await send(alice, roomId, { msgtype: 'm.text', body: 'one' });
  await send(alice, roomId, { msgtype: 'm.notice', body: 'a bot notice does not notify' });
  const second = await send(alice, roomId, { msgtype: 'm.text', body: 'two' });
  const mention = await send(alice, roomId, { msgtype: 'm.text', body: 'hey n_bob, look' });
  let room = await unread(bob, roomId);
  assert.deepEqual(room.unread_notifications, { highlight_count: 1, notification_count: 3 });
  // The sender's own messages never count for the sender.
  assert.deepEqual((await unread(alice, roomId)).unread_notifications, { highlight_count: 0, notification_count: 0 });

  ok(await receipt(bob, roomId, second));
  room = await unread(bob, roomId);
  assert.deepEqual(room.unread_notifications, { highlight_count: 1, notification_count: 1 });
  // A private receipt counts as read too.
  ok(await receipt(bob, roomId, mention, {}, 'm.read.private'));
  assert.deepEqual((await unread(bob, roomId)).unread_notifications, { highlight_count: 0, notification_count: 0 });
  // Carol has read nothing.
  assert.equal((await unread(carol, roomId)).unread_notifications.notification_count, 3);
  assert.ok(first);
});

test('an incremental sync reports new counts with the room that changed', async () => {
  const alice = await api.register('n2_alice');
  const bob = await api.register('n2_bob');
  const roomId = await createRoom(alice, { preset: 'public_chat' });
  await join(bob, roomId);
  const since = ok(await bob.get(`${V3}/sync`)).next_batch;
  await send(alice, roomId, { msgtype: 'm.text', body: 'direct' });
  const s = ok(await bob.get(`${V3}/sync?since=${since}&timeout=5000`));
  // Two members: the one-to-one rule notifies.
  assert.deepEqual(s.rooms.join[roomId].unread_notifications, { highlight_count: 0, notification_count: 1 });
});

test('thread notifications are split out with unread_thread_notifications and cleared per thread', async () => {
  const alice = await api.register('t_alice');
  const bob = await api.register('t_bob');
  const carol = await api.register('t_carol');
  const roomId = await createRoom(alice, { preset: 'public_chat' });
  await join(bob, roomId);
  await join(carol, roomId);
  const root = await send(alice, roomId, { msgtype: 'm.text', body: 'root' });
  const inThread = (body) => ({ msgtype: 'm.text', body, 'm.relates_to': { rel_type: 'm.thread', event_id: root } });
  await send(alice, roomId, inThread('t1'));
  const t2 = await send(alice, roomId, inThread('t2'));
  await send(alice, roomId, { msgtype: 'm.text', body: 'main again' });

  const filter = { room: { timeline: { unread_thread_notifications: true } } };
  let room = await unread(bob, roomId, filter);
  assert.deepEqual(room.unread_notifications, { highlight_count: 0, notification_count: 2 });
  assert.deepEqual(room.unread_thread_notifications, { [root]: { highlight_count: 0, notification_count: 2 } });
  // Without the filter flag everything is in one count.
  assert.equal((await unread(bob, roomId)).unread_notifications.notification_count, 4);
  assert.equal((await unread(bob, roomId)).unread_thread_notifications, undefined);

  // A threaded receipt clears only its thread.
  ok(await receipt(bob, roomId, t2, { thread_id: root }));
  room = await unread(bob, roomId, filter);
  assert.equal(room.unread_thread_notifications, undefined);
  assert.equal(room.unread_notifications.notification_count, 2);
});

test("a user's own push rules change what counts", async () => {
  const alice = await api.register('r_alice');
  const bob = await api.register('r_bob');
  const roomId = await createRoom(alice, { preset: 'public_chat' });
  await join(bob, roomId);
  // Bob mutes the room with a room rule that does not notify.
  ok(await bob.put(`${V3}/pushrules/global/room/${enc(roomId)}`, { actions: [] }));
  await send(alice, roomId, { msgtype: 'm.text', body: 'muted' });
  assert.equal((await unread(bob, roomId)).unread_notifications.notification_count, 0);
  ok(await bob.put(`${V3}/pushrules/global/room/${enc(roomId)}/enabled`, { enabled: false }));
  await send(alice, roomId, { msgtype: 'm.text', body: 'heard' });
  assert.equal((await unread(bob, roomId)).unread_notifications.notification_count, 1);
  // A keyword rule highlights.
  ok(await bob.put(`${V3}/pushrules/global/content/kw`, { pattern: 'pineapple', actions: ['notify', { set_tweak: 'highlight' }] }));
  await send(alice, roomId, { msgtype: 'm.text', body: 'who likes PINEAPPLE?' });
  assert.deepEqual((await unread(bob, roomId)).unread_notifications, { highlight_count: 1, notification_count: 2 });
});

test('counts survive a crash right after the messages (push actions evaluated again at start)', async () => {
  // Push actions are written in batches after the wake-ups; a process killed before the batch
  // is written must count those messages again when it starts.
  const own = new Server();
  await own.start();
  try {
    const ownApi = new Api(own.url);
    const alice = await ownApi.register('nk_alice');
    const bob = await ownApi.register('nk_bob');
    const roomId = await createRoom(alice, { preset: 'public_chat' });
    await join(bob, roomId);
    for (const body of ['one', 'two', 'three']) await send(alice, roomId, { msgtype: 'm.text', body });
    own.proc.kill('SIGKILL');
    assert.equal((await own.exited).signal, 'SIGKILL');
    own.proc = null;
    await own.start();
    const bobAgain = new Api(own.url, bob.token);
    assert.deepEqual((await unread(bobAgain, roomId)).unread_notifications,
      { highlight_count: 0, notification_count: 3 });
    // Evaluated once: a further message adds one, not a second copy of the first three.
    await send(new Api(own.url, alice.token), roomId, { msgtype: 'm.text', body: 'four' });
    assert.equal((await unread(bobAgain, roomId)).unread_notifications.notification_count, 4);
  } finally {
    await own.stop();
  }
});
