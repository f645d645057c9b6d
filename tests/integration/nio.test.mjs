// matrix-nio, the Python client library from Debian, against the real server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startServer } from './lib/server.mjs';

const run = promisify(execFile);
let server;
before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

test('matrix-nio registers, logs in, creates, invites, joins, sends, syncs and paginates', async () => {
  const script = fileURLToPath(new URL('./nio_client.py', import.meta.url));
  // Debian's python3 (other Pythons on PATH do not have python3-matrix-nio).
  const { stdout } = await run('/usr/bin/python3', [script, server.url], { timeout: 60000 });
  const r = JSON.parse(stdout.trim().split('\n').at(-1));
  assert.equal(r.register, 'RegisterResponse');
  assert.equal(r.register_bob, 'RegisterResponse');
  assert.equal(r.login, 'LoginResponse');
  assert.equal(r.user_id, '@nio_alice:localhost');
  assert.equal(r.create, 'RoomCreateResponse');
  assert.equal(r.bob_invited, true);
  assert.equal(r.join, 'JoinResponse');
  assert.equal(r.send, 'RoomSendResponse');
  assert.equal(r.sync, 'SyncResponse');
  assert.deepEqual(r.bob_bodies, ['hello nio']);
  assert.equal(r.room_name, 'nio room');
  assert.equal(r.messages, 'RoomMessagesResponse');
  assert.deepEqual(r.message_bodies, ['hello nio']);
  const expected = Array.from({ length: 25 }, (_, i) => `p${24 - i}`).concat(['hello nio']);
  assert.deepEqual(r.paged_bodies, expected);
  assert.ok(r.pages >= 3, `only ${r.pages} pages`);
});
