// Progressive enhancement only: the staff pages work without this file.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
  document.querySelectorAll(".js-hidden").forEach(function (el) { el.hidden = true; });
}());
