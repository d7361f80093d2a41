// The HTTP client of every page: JSON in and out, RFC 9457 problems as ApiError, the session's
// bearer token with one refresh on 401, a request id on every call, conditional GETs with ETag for
// polling, and Server-Sent Events (see sse.js).

import { ApiError, NetworkError, problemFrom } from "./errors.js";
import { EventStream } from "./sse.js";

export { ApiError, NetworkError, problemFrom };

/** @typedef {Record<string, string | number | boolean | null | undefined | Array<string | number>>} Query */
/**
 * What a call takes: query parameters, a body (json, form or raw), headers, a signal, how to
 * authenticate ("auto", "required", "none") and how long it may take.
 * @typedef {{ method?: string, query?: Query, json?: any, form?: any, body?: BodyInit | null, headers?: HeadersInit, signal?: AbortSignal, auth?: "auto" | "required" | "none", timeoutMs?: number }} RequestOptions
 */

/** A request id the services log under and put in their problems: a user can quote it. */
export function requestId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * @param {URL} url
 * @param {Query} [query]
 */
function withQuery(url, query) {
  if (!query) return url;
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "") continue;
    for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(item));
  }
  return url;
}

/**
 * @param {AbortSignal | undefined} signal
 * @param {number | undefined} timeoutMs
 */
function combinedSignal(signal, timeoutMs) {
  const timeout = timeoutMs ? AbortSignal.timeout(timeoutMs) : null;
  const signals = [signal, timeout].filter((s) => s != null);
  if (signals.length < 2) return { signal: signals[0], timeout };
  return { signal: AbortSignal.any(signals), timeout };
}

export class Api {
  /**
   * base: the gateway's origin ("" for the page's own). session: a Session (auth.js) or null.
   * timeoutMs: how long a call may take before it fails with a NetworkError.
   * @param {{ base?: string, session?: any, timeoutMs?: number }} [options]
   */
  constructor({ base = "", session = null, timeoutMs = 15000 } = {}) {
    this.base = base || location.origin;
    this.session = session;
    this.timeoutMs = timeoutMs;
    /** @type {Map<string, { etag: string, data: any }>} url -> the last body and its ETag */
    this.etags = new Map();
  }

  /**
   * @param {string} path
   * @param {Query} [query]
   */
  url(path, query) {
    return withQuery(new URL(path, this.base), query);
  }

  /**
   * The Response of a call, after the token dance; throws ApiError for a 4xx/5xx (a 304 is returned).
   * options: query, json (a body sent as JSON), form (URLSearchParams-able), body, headers, signal,
   * auth ("auto": the token if signed in; "required": sign in first; "none"), timeoutMs.
   * @param {string} path
   * @param {RequestOptions} [options]
   * @returns {Promise<Response>}
   */
  async fetch(path, options = {}) {
    const { auth = "auto" } = options;
    const session = auth === "none" ? null : this.session;
    let token = session ? await session.accessToken() : null;
    if (!token && auth === "required") {
      token = session ? await session.reauthenticate() : null;
      if (!token) throw new ApiError({ status: 401, type: "/problems/unauthorized", title: "Sign-in required" });
    }
    let response = await this.send(path, options, token);
    if (response.status === 401 && session && token) {
      // Expired or revoked between our check and the service's: one refresh, then one retry.
      const fresh = (await session.refreshAfterRejection(token)) ?? (await session.reauthenticate());
      if (fresh) response = await this.send(path, options, fresh);
    }
    if (!response.ok && response.status !== 304) throw new ApiError(await problemFrom(response), response);
    return response;
  }

  /**
   * @param {string} path
   * @param {RequestOptions} options
   * @param {string | null} token
   */
  async send(path, { method = "GET", query, json, form, body, headers = {}, signal, timeoutMs }, token) {
    const url = this.url(path, query);
    const sent = new Headers(headers);
    sent.set("X-Request-ID", requestId());
    if (!sent.has("Accept")) sent.set("Accept", "application/json, application/problem+json");
    if (token) sent.set("Authorization", `Bearer ${token}`);
    let payload = body;
    if (json !== undefined) {
      sent.set("Content-Type", "application/json");
      payload = JSON.stringify(json);
    } else if (form !== undefined) {
      payload = new URLSearchParams(form);
    }
    const { signal: combined, timeout } = combinedSignal(signal, timeoutMs ?? this.timeoutMs);
    try {
      return await fetch(url, { method, headers: sent, body: payload, signal: combined });
    } catch (error) {
      if (signal?.aborted) throw error; // the caller cancelled: not a network problem
      const timedOut = Boolean(timeout?.aborted);
      throw new NetworkError(timedOut ? "The request timed out" : "The network request failed", {
        cause: error,
        timeout: timedOut,
      });
    }
  }

  /**
   * The decoded body: JSON when the answer is JSON, text otherwise, null for 204.
   * @param {string} method
   * @param {string} path
   * @param {RequestOptions} [options]
   * @returns {Promise<any>}
   */
  async request(method, path, options = {}) {
    const response = await this.fetch(path, { ...options, method });
    if (response.status === 204 || response.status === 304) return null;
    const type = response.headers.get("content-type") ?? "";
    if (type.includes("json")) return response.json();
    return response.text();
  }

  /**
   * @param {string} path
   * @param {RequestOptions} [options]
   */
  get(path, options) {
    return this.request("GET", path, options);
  }
  /**
   * @param {string} path
   * @param {any} json
   * @param {RequestOptions} [options]
   */
  post(path, json, options = {}) {
    return this.request("POST", path, { ...options, json });
  }
  /**
   * @param {string} path
   * @param {any} json
   * @param {RequestOptions} [options]
   */
  put(path, json, options = {}) {
    return this.request("PUT", path, { ...options, json });
  }
  /**
   * @param {string} path
   * @param {any} json
   * @param {RequestOptions} [options]
   */
  patch(path, json, options = {}) {
    return this.request("PATCH", path, { ...options, json });
  }
  /**
   * @param {string} path
   * @param {RequestOptions} [options]
   */
  delete(path, options) {
    return this.request("DELETE", path, options);
  }

  /**
   * GET with If-None-Match: {changed, data, etag}. The last body of each URL is remembered, so a
   * 304 still gives `data` (unchanged). For polling a hot read (playlist, availability, station list).
   * @param {string} path
   * @param {RequestOptions} [options]
   * @returns {Promise<{ changed: boolean, data: any, etag: string | null }>}
   */
  async conditionalGet(path, options = {}) {
    const key = this.url(path, options.query).href;
    const known = this.etags.get(key);
    const headers = new Headers(options.headers);
    if (known?.etag) headers.set("If-None-Match", known.etag);
    const response = await this.fetch(path, { ...options, headers });
    if (response.status === 304 && known) return { changed: false, data: known.data, etag: known.etag };
    const data = await response.json();
    const etag = response.headers.get("etag");
    if (etag) this.etags.set(key, { etag, data });
    return { changed: true, data, etag };
  }

  /**
   * Poll a read every `interval` ms with conditional GETs; onData(data) runs at first and on each
   * change. Errors back off (doubling up to maxInterval, honouring Retry-After) and go to onError;
   * a hidden page polls every hiddenInterval. Returns {stop(), refresh()}.
   * @param {string} path
   * @param {RequestOptions & { interval?: number, maxInterval?: number, hiddenInterval?: number, onData?: (data: any, result: any) => void, onError?: (error: any) => void }} options
   */
  poll(path, { interval = 10000, maxInterval = 60000, hiddenInterval = 60000, onData, onError, signal, ...options }) {
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let timer;
    let stopped = false;
    let failures = 0;
    /** @type {Promise<void> | null} */
    let running = null;
    const schedule = (/** @type {number} */ delay) => {
      clearTimeout(timer);
      if (!stopped) timer = setTimeout(tick, delay);
    };
    const tick = async () => {
      if (stopped || running) return;
      running = (async () => {
        let delay = document.hidden ? hiddenInterval : interval;
        try {
          const result = await this.conditionalGet(path, { ...options, signal });
          failures = 0;
          if (result.changed) onData?.(result.data, result);
        } catch (error) {
          if (stopped || signal?.aborted) return;
          failures += 1;
          const backoff = Math.min(maxInterval, interval * 2 ** Math.min(failures - 1, 6));
          delay = Math.max(backoff * (0.8 + Math.random() * 0.4), (error.retryAfter ?? 0) * 1000);
          onError?.(error);
        } finally {
          running = null;
        }
        schedule(delay);
      })();
      await running;
    };
    const onVisible = () => {
      if (!document.hidden) schedule(0);
    };
    const stop = () => {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisible);
      window.removeEventListener("online", onVisible);
    };
    document.addEventListener("visibilitychange", onVisible);
    window.addEventListener("online", onVisible);
    signal?.addEventListener("abort", stop, { once: true });
    schedule(0);
    return { stop, refresh: () => schedule(0) };
  }

  /**
   * A Server-Sent Events stream with the session's token, reconnection and Last-Event-ID (sse.js).
   * @param {string} path
   * @param {Record<string, any>} [options] those of EventStream, and query
   */
  events(path, options = {}) {
    return new EventStream(this.url(path, options.query), { session: this.session, ...options });
  }
}
