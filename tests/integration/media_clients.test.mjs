// The media repository through real clients: matrix-js-sdk (uploadContent, the authenticated
// media URLs it builds, an avatar), matrix-nio (upload, download) and headless Chromium
// drawing a thumbnail it fetched with the access token.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './lib/server.mjs';
import { makeImage as makeImageIn, inspectImage as inspectImageIn } from './lib/images.mjs';
import { Api } from './lib/client.mjs';
import { startSdkClient } from './lib/sdk.mjs';
import { chromium } from 'playwright-core';
import http from 'node:http';

const run = promisify(execFile);
let server, api, work;
const clients = [];
before(async () => {
  work = mkdtempSync(join(tmpdir(), 'myelin-media-clients-'));
  server = await startServer();
  api = new Api(server.url);
});
after(async () => {
  for (const c of clients) c.stopClient();
  await server.stop();
  rmSync(work, { recursive: true, force: true });
});

const makeImage = (kind) => makeImageIn(work, kind);
const inspectImage = (bytes) => inspectImageIn(work, bytes);

test('matrix-js-sdk: uploadContent, then download and thumbnail through the URLs it builds', async () => {
  const acct = await api.register('media_js');
  const client = await startSdkClient(server.url, acct, { ms: 15000 });
  clients.push(client);
  const png = makeImage('png-alpha');
  const { content_uri: uri } = await client.uploadContent(png, { name: 'pic.png', type: 'image/png' });
  assert.match(uri, /^mxc:\/\/localhost\//);
  const headers = { authorization: `Bearer ${acct.token}` };
  // useAuthentication = true: the /_matrix/client/v1/media URLs current clients use.
  const dlUrl = client.mxcUrlToHttp(uri, undefined, undefined, undefined, false, true, true);
  assert.match(dlUrl, /\/_matrix\/client\/v1\/media\/download\//);
  const dl = await fetch(dlUrl, { headers });
  assert.equal(dl.status, 200);
  assert.ok(Buffer.from(await dl.arrayBuffer()).equals(png));
  const thUrl = client.mxcUrlToHttp(uri, 96, 96, 'crop', false, true, true);
  assert.match(thUrl, /\/_matrix\/client\/v1\/media\/thumbnail\/.*width=96/);
  const th = await fetch(thUrl, { headers });
  assert.equal(th.status, 200);
  const info = inspectImage(Buffer.from(await th.arrayBuffer()));
  assert.deepEqual([info.format, info.width, info.height], ['PNG', 96, 96]);
  // The SDK's avatar call: the URI is accepted and read back.
  await client.setAvatarUrl(uri);
  const profile = await client.getProfileInfo(acct.userId);
  assert.equal(profile.avatar_url, uri);
  await assert.rejects(client.setAvatarUrl('https://example.org/a.png'), (e) => e.errcode === 'M_INVALID_PARAM');
});

test('headless Chromium fetches a thumbnail with the access token (another origin) and draws it', async () => {
  const acct = await api.register('media_browser');
  const up = await acct.request('POST', '/_matrix/media/v3/upload', {
    raw: makeImage('jpeg-rotated'), headers: { 'content-type': 'image/jpeg' },
  });
  assert.equal(up.status, 200, up.text);
  const id = up.json.content_uri.split('/').pop();
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  // The page comes from its own origin: the request is cross-origin, with an Authorization
  // header (a CORS preflight), as a web client's is.
  const pageServer = http.createServer((_req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end('<!doctype html><canvas id="c"></canvas>');
  });
  await new Promise((r) => pageServer.listen(0, '127.0.0.1', r));
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${pageServer.address().port}/`);
    const drawn = await page.evaluate(async ({ url, token }) => {
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      const blob = await res.blob();
      const bitmap = await createImageBitmap(blob);
      const canvas = document.getElementById('c');
      canvas.width = bitmap.width;
      canvas.height = bitmap.height;
      const ctx = canvas.getContext('2d');
      ctx.drawImage(bitmap, 0, 0);
      const px = ctx.getImageData(bitmap.width - 1, bitmap.height - 1, 1, 1).data;
      return { status: res.status, type: blob.type, width: bitmap.width, height: bitmap.height, alpha: px[3] };
    }, { url: `${server.url}/_matrix/client/v1/media/thumbnail/localhost/${id}?width=320&height=240&method=scale`, token: acct.token });
    assert.equal(drawn.status, 200);
    assert.equal(drawn.type, 'image/jpeg');
    // Stored 1200x800 with EXIF orientation 6: upright it is 800x1200, so 160x240 here.
    assert.deepEqual([drawn.width, drawn.height], [160, 240]);
    assert.equal(drawn.alpha, 255);
  } finally {
    await browser.close();
    pageServer.close();
  }
});

const NIO = fileURLToPath(new URL('./nio_media.py', import.meta.url));
async function nio(url, user) {
  const { stdout } = await run('/usr/bin/python3', [NIO, url, user, 'correct horse battery'], { timeout: 60000 });
  return JSON.parse(stdout.trim().split('\n').at(-1));
}

test('matrix-nio uploads; its unauthenticated downloads follow the freeze by default', async () => {
  const acct = await api.register('media_nio');
  const r = await nio(server.url, acct.userId);
  assert.equal(r.login, 'LoginResponse');
  assert.equal(r.upload, 'UploadResponse');
  assert.match(r.content_uri, /^mxc:\/\/localhost\//);
  // Uploaded after the freeze (a new server's first start): not served without a token.
  assert.equal(r.download, 'DownloadError');
  assert.equal(r.thumbnail, 'ThumbnailError');
  // The same media through the authenticated path.
  const id = r.content_uri.split('/').pop();
  const ok = await acct.get(`/_matrix/client/v1/media/download/localhost/${id}`);
  assert.equal(ok.status, 200);
});

test('unauthenticated = "on": nio downloads; switched to "frozen", only earlier media stays served', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'myelin-media-freeze-'));
  try {
    let hs = await startServer({ dataDir: dir, extraConfig: `\n[media]\npath = ${JSON.stringify(join(dir, 'media'))}\nunauthenticated = "on"\n` });
    const hsApi = new Api(hs.url);
    const acct = await hsApi.register('media_nio_on');
    const before = await nio(hs.url, acct.userId);
    assert.equal(before.download, 'DownloadResponse');
    assert.equal(before.download_same, true);
    assert.equal(before.download_filename, 'red.png');
    assert.equal(before.thumbnail, 'ThumbnailResponse');
    assert.deepEqual(before.thumbnail_size, [96, 96]);
    await hs.stop();

    hs = await startServer({ dataDir: dir, extraConfig: `\n[media]\npath = ${JSON.stringify(join(dir, 'media'))}\nunauthenticated = "frozen"\n` });
    try {
      const after = await nio(hs.url, acct.userId);
      assert.equal(after.upload, 'UploadResponse');
      assert.equal(after.download, 'DownloadError'); // uploaded after the switch-over
      const oldId = before.content_uri.split('/').pop();
      const old = await fetch(`${hs.url}/_matrix/media/v3/download/localhost/${oldId}`);
      assert.equal(old.status, 200); // uploaded before it: still served to old clients
      await old.arrayBuffer();
      const newId = after.content_uri.split('/').pop();
      const fresh = await fetch(`${hs.url}/_matrix/media/r0/download/localhost/${newId}`);
      assert.equal(fresh.status, 404);
      assert.equal((await fresh.json()).errcode, 'M_NOT_FOUND');
    } finally {
      await hs.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
