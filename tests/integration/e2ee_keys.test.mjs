// End-to-end encryption key endpoints through HTTP: upload, query, claim (exactly once, then the
// fallback key), device-list changes in /sync and /keys/changes, cross-signing with its
// signatures, and server-side key backup.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { Api, assertError } from './lib/client.mjs';
import { V3, enc, createRoom, join, invite } from './lib/rooms.mjs';
import { Ed25519, deviceKeys, oneTimeKeys, crossSigningKey } from './lib/keys.mjs';

let server, api;
before(async () => { server = await startServer(); api = new Api(server.url); });
after(async () => { await server.stop(); });

const ok = (r) => { assert.equal(r.status, 200, r.text); return r.json; };
const sync = async (who, since, timeout = 0) => ok(await who.get(`${V3}/sync?timeout=${timeout}${since ? `&since=${since}` : ''}`));

async function uploadDevice(who, { otks = [], fallback } = {}) {
  const d = deviceKeys(who.userId, who.deviceId);
  const body = { device_keys: d.keys, one_time_keys: oneTimeKeys(who.userId, who.deviceId, d.ed, otks) };
  if (fallback) body.fallback_keys = oneTimeKeys(who.userId, who.deviceId, d.ed, [fallback], { fallback: true });
  const res = ok(await who.post(`${V3}/keys/upload`, body));
  return { ...d, res };
}

test('uploaded keys come back from /keys/query, counts from /keys/upload and /sync', async () => {
  const alice = await api.register('k_alice');
  ok(await alice.put(`${V3}/devices/${enc(alice.deviceId)}`, { display_name: 'Alice phone' }));
  const { keys, res } = await uploadDevice(alice, { otks: ['A1', 'A2', 'A3'], fallback: 'F1' });
  assert.deepEqual(res.one_time_key_counts, { signed_curve25519: 3 });

  const bob = await api.register('k_bob');
  const q = ok(await bob.post(`${V3}/keys/query`, { device_keys: { [alice.userId]: [] } }));
  const got = q.device_keys[alice.userId][alice.deviceId];
  assert.deepEqual(got.keys, keys.keys);
  assert.deepEqual(got.signatures, keys.signatures);
  assert.equal(got.unsigned.device_display_name, 'Alice phone');
  assert.deepEqual(q.failures, {});
  // Asking for a device that has no keys gives an empty map for the user.
  const none = ok(await bob.post(`${V3}/keys/query`, { device_keys: { [alice.userId]: ['NOPE'] } }));
  assert.deepEqual(none.device_keys[alice.userId], {});

  const s = await sync(alice);
  assert.deepEqual(s.device_one_time_keys_count, { signed_curve25519: 3 });
  assert.deepEqual(s.device_unused_fallback_key_types, ['signed_curve25519']);
  // The same upload again is accepted and changes nothing.
  const again = ok(await alice.post(`${V3}/keys/upload`, { device_keys: keys }));
  assert.deepEqual(again.one_time_key_counts, { signed_curve25519: 3 });
});

test('bad key uploads get the spec errors', async () => {
  const eve = await api.register('k_eve');
  const other = deviceKeys(eve.userId, 'SOMEONEELSE');
  assertError(await eve.post(`${V3}/keys/upload`, { device_keys: other.keys }), 400, 'M_INVALID_PARAM');
  const mine = deviceKeys(eve.userId, eve.deviceId);
  const forged = { ...mine.keys, algorithms: ['m.megolm.v1.aes-sha2'] }; // signature no longer matches
  assertError(await eve.post(`${V3}/keys/upload`, { device_keys: forged }), 400, 'M_INVALID_SIGNATURE');
  assertError(await eve.post(`${V3}/keys/upload`, { one_time_keys: { nocolon: 'x' } }), 400, 'M_INVALID_PARAM');
  ok(await eve.post(`${V3}/keys/upload`, { one_time_keys: { 'curve25519:X': 'first' } }));
  assertError(await eve.post(`${V3}/keys/upload`, { one_time_keys: { 'curve25519:X': 'second' } }), 400, 'M_INVALID_PARAM');
  assertError(await eve.post(`${V3}/keys/query`, {}), 400, 'M_MISSING_PARAM');
  assertError(await eve.post(`${V3}/keys/query`, { device_keys: { 'not-a-user': [] } }), 400, 'M_INVALID_PARAM');
  assertError(await eve.post(`${V3}/keys/claim`, { one_time_keys: { [eve.userId]: { D: 5 } } }), 400, 'M_BAD_JSON');
});

test('each one-time key is claimed exactly once under concurrent claims, then the fallback key', async () => {
  const owner = await api.register('k_owner');
  await uploadDevice(owner, { otks: ['1', '2', '3', '4', '5'], fallback: 'FB' });
  const claimers = await Promise.all([0, 1, 2, 3].map((i) => api.register(`k_claimer${i}`)));
  const claims = await Promise.all(Array.from({ length: 20 }, (_, i) =>
    claimers[i % 4].post(`${V3}/keys/claim`, { one_time_keys: { [owner.userId]: { [owner.deviceId]: 'signed_curve25519' } } })));
  const ids = claims.map((r) => Object.keys(ok(r).one_time_keys[owner.userId][owner.deviceId])[0]);
  const otks = ids.filter((id) => id !== 'signed_curve25519:FB');
  assert.deepEqual([...new Set(otks)].sort(), ['1', '2', '3', '4', '5'].map((i) => `signed_curve25519:${i}`));
  assert.equal(otks.length, 5, 'no one-time key handed out twice');
  assert.equal(ids.length - otks.length, 15, 'the rest got the fallback key');
  const s = await sync(owner);
  assert.deepEqual(s.device_one_time_keys_count, { signed_curve25519: 0 });
  assert.deepEqual(s.device_unused_fallback_key_types, [], 'the fallback key is now used');
  // A new fallback key is unused again.
  const d = deviceKeys(owner.userId, owner.deviceId);
  ok(await owner.post(`${V3}/keys/upload`, { fallback_keys: oneTimeKeys(owner.userId, owner.deviceId, d.ed, ['FB2'], { fallback: true }) }));
  assert.deepEqual((await sync(owner)).device_unused_fallback_key_types, ['signed_curve25519']);
  // Unknown devices and algorithms yield nothing rather than an error.
  const empty = ok(await owner.post(`${V3}/keys/claim`, { one_time_keys: { [owner.userId]: { NODEVICE: 'signed_curve25519' } } }));
  assert.deepEqual(empty.one_time_keys, {});
});

test('device_lists in /sync and /keys/changes follow key uploads, joins and leaves', async () => {
  const alice = await api.register('dl_alice');
  const bob = await api.register('dl_bob');
  const carol = await api.register('dl_carol');
  const roomId = await createRoom(alice);
  await invite(alice, roomId, bob.userId);
  await join(bob, roomId);
  const start = (await sync(bob)).next_batch;
  assert.equal((await sync(bob, start)).device_lists, undefined, 'nothing changed yet');

  // Bob waits; Alice uploading keys wakes him with device_lists.changed.
  const pending = sync(bob, start, 10000);
  await uploadDevice(alice);
  const woke = await pending;
  assert.deepEqual(woke.device_lists.changed, [alice.userId]);

  // Someone who shares no room with Bob does not show up.
  await uploadDevice(carol);
  const t1 = woke.next_batch;
  assert.equal((await sync(bob, t1)).device_lists, undefined);

  // Carol joins: changed; Carol leaves: left.
  await invite(alice, roomId, carol.userId);
  await join(carol, roomId);
  const s2 = await sync(bob, t1);
  assert.ok(s2.device_lists.changed.includes(carol.userId), JSON.stringify(s2.device_lists));
  ok(await carol.post(`${V3}/rooms/${enc(roomId)}/leave`, {}));
  const s3 = await sync(bob, s2.next_batch);
  assert.deepEqual(s3.device_lists.left, [carol.userId]);
  assert.ok(!s3.device_lists.changed.includes(carol.userId));

  const changes = ok(await bob.get(`${V3}/keys/changes?from=${start}&to=${s3.next_batch}`));
  assert.ok(changes.changed.includes(alice.userId), JSON.stringify(changes));
  assert.deepEqual(changes.left, [carol.userId]);
  assertError(await bob.get(`${V3}/keys/changes?from=${start}`), 400, 'M_MISSING_PARAM');
  assertError(await bob.get(`${V3}/keys/changes?from=bogus&to=${start}`), 400, 'M_INVALID_PARAM');

  // Alice deletes her device: its keys are gone and Bob hears about it.
  const t4 = s3.next_batch;
  const second = await api.login('dl_alice');
  const aliceDevice = alice.deviceId;
  const other = api.withToken(second.json.access_token);
  ok(await other.post(`${V3}/delete_devices`, { devices: [aliceDevice], auth: { type: 'm.login.password', identifier: { type: 'm.id.user', user: 'dl_alice' }, password: 'correct horse battery' } }));
  const s5 = await sync(bob, t4);
  assert.deepEqual(s5.device_lists?.changed, [alice.userId]);
  const q = ok(await bob.post(`${V3}/keys/query`, { device_keys: { [alice.userId]: [] } }));
  assert.deepEqual(q.device_keys[alice.userId], {});
});

test('cross-signing keys: first upload without UIA, replacement needs it, signatures are checked', async () => {
  const alice = await api.register('xs_alice');
  const bob = await api.register('xs_bob');
  const carol = await api.register('xs_carol');
  const device = await uploadDevice(alice);
  const master = new Ed25519(), selfSigning = new Ed25519(), userSigning = new Ed25519();
  const upload = {
    master_key: crossSigningKey(alice.userId, 'master', master),
    self_signing_key: crossSigningKey(alice.userId, 'self_signing', selfSigning, master),
    user_signing_key: crossSigningKey(alice.userId, 'user_signing', userSigning, master),
  };
  ok(await alice.post(`${V3}/keys/device_signing/upload`, upload));
  ok(await alice.post(`${V3}/keys/device_signing/upload`, upload)); // the same keys again: no UIA

  const mine = ok(await alice.post(`${V3}/keys/query`, { device_keys: { [alice.userId]: [] } }));
  assert.deepEqual(mine.master_keys[alice.userId].keys, upload.master_key.keys);
  assert.deepEqual(mine.self_signing_keys[alice.userId].keys, upload.self_signing_key.keys);
  assert.deepEqual(mine.user_signing_keys[alice.userId].keys, upload.user_signing_key.keys);
  const theirs = ok(await bob.post(`${V3}/keys/query`, { device_keys: { [alice.userId]: [] } }));
  assert.equal(theirs.user_signing_keys, undefined, "a user-signing key is only shown to its owner");

  // A self-signing key not signed by the master key is refused.
  const rogue = new Ed25519();
  const rogueSelf = { self_signing_key: crossSigningKey(alice.userId, 'self_signing', new Ed25519(), rogue) };
  const first = await alice.post(`${V3}/keys/device_signing/upload`, rogueSelf);
  assert.equal(first.status, 401, 'replacing a key asks for UIA first');
  const password = { type: 'm.login.password', identifier: { type: 'm.id.user', user: 'xs_alice' }, password: 'correct horse battery' };
  assertError(await alice.post(`${V3}/keys/device_signing/upload`, { ...rogueSelf, auth: { ...password, session: first.json.session } }), 400, 'M_INVALID_SIGNATURE');
  const replace = { master_key: crossSigningKey(alice.userId, 'master', new Ed25519()) };
  const challenge = await alice.post(`${V3}/keys/device_signing/upload`, replace);
  assert.equal(challenge.status, 401, challenge.text);
  assert.ok(challenge.json.flows.some((f) => f.stages.includes('m.login.password')));

  // The self-signing key signs Alice's device; the signature shows up in /keys/query.
  const signedDevice = selfSigning.sign(device.keys, alice.userId, `ed25519:${selfSigning.publicKey}`);
  const sigRes = ok(await alice.post(`${V3}/keys/signatures/upload`, { [alice.userId]: { [alice.deviceId]: signedDevice } }));
  assert.deepEqual(sigRes.failures, {});
  const q2 = ok(await bob.post(`${V3}/keys/query`, { device_keys: { [alice.userId]: [] } }));
  assert.equal(q2.device_keys[alice.userId][alice.deviceId].signatures[alice.userId][`ed25519:${selfSigning.publicKey}`],
    signedDevice.signatures[alice.userId][`ed25519:${selfSigning.publicKey}`]);

  // A signature that does not verify is reported per key, and not stored.
  const bad = structuredClone(signedDevice);
  bad.signatures[alice.userId][`ed25519:${selfSigning.publicKey}`] = rogue.sign(device.keys, alice.userId, 'ed25519:x').signatures[alice.userId]['ed25519:x'];
  const badRes = ok(await alice.post(`${V3}/keys/signatures/upload`, { [alice.userId]: { [alice.deviceId]: bad } }));
  assert.equal(badRes.failures[alice.userId][alice.deviceId].errcode, 'M_INVALID_SIGNATURE');

  // Bob signs Alice's master key with his user-signing key: Bob sees it, Carol does not.
  const bobMaster = new Ed25519(), bobUserSigning = new Ed25519();
  ok(await bob.post(`${V3}/keys/device_signing/upload`, {
    master_key: crossSigningKey(bob.userId, 'master', bobMaster),
    user_signing_key: crossSigningKey(bob.userId, 'user_signing', bobUserSigning, bobMaster),
  }));
  const aliceMaster = mine.master_keys[alice.userId];
  const signedMaster = bobUserSigning.sign(aliceMaster, bob.userId, `ed25519:${bobUserSigning.publicKey}`);
  const r = ok(await bob.post(`${V3}/keys/signatures/upload`, { [alice.userId]: { [master.publicKey]: signedMaster } }));
  assert.deepEqual(r.failures, {});
  const byBob = ok(await bob.post(`${V3}/keys/query`, { device_keys: { [alice.userId]: [] } }));
  assert.ok(byBob.master_keys[alice.userId].signatures?.[bob.userId], JSON.stringify(byBob.master_keys));
  const byCarol = ok(await carol.post(`${V3}/keys/query`, { device_keys: { [alice.userId]: [] } }));
  assert.equal(byCarol.master_keys[alice.userId].signatures?.[bob.userId], undefined);
  // Bob cannot sign Alice's key with his device key.
  const viaDevice = bobMaster.sign(aliceMaster, bob.userId, `ed25519:${bobMaster.publicKey}`);
  const r2 = ok(await bob.post(`${V3}/keys/signatures/upload`, { [alice.userId]: { [master.publicKey]: viaDevice } }));
  assert.equal(r2.failures[alice.userId][master.publicKey].errcode, 'M_INVALID_SIGNATURE');
});

test('a self-signing key with a bad signature is refused with M_INVALID_SIGNATURE', async () => {
  const dan = await api.register('xs_dan');
  const master = new Ed25519();
  const res = await dan.post(`${V3}/keys/device_signing/upload`, {
    master_key: crossSigningKey(dan.userId, 'master', master),
    self_signing_key: crossSigningKey(dan.userId, 'self_signing', new Ed25519(), new Ed25519()),
  });
  assertError(res, 400, 'M_INVALID_SIGNATURE');
  const erin = await api.register('xs_erin');
  const noMaster = await erin.post(`${V3}/keys/device_signing/upload`, {
    self_signing_key: crossSigningKey(erin.userId, 'self_signing', new Ed25519(), master),
  });
  assertError(noMaster, 400, 'M_MISSING_PARAM');
});

test('key backup: versions, keys kept by the better-copy rule, wrong versions refused', async () => {
  const alice = await api.register('kb_alice');
  assertError(await alice.get(`${V3}/room_keys/version`), 404, 'M_NOT_FOUND');
  const algorithm = 'm.megolm_backup.v1.curve25519-aes-sha2';
  const v1 = ok(await alice.post(`${V3}/room_keys/version`, { algorithm, auth_data: { public_key: 'abc' } })).version;
  const info = ok(await alice.get(`${V3}/room_keys/version`));
  assert.deepEqual(info, { algorithm, auth_data: { public_key: 'abc' }, count: 0, etag: info.etag, version: v1 });

  const data = (index, verified = false, forwarded = 0) => ({
    first_message_index: index, forwarded_count: forwarded, is_verified: verified, session_data: { ciphertext: `c${index}` },
  });
  const room = '!room:localhost';
  const put1 = ok(await alice.put(`${V3}/room_keys/keys?version=${v1}`, { rooms: { [room]: { sessions: { s1: data(5), s2: data(1) } } } }));
  assert.equal(put1.count, 2);
  // A worse copy (higher index) is ignored; a better one (verified) replaces.
  ok(await alice.put(`${V3}/room_keys/keys/${enc(room)}/s1?version=${v1}`, data(9)));
  assert.equal(ok(await alice.get(`${V3}/room_keys/keys/${enc(room)}/s1?version=${v1}`)).first_message_index, 5);
  const put3 = ok(await alice.put(`${V3}/room_keys/keys/${enc(room)}?version=${v1}`, { sessions: { s1: data(7, true) } }));
  assert.notEqual(put3.etag, put1.etag);
  assert.equal(ok(await alice.get(`${V3}/room_keys/keys/${enc(room)}/s1?version=${v1}`)).is_verified, true);
  const all = ok(await alice.get(`${V3}/room_keys/keys?version=${v1}`));
  assert.deepEqual(Object.keys(all.rooms[room].sessions).sort(), ['s1', 's2']);
  assert.deepEqual(ok(await alice.get(`${V3}/room_keys/keys/${enc('!other:localhost')}?version=${v1}`)), { sessions: {} });
  assertError(await alice.get(`${V3}/room_keys/keys/${enc(room)}/nope?version=${v1}`), 404, 'M_NOT_FOUND');

  // A newer version makes the old one read-only for uploads.
  const v2 = ok(await alice.post(`${V3}/room_keys/version`, { algorithm, auth_data: { public_key: 'def' } })).version;
  const wrong = await alice.put(`${V3}/room_keys/keys?version=${v1}`, { rooms: {} });
  assertError(wrong, 403, 'M_WRONG_ROOM_KEYS_VERSION');
  assert.equal(wrong.json.current_version, v2);
  assertError(await alice.put(`${V3}/room_keys/keys?version=999`, { rooms: {} }), 404, 'M_NOT_FOUND');
  assertError(await alice.put(`${V3}/room_keys/keys`, { rooms: {} }), 400, 'M_MISSING_PARAM');
  assertError(await alice.put(`${V3}/room_keys/keys?version=${v2}`, { rooms: { [room]: { sessions: { s: { first_message_index: 1 } } } } }), 400, 'M_BAD_JSON');

  ok(await alice.put(`${V3}/room_keys/version/${v2}`, { algorithm, auth_data: { public_key: 'ghi' } }));
  assert.equal(ok(await alice.get(`${V3}/room_keys/version/${v2}`)).auth_data.public_key, 'ghi');
  assertError(await alice.put(`${V3}/room_keys/version/${v2}`, { algorithm: 'other', auth_data: {} }), 400, 'M_INVALID_PARAM');

  const del = ok(await alice.del(`${V3}/room_keys/keys/${enc(room)}?version=${v1}`));
  assert.equal(del.count, 0);
  ok(await alice.del(`${V3}/room_keys/version/${v2}`));
  assert.equal(ok(await alice.get(`${V3}/room_keys/version`)).version, v1, 'the newest remaining version is current');
  assertError(await alice.get(`${V3}/room_keys/version/${v2}`), 404, 'M_NOT_FOUND');
  // Other users cannot see Alice's backup.
  const bob = await api.register('kb_bob');
  assertError(await bob.get(`${V3}/room_keys/version/${v1}`), 404, 'M_NOT_FOUND');
});
