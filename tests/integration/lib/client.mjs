// A small HTTP client over fetch for talking to the server the way Matrix clients do.
import assert from 'node:assert/strict';

export class Api {
  constructor(base, token) { this.base = base; this.token = token; }

  withToken(token) { return new Api(this.base, token); }

  async request(method, path, { body, token = this.token, headers = {}, raw } = {}) {
    const h = { ...headers };
    if (token) h.authorization = `Bearer ${token}`;
    let payload;
    if (raw !== undefined) payload = raw;
    else if (body !== undefined) { payload = JSON.stringify(body); h['content-type'] = 'application/json'; }
    const res = await fetch(this.base + path, { method, headers: h, body: payload });
    const text = await res.text();
    let json;
    try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
    return { status: res.status, headers: res.headers, text, json };
  }

  get(path, o) { return this.request('GET', path, o); }
  post(path, body, o = {}) { return this.request('POST', path, { ...o, body }); }
  put(path, body, o = {}) { return this.request('PUT', path, { ...o, body }); }
  del(path, body, o = {}) { return this.request('DELETE', path, { ...o, body }); }

  // Registers through the dummy UIA stage in one go; returns an Api bound to the new token.
  async register(username, password = 'correct horse battery', extra = {}) {
    const r = await this.post('/_matrix/client/v3/register',
      { username, password, auth: { type: 'm.login.dummy' }, ...extra });
    assert.equal(r.status, 200, `register ${username}: ${r.text}`);
    const api = this.withToken(r.json.access_token);
    api.userId = r.json.user_id;
    api.deviceId = r.json.device_id;
    return api;
  }

  async login(user, password = 'correct horse battery', extra = {}) {
    return this.post('/_matrix/client/v3/login', {
      type: 'm.login.password', identifier: { type: 'm.id.user', user }, password, ...extra,
    });
  }
}

// Asserts a Matrix error response: status, errcode, and a human-readable `error` string.
export function assertError(res, status, errcode) {
  assert.equal(res.status, status, `expected ${status} ${errcode}, got ${res.status}: ${res.text}`);
  assert.equal(res.json?.errcode, errcode, res.text);
  assert.equal(typeof res.json.error, 'string');
}
