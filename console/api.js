// The public API, as the console uses it: the same credentials as any client, kept in this tab's
// sessionStorage only (gone when the tab closes; never in localStorage, cookies or the URL).

export const BASE = '/elements/api-v2';
const CREDENTIALS = 'pollster.credentials';

export const session = {
  get() {
    try {
      const c = JSON.parse(sessionStorage.getItem(CREDENTIALS) ?? 'null');
      return c && typeof c.user === 'string' && typeof c.organization === 'string' ? c : null;
    } catch {
      return null;
    }
  },
  set(user, organization) {
    sessionStorage.setItem(CREDENTIALS, JSON.stringify({ user, organization }));
  },
  clear() {
    sessionStorage.removeItem(CREDENTIALS);
  },
};

/** An answer other than 2xx: `{ requestId, message, issues? }`. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || `HTTP ${status}`);
    this.status = status;
    this.body = body;
    this.issues = Array.isArray(body?.issues) ? body.issues : [];
  }
}

let unauthorized = () => {};
/** Called when the API answers 401 (wrong or expired credentials): the app signs out. */
export function onUnauthorized(fn) {
  unauthorized = fn;
}

/**
 * One API call. `options.raw` returns `{ body, headers }` (for paging tokens); `options.credentials`
 * tries credentials that are not stored yet (sign-in).
 */
export async function api(method, path, body, options = {}) {
  const c = options.credentials ?? session.get();
  if (!c) throw new ApiError(401, { message: 'not signed in' });
  const headers = { authorization: `User ${c.user}, Organization ${c.organization}`, accept: 'application/json' };
  // Fastify refuses an empty body declared as JSON: only send the type with a body.
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(BASE + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  } catch (err) {
    throw new ApiError(0, { message: `the API did not answer (${err.message})` });
  }
  const text = await res.text();
  let data;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = { message: text.slice(0, 300) };
  }
  if (!res.ok) {
    if (res.status === 401 && !options.credentials) unauthorized();
    throw new ApiError(res.status, data);
  }
  return options.raw ? { body: data, headers: res.headers } : data;
}

/** `GET /console/config.json`: where the Temporal UI is (no credentials needed). */
export async function consoleConfig() {
  try {
    const res = await fetch('/console/config.json', { cache: 'no-store' });
    if (res.ok) return await res.json();
  } catch {
    // fall through to the default
  }
  return { temporalUiUrl: 'http://127.0.0.1:8233', namespace: 'default' };
}

/** A `where` value for deliveries: single quotes doubled, as the API reads them. */
export const quote = (value) => `'${String(value).replaceAll("'", "''")}'`;

/** Runs `fn` over `items` with at most `limit` calls in flight (one workflow query each: be gentle). */
export async function mapLimit(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  const run = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        out[i] = { ok: true, value: await fn(items[i], i) };
      } catch (error) {
        out[i] = { ok: false, error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
  return out;
}
