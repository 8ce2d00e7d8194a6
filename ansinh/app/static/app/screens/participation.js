// "Quá trình tham gia" (GET /me/participation): per scheme, the totals and each period as a
// card (months, unit, job title, salary, paid / unpaid / within the payment period), then the
// unpaid months and the unit that owes them. Kept on the phone for offline reading.
import { ApiError, api } from "../api.js";
import { duration, label, moment, money, month, t } from "../i18n.js";
import { errorText, facts, h, linkButton, show } from "../ui.js";

const SCHEMES = ["BHXH", "BHYT", "BHTN", "BHTNLD_BNN"];
const SHORT = { BHXH: "BHXH", BHYT: "BHYT", BHTN: "BHTN", BHTNLD_BNN: "BHTNLĐ-BNN" };

function statusText(status, lateness) {
  if (status === "paid") return t("Paid");
  if (status === "due") return t("Within the payment period");
  if (lateness === "evasion") return t("Unpaid — evasion by the unit");
  return t("Unpaid — late");
}

function period(p) {
  const months = p.from === p.to ? month(p.from) : `${month(p.from)} – ${month(p.to)}`;
  return h(
    "li",
    { class: `period status-${p.status}`, dataset: { status: p.status, lateness: p.lateness || "" } },
    h("div", { class: "period-head" }, h("strong", { class: "period-months" }, months), h("span", { class: `status status-${p.status}` }, statusText(p.status, p.lateness))),
    facts([
      [t("Unit"), `${p.unit_code} ${p.unit_name}`],
      [t("Job title"), p.job_title || "—"],
      [t("Salary (đồng)"), money(p.salary)],
    ]),
  );
}

// Unpaid periods grouped by the unit that owes them.
function owed(periods) {
  const byUnit = new Map();
  for (const p of periods.filter((x) => x.status === "unpaid")) {
    const key = `${p.unit_code}\u0000${p.unit_name}`;
    if (!byUnit.has(key)) byUnit.set(key, { unit: p.unit_code, name: p.unit_name, months: [] });
    byUnit.get(key).months.push(p.from === p.to ? month(p.from) : `${month(p.from)}–${month(p.to)}`);
  }
  if (!byUnit.size) return null;
  return h(
    "section",
    { class: "card owed", dataset: { section: "owed" } },
    h("h2", {}, t("Unpaid months and the unit that owes them")),
    h("ul", {}, [...byUnit.values()].map((item) => h("li", {}, t("%(unit)s %(name)s: %(months)s", { unit: item.unit, name: item.name, months: item.months.join(", ") })))),
    h("p", { class: "help" }, t("The unit owes these contributions, not you. You can ask it to pay, or contact your BHXH office.")),
  );
}

export async function render(ctx) {
  const scheme = SCHEMES.includes(ctx.params[0]) ? ctx.params[0] : "BHXH";
  const title = t("Participation history");
  show(title, h("h1", {}, title), h("p", { class: "loading", role: "status" }, t("Loading…")));
  let result;
  try {
    result = await api("GET", "/me/participation");
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    show(title, h("h1", {}, title), h("p", { class: "notice" }, error.code === "offline" ? t("No network, and your history is not saved on this phone yet.") : errorText(error)));
    return;
  }
  const data = result.data.schemes[scheme];
  const kept = result.headers.get("X-App-Source") === "device";
  const periods = [...data.periods].reverse(); // newest first, as people look for them
  show(
    title,
    h("h1", {}, title),
    kept ? h("p", { class: "freshness kept", role: "status" }, h("strong", {}, t("No network: the history saved on this phone.")), " ", t("Updated at %(time)s", { time: moment(result.headers.get("X-App-Updated-At")) })) : null,
    h(
      "nav",
      { class: "segments", "aria-label": t("Schemes") },
      SCHEMES.map((code) => h("a", { class: "segment", href: `#/qua-trinh/${code}`, "aria-current": code === scheme ? "page" : null, dataset: { scheme: code }, title: label("schemes", code) }, SHORT[code])),
    ),
    h(
      "section",
      { class: "card scheme", dataset: { scheme } },
      h("h2", {}, label("schemes", scheme) || scheme),
      facts([
        [t("Total time of participation"), duration(data.total_months), "total_months"],
        [t("Unpaid time"), duration(data.unpaid_months), "unpaid_months"],
      ]),
    ),
    periods.length
      ? h("ul", { class: "periods", dataset: { list: "periods" } }, periods.map(period))
      : h("p", { dataset: { field: "no_periods" } }, t("No participation has been reported for this scheme.")),
    owed(data.periods),
    // As the portal's participation page: the signed certificate, and asking for a correction.
    kept ? null : h("section", { class: "actions" },
      linkButton(t("Participation certificates"), "#/giay-chung-nhan", { dataset: { action: "certificates" } }),
      linkButton(t("Ask for a correction"), "#/dieu-chinh/moi", { dataset: { action: "correction" } })),
  );
}
