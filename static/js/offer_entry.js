/* Offer entry (issue 15 item 3). Each count's fieldset posts its terms to the preview endpoint
   as the deputy types (htmx, debounced); this file acts on the answer: it shows only the record
   facts the statute's catalog entry uses, empties the ones it hides (so no stale value is sent;
   the server drops them anyway), and pre-fills the level the catalog gives unless the deputy
   chose one. Without JavaScript the
   server drops the hidden facts when the offer is saved. */
(function () {
  "use strict";

  function empty(cell) {
    cell.querySelectorAll("input, select, textarea").forEach(function (field) {
      if (field.tagName === "SELECT") {
        field.value = field.querySelector("option[value='unknown']") ? "unknown" : "";
      } else {
        field.value = "";
      }
    });
  }

  function apply(target) {
    var answer = target.querySelector(".count-preview");
    var term = target.closest("fieldset.term");
    if (!answer || !term) return;
    var facts = (answer.getAttribute("data-facts") || "").split(" ").filter(Boolean);
    term.querySelectorAll("[data-fact]").forEach(function (cell) {
      var used = facts.indexOf(cell.getAttribute("data-fact")) >= 0;
      if (!used && !cell.hidden) empty(cell);
      cell.hidden = !used;
    });
    var statute = term.querySelector("input[name$='-statute_pleaded']");
    var none = term.querySelector(".facts-none");
    if (none) none.hidden = facts.length > 0 || !(statute && statute.value.trim());
    var level = answer.getAttribute("data-level");
    var select = term.querySelector("select[name$='-level_at_plea']");
    if (select && level && select.value !== level &&
        (select.value === "" || select.getAttribute("data-prefilled") === "1")) {
      select.value = level;
      select.setAttribute("data-prefilled", "1");
      // Assess again at that level (a new preview replaces this one).
      select.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.classList && target.classList.contains("term-preview")) apply(target);
  });

  // A level the deputy picks is theirs: a later statute no longer changes it. (This file's own
  // pre-fill sends "input", never "change".)
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select[name$='-level_at_plea']")) {
      event.target.removeAttribute("data-prefilled");
    }
  });
})();
