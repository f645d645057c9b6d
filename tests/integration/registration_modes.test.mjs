// Registration modes (token, closed), offline account tools and rate limiting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Server, BIN } from './lib/server.mjs';
import { Api, assertError } from './lib/client.mjs';

const V3 = '/_matrix/client/v3';

test('token registration: UIA stage m.login.registration_token with limited uses', async () => {
  const s = new Server({ args: ['--registration', 'token'] });
  // The database must exist before the token tool writes to it: start once to migrate.
  await s.start();
  const api = new Api(s.url);
  try {
    const out = execFileSync(BIN, ['create-registration-token', '--database', s.dbUrl,
      '--token', 'letmein', '--uses', '1']).toString();
    assert.match(out, /letmein/);
    const ch = await api.post(`${V3}/register`, { username: 'tok1', password: 'pw' });
    assert.equal(ch.status, 401);
    assert.deepEqual(ch.json.flows, [{ stages: ['m.login.registration_token'] }]);
    const valid = await api.get('/_matrix/client/v1/register/m.login.registration_token/validity?token=letmein');
    assert.equal(valid.json.valid, true);
    assertError(await api.post(`${V3}/register`, { username: 'tok1', password: 'pw', auth: { type: 'm.login.dummy', session: ch.json.session } }), 401, 'M_UNRECOGNIZED');
    const wrong = await api.post(`${V3}/register`, {
      username: 'tok1', password: 'pw', auth: { type: 'm.login.registration_token', token: 'bad', session: ch.json.session },
    });
    assert.equal(wrong.status, 401);
    const ok = await api.post(`${V3}/register`, {
      username: 'tok1', password: 'pw', auth: { type: 'm.login.registration_token', token: 'letmein', session: ch.json.session },
    });
    assert.equal(ok.status, 200, ok.text);
    const used = await api.get('/_matrix/client/v1/register/m.login.registration_token/validity?token=letmein');
    assert.equal(used.json.valid, false);
    const again = await api.post(`${V3}/register`, {
      username: 'tok2', password: 'pw', auth: { type: 'm.login.registration_token', token: 'letmein' },
    });
    assert.equal(again.status, 401);
  } finally { await s.stop(); }
});

test('closed registration refuses, register-user creates accounts offline', async () => {
  const s = new Server({ args: ['--registration', 'closed'] });
  await s.start();
  await s.stop({ keepData: true });
  execFileSync(BIN, ['register-user', '--database', s.dbUrl, '--user', 'admin', '--password', 'admin-pw', '--admin']);
  assert.throws(() => execFileSync(BIN, ['register-user', '--database', s.dbUrl, '--user', 'admin', '--password', 'x'], { stdio: 'pipe' }));
  await s.start();
  const api = new Api(s.url);
  try {
    assertError(await api.post(`${V3}/register`, { username: 'x', password: 'y' }), 403, 'M_FORBIDDEN');
    const login = await api.login('admin', 'admin-pw');
    assert.equal(login.status, 200, login.text);
  } finally { await s.stop(); }
});

test('login rate limit answers 429 M_LIMIT_EXCEEDED with retry_after_ms', async () => {
  const s = new Server({ extraConfig: '' , config: `
password_hash_cost = "min"
[rate_limit.login]
enabled = true
per_second = 0.1
burst = 3
[rate_limit.register]
enabled = false
` });
  await s.start();
  const api = new Api(s.url);
  try {
    await api.register('rl');
    const statuses = [];
    let limited;
    for (let i = 0; i < 6; i++) {
      const r = await api.login('rl', 'wrong');
      statuses.push(r.status);
      if (r.status === 429) limited = r;
    }
    assert.deepEqual(statuses.slice(0, 3), [403, 403, 403]);
    assert.ok(limited, `no 429 in ${statuses}`);
    assertError(limited, 429, 'M_LIMIT_EXCEEDED');
    assert.ok(limited.json.retry_after_ms > 0);
  } finally { await s.stop(); }
});
