// Identity across servers with a real Synapse (1.67): each fetches the other's signing keys
// over TLS (directly and through the other's notary endpoint), and each answers the other's
// signed X-Matrix requests (a profile query both ways, as clients trigger it). Forged and
// misdirected signatures are refused with 401.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './lib/server.mjs';
import { Api } from './lib/client.mjs';
import { makeCa, makeCert, httpsRequest, federationConfig } from './lib/tls.mjs';
import { freePort } from './lib/raw.mjs';
import { Synapse } from './lib/synapse.mjs';
import { signedBy as signedByKey } from './lib/keys.mjs';

const signedBy = (obj, server, keyB64, keyId) => signedByKey(obj, server, keyId, keyB64);

const MYELIN_IP = '127.0.0.41', SYNAPSE_IP = '127.0.0.42', HIDDEN_IP = '127.0.0.43';
const dir = mkdtempSync(join(tmpdir(), 'myelin-fedsyn-'));
let ca, myelin, synapse, myelinName, synapseName, hiddenName, alice, bob;


before(async () => {
  ca = makeCa(dir);
  const [fedPort, synFedPort, synPort] = [await freePort(MYELIN_IP), await freePort(SYNAPSE_IP), await freePort(SYNAPSE_IP)];
  myelinName = `${MYELIN_IP}:${fedPort}`;
  // A second Myelin the first cannot reach (its hosts table sends it nowhere): its keys come
  // through Synapse as notary.
  hiddenName = `${HIDDEN_IP}:${await freePort(HIDDEN_IP)}`;
  synapseName = `${SYNAPSE_IP}:${synFedPort}`;
  const mc = makeCert(dir, ca, 'myelin', [MYELIN_IP]);
  const sc = makeCert(dir, ca, 'synapse', [SYNAPSE_IP]);
  myelin = await startServer({
    topConfig: `server_name = ${JSON.stringify(myelinName)}\n`,
    extraConfig: federationConfig({ listen: myelinName, cert: mc, ca,
      extra: `trusted_key_servers = [${JSON.stringify(synapseName)}]\n[federation.hosts]\n${JSON.stringify(hiddenName)} = "127.0.0.59:9"\n` }),
  });
  synapse = await new Synapse({ serverName: synapseName, bind: SYNAPSE_IP, port: synPort,
    fedBind: SYNAPSE_IP, fedPort: synFedPort, cert: sc.crt, key: sc.key }).start();
  alice = await new Api(myelin.url).register('fed_alice');
  bob = await new Api(synapse.url).register('fed_bob');
});

after(async () => {
  // MYELIN_FED_LOGS=DIR keeps both servers' logs there (for debugging a failure).
  if (process.env.MYELIN_FED_LOGS && synapse) {
    writeFileSync(join(process.env.MYELIN_FED_LOGS, 'myelin.log'), myelin.log);
    copyFileSync(join(synapse.dir, 'homeserver.log'), join(process.env.MYELIN_FED_LOGS, 'synapse.log'));
  }
  await synapse?.stop();
  await myelin?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const fed = (path) => `https://${myelinName}${path}`;

test("Synapse's notary fetches Myelin's keys over TLS and vouches for them", async () => {
  const own = (await httpsRequest(fed('/_matrix/key/v2/server'), { ca: ca.pem })).json;
  const [keyId] = Object.keys(own.verify_keys);
  // Synapse's notary fetches what it has not cached only for a named key id.
  const r = await fetch(`${synapse.url}/_matrix/key/v2/query`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ server_keys: { [myelinName]: { [keyId]: {} } } }),
  });
  assert.equal(r.status, 200);
  const answer = (await r.json()).server_keys;
  const mine = answer.find((k) => k.server_name === myelinName);
  assert.ok(mine, JSON.stringify(answer));
  assert.deepEqual(mine.verify_keys, own.verify_keys);
  assert.ok(signedBy(mine, myelinName, own.verify_keys[keyId].key, keyId), 'still signed by Myelin');
  assert.ok(mine.signatures[synapseName], 'and by Synapse as notary');
});

test("Myelin's notary fetches Synapse's keys over TLS and vouches for them", async () => {
  const synOwn = await (await fetch(`${synapse.url}/_matrix/key/v2/server`)).json();
  const [synKeyId] = Object.keys(synOwn.verify_keys);
  const r = await httpsRequest(fed('/_matrix/key/v2/query'), {
    ca: ca.pem, method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ server_keys: { [synapseName]: {} } }),
  });
  assert.equal(r.status, 200, r.text);
  const got = r.json.server_keys.find((k) => k.server_name === synapseName);
  assert.ok(got, r.text);
  assert.deepEqual(got.verify_keys, synOwn.verify_keys);
  assert.ok(signedBy(got, synapseName, synOwn.verify_keys[synKeyId].key, synKeyId), 'signed by Synapse');
  const own = (await httpsRequest(fed('/_matrix/key/v2/server'), { ca: ca.pem })).json;
  const [myKeyId] = Object.keys(own.verify_keys);
  assert.ok(signedBy(got, myelinName, own.verify_keys[myKeyId].key, myKeyId), 'and by Myelin as notary');
  // The GET form answers the same keys.
  const one = await httpsRequest(fed(`/_matrix/key/v2/query/${encodeURIComponent(synapseName)}`), { ca: ca.pem });
  assert.deepEqual(one.json.server_keys.find((k) => k.server_name === synapseName).verify_keys, synOwn.verify_keys);
});

test('a Myelin user reads a Synapse profile: a signed request Synapse verifies', async () => {
  const put = await bob.put(`/_matrix/client/v3/profile/${encodeURIComponent(bob.userId)}/displayname`, { displayname: 'Bob on Synapse' });
  assert.equal(put.status, 200, put.text);
  const r = await alice.get(`/_matrix/client/v3/profile/${encodeURIComponent(bob.userId)}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.displayname, 'Bob on Synapse');
  const one = await alice.get(`/_matrix/client/v3/profile/${encodeURIComponent(bob.userId)}/displayname`);
  assert.equal(one.json.displayname, 'Bob on Synapse');
  const none = await alice.get(`/_matrix/client/v3/profile/${encodeURIComponent(`@nobody:${synapseName}`)}`);
  assert.equal(none.status, 404);
  assert.equal(none.json.errcode, 'M_NOT_FOUND');
});

test('a Synapse user reads a Myelin profile: Synapse signs, Myelin fetches its key and verifies', async () => {
  await alice.put(`/_matrix/client/v3/profile/${encodeURIComponent(alice.userId)}/displayname`, { displayname: 'Alice on Myelin' });
  const r = await bob.get(`/_matrix/client/v3/profile/${encodeURIComponent(alice.userId)}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.displayname, 'Alice on Myelin');
  assert.match(myelin.log, new RegExp(`GET /_matrix/federation/v1/query/profile 200`));
});

test('room aliases resolve across servers, both ways', async () => {
  const synRoom = await bob.post('/_matrix/client/v3/createRoom', { room_alias_name: 'synroom' });
  assert.equal(synRoom.status, 200, synRoom.text);
  const fromMyelin = await alice.get(`/_matrix/client/v3/directory/room/${encodeURIComponent(`#synroom:${synapseName}`)}`);
  assert.equal(fromMyelin.status, 200, fromMyelin.text);
  assert.equal(fromMyelin.json.room_id, synRoom.json.room_id);
  assert.ok(fromMyelin.json.servers.includes(synapseName));
  const myRoom = await alice.post('/_matrix/client/v3/createRoom', { room_alias_name: 'myroom' });
  assert.equal(myRoom.status, 200, myRoom.text);
  const fromSynapse = await bob.get(`/_matrix/client/v3/directory/room/${encodeURIComponent(`#myroom:${myelinName}`)}`);
  assert.equal(fromSynapse.status, 200, fromSynapse.text);
  assert.equal(fromSynapse.json.room_id, myRoom.json.room_id);
  assert.deepEqual(fromSynapse.json.servers, [myelinName]);
  const unknown = await alice.get(`/_matrix/client/v3/directory/room/${encodeURIComponent(`#nothing:${synapseName}`)}`);
  assert.equal(unknown.status, 404);
  assert.equal(unknown.json.errcode, 'M_NOT_FOUND');
});

test('keys a server does not give itself come through the configured notary', async () => {
  const hc = makeCert(dir, ca, 'hidden', [HIDDEN_IP]);
  const hidden = await startServer({
    topConfig: `server_name = ${JSON.stringify(hiddenName)}\n`,
    extraConfig: federationConfig({ listen: hiddenName, cert: hc, ca }),
  });
  try {
    const carol = await new Api(hidden.url).register('fed_carol');
    // Carol's server signs a profile query to Myelin, which cannot reach it for its key.
    const r = await carol.get(`/_matrix/client/v3/profile/${encodeURIComponent(alice.userId)}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.displayname, 'Alice on Myelin');
    assert.match(myelin.log, new RegExp(`keys of ${hiddenName.replace(/\./g, '\\.')}: .*`), 'the direct fetch failed');
    // Myelin now vouches for the key it got through Synapse, as the hidden server signed it.
    const own = (await httpsRequest(`https://${hiddenName}/_matrix/key/v2/server`, { ca: ca.pem })).json;
    const q = await httpsRequest(fed(`/_matrix/key/v2/query/${encodeURIComponent(hiddenName)}`), { ca: ca.pem });
    const got = q.json.server_keys.find((k) => k.server_name === hiddenName);
    assert.ok(got, q.text);
    assert.deepEqual(got.verify_keys, own.verify_keys);
    assert.ok(got.signatures[synapseName] && got.signatures[hiddenName] && got.signatures[myelinName]);
  } finally {
    await hidden.stop();
  }
});

test('unsigned, forged and misdirected requests are refused with 401 M_UNAUTHORIZED', async () => {
  const uri = `/_matrix/federation/v1/query/profile?user_id=${encodeURIComponent(alice.userId)}`;
  const synOwn = await (await fetch(`${synapse.url}/_matrix/key/v2/server`)).json();
  const [synKeyId] = Object.keys(synOwn.verify_keys);
  const cases = {
    missing: {},
    malformed: { authorization: 'X-Matrix nonsense' },
    forged: { authorization: `X-Matrix origin="${synapseName}",destination="${myelinName}",key="${synKeyId}",sig="${Buffer.alloc(64).toString('base64').replace(/=+$/, '')}"` },
    unknownKey: { authorization: `X-Matrix origin="${synapseName}",destination="${myelinName}",key="ed25519:nope",sig="AAAA"` },
    misdirected: { authorization: `X-Matrix origin="${synapseName}",destination="elsewhere.example",key="${synKeyId}",sig="AAAA"` },
  };
  for (const [name, headers] of Object.entries(cases)) {
    const r = await httpsRequest(fed(uri), { ca: ca.pem, headers });
    assert.equal(r.status, 401, `${name}: ${r.text}`);
    assert.equal(r.json.errcode, 'M_UNAUTHORIZED', name);
    assert.equal(typeof r.json.error, 'string');
  }
});
