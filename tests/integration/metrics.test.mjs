// GET /_myelin/metrics: off by default, loopback only, and the event-loop lag it reports is live
// (a stall the server is made to take shows up in the window maximum, which the next scrape resets).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { Api, assertError } from './lib/client.mjs';
import { V3 } from './lib/rooms.mjs';
import { sleep } from './lib/raw.mjs';

let server, api;
before(async () => {
  server = await startServer({ extraConfig: `
[http]
trusted_proxies = ["127.0.0.1"]
[metrics]
enabled = true
loop_lag_interval_ms = 5
` });
  api = new Api(server.url);
});
after(async () => { await server.stop(); });

async function scrape(headers = {}) {
  const r = await fetch(`${server.url}/_myelin/metrics`, { headers });
  const text = await r.text();
  const values = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const [name, value] = line.split(' ');
    values[name] = Number(value);
  }
  return { status: r.status, type: r.headers.get('content-type'), text, values };
}

test('the loop-lag histogram grows while the server runs and its buckets are cumulative', async () => {
  const first = await scrape();
  assert.equal(first.status, 200);
  assert.match(first.type, /^text\/plain/);
  assert.match(first.text, /# TYPE myelin_loop_lag_seconds histogram/);
  await sleep(300);
  const second = await scrape();
  const count = (s) => s.values['myelin_loop_lag_seconds_count'];
  assert.ok(count(second) >= count(first) + 20, `${count(first)} -> ${count(second)} samples in 300 ms at 5 ms`);
  const buckets = Object.entries(second.values)
    .filter(([k]) => k.startsWith('myelin_loop_lag_seconds_bucket'));
  assert.equal(buckets.length, 13);
  for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i][1] >= buckets[i - 1][1], 'cumulative');
  assert.equal(buckets.at(-1)[1], count(second), 'the +Inf bucket holds every sample');
  assert.ok(second.values['myelin_loop_lag_max_seconds'] >= second.values['myelin_loop_lag_window_max_seconds']);
});

test('a stall on the loop is seen in the window maximum, and the next scrape starts a new window', async (t) => {
  await scrape(); // a fresh window
  // Argon2 at its cost runs on the worker pool, so stall the loop itself: registration checks and
  // a large createRoom are processed on the loop.
  const alice = await api.register('metrics_alice');
  const initial_state = Array.from({ length: 100 }, (_, i) => ({ type: 'm.test', state_key: `k${i}`, content: { body: 'x'.repeat(9000) } }));
  const r = await alice.post(`${V3}/createRoom`, { initial_state });
  assert.equal(r.status, 200, r.text);
  const during = await scrape();
  const stall = during.values['myelin_loop_lag_window_max_seconds'];
  assert.ok(stall > 0.002, `a createRoom of 900 KB of state stalled the loop ${stall * 1000} ms`);
  t.diagnostic(`longest stall in the window: ${(stall * 1000).toFixed(1)} ms`);
  const after = await scrape();
  assert.ok(after.values['myelin_loop_lag_window_max_seconds'] < stall, 'the window was reset by the scrape');
  assert.ok(after.values['myelin_loop_lag_max_seconds'] >= stall, 'the lifetime maximum keeps it');
});

test('metrics are for loopback clients only, as resolved through trusted proxies', async () => {
  const r = await scrape({ 'x-forwarded-for': '203.0.113.7' });
  assert.equal(r.status, 403);
  assert.equal(JSON.parse(r.text).errcode, 'M_FORBIDDEN');
});

test('metrics are off unless enabled', async () => {
  const plain = await startServer();
  try {
    assertError(await new Api(plain.url).get('/_myelin/metrics', { token: null }), 404, 'M_UNRECOGNIZED');
  } finally { await plain.stop(); }
});
