// Signing in and staying signed in: the gateway's OAuth 2.0 grants (phone one-time code, password,
// device pairing), tokens kept in localStorage, refresh-token rotation shared by every tab of the
// page, sign-out with revocation (RFC 7009), and sign-in again in place when a sign-in has ended.

import { requestId } from "./api.js";
import { ApiError, NetworkError, problemFrom } from "./errors.js";

export const PHONE_CODE_GRANT = "urn:gare-numerique:params:oauth:grant-type:phone-otp";
export const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
// Refresh this long before the access token expires, so a request never leaves with a dying token.
const REFRESH_MARGIN_MS = 60_000;

/** The claims of a JWT, for display and decisions in the page (the services verify the signature). */
export function decodeJwt(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const bytes = Uint8Array.from(atob(part.padEnd(part.length + ((4 - (part.length % 4)) % 4), "=")), (c) =>
      c.charCodeAt(0),
    );
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
}

/** "06 12 34 56 78" -> "+33612345678": E.164, the way the gateway reads it; null if not a number. */
export function normalizePhoneNumber(raw) {
  let compact = String(raw ?? "").replace(/[\s.\-()]/g, "");
  if (/^0[1-9]\d{8}$/.test(compact)) compact = `+33${compact.slice(1)}`;
  if (compact.startsWith("00")) compact = `+${compact.slice(2)}`;
  return /^\+[1-9]\d{6,14}$/.test(compact) ? compact : null;
}

const wait = (ms, signal) =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

class MemoryStorage {
  constructor() {
    this.items = new Map();
  }
  getItem(key) {
    return this.items.get(key) ?? null;
  }
  setItem(key, value) {
    this.items.set(key, String(value));
  }
  removeItem(key) {
    this.items.delete(key);
  }
}

/**
 * A copy of each sign-in in IndexedDB. Tabs run in different processes and see another tab's
 * localStorage writes a moment later; IndexedDB reads see every committed write at once. Inside the
 * refresh lock it tells which refresh token is current, so a tab never spends one another tab has
 * just rotated (which the gateway takes for a stolen token, and ends the sign-in).
 */
class Vault {
  constructor() {
    this.db = null;
  }

  open() {
    if (!this.db) {
      this.db = new Promise((resolve) => {
        try {
          const request = indexedDB.open("gare-sessions", 1);
          request.onupgradeneeded = () => request.result.createObjectStore("sessions");
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => resolve(null);
        } catch {
          resolve(null); // no IndexedDB: localStorage alone
        }
      });
    }
    return this.db;
  }

  async run(mode, work) {
    const db = await this.open();
    if (!db) return null;
    return new Promise((resolve) => {
      const transaction = db.transaction("sessions", mode);
      const request = work(transaction.objectStore("sessions"));
      transaction.oncomplete = () => resolve(request.result ?? null);
      transaction.onerror = transaction.onabort = () => resolve(null);
    });
  }

  get(key) {
    return this.run("readonly", (store) => store.get(key));
  }

  put(key, state) {
    return this.run("readwrite", (store) => (state ? store.put(state, key) : store.delete(key)));
  }
}

function defaultStorage() {
  try {
    localStorage.setItem("gare.probe", "1");
    localStorage.removeItem("gare.probe");
    return localStorage;
  } catch {
    return new MemoryStorage(); // private browsing: signed in for this page only
  }
}

/**
 * One sign-in, kept under `storageKey` ("gare.session.app", "gare.session.console"...).
 * Events: "change" with detail {reason}: "signin" | "refresh" | "signout" | "expired" | "storage".
 */
export class Session extends EventTarget {
  constructor({ storageKey = "gare.session", base = "", storage = defaultStorage() } = {}) {
    super();
    this.storageKey = storageKey;
    this.base = base || location.origin;
    this.storage = storage;
    this.state = this.read();
    this.vault = new Vault();
    this.refreshing = null;
    this.reauthenticating = null;
    this.reauthHandler = null;
    // Another tab signed in, refreshed or signed out: follow it.
    window.addEventListener("storage", (event) => {
      if (event.key !== this.storageKey) return;
      this.state = this.read();
      this.emit("storage");
    });
  }

  read() {
    try {
      return JSON.parse(this.storage.getItem(this.storageKey) ?? "null");
    } catch {
      return null;
    }
  }

  /** Keep `state` (null: signed out); resolves once every tab can read it. */
  write(state, reason) {
    if (state) state.version = (this.state?.version ?? 0) + 1;
    this.state = state;
    if (state) this.storage.setItem(this.storageKey, JSON.stringify(state));
    else this.storage.removeItem(this.storageKey);
    this.emit(reason);
    return this.vault.put(this.storageKey, state);
  }

  /** The newest sign-in any tab wrote: IndexedDB's copy when it is newer than this tab's localStorage. */
  async latest() {
    const local = this.read();
    const shared = await this.vault.get(this.storageKey);
    if (shared && (shared.version ?? 0) > (local?.version ?? 0)) return shared;
    return local;
  }

  emit(reason) {
    this.dispatchEvent(new CustomEvent("change", { detail: { reason } }));
  }

  /** Signed in: an access token that still works, or a refresh token to get one. */
  get signedIn() {
    const state = this.state;
    if (!state) return false;
    if (state.refresh_token && (!state.refresh_expires_at || state.refresh_expires_at > Date.now())) return true;
    return state.expires_at > Date.now();
  }

  /** The access token's claims (sub, role, scope, stations, phone_number, device_kind...). */
  get claims() {
    return this.state ? decodeJwt(this.state.access_token) : null;
  }

  /** What the token endpoint said besides the tokens (a paired device's client_id, station, binding). */
  get details() {
    return this.state?.details ?? {};
  }

  hasScope(scope) {
    return (this.claims?.scope ?? "").split(" ").includes(scope);
  }

  /** A valid access token (refreshed first when it is about to expire), or null when signed out. */
  async accessToken() {
    const state = this.state;
    if (!state) return null;
    if (state.expires_at - REFRESH_MARGIN_MS > Date.now()) return state.access_token;
    if (!state.refresh_token) return state.expires_at > Date.now() ? state.access_token : null;
    try {
      return await this.refresh();
    } catch (error) {
      // Offline or the gateway is down: the current token still serves while it lives.
      if (state.expires_at > Date.now()) return state.access_token;
      throw error;
    }
  }

  /** The API refused `rejected` (401): a fresher token from another tab, or a refresh; null if over. */
  async refreshAfterRejection(rejected) {
    return this.refresh({ rejected });
  }

  /**
   * Spend the refresh token for a new pair. One refresh at a time across every tab of the origin
   * (Web Locks): a rotated refresh token used twice ends the sign-in for safety, so two tabs must
   * never race. Inside the lock the stored tokens are read again: another tab may have refreshed.
   */
  refresh({ rejected = null } = {}) {
    if (!this.refreshing) {
      const run = () => this.refreshNow(rejected);
      const locked = navigator.locks
        ? navigator.locks.request(`gare.refresh.${this.storageKey}`, run)
        : run();
      this.refreshing = locked.finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  async refreshNow(rejected) {
    const stored = await this.latest();
    if (!stored) {
      this.state = null;
      return null;
    }
    const fresh = stored.expires_at - REFRESH_MARGIN_MS > Date.now();
    if (fresh && stored.access_token !== rejected && stored.access_token !== this.state?.access_token) {
      this.state = stored; // another tab did it
      this.emit("storage");
      return stored.access_token;
    }
    if (fresh && !rejected) return stored.access_token;
    if (!stored.refresh_token) return null;
    try {
      const body = await this.tokenRequest({ grant_type: "refresh_token", refresh_token: stored.refresh_token });
      this.state = stored;
      await this.write(this.stateFrom(body, stored), "refresh"); // before the lock goes to another tab
      return body.access_token;
    } catch (error) {
      if (error instanceof ApiError && (error.oauthError === "invalid_grant" || error.status === 401)) {
        await this.write(null, "expired"); // revoked, expired, or reused: this sign-in is over
        return null;
      }
      throw error; // offline, 5xx, 429: keep the tokens and let the caller retry later
    }
  }

  stateFrom(body, previous = null) {
    const now = Date.now();
    const details = { ...(previous?.details ?? {}) };
    for (const key of ["client_id", "station", "device_kind", "device_binding"]) {
      if (body[key] !== undefined) details[key] = body[key];
    }
    return {
      access_token: body.access_token,
      // Our clock, not the token's exp: a device with a wrong clock still refreshes on time.
      expires_at: now + body.expires_in * 1000,
      refresh_token: body.refresh_token ?? previous?.refresh_token ?? null,
      refresh_expires_at: body.refresh_token_expires_in ? now + body.refresh_token_expires_in * 1000 : null,
      scope: body.scope ?? "",
      details,
    };
  }

  /**
   * @param {string} path
   * @param {{ form?: Record<string, any>, json?: any, token?: string | null }} [options]
   */
  async post(path, { form, json, token } = {}) {
    const headers = { "X-Request-ID": requestId(), Accept: "application/json, application/problem+json" };
    if (token) headers.Authorization = `Bearer ${token}`;
    let body;
    if (form) body = new URLSearchParams(Object.entries(form).filter(([, value]) => value != null));
    if (json) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(json);
    }
    let response;
    try {
      response = await fetch(new URL(path, this.base), { method: "POST", headers, body, cache: "no-store" });
    } catch (error) {
      throw new NetworkError("The network request failed", { cause: error });
    }
    if (!response.ok) throw new ApiError(await problemFrom(response), response);
    return response.status === 204 || response.headers.get("content-length") === "0"
      ? null
      : response.json().catch(() => null);
  }

  tokenRequest(form) {
    return this.post("/auth/token", { form });
  }

  async signIn(form) {
    const body = await this.tokenRequest(form);
    await this.write(this.stateFrom(body), "signin");
    return this.claims;
  }

  /** Send a one-time code by SMS: {phone_number, expires_in, code_digits}. */
  requestPhoneCode(phoneNumber) {
    return this.post("/auth/otp", { json: { phone_number: normalizePhoneNumber(phoneNumber) ?? phoneNumber } });
  }

  /** A traveller signs in with the code received by SMS. */
  signInWithPhoneCode(phoneNumber, code) {
    return this.signIn({
      grant_type: PHONE_CODE_GRANT,
      phone_number: normalizePhoneNumber(phoneNumber) ?? phoneNumber,
      code: String(code).trim(),
    });
  }

  /**
   * Operators, couriers and admins.
   * @param {string} username
   * @param {string} password
   * @param {{ scope?: string }} [options]
   */
  signInWithPassword(username, password, { scope } = {}) {
    return this.signIn({ grant_type: "password", username, password, scope });
  }

  /**
   * Pair this page as a device (RFC 8628): shows a code an operator claims in the console, then
   * polls until it is claimed. onCode({user_code, verification_uri, verification_uri_complete,
   * expires_in}) runs at the start and again whenever the code expired and a new one was asked.
   * Resolves with the claims once paired; rejects with an ApiError when an operator refuses.
   * @param {{ scope?: string, clientId?: string, onCode?: (started: any) => void, signal?: AbortSignal }} [options]
   */
  async pairDevice({ scope, clientId, onCode, signal } = {}) {
    for (;;) {
      const started = await this.post("/auth/device_authorization", { form: { scope, client_id: clientId } });
      onCode?.(started);
      let interval = (started.interval ?? 5) * 1000;
      const deadline = Date.now() + started.expires_in * 1000;
      while (Date.now() < deadline) {
        await wait(interval, signal);
        try {
          return await this.signIn({ grant_type: DEVICE_CODE_GRANT, device_code: started.device_code });
        } catch (error) {
          if (!(error instanceof ApiError)) continue; // offline for a moment: keep polling
          if (error.oauthError === "authorization_pending") continue;
          if (error.oauthError === "slow_down") {
            interval += 5000; // RFC 8628 §3.5
            continue;
          }
          if (error.oauthError === "expired_token") break; // a new code
          throw error;
        }
      }
    }
  }

  /**
   * Sign out: the refresh token is revoked at the gateway (RFC 7009), then forgotten here; with
   * everywhere, every sign-in of this person ends. Offline, the tokens are forgotten all the same.
   */
  async signOut({ everywhere = false } = {}) {
    const state = this.state;
    await this.write(null, "signout");
    if (!state) return;
    try {
      if (everywhere && state.expires_at > Date.now()) {
        await this.post("/auth/logout?everywhere=true", { token: state.access_token });
      }
      await this.post("/auth/revoke", {
        form: state.refresh_token
          ? { token: state.refresh_token, token_type_hint: "refresh_token" }
          : { token: state.access_token, token_type_hint: "access_token" },
      });
    } catch {
      /* the gateway is unreachable: the refresh token expires by itself, unused */
    }
  }

  /**
   * Who signs in again when a sign-in has ended in the middle of something: the page registers
   * a handler (a sign-in dialog over the current view, so nothing typed is lost) that resolves when
   * done (true) or cancelled (false).
   */
  onReauthenticate(handler) {
    this.reauthHandler = handler;
  }

  /** Ask the person to sign in again (once for all the calls waiting); the new token, or null. */
  reauthenticate() {
    if (!this.reauthHandler) return Promise.resolve(null);
    if (!this.reauthenticating) {
      this.reauthenticating = Promise.resolve(this.reauthHandler())
        .then((done) => (done && this.state ? this.state.access_token : null))
        .finally(() => {
          this.reauthenticating = null;
        });
    }
    return this.reauthenticating;
  }
}
