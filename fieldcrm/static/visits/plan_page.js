/* The plan page's week strip: one day's route at a time (the map follows), all days without JS. */
(function () {
  "use strict";

  function panels() { return document.querySelectorAll(".day-panel"); }
  function tabs() { return document.querySelectorAll(".day-tab"); }

  function select(index, fromMap) {
    tabs().forEach(function (tab) { tab.classList.toggle("active", tab.dataset.dayIndex === String(index)); });
    panels().forEach(function (panel) { panel.hidden = panel.dataset.dayIndex !== String(index); });
    if (!fromMap && window.FieldCRMPlanMap) { window.FieldCRMPlanMap.showDay(index); }
    try { sessionStorage.setItem("plan-day:" + location.pathname, String(index)); } catch (e) { /* private mode */ }
  }

  function initialDay() {
    var hash = location.hash.match(/^#(?:day|visit)-(.+)$/);
    if (hash) {
      var target = document.getElementById(location.hash.slice(1));
      var panel = target && target.closest(".day-panel");
      if (panel) { return panel.dataset.dayIndex; }
    }
    try {
      var saved = sessionStorage.getItem("plan-day:" + location.pathname);
      if (saved !== null && document.querySelector('.day-tab[data-day-index="' + saved + '"]')) { return saved; }
    } catch (e) { /* private mode */ }
    var first = Array.prototype.find.call(panels(), function (p) { return p.querySelector(".visit"); });
    return first ? first.dataset.dayIndex : "0";
  }

  function colourSwatches() {
    if (!window.FieldCRMPlanMap) { return; }
    document.querySelectorAll("[data-swatch]").forEach(function (swatch) {
      swatch.style.backgroundColor = window.FieldCRMPlanMap.colorFor(Number(swatch.dataset.swatch));
    });
  }

  function start() {
    if (!tabs().length) { return; }
    tabs().forEach(function (tab) {
      tab.addEventListener("click", function () { select(tab.dataset.dayIndex, false); });
    });
    document.addEventListener("plan-map:day", function (event) {
      if (event.detail.dayIndex !== null) { select(event.detail.dayIndex, true); }
    });
    document.addEventListener("plan-map:select", function (event) {
      var card = document.getElementById("visit-" + event.detail.visitId);
      if (!card) { return; }
      document.querySelectorAll(".visit.selected").forEach(function (v) { v.classList.remove("selected"); });
      card.classList.add("selected");
      card.scrollIntoView({block: "nearest", behavior: "smooth"});
    });
    colourSwatches();
    var day = initialDay();
    // The map script may run after this one (both deferred): select once it is there too.
    select(day, false);
    window.addEventListener("load", function () { colourSwatches(); select(day, false); });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
