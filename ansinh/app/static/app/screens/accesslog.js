// "Ai đã xem hồ sơ của tôi" (GET /me/access-log): each read of the person's data by BHXH staff,
// an employer or a collection organisation, newest first, as cards: who, when, what.
import { moment, t } from "../i18n.js";
import { readFor } from "../screenread.js";
import { h, show } from "../ui.js";

function item(row) {
  return h(
    "li",
    { class: "access-item", dataset: { who: row.who, what: row.what } },
    h("p", { class: "access-who" }, row.name),
    row.office ? h("p", { class: "access-office" }, row.office) : null,
    h("p", { class: "access-what" }, row.what_label),
    h("p", { class: "access-when" }, h("time", { datetime: row.accessed_at }, moment(row.accessed_at))),
  );
}

export async function render() {
  const title = t("Who viewed my record");
  const data = await readFor(title, "/me/access-log");
  if (!data) return;
  show(
    title,
    h("h1", {}, title),
    h("p", { class: "help" }, t("Every time BHXH staff, your employer or your collection organisation reads your record, it is listed here.")),
    data.items.length
      ? h("ul", { class: "access-list", id: "access-log" }, data.items.map(item))
      : h("p", { class: "notice", id: "no-access" }, t("Nobody has viewed your record.")),
    h("p", { class: "center" }, h("a", { href: "#/tai-khoan" }, t("Back to the account"))),
  );
}
