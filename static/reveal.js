// "Hiện" / "Ẩn" (templates/portal/_reveal.html): the person's own CCCD, phone and email in full,
// or masked again, without leaving the page. The link (which works without JavaScript: it
// reloads the page with or without ?hien=1) becomes a button; the first press fetches the other
// version of this same page (never cached: the pages are sent no-store, and the fetch asks for
// no-store too) and swaps the values marked data-reveal-value; later presses swap back. If the
// page cannot be fetched, the link is followed instead.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-reveal]").forEach(function (section) {
    var link = section.querySelector("a[data-reveal-toggle]");
    if (!link || !section.id) { return; }
    var status = section.querySelector("[data-reveal-status]");
    var revealed = link.hasAttribute("data-revealed");
    var versions = {};

    function valuesOf(root) {
      var found = {};
      root.querySelectorAll("[data-reveal-value]").forEach(function (el) {
        found[el.getAttribute("data-reveal-value")] = el.textContent;
      });
      return found;
    }

    function show(full) {
      var values = versions[full ? "full" : "masked"];
      section.querySelectorAll("[data-reveal-value]").forEach(function (el) {
        var key = el.getAttribute("data-reveal-value");
        if (Object.prototype.hasOwnProperty.call(values, key)) { el.textContent = values[key]; }
      });
      revealed = full;
      button.textContent = full ? link.dataset.hideText : link.dataset.showText;
      button.setAttribute("aria-label", full ? link.dataset.hideLabel : link.dataset.showLabel);
      if (status) { status.textContent = full ? link.dataset.shownStatus : link.dataset.hiddenStatus; }
    }

    versions[revealed ? "full" : "masked"] = valuesOf(section);
    var button = document.createElement("button");
    button.type = "button";
    button.className = link.className;
    button.setAttribute("data-reveal-toggle", "");
    button.setAttribute("aria-controls", section.id);
    button.textContent = link.textContent;
    button.setAttribute("aria-label", link.getAttribute("aria-label"));
    link.replaceWith(button);

    button.addEventListener("click", function () {
      var want = !revealed;
      if (versions[want ? "full" : "masked"]) { show(want); return; }
      button.disabled = true;
      fetch(link.href, {
        credentials: "same-origin",
        cache: "no-store",
        headers: { "Accept": "text/html" },
      }).then(function (response) {
        if (!response.ok || response.redirected) { throw new Error("not the page"); }
        return response.text();
      }).then(function (html) {
        var other = new DOMParser().parseFromString(html, "text/html").getElementById(section.id);
        if (!other) { throw new Error("not the page"); }
        versions[want ? "full" : "masked"] = valuesOf(other);
        show(want);
      }).catch(function () {
        window.location.assign(link.href);
      }).finally(function () {
        button.disabled = false;
      });
    });
  });
});
