// Other servers are hostile: fake servers scripted here (node's own ed25519 and the tests'
// canonical JSON, lib/keys.mjs) sign requests to Myelin and serve key answers that lie in one way
// each. A correct one is accepted; every lie ends in 401 M_UNAUTHORIZED, and Myelin keeps
// serving.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './lib/server.mjs';
import { Api } from './lib/client.mjs';
import { makeCa, makeCert, httpsRequest, federationConfig } from './lib/tls.mjs';
import { Ed25519 } from './lib/keys.mjs';
import { synapseEnv } from './lib/synapse.mjs';

const FAKE_IP = '127.0.0.61';
const dir = mkdtempSync(join(tmpdir(), 'myelin-hostile-'));
let ca, cert, myelin, alice;
const fakes = [];

const unpadded = (buf) => buf.toString('base64').replace(/=+$/, '');
function newKey(version) {
  const ed = new Ed25519();
  return { id: `ed25519:${version}`, ed, publicB64: ed.publicKey };
}
const signWith = (key, obj) => key.ed.signature(obj);

// A fake server: `keyAnswer(name, key)` builds what it serves at /_matrix/key/v2/server.
async function fakeServer(keyAnswer) {
  const key = newKey('fake');
  const srv = https.createServer({ key: readFileSync(cert.key), cert: readFileSync(cert.crt) }, (req, res) => {
    if (req.url.startsWith('/_matrix/key/v2/server')) {
      const body = keyAnswer(fake.name, key);
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(typeof body === 'string' ? body : JSON.stringify(body));
    }
    res.writeHead(404); res.end();
  });
  await new Promise((r) => srv.listen(0, FAKE_IP, r));
  const fake = { name: `${FAKE_IP}:${srv.address().port}`, key, srv };
  fakes.push(fake);
  return fake;
}

function selfSigned(name, key, extra = {}) {
  const answer = { server_name: name, valid_until_ts: Date.now() + 3600e3,
    verify_keys: { [key.id]: { key: key.publicB64 } }, old_verify_keys: {}, ...extra };
  return { ...answer, signatures: { [name]: { [key.id]: signWith(key, answer) } } };
}

// A request from `fake` to Myelin's federation listener, signed with `key` over `signedUri`.
function signedGet(fake, uri, { key = fake.key, signedUri = uri, destination = 'localhost' } = {}) {
  const sig = signWith(key, { method: 'GET', uri: signedUri, origin: fake.name, destination });
  return httpsRequest(`https://127.0.0.1:${myelin.federationPort}${uri}`, {
    ca: ca.pem,
    headers: { authorization: `X-Matrix origin="${fake.name}",destination="${destination}",key="${key.id}",sig="${sig}"` },
  });
}

before(async () => {
  ca = makeCa(dir);
  cert = makeCert(dir, ca, 'fed', ['localhost', '127.0.0.1', FAKE_IP]);
  myelin = await startServer({
    extraConfig: federationConfig({ cert, ca }),
  });
  alice = await new Api(myelin.url).register('hostile_alice');
  await alice.put(`/_matrix/client/v3/profile/${encodeURIComponent(alice.userId)}/displayname`, { displayname: 'Alice' });
});

after(async () => {
  for (const f of fakes) f.srv.close();
  await myelin?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const profileUri = () => `/_matrix/federation/v1/query/profile?user_id=${encodeURIComponent(alice.userId)}`;

test('an honest server written here is believed', async () => {
  const fake = await fakeServer((name, key) => selfSigned(name, key));
  const r = await signedGet(fake, profileUri());
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.displayname, 'Alice');
  // The same signature over another request does not carry over.
  const replayed = await signedGet(fake, `${profileUri()}&field=avatar_url`, { signedUri: profileUri() });
  assert.equal(replayed.status, 401);
  assert.equal(replayed.json.errcode, 'M_UNAUTHORIZED');
  // Nor to another destination.
  const elsewhere = await signedGet(fake, profileUri(), { destination: 'other.example' });
  assert.equal(elsewhere.status, 401);
});

test('every lie in a key answer is refused with 401, and the server goes on', async () => {
  const lies = {
    'names another server': (name, key) => selfSigned('other.example', key),
    'is not signed by its key': (name, key) => {
      const other = newKey('other');
      const answer = selfSigned(name, key);
      answer.signatures = { [name]: { [key.id]: signWith(other, { x: 1 }) } };
      return answer;
    },
    'lists another key than the one that signs requests': (name) => selfSigned(name, newKey('fake')),
    'expired': (name, key) => {
      const answer = { server_name: name, valid_until_ts: Date.now() - 1000,
        verify_keys: { [key.id]: { key: key.publicB64 } }, old_verify_keys: {} };
      return { ...answer, signatures: { [name]: { [key.id]: signWith(key, answer) } } };
    },
    'is not JSON': () => 'not json at all {',
    'is a key of the wrong size': (name, key) => {
      const answer = { server_name: name, valid_until_ts: Date.now() + 3600e3,
        verify_keys: { [key.id]: { key: unpadded(Buffer.alloc(16)) } }, old_verify_keys: {} };
      return { ...answer, signatures: { [name]: { [key.id]: signWith(key, answer) } } };
    },
    'is over a mebibyte': (name, key) => JSON.stringify({ ...selfSigned(name, key), pad: 'x'.repeat(2 << 20) }),
  };
  for (const [what, answer] of Object.entries(lies)) {
    const fake = await fakeServer(answer);
    const r = await signedGet(fake, profileUri());
    assert.equal(r.status, 401, `${what}: ${r.text}`);
    assert.equal(r.json.errcode, 'M_UNAUTHORIZED', what);
  }
  assert.equal((await alice.get('/_matrix/client/v3/account/whoami')).status, 200);
  assert.equal(myelin.proc.exitCode, null);
});

test("GET /event: a world-readable room's event, as Synapse's own code checks it; others are not told", async () => {
  const fake = await fakeServer((name, key) => selfSigned(name, key));
  // Room version 10: the newest Synapse 1.67 knows.
  const open = await alice.post('/_matrix/client/v3/createRoom', {
    room_version: '10',
    initial_state: [{ type: 'm.room.history_visibility', state_key: '', content: { history_visibility: 'world_readable' } }],
  });
  assert.equal(open.status, 200, open.text);
  const sent = await alice.put(`/_matrix/client/v3/rooms/${encodeURIComponent(open.json.room_id)}/send/m.room.message/t1`,
    { msgtype: 'm.text', body: 'for anyone' });
  const r = await signedGet(fake, `/_matrix/federation/v1/event/${encodeURIComponent(sent.json.event_id)}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.origin, 'localhost');
  assert.equal(r.json.pdus.length, 1);
  const pdu = r.json.pdus[0];
  assert.equal(pdu.content.body, 'for anyone');
  const keys = (await httpsRequest(`https://127.0.0.1:${myelin.federationPort}/_matrix/key/v2/server`, { ca: ca.pem })).json;
  const [keyId] = Object.keys(keys.verify_keys);
  const checked = JSON.parse(execFileSync('/usr/bin/python3',
    [new URL('./lib/synapse_check_pdu.py', import.meta.url).pathname, '10', 'localhost', keyId, keys.verify_keys[keyId].key],
    { input: JSON.stringify(pdu), env: synapseEnv() }).toString());
  assert.deepEqual(checked, { hash_ok: true, signature_ok: true, event_id: sent.json.event_id });

  // A private room's event, and one that does not exist, answer the same 404.
  const closed = await alice.post('/_matrix/client/v3/createRoom', {});
  const secret = await alice.put(`/_matrix/client/v3/rooms/${encodeURIComponent(closed.json.room_id)}/send/m.room.message/t2`,
    { msgtype: 'm.text', body: 'members only' });
  for (const id of [secret.json.event_id, '$doesnotexistdoesnotexistdoesnotexist0000000']) {
    const hidden = await signedGet(fake, `/_matrix/federation/v1/event/${encodeURIComponent(id)}`);
    assert.equal(hidden.status, 404, hidden.text);
    assert.equal(hidden.json.errcode, 'M_NOT_FOUND');
    assert.doesNotMatch(hidden.text, /members only/);
  }
});
