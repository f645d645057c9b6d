// Helpers for room scenarios.
import assert from 'node:assert/strict';

export const V3 = '/_matrix/client/v3';
export const enc = encodeURIComponent;
let txnCounter = 0;

export async function createRoom(api, body = {}) {
  const r = await api.post(`${V3}/createRoom`, body);
  assert.equal(r.status, 200, `createRoom: ${r.text}`);
  assert.match(r.json.room_id, /^!/);
  return r.json.room_id;
}

export async function send(api, roomId, body = { msgtype: 'm.text', body: 'hi' }, type = 'm.room.message') {
  const r = await api.put(`${V3}/rooms/${enc(roomId)}/send/${enc(type)}/t${Date.now()}-${txnCounter++}`, body);
  assert.equal(r.status, 200, `send: ${r.text}`);
  return r.json.event_id;
}

export async function join(api, roomIdOrAlias) {
  const r = await api.post(`${V3}/join/${enc(roomIdOrAlias)}`, {});
  assert.equal(r.status, 200, `join: ${r.text}`);
  return r.json.room_id;
}

export async function invite(api, roomId, userId) {
  const r = await api.post(`${V3}/rooms/${enc(roomId)}/invite`, { user_id: userId });
  assert.equal(r.status, 200, `invite: ${r.text}`);
}

export async function messages(api, roomId, params) {
  const q = new URLSearchParams(params).toString();
  return api.get(`${V3}/rooms/${enc(roomId)}/messages?${q}`);
}
