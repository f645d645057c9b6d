// The media repository's limits and the operator's commands: the per-user quota and upload
// rate limit, quarantine, delete, and the cleanup of unused media (`myelin media`, run beside
// the running server against the same database and directory).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, BIN } from './lib/server.mjs';
import { Api, assertError } from './lib/client.mjs';

const run = promisify(execFile);
let server, api;
before(async () => {
  server = await startServer({
    extraConfig: '\n[rate_limit.media_upload]\nper_second = 0.01\nburst = 6\n',
  });
  api = new Api(server.url);
});
after(async () => { await server.stop(); });

const upload = (who, bytes, type = 'application/octet-stream') =>
  who.request('POST', '/_matrix/media/v3/upload', { raw: bytes, headers: { 'content-type': type } });
const idOf = (uri) => uri.split('/').pop();
const download = (who, id) => who.get(`/_matrix/client/v1/media/download/localhost/${id}`);
const media = (...args) => run(BIN, ['media', '--config', join(server.dataDir, 'test.toml'),
  '--database', server.dbUrl, ...args]);
function contentFiles(dir = join(server.dataDir, 'media')) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'tmp') continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...contentFiles(p)); else out.push(p);
  }
  return out;
}

test('a user uploading too fast gets 429 M_LIMIT_EXCEEDED; others do not', async () => {
  const fast = await api.register('media_fast');
  const statuses = [];
  for (let i = 0; i < 8; i++) statuses.push((await upload(fast, randomBytes(100))).status);
  assert.deepEqual(statuses.slice(0, 6), [200, 200, 200, 200, 200, 200]);
  const refused = await upload(fast, randomBytes(100));
  assertError(refused, 429, 'M_LIMIT_EXCEEDED');
  assert.ok(refused.json.retry_after_ms > 0);
  const other = await api.register('media_calm');
  assert.equal((await upload(other, randomBytes(100))).status, 200);
});

test('operator commands: quarantine, unquarantine, delete, and the cleanup of unused media', async () => {
  const op = await api.register('media_ops');
  const pngPath = join(server.dataDir, 'op.png');
  await run('/usr/bin/python3', [new URL('./lib/images.py', import.meta.url).pathname, 'make', 'png-alpha', pngPath]);
  const png = readFileSync(pngPath);
  const a = idOf((await upload(op, png, 'image/png')).json.content_uri);
  const shared = randomBytes(5000);
  const b = idOf((await upload(op, shared)).json.content_uri);
  const c = idOf((await upload(op, shared)).json.content_uri); // the same file as b
  const thumb = await op.get(`/_matrix/client/v1/media/thumbnail/localhost/${a}?width=32&height=32`);
  assert.equal(thumb.status, 200);
  const filesBefore = contentFiles().length;

  const q = await media('--quarantine', a);
  assert.match(q.stdout, new RegExp(`quarantined ${a}`));
  assertError(await download(op, a), 404, 'M_NOT_FOUND');
  assertError(await op.get(`/_matrix/client/v1/media/thumbnail/localhost/${a}?width=32&height=32`), 404, 'M_NOT_FOUND');
  await media('--unquarantine', a);
  assert.equal((await download(op, a)).status, 200);
  await assert.rejects(media('--quarantine', 'Q'.repeat(24)), /no media id/);

  // Deleting b keeps the file c still names.
  const d = await media('--delete', b);
  assert.match(d.stdout, /deleted: 1 media ids, 0 files/);
  assertError(await download(op, b), 404, 'M_NOT_FOUND');
  const cGot = await download(op, c);
  assert.equal(cGot.status, 200);
  assert.equal(contentFiles().length, filesBefore);

  // Unused for 0 days: everything so far goes, with the files only it named (a, its
  // thumbnail, c's shared file, and the limit test's uploads).
  const cleaned = await media('--delete-unused-days', '0');
  const m = /deleted unused: (\d+) media ids, (\d+) files/.exec(cleaned.stdout);
  assert.ok(m, cleaned.stdout);
  assert.ok(Number(m[1]) >= 2);
  assert.deepEqual(contentFiles(), []);
  for (const id of [a, c]) assertError(await download(op, id), 404, 'M_NOT_FOUND');
  assert.ok(existsSync(join(server.dataDir, 'media', 'tmp')));
  // The server goes on: a new upload works.
  const fresh = await api.register('media_ops_after');
  assert.equal((await upload(fresh, randomBytes(10))).status, 200);
});

test('a quota per user: uploads that would pass it are refused with 413 M_TOO_LARGE', async () => {
  const hs = await startServer({ extraConfig: '\n[media]\nmax_bytes_per_user = 100000\n' });
  try {
    const hsApi = new Api(hs.url);
    const u = await hsApi.register('media_quota');
    assert.equal((await upload(u, randomBytes(60000))).status, 200);
    assertError(await upload(u, randomBytes(50000)), 413, 'M_TOO_LARGE');
    assert.equal((await upload(u, randomBytes(40000))).status, 200);
    assertError(await upload(u, randomBytes(1)), 413, 'M_TOO_LARGE');
    const other = await hsApi.register('media_quota_other');
    assert.equal((await upload(other, randomBytes(90000))).status, 200);
  } finally {
    await hs.stop();
  }
});
