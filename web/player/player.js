// The signage player: pairs by a code an operator claims, then plays what its screen's document
// says (now, then next at its time), shows alerts over everything, and keeps playing the last good
// document and media through network cuts and offline reloads (localStorage + the service worker).

import { Api } from "../common/api.js";
import { Session } from "../common/auth.js";
import { icon } from "../common/icons.js";
import { Regions, directionOf, vehicleIconOf } from "./regions.js";

// The push channel (Server-Sent Events through the gateway) brings alerts at once and says when the
// document changed; the document is polled only while the channel is down.
const POLL_MS = 1000; // a 304 costs the gateway almost nothing: alerts show within about a second
const HEARTBEAT_MS = 15000;
const PLAYS_MS = 10000;
const DOCUMENT_KEY = "gare.player.document";
const PLAYS_KEY = "gare.player.plays";
const LANGUAGE_MS = 4000;

const session = new Session({ storageKey: "gare.session.player" });
const api = new Api({ session, timeoutMs: 5000 });
const $ = (id) => document.getElementById(id);

// What the page shows, for people debugging a screen and for the browser tests.
const state = {
  station: null,
  screen: null,
  document: null,
  etag: null,
  online: navigator.onLine,
  shown: [], // {id, kind, at}: the last items put on screen
  alert: null, // {id, shownAt, via}: via "stream" or "document"
  live: false, // the push channel is open
  documentFetches: 0,
  paired: false,
  error: null,
  regions: null, // what the layout's regions show (regions.js)
};
/** @type {any} */ (window).__player = state;

// -- pairing -------------------------------------------------------------------------------------

async function pair() {
  $("pairing").hidden = false;
  await session.pairDevice({
    scope: "signage:play",
    clientId: "gare-player",
    onCode: (started) => {
      $("pairing-code").textContent = started.user_code;
      $("pairing-where").textContent = started.verification_uri;
      // An operator's phone reads the QR and lands on the pairing page with the code filled in.
      /** @type {HTMLImageElement} */ ($("pairing-qr")).src = `/auth/device_authorization/qr?${new URLSearchParams({ user_code: started.user_code })}`;
      $("pairing-qr").hidden = false;
      state.userCode = started.user_code;
    },
  });
  $("pairing").hidden = true;
}

function identity() {
  const claims = session.claims ?? {};
  const details = session.details ?? {};
  const stations = Array.isArray(claims.stations) ? claims.stations : [];
  return {
    station: details.station ?? stations[0] ?? null,
    screen: details.device_binding ?? claims.device_binding ?? null,
  };
}

function base() {
  return `/api/v1/stations/${state.station}/signage/screens/${state.screen}`;
}

// -- media: fetched once, checked against its hash, kept as object URLs --------------------------------

const media = new Map(); // sha256 -> Promise<objectURL>

async function sha256Hex(buffer) {
  const digest = await crypto.subtle.digest("SHA-256", buffer);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function mediaUrl(item) {
  if (!item.media) return Promise.resolve(null);
  if (!media.has(item.media)) {
    const load = async () => {
      for (let attempt = 0; ; attempt += 1) {
        try {
          const response = await fetch(item.media_url);
          if (!response.ok) throw new Error(`media ${response.status}`);
          const bytes = await response.arrayBuffer();
          if ((await sha256Hex(bytes)) !== item.media) throw new Error("media hash mismatch");
          return URL.createObjectURL(new Blob([bytes], { type: item.media_type ?? "" }));
        } catch (error) {
          // Retried with backoff: a screen waits for its media, it never shows a broken one.
          await new Promise((resolve) => setTimeout(resolve, Math.min(30000, 500 * 2 ** attempt)));
          if (attempt >= 8) throw error;
        }
      }
    };
    const loading = load();
    loading.catch(() => media.delete(item.media));
    media.set(item.media, loading);
  }
  return media.get(item.media);
}

// -- rendering one item --------------------------------------------------------------------------------

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function languagesOf(item) {
  const wanted = state.document?.screen?.languages ?? ["fr"];
  const available = Object.keys(item.texts ?? {});
  const ordered = wanted.filter((tag) => available.includes(tag));
  return ordered.length ? ordered : available.slice(0, 1);
}

/** Turn sanitised HTML (from the service) into nodes without innerHTML: text and a few tags. */
function htmlNodes(html) {
  const parsed = new DOMParser().parseFromString(html, "text/html");
  const allowed = new Set(["P", "BR", "STRONG", "EM", "B", "I", "U", "SPAN", "UL", "OL", "LI", "H1", "H2", "H3", "SMALL"]);
  const copy = (node) => {
    if (node.nodeType === Node.TEXT_NODE) return document.createTextNode(node.textContent);
    if (node.nodeType !== Node.ELEMENT_NODE || !allowed.has(node.tagName)) return document.createTextNode(node.textContent ?? "");
    const out = document.createElement(node.tagName.toLowerCase());
    for (const child of node.childNodes) out.append(copy(child));
    return out;
  };
  return [...parsed.body.childNodes].map(copy);
}

async function render(item, timers) {
  const box = element("div", `item item--${item.kind}`);
  box.dataset.contentId = item.content_item_id;
  if (item.template) box.dataset.template = item.template;
  if (item.kind === "message") {
    const text = element("p", "message", item.text ?? "");
    box.append(text);
    const languages = languagesOf(item);
    if (languages.length > 1) {
      // Language rotation: each of the screen's languages in turn within the item's time.
      let index = 0;
      text.lang = languages[0];
      text.textContent = item.texts[languages[0]];
      const every = Math.max(LANGUAGE_MS, (item.duration_seconds * 1000) / languages.length);
      timers.push(
        setInterval(() => {
          index = (index + 1) % languages.length;
          text.lang = languages[index];
          text.textContent = item.texts[languages[index]];
        }, every),
      );
    } else if (item.language) {
      text.lang = item.language;
    }
  } else if (item.kind === "html") {
    const block = element("div", "message message--html");
    block.append(...htmlNodes(item.html ?? ""));
    box.append(block);
  } else if (item.kind === "image" || item.kind === "artwork") {
    box.append(await picture(item));
    const qr = artworkQr(item);
    if (qr) box.append(qr);
  } else if (item.kind === "video") {
    const video = element("video");
    video.muted = true;
    video.autoplay = true;
    video.loop = true;
    video.playsInline = true;
    video.src = await mediaUrl(item);
    box.append(video);
  } else if (item.kind === "widget") {
    box.append(element("p", "widget__title", item.title));
    const value = element("p", "widget__value", "—");
    box.append(value);
    const live = state.document?.live ?? {};
    if (item.widget === "vehicle_availability") {
      box.prepend(icon("bike", { className: "widget__icon" }));
      const stations = live.vehicle_availability ?? [];
      // No station known yet is "no data" (—), not zero vehicles.
      if (stations.length) value.textContent = String(stations.reduce((sum, s) => sum + (s.renting ? s.vehicles : 0), 0));
      const list = element("ul", "widget__list");
      for (const s of stations.slice(0, 6)) {
        const line = element("li", "", `${s.name} : ${s.vehicles}`);
        // Each vehicle type its icon and count: a station's e-bikes are not its scooters.
        for (const type of s.types ?? []) {
          const badge = element("span", "widget__type");
          badge.append(icon(vehicleIconOf(type), { label: type.vehicle_type_id }), ` ${type.count}`);
          line.append(" ", badge);
        }
        list.append(line);
      }
      box.append(list);
    } else if (item.widget === "lift_status") {
      box.prepend(icon("lift", { className: "widget__icon" }));
      const outages = live.lift_status ?? [];
      value.textContent = String(outages.length);
      const list = element("ul", "widget__list");
      for (const o of outages) list.append(element("li", "", o.names?.fr ?? o.names?.en ?? o.place_code));
      box.append(list);
    } else if (item.widget === "clock") {
      const tick = () => {
        value.textContent = new Date().toLocaleTimeString("fr-FR", { hour: "2-digit", minute: "2-digit", timeZone: "Europe/Paris" });
      };
      tick();
      timers.push(setInterval(tick, 1000));
    }
  }
  return box;
}

/**
 * An image fills its region: cropped to it (cover) when their shapes are close, else whole (contain)
 * over a blurred copy of itself that fills the rest. An artwork is never cropped.
 */
async function picture(item) {
  const url = await mediaUrl(item);
  const frame = element("div", "picture");
  const backdrop = element("img", "picture__backdrop");
  backdrop.alt = "";
  backdrop.src = url;
  const img = element("img", "picture__image");
  img.alt = item.title;
  img.src = url;
  frame.append(backdrop, img);
  await img.decode().catch(() => {});
  const region = $("content").getBoundingClientRect();
  const ratio = img.naturalWidth / Math.max(1, img.naturalHeight);
  const regionRatio = region.width / Math.max(1, region.height);
  const close = Math.abs(Math.log(ratio / regionRatio)) < Math.log(1.2);
  frame.dataset.fit = item.kind !== "artwork" && close ? "cover" : "contain";
  return frame;
}

/** A visiting exhibition's work carries a QR code to its page in the traveller app, drawn in a corner. */
function artworkQr(item) {
  if (!item.qr_svg) return null;
  const figure = element("figure", "artwork-qr");
  figure.dataset.link = item.link ?? "";
  const code = element("img");
  code.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(item.qr_svg)}`;
  code.alt = "";
  figure.append(code, element("figcaption", "", "Scannez · Scan"));
  return figure;
}

/** An item with an end (a work's rights, its visit) is not shown from then on, document or not. */
function playable(item) {
  return !item.shown_until || Date.parse(item.shown_until) > Date.now();
}

function showCredit(item) {
  const credit = $("credit");
  credit.replaceChildren();
  if (item.kind !== "artwork") {
    credit.hidden = true;
    return;
  }
  credit.append(element("span", "credit__title", item.title));
  const who = [item.artist, item.year].filter(Boolean).join(", ");
  if (who) credit.append(document.createTextNode(` — ${who}`));
  if (item.credit) credit.append(document.createTextNode(` · ${item.credit}`));
  credit.hidden = false;
}

// -- the rotation ----------------------------------------------------------------------------------------

/** The playlist to play at this moment: `now`, or `next` once its time has come. */
function currentPlaylist(doc) {
  if (!doc) return null;
  const now = Date.now();
  if (doc.next?.starts_at && Date.parse(doc.next.starts_at) <= now) return doc.next.playlist;
  return doc.now?.playlist ?? null;
}

let front = $("layer-a");
let back = $("layer-b");
let position = -1;
let playingId = null;
let itemTimers = [];
let rotationTimer = null;

async function advance() {
  clearTimeout(rotationTimer);
  const playlist = currentPlaylist(state.document);
  const items = (playlist?.items ?? []).filter(playable);
  if (!items.length) {
    rotationTimer = setTimeout(advance, 1000);
    return;
  }
  if (playlist.id !== playingId) {
    playingId = playlist.id;
    position = -1;
  }
  position = (position + 1) % items.length;
  const item = items[position];
  const timers = [];
  let node;
  try {
    node = await render(item, timers);
  } catch {
    rotationTimer = setTimeout(advance, 1000); // its media is not there yet: the next item
    return;
  }
  back.replaceChildren(node);
  back.dataset.transition = item.transition ?? "fade";
  back.classList.add("is-shown");
  front.classList.remove("is-shown");
  for (const timer of itemTimers) clearInterval(timer);
  itemTimers = timers;
  [front, back] = [back, front];
  showCredit(item);
  const at = Date.now();
  state.shown.push({ id: item.content_item_id, kind: item.kind, at, region: contentRegion() });
  if (state.shown.length > 50) state.shown.shift();
  recordPlay(item, at);
  rotationTimer = setTimeout(advance, item.duration_seconds * 1000);
}

// -- alerts ------------------------------------------------------------------------------------------------

const SEVERITY = { emergency: "Urgence · Emergency", warning: "Attention · Warning", info: "Information" };
const acknowledged = new Set();
let alertTimer = null;
let expiryTimer = null;
let latestAlerts = [];

function showAlerts(alerts, via = "document") {
  const box = $("alert");
  latestAlerts = alerts ?? [];
  const active = latestAlerts.filter((a) => !a.expires_at || Date.parse(a.expires_at) > Date.now());
  clearInterval(alertTimer);
  clearTimeout(expiryTimer);
  // An alert leaves the screen at its expiry, whether or not anything comes from the network.
  const expiries = active.filter((a) => a.expires_at).map((a) => Date.parse(a.expires_at) - Date.now());
  if (expiries.length) expiryTimer = setTimeout(() => showAlerts(latestAlerts, via), Math.min(...expiries) + 50);
  if (!active.length) {
    box.hidden = true;
    state.alert = null;
    return;
  }
  const alert = active[0];
  box.dataset.severity = alert.severity;
  $("alert-severity").textContent = SEVERITY[alert.severity] ?? alert.severity;
  const languages = languagesOf({ texts: alert.texts });
  let index = 0;
  const text = $("alert-text");
  const show = () => {
    const tag = languages[index % languages.length] ?? alert.language;
    text.lang = tag;
    text.textContent = alert.texts[tag] ?? alert.text;
    index += 1;
  };
  show();
  if (languages.length > 1) alertTimer = setInterval(show, LANGUAGE_MS);
  box.hidden = false;
  if (state.alert?.id !== alert.id) state.alert = { id: alert.id, shownAt: Date.now(), via };
  for (const shown of active) {
    if (acknowledged.has(shown.id)) continue;
    api
      .post(`${base()}/alerts/${shown.id}/ack`)
      .then(() => acknowledged.add(shown.id))
      .catch(() => {}); // sent again at the next document
  }
}

// -- the document: polled with If-None-Match, kept for offline starts ----------------------------------------

const regions = new Regions($("stage"), $("content"));
state.regions = regions.state;

function adopt(doc, etag) {
  const changed = doc.version !== state.document?.version;
  state.document = doc;
  state.etag = etag;
  const languages = doc.screen?.languages ?? ["fr"];
  document.documentElement.lang = languages[0] ?? "fr";
  document.documentElement.dir = directionOf(languages);
  regions.apply(doc);
  if (changed) {
    try {
      localStorage.setItem(DOCUMENT_KEY, JSON.stringify({ doc, etag }));
    } catch {
      /* storage full: the service worker still has it */
    }
    for (const item of itemsOf(doc)) {
      mediaUrl(item).catch(() => {}); // fetch ahead, so the next item is ready offline
    }
    warmCache(doc);
  }
  showAlerts(doc.alerts);
}

function itemsOf(doc) {
  return [...(doc.now?.playlist?.items ?? []), ...(doc.next?.playlist?.items ?? [])];
}

function controlled() {
  if (!("serviceWorker" in navigator)) return Promise.resolve(false);
  if (navigator.serviceWorker.controller) return Promise.resolve(true);
  return new Promise((resolve) => {
    navigator.serviceWorker.addEventListener("controllerchange", () => resolve(true), { once: true });
  });
}

/** Media fetched before the service worker took the page over are fetched again through it. */
function warmCache(doc) {
  controlled().then((yes) => {
    if (!yes) return;
    for (const item of itemsOf(doc)) if (item.media_url) fetch(item.media_url).catch(() => {});
  });
}

function savedDocument() {
  try {
    return JSON.parse(localStorage.getItem(DOCUMENT_KEY) ?? "null");
  } catch {
    return null;
  }
}

async function fetchDocument() {
  state.documentFetches += 1;
  const headers = state.etag ? { "If-None-Match": state.etag } : {};
  const response = await api.fetch(`${base()}/playlist`, { headers });
  if (response.status === 200) adopt(await response.json(), response.headers.get("etag"));
  else showAlerts(latestAlerts); // expiries pass without a new document
  setOnline(response.headers.get("x-player-cache") !== "offline");
}

let polling = null;

async function poll() {
  try {
    await fetchDocument();
  } catch (error) {
    setOnline(false, error);
  }
  polling = state.live ? null : setTimeout(poll, POLL_MS);
}

/** The document again, once for a burst of `changed` events. */
let revalidating = null;
function revalidate() {
  clearTimeout(revalidating);
  revalidating = setTimeout(() => fetchDocument().catch((error) => setOnline(false, error)), 100);
}

function listen() {
  const stream = api.events(`${base()}/events`, { maxRetryMs: 10000 });
  stream.on("alerts", (event) => showAlerts(event.json(), "stream"));
  stream.on("changed", revalidate);
  stream.addEventListener("state", (/** @type {CustomEvent} */ event) => {
    state.live = event.detail === "open";
    if (state.live) {
      clearTimeout(polling);
      polling = null;
      setOnline(true);
      revalidate(); // what changed while the channel was down
    } else if (event.detail !== "connecting" && polling === null) {
      poll();
    }
  });
  stream.start();
}

function setOnline(online, error) {
  state.online = online;
  state.error = error ? String(error.message ?? error) : null;
  const status = $("status");
  status.hidden = online;
  status.textContent = online ? "" : "Hors ligne · Offline";
}

// -- heartbeats and proof of play ------------------------------------------------------------------------------

/** The name of the layout region the rotation plays in (proof of play per region). */
function contentRegion() {
  const layout = state.document?.layout;
  return layout?.regions?.find((r) => r.kind === "content")?.name ?? "content";
}

function recordPlay(item, at) {
  const plays = JSON.parse(localStorage.getItem(PLAYS_KEY) ?? "[]");
  plays.push({
    play_id: `${at.toString(36)}-${Math.random().toString(36).slice(2, 10)}`,
    content_item_id: item.content_item_id,
    started_at: new Date(at).toISOString(),
    duration_seconds: item.duration_seconds,
    region: contentRegion(),
  });
  localStorage.setItem(PLAYS_KEY, JSON.stringify(plays.slice(-5000)));
}

async function sendPlays() {
  const plays = JSON.parse(localStorage.getItem(PLAYS_KEY) ?? "[]");
  if (plays.length) {
    const batch = plays.slice(0, 500);
    try {
      await api.post(`${base()}/plays`, { plays: batch });
      // At least once: forgotten only once the service has them (a resend is counted once).
      const sent = new Set(batch.map((p) => p.play_id));
      const left = JSON.parse(localStorage.getItem(PLAYS_KEY) ?? "[]").filter((p) => !sent.has(p.play_id));
      localStorage.setItem(PLAYS_KEY, JSON.stringify(left));
    } catch {
      /* offline: kept for the next round */
    }
  }
  setTimeout(sendPlays, PLAYS_MS);
}

async function heartbeat() {
  try {
    await api.post(`${base()}/heartbeat`, { version: state.document?.version ?? null });
  } catch {
    /* offline: the operator view shows it */
  }
  setTimeout(heartbeat, HEARTBEAT_MS);
}

// -- start --------------------------------------------------------------------------------------------------------

async function start() {
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("./sw.js", { scope: "./" }).catch(() => {});
  }
  window.addEventListener("online", () => setOnline(true));
  window.addEventListener("offline", () => setOnline(false));
  if (!session.signedIn) await pair();
  Object.assign(state, identity(), { paired: true });
  $("stage").hidden = false;
  document.documentElement.dataset.ready = "true";
  // The last good document first: a player that restarts without network plays at once.
  const saved = savedDocument();
  if (saved?.doc?.screen?.code === state.screen) adopt(saved.doc, saved.etag);
  advance();
  await poll(); // the document once, then the push channel (polling only while it is down)
  listen();
  heartbeat();
  sendPlays();
}

start().catch((error) => {
  state.error = String(error?.message ?? error);
  $("status").hidden = false;
  $("status").textContent = `Erreur · Error: ${state.error}`;
});
