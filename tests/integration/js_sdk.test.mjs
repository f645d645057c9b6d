// matrix-js-sdk (the real client library, from npm) against the real server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as sdk from 'matrix-js-sdk';
import { startServer } from './lib/server.mjs';
import { Api } from './lib/client.mjs';
import { startSdkClient } from './lib/sdk.mjs';

let server, api;
const clients = [];
before(async () => { server = await startServer(); api = new Api(server.url); });
after(async () => {
  for (const c of clients) c.stopClient();
  // The SDK leaves timers behind after stopClient(); the runner's --test-force-exit ends them.
  await server.stop();
});

async function startClient(name) {
  const acct = await api.register(name);
  const client = await startSdkClient(server.url, acct, { ms: 15000 });
  clients.push(client);
  return client;
}

function waitForMessage(client, roomId, body, ms = 10000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message "${body}"`)), ms);
    const onTimeline = (event, room) => {
      if (room?.roomId === roomId && event.getType() === 'm.room.message' && event.getContent().body === body) {
        clearTimeout(timer);
        client.off(sdk.RoomEvent.Timeline, onTimeline);
        resolve(event);
      }
    };
    client.on(sdk.RoomEvent.Timeline, onTimeline);
  });
}

test('two matrix-js-sdk clients: create, invite, join, exchange messages', async () => {
  const alice = await startClient('js_alice');
  const bob = await startClient('js_bob');
  const { room_id: roomId } = await alice.createRoom({ name: 'SDK room', invite: ['@js_bob:localhost'] });
  const invited = new Promise((resolve) => {
    bob.on(sdk.RoomMemberEvent.Membership, (_e, member) => {
      if (member.userId === '@js_bob:localhost' && member.membership === 'invite' && member.roomId === roomId) resolve();
    });
  });
  await invited;
  await bob.joinRoom(roomId);
  const got = waitForMessage(bob, roomId, 'hello from alice');
  await alice.sendTextMessage(roomId, 'hello from alice');
  const ev = await got;
  assert.equal(ev.getSender(), '@js_alice:localhost');
  const room = bob.getRoom(roomId);
  assert.equal(room.name, 'SDK room');
  assert.equal(room.getJoinedMemberCount(), 2);
  // Alice's own message is confirmed as a remote echo (matched by transaction id).
  const confirmed = async () => {
    for (let i = 0; i < 100; i++) {
      const echo = alice.getRoom(roomId).getLiveTimeline().getEvents().find((e) => e.getContent().body === 'hello from alice');
      if (echo && echo.status === null && echo.getId().startsWith('$')) return echo;
      await new Promise((r) => setTimeout(r, 50));
    }
    return undefined;
  };
  assert.ok(await confirmed(), 'the local echo was replaced by the server event');
  // Back-pagination through /messages.
  for (let i = 0; i < 15; i++) await alice.sendTextMessage(roomId, `m${i}`);
  await waitForMessage(bob, roomId, 'm14');
  const timeline = bob.getRoom(roomId).getLiveTimeline();
  while (await bob.paginateEventTimeline(timeline, { backwards: true, limit: 10 }));
  const bodies = timeline.getEvents().filter((e) => e.getType() === 'm.room.message').map((e) => e.getContent().body);
  assert.deepEqual(bodies, ['hello from alice', ...Array.from({ length: 15 }, (_, i) => `m${i}`)]);
});

test('matrix-js-sdk sees redactions, typing and read receipts through its own sync loop', async () => {
  const carol = await startClient('js_carol');
  const dave = await startClient('js_dave');
  const { room_id: roomId } = await carol.createRoom({ preset: 'public_chat', name: 'signals' });
  await dave.joinRoom(roomId);
  const got = waitForMessage(dave, roomId, 'to be redacted');
  const { event_id: eventId } = await carol.sendTextMessage(roomId, 'to be redacted');
  await got;

  const redacted = new Promise((resolve) => {
    dave.on(sdk.RoomEvent.Redaction, (ev) => { if (ev.getAssociatedId?.() === eventId || ev.event?.redacts === eventId || ev.getContent().redacts === eventId) resolve(); });
  });
  await carol.redactEvent(roomId, eventId);
  await redacted;
  const original = dave.getRoom(roomId).findEventById(eventId);
  assert.ok(original.isRedacted(), 'the event is redacted in the other client');

  const typing = new Promise((resolve) => {
    dave.on(sdk.RoomMemberEvent.Typing, (_e, member) => { if (member.userId === '@js_carol:localhost' && member.typing) resolve(); });
  });
  await carol.sendTyping(roomId, true, 10000);
  await typing;

  const last = waitForMessage(carol, roomId, 'read this');
  await dave.sendTextMessage(roomId, 'read this');
  const readThis = await last;
  const receipt = new Promise((resolve) => {
    dave.on(sdk.RoomEvent.Receipt, () => {
      const users = dave.getRoom(roomId).getUsersReadUpTo(readThis);
      if (users.includes('@js_carol:localhost')) resolve();
    });
  });
  await carol.sendReadReceipt(readThis);
  await receipt;
});
