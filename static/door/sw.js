// Door service worker (served at /door/sw.js, scope /door/): keeps the page shell and its
// scripts so the door page opens with no network. API calls are never cached here; the page
// keeps its data in IndexedDB.
const VERSION = "door-v1";
const SHELL = [
  "/static/door/door.css",
  "/static/door/js/main.js",
  "/static/door/js/camera.js",
  "/static/door/js/feedback.js",
  "/static/door/js/fold.js",
  "/static/door/js/sha256.js",
  "/static/door/js/store.js",
  "/static/vendor/jsqr/jsQR.js",
  "/static/door/icon-192.png",
];

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
  } else if (url.pathname.startsWith("/static/door/") || url.pathname.startsWith("/static/vendor/jsqr/")) {
    event.respondWith(staleWhileRevalidate(event.request));
  }
});

// The page asks for its own URL to be kept: its first load happened before this worker ran.
self.addEventListener("message", (event) => {
  const url = event.data && event.data.keep;
  if (typeof url === "string" && url.startsWith("/door/")) {
    event.waitUntil(caches.open(VERSION).then((cache) => cache.add(url)).catch(() => {}));
  }
});
