// "Quên mật khẩu", the step after the code (templates/portal/recovery/code.html): the two
// new-password fields are shown only while "Choose my new password now" is chosen. Without
// JavaScript both stay visible with a hint saying they count only for that choice. Fields that
// came back from the server with an error are shown when the page loads.
document.addEventListener("DOMContentLoaded", function () {
  var group = document.querySelector("[data-recovery-choice]");
  var own = document.querySelector("[data-own-password]");
  if (!group || !own) { return; }
  var hint = own.querySelector("[data-no-script-hint]");
  if (hint) { hint.hidden = true; }
  var radios = group.querySelectorAll('input[type="radio"]');
  function update() {
    own.hidden = !group.querySelector('input[type="radio"][value="choose"]:checked');
  }
  radios.forEach(function (radio) { radio.addEventListener("change", update); });
  update();
  if (own.querySelector(".has-error")) { own.hidden = false; }
});
