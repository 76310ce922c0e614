/* Inline in /field/ (no request of its own): the ONE way Today's route is drawn. It draws the route the page
 * carries (#today-data) as soon as the page is parsed, before Dexie, field.js or Bootstrap have arrived; field.js
 * then draws what IndexedDB holds with these same functions (window.FieldRoute). A tap on "Visit" before field.js
 * is there is remembered and opened once it is. The map (Leaflet) is loaded only when its box is opened. */
window.FieldRoute = (function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const S = JSON.parse($("field-strings").textContent);
  const app = $("field-app");
  const TZ = app.dataset.tz;
  const LANG = document.documentElement.lang || "zh-hans";
  const el = (tag, attrs, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v);
    for (const child of children) if (child !== null && child !== undefined && child !== "") node.append(child);
    return node;
  };
  const fmt = (template, values) => template.replace(/%\((\w+)\)s/g, (_m, k) => values[k]);

  // Times in the company's zone (Asia/Shanghai), whatever zone the phone is set to.
  const beijing = (iso) => fmt(S.beijing, { time: new Intl.DateTimeFormat(LANG, { timeZone: TZ, month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date(iso)) });
  const dayLabel = (isoDay) => new Intl.DateTimeFormat(LANG, { timeZone: "UTC", month: "long", day: "numeric", weekday: "short" })
    .format(new Date(isoDay + "T00:00:00Z"));
  const dayOf = (iso) => new Intl.DateTimeFormat("en-CA", { timeZone: TZ }).format(iso ? new Date(iso) : new Date());  // YYYY-MM-DD
  const today = () => dayOf(null);

  function metres(lat1, lon1, lat2, lon2) {  // haversine, as the server computes distance_m
    const r = (d) => (d * Math.PI) / 180;
    const a = Math.sin(r(lat2 - lat1) / 2) ** 2 + Math.cos(r(lat1)) * Math.cos(r(lat2)) * Math.sin(r(lon2 - lon1) / 2) ** 2;
    return 2 * 6371008.8 * Math.asin(Math.sqrt(a));
  }
  function away(store, here) {
    if (!here || store.latitude == null || store.longitude == null) return null;
    const m = Math.round(metres(here.latitude, here.longitude, store.latitude, store.longitude));
    return el("span", { class: "away", "data-m": m }, fmt(S.away, { d: m < 1000 ? `${m} m` : `${(m / 1000).toFixed(1)} km` }));
  }
  function navLinks(nav) {
    const links = el("span", { class: "nav-links" });
    if (nav && nav.amap) links.append(
      el("a", { class: "nav-amap", href: nav.amap, target: "_blank", rel: "noopener" }, S.amap), " ",
      el("a", { class: "nav-baidu-app", href: nav.baidu_app }, S.baidu), " ",
      el("a", { class: "nav-baidu", href: nav.baidu, target: "_blank", rel: "noopener" }, S.baiduWeb));
    return links;
  }
  const visitButton = (code) => el("button", { type: "button", class: "btn btn-sm btn-success ms-auto open-visit", "data-code": code }, S.visit);
  const where = (...parts) => el("div", { class: "small text-muted" }, ...parts.filter(Boolean).flatMap((p, n) => (n ? [" · ", p] : [p])));

  function stopItem(stop, here) {
    return el("li", { class: "stop card p-2 mb-2", "data-code": stop.customer_code, "data-sequence": stop.sequence },
      el("div", { class: "d-flex" }, el("strong", { class: "me-auto" }, `${stop.sequence}. ${stop.name}`),
        el("span", { class: `badge outcome-${stop.outcome}` }, S.outcomes[stop.outcome] || stop.outcome)),
      where(stop.arrival ? stop.arrival.slice(0, 5) : null, stop.address, away(stop, here)),
      stop.reasons.length ? el("div", { class: "small" }, stop.reasons.join(" · ")) : null,
      stop.problems ? el("div", { class: "small text-danger" }, stop.problems) : null,
      el("div", { class: "d-flex align-items-center mt-1" }, navLinks(stop.navigation), visitButton(stop.customer_code)));
  }

  function dueItem(item, here, recorded) {
    return el("li", { class: "due-item card p-2 mb-2", "data-code": item.customer_code },
      el("div", { class: "d-flex" }, el("strong", { class: "me-auto" }, item.name),
        recorded ? el("span", { class: "badge outcome-recorded" }, S.outcomes.recorded) : null),
      where(fmt(S.plannedFor, { day: dayLabel(item.planned_day) }), item.address, away(item, here)),
      el("ul", { class: "small text-danger mb-0 needs" }, ...item.needs.map((text) => el("li", {}, text))),
      el("div", { class: "d-flex align-items-center mt-1" }, navLinks(item.navigation), visitButton(item.customer_code)));
  }

  const state = { stops: [], here: null, day: "" };
  function drawStops(stops, here) {
    state.stops = stops;
    state.here = here || null;
    const list = $("stops");
    list.replaceChildren(...(stops.length ? stops.map((stop) => stopItem(stop, here)) : [el("li", { class: "text-muted small" }, S.noStops)]));
    document.dispatchEvent(new CustomEvent("fieldroute:drawn", { detail: state }));
  }
  function drawAlsoDue(items, here, recorded) {
    $("also-due-box").hidden = !items.length;
    $("also-due").replaceChildren(...items.map((item) => dueItem(item, here, recorded && recorded.has(item.customer_code))));
  }
  // meta: {day, generated_at} or null (nothing on this phone); stored: "ready" (for offline use), "storing" or "failed".
  function drawHeader(meta, stored) {
    state.day = meta ? dayLabel(meta.day) : "";
    $("route-day").textContent = state.day;
    const line = $("loaded-state");
    if (!meta) { line.textContent = S.notLoaded; line.className = "small text-danger mb-1"; return; }
    const stale = meta.day !== today();
    const at = beijing(meta.generated_at);
    line.replaceChildren(stored === "ready" ? fmt(S.loaded, { at }) : stored === "storing" ? fmt(S.storing, { at }) : `${at} · ${S.notLoaded}`,
      stale ? el("strong", { class: "d-block stale-route" }, fmt(S.staleRoute, { day: dayLabel(meta.day) })) : "");
    line.className = `small mb-1 ${stale || stored === "failed" ? "text-danger" : "text-muted"}`;
    line.dataset.stored = stored;
  }

  // A tap on "Visit" before field.js has arrived: remembered, opened by field.js when it starts.
  const api = { S, drawStops, drawAlsoDue, drawHeader, beijing, dayLabel, dayOf, today, metres, state, pending: null, open: null };
  app.addEventListener("click", (event) => {
    const button = event.target.closest(".open-visit");
    if (!button) return;
    if (api.open) api.open(button.dataset.code);
    else api.pending = button.dataset.code;
  });

  // The map: Leaflet and the plan page's map widget, fetched when the box is first opened (never before the
  // route is drawn; collapsed on a phone, open on a wide screen once the page has loaded).
  const box = $("map-box");
  const loaded = new Set();
  let mapLoading = null;
  function loadMap() {
    if (mapLoading) return mapLoading;
    const files = box.dataset;
    for (const href of [files.leafletCss, files.mapCss].filter((f) => !loaded.has(f))) {
      document.head.append(el("link", { rel: "stylesheet", href }));
      loaded.add(href);
    }
    const scripts = [files.leafletJs, files.mapJs, files.todayMapJs].filter((src) => !loaded.has(src));
    mapLoading = Promise.all(scripts.map((src) => new Promise((resolve, reject) => {
      const script = el("script", { src });
      script.async = false;  // downloaded side by side, run in order
      script.onload = () => { loaded.add(src); resolve(); };
      script.onerror = () => { script.remove(); reject(new Error(src)); };
      document.head.append(script);
    }))).then(() => {
      $("map-state").textContent = "";
      window.FieldTodayMap.draw();
    }).catch(() => {
      $("map-state").textContent = S.mapOffline;
      mapLoading = null;  // tried again the next time the box opens
    });
    return mapLoading;
  }
  box.addEventListener("toggle", () => { if (box.open) loadMap(); });
  if (window.matchMedia("(min-width: 768px)").matches) window.addEventListener("load", () => { box.open = true; });

  const data = JSON.parse($("today-data").textContent);
  api.inline = data;
  drawHeader(data, "storing");
  drawStops(data.stops, null);
  drawAlsoDue(data.also_due, null, null);
  return api;
})();
