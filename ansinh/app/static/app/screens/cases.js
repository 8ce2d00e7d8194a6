// "Điều chỉnh quá trình đóng BHXH" (issue 15 §2): my correction cases with their status and
// timeline (GET /me/correction-cases), one case with its deadlines (GET …/{id}), and a new case
// with evidence from the camera (multipart POST /me/correction-cases), as the portal's
// /ca-nhan/dieu-chinh/ in the portal's words.
import { ApiError, api } from "../api.js";
import { day, label, moment, money, month, t } from "../i18n.js";
import { busy, button, errorText, facts, field, h, linkButton, messageBox, show } from "../ui.js";

const PROBLEMS = ["missing_months", "wrong_salary", "wrong_unit", "deducted_not_paid"];
// A refusal code of the API → the words under the field (the portal's, ansinh/dossiers/case_forms.py).
const CODES = {
  invalid_month: () => t("Enter a month as YYYY-MM."),
  before_from_month: () => t("The last month is before the first month."),
  future_month: () => t("The last month cannot be in the future."),
  too_many_months: () => t("A case covers at most 120 months."),
  unknown_unit: () => t("No unit has this code."),
  invalid_choice: () => t("Choose what is wrong."),
  invalid_salary: () => t("Enter the salary as a whole number of đồng."),
  too_long: () => t("Too long: at most %(max)d characters.", { max: 1000 }),
};

function words(code) {
  return code in CODES ? CODES[code]() : code;
}

function loading(title) {
  show(title, h("h1", {}, title), h("p", { class: "loading", role: "status" }, t("Loading…")));
}

function months(c) {
  return c.from_month === c.to_month ? month(c.from_month) : `${month(c.from_month)} – ${month(c.to_month)}`;
}

function statusTag(c) {
  return h("span", { class: `tag case-status status-${c.status}`, dataset: { status: c.status } }, c.status_label);
}

function timeline(c, id) {
  return h("ol", { class: "timeline", id }, c.events.map((e) =>
    h("li", { dataset: { kind: e.kind } },
      h("strong", {}, e.label), h("span", { class: "help" }, " · ", moment(e.at)),
      e.note ? h("p", {}, e.note) : null)));
}

function back() {
  return h("p", {}, h("a", { href: "#/dieu-chinh" }, t("Back to my corrections")));
}

export async function renderList() {
  const title = t("Correction of my contribution periods");
  loading(title);
  let data = null;
  let problem = null;
  try {
    ({ data } = await api("GET", "/me/correction-cases"));
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    problem = errorText(error);
  }
  const items = data ? data.items : [];
  show(
    title,
    h("h1", {}, title),
    h("p", { class: "help" }, t("Months missing, a wrong salary or unit, or contributions deducted from your pay but not paid: ask your unit to correct them. If it does not answer in time, or disagrees, your BHXH office decides.")),
    linkButton(t("Ask for a correction"), "#/dieu-chinh/moi", { primary: true, id: "new-case" }),
    problem ? h("p", { class: "notice" }, problem) : null,
    data && !items.length ? h("p", { class: "card", id: "no-cases" }, t("You have not asked for a correction yet.")) : null,
    h("ul", { class: "list", id: "cases" }, items.map((c) =>
      h("li", { class: "card case", dataset: { case: c.case_id, status: c.status } },
        h("a", { href: `#/dieu-chinh/${encodeURIComponent(c.case_id)}`, class: "row-link" },
          h("strong", {}, c.case_id), " ", statusTag(c)),
        h("p", {}, c.problem_label, " · ", months(c)),
        h("p", { class: "help" }, `${c.unit_code} ${c.unit_name}`),
        h("p", { class: "help" }, t("The unit answers by"), ": ", day(c.unit_due)),
        timeline(c, null)))),
  );
}

// A form row whose error line is named beside it (the ui.field shape for other controls).
function row(id, text, control, help) {
  const errorLine = h("p", { class: "error", id: `${id}-error`, hidden: true });
  const helpLine = help ? h("p", { class: "help", id: `${id}-help` }, help) : null;
  control.setAttribute("aria-describedby", [helpLine ? `${id}-help` : null, `${id}-error`].filter(Boolean).join(" "));
  const wrap = h("div", { class: "field" }, h("label", { for: id }, text), helpLine, control, errorLine);
  return {
    wrap,
    input: control,
    error(message) {
      errorLine.textContent = message || "";
      errorLine.hidden = !message;
      wrap.classList.toggle("has-error", Boolean(message));
      if (message) control.setAttribute("aria-invalid", "true");
      else control.removeAttribute("aria-invalid");
    },
  };
}

function problemChoice() {
  const errorLine = h("p", { class: "error", id: "f-problem-error", hidden: true });
  const radios = PROBLEMS.map((code) => h("input", { type: "radio", name: "problem", value: code, id: `f-problem-${code}`, "aria-describedby": "f-problem-error" }));
  const wrap = h("fieldset", { class: "field", id: "f-problem" },
    h("legend", {}, t("What is wrong")),
    radios.map((radio) => h("div", { class: "radio" }, radio, h("label", { for: radio.id }, label("problems", radio.value) || radio.value))),
    errorLine);
  return {
    wrap,
    value: () => (radios.find((r) => r.checked) || { value: "" }).value,
    error(message) {
      errorLine.textContent = message || "";
      errorLine.hidden = !message;
      wrap.classList.toggle("has-error", Boolean(message));
    },
  };
}

function thisMonth() {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}`;
}

export function renderNew(ctx) {
  const title = t("Ask for a correction");
  const message = messageBox();
  const unit = field({ name: "unit_code", label: t("Unit code"), autocomplete: "off" });
  const from = row("f-from_month", t("From month"), h("input", { id: "f-from_month", name: "from_month", type: "month", max: thisMonth() }), t("Enter a month as YYYY-MM."));
  const to = row("f-to_month", t("To month"), h("input", { id: "f-to_month", name: "to_month", type: "month", max: thisMonth() }));
  const problem = problemChoice();
  const salary = field({ name: "salary", label: t("Salary on the payslip (đồng)"), inputmode: "numeric", autocomplete: "off" });
  const description = row("f-description", t("Details"), h("textarea", { id: "f-description", name: "description", rows: 3, maxlength: 1000 }));
  const visible = h("input", { type: "checkbox", id: "f-name_visible", name: "name_visible" });
  const evidence = row("f-evidence", t("Evidence: payslips, contract, photos (PNG, JPEG or PDF)"),
    h("input", { id: "f-evidence", name: "evidence", type: "file", accept: "image/*,application/pdf", capture: "environment", multiple: true }),
    t("Take a photo with the camera, or choose up to 4 images or PDFs."));
  const chosen = h("ul", { class: "files", id: "chosen-files" });
  evidence.wrap.insertBefore(chosen, evidence.wrap.lastChild);
  evidence.input.addEventListener("change", () => {
    chosen.replaceChildren(...[...evidence.input.files].map((file) => h("li", {}, file.name)));
    evidence.error("");
  });
  const named = { unit_code: unit, from_month: from, to_month: to, problem, salary, description, evidence, files: evidence, documents: evidence };
  const form = h(
    "form",
    { id: "case-form", class: "card", novalidate: true },
    h("p", { class: "help" }, t("Your unit answers within 10 working days. It sees your name only if you allow it.")),
    message.box,
    unit.wrap, from.wrap, to.wrap, problem.wrap, salary.wrap, description.wrap,
    h("div", { class: "field radio" }, visible, h("label", { for: "f-name_visible" }, t("The unit may see my name"))),
    evidence.wrap,
    button(t("Send"), { primary: true, type: "submit" }),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.set("");
    Object.values(named).forEach((f) => f.error(""));
    const payload = {
      unit_code: unit.input.value.trim().toUpperCase(),
      from_month: from.input.value.trim(),
      to_month: to.input.value.trim(),
      problem: problem.value(),
      description: description.input.value.trim(),
      name_visible: visible.checked,
    };
    const typed = salary.input.value.replace(/[\s.,]/g, "");
    let wrong = false;
    for (const name of ["unit_code", "from_month", "to_month", "problem"]) {
      if (!payload[name]) {
        named[name].error(name === "problem" ? words("invalid_choice") : t("This field is required."));
        wrong = true;
      }
    }
    if (typed && !/^\d{1,15}$/.test(typed)) {
      salary.error(words("invalid_salary"));
      wrong = true;
    } else if (typed) payload.salary = Number(typed);
    if (wrong) {
      message.set(t("Some fields are missing or invalid."));
      return form.querySelector("[aria-invalid=true], .has-error input")?.focus();
    }
    const body = new FormData();
    body.append("payload", JSON.stringify(payload));
    for (const file of evidence.input.files) body.append("evidence", file, file.name);
    try {
      const { data } = await busy(form, () => api("POST", "/me/correction-cases", body));
      ctx.go(`/dieu-chinh/${encodeURIComponent(data.case_id)}`);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      let shown = false;
      for (const [name, code] of Object.entries(error.fields)) {
        if (!named[name]) continue;
        named[name].error(name === "files" || name === "documents" ? error.message : words(code));
        shown = true;
      }
      message.set(shown ? t("Some fields are missing or invalid.") : errorText(error));
    }
  });
  show(title, h("h1", {}, title), form, back());
}

export async function renderDetail(ctx) {
  const id = decodeURIComponent(ctx.params[0]);
  loading(id);
  let c;
  try {
    ({ data: c } = await api("GET", `/me/correction-cases/${encodeURIComponent(id)}`));
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return show(id, h("h1", {}, id), h("p", { class: "notice" }, errorText(error)), back());
  }
  show(
    c.case_id,
    h("h1", {}, t("Correction %(case_id)s", { case_id: c.case_id })),
    h("section", { class: "card", id: "case", dataset: { status: c.status } }, facts([
      [t("Status"), c.status_label, "status"],
      [t("Unit"), `${c.unit_code} ${c.unit_name}`],
      [t("Months"), months(c)],
      [t("What is wrong"), c.problem_label],
      c.salary ? [t("Salary on the payslip (đồng)"), `${money(c.salary)} đ`] : null,
      c.description ? [t("Details"), c.description] : null,
      [t("The unit may see my name"), c.name_visible ? t("Yes") : t("No")],
      [t("Evidence: payslips, contract, photos (PNG, JPEG or PDF)"), String(c.evidence)],
      [t("Filed"), moment(c.filed_at)],
      [t("The unit answers by"), day(c.unit_due), "unit_due"],
      c.office_due ? [t("The office decides by"), day(c.office_due), "office_due"] : null,
      c.reason ? [t("Reason"), c.reason] : null,
    ])),
    h("section", { class: "card" }, h("h2", {}, t("Timeline")), timeline(c, "case-events")),
    back(),
  );
}
