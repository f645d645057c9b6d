// The media repository, first slice: streamed uploads (v3 and r0), authenticated downloads
// (both paths), the media config, ranges, ETags, the safety headers, identical uploads sharing
// one file, and uploads over the limit or cut short leaving nothing behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, statSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { startServer } from './lib/server.mjs';
import { makeImage as makeImageIn, inspectImage as inspectImageIn } from './lib/images.mjs';
import { Api, assertError } from './lib/client.mjs';
import { connect, readResponses } from './lib/raw.mjs';

const LIMIT = 2 * 1024 * 1024;
let server, api, alice, dataDir;
before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'myelin-media-'));
  server = await startServer({
    dataDir,
    extraConfig: `\n[media]\npath = ${JSON.stringify(join(dataDir, 'media'))}\nmax_upload_bytes = ${LIMIT}\n`,
  });
  api = new Api(server.url);
  alice = await api.register('media_alice');
});
after(async () => { await server.stop(); rmSync(dataDir, { recursive: true, force: true }); });

function mediaFiles(dir) {
  const out = [];
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...mediaFiles(p));
    else out.push(p);
  }
  return out;
}
const mediaDir = () => join(server.dataDir, 'media');
const contentFiles = () => mediaFiles(mediaDir()).filter((p) => !p.startsWith(join(mediaDir(), 'tmp') + '/'));
const tmpFiles = () => mediaFiles(join(mediaDir(), 'tmp'));

async function upload(who, bytes, { type = 'application/octet-stream', name, version = 'v3' } = {}) {
  const q = name === undefined ? '' : `?filename=${encodeURIComponent(name)}`;
  return who.request('POST', `/_matrix/media/${version}/upload${q}`, {
    raw: bytes, headers: { 'content-type': type },
  });
}
const mediaId = (uri) => uri.replace(/^mxc:\/\/[^/]+\//, '');
const dl = (who, uri, extra = '', headers = {}) =>
  fetch(`${server.url}/_matrix/client/v1/media/download/localhost/${mediaId(uri)}${extra}`, {
    headers: { authorization: `Bearer ${who.token}`, ...headers },
  });

test('config reports the upload limit and needs a token', async () => {
  const c = await alice.get('/_matrix/client/v1/media/config');
  assert.equal(c.status, 200);
  assert.equal(c.json['m.upload.size'], LIMIT);
  assertError(await api.get('/_matrix/client/v1/media/config'), 401, 'M_MISSING_TOKEN');
});

test('an upload downloads back byte for byte, with its type, name and safety headers', async () => {
  const bytes = randomBytes(700 * 1024);
  const up = await upload(alice, bytes, { type: 'image/png', name: 'cat picture.png' });
  assert.equal(up.status, 200, up.text);
  assert.match(up.json.content_uri, /^mxc:\/\/localhost\/[A-Za-z]{24}$/);
  const res = await dl(alice, up.json.content_uri);
  assert.equal(res.status, 200);
  const body = Buffer.from(await res.arrayBuffer());
  assert.ok(body.equals(bytes));
  assert.equal(res.headers.get('content-type'), 'image/png');
  assert.equal(res.headers.get('content-length'), String(bytes.length));
  assert.equal(res.headers.get('content-disposition'), 'inline; filename="cat picture.png"');
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.match(res.headers.get('content-security-policy'), /sandbox; default-src 'none'/);
  assert.equal(res.headers.get('cross-origin-resource-policy'), 'cross-origin');
  const sha = createHash('sha256').update(bytes).digest('hex');
  assert.equal(res.headers.get('etag'), `"${sha}"`);
  // The stored file is named by the content's hash.
  assert.ok(contentFiles().some((p) => p.endsWith(sha)));

  // The name in the path overrides the stored one; a type that is not inline-safe is an
  // attachment, and a name outside ASCII is also sent as RFC 5987 filename*.
  const html = await upload(alice, Buffer.from('<script>alert(1)</script>'), { type: 'text/html' });
  const res2 = await dl(alice, html.json.content_uri, `/${encodeURIComponent('résumé.html')}`);
  assert.equal(res2.status, 200);
  assert.equal(res2.headers.get('content-disposition'),
    "attachment; filename=\"r_sum_.html\"; filename*=utf-8''r%C3%A9sum%C3%A9.html");
  // Without a name nothing names it.
  const anon = await dl(alice, html.json.content_uri);
  assert.equal(anon.headers.get('content-disposition'), 'attachment');
  await anon.arrayBuffer();

  // Unchanged: 304 for the ETag.
  const again = await dl(alice, up.json.content_uri, '', { 'if-none-match': `"${sha}"` });
  assert.equal(again.status, 304);
});

test('r0 uploads work too, and identical uploads share one file under two media ids', async () => {
  const bytes = randomBytes(50 * 1024);
  const before = contentFiles().length;
  const a = await upload(alice, bytes, { version: 'r0' });
  const b = await upload(alice, bytes);
  assert.equal(a.status, 200, a.text);
  assert.equal(b.status, 200, b.text);
  assert.notEqual(a.json.content_uri, b.json.content_uri);
  assert.equal(contentFiles().length, before + 1);
  for (const uri of [a.json.content_uri, b.json.content_uri]) {
    const r = await dl(alice, uri);
    assert.ok(Buffer.from(await r.arrayBuffer()).equals(bytes));
  }
});

test('Range requests answer 206 with exactly those bytes; 416 past the end', async () => {
  const bytes = randomBytes(300 * 1024);
  const up = await upload(alice, bytes, { type: 'video/mp4' });
  const mid = await dl(alice, up.json.content_uri, '', { range: 'bytes=1000-1999' });
  assert.equal(mid.status, 206);
  assert.equal(mid.headers.get('content-range'), `bytes 1000-1999/${bytes.length}`);
  assert.ok(Buffer.from(await mid.arrayBuffer()).equals(bytes.subarray(1000, 2000)));
  const tail = await dl(alice, up.json.content_uri, '', { range: 'bytes=-10' });
  assert.equal(tail.status, 206);
  assert.ok(Buffer.from(await tail.arrayBuffer()).equals(bytes.subarray(bytes.length - 10)));
  const open = await dl(alice, up.json.content_uri, '', { range: `bytes=${bytes.length - 5}-` });
  assert.ok(Buffer.from(await open.arrayBuffer()).equals(bytes.subarray(bytes.length - 5)));
  const past = await dl(alice, up.json.content_uri, '', { range: `bytes=${bytes.length}-` });
  assert.equal(past.status, 416);
  assert.equal(past.headers.get('content-range'), `bytes */${bytes.length}`);
  await past.arrayBuffer();
});

test('downloads need a token and a known local media id', async () => {
  const up = await upload(alice, Buffer.from('hello'));
  const id = mediaId(up.json.content_uri);
  const anon = await fetch(`${server.url}/_matrix/client/v1/media/download/localhost/${id}`);
  assert.equal(anon.status, 401);
  assert.equal((await anon.json()).errcode, 'M_MISSING_TOKEN');
  for (const path of [`localhost/${'A'.repeat(24)}`, `localhost/..%2F..%2Fetc%2Fpasswd`,
    `otherserver.example/${id}`, `localhost/${id}x`]) {
    const r = await alice.get(`/_matrix/client/v1/media/download/${path}`);
    assertError(r, 404, 'M_NOT_FOUND');
  }
  const bob = await api.register('media_bob');
  const r = await dl(bob, up.json.content_uri); // any user may download
  assert.equal(await r.text(), 'hello');
  assertError(await api.request('POST', '/_matrix/media/v3/upload', { raw: 'x' }), 401, 'M_MISSING_TOKEN');
});

test('an upload over the limit is refused and leaves nothing behind', async () => {
  const files = contentFiles().length;
  // Declared too large: refused from the Content-Length alone.
  const big = await upload(alice, randomBytes(LIMIT + 1));
  assertError(big, 413, 'M_TOO_LARGE');
  // Chunked, no length: refused once the bytes pass the limit.
  const chunked = await fetch(`${server.url}/_matrix/media/v3/upload`, {
    method: 'POST', duplex: 'half',
    headers: { authorization: `Bearer ${alice.token}` },
    body: new ReadableStream({
      start(c) { for (let i = 0; i < 40; i++) c.enqueue(randomBytes(64 * 1024)); c.close(); },
    }),
  }).catch((e) => e);
  if (!(chunked instanceof Error)) {
    assert.equal(chunked.status, 413);
    assert.equal((await chunked.json()).errcode, 'M_TOO_LARGE');
  }
  assert.equal(contentFiles().length, files);
  assert.deepEqual(tmpFiles(), []);
  // The server still serves.
  assert.equal((await upload(alice, Buffer.from('after'))).status, 200);
});

test('an upload cut short leaves no file and no media id', async () => {
  const files = contentFiles().length;
  const { port } = new URL(server.url);
  await new Promise((resolve, reject) => {
    const s = net.connect(Number(port), '127.0.0.1', () => {
      s.write(`POST /_matrix/media/v3/upload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${alice.token}\r\n` +
        'Content-Type: application/octet-stream\r\nContent-Length: 1000000\r\n\r\n');
      s.write(randomBytes(300000), () => setTimeout(() => { s.destroy(); resolve(); }, 200));
    });
    s.on('error', reject);
  });
  // The server notices the cut, removes the temporary file, and stores nothing.
  for (let i = 0; i < 50 && tmpFiles().length; i++) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(tmpFiles(), []);
  assert.equal(contentFiles().length, files);
  assert.equal((await upload(alice, Buffer.from('still fine'))).status, 200);
});

test('a keep-alive connection carries requests after an upload', async () => {
  // Two uploads and a download over one connection (undici reuses it).
  const a = await upload(alice, randomBytes(10000));
  const b = await upload(alice, randomBytes(10000));
  assert.equal(a.status, 200);
  assert.equal(b.status, 200);
  const r = await alice.get('/_matrix/client/v3/account/whoami');
  assert.equal(r.json.user_id, alice.userId);
  assert.ok(statSync(mediaDir()).isDirectory());
});

test('downloads keep the connection alive: pipelined requests after them are answered', async () => {
  const bytes = Buffer.from('a'.repeat(5000) + 'b'.repeat(5000));
  const id = mediaId((await upload(alice, bytes)).json.content_uri);
  const sock = await connect(server.port);
  const get = (path, extra = '') => `GET ${path} HTTP/1.1\r\nHost: x\r\n` +
    `Authorization: Bearer ${alice.token}\r\n${extra}\r\n`;
  const path = `/_matrix/client/v1/media/download/localhost/${id}`;
  // Sent at once: each answer must end where its Content-Length says for the next to parse.
  sock.write(get(path) + get(path, 'Range: bytes=4990-5009\r\n') +
    get('/_matrix/client/v3/account/whoami'));
  const [whole, part, who] = await readResponses(sock, 3);
  assert.equal(whole.status, 200);
  assert.doesNotMatch(whole.head, /connection: close/i);
  assert.equal(whole.body, bytes.toString());
  assert.equal(part.status, 206);
  assert.equal(part.body, 'aaaaaaaaaabbbbbbbbbb');
  assert.equal(JSON.parse(who.body).user_id, alice.userId);
  sock.destroy();
});

test('avatar_url must be an mxc:// URI; an uploaded one is accepted', async () => {
  const up = await upload(alice, randomBytes(1000), { type: 'image/png' });
  const path = `/_matrix/client/v3/profile/${encodeURIComponent(alice.userId)}/avatar_url`;
  assertError(await alice.put(path, { avatar_url: 'https://evil.example/a.png' }), 400, 'M_INVALID_PARAM');
  assert.equal((await alice.put(path, { avatar_url: up.json.content_uri })).status, 200);
  assert.equal((await alice.get(path)).json.avatar_url, up.json.content_uri);
});

// Thumbnails: real images made with Pillow, the answers decoded with Pillow.
const makeImage = (kind) => makeImageIn(dataDir, kind);
const inspectImage = (bytes) => inspectImageIn(dataDir, bytes);
const thumb = (who, uri, query, headers = {}) =>
  fetch(`${server.url}/_matrix/client/v1/media/thumbnail/localhost/${mediaId(uri)}?${query}`, {
    headers: { authorization: `Bearer ${who.token}`, ...headers },
  });

test('thumbnails: scale fits inside, crop fills exactly, EXIF orientation is applied', async () => {
  // Stored 1200x800 with orientation 6: shown 800 wide and 1200 high.
  const up = await upload(alice, makeImage('jpeg-rotated'), { type: 'image/jpeg' });
  const scaled = await thumb(alice, up.json.content_uri, 'width=320&height=240&method=scale');
  assert.equal(scaled.status, 200);
  assert.equal(scaled.headers.get('content-type'), 'image/jpeg');
  assert.equal(scaled.headers.get('content-disposition'), 'inline; filename="thumbnail.jpeg"');
  assert.equal(scaled.headers.get('x-content-type-options'), 'nosniff');
  const s = inspectImage(Buffer.from(await scaled.arrayBuffer()));
  assert.deepEqual([s.format, s.width, s.height], ['JPEG', 160, 240]);
  const cropped = await thumb(alice, up.json.content_uri, 'width=96&height=96&method=crop');
  const c = inspectImage(Buffer.from(await cropped.arrayBuffer()));
  assert.deepEqual([c.width, c.height], [96, 96]);
  // A size between the generated ones snaps up; method defaults to scale.
  const snapped = await thumb(alice, up.json.content_uri, 'width=500&height=400');
  const n = inspectImage(Buffer.from(await snapped.arrayBuffer()));
  assert.deepEqual([n.width, n.height], [320, 480]);
  // Made once: the same request is served from the stored file, with its ETag.
  const etag = scaled.headers.get('etag');
  const again = await thumb(alice, up.json.content_uri, 'width=300&height=200&method=scale');
  assert.equal(again.headers.get('etag'), etag);
  await again.arrayBuffer();
  const notModified = await thumb(alice, up.json.content_uri, 'width=320&height=240', { 'if-none-match': etag });
  assert.equal(notModified.status, 304);
});

test('thumbnails: PNG keeps its alpha, animated GIF keeps its frames only when asked', async () => {
  const png = await upload(alice, makeImage('png-alpha'), { type: 'image/png' });
  const p = await thumb(alice, png.json.content_uri, 'width=96&height=96&method=crop');
  assert.equal(p.headers.get('content-type'), 'image/png');
  const pi = inspectImage(Buffer.from(await p.arrayBuffer()));
  assert.deepEqual([pi.format, pi.mode, pi.width], ['PNG', 'RGBA', 96]);

  const gif = await upload(alice, makeImage('gif-animated'), { type: 'image/gif' });
  const still = await thumb(alice, gif.json.content_uri, 'width=96&height=96&method=crop');
  const si = inspectImage(Buffer.from(await still.arrayBuffer()));
  assert.deepEqual([si.format, si.frames], ['PNG', 1]);
  const moving = await thumb(alice, gif.json.content_uri, 'width=96&height=96&method=crop&animated=true');
  assert.equal(moving.headers.get('content-type'), 'image/webp');
  const mi = inspectImage(Buffer.from(await moving.arrayBuffer()));
  assert.deepEqual([mi.format, mi.frames, mi.width, mi.height], ['WEBP', 3, 96, 96]);
  // A WebP in, a still out.
  const webp = await upload(alice, makeImage('webp'), { type: 'image/webp' });
  const w = await thumb(alice, webp.json.content_uri, 'width=320&height=240&animated=true');
  const wi = inspectImage(Buffer.from(await w.arrayBuffer()));
  assert.deepEqual([wi.width, wi.height], [320, 192]);
});

test('thumbnails: bad parameters, non-images, lying types, truncated files and pixel bombs', async () => {
  const png = await upload(alice, makeImage('png-alpha'), { type: 'image/png' });
  const uri = png.json.content_uri;
  assertError(await alice.get(`/_matrix/client/v1/media/thumbnail/localhost/${mediaId(uri)}?width=32`), 400, 'M_MISSING_PARAM');
  for (const q of ['width=-1&height=32', 'width=abc&height=32', 'width=32&height=0',
    'width=32&height=32&method=stretch', 'width=32&height=32&animated=yes', 'width=99999999999&height=32']) {
    const r = await alice.get(`/_matrix/client/v1/media/thumbnail/localhost/${mediaId(uri)}?${q}`);
    assertError(r, 400, 'M_INVALID_PARAM');
  }
  assertError(await api.get(`/_matrix/client/v1/media/thumbnail/localhost/${mediaId(uri)}?width=32&height=32`), 401, 'M_MISSING_TOKEN');
  assertError(await alice.get(`/_matrix/client/v1/media/thumbnail/localhost/${'Q'.repeat(24)}?width=32&height=32`), 404, 'M_NOT_FOUND');

  // Text that claims to be a JPEG, an SVG (not decoded here), a JPEG cut in half.
  for (const [bytes, type] of [[Buffer.from('not an image at all'), 'image/jpeg'],
    [Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>'), 'image/svg+xml'],
    [makeImage('jpeg-truncated'), 'image/jpeg']]) {
    const up = await upload(alice, bytes, { type });
    const r = await alice.get(`/_matrix/client/v1/media/thumbnail/localhost/${mediaId(up.json.content_uri)}?width=32&height=32`);
    assertError(r, 400, 'M_UNKNOWN');
  }
  // A PNG header claiming 50000x50000: refused from the header, nothing decoded.
  const bomb = await upload(alice, makeImage('png-bomb'), { type: 'image/png' });
  const r = await alice.get(`/_matrix/client/v1/media/thumbnail/localhost/${mediaId(bomb.json.content_uri)}?width=32&height=32`);
  assertError(r, 413, 'M_TOO_LARGE');
  // A PNG mislabelled as text still thumbnails: the bytes decide.
  const liar = await upload(alice, makeImage('png-alpha'), { type: 'text/plain' });
  const ok = await thumb(alice, liar.json.content_uri, 'width=32&height=32&method=crop');
  assert.equal(ok.status, 200);
  assert.equal(inspectImage(Buffer.from(await ok.arrayBuffer())).width, 32);
  // The server answers others throughout.
  assert.equal((await alice.get('/_matrix/client/v3/account/whoami')).status, 200);
});

test('asynchronous uploads: create, a download that waits, then the PUT; and their errors', async () => {
  const created = await alice.request('POST', '/_matrix/media/v1/create', { raw: '' });
  assert.equal(created.status, 200, created.text);
  assert.match(created.json.content_uri, /^mxc:\/\/localhost\/[A-Za-z]{24}$/);
  assert.ok(created.json.unused_expires_at > Date.now());
  const uri = created.json.content_uri;
  const id = mediaId(uri);
  // Not uploaded yet: a download with no wait is 504 M_NOT_YET_UPLOADED.
  const early = await alice.get(`/_matrix/client/v1/media/download/localhost/${id}?timeout_ms=0`);
  assertError(early, 504, 'M_NOT_YET_UPLOADED');
  // A download that waits is answered by the upload.
  const bytes = randomBytes(40000);
  const waiting = dl(alice, uri, '?timeout_ms=10000');
  await new Promise((r) => setTimeout(r, 200));
  const bob = await api.register('media_async_bob');
  const put = (who, body, mid = id) => who.request('PUT', `/_matrix/media/v3/upload/localhost/${mid}?filename=late.bin`, {
    raw: body, headers: { 'content-type': 'application/octet-stream' },
  });
  assertError(await put(bob, bytes), 403, 'M_FORBIDDEN'); // reserved by alice
  const done = await put(alice, bytes);
  assert.equal(done.status, 200, done.text);
  assert.deepEqual(done.json, {});
  const got = await waiting;
  assert.equal(got.status, 200);
  assert.ok(Buffer.from(await got.arrayBuffer()).equals(bytes));
  assert.equal(got.headers.get('content-disposition'), 'attachment; filename="late.bin"');
  // Once uploaded it cannot be overwritten; an id nobody reserved is unknown.
  assertError(await put(alice, randomBytes(10)), 409, 'M_CANNOT_OVERWRITE_MEDIA');
  assertError(await put(alice, randomBytes(10), 'Z'.repeat(24)), 404, 'M_NOT_FOUND');
  const reserved = (await alice.request('POST', '/_matrix/media/v1/create', { raw: '' })).json.content_uri;
  assertError(await alice.get(`/_matrix/client/v1/media/download/localhost/${mediaId(reserved)}?timeout_ms=-1`), 400, 'M_INVALID_PARAM');
  assertError(await api.request('POST', '/_matrix/media/v1/create', { raw: '' }), 401, 'M_MISSING_TOKEN');
});

test('asynchronous uploads: two PUTs racing for one id, the loser leaves no file', async () => {
  const id = mediaId((await alice.request('POST', '/_matrix/media/v1/create', { raw: '' })).json.content_uri);
  const files = contentFiles().length;
  const bodies = [randomBytes(30000), randomBytes(30000)];
  const socks = await Promise.all(bodies.map(() => connect(server.port)));
  // Both headers first, so both pass the check made before a body is read; then the bodies.
  socks.forEach((sock, i) => sock.write(`PUT /_matrix/media/v3/upload/localhost/${id} HTTP/1.1\r\n` +
    `Host: x\r\nAuthorization: Bearer ${alice.token}\r\nContent-Type: application/octet-stream\r\n` +
    `Content-Length: ${bodies[i].length}\r\n\r\n`));
  await new Promise((r) => setTimeout(r, 200));
  const answers = socks.map((sock) => readResponses(sock, 1));
  socks.forEach((sock, i) => sock.write(bodies[i]));
  const statuses = (await Promise.all(answers)).map(([r]) => r.status);
  socks.forEach((sock) => sock.destroy());
  assert.deepEqual([...statuses].sort(), [200, 409]);
  assert.equal(contentFiles().length, files + 1);
  const winner = bodies[statuses.indexOf(200)];
  const got = await dl(alice, `mxc://localhost/${id}`);
  assert.ok(Buffer.from(await got.arrayBuffer()).equals(winner));
});

test('asynchronous uploads: one user may hold only so many reserved ids', async () => {
  const carol = await api.register('media_async_carol');
  let limited;
  for (let i = 0; i < 60 && !limited; i++) {
    const r = await carol.request('POST', '/_matrix/media/v1/create', { raw: '' });
    if (r.status === 429) limited = r;
    else assert.equal(r.status, 200);
  }
  assert.ok(limited, 'no limit after 60 reservations');
  assertError(limited, 429, 'M_LIMIT_EXCEEDED');
  // Others are not affected.
  assert.equal((await alice.request('POST', '/_matrix/media/v1/create', { raw: '' })).status, 200);
});
