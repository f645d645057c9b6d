// matrix-js-sdk with its Rust crypto (the wasm build from npm) against the real server: two users
// exchange end-to-end encrypted messages and each decrypts what the other sent; a second device
// of the receiving user, logged in later, receives the room key the way the SDK shares it by
// default (to every device, verified or not) and decrypts the next message.
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
  await server.stop();
});

// The wasm crypto module logs through console.debug/info; keep the test output readable.
console.debug = () => {};
console.info = () => {};
async function startCryptoClient(account) {
  const client = await startSdkClient(server.url, account, { crypto: true });
  clients.push(client);
  return client;
}

async function register(name) {
  const a = await api.register(name);
  return { userId: a.userId, token: a.token, deviceId: a.deviceId };
}

// Resolves with the decrypted event whose plaintext body is `body`.
function waitForDecrypted(client, roomId, body, ms = 30000) {
  return new Promise((resolve, reject) => {
    const failures = [];
    const timer = setTimeout(() => reject(new Error(`${client.getUserId()}/${client.getDeviceId()} never decrypted "${body}" (${failures.join('; ')})`)), ms);
    const onDecrypted = (event, err) => {
      if (event.getRoomId() !== roomId) return;
      if (err || event.isDecryptionFailure()) { failures.push(String(err?.message ?? event.decryptionFailureReason)); return; }
      if (event.getType() === 'm.room.message' && event.getContent().body === body) {
        clearTimeout(timer);
        client.off(sdk.MatrixEventEvent.Decrypted, onDecrypted);
        resolve(event);
      }
    };
    client.on(sdk.MatrixEventEvent.Decrypted, onDecrypted);
  });
}

async function waitFor(cond, what, ms = 20000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('Rust-crypto clients exchange encrypted messages; a later device of the recipient decrypts too', { timeout: 120000 }, async () => {
  const aliceAcct = await register('e2e_alice');
  const bobAcct = await register('e2e_bob');
  const alice = await startCryptoClient(aliceAcct);
  const bob = await startCryptoClient(bobAcct);

  // Both devices publish their keys at start-up (the SDK's outgoing-request loop does it).
  const asAlice = new Api(server.url, aliceAcct.token);
  await waitFor(async () => {
    const q = await asAlice.post('/_matrix/client/v3/keys/query', { device_keys: { [bobAcct.userId]: [] } });
    return q.json.device_keys[bobAcct.userId][bobAcct.deviceId]?.keys[`ed25519:${bobAcct.deviceId}`];
  }, "Bob's device keys on the server");

  const { room_id: roomId } = await alice.createRoom({
    name: 'secret room',
    invite: [bobAcct.userId],
    initial_state: [{ type: 'm.room.encryption', state_key: '', content: { algorithm: 'm.megolm.v1.aes-sha2' } }],
  });
  await waitFor(() => bob.getRoom(roomId)?.getMyMembership() === 'invite', 'the invite');
  await bob.joinRoom(roomId);
  await waitFor(() => alice.getRoom(roomId)?.getMember(bobAcct.userId)?.membership === 'join', 'Bob joined in Alice\'s view');
  assert.ok(await alice.getCrypto().isEncryptionEnabledInRoom(roomId));

  const bobGets = waitForDecrypted(bob, roomId, 'hello, encrypted');
  await alice.sendTextMessage(roomId, 'hello, encrypted');
  const received = await bobGets;
  assert.equal(received.getSender(), aliceAcct.userId);
  assert.equal(received.getWireType(), 'm.room.encrypted', 'it travelled encrypted');

  // What the server stored is ciphertext only.
  const raw = await new Api(server.url, bobAcct.token).get(`/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/event/${encodeURIComponent(received.getId())}`);
  assert.equal(raw.json.type, 'm.room.encrypted');
  assert.ok(!raw.text.includes('hello, encrypted'));

  const aliceGets = waitForDecrypted(alice, roomId, 'and back, encrypted');
  await bob.sendTextMessage(roomId, 'and back, encrypted');
  assert.equal((await aliceGets).getSender(), bobAcct.userId);

  // Bob logs in on a second device; Alice's client learns of it through device_lists and
  // shares the room key with it when she next sends.
  const login = await api.login('e2e_bob');
  assert.equal(login.status, 200, login.text);
  const bob2 = await startCryptoClient({ userId: bobAcct.userId, token: login.json.access_token, deviceId: login.json.device_id });
  await waitFor(async () => {
    const devices = await alice.getCrypto().getUserDeviceInfo([bobAcct.userId], true);
    return devices.get(bobAcct.userId)?.has(login.json.device_id);
  }, 'Alice to see Bob\'s second device');
  const secondGets = waitForDecrypted(bob2, roomId, 'for both of your devices');
  const firstGets = waitForDecrypted(bob, roomId, 'for both of your devices');
  await alice.sendTextMessage(roomId, 'for both of your devices');
  await Promise.all([secondGets, firstGets]);
});
