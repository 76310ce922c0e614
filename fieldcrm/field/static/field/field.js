/* FieldCRM on the phone: Today's route, the visit at the store and the outbox.
 * Offline-first: everything shown comes from IndexedDB (Dexie), filled by "load for offline" (and on every
 * online start); everything captured goes to the outbox with its client_uuid and is sent when the network
 * is back. The server answers a replayed client_uuid with the first record (200), so resending after a
 * lost response never duplicates; a refusal (4xx) is kept as "failed" with the server's detail until the
 * manager retries or discards it. Fields save to the draft on every keystroke: a phone may be pocketed
 * mid-entry. */
(function () {
  "use strict";
  const S = JSON.parse(document.getElementById("field-strings").textContent);
  const $ = (id) => document.getElementById(id);
  // One database per user: a second person on a shared phone never sees the first one's day, and the first
  // one's unsent records stay theirs (sweepOtherUsers, logOut).
  const USER = $("field-app").dataset.user;
  const db = new Dexie(`fieldcrm-field-u${USER}`);
  db.version(1).stores({
    kv: "key",
    stops: "customer_code, sequence",
    customers: "customer_code",
    checklists: "customer_code",
    skus: "code, barcode",
    drafts: "customer_code",           // a visit checked in, not yet checked out
    outbox: "client_uuid, status, created",
  });
  // A visit's photos wait here, not in its draft (saved on every keystroke), until check-out queues them in the
  // outbox right behind their visit: a photo is sent with the visit's server id.
  db.version(2).stores({ visit_photos: "client_uuid, visit" });
  // The phone over weeks: a record the server has is deleted from the outbox with its photo's blob; what stays is
  // a small receipt (what it was, its server id), kept for the day (the counter, Today's "recorded", the day's
  // summary, a photo waiting for its owner's id) and pruned the next day.
  db.version(3).stores({ sent: "client_uuid, created" }).upgrade(async (tx) => {
    const done = await tx.table("outbox").where("status").equals("sent").toArray();
    await tx.table("sent").bulkPut(done.map(receipt));
    await tx.table("outbox").where("status").equals("sent").delete();
  });
  function receipt(item) {
    const b = item.body || {};
    const body = item.kind === "visit" ? { customer_code: b.customer_code, planned_visit: b.planned_visit, checked_in_at: b.checked_in_at }
      : { customer_code: b.customer_code };
    return { client_uuid: item.client_uuid, kind: item.kind, label: item.label, status: "sent", server_id: item.server_id ?? null,
      outcome: item.outcome || "", parent: item.parent || null, created: item.created, body };
  }
  const record = async (id) => (await db.outbox.get(id)) || (await db.sent.get(id));  // unsent, or its receipt
  const visitRecords = async () => [...await db.outbox.filter((item) => item.kind === "visit").toArray(),
    ...await db.sent.filter((item) => item.kind === "visit").toArray()];
  async function pruneReceipts() {  // yesterday's receipts: the server has those records, the phone needs nothing of them
    const today = FieldRoute.today();
    await db.sent.filter((item) => FieldRoute.dayOf(new Date(item.created).toISOString()) !== today).delete();
  }

  // ---------- helpers ----------
  const uuid = () => (crypto.randomUUID ? crypto.randomUUID() :
    "10000000-1000-4000-8000-100000000000".replace(/[018]/g, (c) =>
      (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16)));
  const now = () => new Date().toISOString();
  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? "" : v);
    }
    for (const child of children) node.append(child);
    return node;
  };
  const fmt = (template, values) => template.replace(/%\((\w+)\)s/g, (_m, k) => values[k]);
  function metres(lat1, lon1, lat2, lon2) {  // haversine, as the server computes distance_m
    const r = (d) => (d * Math.PI) / 180;
    const a = Math.sin(r(lat2 - lat1) / 2) ** 2 + Math.cos(r(lat1)) * Math.cos(r(lat2)) * Math.sin(r(lon2 - lon1) / 2) ** 2;
    return 2 * 6371008.8 * Math.asin(Math.sqrt(a));
  }
  const csrf = () => (document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/) || [])[1] || "";
  async function getJson(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(response.status);
    return response.json();
  }
  // Times are Beijing time whatever zone the phone is set to (the company's day, as the server labels it).
  const beijingClock = new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", hour: "2-digit", minute: "2-digit", hour12: false });
  const beijingTime = (iso) => beijingClock.format(new Date(iso));

  let here = null;  // the phone's last known position
  // maxAge: a fix this old will do (30 s for distances on Today); check-in asks for a fresh one, since the
  // manager may have walked from the last store seconds ago.
  function locate(maxAge = 30000) {
    return new Promise((resolve) => {
      if (!navigator.geolocation) return resolve(here);
      navigator.geolocation.getCurrentPosition(
        (p) => { here = p.coords; resolve(here); renderStops(); },
        () => resolve(here), { enableHighAccuracy: true, timeout: 10000, maximumAge: maxAge });
    });
  }

  // ---------- what the phone keeps for the day ----------
  let loading = false;
  async function loadForOffline() {
    loading = true;
    await renderStops();
    try {  // two requests, side by side: every request costs seconds on a slow network
      const [today, skus] = await Promise.all(FieldRoute.fetchDay().map((answer) => answer.then((response) => {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })));
      await db.transaction("rw", [db.stops, db.customers, db.skus, db.checklists, db.kv, db.outbox, db.sent], async () => {
        await Promise.all([db.customers.clear(), db.skus.clear()]);
        await db.customers.bulkPut(today.customers);
        await db.skus.bulkPut(skus);
        await db.checklists.bulkPut(today.checklists);
        await storeRoute(today);
        await db.kv.update("day", { ready: true });
      });
    } catch (error) {
      console.warn("load for offline failed", error);
    }
    loading = false;
    await renderStops();
  }

  // Today's stops, the needs that cannot wait and when the server answered: from /api/v1/today, or the route
  // the page carries when it is newer than what the phone holds. A visit this phone recorded, and the server
  // does not know of yet (or did not when that route was made), stays "recorded".
  async function storeRoute(route) {
    await db.transaction("rw", db.stops, db.customers, db.kv, db.outbox, db.sent, async () => {
      const visits = await visitRecords();
      const recorded = new Set(visits.map((item) => item.body.planned_visit));
      const mark = (stop) => (stop.outcome === "pending" && recorded.has(stop.planned_visit) ? { ...stop, outcome: "recorded" } : stop);
      await db.stops.clear();
      await db.stops.bulkPut(route.stops.map(mark));
      // the visit screen finds an also-due store among the customers (an unplanned visit)
      await db.customers.bulkPut(route.also_due.map(({ customer_code, name, address, latitude, longitude }) => ({ customer_code, name, address, latitude, longitude })));
      await db.kv.put({ key: "also_due", items: route.also_due });
      await db.kv.put({ key: "day", value: route.day, day_label: route.day_label, radius: route.checkin_radius_m,
        generated_at: route.generated_at, generated_label: route.generated_label, at: now(), ready: false });
    });
  }

  async function adoptInlineRoute() {
    const inline = FieldRoute.inline;
    const meta = await db.kv.get("day");
    if (meta && meta.generated_at && Date.parse(meta.generated_at) >= Date.parse(inline.generated_at)) return;  // a cached page
    await storeRoute(inline);
  }

  async function visitedToday() {  // stores with a visit captured today on this phone (sent or not)
    const visits = await visitRecords();
    return new Set(visits.filter((item) => FieldRoute.dayOf(item.body.checked_in_at) === FieldRoute.today()).map((item) => item.body.customer_code));
  }

  const DONE = new Set(["done", "off_site", "recorded"]);
  let bringNext = false;
  let newVersion = false;
  function reloadIfNewVersion() {
    if (newVersion && !current && !syncing) location.reload();
    else if (newVersion) setTimeout(reloadIfNewVersion, 1000);
  }
  let stopRenders = 0;
  async function renderStops() {  // drawn by the page's inline FieldRoute: one way to draw a stop
    const render = ++stopRenders;
    const [meta, stops, due, visited, drafts] = await Promise.all([db.kv.get("day"), db.stops.orderBy("sequence").toArray(),
      db.kv.get("also_due"), visitedToday(), db.drafts.toArray()]);
    if (render !== stopRenders) return;  // a newer render has read newer data: an older one must not draw over it
    FieldRoute.drawHeader(meta ? { day: meta.value, day_label: meta.day_label, generated_label: meta.generated_label } : null,
      !meta ? null : meta.ready !== false ? "ready" : loading ? "storing" : "failed");
    // a visit checked in and not checked out says so on its card ("in progress since 10:42", Continue)
    const open = new Map(drafts.map((d) => [d.customer_code, beijingTime(d.checked_in_at)]));
    FieldRoute.drawStops(stops.map((stop) => (open.has(stop.customer_code) ? { ...stop, open_since: open.get(stop.customer_code) } : stop)), here);
    FieldRoute.drawAlsoDue(due ? due.items : [], here, visited);
    if (bringNext && !$("today-view").hidden) {  // after 签退: the next stop (or the day's summary) comes up by itself
      bringNext = false;
      (document.querySelector("#stops .next-stop") || $("day-summary")).scrollIntoView({ block: "start", behavior: "instant" });
    }
  }

  async function searchStores() {
    const q = $("store-search").value.trim().toLowerCase();
    const box = $("store-matches");
    box.replaceChildren();
    if (!q) return;
    const found = await db.customers.filter((c) => (c.name + c.customer_code + c.address).toLowerCase().includes(q)).limit(10).toArray();
    for (const c of found) box.append(el("li", {}, el("button", { type: "button", class: "btn btn-link btn-sm px-0 text-start", onclick: () => openVisit(c.customer_code) }, `${c.name} · ${c.address}`)));
  }

  // ---------- the visit ----------
  // Everything typed at a store belongs to that store's visit: the boxes below (a need, an opinion, market
  // information, a profile change not saved yet) are kept in the visit's draft as they are typed, filled from
  // it when the visit opens and emptied for any other store, so nothing typed at one store can be filed at
  // the next. At check-out what is still unsaved is sent with the visit or discarded, as the manager says.
  const TYPED = { "need-text": "", "need-kind": null, "opinion-text": "", "opinion-topic": null, "report-text": "",
    "report-kind": null, "profile-field": null, "profile-value": "", "profile-choice": null, "sku-search": "" };
  const BOXES = { "need-box": ["need-text"], "report-box": ["report-text"], "profile-box": ["profile-value"] };
  const defaults = {};
  for (const id of Object.keys(TYPED)) defaults[id] = $(id).value;

  function fillTyped(draft) {
    const typed = (draft && draft.typed) || {};
    for (const id of Object.keys(TYPED)) {
      $(id).value = typed[id] ?? defaults[id];
      if (id === "profile-field") pickProfileField(typed["profile-value"] ?? "");
    }
    for (const [box, ids] of Object.entries(BOXES)) $(box).open = ids.some((id) => (typed[id] || "").trim() !== "");
    $("sku-matches").replaceChildren();
    $("report-photo").value = "";
  }

  function keepTyped(event) {
    if (!current || !current.draft || !(event.target.id in TYPED)) return;
    current.draft.typed = { ...(current.draft.typed || {}), [event.target.id]: event.target.value };
    saveDraft();
  }

  // What was typed and not saved yet: [{id, label}] (a need, an opinion, market information, a profile change).
  function unsavedItems() {
    const typed = (id) => $(id).value.trim() !== "";
    return [["need-text", S.kinds.demand], ["opinion-text", S.opinion], ["report-text", S.kinds.report],
      ["profile-value", S.kinds.change]].filter(([id]) => typed(id)).map(([id, label]) => ({ id, label }));
  }

  // Who and why: the owner with a tap-to-call phone, the visit's reasons and problems, the last visit's day.
  function drawContext(stop) {
    $("visit-owner").replaceChildren(...(stop.owner_name ? [stop.owner_name] : []),
      ...(stop.phone ? [" · ", el("a", { href: `tel:${stop.phone}`, class: "call" }, stop.phone)] : []));
    $("visit-reasons").replaceChildren(...(stop.reasons || []).map((text) => el("li", {}, text)),
      ...(stop.problems ? [el("li", { class: "text-danger" }, stop.problems)] : []));
    $("visit-last").textContent = stop.last_visit ? fmt(S.lastVisit, { day: stop.last_visit.day }) : "";
  }

  let current = null;  // {stop, draft}
  // again: a second visit to a stop done today — never its planned visit again, an unplanned one with a reason.
  async function openVisit(code, { again = false, push = true, scroll = 0 } = {}) {
    const planned = await db.stops.get(code);
    const draft = await db.drafts.get(code);
    const stop = planned || { ...(await db.customers.get(code)), planned_visit: null, usual_skus: [] };
    if (!stop.name) return showToday({ push: false });  // a store this phone no longer holds
    const repeat = draft ? !!draft.again : again || (planned && DONE.has(planned.outcome));
    current = { stop: repeat ? { ...stop, planned_visit: null } : stop, draft, again: repeat };
    if (push) history.pushState({ visit: code }, "");
    await db.kv.put({ key: "open", code, scroll });
    $("today-view").hidden = true;
    $("visit-view").hidden = false;
    $("visit-store").textContent = stop.name + (current.stop.planned_visit ? "" : ` (${repeat ? S.again : S.adHoc})`);
    $("visit-address").textContent = stop.address;
    drawContext(stop);
    $("visit-saved").textContent = "";
    $("visit-notes").value = draft ? draft.notes || "" : "";
    $("profit-situation").value = draft ? draft.profit_situation || "" : "";
    $("monthly-sales").value = draft ? draft.monthly_sales_cartons ?? "" : "";
    $("again-box").hidden = !repeat || !!draft;
    $("again-reason").value = "";
    fillTyped(draft);
    await showCheckin();
    if (draft) await renderCapture();
    renderPhotos();
    renderProfileChanges();
    $("visit-restored").hidden = !(draft && !push);
    window.scrollTo({ top: scroll, behavior: "instant" });
  }

  async function showCheckin() {
    const draft = current.draft;
    $("check-in").hidden = !!draft;
    $("visit-body").hidden = !draft;
    if (!draft) { $("checkin-state").textContent = ""; return; }
    const meta = await db.kv.get("day");
    const radius = meta ? meta.radius : 200;
    const stop = current.stop;
    let text = fmt(S.checkedIn, { at: beijingTime(draft.checked_in_at) });
    if (stop.latitude != null) {
      const d = Math.round(metres(draft.latitude, draft.longitude, stop.latitude, stop.longitude));
      text += " · " + fmt(S.distance, { m: d }) + (d > radius ? " · " + S.offSite : "");
      $("checkin-state").className = d > radius ? "small mt-1 text-danger off-site" : "small mt-1 text-success on-site";
    }
    $("checkin-state").textContent = text;
  }

  async function checkIn() {
    const reason = $("again-reason").value.trim();
    if (current.again && !reason) { $("again-reason").classList.add("is-invalid"); $("again-reason").focus(); return; }
    const pos = await locate(0);
    if (!pos) { $("checkin-state").textContent = S.noPosition; return; }
    const draft = {
      customer_code: current.stop.customer_code, client_uuid: uuid(), planned_visit: current.stop.planned_visit || null,
      checked_in_at: now(), latitude: pos.latitude, longitude: pos.longitude, accuracy_m: pos.accuracy ?? null,
      checklist: {}, observations: {}, opinions: [], notes: "", profit_situation: "", monthly_sales_cartons: "",
      profile_changes: [], typed: {}, again: current.again ? reason : "",
    };
    await db.drafts.put(draft);
    $("again-box").hidden = true;
    current.draft = draft;
    await showCheckin();
    await renderCapture();
    renderPhotos();
    renderProfileChanges();
  }

  const saveDraft = () => db.drafts.put(current.draft);
  async function forgetTyped(id) {
    if (!current || !current.draft) return;
    current.draft.typed = { ...(current.draft.typed || {}), [id]: "" };
    await saveDraft();
  }

  let renders = 0;
  async function renderCapture() {  // reads first, then draws in one go: a newer render wins over a slower one
    const render = ++renders;
    const draft = current.draft;
    const checklist = await db.checklists.get(current.stop.customer_code);
    const codes = [...new Set([...(current.stop.usual_skus || []), ...Object.keys(draft.observations)])];
    const known = await db.skus.bulkGet(codes);
    if (render !== renders) return;
    const ul = $("checklist");
    ul.replaceChildren();
    for (const item of checklist ? checklist.items : []) {
      const answer = draft.checklist[item.code] || { done: null, note: "" };
      const pick = (done) => {  // keeps a note typed meanwhile: merge into the draft, not into this render's copy
        draft.checklist[item.code] = { note: "", ...draft.checklist[item.code], done };
        saveDraft();
        renderCapture();
      };
      ul.append(el("li", { class: "check-item mb-2", "data-code": item.code },
        el("div", { class: "small" }, item.text),
        el("div", { class: "btn-group btn-group-sm" },
          el("button", { type: "button", class: `btn ${answer.done === true ? "btn-success" : "btn-outline-success"} check-done`, onclick: () => pick(true) }, S.done),
          el("button", { type: "button", class: `btn ${answer.done === false ? "btn-secondary" : "btn-outline-secondary"} check-not-done`, onclick: () => pick(false) }, S.notDone)),
        el("input", { class: "form-control form-control-sm mt-1 check-note", value: answer.note, placeholder: S.note,
          oninput: (e) => { draft.checklist[item.code] = { ...(draft.checklist[item.code] || { done: null }), note: e.target.value }; saveDraft(); } })));
    }
    const rows = $("sku-rows");
    rows.replaceChildren();
    const last = (current.stop.last_visit && current.stop.last_visit.observations) || {};
    for (const [n, code] of codes.entries()) rows.append(skuRow(draft, known[n] || { code, name: code }, last[code] || null));
    $("opinions").replaceChildren(...draft.opinions.map((o) => el("li", {}, `${S.topics[o.topic] || o.topic}: ${o.text}`)));
  }

  // A SKU row: what the manager confirms is recorded, nothing else. The last visit's figures (and the guide
  // price) are offered on the row and taken with one tap ("same as last time"); the stock has steppers; a price
  // far from the guide price is asked again before it counts.
  const observed = (o) => ["stock_cartons", "retail_price", "sales_last_week_cartons"].some((k) => o[k] !== undefined && o[k] !== null && o[k] !== "");
  function plausible(sku, price) {
    const guide = Number(sku.retail_price);
    if (price === undefined || price === null || price === "" || !(guide > 0)) return true;
    return Number(price) >= guide * PRICE_BAND[0] && Number(price) <= guide * PRICE_BAND[1];
  }
  const PRICE_BAND = [0.5, 2];  // a retail price outside half to twice the guide price is most likely a typo

  function skuRow(draft, sku, last) {
    const code = sku.code;
    const obs = () => (draft.observations[code] = draft.observations[code] || {});
    const o = draft.observations[code] || {};
    const guide = sku.retail_price ? Math.round(Number(sku.retail_price)) : null;
    const offer = { stock_cartons: last && last.stock_cartons != null ? last.stock_cartons : null,
      retail_price: last && last.retail_price != null ? Math.round(last.retail_price) : guide };
    const hint = el("small", { class: "d-block margin-hint" });
    marginHint(hint, sku, o.retail_price);
    const check = el("div", { class: "price-check small text-danger", hidden: true });
    const drawCheck = (price) => {
      const ask = !plausible(sku, price) && (draft.observations[code] || {}).price_ok !== Number(price);
      check.hidden = !ask;
      if (ask) check.replaceChildren(fmt(S.priceAsk, { price, guide }), " ",
        el("button", { type: "button", class: "btn btn-sm btn-outline-danger py-0 price-confirm", onclick: () => {
          obs().price_ok = Number(price); saveDraft(); check.hidden = true; } }, fmt(S.priceYes, { price })));
    };
    drawCheck(o.retail_price);
    const li = el("li", { class: `sku-row${observed(o) ? " confirmed" : ""}`, "data-sku": code });
    const mark = () => li.classList.toggle("confirmed", observed(draft.observations[code] || {}));
    const field = (name, attrs) => el("input", { class: "form-control form-control-sm", name, inputmode: "decimal", value: o[name] ?? "",
      oninput: (e) => { obs()[name] = e.target.value; saveDraft(); mark();
        if (name === "retail_price") { marginHint(hint, sku, e.target.value); drawCheck(e.target.value); } }, ...attrs });
    const stock = field("stock_cartons", { inputmode: "numeric", "aria-label": S.stock });
    const price = field("retail_price", { "aria-label": S.price });
    const step = (by) => el("button", { type: "button", class: `btn btn-sm btn-outline-secondary stepper ${by > 0 ? "step-up" : "step-down"}`,
      "aria-label": by > 0 ? "+1" : "-1", onclick: () => {
        const target = obs();
        const from = target.stock_cartons !== undefined && target.stock_cartons !== "" ? Number(target.stock_cartons) : offer.stock_cartons ?? 0;
        stock.value = target.stock_cartons = String(Math.max(0, (Number.isFinite(from) ? from : 0) + by));
        saveDraft(); mark(); } }, by > 0 ? "+" : "−");
    const same = el("button", { type: "button", class: "btn btn-sm btn-outline-success py-0 same-as-last", onclick: () => {
      const target = obs();
      for (const name of ["stock_cartons", "retail_price"]) {
        if (offer[name] == null || (target[name] !== undefined && target[name] !== "")) continue;  // what was typed stays
        target[name] = String(offer[name]);
      }
      stock.value = target.stock_cartons ?? "";
      price.value = target.retail_price ?? "";
      marginHint(hint, sku, price.value);
      drawCheck(price.value);
      saveDraft(); mark(); } }, S.sameAsLast);
    const lastText = [last && last.stock_cartons != null ? fmt(S.lastStock, { n: last.stock_cartons }) : null,
      last && last.retail_price != null ? fmt(S.lastPrice, { yuan: Math.round(last.retail_price) }) : null,
      guide ? fmt(S.guidePrice, { yuan: guide }) : null].filter(Boolean).join(" · ");
    li.append(
      el("div", { class: "sku-name small" }, el("span", { class: "me-auto" }, sku.name), offer.stock_cartons != null || offer.retail_price != null ? same : ""),
      el("div", { class: "sku-last small text-muted" }, lastText),
      el("div", { class: "sku-inputs" }, step(-1), stock, step(1), price, field("sales_last_week_cartons", { inputmode: "numeric", "aria-label": S.sales }),
        el("input", { type: "checkbox", class: "form-check-input", name: "price_tag_ok", "aria-label": S.tagOk, checked: o.price_tag_ok !== false,
          onchange: (e) => { obs().price_tag_ok = e.target.checked; saveDraft(); } })),
      hint, check);
    return li;
  }

  // Prices asked again and not confirmed: check-out waits for them (the first row's input gets the focus).
  async function unconfirmedPrices(draft) {
    const codes = Object.keys(draft.observations);
    const skus = await db.skus.bulkGet(codes);
    return codes.filter((code, n) => {
      const o = draft.observations[code];
      return skus[n] && !plausible(skus[n], o.retail_price) && o.price_ok !== Number(o.retail_price);
    });
  }

  function marginHint(node, sku, asked) {  // the retailer's margin on a 条: the price asked less our wholesale price
    const margin = Number(asked) - Number(sku.wholesale_price);
    const shown = asked !== undefined && asked !== "" && sku.wholesale_price != null && Number.isFinite(margin);
    node.textContent = shown ? fmt(S.margin, { yuan: String(Math.round(margin * 10) / 10) }) : "";
    node.className = `d-block margin-hint ${margin < 0 ? "text-danger" : "text-muted"}`;
  }

  async function searchSkus() {
    const q = $("sku-search").value.trim().toLowerCase();
    const box = $("sku-matches");
    box.replaceChildren();
    if (!q) return;
    const found = await db.skus.filter((s) => (s.barcode || "").includes(q) || s.name.toLowerCase().includes(q) || s.code.includes(q)).limit(8).toArray();
    for (const sku of found) box.append(el("li", {}, el("button", { type: "button", class: "btn btn-link btn-sm px-0 sku-pick",
      onclick: async () => { current.draft.observations[sku.code] = current.draft.observations[sku.code] || {}; await saveDraft();
        $("sku-search").value = ""; box.replaceChildren(); await renderCapture(); } }, `${sku.name} ${sku.barcode || ""}`)));
  }

  const number = (v) => (v === undefined || v === "" ? null : Number(v));
  const wholeNumber = (v) => (/^\s*\d+\s*$/.test(v ?? "") ? Number(v) : null);
  function visitBody(draft) {
    return {
      client_uuid: draft.client_uuid, customer_code: draft.customer_code, planned_visit: draft.planned_visit,
      checked_in_at: draft.checked_in_at, latitude: draft.latitude, longitude: draft.longitude, accuracy_m: draft.accuracy_m,
      checked_out_at: draft.checked_out_at, opinions: draft.opinions,
      notes: draft.again ? `${S.againNote}${draft.again}${draft.notes ? "\n" + draft.notes : ""}` : draft.notes,
      profit_situation: draft.profit_situation || null, monthly_sales_cartons: wholeNumber(draft.monthly_sales_cartons),
      profile_changes: (draft.profile_changes || []).map((c) => ({ client_uuid: c.client_uuid, field: c.field, new_value: c.value, applied: null })),
      checklist: Object.entries(draft.checklist).filter(([, a]) => a.done !== null && a.done !== undefined)
        .map(([code, a]) => ({ code, done: a.done, note: a.note || "" })),
      observations: Object.entries(draft.observations)
        .filter(([, o]) => ["stock_cartons", "retail_price", "sales_last_week_cartons"].some((k) => o[k] !== undefined && o[k] !== ""))
        .map(([sku_code, o]) => ({ sku_code, stock_cartons: number(o.stock_cartons), retail_price: number(o.retail_price),
          sales_last_week_cartons: number(o.sales_last_week_cartons), price_tag_ok: o.price_tag_ok !== false })),
    };
  }

  // 签退: what was typed and not saved goes with the visit or is discarded, as the manager says — never left
  // in a box for the next store.
  async function checkOut() {
    const doubtful = await unconfirmedPrices(current.draft);
    if (doubtful.length) {
      const row = document.querySelector(`.sku-row[data-sku="${doubtful[0]}"]`);
      if (row) { row.scrollIntoView({ block: "center", behavior: "instant" }); row.querySelector("[name=retail_price]").focus(); }
      $("visit-saved").textContent = S.pricesToConfirm;
      return;
    }
    const unsaved = unsavedItems();
    if (!unsaved.length) return finishCheckOut();
    $("checkout-unsaved").textContent = fmt(S.unsavedItems, { n: unsaved.length, items: unsaved.map((u) => u.label).join("、") });
    $("checkout-dialog").showModal();
  }

  async function sendUnsavedAndCheckOut() {
    $("checkout-dialog").close();
    for (const { id } of unsavedItems()) {
      if (id === "need-text") await addNeed();
      if (id === "opinion-text") await addOpinion();
      if (id === "report-text") await addReport();
      if (id === "profile-value") await addProfileChange();
    }
    await finishCheckOut();
  }

  async function discardUnsavedAndCheckOut() {
    $("checkout-dialog").close();
    await finishCheckOut();
  }

  async function finishCheckOut() {
    const draft = current.draft;
    draft.notes = $("visit-notes").value;
    draft.checked_out_at = now();
    await db.transaction("rw", db.drafts, db.outbox, db.stops, db.visit_photos, async () => {
      await enqueue({ client_uuid: draft.client_uuid, kind: "visit", label: `${S.kinds.visit} · ${current.stop.name}`,
        url: "/api/v1/visits", body: visitBody(draft) });
      const photos = db.visit_photos.where("visit").equals(draft.client_uuid);
      for (const photo of await photos.sortBy("taken_at")) {  // after the visit: each needs the visit's server id
        await enqueue({ client_uuid: photo.client_uuid, kind: "photo", label: `${S.kinds.photo} · ${current.stop.name}`,
          url: "/api/v1/photos", parent: draft.client_uuid, file: photo.file,
          body: { owner_type: "visit", taken_at: photo.taken_at, latitude: photo.latitude, longitude: photo.longitude } });
      }
      await photos.delete();
      await db.drafts.delete(draft.customer_code);
      if (current.stop.planned_visit) await db.stops.update(draft.customer_code, { outcome: "recorded" });
    });
    current = null;
    bringNext = true;  // Today comes back with the next stop on screen, not the form's scroll position
    fillTyped(null);  // the boxes are empty for whatever opens next
    if (history.state && history.state.visit) history.back();  // popstate draws Today
    else showToday({ push: false });
  }

  async function addOpinion() {
    const text = $("opinion-text").value.trim();
    if (!text || !current || !current.draft) return;
    current.draft.opinions.push({ topic: $("opinion-topic").value, text });
    $("opinion-text").value = "";
    current.draft.typed = { ...(current.draft.typed || {}), "opinion-text": "" };
    await saveDraft();
    renderCapture();
  }

  async function addNeed() {
    const text = $("need-text").value.trim();
    if (!text) return;
    $("need-text").value = "";  // at once: the next need may be typed while this one is stored
    await forgetTyped("need-text");
    await enqueue({ client_uuid: uuid(), kind: "demand", label: `${S.kinds.demand} · ${current.stop.name}`, url: "/api/v1/demands",
      body: { client_uuid: null, customer_code: current.stop.customer_code, kind: $("need-kind").value, description: text, raised_at: now() } });
    $("visit-saved").textContent = S.needSaved;
  }

  async function resizePhoto(file) {  // a phone photo is 3-12 MB; 1280 px JPEG is enough evidence and ~200 KB
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, 1280 / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.8));
  }

  async function addPhotos(event) {  // resized now, kept with when and where each was taken, sent after the visit
    const files = [...event.target.files];
    event.target.value = "";
    const draft = current && current.draft;
    if (!draft || !files.length) return;
    const pos = await locate();
    for (const file of files) {
      const taken_at = now();
      const blob = await resizePhoto(file).catch(() => null);
      if (!blob) continue;  // not an image the phone can read
      const open = await db.drafts.get(draft.customer_code);
      if (!open || open.client_uuid !== draft.client_uuid) return;  // checked out meanwhile: the visit has gone
      await db.visit_photos.put({ client_uuid: uuid(), visit: draft.client_uuid, file: blob, taken_at,
        latitude: pos ? pos.latitude : null, longitude: pos ? pos.longitude : null });
    }
    $("visit-saved").textContent = S.photoSaved;
    await renderPhotos();
  }

  let photoUrls = [];
  async function renderPhotos() {
    const draft = current && current.draft;
    const photos = draft ? await db.visit_photos.where("visit").equals(draft.client_uuid).sortBy("taken_at") : [];
    photoUrls.forEach((url) => URL.revokeObjectURL(url));
    photoUrls = photos.map((photo) => URL.createObjectURL(photo.file));
    $("visit-photos").replaceChildren(...photos.map((photo, n) => el("li", { class: "visit-photo position-relative", "data-uuid": photo.client_uuid },
      el("img", { src: photoUrls[n], alt: "", width: 72, height: 72, class: "rounded border", style: "object-fit: cover" }),
      el("button", { type: "button", class: "btn btn-sm btn-light position-absolute top-0 end-0 py-0 px-1 remove-photo", style: "min-height: 0",
        "aria-label": S.removePhoto, onclick: async () => { await db.visit_photos.delete(photo.client_uuid); renderPhotos(); } }, "×"))));
  }

  function fillCaptureChoices() {
    const options = (choices) => Object.entries(choices).map(([code, label]) => el("option", { value: code }, label));
    $("profit-situation").append(...options(S.profitSituations));
    $("profile-field").replaceChildren(...options(S.profileFields));
    pickProfileField();
  }

  function pickProfileField(value = "") {  // a list for the rest day and the format, the phone's position for the location
    if (typeof value !== "string") value = "";  // called as an event handler
    const field = $("profile-field").value;
    const choices = { rest_day: S.weekdays, business_format: S.businessFormats }[field];
    $("profile-choice").hidden = !choices;
    $("profile-value").hidden = !!choices;
    $("profile-here").hidden = field !== "location";
    $("profile-value").readOnly = field === "location";
    $("profile-value").value = value;
    $("profile-value").placeholder = field === "business_hours" ? S.hoursHint : "";
    $("profile-value").inputMode = field === "phone" ? "tel" : "text";
    if (choices) $("profile-choice").replaceChildren(...Object.entries(choices).map(([code, label]) => el("option", { value: code }, label)));
  }

  async function useHereForProfile() {
    const pos = await locate();
    if (!pos) { $("visit-saved").textContent = S.noPosition; return; }
    $("profile-value").value = `${pos.longitude.toFixed(6)},${pos.latitude.toFixed(6)}`;  // longitude first, WGS-84
  }

  async function addProfileChange() {  // its own record: the server applies it or routes it to the department
    const field = $("profile-field").value;
    const value = ($("profile-choice").hidden ? $("profile-value").value : $("profile-choice").value).trim();
    if (!value || !current || !current.draft) return;
    const change = { client_uuid: uuid(), field, value };
    current.draft.profile_changes = [...(current.draft.profile_changes || []), change];
    $("profile-value").value = "";
    current.draft.typed = { ...(current.draft.typed || {}), "profile-value": "" };
    await saveDraft();
    await enqueue({ client_uuid: change.client_uuid, kind: "change", url: "/api/v1/change-requests",
      label: `${S.kinds.change} · ${current.stop.name} · ${S.profileFields[field]}`,
      body: { client_uuid: null, customer_code: current.stop.customer_code, field, new_value: value, reason: S.noticedAtVisit } });
    $("visit-saved").textContent = S.changeSaved;
    renderProfileChanges();
  }

  let changeWatch = null;
  function renderProfileChanges() {  // each change with what the server made of it, redrawn as the outbox syncs
    if (changeWatch) changeWatch.unsubscribe();
    changeWatch = null;
    const changes = (current && current.draft && current.draft.profile_changes) || [];
    const shown = (c) => ({ rest_day: S.weekdays, business_format: S.businessFormats }[c.field] || {})[c.value] || c.value;
    const draw = (items) => $("profile-changes").replaceChildren(...changes.map((c, n) => {
      const item = items[n];
      const state = !item ? "queued" : item.status === "sent" ? item.outcome || "requested" : item.status;
      return el("li", { class: `profile-change change-${state}`, "data-field": c.field },
        `${S.profileFields[c.field]}: ${shown(c)} · `,
        el("span", { class: state === "failed" ? "text-danger" : state === "queued" ? "text-warning" : "text-success" }, S.changeStates[state]),
        state === "failed" && item.detail ? el("div", { class: "text-danger" }, item.detail) : "");
    }));
    draw([]);
    if (changes.length) changeWatch = Dexie.liveQuery(() => Promise.all(changes.map((c) => record(c.client_uuid))))
      .subscribe({ next: draw, error: (error) => console.warn("profile changes", error) });
  }

  async function addReport() {
    const text = $("report-text").value.trim();
    if (!text) return;
    const pos = here || (await locate()) || current.draft;
    const report = uuid();
    const file = $("report-photo").files[0];
    const blob = file ? await resizePhoto(file) : null;
    await enqueue({ client_uuid: report, kind: "report", label: `${S.kinds.report} · ${current.stop.name}`, url: "/api/v1/market-reports",
      body: { kind: $("report-kind").value, description: text, observed_at: now(), latitude: pos.latitude, longitude: pos.longitude,
        customer_code: current.stop.customer_code } });
    if (blob) await enqueue({ client_uuid: uuid(), kind: "photo", label: `${S.kinds.photo} · ${current.stop.name}`, url: "/api/v1/photos",
      parent: report, file: blob, body: { owner_type: "market_report", taken_at: now(), latitude: pos.latitude, longitude: pos.longitude } });
    $("report-text").value = "";
    $("report-photo").value = "";
    await forgetTyped("report-text");
    $("visit-saved").textContent = S.reportSaved;
  }

  // ---------- the outbox ----------
  class LoginExpired extends Error {}
  let loginExpired = false;  // the queue waits, untouched, until the manager has logged in again
  let created = Date.now();
  async function enqueue(item) {
    item.body.client_uuid = item.client_uuid;
    created = Math.max(created + 1, Date.now());  // strictly increasing: the send order is the capture order
    await db.outbox.put({ ...item, status: "queued", attempts: 0, next_try: 0, detail: "", created });
    renderOutbox();
    setTimeout(sync, 0);
  }

  async function send(item) {
    const headers = { "X-CSRFToken": csrf(), Accept: "application/json" };
    let body;
    if (item.file) {
      const parent = await record(item.parent);
      if (!parent || parent.status === "failed") return { status: "failed", detail: S.parentMissing };
      if (parent.status !== "sent") return "wait";
      body = new FormData();
      for (const [k, v] of Object.entries({ ...item.body, owner_id: parent.server_id })) if (v !== null && v !== undefined) body.append(k, v);
      body.append("file", item.file, "photo.jpg");
    } else {
      if (item.kind === "visit" && item.body.profile_changes && item.body.profile_changes.length) {
        // The changes went ahead of the visit: tell the server what each became (applied or a request).
        const sent = await Promise.all(item.body.profile_changes.map((c) => record(c.client_uuid)));
        item.body.profile_changes = item.body.profile_changes.map((c, n) => ({ ...c,
          applied: sent[n] && sent[n].outcome ? sent[n].outcome === "applied" : null }));
      }
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(item.body);
    }
    const response = await fetch(item.url, { method: "POST", credentials: "same-origin", headers, body });
    const answer = await response.json().catch(() => ({}));
    if (response.ok && item.kind === "change") {  // applied at once, or a request waiting for its department
      const outcome = answer.applied ? "applied" : "requested";
      return { status: "sent", server_id: answer.change_request ? answer.change_request.id : null, detail: "", outcome,
        label: `${item.label} · ${S.changeStates[outcome]}` };
    }
    if (response.ok) return { status: "sent", server_id: answer.id, detail: "" };
    if (response.status >= 500 || response.status === 408 || response.status === 429) throw new Error(answer.detail || response.status);
    // A login that expired (401, or a 403 that is not a refusal of ours: the CSRF check of a stale session) is
    // no refusal of the record: it stays queued, the sync stops and the manager is asked to log in again.
    if (response.status === 401 || (response.status === 403 && answer.code !== "forbidden")) throw new LoginExpired();
    const detail = typeof answer.detail === "string" ? answer.detail : "";
    return { status: "failed", code: answer.code || "", field: answer.field || "",
      detail: detail || String(response.status) + (answer.field ? ` (${answer.field})` : "") };
  }

  let syncing = false, timer = null;
  async function sync() {
    if (leaving) return;
    if (syncing || !navigator.onLine) return renderOutbox();
    syncing = true;
    loginExpired = false;
    try {
      const queued = await db.outbox.where("status").equals("queued").sortBy("created");
      for (const item of queued) {
        if (item.next_try > Date.now()) continue;
        try {
          const result = await send(item);
          if (result !== "wait" && result.status === "sent") {  // the server has it: the record and its blob go
            await db.transaction("rw", db.outbox, db.sent, async () => {
              await db.sent.put(receipt({ ...item, ...result }));
              await db.outbox.delete(item.client_uuid);
            });
          } else if (result !== "wait") await db.outbox.update(item.client_uuid, result);
        } catch (error) {  // offline, a lost response or a server error: retry with backoff, same client_uuid
          if (error instanceof LoginExpired) { loginExpired = true; break; }
          const attempts = item.attempts + 1;
          await db.outbox.update(item.client_uuid, { attempts, next_try: Date.now() + Math.min(300000, 2000 * 2 ** attempts), detail: String(error.message || error) });
          if (!navigator.onLine) break;
        }
      }
    } finally {
      syncing = false;
    }
    $("login-expired").hidden = !loginExpired;
    await renderOutbox();
    const waiting = await db.outbox.where("status").equals("queued").toArray();
    clearTimeout(timer);
    if (loginExpired) timer = setTimeout(sync, 30000);  // logged in again in another tab: carries on by itself
    else if (waiting.length) {
      const next = Math.max(1000, Math.min(...waiting.map((i) => i.next_try)) - Date.now());
      timer = setTimeout(sync, next);
    }
  }

  // A refused record keeps its data and says why in the manager's words (by the API's `code`, the server's own
  // message beside it), with what can be done: send a visit as unplanned, edit it, or discard it.
  const why = (item) => (S.refusals[item.code] || S.refusals.other) + (item.detail ? ` (${item.detail})` : "");
  const canGoUnplanned = (item) => item.kind === "visit" && item.body.planned_visit && ["not_allowed_now", "invalid_input"].includes(item.code);

  async function sendAsUnplanned(item) {
    const body = { ...item.body, planned_visit: null, notes: `${S.againNote}${S.plannedTaken}${item.body.notes ? "\n" + item.body.notes : ""}` };
    await db.outbox.update(item.client_uuid, { body, status: "queued", attempts: 0, next_try: 0, detail: "", code: "" });
    sync();
  }

  // Edit: a visit goes back to its store's draft (with its photos) and opens; a need, market information or a
  // profile change is corrected in place and queued again.
  async function editRefused(item) {
    if (item.kind === "visit") {
      const code = item.body.customer_code;
      if (await db.drafts.get(code)) { alert(S.visitOpenThere); return; }
      const b = item.body;
      const draft = { customer_code: code, client_uuid: item.client_uuid, planned_visit: b.planned_visit, checked_in_at: b.checked_in_at,
        latitude: b.latitude, longitude: b.longitude, accuracy_m: b.accuracy_m, notes: b.notes || "", opinions: b.opinions || [],
        checklist: Object.fromEntries((b.checklist || []).map((a) => [a.code, { done: a.done, note: a.note }])),
        observations: Object.fromEntries((b.observations || []).map((o) => [o.sku_code, { stock_cartons: o.stock_cartons ?? "",
          retail_price: o.retail_price ?? "", sales_last_week_cartons: o.sales_last_week_cartons ?? "", price_tag_ok: o.price_tag_ok }])),
        profit_situation: b.profit_situation || "", monthly_sales_cartons: b.monthly_sales_cartons ?? "",
        profile_changes: (b.profile_changes || []).map((c) => ({ client_uuid: c.client_uuid, field: c.field, value: c.new_value })),
        typed: {}, again: "" };
      await db.transaction("rw", db.drafts, db.outbox, db.visit_photos, async () => {
        for (const photo of await db.outbox.where("status").anyOf("queued", "failed").filter((p) => p.parent === item.client_uuid).toArray()) {
          await db.visit_photos.put({ client_uuid: photo.client_uuid, visit: item.client_uuid, file: photo.file, taken_at: photo.body.taken_at,
            latitude: photo.body.latitude, longitude: photo.body.longitude });
          await db.outbox.delete(photo.client_uuid);
        }
        await db.outbox.delete(item.client_uuid);
        await db.drafts.put(draft);
      });
      await openVisit(code);
      return;
    }
    const key = { demand: "description", report: "description", change: "new_value" }[item.kind];
    if (!key) return;
    const value = prompt(why(item), item.body[key]);
    if (value === null || !value.trim()) return;
    await db.outbox.update(item.client_uuid, { body: { ...item.body, [key]: value.trim() }, status: "queued", attempts: 0, next_try: 0, detail: "", code: "" });
    sync();
  }

  function refusedActions(item) {
    return el("span", {},
      canGoUnplanned(item) ? el("button", { type: "button", class: "btn btn-link btn-sm as-unplanned", onclick: () => sendAsUnplanned(item) }, S.sendUnplanned) : "",
      ["visit", "demand", "report", "change"].includes(item.kind) ? el("button", { type: "button", class: "btn btn-link btn-sm edit", onclick: () => editRefused(item) }, S.edit) : "",
      el("button", { type: "button", class: "btn btn-link btn-sm retry", onclick: async () => { await db.outbox.update(item.client_uuid, { status: "queued", attempts: 0, next_try: 0 }); sync(); } }, S.retry),
      el("button", { type: "button", class: "btn btn-link btn-sm text-danger discard", onclick: async () => { if (confirm(S.discardConfirm)) { await db.outbox.delete(item.client_uuid); renderOutbox(); } } }, S.discard));
  }

  async function renderOutbox() {
    renderSummary();
    // counted by the index, not read: a week offline is thousands of rows with their photos
    const [unsent, sent, queued, failed, sentCount] = await Promise.all([db.outbox.orderBy("created").reverse().limit(50).toArray(),
      db.sent.orderBy("created").reverse().limit(20).toArray(), db.outbox.where("status").equals("queued").count(),
      db.outbox.where("status").equals("failed").count(), db.sent.count()]);
    const items = [...unsent, ...sent].sort((a, b) => b.created - a.created).slice(0, 50);
    const counts = { queued, sent: sentCount, failed };
    const state = $("sync-state");
    state.dataset.queued = counts.queued;
    state.dataset.failed = counts.failed;
    state.dataset.sent = counts.sent;
    state.dataset.others = othersWaiting;
    state.className = `small mb-2 ${counts.failed ? "text-danger" : counts.queued ? "text-warning" : "text-success"}`;
    state.textContent = fmt(S.syncState, counts) + (navigator.onLine ? "" : " · " + S.offline) +
      (othersWaiting ? " · " + fmt(S.otherUser, { n: othersWaiting }) : "");
    $("outbox").replaceChildren(...items.map((item) => el("li", { class: `outbox-item status-${item.status} mb-1`, "data-kind": item.kind },
      el("span", { class: `badge me-1 ${item.status === "sent" ? "bg-success" : item.status === "failed" ? "bg-danger" : "bg-warning text-dark"}` }, S.states[item.status]),
      item.label, item.status !== "sent" && item.detail ? el("div", { class: "text-danger detail" }, item.detail) : "",
      item.status === "failed" ? el("div", { class: "why" }, why(item)) : "",
      item.status === "failed" ? refusedActions(item) : "")));
  }

  // The phone's storage: asked to keep it (a browser may otherwise clear an origin's data when the phone runs
  // short), and a warning when little is left for the outbox's photos.
  async function keepStorage() {
    if (!navigator.storage) return;
    try {
      if (navigator.storage.persist && !(await navigator.storage.persisted())) await navigator.storage.persist();
      const { usage, quota } = navigator.storage.estimate ? await navigator.storage.estimate() : {};
      const free = quota - usage;
      const low = Number.isFinite(free) && free < 100 * 1024 * 1024;  // about 400 photos
      $("storage-state").hidden = !low;
      if (low) $("storage-state").textContent = fmt(S.storageLow, { mb: Math.max(0, Math.round(free / 1048576)) });
    } catch (error) {
      console.warn("storage", error);
    }
  }

  // ---------- one phone, several people ----------
  // The pages the service worker keeps (this page carries the route) belong to whoever was logged in.
  async function clearPageCache(keepPath) {
    if (!("caches" in window)) return;
    for (const name of (await caches.keys()).filter((n) => n.startsWith("fieldcrm-pages"))) {
      if (!keepPath) { await caches.delete(name); continue; }
      const cache = await caches.open(name);
      for (const request of await cache.keys()) if (new URL(request.url).pathname !== keepPath) await cache.delete(request);
    }
  }

  async function claimPhone() {  // someone else used this browser last: none of their pages may be served to this user
    if (localStorage.getItem("fieldcrm-user") === USER) return;
    await clearPageCache(location.pathname);  // this page is already this user's own
    localStorage.setItem("fieldcrm-user", USER);
  }

  let othersWaiting = 0;
  async function sweepOtherUsers() {  // another user's day on this phone goes, except records of theirs not yet sent
    if (!indexedDB.databases) return;
    let waiting = 0;
    for (const { name } of await indexedDB.databases()) {
      if (!name || !name.startsWith("fieldcrm-field") || name === db.name) continue;
      const other = new Dexie(name);
      try {
        await other.open();
        const unsent = other.tables.some((t) => t.name === "outbox") ? await other.table("outbox").where("status").anyOf("queued", "failed").count() : 0;
        other.close();
        if (unsent) waiting += unsent;
        else await Dexie.delete(name);
      } catch (error) {
        other.close();
        console.warn("could not check", name, error);
      }
    }
    othersWaiting = waiting;
    await renderOutbox();
  }

  // Logging out clears this phone (the database and the cached pages), but only once the server has logged the
  // user out (offline, nothing is cleared: the session would outlive the data), and never with records unsent
  // unless the manager chose to discard them.
  let leaving = false;
  const unsentCount = () => db.outbox.where("status").anyOf("queued", "failed").count();
  async function logOut(event) {
    event.preventDefault();
    const n = await unsentCount();
    if (!n) return leave();
    $("logout-unsent").textContent = fmt(S.unsentOnLogout, { n });
    $("nav-menu").open = false;
    $("logout-dialog").showModal();
  }

  async function sendBeforeLogout() {
    await db.outbox.where("status").anyOf("queued", "failed").modify({ status: "queued", attempts: 0, next_try: 0 });
    while (syncing) await new Promise((resolve) => setTimeout(resolve, 200));
    await sync();
    const n = await unsentCount();
    if (n) { $("logout-unsent").textContent = fmt(S.stillUnsent, { n }); return; }
    $("logout-dialog").close();
    await leave();
  }

  async function discardAndLogOut() {
    if (!confirm(fmt(S.discardAllConfirm, { n: await unsentCount() }))) return;
    $("logout-dialog").close();
    await leave();
  }

  async function leave() {
    const form = $("logout-form");
    const state = $("logout-state");
    state.textContent = S.clearing;
    let response = null;
    try {
      response = await fetch(form.action, { method: "POST", credentials: "same-origin", redirect: "manual",
        headers: { "X-CSRFToken": csrf() }, body: new FormData(form) });
    } catch (error) {
      console.warn("log out failed", error);
    }
    if (!response || !(response.ok || response.type === "opaqueredirect")) { state.textContent = S.logoutOffline; return; }
    leaving = true;
    clearTimeout(timer);
    db.close();
    await Promise.all([Dexie.delete(db.name), clearPageCache(null)]).catch((error) => console.warn("clearing failed", error));
    localStorage.removeItem("fieldcrm-user");
    location.replace(form.dataset.next);
  }

  async function showToday({ push = false } = {}) {
    current = null;
    fillTyped(null);
    if (push) history.pushState({ today: true }, "");
    if (!bringNext) window.scrollTo({ top: 0, behavior: "instant" });
    $("visit-view").hidden = true;
    $("today-view").hidden = false;
    await db.kv.delete("open");
    await renderStops();
    renderOutbox();
  }

  // ---------- the end of the day ----------
  // What the day came to, from this phone: stores visited (planned and not), stops left, needs and market
  // information raised, what is still unsent; shared with the supervisor by the phone's own share sheet.
  async function renderSummary() {
    const [stops, meta, waiting, sent] = await Promise.all([db.stops.orderBy("sequence").toArray(), db.kv.get("day"),
      db.outbox.filter((item) => item.kind !== "photo").toArray(), db.sent.filter((item) => item.kind !== "photo").toArray()]);
    const rows = [...waiting, ...sent];
    const todays = rows.filter((item) => FieldRoute.dayOf(new Date(item.created).toISOString()) === FieldRoute.today());
    const planned = stops.filter((s) => DONE.has(s.outcome));
    const visits = todays.filter((item) => item.kind === "visit");
    const unplanned = visits.filter((item) => !item.body.planned_visit).length;
    const left = stops.filter((s) => !DONE.has(s.outcome));
    const count = (kind) => todays.filter((item) => item.kind === kind).length;
    const unsent = await unsentCount();
    const text = fmt(S.summary, { day: meta ? meta.day_label : "", done: planned.length, planned: stops.length, unplanned,
      missed: left.length, needs: count("demand"), reports: count("report"), unsent })
      + (left.length ? "\n" + fmt(S.summaryMissed, { stores: left.map((s) => s.name).join("、") }) : "");
    $("summary-text").textContent = text;
    $("day-summary").dataset.unsent = unsent;
    return text;
  }

  async function shareSummary() {
    const text = await renderSummary();
    try {
      if (navigator.share) await navigator.share({ text });
      else { await navigator.clipboard.writeText(text); $("summary-state").textContent = S.summaryCopied; }
    } catch (error) {  // no share sheet, no clipboard: the text is on screen to copy by hand
      $("summary-state").textContent = S.summaryCopyByHand;
    }
  }

  // ---------- wiring ----------
  $("refresh").addEventListener("click", loadForOffline);
  $("store-search").addEventListener("input", searchStores);
  // The phone's back button stays in the app: a visit is a history entry over Today.
  $("back").addEventListener("click", () => (history.state && history.state.visit ? history.back() : showToday()));
  window.addEventListener("popstate", (event) => {
    const code = event.state && event.state.visit;
    if (code) openVisit(code, { push: false });
    else showToday();
  });
  history.scrollRestoration = "manual";  // the visit's own scroll position comes back with it, not Today's
  let scrollSave = null;
  window.addEventListener("scroll", () => {  // where the manager was in the visit, for a reload
    clearTimeout(scrollSave);
    scrollSave = setTimeout(() => { if (current) db.kv.put({ key: "open", code: current.stop.customer_code, scroll: Math.round(window.scrollY) }); }, 300);
  }, { passive: true });
  $("summary-share").addEventListener("click", shareSummary);
  $("checkout-send").addEventListener("click", sendUnsavedAndCheckOut);
  $("checkout-discard").addEventListener("click", discardUnsavedAndCheckOut);
  $("checkout-cancel").addEventListener("click", () => $("checkout-dialog").close());
  $("again-reason").addEventListener("input", (e) => e.target.classList.remove("is-invalid"));
  $("check-in").addEventListener("click", checkIn);
  $("check-out").addEventListener("click", checkOut);
  $("sku-search").addEventListener("input", searchSkus);
  $("add-need").addEventListener("click", addNeed);
  $("add-report").addEventListener("click", addReport);
  $("visit-photo").addEventListener("change", addPhotos);
  $("profile-field").addEventListener("change", (e) => { pickProfileField(); keepTyped(e); if (current && current.draft) { current.draft.typed["profile-value"] = ""; saveDraft(); } });
  for (const id of Object.keys(TYPED)) $(id).addEventListener(id.endsWith("-text") || id === "profile-value" || id === "sku-search" ? "input" : "change", keepTyped);
  $("profile-here").addEventListener("click", useHereForProfile);
  $("add-profile-change").addEventListener("click", addProfileChange);
  $("profit-situation").addEventListener("change", (e) => { if (current && current.draft) { current.draft.profit_situation = e.target.value; saveDraft(); } });
  $("monthly-sales").addEventListener("input", (e) => {
    e.target.classList.toggle("is-invalid", e.target.value.trim() !== "" && wholeNumber(e.target.value) === null);
    if (current && current.draft) { current.draft.monthly_sales_cartons = e.target.value; saveDraft(); }
  });
  fillCaptureChoices();
  $("visit-notes").addEventListener("input", (e) => { if (current && current.draft) { current.draft.notes = e.target.value; saveDraft(); } });
  $("add-opinion").addEventListener("click", addOpinion);
  window.addEventListener("online", sync);
  window.addEventListener("offline", renderOutbox);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register($("field-app").dataset.sw, { scope: "/" }).catch(() => {});
    // A new version of the app has taken over (sw.js: skipWaiting, clientsClaim): this page still runs the old
    // field.js, so it reloads — at once on Today, else when the visit is left. Nothing is lost either way: the
    // outbox and an open visit (its draft, what was typed, where it was) live in IndexedDB.
    const hadController = !!navigator.serviceWorker.controller;
    navigator.serviceWorker.addEventListener("controllerchange", () => {
      if (!hadController) return;  // the first install, not a new version
      newVersion = true;
      reloadIfNewVersion();
    });
  }
  // Another tab opened the database in a newer version: this page's copy of the code is old.
  db.on("versionchange", () => { db.close(); newVersion = true; reloadIfNewVersion(); return false; });

  $("logout-form").addEventListener("submit", logOut);
  $("logout-send").addEventListener("click", sendBeforeLogout);
  $("logout-discard").addEventListener("click", discardAndLogOut);
  $("logout-cancel").addEventListener("click", () => $("logout-dialog").close());
  FieldRoute.open = openVisit;  // the route's "Visit" buttons (drawn by the page's inline script)

  (async () => {
    await claimPhone();
    await pruneReceipts();
    keepStorage();
    await adoptInlineRoute();
    await renderStops();
    await renderOutbox();
    // An open visit comes back where it was left: after a reload (the history entry says which) or when the
    // app is started again (the phone remembers which visit was on screen).
    // Only a visit checked in (a draft) is open; a store's screen merely looked at is not brought back.
    let open = await db.kv.get("open");
    if (open && !(await db.drafts.get(open.code))) open = null;
    const shown = open && history.state && history.state.visit === open.code ? open.code : null;
    if (FieldRoute.pending) openVisit(FieldRoute.pending.code, FieldRoute.pending);  // tapped before this file had arrived
    else if (shown) await openVisit(shown, { push: false, scroll: open && open.code === shown ? open.scroll : 0 });
    else if (open) {
      history.replaceState({ today: true }, "");
      await openVisit(open.code, { push: true, scroll: open.scroll });
      $("visit-restored").hidden = false;
    } else history.replaceState({ today: true }, "");
    if (navigator.onLine) await Promise.all([loadForOffline(), FieldRoute.pageKept.catch((error) => console.warn("page not kept", error))]);
    $("field-app").dataset.ready = "1";
    locate();
    sync();
    sweepOtherUsers();
  })();
})();
