// Door service worker (served at /door/sw.js, scope /door/): keeps the page shell and its
// scripts so the door page opens with no network. API calls are never cached here; the page
// keeps its data in IndexedDB.
const VERSION = "door-v1";
// Where the app serves static files (/static/ in a checkout; the page says, so an installed or
// prefixed app works too).
const STATIC = new URL(self.location).searchParams.get("static") || "/static/";
const SHELL = [
  "door/door.css",
  "door/js/main.js",
  "door/js/camera.js",
  "door/js/feedback.js",
  "door/js/fold.js",
  "door/js/sha256.js",
  "door/js/store.js",
  "vendor/jsqr/jsQR.js",
  "door/icon-192.png",
].map((path) => STATIC + path);

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(VERSION).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name !== VERSION) await caches.delete(name);
    await self.clients.claim();
  })());
});

async function networkFirst(request) {
  const cache = await caches.open(VERSION);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(request, { ignoreSearch: true });
    if (cached) return cached;
    throw error;
  }
}

async function staleWhileRevalidate(request) {
  const cache = await caches.open(VERSION);
  const cached = await cache.match(request);
  const fresh = fetch(request).then((response) => {
    if (response.ok) cache.put(request, response.clone());
    return response;
  }).catch(() => null);
  return cached || (await fresh) || Response.error();
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/")) return;
  if (event.request.mode === "navigate" || url.pathname.endsWith(".webmanifest")) {
    event.respondWith(networkFirst(event.request));
  } else if (url.pathname.startsWith(`${STATIC}door/`) || url.pathname.startsWith(`${STATIC}vendor/jsqr/`)) {
    event.respondWith(staleWhileRevalidate(event.request));
  }
});

// The page asks for its own URL to be kept: its first load happened before this worker ran.
self.addEventListener("message", (event) => {
  const url = event.data && event.data.keep;
  if (typeof url === "string" && url.startsWith(new URL(self.registration.scope).pathname)) {
    event.waitUntil(caches.open(VERSION).then((cache) => cache.add(url)).catch(() => {}));
  }
});
