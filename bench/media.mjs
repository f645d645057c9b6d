// The media repository's numbers, side by side in one run (docs/benchmarks.md):
//  1. upload and download throughput (MiB/s) and server CPU per MiB, with nginx serving the
//     same stored file from disk as the practical limit for downloads;
//  2. 20 parallel 100 MiB uploads, then 20 parallel downloads: the server's peak RSS;
//  3. thumbnail generation time per source size (first request: made; second: stored).
// Transfers use curl (a client far cheaper than the servers under test).
// Usage: MYELIN_BIN=build/myelin node bench/media.mjs [--size-mib 64] [--rounds 5]
//        [--parallel 20] [--parallel-mib 100]
import { execFileSync, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync, openSync, writeSync, closeSync, mkdirSync, copyFileSync, chmodSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Server } from '../tests/integration/lib/server.mjs';
import { startNginx } from '../tests/integration/lib/nginx.mjs';

const run = promisify(execFile);
const { values } = parseArgs({ options: {
  'size-mib': { type: 'string', default: '64' }, rounds: { type: 'string', default: '5' },
  parallel: { type: 'string', default: '20' }, 'parallel-mib': { type: 'string', default: '100' },
} });
const SIZE = Number(values['size-mib']);
const ROUNDS = Number(values.rounds);
const PAR = Number(values.parallel);
const PAR_MIB = Number(values['parallel-mib']);
const TICK = 100; // clock ticks per second (USER_HZ on Linux)

const work = mkdtempSync(join(tmpdir(), 'myelin-media-bench-'));
const cpuSeconds = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / TICK; // utime + stime
};
const statusKiB = (pid, field) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);

function randomFile(name, mib) {
  const path = join(work, name);
  const fd = openSync(path, 'w');
  for (let i = 0; i < mib; i++) writeSync(fd, randomBytes(1 << 20));
  closeSync(fd);
  return path;
}

async function curl(args) {
  const { stdout } = await run('curl', ['-s', '-S', '--fail', '-o', '/dev/null', '-w', '%{time_total}', ...args],
    { maxBuffer: 1 << 20 });
  return Number(stdout);
}
async function curlJson(args) {
  const { stdout } = await run('curl', ['-s', '-S', '--fail', ...args], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout);
}

const server = new Server({ extraConfig: `\n[media]\npath = ${JSON.stringify(join(work, 'media'))}\nmax_upload_bytes = ${Math.max(PAR_MIB + SIZE + 1, 200) * 1048576}\n` });
await server.start();
const pid = server.proc.pid;
const reg = await (await fetch(`${server.url}/_matrix/client/v3/register`, {
  method: 'POST', headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ username: 'bench', password: 'pw', auth: { type: 'm.login.dummy' } }),
})).json();
const auth = ['-H', `Authorization: Bearer ${reg.access_token}`];
const results = { size_mib: SIZE, rounds: ROUNDS };

// 1. Throughput and CPU per MiB.
const file = randomFile('big.bin', SIZE);
let cpu0 = cpuSeconds(pid);
let t = 0;
let uri;
for (let i = 0; i < ROUNDS; i++) {
  // Same bytes each round: the second and later share the stored file (the hash is found).
  const { stdout } = await run('curl', ['-s', '-S', '--fail', '-w', '\n%{time_total}', ...auth,
    '-H', 'Content-Type: application/octet-stream', '--data-binary', `@${file}`,
    `${server.url}/_matrix/media/v3/upload`], { maxBuffer: 1 << 20 });
  const [body, time] = stdout.split('\n');
  uri = JSON.parse(body).content_uri;
  t += Number(time);
}
results.upload = { mib_s: (SIZE * ROUNDS) / t, cpu_ms_per_mib: ((cpuSeconds(pid) - cpu0) * 1000) / (SIZE * ROUNDS) };

const id = uri.split('/').pop();
cpu0 = cpuSeconds(pid);
t = 0;
for (let i = 0; i < ROUNDS; i++)
  t += await curl([...auth, `${server.url}/_matrix/client/v1/media/download/localhost/${id}`]);
results.download = { mib_s: (SIZE * ROUNDS) / t, cpu_ms_per_mib: ((cpuSeconds(pid) - cpu0) * 1000) / (SIZE * ROUNDS) };

// nginx serves a copy of the stored file (the server keeps its files 0600; nginx's workers
// run as another user).
const ngRoot = join(work, 'nginx-root');
mkdirSync(ngRoot);
copyFileSync(file, join(ngRoot, 'big.bin'));
chmodSync(join(ngRoot, 'big.bin'), 0o644);
chmodSync(work, 0o755);
const nginx = await startNginx((dir, port) => `  server { listen 127.0.0.1:${port}; root ${ngRoot}; sendfile on; }`);
await new Promise((r) => setTimeout(r, 300));
// The master (its command line names the prefix) and its workers ("nginx: worker process").
const ngMaster = execFileSync('pgrep', ['-f', `nginx -p ${nginx.dir}`]).toString().trim().split('\n').map(Number);
const ngPids = [...ngMaster, ...ngMaster.flatMap((p) => execFileSync('pgrep', ['-P', String(p)]).toString().trim().split('\n').map(Number))];
const ngCpu = () => ngPids.reduce((a, p) => a + cpuSeconds(p), 0);
cpu0 = ngCpu();
t = 0;
for (let i = 0; i < ROUNDS; i++) t += await curl([`http://127.0.0.1:${nginx.port}/big.bin`]);
results.nginx_download = { mib_s: (SIZE * ROUNDS) / t, cpu_ms_per_mib: ((ngCpu() - cpu0) * 1000) / (SIZE * ROUNDS) };
nginx.stop();

// 2. Parallel transfers: memory.
const rss0 = statusKiB(pid, 'VmRSS');
let peak = rss0;
const sampler = setInterval(() => { peak = Math.max(peak, statusKiB(pid, 'VmRSS')); }, 20);
const parFiles = [];
for (let i = 0; i < PAR; i++) {
  // Distinct content each (a shared hash would skip writing).
  const p = join(work, `par-${i}.bin`);
  execFileSync('sh', ['-c', `head -c ${PAR_MIB << 20} /dev/urandom > ${p}`]);
  parFiles.push(p);
}
let start = Date.now();
const uploaded = await Promise.all(parFiles.map((p) => curlJson([...auth,
  '-H', 'Content-Type: application/octet-stream', '--data-binary', `@${p}`, `${server.url}/_matrix/media/v3/upload`])));
const upSecs = (Date.now() - start) / 1000;
const peakUp = peak;
start = Date.now();
await Promise.all(uploaded.map((u) => curl([...auth, `${server.url}/_matrix/client/v1/media/download/localhost/${u.content_uri.split('/').pop()}`])));
const downSecs = (Date.now() - start) / 1000;
clearInterval(sampler);
results.parallel = {
  streams: PAR, mib_each: PAR_MIB, rss_before_mib: rss0 / 1024,
  peak_rss_uploads_mib: peakUp / 1024, peak_rss_downloads_mib: peak / 1024,
  upload_mib_s: (PAR * PAR_MIB) / upSecs, download_mib_s: (PAR * PAR_MIB) / downSecs,
};
for (const p of parFiles) rmSync(p);

// 3. Thumbnails.
const py = (code) => execFileSync('/usr/bin/python3', ['-c', code]);
const sources = [
  ['jpeg 1000x750', 'jpg', 'JPEG', 1000, 750], ['jpeg 4000x3000', 'jpg', 'JPEG', 4000, 3000],
  ['png 1000x750', 'png', 'PNG', 1000, 750], ['png 4000x3000', 'png', 'PNG', 4000, 3000],
];
results.thumbnails = [];
for (const [label, ext, fmt, w, h] of sources) {
  const p = join(work, `src.${ext}`);
  py(`from PIL import Image; import random
im = Image.effect_noise((${w}, ${h}), 64).convert('RGB'); im.save('${p}', '${fmt}')`);
  const up = await curlJson([...auth, '-H', `Content-Type: image/${ext === 'jpg' ? 'jpeg' : 'png'}`,
    '--data-binary', `@${p}`, `${server.url}/_matrix/media/v3/upload`]);
  const mid = up.content_uri.split('/').pop();
  const url = `${server.url}/_matrix/client/v1/media/thumbnail/localhost/${mid}?width=320&height=240&method=scale`;
  const made = await curl([...auth, url]);
  const stored = await curl([...auth, url]);
  const crop = await curl([...auth, url.replace('width=320&height=240&method=scale', 'width=96&height=96&method=crop')]);
  results.thumbnails.push({ source: label, scale_320_made_ms: made * 1000, crop_96_made_ms: crop * 1000, stored_ms: stored * 1000 });
}

await server.stop();
rmSync(work, { recursive: true, force: true });
console.log(JSON.stringify(results, null, 1));
