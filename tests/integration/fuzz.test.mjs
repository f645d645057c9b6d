// Random requests to every client route (read from src/api, so new routes are covered too):
// wrong ids, junk query parameters, malformed and oddly typed JSON bodies. Whatever arrives,
// the server must answer with a client error in the spec's envelope (errcode + error) or a
// success, never a 5xx, and must still be serving at the end. A fixed seed makes a run
// repeatable; MYELIN_FUZZ_SECONDS and MYELIN_FUZZ_SEED change it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startServer } from './lib/server.mjs';
import { Api } from './lib/client.mjs';
import { V3, enc, createRoom, send, join } from './lib/rooms.mjs';

const SECONDS = Number(process.env.MYELIN_FUZZ_SECONDS ?? 15);
const SEED = Number(process.env.MYELIN_FUZZ_SEED ?? 7);

// Routes that end the fuzzing user's session (every later request would only get 401), and
// the stream that never ends.
const SKIP = /logout|deactivate|password|delete_devices|sync\/sse/;

function routes() {
  const dir = fileURLToPath(new URL('../../src/api/', import.meta.url));
  const prefix = { client: V3, client_v1: '/_matrix/client/v1', add: '' };
  const out = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.cpp'))) {
    const src = readFileSync(dir + f, 'utf8');
    for (const m of src.matchAll(/r\.(client|client_v1|add)\(verb::([a-z_]+),\s*"([^"]+)"/g)) {
      const [, kind, verb, path] = m;
      if (SKIP.test(path) || (verb === 'delete_' && path.includes('devices'))) continue;
      out.push({ method: verb.replace(/_$/, '').toUpperCase(), path: prefix[kind] + path });
    }
  }
  return out;
}

// mulberry32: a small seeded generator.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let server, api, alice, bob, roomId, eventId;
before(async () => {
  server = await startServer();
  api = new Api(server.url);
  alice = await api.register('fuzzer');
  bob = await api.register('bystander');
  roomId = await createRoom(alice, { preset: 'public_chat' });
  await join(bob, roomId);
  eventId = await send(alice, roomId);
});
after(async () => { await server.stop(); });

test('random requests to every route get a success or a spec error, never a 5xx', async () => {
  const all = routes();
  assert.ok(all.length > 60, `routes found in src/api: ${all.length}`);
  const r = rng(SEED);
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const strings = () => pick(['', 'x', 'a'.repeat(5000), 'é中😀', '../../etc', '%00', '!', '@', '$', '#',
    '!nope:localhost', '@nobody:localhost', '$nope', '#alias:localhost', roomId, eventId,
    '@fuzzer:localhost', '\\', '"', 'null', '-1', '99999999999999999999', ' ', '\t']);
  const keys = ['type', 'body', 'msgtype', 'content', 'user_id', 'device_id', 'room_id', 'event_id',
    'filter', 'limit', 'from', 'to', 'dir', 'reason', 'membership', 'state_key', 'auth', 'session',
    'identifier', 'one_time_keys', 'device_keys', 'fallback_keys', 'messages', 'rooms', 'timeline',
    'presence', 'displayname', 'avatar_url', 'm.read', 'thread_id', 'actions', 'conditions',
    'pattern', 'kind', 'preset', 'visibility', 'invite', 'name', 'topic', 'initial_state',
    'power_level_content_override', 'creation_content', 'room_version', 'algorithm', 'auth_data',
    'version', 'sessions', 'keys', 'signatures', 'master_key', 'search_term', 'since'];
  const key = () => (r() < 0.8 ? pick(keys) : strings());
  // JSON text, so that numbers JavaScript cannot hold (2^63, 1e999) are sent as written.
  const value = (depth = 0) => {
    const c = Math.floor(r() * (depth < 4 ? 10 : 6));
    if (c === 0) return 'null';
    if (c === 1) return pick(['true', 'false']);
    if (c === 2) return pick(['0', '-1', '1', '9007199254740992', '9223372036854775808',
      '-9223372036854775809', '1e308', '1e999', '0.5', '-0']);
    if (c === 3) return JSON.stringify(strings());
    if (c === 4) return `[${Array.from({ length: Math.floor(r() * 4) }, () => value(depth + 1)).join(',')}]`;
    const n = Math.floor(r() * 5) + (c === 5 ? 0 : 1);
    return `{${Array.from({ length: n }, () => `${JSON.stringify(key())}:${value(depth + 1)}`).join(',')}}`;
  };
  const params = ['limit', 'from', 'to', 'dir', 'filter', 'since', 'full_state', 'set_presence',
    'at', 'membership', 'not_membership', 'server', 'version', 'access_token'];
  const ids = { roomId, roomIdOrAlias: roomId, userId: '@fuzzer:localhost', eventId };

  const problems = [];
  const statuses = {};
  let n = 0;
  const end = Date.now() + SECONDS * 1000;
  while (Date.now() < end) {
    const route = pick(all);
    // Now and then a path segment arrives as bytes that are not UTF-8 text (sent unencoded).
    const hostile = () => pick(['%FF', '%C0%AF', '%ED%A0%80', 'a%00b', '%0A', '%F4%90%80%80']);
    let path = route.path.replace(/\{(\w+)\}/g, (_, name) =>
      (r() < 0.08 ? hostile() : enc(ids[name] && r() < 0.6 ? ids[name] : strings())));
    const query = new URLSearchParams();
    if (r() < 0.6) for (let i = Math.floor(r() * 4); i > 0; i--) query.set(pick(params), r() < 0.3 ? value() : strings());
    if (path.endsWith('/sync')) query.set('timeout', '0');
    if ([...query].length) path += `?${query}`;
    const token = pick([alice.token, alice.token, alice.token, bob.token, undefined, 'bogus']);
    let raw;
    if (route.method === 'PUT' || route.method === 'POST')
      raw = r() < 0.1 ? pick(['{', '[]', '\u0000\u00ff', '{"a":'.repeat(200), '1e999999', '"x"', '',
        `${'{"a":'.repeat(60)}1${'}'.repeat(60)}`, `${'{"a":'.repeat(65)}1${'}'.repeat(65)}`]) : value();
    const res = await api.request(route.method, path, {
      token, raw, headers: raw === undefined ? {} : { 'content-type': 'application/json' },
    });
    n++;
    statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    const bad = res.status >= 500 ? 'server error'
      : res.status >= 400 && (typeof res.json?.errcode !== 'string' || typeof res.json?.error !== 'string')
        ? 'error without errcode and error' : null;
    if (bad && problems.length < 20) problems.push(`${bad}: ${route.method} ${path.slice(0, 200)} -> ${res.status} ${res.text.slice(0, 200)} (body ${String(raw).slice(0, 200)})`);
  }
  assert.deepEqual(problems, [], `${n} requests, statuses ${JSON.stringify(statuses)}`);
  assert.ok(statuses[200] > n / 20, `too few requests got through to a handler: ${JSON.stringify(statuses)}`);
  assert.equal((await api.get('/_matrix/client/versions')).status, 200);
  assert.equal((await alice.get(`${V3}/account/whoami`)).json.user_id, '@fuzzer:localhost');
  // What any of those writes stored, every read path reads back: each answers with JSON, /sync
  // and the account's reads with 200.
  const reads = [`${V3}/sync`, `${V3}/sync?full_state=true&timeout=0`, `${V3}/rooms/${enc(roomId)}/state`,
    `${V3}/rooms/${enc(roomId)}/messages?dir=b&limit=1000`, `${V3}/rooms/${enc(roomId)}/members`,
    `${V3}/rooms/${enc(roomId)}/joined_members`, `${V3}/joined_rooms`, `${V3}/pushrules/`,
    `${V3}/devices`, `${V3}/profile/${enc('@fuzzer:localhost')}`,
    `${V3}/user/${enc('@fuzzer:localhost')}/rooms/${enc(roomId)}/tags`, `${V3}/publicRooms`];
  for (const who of [alice, bob])
    for (const path of reads) {
      const res = await who.get(path);
      // The random requests may have made either user leave the room (then 403 is right).
      const ok = res.status === 200 || (path.includes('/rooms/') && res.json?.errcode === 'M_FORBIDDEN');
      assert.ok(ok, `${path} after fuzzing: ${res.status} ${res.text.slice(0, 300)}`);
      assert.ok(res.json !== undefined, `${path} answers JSON`);
    }
});
