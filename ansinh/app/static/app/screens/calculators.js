// "Tính mức đóng bảo hiểm" (issue 15 §3), for everyone, signed in or not: voluntary BHXH,
// household BHYT and an employee's deductions, from the public GET /calculators/* (the worker
// passes them through with no token). Amounts as Vietnamese readers write them ("1.234.567 đ"),
// with the dated reference rows the server used and their legal sources. The portal's
// /may-tinh-bhxh/ in the portal's words.
import { ApiError, api } from "../api.js";
import { currentLanguage, day, money, t } from "../i18n.js";
import { busy, button, errorText, facts, field, h, linkButton, messageBox, show } from "../ui.js";

const KINDS = {
  "tu-nguyen": { title: () => t("Voluntary social insurance"), build: voluntary },
  "ho-gia-dinh": { title: () => t("Household health insurance"), build: household },
  "tien-luong": { title: () => t("Deductions from an employee's salary"), build: salary },
};
const GROUPS = [
  ["poor", () => t("Poor household")],
  ["near_poor", () => t("Near-poor household")],
  ["ethnic_minority", () => t("Ethnic minority")],
  ["other", () => t("Other participants")],
];
const REGIONS = [["I", () => t("Region I")], ["II", () => t("Region II")], ["III", () => t("Region III")], ["IV", () => t("Region IV")]];

function dong(amount) {
  return `${money(amount)} đ`;
}

// Basis points as a percentage, with the reader's decimal mark: 450 → "4,5 %".
function percent(basisPoints) {
  const text = String(basisPoints / 100);
  return `${currentLanguage() === "vi" ? text.replace(".", ",") : text} %`;
}

function rowValue(row) {
  if (row.name.endsWith("_bp")) return percent(row.value);
  if (row.name.endsWith("_multiplier") || row.name.startsWith("cap_")) return `× ${row.value}`;
  if (row.name.endsWith("_months")) return String(row.value);
  return dong(row.value);
}

function referenceRows(rows) {
  return h("section", { class: "reference-rows", dataset: { field: "reference_rows" } },
    h("h3", {}, t("Figures used and their legal sources")),
    h("ul", { class: "sources" }, rows.map((row) => h("li", { dataset: { row: row.name } },
      h("strong", {}, rowValue(row)), " ", h("span", { class: "code" }, row.name),
      h("span", { class: "help" }, ` (${t("from %(day)s", { day: day(row.valid_from) })})`),
      h("br"), row.legal_source))));
}

function select(id, name, text, choices) {
  const control = h("select", { id, name, "aria-describedby": `${id}-error` },
    choices.map(([value, words]) => h("option", { value }, words())));
  const errorLine = h("p", { class: "error", id: `${id}-error`, hidden: true });
  const wrap = h("div", { class: "field" }, h("label", { for: id }, text), control, errorLine);
  return {
    wrap,
    input: control,
    error(message) {
      errorLine.textContent = message || "";
      errorLine.hidden = !message;
      wrap.classList.toggle("has-error", Boolean(message));
    },
  };
}

function digits(value) {
  return value.replace(/[\s.,]/g, "");
}

function voluntary() {
  const income = field({ name: "income", label: t("Chosen monthly income (đồng)"), inputmode: "numeric", autocomplete: "off", help: t("Between the rural poverty line and 20 times the reference level.") });
  const group = select("f-group", "group", t("Participant group"), GROUPS);
  return {
    fields: { income, group },
    query: () => ({ income: digits(income.input.value), group: group.input.value }),
    path: "/calculators/voluntary-bhxh",
    result: (r) => [
      facts([
        [t("Contribution (%(rate)s)", { rate: percent(r.rate_basis_points) }), dong(r.contribution), "contribution"],
        [t("State support"), dong(r.state_support), "state_support"],
        [t("You pay each month"), h("strong", {}, dong(r.you_pay)), "you_pay"],
      ]),
      h("p", { class: "help" }, t("The state support is paid for at most %(months)s months.", { months: r.support_max_months })),
    ],
  };
}

function household() {
  const members = field({ name: "members", label: t("Members of the household"), inputmode: "numeric", autocomplete: "off" });
  return {
    fields: { members },
    query: () => ({ members: digits(members.input.value) }),
    path: "/calculators/household-bhyt",
    result: (r) => facts([
      ...r.members.map((m) => [`${t("Member %(n)s", { n: m.member })} (${percent(m.share_basis_points)})`, `${dong(m.monthly)} / ${t("month")}`, `member_${m.member}`]),
      [t("Household, per month"), h("strong", {}, dong(r.monthly_total)), "monthly_total"],
      ...r.totals.map((x) => [t("For %(n)s months", { n: x.months }), dong(x.amount), `total_${x.months}`]),
    ]),
  };
}

function salary() {
  const amount = field({ name: "salary", label: t("Monthly salary for contributions (đồng)"), inputmode: "numeric", autocomplete: "off" });
  const region = select("f-region", "region", t("Wage region"), REGIONS);
  return {
    fields: { salary: amount, region },
    query: () => ({ salary: digits(amount.input.value), region: region.input.value }),
    path: "/calculators/salary-deductions",
    result: (r) => facts([
      ...r.deductions.map((d) => [`${d.scheme} (${percent(d.basis_points)})`, dong(d.amount), d.scheme]),
      [t("Total deducted"), h("strong", {}, dong(r.total)), "total"],
      [t("Left of the salary"), dong(r.take_home), "take_home"],
    ]),
  };
}

export function renderMenu(ctx) {
  const title = t("Contribution calculators");
  show(
    title,
    h("h1", {}, title),
    h("p", { class: "help" }, t("Estimates from the rates in force today, with the legal source of every figure. Amounts in đồng.")),
    h("nav", { class: "tiles", "aria-label": title },
      Object.entries(KINDS).map(([slug, kind]) => h("a", { class: "tile", href: `#/may-tinh/${slug}`, id: `calc-${slug}` },
        h("span", { class: "tile-text" }, h("strong", {}, kind.title()))))),
    ctx.state.signed_in ? null : h("p", {}, h("a", { href: "#/dang-nhap" }, t("Back to sign in"))),
  );
}

export function renderOne(ctx) {
  const slug = ctx.params[0];
  const kind = KINDS[slug];
  if (!kind) return ctx.go("/may-tinh");
  const title = kind.title();
  const calc = kind.build();
  const message = messageBox();
  const output = h("div", { class: "calc-result card", id: "calc-result", role: "status", "aria-live": "polite", hidden: true });
  const form = h("form", { id: `calc-${slug}-form`, class: "card", novalidate: true },
    message.box,
    Object.values(calc.fields).map((f) => f.wrap),
    button(t("Calculate"), { primary: true, type: "submit" }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.set("");
    Object.values(calc.fields).forEach((f) => f.error(""));
    const query = calc.query();
    const empty = Object.entries(query).filter(([, value]) => !value);
    if (empty.length) {
      empty.forEach(([name]) => calc.fields[name].error(t("This field is required.")));
      calc.fields[empty[0][0]].input.focus();
      output.hidden = true;
      return;
    }
    try {
      const { data } = await busy(form, () => api("GET", `${calc.path}?${new URLSearchParams(query)}`));
      output.replaceChildren(...[h("h2", {}, t("Result")), calc.result(data), referenceRows(data.reference_rows)].flat());
      output.dataset.result = slug;
      output.hidden = false;
      output.scrollIntoView({ block: "start" });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      output.hidden = true;
      let shown = false;
      for (const [name, text] of Object.entries(error.fields)) {
        if (calc.fields[name]) {
          calc.fields[name].error(text);
          shown = true;
        }
      }
      if (shown) calc.fields[Object.keys(error.fields).find((name) => calc.fields[name])].input.focus();
      else message.set(errorText(error));
    }
  });
  show(title, h("h1", {}, title), form, output,
    h("p", {}, linkButton(t("Contribution calculators"), "#/may-tinh", { id: "back-to-calculators" })));
}
