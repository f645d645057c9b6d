// Headless Chromium's native EventSource against /sync/sse: messages arrive, the browser's own
// reconnect (with Last-Event-ID) survives a server restart, and every message arrives once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { chromium } from 'playwright-core';
import { Server } from './lib/server.mjs';
import { Api } from './lib/client.mjs';
import { V3, createRoom, send } from './lib/rooms.mjs';

const freePort = () => new Promise((res) => {
  const srv = net.createServer().listen(0, '127.0.0.1', () => { const p = srv.address().port; srv.close(() => res(p)); });
});

let browser, page, pageServer;
before(async () => {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  // The page is served from another origin than the homeserver, so CORS is exercised too.
  pageServer = http.createServer((_req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end(`<!doctype html><script>
      window.received = []; window.ids = []; window.opens = 0; window.errors = 0;
      window.start = (url) => {
        const es = new EventSource(url);
        es.onopen = () => { window.opens++; };
        es.onerror = () => { window.errors++; };
        es.onmessage = (ev) => {
          window.ids.push(ev.lastEventId);
          const sync = JSON.parse(ev.data);
          for (const room of Object.values(sync.rooms?.join ?? {}))
            for (const e of room.timeline.events)
              if (e.type === 'm.room.message') window.received.push(e.content.body);
        };
      };
    </script>`);
  });
  await new Promise((res) => pageServer.listen(0, '127.0.0.1', res));
  page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${pageServer.address().port}/`);
});
after(async () => {
  await browser?.close();
  pageServer?.close();
});

const waitFor = async (fn, ms = 15000, what = 'condition') => {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

test('EventSource receives messages and resumes across a server restart exactly once', async () => {
  const port = await freePort();
  // A fixed port: the browser reconnects to the same URL after the restart.
  const s = new Server({ listen: `127.0.0.1:${port}` });
  await s.start();
  try {
    assert.equal(s.port, port);
    const alice = await new Api(s.url).register('browser_alice');
    const roomId = await createRoom(alice);
    await page.evaluate((url) => window.start(url),
      `${s.url}${V3}/sync/sse?access_token=${alice.token}&heartbeat_interval=1`);
    await waitFor(() => page.evaluate(() => window.ids.length >= 1), 15000, 'first event');
    await send(alice, roomId, { msgtype: 'm.text', body: 'b1' });
    await waitFor(() => page.evaluate(() => window.received.includes('b1')), 15000, 'b1');

    // Restart the server on the same port and data; send while the browser is disconnected.
    await s.stop({ keepData: true });
    await s.start();
    const api2 = new Api(s.url).withToken(alice.token);
    await send(api2, roomId, { msgtype: 'm.text', body: 'b2' });
    await send(api2, roomId, { msgtype: 'm.text', body: 'b3' });
    // The browser reconnects on its own (retry: from the stream) and resumes by Last-Event-ID.
    await waitFor(() => page.evaluate(() => window.received.includes('b3')), 20000, 'b3 after restart');
    const state = await page.evaluate(() => ({ received: window.received, opens: window.opens, ids: window.ids }));
    assert.deepEqual(state.received, ['b1', 'b2', 'b3'], 'each message exactly once');
    assert.ok(state.opens >= 2, 'the browser reconnected');
    assert.equal(new Set(state.ids).size, state.ids.length, 'no event id repeated');
  } finally { await s.stop(); }
});
