// "Trang chủ": who is signed in and the ways in, as large tiles.
import { t } from "../i18n.js";
import { takeFlash } from "../session.js";
import { icon } from "../icons.js";
import { h, show } from "../ui.js";

function tile(href, title, text, id) {
  return h(
    "a",
    { class: `tile tile-${id}`, href, id: `tile-${id}` },
    h("span", { class: "tile-icon" }, icon(id)),
    h("span", { class: "tile-text" }, h("strong", {}, title), h("span", { class: "tile-sub" }, text)),
  );
}

export function render(ctx) {
  const notice = takeFlash();
  const name = ctx.state.full_name;
  show(
    t("Home"),
    h("h1", {}, name ? t("Hello, %(name)s", { name }) : "An Sinh"),
    notice ? h("div", { class: "notice", role: "status", id: "flash" }, notice) : null,
    ctx.state.bhxh_code ? h("p", { class: "who" }, t("BHXH code"), ": ", h("strong", { dataset: { field: "bhxh_code" } }, ctx.state.bhxh_code)) : null,
    h(
      "nav",
      { class: "tiles", "aria-label": t("Main menu") },
      tile("#/the-bhyt", t("Electronic health-insurance card"), t("The QR code for the clinic, also without a network"), "card"),
      tile("#/qua-trinh", t("Participation history"), t("Periods, units, salaries, paid and unpaid months"), "participation"),
      tile("#/ho-so", t("My dossiers"), t("Ask to change your details, with a photo; follow your dossiers"), "dossiers"),
      tile("#/dieu-chinh", t("Correction of my contribution periods"), t("Months missing, a wrong salary or unit, or contributions deducted but not paid"), "cases"),
      tile("#/giay-chung-nhan", t("Participation certificates"), t("Signed, with a QR code anyone can check; as a PDF"), "certificates"),
      tile("#/may-tinh", t("Contribution calculators"), t("Voluntary BHXH, household BHYT, deductions from a salary"), "calculators"),
      tile("#/thong-bao", t("Notifications"), t("Messages about your dossiers and contributions"), "notifications"),
      tile("#/tai-khoan", t("Account"), t("Password, language, signing out"), "account"),
    ),
  );
}
