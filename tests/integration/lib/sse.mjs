// A raw-socket SSE reader: parses the event stream exactly as sent, with timing.
import net from 'node:net';

export class SseReader {
  constructor(port, path, headers = {}) {
    this.events = [];     // { id, event, data, at }
    this.comments = [];   // timestamps of ':' comment lines
    this.retry = undefined;
    this.status = undefined;
    this.headers = {};
    this.closed = false;
    this.raw = '';
    this.waiters = [];
    this.sock = net.connect(port, '127.0.0.1');
    const h = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    this.sock.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n${h}\r\n`);
    let buf = '';
    let headDone = false;
    this.sock.on('data', (d) => {
      this.raw += d.toString();
      buf += d.toString();
      if (!headDone) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const lines = buf.slice(0, end).split('\r\n');
        this.status = Number(lines[0].split(' ')[1]);
        for (const l of lines.slice(1)) {
          const i = l.indexOf(':');
          this.headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
        }
        buf = buf.slice(end + 4);
        headDone = true;
        if (this.status !== 200) { this.body = buf; return this.notify(); }
      }
      let sep;
      while ((sep = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, sep);
        buf = buf.slice(sep + 2);
        const ev = { at: Date.now() };
        let isComment = true;
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          isComment = false;
          const i = line.indexOf(':');
          const field = line.slice(0, i);
          const value = line.slice(i + 1).replace(/^ /, '');
          if (field === 'data') ev.data = (ev.data ? `${ev.data}\n` : '') + value;
          else if (field === 'retry') this.retry = Number(value);
          else ev[field] = value;
        }
        if (isComment) this.comments.push(Date.now());
        else if (ev.data !== undefined) { ev.json = JSON.parse(ev.data); this.events.push(ev); }
      }
      this.notify();
    });
    this.sock.on('close', () => { this.closed = true; this.notify(); });
    this.sock.on('error', () => {});
  }

  notify() { for (const w of this.waiters.splice(0)) w(); }

  // Resolves when pred() holds, or rejects after ms.
  until(pred, ms = 5000, what = 'condition') {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (pred()) { clearTimeout(timer); resolve(); return true; }
        return false;
      };
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.events.map((e) => e.id))} closed=${this.closed} raw=${this.raw.slice(0, 400)}`)), ms);
      const loop = () => { if (!check()) this.waiters.push(loop); };
      loop();
    });
  }

  close() { this.sock.destroy(); }
}
