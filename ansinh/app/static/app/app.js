// The An Sinh app (docs/app.md): starts the service worker, which holds the sign-in, and
// draws the screens. Plain ES modules, no build step, no third-party code.
import { currentLanguage, loadLanguage, savedLanguage, t } from "./i18n.js";
import { watchIdle } from "./idle.js";
import { workerFailed, workerReady, workerState } from "./api.js";
import { go, recheck, route } from "./router.js";
import { restart } from "./session.js";
import { h, show } from "./ui.js";

const RELOADED = "ansinh-app-reloaded";

// The app talks to the API only through its service worker, which holds the tokens. A page the
// worker controls starts at once. On a first visit the worker installs while the first screen
// is drawn (signed out: nothing is on the phone yet), and a request made before it is in
// control waits for it (api.js). A forced reload bypasses an installed worker: reload once.
async function startWorker() {
  const workers = navigator.serviceWorker;
  workers.register("/app/sw.js", { scope: "/app/" }).catch(workerFailed);
  if (workers.controller) {
    sessionStorage.removeItem(RELOADED);
    return "controlled";
  }
  const existing = await workers.getRegistration("/app/");
  if (existing && existing.active) return reloadOnce();
  return "installing";
}

function reloadOnce() {
  if (sessionStorage.getItem(RELOADED)) return "unsupported";
  sessionStorage.setItem(RELOADED, "1");
  window.location.reload();
  return new Promise(() => {});
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
  const worker = "serviceWorker" in navigator ? startWorker() : "unsupported";
  try {
    await loadLanguage(savedLanguage());
  } catch (_) {
    /* offline before the first full start: the English source strings */
  }
  const started = await worker;
  if (started === "unsupported") return unsupported();
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
  const watch = async () => {
    const state = await workerState();
    watchIdle(state.idle_seconds, () => go("/khoa"));
  };
  if (started === "controlled") {
    await watch();
    await route();
    return;
  }
  const drawn = route();
  if (!(await workerReady())) return reloadOnce() === "unsupported" ? unsupported() : undefined;
  await drawn;
  await watch();
  await recheck();
}
