// The player's service worker: the page, its scripts and styles, the screen's document and its media
// stay available offline, so a screen that reloads without network keeps playing its last content.
//   - media (immutable, addressed by hash): cache first;
//   - the screen document and the page's files: network first (every edit shows), cache when offline.

const CACHE = "gare-player-v2";
const SHELL = [
  "./",
  "./index.html",
  "./player.js",
  "./player.css",
  "./regions.js",
  "../common/dom.js",
  "../common/icons.js",
  "../common/api.js",
  "../common/auth.js",
  "../common/errors.js",
  "../common/sse.js",
];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .catch(() => {}) // offline at install: filled as the page loads
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

const isMedia = (url) => /\/signage\/media\/[0-9a-f]{64}$/.test(url.pathname);
const isDocument = (url) => /\/signage\/screens\/[^/]+\/playlist$/.test(url.pathname);
const isShell = (url) => url.pathname.startsWith("/player/") || url.pathname.startsWith("/common/");

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request.url);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.status === 200) await cache.put(request.url, response.clone());
  return response;
}

async function networkFirst(request, key) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.status === 200) await cache.put(key, response.clone());
    return response;
  } catch (error) {
    const hit = await cache.match(key);
    if (!hit) throw error;
    // Said so, for the page to show it is offline even though it got an answer.
    const headers = new Headers(hit.headers);
    headers.set("x-player-cache", "offline");
    return new Response(hit.body, { status: hit.status, statusText: hit.statusText, headers });
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (isMedia(url) && !request.headers.has("range")) event.respondWith(cacheFirst(request));
  // Keyed by URL alone: the cached document answers whatever If-None-Match the page sends.
  else if (isDocument(url)) event.respondWith(networkFirst(request, url.href));
  else if (isShell(url)) {
    const key = request.mode === "navigate" ? new URL("./index.html", self.location.href).href : url.href;
    event.respondWith(networkFirst(request, key));
  }
});
