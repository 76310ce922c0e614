/* FieldCRM visit-plan map widget.
 * Plain ES2017, no modules; needs only the global Leaflet `L` (vendor/leaflet-1.9.4).
 * Public API: window.FieldCRMPlanMap (see bottom of file).
 */
(function (window, document) {
  "use strict";

  var DEFAULT_CONTAINER = "plan-map";
  var DEFAULT_DATA = "plan-map-data";
  // 7 days a week; dark enough for white numbers, distinct hues.
  var COLORS = Object.freeze([
    "#1f5fbf", // blue
    "#d32f2f", // red
    "#2e7d32", // green
    "#ef6c00", // orange
    "#7b1fa2", // purple
    "#00838f", // teal
    "#6d4c41", // brown
  ]);
  var DEPOT_COLOR = "#263238";
  var TILE_ERRORS_BEFORE_OFFLINE = 4; // with zero successful tiles
  var TILE_TIMEOUT_MS = 15000; // silent firewalls never fire tileerror

  var instances = {}; // containerId -> state (survives element swaps)
  var selectedDays = {}; // containerId -> day index or null (survives re-renders)
  var dataIds = {}; // containerId -> dataId used for auto re-render

  // ---------- helpers ----------

  function escapeHtml(value) {
    return String(value == null ? "" : value)
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&#39;");
  }

  // Only relative or http(s) links; blocks javascript: and friends.
  function safeUrl(url) {
    if (typeof url !== "string" || !url) return null;
    var u = url.trim();
    if (/^(https?:)?\/\//i.test(u) || /^[/?#.]/.test(u)) return u;
    if (!/^[a-z][a-z0-9+.-]*:/i.test(u)) return u; // relative path without slash
    return null;
  }

  function num(v) {
    if (v === null || v === undefined || v === "") return NaN;
    var n = typeof v === "number" ? v : parseFloat(v);
    return isFinite(n) ? n : NaN;
  }

  function colorFor(dayIndex) {
    var i = parseInt(dayIndex, 10);
    if (!isFinite(i) || i < 0) i = 0;
    return COLORS[i % COLORS.length];
  }

  function emit(name, detail) {
    var ev;
    try {
      ev = new CustomEvent(name, { detail: detail, bubbles: true });
    } catch (e) {
      return; // ancient browsers: events are optional
    }
    document.dispatchEvent(ev);
  }

  // ---------- WGS-84 -> GCJ-02 (standard closed-form, as used by AMap) ----------

  var GCJ_A = 6378245.0;
  var GCJ_EE = 0.00669342162296594323;

  function outOfChina(lat, lon) {
    return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271;
  }

  function tLat(x, y) {
    var pi = Math.PI;
    var r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    r += ((20.0 * Math.sin(6.0 * x * pi) + 20.0 * Math.sin(2.0 * x * pi)) * 2.0) / 3.0;
    r += ((20.0 * Math.sin(y * pi) + 40.0 * Math.sin((y / 3.0) * pi)) * 2.0) / 3.0;
    r += ((160.0 * Math.sin((y / 12.0) * pi) + 320.0 * Math.sin((y * pi) / 30.0)) * 2.0) / 3.0;
    return r;
  }

  function tLon(x, y) {
    var pi = Math.PI;
    var r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    r += ((20.0 * Math.sin(6.0 * x * pi) + 20.0 * Math.sin(2.0 * x * pi)) * 2.0) / 3.0;
    r += ((20.0 * Math.sin(x * pi) + 40.0 * Math.sin((x / 3.0) * pi)) * 2.0) / 3.0;
    r += ((150.0 * Math.sin((x / 12.0) * pi) + 300.0 * Math.sin((x / 30.0) * pi)) * 2.0) / 3.0;
    return r;
  }

  function wgs84ToGcj02(lat, lon) {
    if (outOfChina(lat, lon)) return [lat, lon];
    var dLat = tLat(lon - 105.0, lat - 35.0);
    var dLon = tLon(lon - 105.0, lat - 35.0);
    var radLat = (lat / 180.0) * Math.PI;
    var magic = Math.sin(radLat);
    magic = 1 - GCJ_EE * magic * magic;
    var sqrtMagic = Math.sqrt(magic);
    dLat = (dLat * 180.0) / (((GCJ_A * (1 - GCJ_EE)) / (magic * sqrtMagic)) * Math.PI);
    dLon = (dLon * 180.0) / ((GCJ_A / sqrtMagic) * Math.cos(radLat) * Math.PI);
    return [lat + dLat, lon + dLon];
  }

  // ---------- config / data ----------

  function readConfig(el) {
    var d = el.dataset;
    var subs = (d.subdomains || "abc").trim();
    return {
      tiles: (d.tiles || "").trim(),
      attribution: d.attribution || "",
      // "abc" (Leaflet style) or "t0,t1,..." for multi-char subdomains
      subdomains: subs.indexOf(",") >= 0 ? subs.split(",").map(function (s) { return s.trim(); }) : subs || "abc",
      coords: (d.coords || "wgs84").toLowerCase() === "gcj02" ? "gcj02" : "wgs84",
      maxZoom: parseInt(d.maxZoom, 10) || 18,
      offlineText: d.offlineText || "底图不可用（离线）",
      allText: d.allText || "全部",
      arrivalText: d.arrivalText || "到达",
      linkText: d.linkText || "查看客户",
      depotText: d.depotText || "出发点",
    };
  }

  function readData(dataId) {
    var node = document.getElementById(dataId);
    if (!node) return { text: "", data: { depot: null, days: [] } };
    var text = node.textContent || "";
    var data = null;
    try {
      data = text.trim() ? JSON.parse(text) : null;
    } catch (e) {
      console.warn("FieldCRMPlanMap: invalid JSON in #" + dataId, e);
    }
    if (!data || typeof data !== "object") data = {};
    return {
      text: text,
      data: { depot: data.depot || null, days: Array.isArray(data.days) ? data.days : [] },
    };
  }

  // Returns [lat, lon] in map coordinates, or null when missing.
  function point(obj, cfg) {
    if (!obj) return null;
    var lat = num(obj.lat);
    var lon = num(obj.lon !== undefined ? obj.lon : obj.lng);
    if (isNaN(lat) || isNaN(lon)) return null;
    if (lat === 0 && lon === 0) return null; // common "unknown" sentinel
    if (Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
    return cfg.coords === "gcj02" ? wgs84ToGcj02(lat, lon) : [lat, lon];
  }

  // ---------- icons / popups ----------

  function visitIcon(seq, color) {
    var wide = String(seq == null ? "" : seq).length > 2;
    // An element, not HTML text: its colour is set through the DOM, which the Content-Security-Policy
    // allows (it forbids style="" attributes in markup).
    var pin = document.createElement("span");
    pin.style.background = color;
    if (wide) pin.className = "plan-map-pin-wide";
    pin.textContent = seq == null ? "" : String(seq);
    return L.divIcon({
      className: "plan-map-pin",
      html: pin,
      iconSize: [26, 26],
      iconAnchor: [13, 13],
      popupAnchor: [0, -12],
    });
  }

  function depotIcon() {
    // Inline SVG house: no font/emoji dependency.
    var house = document.createElement("span");
    house.style.background = DEPOT_COLOR;
    house.innerHTML = '<svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">' +
      '<path fill="#fff" d="M8 1.5 1 7.5h2V14h4v-4h2v4h4V7.5h2z"/></svg>';
    return L.divIcon({
      className: "plan-map-depot",
      html: house,
      iconSize: [30, 30],
      iconAnchor: [15, 15],
      popupAnchor: [0, -14],
    });
  }

  function visitPopup(v, day, cfg) {
    var html = '<div class="plan-map-popup">';
    html += '<div class="plan-map-popup-title">' + escapeHtml(v.name || "") + "</div>";
    var meta = [];
    if (day && day.label) meta.push(escapeHtml(day.label));
    if (v.seq != null) meta.push("#" + escapeHtml(v.seq));
    if (v.arrival) meta.push(escapeHtml(cfg.arrivalText) + " " + escapeHtml(v.arrival));
    if (meta.length) html += '<div class="plan-map-popup-meta">' + meta.join(" · ") + "</div>";
    if (v.code) html += '<div class="plan-map-popup-code">' + escapeHtml(v.code) + "</div>";
    if (Array.isArray(v.reasons) && v.reasons.length) {
      html += '<ul class="plan-map-popup-reasons">';
      v.reasons.forEach(function (r) {
        html += "<li>" + escapeHtml(r) + "</li>";
      });
      html += "</ul>";
    }
    var url = safeUrl(v.url);
    if (url) html += '<a class="plan-map-popup-link" href="' + escapeHtml(url) + '">' + escapeHtml(cfg.linkText) + "</a>";
    return html + "</div>";
  }

  // ---------- base layers / offline ----------

  // Light grid that pans with the map, so offline mode still feels like a map.
  var GridBackground = null;
  function gridLayer() {
    if (!GridBackground) {
      GridBackground = L.GridLayer.extend({
        createTile: function () {
          var div = document.createElement("div");
          div.className = "plan-map-grid-tile";
          return div;
        },
      });
    }
    return new GridBackground({ tileSize: 128, pane: "tilePane" });
  }

  function setOffline(state) {
    if (state.offline) return;
    state.offline = true;
    clearTimeout(state.tileTimer);
    if (state.tileLayer) {
      // Remove before off(): the attribution control listens for the layer's "remove" event.
      state.map.removeLayer(state.tileLayer);
      state.tileLayer.off();
      state.tileLayer = null;
    }
    if (!state.grid) state.grid = gridLayer().addTo(state.map);
    state.el.classList.add("plan-map-offline");
    if (!state.note) {
      var Note = L.Control.extend({
        onAdd: function () {
          var div = L.DomUtil.create("div", "plan-map-note");
          div.textContent = state.cfg.offlineText; // textContent: no HTML injection
          return div;
        },
      });
      state.note = new Note({ position: "bottomleft" }).addTo(state.map);
    }
  }

  function setupBase(state) {
    var cfg = state.cfg;
    var key = cfg.tiles + "|" + cfg.coords;
    if (state.baseKey === key) return; // unchanged: keep tiles (or offline state)
    state.baseKey = key;
    // Reset previous base layer setup.
    clearTimeout(state.tileTimer);
    if (state.tileLayer) {
      // Remove before off(): the attribution control listens for the layer's "remove" event.
      state.map.removeLayer(state.tileLayer);
      state.tileLayer.off();
      state.tileLayer = null;
    }
    if (state.grid) {
      state.map.removeLayer(state.grid);
      state.grid = null;
    }
    if (state.note) {
      state.map.removeControl(state.note);
      state.note = null;
    }
    state.offline = false;
    state.el.classList.remove("plan-map-offline");

    if (!cfg.tiles) {
      setOffline(state);
      return;
    }
    var errors = 0;
    var loads = 0;
    var layer;
    try {
      layer = L.tileLayer(cfg.tiles, {
        subdomains: cfg.subdomains,
        attribution: cfg.attribution,
        maxZoom: cfg.maxZoom,
      });
    } catch (e) {
      console.warn("FieldCRMPlanMap: bad tile URL", e);
      setOffline(state);
      return;
    }
    layer.on("tileload", function () {
      loads += 1;
      clearTimeout(state.tileTimer);
    });
    layer.on("tileerror", function () {
      errors += 1;
      if (loads === 0 && errors >= TILE_ERRORS_BEFORE_OFFLINE) setOffline(state);
    });
    // Start the timeout only once tiles are actually requested (hidden tabs request none).
    layer.once("tileloadstart", function () {
      state.tileTimer = setTimeout(function () {
        if (loads === 0 && state.tileLayer === layer) setOffline(state);
      }, TILE_TIMEOUT_MS);
    });
    state.tileLayer = layer.addTo(state.map);
  }

  // ---------- day button bar ----------

  function dayBar(state) {
    var id = state.containerId;
    var bar = null;
    var target = state.el.dataset.daybar; // optional: id of an element to render into
    if (target) bar = document.getElementById(target);
    if (!bar) {
      var bars = document.querySelectorAll(".plan-map-days");
      for (var i = 0; i < bars.length; i++) {
        if (bars[i].getAttribute("data-for") === id) bar = bars[i];
      }
    }
    if (!bar) {
      bar = document.createElement("div");
      state.el.parentNode.insertBefore(bar, state.el);
    }
    bar.classList.add("plan-map-days");
    bar.setAttribute("data-for", id);
    bar.setAttribute("role", "group");
    return bar;
  }

  function renderDayBar(state) {
    var bar = dayBar(state);
    bar.textContent = "";
    var buttons = [{ index: null, label: state.cfg.allText, color: DEPOT_COLOR }];
    state.days.forEach(function (d) {
      buttons.push({ index: d.index, label: d.label, color: d.color, empty: d.points.length === 0 });
    });
    buttons.forEach(function (b) {
      var btn = document.createElement("button");
      btn.type = "button";
      btn.className = "plan-map-day" + (b.empty ? " plan-map-day-empty" : "");
      btn.style.setProperty("--plan-map-color", b.color);
      btn.setAttribute("data-day", b.index === null ? "" : String(b.index));
      if (b.index !== null) {
        var sw = document.createElement("span");
        sw.className = "plan-map-swatch";
        btn.appendChild(sw);
      }
      btn.appendChild(document.createTextNode(b.label));
      btn.addEventListener("click", function () {
        showDay(b.index, state.containerId);
      });
      bar.appendChild(btn);
    });
    state.bar = bar;
    syncDayBar(state);
  }

  function syncDayBar(state) {
    if (!state.bar) return;
    var sel = selectedDays[state.containerId];
    var btns = state.bar.querySelectorAll("button.plan-map-day");
    for (var i = 0; i < btns.length; i++) {
      var raw = btns[i].getAttribute("data-day");
      var idx = raw === "" ? null : parseInt(raw, 10);
      var on = idx === (sel === undefined ? null : sel);
      btns[i].classList.toggle("active", on);
      btns[i].setAttribute("aria-pressed", on ? "true" : "false");
    }
  }

  // ---------- drawing ----------

  function buildDays(data, cfg) {
    return data.days.map(function (day, pos) {
      var index = typeof day.index === "number" ? day.index : pos;
      var color = colorFor(index);
      var visits = (Array.isArray(day.visits) ? day.visits : []).slice();
      visits.sort(function (a, b) {
        return (num(a.seq) || 0) - (num(b.seq) || 0);
      });
      var points = [];
      visits.forEach(function (v) {
        var p = point(v, cfg);
        if (p) points.push({ latlng: p, visit: v });
      });
      return { index: index, label: day.label || day.date || String(index + 1), color: color, day: day, points: points };
    });
  }

  function draw(state, data) {
    var cfg = state.cfg;
    state.overlay.clearLayers();
    state.dayLayers = {};
    state.markers = {};
    state.depotLayer = null;
    state.depotLatLng = point(data.depot, cfg);
    state.days = buildDays(data, cfg);

    state.days.forEach(function (d) {
      var group = L.featureGroup();
      var line = [];
      if (state.depotLatLng && d.points.length) line.push(state.depotLatLng);
      d.points.forEach(function (p) {
        line.push(p.latlng);
      });
      if (state.depotLatLng && d.points.length) line.push(state.depotLatLng);
      if (line.length > 1) {
        // White casing keeps the route readable on busy tiles.
        L.polyline(line, { color: "#fff", weight: 7, opacity: 0.8, interactive: false }).addTo(group);
        L.polyline(line, { color: d.color, weight: 4, opacity: 0.9, interactive: false }).addTo(group);
      }
      d.points.forEach(function (p) {
        var v = p.visit;
        var m = L.marker(p.latlng, {
          icon: visitIcon(v.seq, d.color),
          title: String(v.name || ""),
          riseOnHover: true,
        });
        m.bindPopup(visitPopup(v, d.day, cfg), { maxWidth: 260 });
        m.on("click", function () {
          emit("plan-map:select", { visitId: v.id, dayIndex: d.index, containerId: state.containerId });
        });
        m.addTo(group);
        if (v.id != null) state.markers[String(v.id)] = { marker: m, dayIndex: d.index };
      });
      state.dayLayers[d.index] = group;
    });

    if (state.depotLatLng) {
      var depotLabel = (data.depot && data.depot.label) || cfg.depotText;
      state.depotLayer = L.marker(state.depotLatLng, {
        icon: depotIcon(),
        title: String(depotLabel),
        zIndexOffset: 1000,
      }).bindPopup('<div class="plan-map-popup-title">' + escapeHtml(depotLabel) + "</div>");
      state.depotLayer.addTo(state.overlay);
    }

    // Drop a stale selection (e.g. the selected day disappeared after an edit).
    var sel = selectedDays[state.containerId];
    if (sel !== null && sel !== undefined && !state.dayLayers[sel]) selectedDays[state.containerId] = null;
    applyDay(state, true);
    renderDayBar(state);
  }

  function applyDay(state, fit) {
    var sel = selectedDays[state.containerId];
    if (sel === undefined) sel = null;
    Object.keys(state.dayLayers).forEach(function (k) {
      var g = state.dayLayers[k];
      var show = sel === null || String(sel) === k;
      if (show && !state.overlay.hasLayer(g)) state.overlay.addLayer(g);
      if (!show && state.overlay.hasLayer(g)) state.overlay.removeLayer(g);
    });
    if (fit) fitView(state);
  }

  function fitView(state) {
    var map = state.map;
    // Read the element, not map.getSize(): Leaflet caches a 0x0 size until the map is loaded.
    if (!state.el.clientWidth || !state.el.clientHeight) {
      state.needsFit = true; // hidden container: refit once it gets a size
      return;
    }
    state.needsFit = false;
    var bounds = L.latLngBounds([]);
    state.overlay.eachLayer(function (layer) {
      if (layer.getBounds) bounds.extend(layer.getBounds());
      else if (layer.getLatLng) bounds.extend(layer.getLatLng());
    });
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [28, 28], maxZoom: 16, animate: false });
    } else {
      map.setView([35.0, 105.0], 4, { animate: false }); // nothing located: show China
    }
  }

  // ---------- lifecycle ----------

  function destroy(state) {
    clearTimeout(state.tileTimer);
    if (state.resizeObserver) state.resizeObserver.disconnect();
    try {
      state.map.remove();
    } catch (e) {
      /* element already gone */
    }
  }

  function createState(el, containerId) {
    // Half-step zoom snapping gives tighter fits on narrow phone screens.
    var map = L.map(el, { zoomControl: true, attributionControl: true, minZoom: 3, zoomSnap: 0.5, worldCopyJump: true });
    // Plain Leaflet credit, no flag/extra HTML in the prefix.
    map.attributionControl.setPrefix('<a href="https://leafletjs.com" target="_blank" rel="noopener">Leaflet</a>');
    L.control.scale({ imperial: false, position: "bottomright" }).addTo(map);
    var state = {
      el: el,
      containerId: containerId,
      map: map,
      overlay: L.featureGroup().addTo(map),
      dayLayers: {},
      markers: {},
      days: [],
    };
    if (typeof ResizeObserver === "function") {
      // Tabs/collapses: Leaflet needs to be told about size changes.
      state.resizeObserver = new ResizeObserver(function () {
        map.invalidateSize({ pan: false });
        if (state.needsFit) fitView(state);
      });
      state.resizeObserver.observe(el);
    }
    return state;
  }

  function render(containerId, dataId) {
    containerId = containerId || DEFAULT_CONTAINER;
    dataId = dataId || DEFAULT_DATA;
    dataIds[containerId] = dataId;
    var el = document.getElementById(containerId);
    if (!el) return null;
    if (typeof L === "undefined" || !L.map) {
      console.warn("FieldCRMPlanMap: Leaflet (L) is not loaded");
      return null;
    }
    var state = instances[containerId];
    if (state && state.el !== el) {
      // htmx replaced the container element: the old map lives on a detached node.
      destroy(state);
      state = null;
    }
    if (!state) {
      state = createState(el, containerId);
      instances[containerId] = state;
    }
    el.classList.add("plan-map");
    state.cfg = readConfig(el);
    var read = readData(dataId);
    state.signature = read.text + "\u0000" + JSON.stringify(state.cfg);
    state.map.invalidateSize({ pan: false });
    setupBase(state);
    draw(state, read.data);
    return state.map;
  }

  function showDay(index, containerId) {
    containerId = containerId || DEFAULT_CONTAINER;
    var i = index === null || index === undefined || index === "" ? null : parseInt(index, 10);
    if (i !== null && isNaN(i)) i = null;
    var state = instances[containerId];
    if (state && i !== null && !state.dayLayers[i]) i = null;
    selectedDays[containerId] = i;
    if (state) {
      state.map.closePopup();
      applyDay(state, true);
      syncDayBar(state);
    }
    emit("plan-map:day", { dayIndex: i, containerId: containerId });
  }

  function focusVisit(visitId, containerId) {
    var state = instances[containerId || DEFAULT_CONTAINER];
    if (!state || visitId == null) return false;
    var entry = state.markers[String(visitId)];
    if (!entry) return false;
    var sel = selectedDays[state.containerId];
    if (sel !== null && sel !== undefined && sel !== entry.dayIndex) showDay(entry.dayIndex, state.containerId);
    state.map.panTo(entry.marker.getLatLng());
    entry.marker.openPopup();
    return true;
  }

  // Re-render only when the container was swapped or its data/config changed,
  // so unrelated htmx swaps don't reset the user's zoom.
  function autoRender() {
    var ids = Object.keys(dataIds);
    if (ids.indexOf(DEFAULT_CONTAINER) < 0) ids.push(DEFAULT_CONTAINER);
    ids.forEach(function (cid) {
      var el = document.getElementById(cid);
      if (!el) return;
      var did = dataIds[cid] || DEFAULT_DATA;
      var state = instances[cid];
      if (state && state.el === el && typeof L !== "undefined") {
        var sig = readData(did).text + "\u0000" + JSON.stringify(readConfig(el));
        if (sig === state.signature) return;
      }
      render(cid, did);
    });
  }

  var pending = false;
  function scheduleAuto() {
    if (pending) return;
    pending = true;
    // One render per batch of htmx swaps.
    setTimeout(function () {
      pending = false;
      try {
        autoRender();
      } catch (e) {
        console.error("FieldCRMPlanMap:", e);
      }
    }, 0);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scheduleAuto);
  else scheduleAuto();
  document.addEventListener("htmx:afterSettle", scheduleAuto);

  window.FieldCRMPlanMap = {
    colors: COLORS,
    colorFor: colorFor,
    render: render,
    showDay: showDay,
    selectedDay: function (containerId) {
      var s = selectedDays[containerId || DEFAULT_CONTAINER];
      return s === undefined ? null : s;
    },
    focusVisit: focusVisit,
    getMap: function (containerId) {
      var s = instances[containerId || DEFAULT_CONTAINER];
      return s ? s.map : null;
    },
    wgs84ToGcj02: wgs84ToGcj02,
  };
})(window, document);
