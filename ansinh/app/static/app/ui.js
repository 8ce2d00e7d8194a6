// Building screens without markup strings: every text goes in as a text node, never as HTML, so
// nothing the server or a person typed is ever parsed as the page's markup.
import { t } from "./i18n.js";

export function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") element.className = value;
    else if (name === "dataset") Object.assign(element.dataset, value);
    else if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value);
    } else element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
}

// Replaces the screen: the title, the content, the focus on the heading (for screen readers
// and keyboards), the top of the page.
export function show(title, ...content) {
  const main = document.getElementById("main");
  main.replaceChildren();
  append(main, content);
  document.title = `${title} — An Sinh`;
  const heading = main.querySelector("h1");
  if (heading) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
  window.scrollTo(0, 0);
}

let fieldCount = 0;

// A labelled input with its help and error lines; ``error(text)`` shows or clears the error.
export function field({ name, label, type = "text", autocomplete, inputmode, help, value, autofocus }) {
  fieldCount += 1;
  const id = `f-${name}-${fieldCount}`;
  const helpId = help ? `${id}-help` : null;
  const errorId = `${id}-error`;
  const input = h("input", {
    id,
    name,
    type,
    autocomplete,
    inputmode,
    autocapitalize: type === "password" || type === "email" ? "none" : null,
    spellcheck: type === "password" ? "false" : null,
    "aria-describedby": [helpId, errorId].filter(Boolean).join(" "),
    autofocus: autofocus || null,
  });
  if (value) input.value = value;
  const errorLine = h("p", { class: "error", id: errorId, hidden: true });
  const wrap = h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    help ? h("p", { class: "help", id: helpId }, help) : null,
    input,
    errorLine,
  );
  return {
    wrap,
    input,
    error(text) {
      errorLine.textContent = text || "";
      errorLine.hidden = !text;
      wrap.classList.toggle("has-error", Boolean(text));
      if (text) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    },
  };
}

export function button(text, { primary = false, type = "button", onclick, id, dataset, className } = {}) {
  const classes = ["button", primary ? "primary" : "", "block", className || ""].filter(Boolean).join(" ");
  return h("button", { type, class: classes, id, dataset, onclick }, text);
}

export function linkButton(text, href, { primary = false, id, dataset } = {}) {
  return h("a", { class: `button block${primary ? " primary" : ""}`, href, id, dataset }, text);
}

// The form-level message box: an error (role=alert) or a notice (role=status).
export function messageBox() {
  const box = h("div", { class: "alert", role: "alert", hidden: true });
  return {
    box,
    set(text, kind = "error") {
      box.className = kind === "error" ? "alert" : "notice";
      box.setAttribute("role", kind === "error" ? "alert" : "status");
      box.textContent = text || "";
      box.hidden = !text;
    },
  };
}

// Disables a form's buttons while its request runs, so a double tap sends once.
export async function busy(form, work) {
  const buttons = [...form.querySelectorAll("button")];
  buttons.forEach((b) => { b.disabled = true; });
  form.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
    form.removeAttribute("aria-busy");
  }
}

// What went wrong, in words: the server's message, or the app's for the worker's refusals.
export function errorText(error) {
  const own = {
    offline: t("No network connection. Check it and try again."),
    session_ended: t("You were signed out. Sign in again."),
    app_locked: t("The app was locked after a while without use. Type your password again."),
    not_signed_in: t("Sign in first."),
    citizens_only: t("This app is for insured people. BHXH staff use the back office."),
  };
  return own[error.code] || error.message || t("Something went wrong. Try again.");
}

export function facts(rows) {
  return h(
    "dl",
    { class: "facts" },
    rows.filter(Boolean).map(([term, value, name]) => [
      h("dt", {}, term),
      h("dd", { dataset: name ? { field: name } : undefined }, value === "" || value === null || value === undefined ? "—" : value),
    ]),
  );
}

// A question before something that cannot be undone: the button opens a box that says what
// will happen, with the action and "Cancel" (both large), instead of acting at the first tap.
export function confirmed(trigger, { question, yes, onyes }) {
  const box = h("div", { class: "confirm", role: "group", hidden: true });
  const no = button(t("Cancel"), { dataset: { confirm: "no" } });
  const go = button(yes, { primary: true, className: "danger-fill", dataset: { confirm: "yes" } });
  box.append(h("p", {}, question), go, no);
  trigger.addEventListener("click", () => {
    trigger.hidden = true;
    box.hidden = false;
    no.focus();
  });
  no.addEventListener("click", () => {
    box.hidden = true;
    trigger.hidden = false;
    trigger.focus();
  });
  go.addEventListener("click", () => onyes(go));
  return box;
}
