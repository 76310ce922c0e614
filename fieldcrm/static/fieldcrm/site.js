/* Behaviour every page shares, kept out of the markup so the Content-Security-Policy can forbid inline
   handlers (on*="") and style="" attributes:
   - <select data-autosubmit> submits its form when changed (the language switch);
   - <form data-confirm="question"> asks before submitting;
   - <div data-progress="42"> is drawn 42 % wide (progress bars, also after an htmx swap). */
(function () {
  "use strict";

  function widths(root) {
    root.querySelectorAll("[data-progress]").forEach(function (bar) {
      bar.style.width = Math.max(0, Math.min(100, Number(bar.dataset.progress) || 0)) + "%";
    });
  }

  document.addEventListener("change", function (event) {
    var select = event.target.closest && event.target.closest("select[data-autosubmit]");
    if (select && select.form) { select.form.submit(); }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) { event.preventDefault(); }
  }, true);

  document.addEventListener("htmx:afterSettle", function (event) { widths(event.target); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { widths(document); });
  } else {
    widths(document);
  }
})();
