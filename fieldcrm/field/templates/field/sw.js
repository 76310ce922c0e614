{% load static %}/* FieldCRM service worker (Workbox, vendored): the phone page's static files are precached, static files are
 * cache-first; Today (/field/) is served from its last copy at once and refreshed behind it (the page carries
 * the route and field.js loads the fresh day anyway), other pages network-first with the cached copy when there
 * is no network. API reads are left to the network: the page keeps what it loaded in IndexedDB, and a cached
 * answer handed back after a timeout would be stored as if it were fresh ("loaded at" would lie). Writes never
 * pass through here: the page's outbox (IndexedDB) sends them when the network is back.
 * The page cache holds the manager's own pages: it is dropped when a form is posted from a page (logging in or
 * out, changing the language), and field.js clears it on logout and when it finds another user. */
// The app's version: {{ version }}. Any change to what the phone runs changes this file, so the new worker is
// installed and takes over; the outbox and an open visit live in IndexedDB, untouched by the change.
importScripts("{% static 'vendor/workbox-7.4.1/workbox-sw.js' %}");
workbox.setConfig({ modulePathPrefix: "{% get_static_prefix %}vendor/workbox-7.4.1/", debug: false });
workbox.loadModule("workbox-core");
workbox.loadModule("workbox-routing");
workbox.loadModule("workbox-strategies");
workbox.loadModule("workbox-expiration");
workbox.loadModule("workbox-precaching");

workbox.core.clientsClaim();
self.skipWaiting();

// Logging in or out or another language changes who or how every page is shown: the copies go before the
// answer arrives, so the next user never sees the previous one's pages.
self.addEventListener("fetch", (event) => {
  if (event.request.mode === "navigate" && event.request.method === "POST") event.waitUntil(caches.delete("fieldcrm-pages"));
});

// Static URLs carry their content hash (ManifestStaticFilesStorage), so no revision is needed. Only what /field/
// loads: on a slow phone every precached byte competes with the day being loaded. The map (Leaflet) is cached
// by the static route below once it has been opened.
workbox.precaching.precacheAndRoute([
  { url: "{% static 'vendor/bootstrap-5.3.9/bootstrap.min.css' %}", revision: null },
  { url: "{% static 'vendor/dexie-4.4.7/dexie.min.js' %}", revision: null },
  { url: "{% static 'field/field.js' %}", revision: null },
  { url: "{% static 'field/field.css' %}", revision: null },
  { url: "{% static 'field/icon-192.png' %}", revision: null },
]);

// A copy's age is the time since this worker stored it, by this worker's own clock. Workbox's ExpirationPlugin with
// maxAgeSeconds also judges a copy by its Date header, i.e. the server's clock against the phone's: a phone whose
// clock runs a week ahead of the server (or a test server on a fixed day) would find every copy expired and open
// nothing offline. So the age is stamped when the copy is stored and checked when it is used; the ExpirationPlugin
// only bounds the number of copies. Only complete 200 answers are kept, as the strategies do by default.
const STORED_AT = "x-fieldcrm-stored-at";
const storedAge = (maxAgeSeconds) => ({
  cacheWillUpdate: async ({ response }) => {
    // a login page reached by a redirect (the session expired) is not a copy of the page asked for
    if (!response || response.status !== 200 || response.type === "opaque" || response.redirected) return null;
    const headers = new Headers(response.headers);
    headers.set(STORED_AT, String(Date.now()));
    return new Response(await response.blob(), { status: response.status, statusText: response.statusText, headers });
  },
  cachedResponseWillBeUsed: async ({ cachedResponse }) => {
    if (!cachedResponse) return null;
    const storedAt = Number(cachedResponse.headers.get(STORED_AT));
    if (!storedAt) return cachedResponse; // stored by a version before the stamp: Workbox's entry count still bounds it
    const age = Date.now() - storedAt;
    return age <= maxAgeSeconds * 1000 ? cachedResponse : null; // a clock set back is not an old copy
  },
});

workbox.routing.registerRoute(
  ({ url }) => url.pathname.startsWith("{% get_static_prefix %}"),
  new workbox.strategies.CacheFirst({
    cacheName: "fieldcrm-static",
    plugins: [storedAge(30 * 24 * 3600), new workbox.expiration.ExpirationPlugin({ maxEntries: 200 })],
  }),
);
const pageExpiry = () => [storedAge(7 * 24 * 3600), new workbox.expiration.ExpirationPlugin({ maxEntries: 100 })];
// Today: on screen at once from the last copy, whatever the network; the copy is refreshed for the next time.
workbox.routing.registerRoute(
  ({ request, url }) => request.method === "GET" && request.mode === "navigate" && url.pathname === "{% url 'field_today' %}",
  // ignoreVary: Django varies on Cookie and Accept-Language, which a service worker's request never shows; the
  // copy is this user's own (dropped on logout, login and another user, see above).
  new workbox.strategies.StaleWhileRevalidate({ cacheName: "fieldcrm-pages", plugins: pageExpiry(),
    matchOptions: { ignoreVary: true } }),
);
// Other pages: fresh when online, the last copy when not (3 s: a weak signal is as good as none).
workbox.routing.registerRoute(
  ({ request }) => request.method === "GET" && request.mode === "navigate",
  new workbox.strategies.NetworkFirst({
    cacheName: "fieldcrm-pages",
    networkTimeoutSeconds: 3,
    plugins: pageExpiry(),
  }),
);
