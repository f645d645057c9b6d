// Ed25519 keys and Matrix "signed JSON" for tests that act as an E2EE client would.
import { generateKeyPairSync, sign } from 'node:crypto';

// Canonical JSON (spec appendix): sorted keys, no insignificant whitespace, UTF-8.
export function canonical(v) {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

const unpadded = (buf) => buf.toString('base64').replace(/=+$/, '');

export class Ed25519 {
  constructor() {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    this.privateKey = privateKey;
    // The raw 32-byte key is the tail of the DER SubjectPublicKeyInfo.
    this.publicKey = unpadded(publicKey.export({ format: 'der', type: 'spki' }).subarray(-32));
  }

  // Adds signatures[userId][keyId] over the object without `signatures` and `unsigned`.
  sign(obj, userId, keyId) {
    const { signatures = {}, unsigned, ...rest } = obj;
    const sig = unpadded(sign(null, Buffer.from(canonical(rest)), this.privateKey));
    const out = { ...obj, signatures: { ...signatures, [userId]: { ...(signatures[userId] ?? {}), [keyId]: sig } } };
    return out;
  }
}

// A device as an E2EE client sees it: its signed device keys and signed one-time keys.
export function deviceKeys(userId, deviceId, ed = new Ed25519()) {
  const keys = {
    user_id: userId,
    device_id: deviceId,
    algorithms: ['m.olm.v1.curve25519-aes-sha2', 'm.megolm.v1.aes-sha2'],
    keys: { [`curve25519:${deviceId}`]: unpadded(Buffer.from(`curve-${deviceId}`.padEnd(32, '.'))), [`ed25519:${deviceId}`]: ed.publicKey },
  };
  return { ed, keys: ed.sign(keys, userId, `ed25519:${deviceId}`) };
}

export function oneTimeKeys(userId, deviceId, ed, ids, { fallback = false } = {}) {
  const out = {};
  for (const id of ids) {
    const key = { key: unpadded(Buffer.from(`otk-${deviceId}-${id}`.padEnd(32, '.'))) };
    if (fallback) key.fallback = true;
    out[`signed_curve25519:${id}`] = ed.sign(key, userId, `ed25519:${deviceId}`);
  }
  return out;
}

// A cross-signing key object for `usage`, signed by `signer` (the master key) when given.
export function crossSigningKey(userId, usage, ed, signer) {
  const obj = { user_id: userId, usage: [usage], keys: { [`ed25519:${ed.publicKey}`]: ed.publicKey } };
  return signer ? signer.sign(obj, userId, `ed25519:${signer.publicKey}`) : obj;
}
