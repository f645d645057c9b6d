// To-device messages kept for a device are bounded ([to_device] max_pending_per_device): a
// device that never syncs cannot make the server keep messages without limit; the newest stay.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { Api } from './lib/client.mjs';
import { V3 } from './lib/rooms.mjs';

let server, api;
before(async () => {
  server = await startServer({ extraConfig: '\n[to_device]\nmax_pending_per_device = 3\n' });
  api = new Api(server.url);
});
after(async () => { await server.stop(); });

test('only the newest max_pending_per_device messages are kept for an absent device', async () => {
  const alice = await api.register('tb_alice');
  const bob = await api.register('tb_bob');
  for (let i = 1; i <= 5; i++) {
    const r = await alice.put(`${V3}/sendToDevice/org.example.n/t${i}`, { messages: { [bob.userId]: { [bob.deviceId]: { n: i } } } });
    assert.equal(r.status, 200, r.text);
  }
  const s = await bob.get(`${V3}/sync`);
  assert.equal(s.status, 200, s.text);
  assert.deepEqual(s.json.to_device.events.map((e) => e.content.n), [3, 4, 5]);
  // Another device of Bob's is counted separately.
  const r = await alice.put(`${V3}/sendToDevice/org.example.n/t6`, { messages: { [bob.userId]: { OTHER: { n: 6 } } } });
  assert.equal(r.status, 200, r.text);
  const again = await bob.get(`${V3}/sync?since=${s.json.next_batch}`);
  assert.equal(again.json.to_device, undefined, 'nothing new for this device');
});
