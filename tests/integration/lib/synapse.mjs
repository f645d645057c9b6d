// A real Synapse 1.67 beside Myelin (../shared/peers/synapse, beside the repository): set up
// once per machine (its setup.sh), initialised in a fresh directory per test file (Synapse
// remembers failed destinations), stopped afterwards.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
export const SYNAPSE_DIR = process.env.MYELIN_SYNAPSE_DIR ?? resolve(here, '../../../../shared/peers/synapse');

const META = process.env.SYNAPSE_META ?? join(process.env.SYNAPSE_SCRATCH ?? '/tmp/synapse-peer', 'meta');
let setUp = false;

// Runs setup.sh once per test process; the environment in which Synapse's Python modules
// import (for checks made with its own code).
export function synapseEnv() {
  if (!existsSync(join(SYNAPSE_DIR, 'synapse.sh')))
    throw new Error(`no Synapse peer at ${SYNAPSE_DIR} (set MYELIN_SYNAPSE_DIR)`);
  if (!setUp) {
    execFileSync(join(SYNAPSE_DIR, 'setup.sh'), { stdio: ['ignore', 'ignore', 'pipe'] });
    setUp = true;
  }
  return { ...process.env, PYTHONPATH: `${join(SYNAPSE_DIR, 'src')}:${META}` };
}

export class Synapse {
  // {serverName, bind, port, fedBind, fedPort, cert, key}
  constructor(opts) { this.opts = opts; this.dir = mkdtempSync(join(tmpdir(), 'myelin-synapse-')); }

  async start() {
    const o = this.opts;
    const env = { ...synapseEnv(), SERVER_NAME: o.serverName, BIND: o.bind, PORT: String(o.port),
      FED_TLS_BIND: o.fedBind, FED_TLS_PORT: String(o.fedPort), TLS_CERT: o.cert, TLS_KEY: o.key };
    execFileSync(join(SYNAPSE_DIR, 'synapse.sh'), ['init', this.dir], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    execFileSync(join(SYNAPSE_DIR, 'synapse.sh'), ['start', this.dir], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    this.url = `http://${o.bind}:${o.port}`;
    return this;
  }

  async stop() {
    try { execFileSync(join(SYNAPSE_DIR, 'synapse.sh'), ['stop', this.dir], { stdio: 'ignore' }); } catch {}
    rmSync(this.dir, { recursive: true, force: true });
  }
}
