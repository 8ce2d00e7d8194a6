// "Đăng ký" (01/ĐK-GD) for someone without an account: identifier, name, date of birth
// (typed dd/mm/yyyy), phone, email, office, the CCCD's front and back and a portrait from the
// camera, a CAPTCHA → the code from the typed email → the dossier is filed. Same answers
// whether or not the details match the registry (POST /auth/registration, docs/app.md).
import { ApiError, api } from "../api.js";
import { t, tn } from "../i18n.js";
import { busy, button, errorText, field, h, messageBox, show } from "../ui.js";
import { captchaBlock } from "./signin.js";

let flow = { step: "start" };
const PHOTOS = [
  ["cccd_front", () => t("Photo of the front of your CCCD card"), () => t("The whole card, all four corners, readable."), "environment"],
  ["cccd_back", () => t("Photo of the back of your CCCD card"), () => t("The whole card, all four corners, readable."), "environment"],
  ["portrait", () => t("Portrait photo (selfie)"), () => t("Your face from the front, in good light, without glasses or a hat."), "user"],
];

// "01/07/1995" (or 1/7/1995, 01-07-1995, 01.07.1995) → "1995-07-01"; null when not a date.
export function isoDate(typed) {
  const match = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(typed.trim());
  if (!match) return null;
  const [d, m, y] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}

function photoField(name, text, help, capture) {
  const id = `f-${name}`;
  const input = h("input", { id, name, type: "file", accept: "image/*", capture, "aria-describedby": `${id}-help ${id}-error` });
  const errorLine = h("p", { class: "error", id: `${id}-error`, hidden: true });
  const wrap = h("div", { class: "field" }, h("label", { for: id }, text), h("p", { class: "help", id: `${id}-help` }, help), input, errorLine);
  const result = { name, input, wrap, error(message) { errorLine.textContent = message || ""; errorLine.hidden = !message; wrap.classList.toggle("has-error", Boolean(message)); } };
  input.addEventListener("change", () => result.error(""));
  return result;
}

async function start(ctx) {
  const title = t("Register an account");
  show(title, h("h1", {}, title), h("p", { class: "loading", role: "status" }, t("Loading…")));
  let offices = [];
  let challenge = null;
  try {
    const [found, made] = await Promise.all([api("GET", "/offices"), api("POST", "/auth/registration/captcha")]);
    offices = found.data.items;
    challenge = made.data;
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
  }
  const message = messageBox();
  const typed = {
    identifier: field({ name: "identifier", label: t("BHXH code or CCCD number"), inputmode: "numeric", autocomplete: "off" }),
    full_name: field({ name: "full_name", label: t("Full name"), autocomplete: "name" }),
    date_of_birth: field({ name: "date_of_birth", label: t("Date of birth"), help: t("Day/month/year, for example 01/07/1995."), inputmode: "numeric", autocomplete: "bday" }),
    phone: field({ name: "phone", label: t("Mobile phone"), type: "tel", inputmode: "tel", autocomplete: "tel" }),
    email: field({ name: "email", label: t("Personal email"), type: "email", inputmode: "email", autocomplete: "email", help: t("We send a code to this address: you need it to file the registration.") }),
  };
  const office = h("select", { id: "f-office", name: "office_code" }, offices.map((o) => h("option", { value: o.code }, `${o.code} — ${o.name}`)));
  const officeError = h("p", { class: "error", hidden: true });
  const photos = PHOTOS.map(([name, text, help, capture]) => photoField(name, text(), help(), capture));
  const captcha = captchaBlock();
  const form = h(
    "form",
    { id: "registration", class: "card", novalidate: true },
    h("p", { class: "help" }, t("Form 01/ĐK-GD. Enter your details as they are on your CCCD card and add three photos: the front and the back of the card, and your face. We email a code to the address you enter; after you type it, BHXH staff compare your details and photos with the records and email you the result.")),
    message.box,
    Object.values(typed).map((f) => f.wrap),
    h("div", { class: "field" }, h("label", { for: "f-office" }, t("Receiving BHXH office")), office, officeError),
    h("fieldset", { class: "field" }, h("legend", {}, t("Photos for BHXH staff")), photos.map((p) => p.wrap)),
    captcha.wrap,
    button(t("Send"), { primary: true, type: "submit" }),
  );
  if (challenge) captcha.show(challenge);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.set("");
    Object.values(typed).forEach((f) => f.error(""));
    photos.forEach((p) => p.error(""));
    officeError.hidden = true;
    const date = isoDate(typed.date_of_birth.input.value);
    if (!date) {
      typed.date_of_birth.error(t("Enter the date as day/month/year, for example 01/07/1995."));
      return typed.date_of_birth.input.focus();
    }
    const payload = { office_code: office.value, date_of_birth: date };
    for (const [name, f] of Object.entries(typed)) if (name !== "date_of_birth") payload[name] = f.input.value.trim();
    const answered = captcha.fill(payload);
    const body = new FormData();
    body.append("payload", JSON.stringify(payload));
    for (const p of photos) if (p.input.files.length) body.append(p.name, p.input.files[0], p.input.files[0].name);
    try {
      const { data } = await busy(form, () => api("POST", "/auth/registration", body));
      flow = { step: "code", id: data.registration_id, message: data.message };
      render(ctx);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      for (const [name, f] of Object.entries(typed)) f.error(error.fields[name] || "");
      photos.forEach((p) => p.error(error.fields[p.name] || ""));
      officeError.textContent = error.fields.office_code || "";
      officeError.hidden = !error.fields.office_code;
      if (error.code === "captcha_required" && error.body.captcha) {
        captcha.show(error.body.captcha);
        captcha.error(errorText(error));
      } else if (!answered) {
        captcha.error(t("Type the characters in the image."));
      } else if (error.fields.captcha_answer) {
        captcha.error(error.fields.captcha_answer);
      }
      message.set(errorText(error));
    }
  });
  show(title, h("h1", {}, title), form, h("p", {}, h("a", { href: "#/dang-nhap" }, t("Back to sign in"))));
}

function code(ctx) {
  const message = messageBox();
  const otp = field({ name: "code", label: t("Code from the email"), autocomplete: "one-time-code", inputmode: "numeric" });
  const form = h("form", { id: "registration-code", class: "card", novalidate: true }, message.box, otp.wrap, button(t("Confirm"), { primary: true, type: "submit" }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    otp.error("");
    message.set("");
    if (!otp.input.value.trim()) return otp.error(t("Enter the code from the email."));
    try {
      const { data } = await busy(form, () => api("POST", `/auth/registration/${encodeURIComponent(flow.id)}/verify`, { code: otp.input.value.trim() }));
      flow = { step: "done", dossier: data.dossier_id };
      render(ctx);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.status === 410) { flow = { step: "expired" }; return render(ctx); }
      if (error.code === "invalid_code") otp.error(t("The code is incorrect. Attempts left: %(left)d.", { left: error.body.attempts_left }));
      else if (error.fields.code) otp.error(error.fields.code);
      else message.set(errorText(error));
    }
  });
  const resent = messageBox();
  const resend = h("form", { id: "registration-resend", novalidate: true }, resent.box, button(t("Send a new code"), { type: "submit" }));
  resend.addEventListener("submit", async (event) => {
    event.preventDefault();
    resent.set("");
    try {
      await busy(resend, () => api("POST", `/auth/registration/${encodeURIComponent(flow.id)}/resend`));
      resent.set(t("A new code is on its way. The previous code no longer works."), "notice");
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.status === 410) { flow = { step: "expired" }; return render(ctx); }
      const wait = Number(error.headers && error.headers.get("Retry-After"));
      resent.set(wait ? tn("You can ask for a new code in %(seconds)s second.", wait, { seconds: wait }) : errorText(error));
    }
  });
  show(
    t("Enter the code"),
    h("h1", {}, t("Enter the code")),
    h("div", { class: "notice", role: "status", id: "registration-started" }, flow.message),
    form,
    resend,
  );
}

function done(ctx) {
  show(
    t("Registration filed"),
    h(
      "section",
      { class: "card", id: "registration-done", dataset: { dossier: flow.dossier } },
      h("h1", {}, t("Registration filed")),
      h("p", {}, t("Your registration was filed as dossier %(dossier_id)s. BHXH staff check it against the registry; you will get the result by email. If it is approved, the email brings your account information and a temporary password.", { dossier_id: flow.dossier })),
      button(t("Back to sign in"), { primary: true, onclick: () => { flow = { step: "start" }; ctx.go("/dang-nhap"); } }),
    ),
  );
}

function expired(ctx) {
  show(
    t("Register an account"),
    h(
      "section",
      { class: "card", id: "registration-expired" },
      h("h1", {}, t("This registration has expired or was already used. Start again.")),
      button(t("Start again"), { primary: true, onclick: () => { flow = { step: "start" }; render(ctx); } }),
    ),
  );
}

const STEPS = { start, code, done, expired };

export function render(ctx) {
  if (ctx.fresh) {
    flow = { step: "start" };
    ctx.fresh = false;
  }
  return STEPS[flow.step](ctx);
}
