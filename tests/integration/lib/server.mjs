// Starts the real myelin binary on a free port with a temporary data directory.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
export const BIN = process.env.MYELIN_BIN ?? resolve(here, '../../../build/myelin');

// MYELIN_TEST_PG=postgresql://USER@HOST:PORT runs every server on PostgreSQL instead of SQLite
// (scripts/pg_cluster.sh starts a throwaway cluster): each data directory gets its own
// database, named after the directory so that a restart on the same directory reuses it.
export const PG_BASE = process.env.MYELIN_TEST_PG?.replace(/\/+$/, '');
const PG_BIN = process.env.MYELIN_PG_BIN ?? '/usr/lib/postgresql/15/bin';

function pgDatabaseFor(dataDir) {
  return basename(dataDir).replace(/[^A-Za-z0-9_]/g, '_');
}

// CREATE/DROP DATABASE through psql, connected to the cluster's "postgres" database.
function pgAdmin(sql) {
  execFileSync(join(PG_BIN, 'psql'), [`${PG_BASE}/postgres`, '-X', '-q', '-v', 'ON_ERROR_STOP=1',
    '-c', sql], { stdio: ['ignore', 'ignore', 'pipe'] });
}

function pgCreateDatabase(name) {
  try {
    pgAdmin(`CREATE DATABASE "${name}"`);
  } catch (e) {
    if (!/already exists/.test(e.stderr?.toString() ?? '')) throw e;
  }
}

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

  get dbUrl() {
    if (this.opts.dbUrl) return this.opts.dbUrl; // another server's database (several processes)
    if (!PG_BASE) return `sqlite:${join(this.dataDir, 'myelin.db')}`;
    const name = pgDatabaseFor(this.dataDir);
    if (!this.pgCreated) { pgCreateDatabase(name); this.pgCreated = true; }
    return `${PG_BASE}/${name}`;
  }

  async start() {
    this.log = '';
    const cfgPath = join(this.dataDir, 'test.toml');
    // topConfig: top-level keys (server_name, …), which TOML needs before any [table].
    let cfg = (this.opts.topConfig ?? '') + (this.opts.config ?? BASE_CONFIG) + (this.opts.extraConfig ?? '');
    // Media files in the test's own directory (on PostgreSQL the default is ./data/media).
    const mediaPath = `path = ${JSON.stringify(join(this.dataDir, 'media'))}\n`;
    if (!cfg.includes('[media]')) cfg += `\n[media]\n${mediaPath}`;
    else if (!/\[media\][^[]*\npath\s*=/.test(cfg)) cfg = cfg.replace('[media]\n', `[media]\n${mediaPath}`);
    writeFileSync(cfgPath, cfg);
    const args = ['serve', '--config', cfgPath, '--listen', this.opts.listen ?? '127.0.0.1:0',
      '--database', this.dbUrl, ...(this.opts.args ?? [])];
    this.proc = spawn(BIN, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.exited = new Promise((res) => this.proc.on('exit', (code, signal) => res({ code, signal })));
    this.port = await new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`server did not start:\n${this.log}`)), 10000);
      this.proc.stderr.on('data', (d) => {
        this.log += d.toString();
        const m = /Myelin serving \S+ on (https?):\/\/[\d.]+:(\d+)/.exec(this.log);
        if (m) { clearTimeout(timer); this.scheme = m[1]; res(Number(m[2])); }
      });
      this.exited.then(({ code }) => rej(new Error(`server exited with ${code}:\n${this.log}`)));
    });
    this.url = `${this.scheme}://127.0.0.1:${this.port}`;
    // The federation listener, when [federation] enabled it (always TLS).
    const fed = /federation serving \S+ on https:\/\/[\d.]+:(\d+)/.exec(this.log);
    this.federationPort = fed ? Number(fed[1]) : undefined;
    return this;
  }

  // SIGTERM and wait; resolves to the exit status.
  async stop({ keepData = false } = {}) {
    if (!this.proc) return;
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGTERM');
    const status = await this.exited;
    this.proc = null;
    if (this.ownsDir && !keepData) {
      rmSync(this.dataDir, { recursive: true, force: true });
      if (PG_BASE && this.pgCreated) {
        try { pgAdmin(`DROP DATABASE IF EXISTS "${pgDatabaseFor(this.dataDir)}" WITH (FORCE)`); } catch {}
      }
    }
    return status;
  }
}

export async function startServer(opts) { return new Server(opts).start(); }
