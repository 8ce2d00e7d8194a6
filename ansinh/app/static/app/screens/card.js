// The e-BHYT card (GET /me/card) with its QR, large and scannable, and a full-screen QR. The
// worker keeps the last card on this phone for the signed-in person, so it opens with no
// network (at the clinic, in airplane mode) with the time it was last updated; the QR is
// signed and a clinic checks it offline. The QR is the server's SVG (segno), shown as an
// image: nothing in it is ever the page's markup.
import { ApiError, api } from "../api.js";
import { day, label, moment, t } from "../i18n.js";
import { button, errorText, facts, h, linkButton, show } from "../ui.js";

let closeOnEscape = null;
let wakeLock = null;

async function load() {
  try {
    const { data, headers } = await api("GET", "/me/card");
    return { card: data, updatedAt: headers.get("X-App-Updated-At"), kept: headers.get("X-App-Source") === "device" };
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return { error };
  }
}

function qrImage(card, className) {
  const modules = /viewBox="0 0 (\d+) /.exec(card.qr_svg);
  return h("img", {
    class: className,
    src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(card.qr_svg)}`,
    alt: t("QR code of health-insurance card %(code)s", { code: card.card_code }),
    "data-modules": modules ? modules[1] : null,
    dataset: { field: "qr" },
  });
}

function freshness(result) {
  return h(
    "p",
    { class: result.kept ? "freshness kept" : "freshness", id: "card-freshness", role: "status", dataset: { source: result.kept ? "device" : "network" } },
    result.kept ? h("strong", {}, t("No network: the card saved on this phone."), " ") : null,
    t("Updated at %(time)s", { time: moment(result.updatedAt) }),
  );
}

function problem(error) {
  if (error.code === "no_card") return t("No health-insurance card has been issued to you.");
  if (error.code === "offline") return t("No network, and the card is not saved on this phone yet. Open it once with a network connection.");
  return errorText(error);
}

function backToLock(ctx) {
  return ctx.state.locked ? button(t("Back"), { id: "back-to-lock", onclick: () => ctx.go("/khoa") }) : null;
}

export async function render(ctx) {
  const title = t("Health-insurance card");
  show(title, h("h1", {}, t("Electronic health-insurance card")), h("p", { class: "loading", role: "status" }, t("Loading…")));
  const result = await load();
  if (result.error) {
    show(title, h("h1", {}, t("Electronic health-insurance card")), h("p", { class: "notice", dataset: { field: "no_card" } }, problem(result.error)), backToLock(ctx));
    return;
  }
  const card = result.card;
  const groupLabel = label("groups", card.group);
  const levelLabel = label("levels", String(card.benefit_level));
  show(
    title,
    h("h1", {}, t("Electronic health-insurance card")),
    freshness(result),
    h(
      "section",
      { class: "card ebhyt" },
      h("div", { class: "qr", id: "qr" }, qrImage(card, "qr-image")),
      h("p", { class: "qr-actions" }, linkButton(t("Enlarge the QR code"), "#/the-bhyt/qr", { primary: true, id: "enlarge-qr" })),
      h("p", { class: "help" }, t("Show this QR code at the clinic. It is signed by BHXH and can be checked without a network connection.")),
      facts([
        [t("BHXH code"), card.bhxh_code, "bhxh_code"],
        [t("Card code"), card.card_code, "card_code"],
        [t("Full name"), card.full_name, "full_name"],
        [t("Date of birth"), day(card.date_of_birth)],
        [t("Beneficiary group"), groupLabel ? `${card.group} — ${groupLabel}` : card.group, "group"],
        [t("Benefit level"), levelLabel ? `${card.benefit_level} — ${levelLabel}` : String(card.benefit_level), "benefit_level"],
        [t("Initial health facility"), `${card.facility.code} ${card.facility.name}`, "facility"],
        [t("Valid from"), day(card.valid_from), "valid_from"],
        [t("Valid to"), day(card.valid_to), "valid_to"],
        [t("Five continuous years from"), card.five_years_from ? day(card.five_years_from) : "—", "five_years"],
      ]),
    ),
    backToLock(ctx),
  );
}

function stopFullScreen() {
  if (closeOnEscape) document.removeEventListener("keydown", closeOnEscape);
  window.removeEventListener("hashchange", stopFullScreen);
  closeOnEscape = null;
  if (wakeLock) wakeLock.release().catch(() => {});
  wakeLock = null;
}

// The QR alone, white, as large as the screen allows; "Đóng" (or Escape) goes back.
export async function renderFull(ctx) {
  const result = await load();
  if (result.error) return ctx.go("/the-bhyt");
  const card = result.card;
  const close = () => ctx.go("/the-bhyt");
  show(
    t("Health-insurance card QR code"),
    h("h1", { class: "qr-full-title" }, t("Health-insurance card QR code")),
    h("div", { class: "qr-full-code" }, qrImage(card, "qr-full-image")),
    h("p", { class: "qr-full-who" }, h("span", { dataset: { field: "card_code" } }, card.card_code), ` · ${card.full_name}`),
    freshness(result),
    button(t("Close"), { primary: true, id: "close-qr", onclick: close }),
  );
  stopFullScreen();
  closeOnEscape = (event) => { if (event.key === "Escape") close(); };
  document.addEventListener("keydown", closeOnEscape);
  window.addEventListener("hashchange", stopFullScreen);
  // Keep the screen on while the clinic scans, where the phone allows it.
  try {
    if (navigator.wakeLock) wakeLock = await navigator.wakeLock.request("screen");
  } catch (_) {
    /* not allowed here: the screen may dim */
  }
}
