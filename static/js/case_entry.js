/* Case entry: remove a count row without a reload, and keep keyboard focus where it belongs.
   Adding a row is htmx (the "Add a count" button); this file only removes rows and moves
   focus. No inline script anywhere: the page loads this file (strict Content-Security-Policy). */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-remove-row]");
    if (!button) {
      return;
    }
    var row = document.getElementById(button.getAttribute("data-remove-row"));
    if (!row) {
      return;
    }
    var rows = Array.prototype.slice.call(document.querySelectorAll(".count-row"));
    var index = rows.indexOf(row);
    row.remove();
    announce("Count removed.");
    // Focus the next row's statute, else the previous one's, else the add button.
    var remaining = document.querySelectorAll(".count-row");
    var target = remaining[index] || remaining[index - 1];
    var focusable = target ? target.querySelector(".statute-input") : null;
    (focusable || document.getElementById("add-count")).focus();
  });

  // A row added by htmx: put the cursor in its statute field.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "count-rows") {
      var rows = event.detail.target.querySelectorAll(".count-row");
      var last = rows[rows.length - 1];
      if (last) {
        last.querySelector(".statute-input").focus();
        announce("Count added.");
      }
    }
  });

  function announce(text) {
    var region = document.getElementById("row-announcer");
    if (!region) {
      region = document.createElement("div");
      region.id = "row-announcer";
      region.className = "visually-hidden";
      region.setAttribute("aria-live", "polite");
      document.body.appendChild(region);
    }
    region.textContent = text;
  }
})();
