// The HTTP layer: routing errors, JSON errors, limits, CORS, keep-alive, pipelining, timeouts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { Api, assertError } from './lib/client.mjs';
import { connect, readUntilClose, readResponses, sleep } from './lib/raw.mjs';

const V3 = '/_matrix/client/v3';
let server, api;
before(async () => {
  server = await startServer({ extraConfig: `
[http]
max_body_bytes = 65536
max_header_bytes = 4096
idle_timeout_s = 2
request_timeout_s = 2
` });
  api = new Api(server.url);
});
after(async () => { await server.stop(); });

test('unknown endpoint is 404 M_UNRECOGNIZED, wrong method is 405 M_UNRECOGNIZED', async () => {
  assertError(await api.get(`${V3}/no/such/thing`), 404, 'M_UNRECOGNIZED');
  assertError(await api.get('/totally/elsewhere'), 404, 'M_UNRECOGNIZED');
  assertError(await api.request('DELETE', `${V3}/login`), 405, 'M_UNRECOGNIZED');
  assertError(await api.put('/_matrix/client/versions', {}), 405, 'M_UNRECOGNIZED');
});

test('bad bodies: M_NOT_JSON, M_BAD_JSON, M_MISSING_PARAM', async () => {
  assertError(await api.request('POST', `${V3}/login`, { raw: '{"type": "m.login.password",' }), 400, 'M_NOT_JSON');
  assertError(await api.request('POST', `${V3}/login`, { raw: '[1,2,3]' }), 400, 'M_BAD_JSON');
  // An empty body reads as {} (clients send none to /logout), so here a field is missing.
  assertError(await api.request('POST', `${V3}/login`, { raw: '' }), 400, 'M_MISSING_PARAM');
  assertError(await api.request('POST', `${V3}/login`, { raw: '\xff\xfe' }), 400, 'M_NOT_JSON');
  assertError(await api.post(`${V3}/login`, { type: 42 }), 400, 'M_BAD_JSON');
  assertError(await api.post(`${V3}/login`, {}), 400, 'M_MISSING_PARAM');
});

// 1e999 parses as infinity, which would be stored as text no JSON parser reads back: stored
// account data or a to-device message holding it would break every later sync of its reader.
test('numbers beyond a double are refused with M_BAD_JSON and stored nowhere', async () => {
  const alice = await api.register('infinite');
  const bob = await api.register('bob_infinite');
  const me = encodeURIComponent('@infinite:localhost');
  const since = (await alice.get(`${V3}/sync?timeout=0`)).json.next_batch;
  const raw = (body) => ({ raw: body, headers: { 'content-type': 'application/json' } });
  assertError(await alice.request('PUT', `${V3}/user/${me}/account_data/org.example.big`,
    raw('{"n":1e999}')), 400, 'M_BAD_JSON');
  assertError(await alice.request('PUT', `${V3}/user/${me}/account_data/org.example.big`,
    raw('{"a":[{"n":-1e400}]}')), 400, 'M_BAD_JSON');
  assertError(await alice.get(`${V3}/user/${me}/account_data/org.example.big`), 404, 'M_NOT_FOUND');
  assertError(await bob.request('PUT', `${V3}/sendToDevice/org.example.big/t1`,
    raw(`{"messages":{"@infinite:localhost":{"*":{"n":1e999}}}}`)), 400, 'M_BAD_JSON');
  assertError(await alice.get(`${V3}/sync?timeout=0&filter=${encodeURIComponent('{"room":{"timeline":{"limit":1e999}}}')}`),
    400, 'M_BAD_JSON');
  // Large numbers a double holds are fine, and every sync still answers.
  const ok = await alice.request('PUT', `${V3}/user/${me}/account_data/org.example.big`, raw('{"n":1e300}'));
  assert.equal(ok.status, 200, ok.text);
  const sync = await alice.get(`${V3}/sync?timeout=0&since=${since}`);
  assert.equal(sync.status, 200, sync.text);
  assert.equal(sync.json.account_data.events.find((e) => e.type === 'org.example.big').content.n, 1e300);
  assert.equal(sync.json.to_device?.events?.length ?? 0, 0);
});

test('body over the limit is 413 M_TOO_LARGE', async () => {
  const big = JSON.stringify({ type: 'm.login.password', pad: 'x'.repeat(70000) });
  assertError(await api.request('POST', `${V3}/login`, { raw: big }), 413, 'M_TOO_LARGE');
  // A chunked body that grows past the limit is refused too.
  const sock = await connect(server.port);
  sock.write(`POST ${V3}/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n`);
  for (let i = 0; i < 20; i++) sock.write(`1000\r\n${'y'.repeat(4096)}\r\n`);
  const [r] = await readResponses(sock, 1);
  assert.equal(r.status, 413);
  assert.equal(JSON.parse(r.body).errcode, 'M_TOO_LARGE');
  sock.destroy();
});

test('headers over the limit are refused with 431', async () => {
  const sock = await connect(server.port);
  sock.write(`GET /_matrix/client/versions HTTP/1.1\r\nHost: x\r\nX-Pad: ${'z'.repeat(8000)}\r\n\r\n`);
  const { data } = await readUntilClose(sock);
  assert.match(data, /^HTTP\/1\.1 431/);
  assert.match(data, /M_TOO_LARGE/);
});

test('the header limit counts the request line and the fields together, however they arrive', async () => {
  // 3,000 bytes of target and 3,000 of fields: each under the 4,096 limit, together over it.
  // Beast alone accepted this when it came in one read and refused it in pieces.
  const head = `GET /_matrix/client/versions?pad=${'a'.repeat(3000)} HTTP/1.1\r\nHost: x\r\nX-Pad: ${'z'.repeat(3000)}\r\n\r\n`;
  for (const pieces of [[head], [head.slice(0, 10), head.slice(10)]]) {
    const sock = await connect(server.port);
    for (const p of pieces) { sock.write(p); await sleep(20); }
    const { data } = await readUntilClose(sock);
    assert.match(data, /^HTTP\/1\.1 431/, `${pieces.length} write(s)`);
  }
  // Just under the limit in all is still served.
  const ok = `GET /_matrix/client/versions?pad=${'a'.repeat(1500)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Pad: ${'z'.repeat(2000)}\r\n\r\n`;
  const sock = await connect(server.port);
  sock.write(ok);
  const { data } = await readUntilClose(sock);
  assert.match(data, /^HTTP\/1\.1 200/);
});

test('CORS headers on every response; OPTIONS preflight answers 204', async () => {
  const r = await api.get('/_matrix/client/versions', { headers: { origin: 'https://app.example' } });
  assert.equal(r.headers.get('access-control-allow-origin'), '*');
  const err = await api.get(`${V3}/nowhere`);
  assert.equal(err.headers.get('access-control-allow-origin'), '*');
  const pre = await api.request('OPTIONS', `${V3}/sync`, {
    headers: { origin: 'https://app.example', 'access-control-request-method': 'GET',
      'access-control-request-headers': 'authorization,last-event-id' },
  });
  assert.equal(pre.status, 204);
  assert.match(pre.headers.get('access-control-allow-methods'), /GET/);
  assert.match(pre.headers.get('access-control-allow-methods'), /DELETE/);
  assert.match(pre.headers.get('access-control-allow-headers').toLowerCase(), /authorization/);
  assert.match(pre.headers.get('access-control-allow-headers').toLowerCase(), /last-event-id/);
});

test('keep-alive and pipelining: three requests in one write, three answers in order', async () => {
  const alice = await api.register('pipe_alice');
  const sock = await connect(server.port);
  const req = (path, extra = '') => `GET ${path} HTTP/1.1\r\nHost: x\r\n${extra}\r\n`;
  sock.write(req('/_matrix/client/versions') +
    req(`${V3}/account/whoami`, `Authorization: Bearer ${alice.token}\r\n`) +
    req(`${V3}/nope`));
  const rs = await readResponses(sock, 3);
  assert.deepEqual(rs.map((r) => r.status), [200, 200, 404]);
  assert.ok(JSON.parse(rs[0].body).versions);
  assert.equal(JSON.parse(rs[1].body).user_id, '@pipe_alice:localhost');
  // The connection is still usable afterwards.
  sock.write(req('/_matrix/client/versions'));
  const [again] = await readResponses(sock, 1);
  assert.equal(again.status, 200);
  sock.destroy();
});

test('a client that trickles its request is cut off by the request timeout', async () => {
  const sock = await connect(server.port);
  const started = Date.now();
  const closed = readUntilClose(sock, 8000);
  // A valid request line, then one header byte every 200 ms: never a complete request.
  sock.write('GET /_matrix/client/versions HTTP/1.1\r\nX-Slow: ');
  const timer = setInterval(() => { if (!sock.destroyed) sock.write('a'); }, 200);
  const { data, closed: wasClosed } = await closed;
  clearInterval(timer);
  assert.ok(wasClosed, 'server kept a trickling client');
  const took = Date.now() - started;
  assert.ok(took < 6000, `took ${took} ms`);
  assert.equal(data, '', 'no response is owed to a request that never arrived');
});

test('an idle keep-alive connection is closed after the idle timeout', async () => {
  const sock = await connect(server.port);
  sock.write('GET /_matrix/client/versions HTTP/1.1\r\nHost: x\r\n\r\n');
  await readResponses(sock, 1);
  const started = Date.now();
  const { closed } = await readUntilClose(sock, 8000);
  assert.ok(closed);
  assert.ok(Date.now() - started >= 1500);
});

test('malformed request line gets 400 and the connection closes', async () => {
  const sock = await connect(server.port);
  sock.write('THIS IS NOT HTTP\r\n\r\n');
  const { data, closed } = await readUntilClose(sock);
  assert.ok(closed);
  assert.match(data, /^HTTP\/1\.1 400/);
});
