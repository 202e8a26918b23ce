/* Considered: small behaviours for every page (a static file: the CSP forbids inline scripts).
   A link to a <details> (a risk-grid cell → that count's flags) opens it and its ancestors,
   scrolls to it and moves focus to its summary; so does a URL whose hash names one. */
(function () {
  "use strict";
  function openTarget(hash, focus) {
    if (!hash || hash.length < 2) return;
    var target = document.getElementById(decodeURIComponent(hash.slice(1)));
    if (!target) return;
    for (var node = target; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") node.open = true;
    }
    if (focus && target.tagName === "DETAILS") {
      var summary = target.querySelector("summary");
      if (summary) summary.focus();
    }
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest('a[href^="#"]');
    if (link) openTarget(link.getAttribute("href"), true);
  });
  window.addEventListener("hashchange", function () { openTarget(window.location.hash, false); });
  document.addEventListener("DOMContentLoaded", function () { openTarget(window.location.hash, false); });
})();
