// Real nginx (Debian's /usr/sbin/nginx) in a temporary prefix, for proxy tests.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';

export const freePort = () => new Promise((res) => {
  const srv = net.createServer().listen(0, '127.0.0.1', () => { const p = srv.address().port; srv.close(() => res(p)); });
});

// `http(dir, port)` returns what goes inside the http block besides logging and temp paths.
// Resolves once nginx accepts connections on `port`.
export async function startNginx(http) {
  const dir = mkdtempSync(join(tmpdir(), 'myelin-nginx-'));
  mkdirSync(join(dir, 'logs'));
  const port = await freePort();
  writeFileSync(join(dir, 'nginx.conf'), `
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log crit;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
${http(dir, port)}
}`);
  const proc = spawn('/usr/sbin/nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'ignore' });
  for (let i = 0; i < 50; i++) {
    try { await new Promise((res, rej) => { const s = net.connect(port, '127.0.0.1', () => { s.destroy(); res(); }); s.on('error', rej); }); break; }
    catch { await new Promise((r) => setTimeout(r, 100)); }
  }
  return {
    dir, port,
    stop() { proc.kill('SIGQUIT'); rmSync(dir, { recursive: true, force: true }); },
  };
}
