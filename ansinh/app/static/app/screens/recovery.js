// "Quên mật khẩu", the seed's Cách 1 (DESIGN §3.3): "Mã số BHXH" (or CCCD) → "Quên mật khẩu"
// → "Email cá nhân" → "Gửi" → "Mã OTP" → a new password now, or a temporary one by email.
// The recovery id lives in this module's memory only. Without an email: the paper paths.
import { ApiError, api } from "../api.js";
import { t, tn } from "../i18n.js";
import { draft } from "../session.js";
import { busy, button, errorText, field, h, linkButton, messageBox, show } from "../ui.js";

const PAPER_FORM_URL = "/quen-mat-khau/mau-02-sd-gd/";
let flow = { step: "start" };

function restartFlow(username) {
  flow = { step: "start", username: username || "", email: "" };
}

// The same guidance as the portal's (templates/portal/recovery/_paper_paths.html).
function paperPaths() {
  return h(
    "section",
    { class: "card", id: "no-email" },
    h("h2", {}, t("No email on record?")),
    h("p", {}, t("The code can only go to the personal email registered with BHXH. Without one, register an email first in one of two ways:")),
    h(
      "ul",
      {},
      h("li", {}, t("through your employer or collection organisation, which files form TK1-TS for you electronically;")),
      h("li", {}, t("or at any BHXH office: bring your CCCD and file form 02/SĐ-GD at the counter.")),
    ),
    h("p", {}, t("After the dossier is approved by two BHXH staff, choose “Forgot password” and enter the email address registered in the dossier: the OTP code will be sent to that address. Entering the code confirms the address and recovers your account; you do not need to sign in first.")),
    h("p", {}, linkButton(t("Prepare form 02/SĐ-GD to print"), PAPER_FORM_URL, { id: "paper-form" })),
  );
}

function start(ctx) {
  const message = messageBox();
  const username = field({
    name: "username",
    label: t("BHXH code"),
    help: t("Or your 12-digit CCCD number. Spaces are fine."),
    autocomplete: "username",
    inputmode: "numeric",
    value: flow.username,
  });
  const email = field({ name: "email", label: t("Personal email"), type: "email", autocomplete: "email", inputmode: "email", value: flow.email });
  const form = h(
    "form",
    { id: "recovery-request", class: "card", novalidate: true },
    h("p", { class: "help" }, t("Enter your BHXH code (or CCCD number) and the personal email registered with BHXH. If they match, we email you a one-time code.")),
    message.box,
    username.wrap,
    email.wrap,
    button(t("Send"), { primary: true, type: "submit" }),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.set("");
    username.error("");
    email.error("");
    flow.username = username.input.value.trim();
    flow.email = email.input.value.trim();
    if (!flow.username) return username.error(t("Enter your BHXH code or CCCD number."));
    if (!flow.email) return email.error(t("Enter the personal email registered with BHXH."));
    try {
      const { data } = await busy(form, () => api("POST", "/auth/recovery", { username: flow.username, email: flow.email }));
      Object.assign(flow, { step: "code", id: data.recovery_id, message: data.message });
      render(ctx);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      username.error(error.fields.username || "");
      email.error(error.fields.email || "");
      message.set(errorText(error));
    }
  });
  show(
    t("Forgot password"),
    h("h1", {}, t("Forgot password")),
    form,
    h("p", {}, h("a", { href: "#/dang-nhap", onclick: () => { draft.username = username.input.value; } }, t("Back to sign in"))),
    paperPaths(),
  );
}

function code(ctx) {
  const message = messageBox();
  const otp = field({ name: "otp", label: t("OTP code"), autocomplete: "one-time-code", inputmode: "numeric" });
  const next = field({
    name: "new_password",
    label: t("New password"),
    help: t("12 to 128 characters. A long phrase is easier to remember and harder to guess."),
    type: "password",
    autocomplete: "new-password",
  });
  const again = field({ name: "new_password_again", label: t("New password again"), type: "password", autocomplete: "new-password" });
  const choices = [
    ["choose", t("Choose my new password now (recommended)")],
    ["email", t("Email me a temporary password instead")],
  ].map(([value, text], index) => {
    const input = h("input", { type: "radio", name: "choice", value, id: `choice-${value}`, checked: index === 0 });
    return h("div", { class: "radio" }, input, h("label", { for: `choice-${value}` }, text));
  });
  const passwords = h("div", { id: "new-password-fields" }, next.wrap, again.wrap);
  const chosen = () => form.querySelector('input[name="choice"]:checked').value;
  const form = h(
    "form",
    { id: "recovery-code", class: "card", novalidate: true },
    message.box,
    otp.wrap,
    h("fieldset", { class: "field" }, h("legend", {}, t("After the code")), choices),
    passwords,
    button(t("Confirm"), { primary: true, type: "submit" }),
  );
  form.addEventListener("change", () => { passwords.hidden = chosen() !== "choose"; });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    [otp, next, again].forEach((f) => f.error(""));
    message.set("");
    if (!otp.input.value.trim()) return otp.error(t("Enter the code from the email."));
    const body = { otp: otp.input.value.trim() };
    if (chosen() === "choose") {
      if (!next.input.value) return next.error(t("Enter the new password."));
      if (next.input.value !== again.input.value) return again.error(t("The two new passwords differ."));
      body.new_password = next.input.value;
    }
    try {
      const { data } = await busy(form, () => api("POST", `/auth/recovery/${encodeURIComponent(flow.id)}/verify`, body));
      Object.assign(flow, { step: "done", outcome: data.status, id: null });
      render(ctx);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.status === 410) {
        flow.step = "expired";
        return render(ctx);
      }
      if (error.code === "invalid_otp") {
        otp.error(t("The code is incorrect. Attempts left: %(left)d.", { left: error.body.attempts_left }));
      } else if (error.code === "invalid_password") {
        next.error(error.fields.new_password || errorText(error));
      } else if (error.fields.otp) {
        otp.error(error.fields.otp);
      } else {
        message.set(errorText(error));
      }
    }
  });
  const resent = messageBox();
  const resend = h(
    "form",
    { id: "recovery-resend", novalidate: true },
    resent.box,
    h("p", { class: "help" }, t("No email after a minute? Check the spam folder, then:")),
    button(t("Send a new code"), { type: "submit" }),
  );
  resend.addEventListener("submit", async (event) => {
    event.preventDefault();
    resent.set("");
    try {
      await busy(resend, () => api("POST", `/auth/recovery/${encodeURIComponent(flow.id)}/resend`));
      resent.set(t("If the details matched, a new code is on its way. The previous code no longer works."), "notice");
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.status === 410) {
        flow.step = "expired";
        return render(ctx);
      }
      const wait = Number(error.headers && error.headers.get("Retry-After"));
      resent.set(wait ? tn("You can ask for a new code in %(seconds)s second.", wait, { seconds: wait }) : errorText(error));
    }
  });
  show(
    t("Enter the code"),
    h("h1", {}, t("Enter the code")),
    h("div", { class: "notice", role: "status", id: "recovery-started" }, flow.message),
    form,
    resend,
    h("p", {}, button(t("Start again"), { id: "recovery-restart", onclick: () => { restartFlow(flow.username); render(ctx); } })),
    paperPaths(),
  );
}

function done(ctx) {
  const changed = flow.outcome === "password_changed";
  show(
    t("Password recovered"),
    h(
      "section",
      { class: "card", id: "recovery-done", dataset: { outcome: flow.outcome } },
      h("h1", {}, t("Password recovered")),
      h("p", {}, changed
        ? t("Your new password is set. Every device and browser that was signed in has been signed out.")
        : t("We have emailed your account information and a temporary password. It works once, within 24 hours: right after signing in you will choose a new password.")),
      button(t("Sign in"), {
        primary: true,
        id: "recovery-sign-in",
        onclick: () => {
          draft.username = flow.username;
          restartFlow("");
          ctx.go("/dang-nhap");
        },
      }),
    ),
  );
}

function expired(ctx) {
  show(
    t("The code has expired"),
    h(
      "section",
      { class: "card", id: "recovery-expired" },
      h("h1", {}, t("The code has expired")),
      h("p", {}, t("This recovery has expired, was replaced by a newer one, or was already used. Start again to get a new code.")),
      button(t("Start again"), { primary: true, onclick: () => { restartFlow(flow.username); render(ctx); } }),
    ),
  );
}

const STEPS = { start, code, done, expired };

export function render(ctx) {
  if (ctx.fresh) {
    restartFlow(draft.username);
    ctx.fresh = false;
  }
  STEPS[flow.step](ctx);
}
