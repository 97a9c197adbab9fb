// groundgame service worker: keeps the canvasser app and the teller page working with no signal.
// Static assets: cache first (versioned). Canvasser and teller pages: network first, cached copy when offline.
// The API is not cached here: the app keeps walks and unsent answers in IndexedDB itself.
'use strict';
const STATIC = 'groundgame-static-@VERSION@';
const PAGES = 'groundgame-pages';
const ASSETS = ['/static/style.css', '/static/offline.js', '/static/canvass.js', '/static/tell.js', '/static/knock.js', '/static/icon.svg', '/manifest.webmanifest'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(STATIC).then((c) => c.addAll(ASSETS)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('groundgame-static-') && k !== STATIC).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

async function networkFirst(request) {
  const cache = await caches.open(PAGES);
  try {
    const response = await fetch(request);
    if (response.ok && !response.redirected) {
      await cache.put(request.url, response.clone());
    }
    return response;
  } catch (e) {
    const cached = await cache.match(request.url);
    if (cached) return cached;
    return new Response(
      '<!doctype html><meta name=viewport content="width=device-width"><title>Offline</title>' +
      '<p>You are offline and this page was not saved on this phone. Open your walks while you have signal.</p>',
      { status: 503, headers: { 'Content-Type': 'text/html; charset=utf-8' } });
  }
}

async function cacheFirst(request) {
  const cached = await caches.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) {
    const cache = await caches.open(STATIC);
    await cache.put(request, response.clone());
  }
  return response;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/static/') || url.pathname === '/manifest.webmanifest') {
    event.respondWith(cacheFirst(request));
  } else if (url.pathname === '/canvass' || url.pathname.startsWith('/canvass/') || url.pathname === '/tell') {
    event.respondWith(networkFirst(request));
  }
});
