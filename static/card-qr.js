// The full-screen QR of the e-BHYT card: Escape closes it like the "Đóng" button (the page
// works without this script; no inline script: the Content-Security-Policy forbids it).
document.addEventListener("keydown", function (event) {
  if (event.key === "Escape") {
    var close = document.getElementById("close-qr");
    if (close) { window.location.assign(close.href); }
  }
});
