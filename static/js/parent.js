// Progressive enhancement only: the pages work without this file.
(function () {
  "use strict";
  var form = document.querySelector("form.questions");
  if (!form) { return; }

  // Show-if on the same page: hide a question until the answer it depends on is chosen.
  var dependants = form.querySelectorAll("[data-show-if]");
  function refresh() {
    dependants.forEach(function (block) {
      var codes = block.getAttribute("data-show-codes").split(" ");
      var inputs = form.querySelectorAll("[name='" + block.getAttribute("data-show-if") + "']");
      var shown = Array.prototype.some.call(inputs, function (input) {
        return input.checked && codes.indexOf(input.value) !== -1;
      });
      block.hidden = !shown;
      var hint = block.querySelector(".condition");
      if (hint) { hint.hidden = true; }
    });
  }
  form.addEventListener("change", refresh);
  refresh();

  // No double submit: the server is idempotent, this only spares a second round trip.
  var submitted = false;
  form.addEventListener("submit", function (event) {
    if (submitted) { event.preventDefault(); return; }
    submitted = true;
    window.setTimeout(function () { submitted = false; }, 8000);
  });

  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }
})();
