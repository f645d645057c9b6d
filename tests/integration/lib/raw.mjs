// Raw TCP helpers for HTTP behaviour fetch hides: pipelining, trickled bytes, timeouts.
import net from 'node:net';

export function connect(port) {
  return new Promise((res, rej) => {
    const sock = net.connect(port, '127.0.0.1', () => res(sock));
    sock.once('error', rej);
  });
}

// Collects everything the server sends until it closes the connection (or `ms` pass).
export function readUntilClose(sock, ms = 5000) {
  return new Promise((res) => {
    let data = '';
    const timer = setTimeout(() => res({ data, closed: false }), ms);
    sock.on('data', (d) => { data += d.toString(); });
    sock.on('close', () => { clearTimeout(timer); res({ data, closed: true }); });
    sock.on('error', () => {});
  });
}

// Reads until `count` complete HTTP responses (with Content-Length bodies) have arrived.
export function readResponses(sock, count, ms = 5000) {
  return new Promise((res, rej) => {
    let buf = '';
    const timer = setTimeout(() => rej(new Error(`timed out; got: ${buf}`)), ms);
    const onData = (d) => {
      buf += d.toString();
      const out = [];
      let rest = buf;
      for (;;) {
        const end = rest.indexOf('\r\n\r\n');
        if (end < 0) break;
        const head = rest.slice(0, end);
        const len = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (rest.length < end + 4 + len) break;
        out.push({ status: Number(head.split(' ')[1]), head, body: rest.slice(end + 4, end + 4 + len) });
        rest = rest.slice(end + 4 + len);
      }
      if (out.length >= count) { clearTimeout(timer); sock.off('data', onData); res(out); }
    };
    sock.on('data', onData);
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A port free on `host` now (for a listener whose port must be known before it starts).
export const freePort = (host = '127.0.0.1') => new Promise((res) => {
  const s = net.createServer();
  s.listen(0, host, () => { const { port } = s.address(); s.close(() => res(port)); });
});
