// Federation, transport and identity: the TLS federation listener, this server's signing keys
// as other servers fetch them (GET /_matrix/key/v2/server, checked with an ed25519 verifier of
// node's own), certificates reloaded on SIGHUP, TLS on the client listener (a /sync/sse stream
// and a keep-alive download through it), and the config errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startServer, Server, BIN } from './lib/server.mjs';
import { makeCa, makeCert, httpsRequest, federationConfig } from './lib/tls.mjs';
import { signedBy } from './lib/keys.mjs';

const dir = mkdtempSync(join(tmpdir(), 'myelin-fedtls-'));
let ca, server;
const fedConfig = (cert) => federationConfig({ cert });

before(async () => {
  ca = makeCa(dir);
  const cert = makeCert(dir, ca, 'fed', ['localhost', '127.0.0.1']);
  // The server reads its certificate from these paths; the reload test replaces them.
  copyFileSync(cert.crt, join(dir, 'live.crt'));
  copyFileSync(cert.key, join(dir, 'live.key'));
  server = await startServer({
    extraConfig: fedConfig({ crt: join(dir, 'live.crt'), key: join(dir, 'live.key') }) +
      'well_known_server = "fed.example.org:443"\n',
  });
});

after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const fed = (path) => `https://127.0.0.1:${server.federationPort}${path}`;

test('GET /_matrix/key/v2/server over TLS: the key, signed by itself, valid for a day', async () => {
  const r = await httpsRequest(fed('/_matrix/key/v2/server'), { ca: ca.pem });
  assert.equal(r.status, 200, r.text);
  const keys = r.json;
  assert.equal(keys.server_name, 'localhost');
  const ids = Object.keys(keys.verify_keys);
  assert.equal(ids.length, 1);
  assert.match(ids[0], /^ed25519:[A-Za-z0-9_]+$/);
  assert.equal(Buffer.from(keys.verify_keys[ids[0]].key, 'base64').length, 32);
  assert.deepEqual(keys.old_verify_keys, {});
  const now = Date.now();
  assert.ok(keys.valid_until_ts > now + 23 * 3600e3 && keys.valid_until_ts <= now + 24 * 3600e3 + 60e3);
  assert.ok(signedBy(keys, 'localhost', ids[0], keys.verify_keys[ids[0]].key), 'signature verifies');
  // A changed byte does not.
  assert.ok(!signedBy({ ...keys, valid_until_ts: 1 }, 'localhost', ids[0], keys.verify_keys[ids[0]].key));
  // The deprecated form with a key id answers the same keys.
  const old = await httpsRequest(fed(`/_matrix/key/v2/server/${encodeURIComponent(ids[0])}`), { ca: ca.pem });
  assert.deepEqual(old.json.verify_keys, keys.verify_keys);
});

test('GET /_matrix/federation/v1/version; client endpoints are not on the federation listener', async () => {
  const r = await httpsRequest(fed('/_matrix/federation/v1/version'), { ca: ca.pem });
  assert.equal(r.status, 200);
  assert.equal(r.json.server.name, 'Myelin');
  assert.match(r.json.server.version, /^\d+\.\d+\.\d+$/);
  const c = await httpsRequest(fed('/_matrix/client/versions'), { ca: ca.pem });
  assert.equal(c.status, 404);
  assert.equal(c.json.errcode, 'M_UNRECOGNIZED');
});

test('delegation: /.well-known/matrix/server on the client listener when configured', async () => {
  const r = await fetch(`${server.url}/.well-known/matrix/server`);
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), { 'm.server': 'fed.example.org:443' });
  assert.match(r.headers.get('cache-control'), /max-age=\d+/);
  const plain = await startServer();
  try {
    const none = await fetch(`${plain.url}/.well-known/matrix/server`);
    assert.equal(none.status, 404);
  } finally {
    await plain.stop();
  }
});

test('the federation listener speaks only TLS, with the configured certificate', async () => {
  // Plain HTTP to it gets no HTTP answer.
  const answer = await new Promise((resolve) => {
    const sock = net.connect(server.federationPort, '127.0.0.1', () =>
      sock.write('GET /_matrix/federation/v1/version HTTP/1.1\r\nHost: x\r\n\r\n'));
    let data = '';
    sock.on('data', (d) => { data += d.toString('latin1'); });
    sock.on('close', () => resolve(data));
    sock.on('error', () => resolve(data));
  });
  assert.doesNotMatch(answer, /^HTTP\/1\.1/);
  // Not trusted without the CA.
  await assert.rejects(httpsRequest(fed('/_matrix/federation/v1/version'), {}), /self.signed|unable to verify|certificate/i);
});

test('the signing key outlives a restart', async () => {
  const before = (await httpsRequest(fed('/_matrix/key/v2/server'), { ca: ca.pem })).json.verify_keys;
  await server.stop({ keepData: true });
  await server.start();
  const after = (await httpsRequest(fed('/_matrix/key/v2/server'), { ca: ca.pem })).json.verify_keys;
  assert.deepEqual(after, before);
});

test('a rotated key: the new one signs, the old one is listed as retired', async () => {
  const before = (await httpsRequest(fed('/_matrix/key/v2/server'), { ca: ca.pem })).json;
  const [oldId] = Object.keys(before.verify_keys);
  await server.stop({ keepData: true });
  const { stdout } = await promisify(execFile)(BIN, ['keys', '--rotate', '--database', server.dbUrl]);
  assert.match(stdout, new RegExp(`retired ${oldId}, now signing with ed25519:`));
  const rotatedAt = Date.now();
  await server.start();
  const after = (await httpsRequest(fed('/_matrix/key/v2/server'), { ca: ca.pem })).json;
  const [newId] = Object.keys(after.verify_keys);
  assert.notEqual(newId, oldId);
  assert.deepEqual(Object.keys(after.old_verify_keys), [oldId]);
  assert.equal(after.old_verify_keys[oldId].key, before.verify_keys[oldId].key);
  assert.ok(Math.abs(after.old_verify_keys[oldId].expired_ts - rotatedAt) < 10_000);
  assert.deepEqual(Object.keys(after.signatures.localhost), [newId], 'signed by the current key only');
  assert.ok(signedBy(after, 'localhost', newId, after.verify_keys[newId].key));
});

test('SIGHUP reloads the certificates; a file that does not load keeps the old ones', async () => {
  const first = await httpsRequest(fed('/_matrix/federation/v1/version'), { ca: ca.pem });
  const next = makeCert(dir, ca, 'fed2', ['localhost', '127.0.0.1']);
  copyFileSync(next.crt, join(dir, 'live.crt'));
  copyFileSync(next.key, join(dir, 'live.key'));
  server.proc.kill('SIGHUP');
  const until = Date.now() + 5000;
  while (!/TLS certificates reloaded/.test(server.log) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  const second = await httpsRequest(fed('/_matrix/federation/v1/version'), { ca: ca.pem });
  assert.equal(second.status, 200);
  assert.notEqual(second.cert.fingerprint256, first.cert.fingerprint256);
  writeFileSync(join(dir, 'live.crt'), 'not a certificate');
  server.proc.kill('SIGHUP');
  const until2 = Date.now() + 5000;
  while (!/keeping the certificates in use/.test(server.log) && Date.now() < until2) await new Promise((r) => setTimeout(r, 50));
  const third = await httpsRequest(fed('/_matrix/federation/v1/version'), { ca: ca.pem });
  assert.equal(third.status, 200);
  assert.equal(third.cert.fingerprint256, second.cert.fingerprint256);
});

test('TLS on the client listener: registration, a /sync/sse stream and keep-alive downloads', async () => {
  const cert = makeCert(dir, ca, 'client', ['localhost', '127.0.0.1']);
  const tlsServer = await startServer({
    extraConfig: `\n[http]\ntls_certificate = ${JSON.stringify(cert.crt)}\ntls_private_key = ${JSON.stringify(cert.key)}\n`,
  });
  try {
    assert.equal(tlsServer.scheme, 'https');
    const base = tlsServer.url;
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: ca.pem });
    const call = (method, path, body, token, headers = {}) => httpsRequest(base + path, {
      ca: ca.pem, agent, method, body,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    });
    const reg = await call('POST', '/_matrix/client/v3/register', JSON.stringify({
      username: 'tls_alice', password: 'correct horse battery', auth: { type: 'm.login.dummy' } }),
    undefined, { 'content-type': 'application/json' });
    assert.equal(reg.status, 200, reg.text);
    const token = reg.json.access_token;
    const room = (await call('POST', '/_matrix/client/v3/createRoom', '{}', token, { 'content-type': 'application/json' })).json.room_id;

    // The stream: its first event, then a message sent meanwhile, through TLS.
    const events = [];
    const stream = https.get(`${base}/_matrix/client/v3/sync/sse`, {
      ca: ca.pem, headers: { authorization: `Bearer ${token}` } });
    const got = new Promise((resolve, reject) => {
      stream.on('response', (res) => {
        assert.equal(res.headers['content-type'], 'text/event-stream');
        let buf = '';
        res.on('data', (d) => {
          buf += d.toString();
          for (let i; (i = buf.indexOf('\n\n')) >= 0; buf = buf.slice(i + 2)) {
            const data = buf.slice(0, i).split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5)).join('\n');
            if (data) events.push(JSON.parse(data));
            const bodies = events.flatMap((e) => e.rooms?.join?.[room]?.timeline?.events ?? []).map((e) => e.content?.body);
            if (bodies.includes('over tls')) resolve(bodies);
          }
        });
      });
      stream.on('error', reject);
    });
    const until = Date.now() + 5000;
    while (events.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    assert.ok(events.length >= 1, 'the initial sync arrived');
    const sent = await call('PUT', `/_matrix/client/v3/rooms/${encodeURIComponent(room)}/send/m.room.message/t1`,
      JSON.stringify({ msgtype: 'm.text', body: 'over tls' }), token, { 'content-type': 'application/json' });
    assert.equal(sent.status, 200, sent.text);
    assert.ok((await got).includes('over tls'));
    stream.destroy();

    // An upload and two downloads on one kept-alive TLS connection.
    const bytes = randomBytes(300_000);
    const up = await httpsRequest(`${base}/_matrix/media/v3/upload`, {
      ca: ca.pem, agent, method: 'POST', body: bytes,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' } });
    const id = up.json.content_uri.split('/').pop();
    const sockets = new Set();
    for (let i = 0; i < 2; i++) {
      const d = await new Promise((resolve, reject) => {
        https.get(`${base}/_matrix/client/v1/media/download/localhost/${id}`, {
          agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
          sockets.add(res.socket);
          const parts = [];
          res.on('data', (p) => parts.push(p));
          res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(parts), headers: res.headers }));
        }).on('error', reject);
      });
      assert.equal(d.status, 200);
      assert.ok(d.body.equals(bytes));
      assert.notEqual(d.headers.connection, 'close');
    }
    assert.equal(sockets.size, 1, 'both downloads went over one TLS connection');
    agent.destroy();
  } finally {
    await tlsServer.stop();
  }
});

test('config errors stop the server with a clear message', async () => {
  const bad = new Server({ extraConfig: '\n[federation]\nenabled = true\n' });
  await assert.rejects(bad.start(), /federation.enabled needs federation.tls_certificate/);
  await bad.stop();
  const missing = new Server({ extraConfig: fedConfig({ crt: join(dir, 'nope.crt'), key: join(dir, 'nope.key') }) });
  await assert.rejects(missing.start(), /cannot load the TLS certificate/);
  await missing.stop();
});
