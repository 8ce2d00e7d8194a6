// The error summary (templates/_form_errors.html, id="errors"): focused when the page loads, so
// a keyboard or screen-reader user starts at the list of what to fix (no autofocus attribute: an
// input's autofocus would win). A link of the summary moves the focus into its field, scrolled so
// that the field's label shows too; without JavaScript the links still scroll to the inputs.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.getElementById("errors");
  if (!summary) { return; }
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest('a[href^="#"]');
    if (!link || link.hash.length < 2) { return; }
    var target = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!target) { return; }
    var input = target.matches("input, select, textarea")
      ? target
      : target.querySelector("input:not([type=hidden]), select, textarea");
    if (!input) { return; }
    event.preventDefault();
    var field = input.closest(".field, fieldset") || input;
    field.scrollIntoView();
    input.focus({ preventScroll: true });
  });
});
