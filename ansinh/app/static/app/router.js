// Screens by the address after "#": who may see which, and the tab bar.
import { api, workerState } from "./api.js";
import { arm } from "./idle.js";
import { t } from "./i18n.js";
import { icon } from "./icons.js";
import { h } from "./ui.js";
import * as signin from "./screens/signin.js";

// Each screen is its own module, imported when it is first shown: a first visit downloads only
// what its first screen needs (assets.modules() lists those for the shell's modulepreload).
// The sign-in screen, a new visitor's first, comes with the app (no extra step before it).
const SCREENS = {
  accesslog: () => import("./screens/accesslog.js"),
  account: () => import("./screens/account.js"),
  calculators: () => import("./screens/calculators.js"),
  card: () => import("./screens/card.js"),
  cases: () => import("./screens/cases.js"),
  certificates: () => import("./screens/certificates.js"),
  devices: () => import("./screens/devices.js"),
  dossiers: () => import("./screens/dossiers.js"),
  home: () => import("./screens/home.js"),
  lock: () => import("./screens/lock.js"),
  notifications: () => import("./screens/notifications.js"),
  participation: () => import("./screens/participation.js"),
  passkeys: () => import("./screens/passkeys.js"),
  password: () => import("./screens/password.js"),
  recovery: () => import("./screens/recovery.js"),
  register: () => import("./screens/register.js"),
  signin: async () => signin, // a new visitor's first screen: ready with the app
};

// access: "in" signed in, "out" signed out only, "any" everyone, "locked" the lock screen;
// whileLocked: also shown when the app is locked (the card, kept on the device).
const ROUTES = [
  { pattern: /^\/?$/, screen: ["home", "render"], access: "in", tab: "home" },
  { pattern: /^\/dang-nhap$/, screen: ["signin", "render"], access: "out" },
  { pattern: /^\/quen-mat-khau$/, screen: ["recovery", "render"], access: "any" },
  { pattern: /^\/doi-mat-khau$/, screen: ["password", "render"], access: "in", duringChange: true, tab: "account" },
  { pattern: /^\/the-bhyt$/, screen: ["card", "render"], access: "in", whileLocked: true, tab: "card" },
  { pattern: /^\/the-bhyt\/qr$/, screen: ["card", "renderFull"], access: "in", whileLocked: true, bare: true },
  { pattern: /^\/qua-trinh(?:\/(\w+))?$/, screen: ["participation", "render"], access: "in", tab: "participation" },
  { pattern: /^\/thong-bao$/, screen: ["notifications", "render"], access: "in", tab: "notifications" },
  { pattern: /^\/ho-so$/, screen: ["dossiers", "renderList"], access: "in", tab: "home" },
  { pattern: /^\/ho-so\/moi$/, screen: ["dossiers", "renderNew"], access: "in", tab: "home" },
  { pattern: /^\/ho-so\/([\w.-]+)$/, screen: ["dossiers", "renderDetail"], access: "in", tab: "home" },
  { pattern: /^\/dieu-chinh$/, screen: ["cases", "renderList"], access: "in", tab: "home" },
  { pattern: /^\/dieu-chinh\/moi$/, screen: ["cases", "renderNew"], access: "in", tab: "home" },
  { pattern: /^\/dieu-chinh\/([\w.-]+)$/, screen: ["cases", "renderDetail"], access: "in", tab: "home" },
  { pattern: /^\/giay-chung-nhan$/, screen: ["certificates", "renderList"], access: "in", tab: "participation" },
  { pattern: /^\/giay-chung-nhan\/([0-9a-f]{32})$/, screen: ["certificates", "renderDetail"], access: "in", tab: "participation" },
  // Public: the calculators need no sign-in (from the sign-in screen too).
  { pattern: /^\/may-tinh$/, screen: ["calculators", "renderMenu"], access: "any", tab: "home" },
  { pattern: /^\/may-tinh\/([\w-]+)$/, screen: ["calculators", "renderOne"], access: "any", tab: "home" },
  { pattern: /^\/dang-ky$/, screen: ["register", "render"], access: "out" },
  { pattern: /^\/tai-khoan$/, screen: ["account", "render"], access: "in", tab: "account" },
  { pattern: /^\/khoa-truy-cap$/, screen: ["passkeys", "render"], access: "in", tab: "account" },
  { pattern: /^\/thiet-bi$/, screen: ["devices", "render"], access: "in", tab: "account" },
  { pattern: /^\/ai-da-xem$/, screen: ["accesslog", "render"], access: "in", tab: "account" },
  { pattern: /^\/khoa$/, screen: ["lock", "render"], access: "locked" },
];

const TABS = [
  { id: "home", href: "#/", text: () => t("Home") },
  { id: "card", href: "#/the-bhyt", text: () => t("Health card") },
  { id: "participation", href: "#/qua-trinh", text: () => t("Participation") },
  { id: "notifications", href: "#/thong-bao", text: () => t("Notifications") },
  { id: "account", href: "#/tai-khoan", text: () => t("Account") },
];

let lastPath = null;
let state = null;

export function go(path) {
  if (window.location.hash === `#${path}`) route();
  else window.location.hash = `#${path}`;
}

export function currentState() {
  return state;
}

// Back from another app or a sleeping screen: redraw only if the sign-in changed meanwhile
// (the worker locked an idle app), so nothing half-typed is lost.
export async function recheck() {
  const before = state;
  const now = await workerState();
  if (!before || now.locked !== before.locked || now.signed_in !== before.signed_in) route();
}

// Where a person in this state may not be, and where they go instead.
function redirect(entry) {
  if (state.locked) return entry.access === "locked" || entry.whileLocked ? null : "/khoa";
  if (state.signed_in) {
    if (state.password_change_required && !entry.duringChange) return "/doi-mat-khau";
    if (entry.access === "out" || entry.access === "locked") return "/";
    return null;
  }
  return entry.access === "in" || entry.access === "locked" ? "/dang-nhap" : null;
}

export async function route() {
  const path = window.location.hash.replace(/^#/, "") || "/";
  let entry = null;
  let match = null;
  for (const candidate of ROUTES) {
    match = candidate.pattern.exec(path);
    if (match) {
      entry = candidate;
      break;
    }
  }
  if (!entry) return go("/");
  state = await workerState();
  const elsewhere = redirect(entry);
  if (elsewhere !== null) {
    // In place: no history entry for a screen the person never saw (Back skips it), and no
    // round through the hashchange event.
    window.history.replaceState(null, "", `#${elsewhere}`);
    return route();
  }
  const fresh = path !== lastPath;
  lastPath = path;
  const unlocked = state.signed_in && !state.locked;
  arm(unlocked);
  const showTabs = unlocked && !state.password_change_required && !entry.bare;
  drawTabs(showTabs ? entry.tab : null);
  document.body.classList.toggle("bare", Boolean(entry.bare));
  const [module, name] = entry.screen;
  const screen = (await SCREENS[module]())[name];
  await screen({ state, params: match.slice(1), fresh, go, refresh: route });
  if (showTabs) refreshBadge();
}

function drawTabs(active) {
  const nav = document.getElementById("tabs");
  nav.hidden = active === null;
  document.body.classList.toggle("with-tabs", active !== null);
  if (active === null) return;
  nav.replaceChildren(
    ...TABS.map((tab) =>
      h(
        "a",
        { href: tab.href, class: "tab", "aria-current": tab.id === active ? "page" : null, dataset: { tab: tab.id } },
        icon(tab.id, "tab-icon"),
        h("span", { class: "tab-text" }, tab.text()),
        tab.id === "notifications" ? h("span", { class: "badge", id: "unread-badge", hidden: true }) : null,
      ),
    ),
  );
}

// The unread count on the "Notifications" tab; quiet when offline.
export async function refreshBadge() {
  try {
    const { data } = await api("GET", "/me/notifications?limit=1");
    const badge = document.getElementById("unread-badge");
    if (!badge) return;
    badge.textContent = data.unread > 99 ? "99+" : String(data.unread);
    badge.hidden = data.unread === 0;
    badge.setAttribute("aria-label", t("%(count)s unread", { count: data.unread }));
  } catch (_) {
    /* offline or signed out: the badge stays as it was */
  }
}
