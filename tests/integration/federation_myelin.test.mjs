// Two Myelins named hs1.test and hs2.test, found through [federation.hosts] on two loopback
// addresses, with certificates for those names from a throwaway CA: each fetches the other's
// keys (checked against the name the certificate carries) and answers the other's signed
// profile queries.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './lib/server.mjs';
import { Api } from './lib/client.mjs';
import { makeCa, makeCert, httpsRequest, federationConfig } from './lib/tls.mjs';
import { freePort } from './lib/raw.mjs';

const dir = mkdtempSync(join(tmpdir(), 'myelin-fed2-'));
const hosts = { 'hs1.test': '127.0.0.51', 'hs2.test': '127.0.0.52' };
let ca, servers = {}, ports = {}, users = {};


before(async () => {
  ca = makeCa(dir);
  for (const [name, ip] of Object.entries(hosts)) ports[name] = await freePort(ip);
  const hostTable = Object.entries(hosts).map(([n, ip]) => `"${n}" = "${ip}:${ports[n]}"`).join('\n');
  for (const [name, ip] of Object.entries(hosts)) {
    const cert = makeCert(dir, ca, name, [name]);
    servers[name] = await startServer({
      topConfig: `server_name = "${name}"\n`,
      extraConfig: federationConfig({ listen: `${ip}:${ports[name]}`, cert, ca,
        extra: `[federation.hosts]\n${hostTable}\n` }),
    });
    users[name] = await new Api(servers[name].url).register(`u_${name.slice(0, 3)}`);
    await users[name].put(`/_matrix/client/v3/profile/${encodeURIComponent(users[name].userId)}/displayname`,
      { displayname: `User of ${name}` });
  }
});

after(async () => {
  for (const s of Object.values(servers)) await s.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('each reads the other one\'s profile through signed requests', async () => {
  const one = await users['hs1.test'].get(`/_matrix/client/v3/profile/${encodeURIComponent(users['hs2.test'].userId)}`);
  assert.equal(one.status, 200, one.text);
  assert.equal(one.json.displayname, 'User of hs2.test');
  const two = await users['hs2.test'].get(`/_matrix/client/v3/profile/${encodeURIComponent(users['hs1.test'].userId)}/displayname`);
  assert.equal(two.status, 200, two.text);
  assert.equal(two.json.displayname, 'User of hs1.test');
  assert.match(servers['hs2.test'].log, /GET \/_matrix\/federation\/v1\/query\/profile 200/);
  // A server nobody knows cannot be reached: 404, not a hang.
  const nowhere = await users['hs1.test'].get('/_matrix/client/v3/profile/%40x%3Anowhere.invalid');
  assert.equal(nowhere.status, 404);
});

test("each one's notary vouches for the other's keys, under the name its certificate carries", async () => {
  const ask = (name, path, opts = {}) =>
    httpsRequest(`https://${name}:${ports[name]}${path}`, { ca: ca.pem, address: hosts[name], ...opts });
  const own2 = (await ask('hs2.test', '/_matrix/key/v2/server')).json;
  assert.equal(own2.server_name, 'hs2.test');
  const r = await ask('hs1.test', '/_matrix/key/v2/query/hs2.test');
  assert.equal(r.status, 200, r.text);
  const got = r.json.server_keys.find((k) => k.server_name === 'hs2.test');
  assert.deepEqual(got.verify_keys, own2.verify_keys);
  assert.ok(got.signatures['hs2.test'] && got.signatures['hs1.test'], 'signed by both');
  // The same listener under its address alone: the certificate does not name it.
  await assert.rejects(httpsRequest(`https://${hosts['hs1.test']}:${ports['hs1.test']}/_matrix/key/v2/server`, { ca: ca.pem }),
    /altnames|certificate|IP/i);
});
