// URL previews (GET /_matrix/client/v1/media/preview_url): pages served by a real HTTP (and
// HTTPS) server on this machine, fetched by the server through a config that explicitly allows
// 127.0.0.1, and refused by the default config, which keeps loopback, private and the other
// special ranges out of reach, after every redirect too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './lib/server.mjs';
import { Api, assertError } from './lib/client.mjs';
import { makeImage, inspectImage } from './lib/images.mjs';

const dir = mkdtempSync(join(tmpdir(), 'myelin-preview-'));
const png = makeImage(dir, 'png-alpha'); // 600x400
const jpeg = makeImage(dir, 'jpeg-rotated'); // 1200x800 stored, shown 800x1200
const hits = new Map(); // path -> requests the site saw
const localAddresses = new Set(); // the addresses the site was reached on

function page(res, html, type = 'text/html; charset=utf-8') {
  res.writeHead(200, { 'content-type': type });
  res.end(html);
}

function site(req, res) {
  const path = req.url.split('?')[0];
  hits.set(path, (hits.get(path) ?? 0) + 1);
  localAddresses.add(req.socket.localAddress.replace(/^::ffff:/, ''));
  const port = req.socket.localPort;
  switch (path) {
    case '/page':
    case '/default-probe':
    case '/cached':
    case '/pooled':
    case '/pooled-again':
    case '/pooled-third':
      return page(res, `<!doctype html><html><head><title>Not this</title>
        <meta property="og:title" content="A  page &amp; its title">
        <meta property="og:description" content="What the page is about">
        <meta property="og:site_name" content="Test site">
        <meta property="og:image" content="img/pic.png">
        </head><body><h1>Hello</h1></body></html>`);
    case '/plain':
      return page(res, `<html><head><title>Plain title</title>
        <meta name="description" content="From the description tag"></head>
        <body><img src="/img/pic.png"></body></html>`);
    case '/latin1':
      res.writeHead(200, { 'content-type': 'text/html; charset=ISO-8859-1' });
      return res.end(Buffer.from('<title>Caf\xe9 cr\xe8me</title>', 'latin1'));
    case '/img/pic.png': res.writeHead(200, { 'content-type': 'image/png' }); return res.end(png);
    case '/photo.jpg': res.writeHead(200, { 'content-type': 'image/jpeg' }); return res.end(jpeg);
    case '/not-an-image':
      return page(res, `<meta property="og:title" content="Liar">
        <meta property="og:image" content="/fake.png">`);
    case '/fake.png':
      res.writeHead(200, { 'content-type': 'image/png' }); return res.end('<svg>not a png</svg>');
    case '/doc.pdf':
      res.writeHead(200, { 'content-type': 'application/pdf' }); return res.end('%PDF-1.4 ...');
    case '/redirect': res.writeHead(302, { location: '/page' }); return res.end();
    case '/loop': res.writeHead(302, { location: '/loop' }); return res.end();
    case '/to-other-loopback':
      res.writeHead(301, { location: `http://127.0.0.2:${port}/page` }); return res.end();
    case '/to-mapped':
      res.writeHead(307, { location: `http://[::ffff:127.0.0.2]:${port}/page` }); return res.end();
    case '/to-file': res.writeHead(302, { location: 'file:///etc/passwd' }); return res.end();
    case '/big':
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end('<title>big</title>' + 'x'.repeat(300_000));
    case '/slow': return; // never answers
    case '/missing': res.writeHead(404, { 'content-type': 'text/html' }); return res.end('no');
    default: res.writeHead(404); return res.end();
  }
}

// Self-signed certificates made now: one the server is told to trust (for "localhost"), one
// it is not.
function cert(name, cn) {
  const key = join(dir, `${name}.key`), crt = join(dir, `${name}.crt`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
    '-subj', `/CN=${cn}`, '-addext', `subjectAltName=DNS:${cn}`, '-keyout', key, '-out', crt],
  { stdio: 'ignore' });
  return { key: readFileSync(key), cert: readFileSync(crt), path: crt };
}

let webConnections = 0;
let web, tlsWeb, untrustedWeb, webPort, tlsPort, untrustedPort;
let server, defaults, alice, bob;
const listen = (s, host) => new Promise((res) => s.listen(0, host, () => res(s.address().port)));

before(async () => {
  web = http.createServer(site);
  web.on('connection', () => { webConnections += 1; });
  webPort = await listen(web, '0.0.0.0'); // reachable on 127.0.0.2 too: only the policy stops it
  const trusted = cert('trusted', 'localhost');
  tlsWeb = https.createServer({ key: trusted.key, cert: trusted.cert }, site);
  tlsPort = await listen(tlsWeb, '127.0.0.1');
  const other = cert('untrusted', 'localhost');
  untrustedWeb = https.createServer({ key: other.key, cert: other.cert }, site);
  untrustedPort = await listen(untrustedWeb, '127.0.0.1');

  server = await startServer({
    extraConfig: `
[url_preview]
ip_range_allowlist = ["127.0.0.1/32"]
max_page_bytes = 100000
timeout_ms = 1500
ca_file = ${JSON.stringify(trusted.path)}
[rate_limit.url_preview]
enabled = false
`,
  });
  defaults = await startServer({
    extraConfig: '\n[rate_limit.url_preview]\nper_second = 0.001\nburst = 3\n',
  });
  alice = await new Api(server.url).register('preview_alice');
  bob = await new Api(defaults.url).register('preview_bob');
});

after(async () => {
  await server?.stop();
  await defaults?.stop();
  web?.close(); tlsWeb?.close(); untrustedWeb?.close();
  rmSync(dir, { recursive: true, force: true });
});

const preview = (who, url, extra = '') =>
  who.get(`/_matrix/client/v1/media/preview_url?url=${encodeURIComponent(url)}${extra}`);
const local = (path) => `http://127.0.0.1:${webPort}${path}`;
const mediaPath = (mxc) => mxc.replace('mxc://', '');

test('a page previews as its OpenGraph properties, its image stored as media', async () => {
  const r = await preview(alice, local('/page'), `&ts=${Date.now()}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json['og:title'], 'A page & its title');
  assert.equal(r.json['og:description'], 'What the page is about');
  assert.equal(r.json['og:site_name'], 'Test site');
  assert.match(r.json['og:image'], /^mxc:\/\/localhost\/[A-Za-z]{24}$/);
  assert.equal(r.json['og:image:type'], 'image/png');
  assert.equal(r.json['og:image:width'], 600);
  assert.equal(r.json['og:image:height'], 400);
  assert.equal(r.json['matrix:image:size'], png.length);
  // The image is served like any upload, and thumbnails.
  const d = await fetch(`${server.url}/_matrix/client/v1/media/download/${mediaPath(r.json['og:image'])}`,
    { headers: { authorization: `Bearer ${alice.token}` } });
  assert.equal(d.status, 200);
  assert.deepEqual(Buffer.from(await d.arrayBuffer()), png);
  const t = await fetch(`${server.url}/_matrix/client/v1/media/thumbnail/${mediaPath(r.json['og:image'])}` +
    '?width=100&height=100&method=scale', { headers: { authorization: `Bearer ${alice.token}` } });
  assert.equal(t.status, 200);
  const info = inspectImage(dir, Buffer.from(await t.arrayBuffer()));
  assert.ok(info.width <= 320 && info.height <= 240, JSON.stringify(info));
  assert.ok(Math.abs(info.width / info.height - 1.5) < 0.02, JSON.stringify(info)); // kept its shape
});

test('without OpenGraph: <title>, the description <meta>, the first image', async () => {
  const r = await preview(alice, local('/plain'));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json['og:title'], 'Plain title');
  assert.equal(r.json['og:description'], 'From the description tag');
  assert.match(r.json['og:image'], /^mxc:\/\//);
  const latin = await preview(alice, local('/latin1'));
  assert.equal(latin.json['og:title'], 'Café crème');
});

test('an image URL previews as the image; other content as nothing', async () => {
  const r = await preview(alice, local('/photo.jpg'));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json['og:image:type'], 'image/jpeg');
  assert.equal(r.json['og:image:width'], 800); // its EXIF orientation applied
  assert.equal(r.json['og:image:height'], 1200);
  assert.equal(r.json['matrix:image:size'], jpeg.length);
  const pdf = await preview(alice, local('/doc.pdf'));
  assert.equal(pdf.status, 200);
  assert.deepEqual(pdf.json, {});
  // An "image" that is not one is left out; the rest of the preview stays.
  const liar = await preview(alice, local('/not-an-image'));
  assert.equal(liar.json['og:title'], 'Liar');
  assert.equal(liar.json['og:image'], undefined);
  assert.equal(liar.json['matrix:image:size'], undefined);
});

test('redirects are followed, each destination checked again', async () => {
  const r = await preview(alice, local('/redirect'));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json['og:title'], 'A page & its title');
  const before = hits.get('/page');
  for (const path of ['/to-other-loopback', '/to-mapped']) {
    const refused = await preview(alice, local(path));
    assertError(refused, 403, 'M_FORBIDDEN');
  }
  assert.equal(hits.get('/page'), before, 'the refused destinations were never asked');
  assert.ok(!localAddresses.has('127.0.0.2'));
  assertError(await preview(alice, local('/to-file')), 400, 'M_INVALID_PARAM');
  assertError(await preview(alice, local('/loop')), 502, 'M_UNKNOWN');
});

test('answers are kept: the page is fetched once', async () => {
  const first = await preview(alice, local('/cached'));
  const second = await preview(alice, local('/cached'), '&ts=1');
  assert.equal(first.status, 200);
  assert.deepEqual(second.json, first.json);
  assert.equal(hits.get('/cached'), 1);
});

test('connections are kept alive, and one the site closed meanwhile is replaced', async () => {
  // A site of its own that closes idle connections after 300 ms.
  let connections = 0;
  const quick = http.createServer({ keepAliveTimeout: 300 }, site);
  quick.keepAliveTimeout = 300;
  quick.on('connection', () => { connections += 1; });
  const port = await listen(quick, '127.0.0.1');
  const at = (path) => `http://127.0.0.1:${port}${path}`;
  try {
    const first = await preview(alice, at('/pooled'));
    assert.equal(first.status, 200, first.text);
    assert.match(first.json['og:image'], /^mxc:\/\//);
    // The page and its image, then the next page and its image: one connection.
    const second = await preview(alice, at('/pooled-again'));
    assert.equal(second.status, 200);
    assert.equal(connections, 1, 'four requests over one kept connection');
    // The site has closed it meanwhile (Node closes an idle connection about a second after its
    // keepAliveTimeout): the request goes out again on a new one.
    await new Promise((r) => setTimeout(r, 1800));
    const third = await preview(alice, at('/pooled-third'));
    assert.equal(third.status, 200, third.text);
    assert.equal(third.json['og:title'], 'A page & its title');
    assert.equal(connections, 2);
  } finally {
    quick.close();
  }
});

test('limits: size, time, status', async () => {
  const big = await preview(alice, local('/big'));
  assertError(big, 502, 'M_TOO_LARGE');
  const started = Date.now();
  const slow = await preview(alice, local('/slow'));
  assertError(slow, 504, 'M_UNKNOWN');
  assert.ok(Date.now() - started < 5000);
  assertError(await preview(alice, local('/missing')), 502, 'M_UNKNOWN');
  // The server went on serving others while it waited.
  assert.equal((await alice.get('/_matrix/client/v3/account/whoami')).status, 200);
});

test('HTTPS: a trusted certificate for the name is accepted; others are not', async () => {
  const ok = await preview(alice, `https://localhost:${tlsPort}/page`);
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json['og:title'], 'A page & its title');
  // The certificate names "localhost", not 127.0.0.1.
  assertError(await preview(alice, `https://127.0.0.1:${tlsPort}/page`), 502, 'M_UNKNOWN');
  // Signed by nobody the server trusts.
  assertError(await preview(alice, `https://localhost:${untrustedPort}/page`), 502, 'M_UNKNOWN');
});

test('bad requests: no token, no url, not http(s)', async () => {
  const anon = await fetch(`${server.url}/_matrix/client/v1/media/preview_url?url=${encodeURIComponent(local('/page'))}`);
  assert.equal(anon.status, 401);
  assert.equal((await anon.json()).errcode, 'M_MISSING_TOKEN');
  assertError(await alice.get('/_matrix/client/v1/media/preview_url'), 400, 'M_MISSING_PARAM');
  for (const url of ['file:///etc/passwd', 'ftp://example.org/', 'not a url', 'http://', `${local('/page')}#x`.replace('http', 'gopher')])
    assertError(await preview(alice, url), 400, 'M_INVALID_PARAM');
  assertError(await preview(alice, local('/page'), '&ts=soon'), 400, 'M_INVALID_PARAM');
  assertError(await preview(alice, 'http://example.org/' + 'a'.repeat(3000)), 400, 'M_INVALID_PARAM');
});

test('the default config refuses loopback, by address and by name, and rate-limits fetches', async () => {
  for (const url of [local('/default-probe'), `http://localhost:${webPort}/default-probe`,
    `http://[::1]:${webPort}/default-probe`])
    assertError(await preview(bob, url), 403, 'M_FORBIDDEN');
  assert.equal(hits.get('/default-probe'), undefined, 'the site was never asked');
  assertError(await preview(bob, local('/default-probe')), 429, 'M_LIMIT_EXCEEDED');
  // The legacy path asks for a token too and answers the same.
  const legacy = await bob.get(`/_matrix/media/v3/preview_url?url=${encodeURIComponent(local('/page'))}`);
  assertError(legacy, 429, 'M_LIMIT_EXCEEDED');
});
