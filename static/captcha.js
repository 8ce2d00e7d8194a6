// "Đổi mã khác" with JavaScript (templates/captcha/field.html): a new code from the
// rate-limited /captcha/refresh/ without reloading the page. Without JavaScript the same button
// posts the form, which comes back with what was typed (passwords excepted) and a new code.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-captcha]").forEach(function (box) {
    if (box.dataset.captchaReady) { return; }
    box.dataset.captchaReady = "1";
    var button = box.querySelector("[data-captcha-refresh]");
    var image = box.querySelector("[data-captcha-image]");
    var audio = box.querySelector("[data-captcha-audio]");
    var status = box.querySelector("[data-captcha-status]");
    var key = box.querySelector('input[type="hidden"]');
    var answer = box.querySelector("[data-captcha-answer]");
    if (!button || !image || !key || !answer) { return; }
    button.type = "button";
    button.addEventListener("click", function () {
      button.disabled = true;
      status.textContent = "";
      fetch(box.dataset.refreshUrl, {
        headers: { "X-Requested-With": "XMLHttpRequest", "Accept": "application/json" },
        credentials: "same-origin",
      }).then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      }).then(function (result) {
        if (!result.ok || !result.body.key) {
          var error = result.body && result.body.error;
          status.textContent = (error && error.message) || box.dataset.failedText;
          return;
        }
        key.value = result.body.key;
        image.src = result.body.image_url;
        if (audio && result.body.audio_url) { audio.pause(); audio.src = result.body.audio_url; }
        answer.value = "";
        status.textContent = box.dataset.refreshedText;
        answer.focus();
      }).catch(function () {
        status.textContent = box.dataset.failedText;
      }).finally(function () {
        button.disabled = false;
      });
    });
  });
});
