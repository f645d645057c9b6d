// Durability across restarts, and a clean exit on SIGTERM.
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PG_BASE, Server } from './lib/server.mjs';
import { Api, assertError } from './lib/client.mjs';
import { createRoom, send, messages, enc } from './lib/rooms.mjs';

const V3 = '/_matrix/client/v3';

test('register, stop, start: the account, device and token survive', async () => {
  const s = new Server();
  await s.start();
  let api = new Api(s.url);
  const alice = await api.register('restart_alice', 'pw-restart');
  await alice.put(`${V3}/profile/@restart_alice:localhost/displayname`, { displayname: 'Alice R' });
  const status = await s.stop({ keepData: true });
  assert.equal(status.code, 0, `exit ${JSON.stringify(status)}\n${s.log}`);
  assert.match(s.log, /stopped/);

  await s.start();
  api = new Api(s.url);
  try {
    const me = await api.withToken(alice.token).get(`${V3}/account/whoami`);
    assert.equal(me.status, 200);
    assert.equal(me.json.device_id, alice.deviceId);
    const login = await api.login('restart_alice', 'pw-restart');
    assert.equal(login.status, 200);
    assert.equal((await api.get(`${V3}/profile/@restart_alice:localhost`)).json.displayname, 'Alice R');
    assertError(await api.post(`${V3}/register`, { username: 'restart_alice', password: 'x' }), 400, 'M_USER_IN_USE');
  } finally { await s.stop(); }
});

test('SIGTERM while a request is in flight: the request completes, then the server exits', async () => {
  const s = new Server();
  await s.start();
  const api = new Api(s.url);
  try {
    await api.register('inflight', 'pw');
    // Password hashing takes a moment off the event loop; signal in the middle of it.
    const pending = api.login('inflight', 'pw');
    await new Promise((r) => setTimeout(r, 5));
    s.proc.kill('SIGTERM');
    const r = await pending;
    assert.equal(r.status, 200, r.text);
    const status = await s.exited;
    assert.equal(status.code, 0);
  } finally { await s.stop(); }
});

test('rooms, events, signing key and pagination tokens survive a restart', async () => {
  const s = new Server();
  await s.start();
  let alice = await new Api(s.url).register('tok_alice');
  const roomId = await createRoom(alice, { name: 'Durable' });
  const ids = [];
  for (let i = 0; i < 5; i++) ids.push(await send(alice, roomId, { msgtype: 'm.text', body: `d${i}` }));
  const filter = JSON.stringify({ types: ['m.room.message'] });
  const first = await messages(alice, roomId, { dir: 'b', limit: 2, filter });
  assert.deepEqual(first.json.chunk.map((e) => e.event_id), [ids[4], ids[3]]);
  await s.stop({ keepData: true });
  await s.start();
  try {
    alice = new Api(s.url).withToken(alice.token);
    const rest = await messages(alice, roomId, { dir: 'b', limit: 10, from: first.json.end, filter });
    assert.deepEqual(rest.json.chunk.map((e) => e.event_id), [ids[2], ids[1], ids[0]]);
    // The same signing key signs after the restart: one key id across all events.
    const more = await send(alice, roomId);
    assert.equal((await alice.get(`/_matrix/client/v3/rooms/${enc(roomId)}/event/${enc(more)}`)).status, 200);
    const name = await alice.get(`/_matrix/client/v3/rooms/${enc(roomId)}/state/m.room.name/`);
    assert.equal(name.json.name, 'Durable');
  } finally { await s.stop(); }
});

test('a second server on the same SQLite database is refused, and the first keeps serving',
  { skip: PG_BASE ? 'SQLite only (PostgreSQL is shared by several processes)' : false }, async () => {
    const first = new Server();
    await first.start();
    const second = new Server({ dataDir: first.dataDir });
    try {
      await assert.rejects(second.start(), /another myelin process is serving this SQLite database/);
      assert.equal((await second.exited).code, 1);
      const alice = await new Api(first.url).register('lock_alice', 'pw-lock');
      const me = await new Api(first.url).withToken(alice.token).get(`${V3}/account/whoami`);
      assert.equal(me.status, 200);
      assert.equal(me.json.user_id, '@lock_alice:localhost');
    } finally { await first.stop({ keepData: true }); }
    // The lock goes with the process that held it.
    await second.start();
    try {
      const login = await new Api(second.url).login('lock_alice', 'pw-lock');
      assert.equal(login.status, 200);
    } finally {
      await second.stop();
      rmSync(first.dataDir, { recursive: true, force: true });
    }
  });
