// Starting a matrix-js-sdk client against the test server and waiting for its first sync.
import * as sdk from 'matrix-js-sdk';

// A quiet logger: the SDK logs a lot at info.
export const quietLogger = { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, getChild() { return quietLogger; } };

// Creates the client, optionally starts its Rust crypto, starts syncing and resolves once the
// sync state is PREPARED (rejects on ERROR or after `ms`).
export async function startSdkClient(baseUrl, { userId, token, deviceId }, { crypto = false, ms = 30000 } = {}) {
  const client = sdk.createClient({ baseUrl, accessToken: token, userId, deviceId, logger: quietLogger });
  if (crypto) await client.initRustCrypto({ useIndexedDB: false });
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${userId}: sync never became PREPARED`)), ms);
    client.on(sdk.ClientEvent.Sync, (state, _prev, data) => {
      if (state === 'PREPARED') { clearTimeout(timer); resolve(); }
      if (state === 'ERROR') { clearTimeout(timer); reject(data?.error ?? new Error('sync error')); }
    });
  });
  await client.startClient({ initialSyncLimit: 10 });
  try {
    await ready;
  } catch (e) {
    client.stopClient();
    throw e;
  }
  return client;
}
