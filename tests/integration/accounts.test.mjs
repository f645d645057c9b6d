// Accounts: registration (UIA), login, logout, whoami, devices, profile, password, deactivation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { Api, assertError } from './lib/client.mjs';

const V3 = '/_matrix/client/v3';
let server, api;
before(async () => { server = await startServer(); api = new Api(server.url); });
after(async () => { await server.stop(); });

test('discovery: versions, well-known, capabilities', async () => {
  const v = await api.get('/_matrix/client/versions');
  assert.equal(v.status, 200);
  assert.ok(v.json.versions.includes('v1.1'));
  assert.ok(v.json.versions.every((x) => /^v1\.\d+$|^r0\./.test(x)));
  assert.equal(typeof v.json.unstable_features, 'object');
  const wk = await api.get('/.well-known/matrix/client');
  assert.equal(wk.status, 200);
  assert.equal(typeof wk.json['m.homeserver'].base_url, 'string');
  const anon = await api.get(`${V3}/capabilities`);
  assertError(anon, 401, 'M_MISSING_TOKEN');
  const alice = await api.register('cap_alice');
  const caps = await alice.get(`${V3}/capabilities`);
  assert.equal(caps.status, 200);
  assert.equal(caps.json.capabilities['m.change_password'].enabled, true);
  assert.equal(typeof caps.json.capabilities['m.room_versions'].default, 'string');
});

test('register walks the UIA dummy flow and returns a working token', async () => {
  const first = await api.post(`${V3}/register`, { username: 'uia_bob', password: 'pw-123456' });
  assert.equal(first.status, 401);
  assert.ok(first.json.flows.some((f) => f.stages.includes('m.login.dummy')));
  assert.equal(typeof first.json.session, 'string');
  const done = await api.post(`${V3}/register`, {
    username: 'uia_bob', password: 'pw-123456', initial_device_display_name: 'Phone',
    auth: { type: 'm.login.dummy', session: first.json.session },
  });
  assert.equal(done.status, 200, done.text);
  assert.equal(done.json.user_id, '@uia_bob:localhost');
  assert.match(done.json.access_token, /^\S{40,}$/);
  const me = await api.withToken(done.json.access_token).get(`${V3}/account/whoami`);
  assert.equal(me.json.user_id, '@uia_bob:localhost');
  assert.equal(me.json.device_id, done.json.device_id);
  const dev = await api.withToken(done.json.access_token).get(`${V3}/devices/${done.json.device_id}`);
  assert.equal(dev.json.display_name, 'Phone');
  // A completed UIA session authorises one request only.
  const again = await api.post(`${V3}/register`, {
    username: 'uia_bob2', password: 'x', auth: { type: 'm.login.dummy', session: first.json.session },
  });
  assertError(again, 400, 'M_UNKNOWN');
});

test('register validates names and refuses guests', async () => {
  await api.register('taken_name');
  assertError(await api.post(`${V3}/register`, { username: 'taken_name', password: 'x' }), 400, 'M_USER_IN_USE');
  assertError(await api.post(`${V3}/register`, { username: 'Bad Name!', password: 'x' }), 400, 'M_INVALID_USERNAME');
  assertError(await api.post(`${V3}/register`, { username: 'x'.repeat(300), password: 'x' }), 400, 'M_INVALID_USERNAME');
  assertError(await api.post(`${V3}/register?kind=guest`, {}), 403, 'M_GUEST_ACCESS_FORBIDDEN');
  assertError(await api.get(`${V3}/register/available?username=taken_name`), 400, 'M_USER_IN_USE');
  const free = await api.get(`${V3}/register/available?username=free_name`);
  assert.equal(free.status, 200);
  assert.equal(free.json.available, true);
  assertError(await api.get(`${V3}/register/available`), 400, 'M_MISSING_PARAM');
  assertError(await api.post(`${V3}/register`, { username: 5, auth: { type: 'm.login.dummy' } }), 400, 'M_BAD_JSON');
});

test('register with inhibit_login returns no token; a generated user id works', async () => {
  const r = await api.post(`${V3}/register`, {
    username: 'quiet', password: 'pw-quiet', inhibit_login: true, auth: { type: 'm.login.dummy' },
  });
  assert.equal(r.status, 200);
  assert.equal(r.json.user_id, '@quiet:localhost');
  assert.equal(r.json.access_token, undefined);
  assert.equal(r.json.device_id, undefined);
  const anon = await api.post(`${V3}/register`, { password: 'pw', auth: { type: 'm.login.dummy' } });
  assert.equal(anon.status, 200);
  assert.match(anon.json.user_id, /^@[a-z0-9._=\-/+]+:localhost$/);
});

test('login with local and full user ids; wrong password is M_FORBIDDEN', async () => {
  await api.register('carol', 'carol-secret');
  const flows = await api.get(`${V3}/login`);
  assert.ok(flows.json.flows.some((f) => f.type === 'm.login.password'));
  const a = await api.login('carol', 'carol-secret');
  assert.equal(a.status, 200, a.text);
  assert.equal(a.json.user_id, '@carol:localhost');
  const b = await api.login('@carol:localhost', 'carol-secret', { device_id: 'MYDEVICE' });
  assert.equal(b.json.device_id, 'MYDEVICE');
  assert.notEqual(a.json.access_token, b.json.access_token);
  assertError(await api.login('carol', 'wrong'), 403, 'M_FORBIDDEN');
  assertError(await api.login('nobody', 'wrong'), 403, 'M_FORBIDDEN');
  assertError(await api.post(`${V3}/login`, { type: 'm.login.token', token: 'x' }), 400, 'M_UNKNOWN');
  assertError(await api.post(`${V3}/login`, { identifier: { type: 'm.id.user', user: 'carol' } }), 400, 'M_MISSING_PARAM');
  // The legacy r0 prefix routes to the same handler.
  const r0 = await api.post('/_matrix/client/r0/login', {
    type: 'm.login.password', user: 'carol', password: 'carol-secret',
  });
  assert.equal(r0.status, 200, r0.text);
});

test('tokens: missing, unknown, query parameter, logout and logout/all', async () => {
  const dave = await api.register('dave', 'dave-pw');
  assertError(await api.get(`${V3}/account/whoami`), 401, 'M_MISSING_TOKEN');
  const bad = await api.withToken('nope').get(`${V3}/account/whoami`);
  assertError(bad, 401, 'M_UNKNOWN_TOKEN');
  assert.equal(bad.json.soft_logout, false);
  const q = await api.get(`${V3}/account/whoami?access_token=${encodeURIComponent(dave.token)}`);
  assert.equal(q.json.user_id, '@dave:localhost');

  const second = api.withToken((await api.login('dave', 'dave-pw')).json.access_token);
  assert.equal((await dave.post(`${V3}/logout`, {})).status, 200);
  assertError(await dave.get(`${V3}/account/whoami`), 401, 'M_UNKNOWN_TOKEN');
  assert.equal((await second.get(`${V3}/account/whoami`)).status, 200);

  const third = api.withToken((await api.login('dave', 'dave-pw')).json.access_token);
  assert.equal((await third.post(`${V3}/logout/all`, {})).status, 200);
  assertError(await second.get(`${V3}/account/whoami`), 401, 'M_UNKNOWN_TOKEN');
  assertError(await third.get(`${V3}/account/whoami`), 401, 'M_UNKNOWN_TOKEN');
  assert.deepEqual((await api.withToken((await api.login('dave', 'dave-pw')).json.access_token)
    .get(`${V3}/devices`)).json.devices.length, 1);
});

test('devices: list, rename, delete with password UIA', async () => {
  const erin = await api.register('erin', 'erin-pw');
  const other = (await api.login('erin', 'erin-pw', { initial_device_display_name: 'Laptop' })).json;
  const list = await erin.get(`${V3}/devices`);
  assert.deepEqual(list.json.devices.map((d) => d.device_id).sort(), [erin.deviceId, other.device_id].sort());
  assert.equal((await erin.put(`${V3}/devices/${other.device_id}`, { display_name: 'Work laptop' })).status, 200);
  assert.equal((await erin.get(`${V3}/devices/${other.device_id}`)).json.display_name, 'Work laptop');
  assertError(await erin.get(`${V3}/devices/NOSUCH`), 404, 'M_NOT_FOUND');
  assertError(await erin.put(`${V3}/devices/NOSUCH`, { display_name: 'x' }), 404, 'M_NOT_FOUND');

  const challenge = await erin.del(`${V3}/devices/${other.device_id}`, {});
  assert.equal(challenge.status, 401);
  assert.deepEqual(challenge.json.flows, [{ stages: ['m.login.password'] }]);
  const wrong = await erin.del(`${V3}/devices/${other.device_id}`, {
    auth: { type: 'm.login.password', session: challenge.json.session, identifier: { type: 'm.id.user', user: 'erin' }, password: 'nope' },
  });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.json.errcode, 'M_FORBIDDEN');
  const ok = await erin.del(`${V3}/devices/${other.device_id}`, {
    auth: { type: 'm.login.password', session: challenge.json.session, identifier: { type: 'm.id.user', user: 'erin' }, password: 'erin-pw' },
  });
  assert.equal(ok.status, 200, ok.text);
  assertError(await api.withToken(other.access_token).get(`${V3}/account/whoami`), 401, 'M_UNKNOWN_TOKEN');

  const t2 = (await api.login('erin', 'erin-pw')).json;
  assertError(await erin.post(`${V3}/delete_devices`, {}), 400, 'M_MISSING_PARAM');
  const bulk = await erin.post(`${V3}/delete_devices`, {
    devices: [t2.device_id], auth: { type: 'm.login.password', user: 'erin', password: 'erin-pw' },
  });
  assert.equal(bulk.status, 200, bulk.text);
  assertError(await api.withToken(t2.access_token).get(`${V3}/account/whoami`), 401, 'M_UNKNOWN_TOKEN');
});

test('profile: read, set displayname and avatar_url, refuse others', async () => {
  const frank = await api.register('frank');
  const p0 = await api.get(`${V3}/profile/@frank:localhost`);
  assert.equal(p0.json.displayname, 'frank');
  assert.equal((await frank.put(`${V3}/profile/@frank:localhost/displayname`, { displayname: 'Frank F' })).status, 200);
  assert.equal((await frank.put(`${V3}/profile/@frank:localhost/avatar_url`, { avatar_url: 'mxc://localhost/abc' })).status, 200);
  const p1 = await api.get(`${V3}/profile/@frank:localhost`);
  assert.deepEqual(p1.json, { displayname: 'Frank F', avatar_url: 'mxc://localhost/abc' });
  assert.equal((await api.get(`${V3}/profile/@frank:localhost/displayname`)).json.displayname, 'Frank F');
  const gina = await api.register('gina');
  assertError(await gina.put(`${V3}/profile/@frank:localhost/displayname`, { displayname: 'x' }), 403, 'M_FORBIDDEN');
  assertError(await api.get(`${V3}/profile/@nobody:localhost`), 404, 'M_NOT_FOUND');
  assertError(await frank.put(`${V3}/profile/@frank:localhost/displayname`, { displayname: 7 }), 400, 'M_BAD_JSON');
});

test('password change needs UIA, logs out other devices, new password works', async () => {
  const hal = await api.register('hal', 'old-pw');
  const other = api.withToken((await api.login('hal', 'old-pw')).json.access_token);
  const ch = await hal.post(`${V3}/account/password`, { new_password: 'new-pw' });
  assert.equal(ch.status, 401);
  const ok = await hal.post(`${V3}/account/password`, {
    new_password: 'new-pw', auth: { type: 'm.login.password', session: ch.json.session, user: 'hal', password: 'old-pw' },
  });
  assert.equal(ok.status, 200, ok.text);
  assert.equal((await hal.get(`${V3}/account/whoami`)).status, 200);
  assertError(await other.get(`${V3}/account/whoami`), 401, 'M_UNKNOWN_TOKEN');
  assertError(await api.login('hal', 'old-pw'), 403, 'M_FORBIDDEN');
  assert.equal((await api.login('hal', 'new-pw')).status, 200);
});

test('deactivation logs out everywhere and blocks login and the name', async () => {
  const ivy = await api.register('ivy', 'ivy-pw');
  const r = await ivy.post(`${V3}/account/deactivate`, {
    auth: { type: 'm.login.password', identifier: { type: 'm.id.user', user: '@ivy:localhost' }, password: 'ivy-pw' },
  });
  assert.equal(r.status, 200, r.text);
  assertError(await ivy.get(`${V3}/account/whoami`), 401, 'M_UNKNOWN_TOKEN');
  const login = await api.login('ivy', 'ivy-pw');
  assert.equal(login.status, 403);
  assert.ok(['M_USER_DEACTIVATED', 'M_FORBIDDEN'].includes(login.json.errcode));
  assertError(await api.post(`${V3}/register`, { username: 'ivy', password: 'x' }), 400, 'M_USER_IN_USE');
});
