// Ed25519 keys and Matrix "signed JSON" for tests that act as an E2EE client would.
import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';

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

  // The signature (unpadded base64) of the canonical JSON of `obj`, as it is.
  signature(obj) {
    return unpadded(sign(null, Buffer.from(canonical(obj)), this.privateKey));
  }

  // Adds signatures[userId][keyId] over the object without `signatures` and `unsigned`.
  sign(obj, userId, keyId) {
    const { signatures = {}, unsigned, ...rest } = obj;
    const sig = unpadded(sign(null, Buffer.from(canonical(rest)), this.privateKey));
    const out = { ...obj, signatures: { ...signatures, [userId]: { ...(signatures[userId] ?? {}), [keyId]: sig } } };
    return out;
  }
}

// Whether `obj` (without `signatures` and `unsigned`) carries a valid signature of `entity`
// (a user or a server) by `keyId`, whose public key is `publicKeyB64` (raw, base64).
export function signedBy(obj, entity, keyId, publicKeyB64) {
  const { signatures, unsigned, ...rest } = obj;
  const sig = signatures?.[entity]?.[keyId];
  if (typeof sig !== 'string') return false;
  // The raw key wrapped as the DER SubjectPublicKeyInfo node's crypto takes (RFC 8410).
  const der = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(publicKeyB64, 'base64')]);
  return verify(null, Buffer.from(canonical(rest)), createPublicKey({ key: der, format: 'der', type: 'spki' }),
    Buffer.from(sig, 'base64'));
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
