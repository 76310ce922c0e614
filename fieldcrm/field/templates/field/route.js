/* Inline in /field/ (no request of its own): the ONE way Today's route is drawn. It draws the route the page
 * carries (#today-data) as soon as the page is parsed, before Dexie, field.js or Bootstrap have arrived; field.js
 * then draws what IndexedDB holds with these same functions (window.FieldRoute). A tap on "Visit" before field.js
 * is there is remembered and opened once it is. Right after drawing it asks for the day's data and keeps a copy
 * of the page, so neither waits for field.js. The map (Leaflet) is loaded only when its box is opened. */
window.FieldRoute = (function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const S = JSON.parse($("field-strings").textContent);
  const app = $("field-app");
  const OFFSET = Number(app.dataset.utcOffset) * 60000;  // the company's zone (Asia/Shanghai), from the server
  const el = (tag, attrs, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v);
    for (const child of children) if (child !== null && child !== undefined && child !== "") node.append(child);
    return node;
  };
  const fmt = (template, values) => template.replace(/%\((\w+)\)s/g, (_m, k) => values[k]);

  // Days and times in the company's zone, whatever zone the phone is set to; the labels come from the server
  // (Intl takes a good part of a second to start on a slow phone).
  const beijing = (label) => fmt(S.beijing, { time: label });
  const dayOf = (iso) => new Date((iso ? Date.parse(iso) : Date.now()) + OFFSET).toISOString().slice(0, 10);  // YYYY-MM-DD
  const today = () => dayOf(null);

  function metres(lat1, lon1, lat2, lon2) {  // haversine, as the server computes distance_m
    const r = (d) => (d * Math.PI) / 180;
    const a = Math.sin(r(lat2 - lat1) / 2) ** 2 + Math.cos(r(lat1)) * Math.cos(r(lat2)) * Math.sin(r(lon2 - lon1) / 2) ** 2;
    return 2 * 6371008.8 * Math.asin(Math.sqrt(a));
  }
  function away(store, here) {
    if (!here || store.latitude == null || store.longitude == null) return null;
    const m = Math.round(metres(here.latitude, here.longitude, store.latitude, store.longitude));
    return el("span", { class: "away", "data-m": m }, fmt(S.away, { d: m < 1000 ? fmt(S.metres, { n: m }) : fmt(S.kilometres, { n: (m / 1000).toFixed(1) }) }));
  }
  function navLinks(nav) {
    const links = el("span", { class: "nav-links" });
    if (nav && nav.amap) links.append(
      el("a", { class: "nav-amap", href: nav.amap, target: "_blank", rel: "noopener" }, S.amap), " ",
      el("a", { class: "nav-baidu-app", href: nav.baidu_app }, S.baidu), " ",
      el("a", { class: "nav-baidu", href: nav.baidu, target: "_blank", rel: "noopener" }, S.baiduWeb));
    return links;
  }
  const visitButton = (code, label) => el("button", { type: "button", class: "btn btn-sm btn-success ms-auto open-visit", "data-code": code }, label || S.visit);
  // A stop done today is one line: its planned visit is carried out, so it offers only another (unplanned) visit.
  const DONE = ["done", "off_site", "recorded"];
  const where = (...parts) => el("div", { class: "small text-muted" }, ...parts.filter(Boolean).flatMap((p, n) => (n ? [" · ", p] : [p])));

  function stopItem(stop, here, next) {
    if (DONE.includes(stop.outcome) && !stop.open_since) {
      return el("li", { class: "stop stop-done mb-1", "data-code": stop.customer_code, "data-sequence": stop.sequence },
        el("span", { class: `badge outcome-${stop.outcome} me-1` }, S.outcomes[stop.outcome] || stop.outcome),
        el("span", { class: "me-auto small" }, `${stop.sequence}. ${stop.name}`),
        el("button", { type: "button", class: "btn btn-sm btn-link again-visit", "data-code": stop.customer_code }, S.anotherVisit));
    }
    const badge = stop.open_since ? el("span", { class: "badge outcome-open in-progress" }, fmt(S.inProgress, { at: stop.open_since }))
      : el("span", { class: `badge outcome-${stop.outcome}` }, S.outcomes[stop.outcome] || stop.outcome);
    return el("li", { class: `stop card p-2 mb-2${next ? " next-stop" : ""}${stop.open_since ? " stop-open" : ""}`, "data-code": stop.customer_code, "data-sequence": stop.sequence },
      next ? el("div", { class: "small fw-bold text-success next-label" }, S.nextStop) : null,
      el("div", { class: "d-flex" }, el("strong", { class: "me-auto" }, `${stop.sequence}. ${stop.name}`), badge),
      where(stop.arrival ? stop.arrival.slice(0, 5) : null, stop.address, away(stop, here)),
      stop.reasons.length ? el("div", { class: "small" }, stop.reasons.join(" · ")) : null,
      stop.problems ? el("div", { class: "small text-danger" }, stop.problems) : null,
      el("div", { class: "d-flex align-items-center mt-1" }, navLinks(stop.navigation), visitButton(stop.customer_code, stop.open_since ? S.continueVisit : null)));
  }

  function dueItem(item, here, recorded) {
    return el("li", { class: "due-item card p-2 mb-2", "data-code": item.customer_code },
      el("div", { class: "d-flex" }, el("strong", { class: "me-auto" }, item.name),
        recorded ? el("span", { class: "badge outcome-recorded" }, S.outcomes.recorded) : null),
      where(fmt(S.plannedFor, { day: item.planned_day_label }), item.address, away(item, here)),
      el("ul", { class: "small text-danger mb-0 needs" }, ...item.needs.map((text) => el("li", {}, text))),
      el("div", { class: "d-flex align-items-center mt-1" }, navLinks(item.navigation), visitButton(item.customer_code)));
  }

  const state = { stops: [], here: null, day: "", next: null };
  // The next stop: an open visit first, else the first stop in the route's order not done yet.
  const nextStop = (stops) => stops.find((s) => s.open_since) || stops.find((s) => !DONE.includes(s.outcome) && s.outcome !== "missed");
  function drawStops(stops, here) {
    state.stops = stops;
    state.here = here || null;
    const next = nextStop(stops);
    state.next = next ? next.customer_code : null;
    const list = $("stops");
    list.replaceChildren(...(stops.length ? stops.map((stop) => stopItem(stop, here, stop === next)) : [el("li", { class: "text-muted small" }, S.noStops)]));
    drawProgress(stops);
    document.dispatchEvent(new CustomEvent("fieldroute:drawn", { detail: state }));
  }
  // The day at a glance: stores done, left, off-site, and the time (Beijing).
  function drawProgress(stops) {
    const done = stops.filter((s) => DONE.includes(s.outcome)).length;
    const offSite = stops.filter((s) => s.outcome === "off_site").length;
    const left = stops.filter((s) => s.outcome === "pending").length;
    const now = new Date(Date.now() + OFFSET).toISOString().slice(11, 16);
    const line = $("day-progress");
    line.textContent = fmt(S.progress, { done, left, off: offSite, time: now });
    Object.assign(line.dataset, { done, left, off: offSite });
  }
  function drawAlsoDue(items, here, recorded) {
    $("also-due-box").hidden = !items.length;
    $("also-due").replaceChildren(...items.map((item) => dueItem(item, here, recorded && recorded.has(item.customer_code))));
  }
  // meta: {day, day_label, generated_label} or null (nothing on this phone); stored: "ready" (for offline use),
  // "storing" or "failed".
  function drawHeader(meta, stored) {
    state.day = meta ? meta.day_label : "";
    $("route-day").textContent = state.day;
    const line = $("loaded-state");
    if (!meta) { line.textContent = S.notLoaded; line.className = "small text-danger mb-1"; return; }
    const stale = meta.day !== today();
    const at = beijing(meta.generated_label);
    line.replaceChildren(stored === "ready" ? fmt(S.loaded, { at }) : stored === "storing" ? fmt(S.storing, { at }) : `${at} · ${S.notLoaded}`,
      stale ? el("strong", { class: "d-block stale-route" }, fmt(S.staleRoute, { day: meta.day_label })) : "");
    line.className = `small mb-1 ${stale || stored === "failed" ? "text-danger" : "text-muted"}`;
    line.dataset.stored = stored;
  }

  // A tap on "Visit" before field.js has arrived: remembered, opened by field.js when it starts.
  const api = { S, drawStops, drawAlsoDue, drawHeader, dayOf, today, metres, state, pending: null, open: null };
  app.addEventListener("click", (event) => {
    const button = event.target.closest(".open-visit, .again-visit");
    if (!button) return;
    const again = button.classList.contains("again-visit");
    if (api.open) api.open(button.dataset.code, { again });
    else api.pending = { code: button.dataset.code, again };
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
  performance.mark("fieldcrm:route-drawn");  // to profile the first paint (DevTools, bench)

  // What field.js stores for the day, asked for now rather than once field.js has arrived: on a slow network
  // that is a round trip saved. fetchDay() hands these answers over once, then asks again.
  const ask = (url) => fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  const askDay = () => [ask("/api/v1/today"), ask("/api/v1/skus?status=on_sale&limit=5000")];
  let early = null;
  api.fetchDay = () => {
    const answers = early || askDay();
    early = null;
    return answers;
  };

  // A copy of this page for the service worker to open offline (sw.js serves Today from it), from the first
  // load on, not only from the second; the copy must be this user's.
  async function keepPage() {
    const cache = await caches.open("fieldcrm-pages");
    const kept = await cache.match(location.pathname, { ignoreVary: true });
    if (kept && (await kept.text()).includes(`data-user="${app.dataset.user}"`)) return;
    await cache.add(location.pathname);
  }
  let pageKept = null;
  api.pageKept = new Promise((resolve) => { pageKept = resolve; });

  setTimeout(() => {  // after this task: the route goes on screen first (not rAF: a tab in the background has none)
    if (!navigator.onLine) return pageKept();
    early = early || askDay();
    early.forEach((answer) => answer.catch(() => {}));  // field.js reports a failure, not the console
    pageKept("caches" in window ? keepPage() : null);
  }, 0);
  return api;
})();
