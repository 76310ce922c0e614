{% load static %}/* FieldCRM service worker (Workbox, vendored): the shell is precached, static files are cache-first,
 * pages and API reads network-first with the cached copy when there is no network. Writes never pass through
 * here: the page's outbox (IndexedDB) sends them when the network is back. */
importScripts("{% static 'vendor/workbox-7.4.1/workbox-sw.js' %}");
workbox.setConfig({ modulePathPrefix: "{% get_static_prefix %}vendor/workbox-7.4.1/", debug: false });
workbox.loadModule("workbox-core");
workbox.loadModule("workbox-routing");
workbox.loadModule("workbox-strategies");
workbox.loadModule("workbox-expiration");
workbox.loadModule("workbox-precaching");

workbox.core.clientsClaim();
self.skipWaiting();

// Static URLs carry their content hash (ManifestStaticFilesStorage), so no revision is needed.
workbox.precaching.precacheAndRoute([
  { url: "{% static 'vendor/bootstrap-5.3.9/bootstrap.min.css' %}", revision: null },
  { url: "{% static 'vendor/bootstrap-5.3.9/bootstrap.bundle.min.js' %}", revision: null },
  { url: "{% static 'vendor/htmx-2.0.11/htmx.min.js' %}", revision: null },
  { url: "{% static 'vendor/dexie-4.4.7/dexie.min.js' %}", revision: null },
  { url: "{% static 'fieldcrm/site.css' %}", revision: null },
  { url: "{% static 'field/field.js' %}", revision: null },
  { url: "{% static 'field/field.css' %}", revision: null },
  { url: "{% static 'field/icon-192.png' %}", revision: null },
]);

workbox.routing.registerRoute(
  ({ url }) => url.pathname.startsWith("{% get_static_prefix %}"),
  new workbox.strategies.CacheFirst({
    cacheName: "fieldcrm-static",
    plugins: [new workbox.expiration.ExpirationPlugin({ maxEntries: 200, maxAgeSeconds: 30 * 24 * 3600 })],
  }),
);
// Pages and API reads: fresh when online, the last copy when not (3 s: a weak signal is as good as none).
workbox.routing.registerRoute(
  ({ request, url }) => request.method === "GET" && (request.mode === "navigate" || url.pathname.startsWith("/api/v1/") && !url.pathname.startsWith("/api/v1/photos/")),
  new workbox.strategies.NetworkFirst({
    cacheName: "fieldcrm-pages",
    networkTimeoutSeconds: 3,
    plugins: [new workbox.expiration.ExpirationPlugin({ maxEntries: 100, maxAgeSeconds: 7 * 24 * 3600 })],
  }),
);
