// Starts the real myelin binary on a free port with a temporary data directory.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
export const BIN = process.env.MYELIN_BIN ?? resolve(here, '../../../build/myelin');

// Config for tests: cheap password hashing and no rate limits unless a test asks for them.
const BASE_CONFIG = `
password_hash_cost = "min"
log_level = "info"
[rate_limit.login]
enabled = false
[rate_limit.register]
enabled = false
`;

export class Server {
  constructor(opts = {}) {
    this.opts = opts;
    this.dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'myelin-test-'));
    this.ownsDir = !opts.dataDir;
    this.log = '';
  }

  get dbUrl() { return `sqlite:${join(this.dataDir, 'myelin.db')}`; }

  async start() {
    this.log = '';
    const cfgPath = join(this.dataDir, 'test.toml');
    writeFileSync(cfgPath, (this.opts.config ?? BASE_CONFIG) + (this.opts.extraConfig ?? ''));
    const args = ['serve', '--config', cfgPath, '--listen', this.opts.listen ?? '127.0.0.1:0',
      '--database', this.dbUrl, ...(this.opts.args ?? [])];
    this.proc = spawn(BIN, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.exited = new Promise((res) => this.proc.on('exit', (code, signal) => res({ code, signal })));
    this.port = await new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`server did not start:\n${this.log}`)), 10000);
      this.proc.stderr.on('data', (d) => {
        this.log += d.toString();
        const m = /serving \S+ on http:\/\/[\d.]+:(\d+)/.exec(this.log);
        if (m) { clearTimeout(timer); res(Number(m[1])); }
      });
      this.exited.then(({ code }) => rej(new Error(`server exited with ${code}:\n${this.log}`)));
    });
    this.url = `http://127.0.0.1:${this.port}`;
    return this;
  }

  // SIGTERM and wait; resolves to the exit status.
  async stop({ keepData = false } = {}) {
    if (!this.proc) return;
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGTERM');
    const status = await this.exited;
    this.proc = null;
    if (this.ownsDir && !keepData) rmSync(this.dataDir, { recursive: true, force: true });
    return status;
  }
}

export async function startServer(opts) { return new Server(opts).start(); }
