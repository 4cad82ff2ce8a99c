// Calls to the node's HTTP API from the console: the admin token in the Authorization header
// (never in a URL), problems (application/problem+json) turned into ApiError with their code,
// and the headers every mutation carries (X-Audit-Reason, Idempotency-Key).
import { token } from './session.js';

export class ApiError extends Error {
  constructor(status, problem) {
    const code = problem.code || `http_${status}`;
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.code = code;
    this.title = problem.title || '';
    this.detail = problem.detail || '';
    this.problem = problem;
  }
}

// Listeners told when the node refuses the token (401/403): the session is over.
const refusedListeners = new Set();
export function onTokenRefused(listener) {
  refusedListeners.add(listener);
}

// "?a=1&b=x" from an object, leaving out empty values; "" when nothing is left.
export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

// One path segment (an id typed by the operator, a SKU), escaped.
export const segment = (value) => encodeURIComponent(String(value));

async function problemOf(response) {
  const text = await response.text();
  try {
    const parsed = JSON.parse(text);
    if (parsed && typeof parsed === 'object') return parsed;
  } catch {
    // not JSON: the text itself is the detail
  }
  return { title: response.statusText, detail: text.slice(0, 300) };
}

// GET (or any method) with the session's token; `tokenOverride` checks a token before keeping it.
// Answers the parsed JSON body (text for text/plain); throws ApiError on any status but 2xx.
export async function api(path, { method = 'GET', body, headers = {}, signal, tokenOverride } = {}) {
  const sent = { Accept: 'application/json, application/problem+json', ...headers };
  const bearer = tokenOverride ?? token();
  if (bearer) sent.Authorization = `Bearer ${bearer}`;
  if (body !== undefined) sent['Content-Type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers: sent,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
    credentials: 'omit',
    cache: 'no-store',
    redirect: 'error',
  });
  if (!response.ok) {
    const error = new ApiError(response.status, await problemOf(response));
    if ((response.status === 401 || response.status === 403) && tokenOverride === undefined) {
      for (const listener of refusedListeners) listener(error);
    }
    throw error;
  }
  const type = response.headers.get('Content-Type') || '';
  if (response.status === 204) return null;
  if (type.includes('json')) return response.json();
  return response.text();
}

// A fresh key for one operator action; the same key is sent again when that action is retried,
// so that the node does it once (API.md, Idempotency-Key).
export function newIdempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  // Outside a secure context (a node reached by a host name over plain HTTP) randomUUID is absent.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// X-Audit-Reason as the node reads it: percent-encoded UTF-8 (as encodeURIComponent writes it,
// so any language, and a literal "%", survive a header), whitespace runs made one space, at most
// 500 bytes once decoded (cut at a character's end).
export function headerSafe(text) {
  let kept = '';
  let bytes = 0;
  for (const c of text.trim().replace(/\s+/g, ' ')) {
    const size = new TextEncoder().encode(c).length;
    if (bytes + size > 500) break;
    kept += c;
    bytes += size;
  }
  return encodeURIComponent(kept.isWellFormed() ? kept : kept.toWellFormed());
}

// A mutation: always with the operator's reason (recorded in /admin/audit) and the action's key.
export function mutate(path, { method = 'POST', body, reason, idempotencyKey }) {
  if (!reason || !reason.trim()) throw new Error('a mutation needs a reason');
  return api(path, {
    method,
    body,
    headers: { 'X-Audit-Reason': headerSafe(reason), 'Idempotency-Key': idempotencyKey },
  });
}
