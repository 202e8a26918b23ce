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
  // A failed sign or save: the summary of what went wrong takes the focus, at the top.
  function focusErrors() {
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  }
  // The password beside Sign: shown when the page's own countdown of the 15-minute window
  // ends (the server checks the window again when the form is sent).
  function countDownToPassword() {
    var box = document.getElementById("sign-password");
    if (!box || !box.hidden) return;
    var seconds = parseInt(box.getAttribute("data-reauth-seconds"), 10) || 0;
    window.setTimeout(function () {
      box.hidden = false;
      var note = document.createElement("p");
      note.className = "small mb-1";
      note.setAttribute("role", "status");
      note.textContent = "More than 15 minutes since you last entered your password: enter it to sign.";
      box.insertBefore(note, box.firstChild);
    }, seconds * 1000);
  }
  document.addEventListener("DOMContentLoaded", function () {
    openTarget(window.location.hash, false);
    focusErrors();
    countDownToPassword();
  });
})();
