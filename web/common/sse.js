// Server-Sent Events over fetch: unlike EventSource it sends the Authorization header, resumes
// with Last-Event-ID after a page reload, refreshes an expired token, and backs off when the
// server is down. The parser follows the WHATWG "event stream interpretation" rules.

import { ApiError, problemFrom } from "./errors.js";

/** @typedef {{ type: string, data: string, id: string }} StreamEvent */

/** Parses an event stream fed in chunks; push() returns the complete events so far. */
export class EventStreamParser {
  constructor() {
    this.buffer = "";
    /** @type {string[]} the data lines of the event being read */
    this.data = [];
    this.eventType = "";
    this.lastEventId = "";
    /** @type {number | null} */
    this.retry = null;
    this.sawCR = false;
  }

  /**
   * @param {string} chunk
   * @returns {StreamEvent[]}
   */
  push(chunk) {
    const events = [];
    let text = chunk;
    // A CRLF split across chunks: the LF after a CR that ended the last chunk is not a new line.
    if (this.sawCR && text.startsWith("\n")) text = text.slice(1);
    this.sawCR = text.endsWith("\r");
    this.buffer += text;
    const lines = this.buffer.split(/\r\n|\r|\n/);
    this.buffer = lines.pop() ?? "";
    for (const line of lines) {
      const event = this.line(line);
      if (event) events.push(event);
    }
    return events;
  }

  /**
   * @param {string} line
   * @returns {StreamEvent | null}
   */
  line(line) {
    if (line === "") {
      // Dispatch: no data, no event (but the id still counts).
      if (this.data.length === 0) {
        this.eventType = "";
        return null;
      }
      const event = { type: this.eventType || "message", data: this.data.join("\n"), id: this.lastEventId };
      this.data = [];
      this.eventType = "";
      return event;
    }
    if (line.startsWith(":")) return null; // a comment: keep-alive
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.data.push(value);
    else if (field === "event") this.eventType = value;
    else if (field === "id" && !value.includes("\0")) this.lastEventId = value;
    else if (field === "retry" && /^\d+$/.test(value)) this.retry = Number(value);
    return null;
  }
}

const RETRYABLE = new Set([408, 425, 429, 500, 502, 503, 504]);

/**
 * new EventStream(url, {session, lastEventId, onEvent, onState, ...}).start()
 * Events: "event" (detail {type, data, id, json()}), "state" (detail: "connecting" | "open" |
 * "reconnecting" | "closed", with the error when closed by one). on(type, fn) listens to one event type.
 */
export class EventStream extends EventTarget {
  /**
   * @param {string | URL} url
   * @param {{ session?: any, lastEventId?: string, headers?: Record<string, string>, minRetryMs?: number, maxRetryMs?: number, idleTimeoutMs?: number, signal?: AbortSignal }} [options]
   */
  constructor(
    url,
    { session = null, lastEventId = "", headers = {}, minRetryMs = 1000, maxRetryMs = 30000, idleTimeoutMs = 0, signal } = {},
  ) {
    super();
    this.url = new URL(url, location.href);
    this.session = session;
    this.lastEventId = lastEventId;
    this.headers = headers;
    this.minRetryMs = minRetryMs;
    this.maxRetryMs = maxRetryMs;
    this.idleTimeoutMs = idleTimeoutMs;
    /** @type {number | null} */
    this.serverRetryMs = null;
    this.attempt = 0;
    this.state = "closed";
    /** @type {AbortController | null} */
    this.controller = null;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.timer = undefined;
    this.closed = false;
    this.onOnline = () => this.state === "reconnecting" && this.reconnectNow();
    signal?.addEventListener("abort", () => this.close(), { once: true });
  }

  start() {
    this.closed = false;
    window.addEventListener("online", this.onOnline);
    this.connect();
    return this;
  }

  /** @param {unknown} [error] why, when an error closed it */
  close(error = null) {
    this.closed = true;
    clearTimeout(this.timer);
    this.controller?.abort();
    window.removeEventListener("online", this.onOnline);
    this.setState("closed", error);
  }

  /**
   * Listen to one event type ("message" for events without a name); returns the removal.
   * @param {string} type
   * @param {(event: StreamEvent & { json(): any }) => void} handler
   */
  on(type, handler) {
    const listener = (/** @type {any} */ event) => event.detail.type === type && handler(event.detail);
    this.addEventListener("event", listener);
    return () => this.removeEventListener("event", listener);
  }

  /**
   * @param {string} state
   * @param {unknown} [error]
   */
  setState(state, error = null) {
    if (this.state === state && !error) return;
    this.state = state;
    this.dispatchEvent(new CustomEvent("state", { detail: state }));
    if (error) this.dispatchEvent(new CustomEvent("error", { detail: error }));
  }

  reconnectNow() {
    clearTimeout(this.timer);
    this.connect();
  }

  async connect() {
    if (this.closed) return;
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    this.setState(this.attempt === 0 ? "connecting" : "reconnecting");
    try {
      const token = await this.session?.accessToken();
      let response = await this.open(controller, token);
      if (response.status === 401 && this.session && token) {
        const fresh = await this.session.refreshAfterRejection(token);
        if (fresh) response = await this.open(controller, fresh);
      }
      if (response.status === 204) return this.close(); // the server says: do not reconnect
      if (!response.ok) {
        if (RETRYABLE.has(response.status)) {
          const retryAfter = Number(response.headers.get("retry-after"));
          return this.scheduleReconnect(Number.isFinite(retryAfter) ? retryAfter * 1000 : 0);
        }
        return this.close(new ApiError(await problemFrom(response), response));
      }
      if (!(response.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
        return this.close(new Error(`not an event stream: ${response.headers.get("content-type")}`));
      }
      this.attempt = 0;
      this.setState("open");
      await this.read(response.body, controller);
      this.scheduleReconnect(0); // the server ended the stream: come back, as EventSource does
    } catch (error) {
      if (controller.signal.aborted && this.closed) return;
      this.scheduleReconnect(0, error);
    }
  }

  /**
   * @param {AbortController} controller
   * @param {string | null | undefined} token
   */
  open(controller, token) {
    const headers = new Headers(this.headers);
    headers.set("Accept", "text/event-stream");
    headers.set("Cache-Control", "no-cache");
    if (this.lastEventId) headers.set("Last-Event-ID", this.lastEventId);
    if (token) headers.set("Authorization", `Bearer ${token}`);
    return fetch(this.url, { headers, signal: controller.signal, cache: "no-store" });
  }

  /**
   * @param {ReadableStream} body
   * @param {AbortController} controller
   */
  async read(body, controller) {
    const parser = new EventStreamParser();
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let idle;
    const armIdle = () => {
      clearTimeout(idle);
      if (this.idleTimeoutMs) idle = setTimeout(() => controller.abort(), this.idleTimeoutMs);
    };
    armIdle();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        armIdle();
        for (const event of parser.push(value)) this.deliver(event);
        if (parser.retry !== null) this.serverRetryMs = parser.retry;
      }
    } finally {
      clearTimeout(idle);
    }
  }

  /** @param {StreamEvent} event */
  deliver(event) {
    if (event.id) this.lastEventId = event.id;
    const detail = {
      ...event,
      json() {
        return JSON.parse(event.data);
      },
    };
    this.dispatchEvent(new CustomEvent("event", { detail }));
  }

  /**
   * @param {number} minimumMs
   * @param {unknown} [error]
   */
  scheduleReconnect(minimumMs, error = null) {
    if (this.closed) return;
    this.attempt += 1;
    const base = this.serverRetryMs ?? this.minRetryMs;
    const backoff = Math.min(this.maxRetryMs, base * 2 ** Math.min(this.attempt - 1, 8));
    // Jitter: a station's screens restarting together do not all come back in the same millisecond.
    const delay = Math.max(minimumMs, backoff * (0.5 + Math.random() * 0.5));
    this.setState("reconnecting", error);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay);
  }
}
