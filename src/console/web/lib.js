// The console's helpers: calls to its JSON API, polling, and how values are shown. Everything
// from the cluster is rendered as text by Preact (never as HTML), so record bytes cannot run.
import { h } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import htm from 'htm';

export const html = htm.bind(h);

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** Listeners told when a call answers 401 (the session ended): the app shows the login. */
const unauthorized = new Set();
export const onUnauthorized = (fn) => {
  unauthorized.add(fn);
  return () => unauthorized.delete(fn);
};

/** One API call; the header marks it as the console's own (the server refuses others' POSTs). */
export async function api(method, path, body) {
  const headers = { 'x-pado-console': '1' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`/console/api/${path}`, { method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body) });
  let data;
  try {
    data = await res.json();
  } catch {
    data = { error: `HTTP ${res.status}` };
  }
  if (res.status === 401 && path !== 'login') for (const fn of unauthorized) fn();
  if (!res.ok) throw new ApiError(res.status, data.error ?? `HTTP ${res.status}`);
  return data;
}

/**
 * Loads `load()` now and every `everyMs` (0: once) after the previous answer, never two at a
 * time; `reload` asks again at once. Stops when the component goes away.
 */
export function usePoll(load, everyMs, deps) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const timer = useRef(null);
  const alive = useRef(true);
  const run = useCallback(async () => {
    clearTimeout(timer.current);
    try {
      const data = await load();
      if (alive.current) setState({ data, error: null, loading: false });
    } catch (e) {
      if (alive.current) setState((s) => ({ data: s.data, error: e.message, loading: false }));
    }
    if (alive.current && everyMs > 0) timer.current = setTimeout(run, everyMs);
  }, deps);
  useEffect(() => {
    alive.current = true;
    setState({ data: null, error: null, loading: true });
    run();
    return () => {
      alive.current = false;
      clearTimeout(timer.current);
    };
  }, [run]);
  return { ...state, reload: run };
}

export const enc = encodeURIComponent;

export function time(ms) {
  return ms < 0 ? '—' : new Date(ms).toISOString().replace('T', ' ').replace('Z', ' UTC');
}

export function bytes(n) {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

export const show = (v) => (v === null || v === undefined ? '—' : String(v));
export const list = (ids) => (ids.length === 0 ? '—' : ids.join(', '));

/** A key, value or header value: text as text, other bytes as hex; a cut says so. */
export function Bytes({ value }) {
  if (value === null) return html`<span class="muted">null</span>`;
  const cut = value.truncated ? html` <span class="muted">… (${value.sizeBytes} bytes)</span>` : '';
  if (value.encoding === 'hex') {
    return html`<span class="hex" title="binary: shown as hex">0x${value.data}</span>${cut}`;
  }
  return html`<span class="text">${value.data}</span>${cut}`;
}

export function ErrorLine({ error }) {
  return error ? html`<p class="error" role="alert">${error}</p>` : null;
}
