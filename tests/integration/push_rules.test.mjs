// Push rules: the spec's defaults and the endpoints that change them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { Api, assertError } from './lib/client.mjs';
import { V3, enc } from './lib/rooms.mjs';

let server, api;
before(async () => { server = await startServer(); api = new Api(server.url); });
after(async () => { await server.stop(); });

test('defaults, user rules, enabled and actions, and the errors', async () => {
  const alice = await api.register('push_alice');
  const all = await alice.get(`${V3}/pushrules/`);
  assert.equal(all.status, 200);
  const g = all.json.global;
  const ids = (kind) => g[kind].map((r) => r.rule_id);
  assert.deepEqual(ids('override').slice(0, 3), ['.m.rule.master', '.m.rule.suppress_notices', '.m.rule.invite_for_me']);
  assert.ok(ids('underride').includes('.m.rule.message'));
  assert.equal(g.content[0].pattern, 'push_alice');
  const invite = g.override.find((r) => r.rule_id === '.m.rule.invite_for_me');
  assert.equal(invite.conditions[2].pattern, '@push_alice:localhost');
  assertError(await api.get(`${V3}/pushrules/`), 401, 'M_MISSING_TOKEN');

  const roomRule = `${V3}/pushrules/global/room/${enc('!quiet:localhost')}`;
  assert.equal((await alice.put(roomRule, { actions: ['dont_notify'] })).status, 200);
  assert.deepEqual((await alice.get(roomRule)).json.actions, ['dont_notify']);
  assert.equal((await alice.put(`${roomRule}/enabled`, { enabled: false })).status, 200);
  assert.equal((await alice.get(`${roomRule}/enabled`)).json.enabled, false);
  assert.equal((await alice.put(`${roomRule}/actions`, { actions: ['notify'] })).status, 200);
  assert.deepEqual((await alice.get(`${roomRule}/actions`)).json.actions, ['notify']);
  // Placement: a second override rule before the first.
  assert.equal((await alice.put(`${V3}/pushrules/global/override/first`, { actions: [], conditions: [] })).status, 200);
  assert.equal((await alice.put(`${V3}/pushrules/global/override/zeroth?before=first`, { actions: [], conditions: [] })).status, 200);
  const now = (await alice.get(`${V3}/pushrules/global/`)).json;
  assert.deepEqual(now.override.slice(0, 2).map((r) => r.rule_id), ['zeroth', 'first']);
  // The master rule can be enabled (that is how clients mute everything).
  assert.equal((await alice.put(`${V3}/pushrules/global/override/.m.rule.master/enabled`, { enabled: true })).status, 200);
  assert.equal((await alice.get(`${V3}/pushrules/global/override/.m.rule.master/enabled`)).json.enabled, true);
  assert.equal((await alice.del(roomRule)).status, 200);
  assertError(await alice.get(roomRule), 404, 'M_NOT_FOUND');
  assertError(await alice.del(`${V3}/pushrules/global/override/.m.rule.master`), 400, 'M_UNKNOWN');
  assertError(await alice.put(`${V3}/pushrules/global/override/.m.rule.mine`, { actions: [] }), 400, 'M_INVALID_PARAM');
  assertError(await alice.put(`${V3}/pushrules/global/nonsense/x`, { actions: [] }), 400, 'M_INVALID_PARAM');
  assertError(await alice.put(`${V3}/pushrules/global/override/x`, {}), 400, 'M_MISSING_PARAM');
  assertError(await alice.put(`${V3}/pushrules/global/override/x`, { actions: ['explode'] }), 400, 'M_UNKNOWN');
  assertError(await alice.get(`${V3}/pushrules/device/override/first`), 400, 'M_INVALID_PARAM');
  // Changes reach sync as the m.push_rules account data event.
  const s = await alice.get(`${V3}/sync`);
  const pr = s.json.account_data.events.find((e) => e.type === 'm.push_rules');
  assert.ok(pr.content.global.override.some((r) => r.rule_id === 'first'));
});
