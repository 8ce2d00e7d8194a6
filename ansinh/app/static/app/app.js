// The An Sinh app (docs/app.md): starts the service worker, which holds the sign-in, then
// draws the screens. Plain ES modules, no build step, no third-party code.
import { currentLanguage, loadLanguage, savedLanguage, t } from "./i18n.js";
import { watchIdle } from "./idle.js";
import { go, recheck, route } from "./router.js";
import { restart } from "./session.js";
import { h, show } from "./ui.js";

const RELOADED = "ansinh-app-reloaded";

// The app only talks to the API through its service worker (which holds the tokens). A
// page the worker does not control yet (the very first visit, a forced reload) waits for it,
// and reloads once if it never comes.
async function controlled() {
  if (!("serviceWorker" in navigator)) return false;
  try {
    await navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" });
  } catch (_) {
    return Boolean(navigator.serviceWorker.controller);
  }
  if (!navigator.serviceWorker.controller) {
    await new Promise((resolve) => {
      navigator.serviceWorker.addEventListener("controllerchange", resolve, { once: true });
      setTimeout(resolve, 5000);
    });
  }
  if (navigator.serviceWorker.controller) {
    sessionStorage.removeItem(RELOADED);
    return true;
  }
  if (!sessionStorage.getItem(RELOADED)) {
    sessionStorage.setItem(RELOADED, "1");
    window.location.reload();
    return new Promise(() => {});
  }
  return false;
}

function chrome() {
  const switcher = document.getElementById("lang-switch");
  const label = () => {
    const other = currentLanguage() === "vi" ? "en" : "vi";
    switcher.textContent = other === "en" ? "English" : "Tiếng Việt";
    switcher.lang = other;
  };
  label();
  switcher.hidden = false;
  switcher.addEventListener("click", async () => {
    await loadLanguage(currentLanguage() === "vi" ? "en" : "vi");
    label();
    document.getElementById("skip").textContent = t("Skip to content");
    document.getElementById("tabs").setAttribute("aria-label", t("Main menu"));
    route();
  });
}

function unsupported() {
  show(
    "An Sinh",
    h("h1", {}, t("This browser cannot run the app")),
    h("p", {}, t("The app keeps your sign-in in a service worker, which this browser does not allow here. Use the portal instead.")),
    h("p", {}, h("a", { class: "button primary block", href: "/" }, t("Open the portal"))),
  );
}

async function boot() {
  if (window.location.search) {
    window.history.replaceState(null, "", `/app/${window.location.hash}`);
  }
  const ok = await controlled();
  try {
    await loadLanguage(savedLanguage());
  } catch (_) {
    /* offline before the first full start: the English source strings */
  }
  if (!ok) return unsupported();
  chrome();
  window.addEventListener("hashchange", route);
  window.addEventListener("app:session", (event) => {
    if (event.detail === "app_locked") go("/khoa");
    else if (event.detail === "password_change_required") go("/doi-mat-khau");
    else restart("session_ended");
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") recheck();
  });
  const state = await (await fetch("/app/sw/state", { cache: "no-store" })).json();
  watchIdle(state.idle_seconds, () => go("/khoa"));
  await route();
}

boot();
