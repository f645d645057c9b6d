// Sync cost against room count: initial sync and "nothing new" incremental sync for a user in
// one room and a user in ROOMS rooms, measured side by side against one running server.
// Usage: node bench/sync_rooms.mjs --url http://127.0.0.1:PORT [--rooms 1000] [--reps 200]
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: {
  url: { type: 'string' }, rooms: { type: 'string', default: '1000' }, reps: { type: 'string', default: '200' },
} });
const base = `${values.url}/_matrix/client/v3`;
const ROOMS = Number(values.rooms);
const REPS = Number(values.reps);
const run = Date.now().toString(36);

async function call(method, path, token, body) {
  const res = await fetch(base + path, {
    method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return { json: JSON.parse(text), bytes: text.length };
}

async function user(name) {
  const r = await call('POST', '/register', null, { username: `${name}_${run}`, password: 'pw', auth: { type: 'm.login.dummy' } });
  return r.json.access_token;
}

async function timed(fn, reps) {
  const ms = [];
  let last;
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    last = await fn();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  ms.sort((a, b) => a - b);
  return { p50: +ms[Math.floor(ms.length / 2)].toFixed(3), p99: +ms[Math.floor(ms.length * 0.99)].toFixed(3), last };
}

const one = await user('one');
const many = await user('many');
await call('POST', '/createRoom', one, { name: 'single' });
const t0 = Date.now();
for (let i = 0; i < ROOMS; i++) {
  const r = await call('POST', '/createRoom', many, { name: `room ${i}` });
  await call('PUT', `/rooms/${encodeURIComponent(r.json.room_id)}/send/m.room.message/t${i}`, many, { msgtype: 'm.text', body: `hello ${i}` });
  if ((i + 1) % 100 === 0) process.stderr.write(`\rcreated ${i + 1}/${ROOMS} rooms`);
}
process.stderr.write(`\rcreated ${ROOMS} rooms in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);

const result = { rooms: ROOMS, reps: REPS };
for (const [label, token] of [['1_room', one], [`${ROOMS}_rooms`, many]]) {
  const init = await timed(() => call('GET', '/sync', token), 5);
  const since = init.last.json.next_batch;
  const inc = await timed(() => call('GET', `/sync?since=${since}&timeout=0`, token), REPS);
  result[label] = {
    initial_ms_p50: init.p50, initial_bytes: init.last.bytes,
    joined_rooms: Object.keys(init.last.json.rooms?.join ?? {}).length,
    incremental_empty_ms_p50: inc.p50, incremental_empty_ms_p99: inc.p99,
  };
}
result.incremental_ratio_many_to_one = +(result[`${ROOMS}_rooms`].incremental_empty_ms_p50 / result['1_room'].incremental_empty_ms_p50).toFixed(2);
console.log(JSON.stringify(result, null, 1));
