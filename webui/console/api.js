// JSON client for /api/v1. Sends X-CSRF-Token on every state-changing request.
import { state } from './state.js';

export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || (status ? `Request failed (${status}).` : 'Cannot reach the server. Check your connection.'));
    this.status = status;
    this.code = e.code || null;
    this.fields = e.fields || null;
  }
}

let onUnauthorized = () => {};
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

async function send(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && state.csrf) headers['X-CSRF-Token'] = state.csrf;
  let res;
  try {
    res = await fetch(`/api/v1${path}`, {
      method, headers, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, null);
  }
  let data = null;
  if (res.status !== 204) {
    const text = await res.text();
    try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  }
  if (data && typeof data.csrf_token === 'string') state.csrf = data.csrf_token;
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

export async function api(method, path, body) {
  try {
    return await send(method, path, body);
  } catch (err) {
    // A stale CSRF token (e.g. rotated by another tab): fetch a fresh one and retry once.
    if (err.code === 'csrf_failed' && method !== 'GET' && !path.startsWith('/auth/')) {
      try {
        await send('GET', '/auth/me');
      } catch (meErr) {
        if (meErr.status === 401) onUnauthorized(); // the session is gone, not just the token
        throw err;
      }
      return send(method, path, body).catch((e) => { if (e.status === 401) onUnauthorized(); throw e; });
    }
    if (err.status === 401 && !path.startsWith('/auth/')) onUnauthorized();
    throw err;
  }
}

// Query string from an object, skipping empty values.
export function qs(params) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== '' && v !== null && v !== undefined) p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : '';
}
