// Throwaway TLS for the tests: a CA and certificates it signs, made with openssl, and an
// HTTPS client that trusts that CA (fetch cannot be handed one).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';

const ssl = (args) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });

export function makeCa(dir, name = 'ca') {
  const key = join(dir, `${name}.key`), crt = join(dir, `${name}.crt`);
  ssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-days', '2', '-subj', `/CN=Myelin test ${name}`, '-keyout', key, '-out', crt]);
  return { key, crt, pem: readFileSync(crt) };
}

// A certificate for `names` (DNS names and IP addresses) signed by `ca`: {key, crt} paths.
export function makeCert(dir, ca, name, names) {
  const key = join(dir, `${name}.key`), csr = join(dir, `${name}.csr`), crt = join(dir, `${name}.crt`);
  const ext = join(dir, `${name}.ext`);
  const san = names.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
  writeFileSync(ext, `subjectAltName=${san}\n`);
  ssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-subj', `/CN=${names[0]}`, '-keyout', key, '-out', csr]);
  ssl(['x509', '-req', '-in', csr, '-CA', ca.crt, '-CAkey', ca.key, '-CAcreateserial', '-days', '2',
    '-extfile', ext, '-out', crt]);
  return { key, crt };
}

// GET/POST over HTTPS trusting `ca`; {status, headers, text, json, cert (the peer's)}.
// `address`: connect there instead of resolving the URL's host (which the certificate must
// still name), as [federation.hosts] does.
export function httpsRequest(url, { ca, method = 'GET', headers = {}, body, agent, address } = {}) {
  return new Promise((resolve, reject) => {
    const lookup = address && ((host, opts, cb) =>
      (opts?.all ? cb(null, [{ address, family: 4 }]) : cb(null, address, 4)));
    // A connection of its own unless an agent is given (Node's global agent keeps them alive).
    const req = https.request(url, { method, headers, ca, agent: agent ?? false, lookup }, (res) => {
      const cert = res.socket.getPeerCertificate?.();
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => {
        let json;
        try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, text, json, cert });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

// A test server's [federation] table: listening on `listen` with `cert` ({crt, key}); with a
// `ca`, trusting it for outbound TLS and allowed to reach loopback peers. `extra`: more keys of
// the table (and tables after it).
export function federationConfig({ listen = '127.0.0.1:0', cert, ca, extra = '' }) {
  let out = `\n[federation]\nenabled = true\nlisten = ${JSON.stringify(listen)}\n` +
    `tls_certificate = ${JSON.stringify(cert.crt)}\ntls_private_key = ${JSON.stringify(cert.key)}\n`;
  if (ca) out += `trusted_ca = ${JSON.stringify(ca.crt)}\nallow_private_destinations = true\n`;
  return out + extra;
}
