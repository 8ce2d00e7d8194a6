// The error summary (templates/_form_errors.html, id="errors"; loaded only with it): focused
// when the page loads, so a keyboard or screen-reader user starts at the list of what to fix
// (it takes the focus from an input's autofocus; no autofocus on the summary itself). A link of
// the summary moves the focus into its field, scrolled so that the field's label shows too;
// without JavaScript the links still scroll to the inputs.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.getElementById("errors");
  if (!summary || summary.dataset.errorsReady) { return; }  // loaded once per summary shown
  summary.dataset.errorsReady = "1";
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
