// The API seen from a page: the session (token in sessionStorage) and fetch with the bearer header.

const KEY = "hotline.session";

/** The signed-in session {token, role, department, username}, or null. */
export function session() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) || "null");
  } catch {
    return null;
  }
}

export function saveSession(value) {
  sessionStorage.setItem(KEY, JSON.stringify(value));
}

export function signOut() {
  sessionStorage.removeItem(KEY);
  location.assign("/login");
}

/** Go to the sign-in page unless signed in; returns the session. */
export function requireSession() {
  const current = session();
  if (!current) {
    location.replace("/login?next=" + encodeURIComponent(location.pathname + location.search));
    throw new Error("not signed in");
  }
  return current;
}

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.detail) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

/** Call the API; JSON in and out. A 401 sends the user to sign in again. */
export async function api(path, { method = "GET", body, query, form, auth = true, headers: extra = {} } = {}) {
  const url = new URL(path, location.origin);
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
  }
  const headers = { Accept: "application/json", ...extra };
  const current = session();
  if (auth && current) headers.Authorization = "Bearer " + current.token;
  let payload;
  if (form) {
    payload = new URLSearchParams(form);
  } else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const response = await fetch(url, { method, headers, body: payload });
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { detail: text.slice(0, 200) };
  }
  if (response.status === 401 && auth && current) {
    sessionStorage.removeItem(KEY);
    location.replace("/login?next=" + encodeURIComponent(location.pathname + location.search));
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/** Like api() but a 404 (an endpoint not there yet, or switched off) gives null instead of an error. */
export async function optional(path, options) {
  try {
    return await api(path, options);
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 405)) return null;
    throw error;
  }
}

/** How many orders match a filter (one cheap list call). */
export async function countOrders(filter) {
  const data = await api("/api/v1/orders", { query: { ...filter, limit: 1 } });
  return data.total;
}

/** Every order matching a filter, up to `max` (pages of 500). */
export async function allOrders(filter, max = 2000) {
  const items = [];
  for (let offset = 0; offset < max; offset += 500) {
    const page = await api("/api/v1/orders", { query: { ...filter, limit: 500, offset } });
    items.push(...page.items);
    if (items.length >= page.total || page.items.length === 0) break;
  }
  return items;
}

/** Reference data (departments, categories, regions), fetched once per page. */
const cache = {};
export function reference(kind) {
  cache[kind] = cache[kind] || api(`/api/v1/${kind}`).then((data) => data.items);
  return cache[kind];
}

/** The live event stream (SSE); calls onEvent(type, data) and reconnects by itself. */
export function liveEvents(onEvent, onState = () => {}) {
  const current = session();
  if (!current || !window.EventSource) return null;
  const source = new EventSource("/api/v1/live?token=" + encodeURIComponent(current.token));
  source.onopen = () => onState("open");
  source.onerror = () => onState("reconnecting");
  for (const type of ["order", "call", "alert", "message"]) {
    source.addEventListener(type, (event) => {
      try {
        onEvent(type, JSON.parse(event.data));
      } catch {
        /* a malformed event is skipped */
      }
    });
  }
  return source;
}
