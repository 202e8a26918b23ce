/* "Did you mean" under a statute the catalog does not know (cases/_statute_help.html): a button
   puts the catalog's code in the statute field, which asks the catalog (and, on the offer page,
   the count's preview) again. Without JavaScript the codes are listed as text. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-statute-code]");
    if (!button) return;
    var help = button.closest(".statute-help");
    var input = help && document.querySelector('[hx-target="#' + help.id + '"]');
    if (!input) return;
    input.value = button.getAttribute("data-statute-code");
    input.focus();
    input.dispatchEvent(new Event("input", { bubbles: true }));
  });
})();
