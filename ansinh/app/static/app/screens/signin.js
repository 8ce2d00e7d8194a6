// "Đăng nhập": BHXH code or CCCD (spaces allowed: the API takes them) and password. The
// worker receives the tokens; this screen only learns whether a password change is due.
import { ApiError, api } from "../api.js";
import { t } from "../i18n.js";
import { draft, takeFlash } from "../session.js";
import { busy, button, errorText, field, h, linkButton, messageBox, show } from "../ui.js";
import * as webauthn from "../webauthn.js";

export function deviceName() {
  const agent = navigator.userAgent;
  const system = /Android/.test(agent) ? "Android"
    : /iPhone|iPad/.test(agent) ? "iOS"
    : /Windows/.test(agent) ? "Windows"
    : /Mac OS/.test(agent) ? "macOS"
    : /Linux/.test(agent) ? "Linux" : "";
  return system ? `An Sinh app (${system})` : "An Sinh app";
}

// The CAPTCHA the API asks for (after many failed sign-ins from one network; always for a
// registration): the picture, the audio, "Đổi mã khác" for a new one, and the answer.
export function captchaBlock() {
  const answer = field({ name: "captcha_answer", label: t("Verification code (Mã kiểm tra)"), autocomplete: "off" });
  const picture = h("img", { class: "captcha", alt: t("Verification code as a picture. If you cannot read it, listen to it below or ask for another code."), width: 200, height: 60 });
  const audio = h("audio", { controls: true, preload: "none", class: "captcha-audio", "aria-label": t("Listen to the verification code") });
  const status = h("p", { class: "help", role: "status" });
  const another = button(t("Get another code"), { id: "captcha-another" });
  const wrap = h("div", { class: "captcha-block", hidden: true }, picture, audio, another, status, answer.wrap);
  const block = {
    key: null,
    wrap,
    show(challenge, { focus = true } = {}) {
      block.key = challenge.key;
      picture.src = challenge.image_url;
      audio.src = challenge.audio_url;
      answer.input.value = "";
      answer.error("");
      wrap.hidden = false;
      if (focus) answer.input.focus();
    },
    // What the person typed, or an error beside the field when nothing was typed.
    fill(body) {
      const typed = answer.input.value.trim();
      if (!block.key || wrap.hidden) return true;
      if (!typed) {
        answer.error(t("Type the characters in the image."));
        return false;
      }
      body.captcha_key = block.key;
      body.captcha_answer = typed;
      return true;
    },
    error(message) {
      answer.error(message);
    },
    focus() {
      answer.input.focus();
    },
  };
  another.addEventListener("click", async () => {
    try {
      const { data } = await busy(wrap, () => api("POST", "/auth/captcha"));
      block.show(data);
      status.textContent = t("A new code is shown. Type the new code.");
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      status.textContent = error.code === "offline" ? errorText(error) : t("No new code could be made now. Try again in a moment.");
    }
  });
  return block;
}

export async function signInWith(form, body, captcha, message) {
  if (!captcha.fill(body)) {
    captcha.focus();
    return null;
  }
  try {
    const { data } = await busy(form, () => api("POST", "/auth/login", { ...body, device_name: deviceName() }));
    return data;
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.code === "captcha_required" && error.body.captcha) captcha.show(error.body.captcha);
    message.set(errorText(error));
    return null;
  }
}

// "Đăng nhập bằng khóa truy cập": the device offers its passkeys for this site, no code or
// password typed. The worker keeps the tokens, as for a password sign-in.
export async function signInWithPasskey(form, captcha, message) {
  try {
    return await busy(form, async () => {
      const { data: options } = await api("POST", "/auth/passkey/options");
      const credential = await webauthn.get(options);
      const body = { credential, device_name: deviceName() };
      captcha.fill(body);
      return (await api("POST", "/auth/passkey", body)).data;
    });
  } catch (error) {
    if (webauthn.cancelled(error)) {
      message.set(t("No passkey was used. Try again, or sign in with your password."));
      return null;
    }
    if (!(error instanceof ApiError)) throw error;
    if (error.code === "captcha_required" && error.body.captcha) captcha.show(error.body.captcha);
    message.set(errorText(error));
    return null;
  }
}

export function render(ctx) {
  const message = messageBox();
  const notice = takeFlash();
  const username = field({
    name: "username",
    label: t("BHXH code"),
    help: t("Or your 12-digit CCCD number. Spaces are fine."),
    autocomplete: "username",
    inputmode: "numeric",
    value: draft.username,
  });
  const password = field({ name: "password", label: t("Password"), type: "password", autocomplete: "current-password" });
  const captcha = captchaBlock();
  const form = h(
    "form",
    { id: "signin", class: "card", novalidate: true },
    message.box,
    username.wrap,
    password.wrap,
    captcha.wrap,
    button(t("Sign in"), { primary: true, type: "submit" }),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.set("");
    username.error("");
    password.error("");
    const identifier = username.input.value.trim();
    if (!identifier) return username.error(t("Enter your BHXH code or CCCD number."));
    if (!password.input.value) return password.error(t("Enter your password."));
    const data = await signInWith(form, { username: identifier, password: password.input.value }, captcha, message);
    password.input.value = "";
    if (!data) return;
    draft.username = "";
    ctx.go(data.password_change_required ? "/doi-mat-khau" : "/");
  });
  const withPasskey = webauthn.supported()
    ? button(t("Sign in with a passkey"), { id: "passkey-sign-in", className: "passkey" })
    : null;
  if (withPasskey) {
    withPasskey.addEventListener("click", async () => {
      message.set("");
      const data = await signInWithPasskey(form, captcha, message);
      if (!data) return;
      draft.username = "";
      ctx.go(data.password_change_required ? "/doi-mat-khau" : "/");
    });
    form.append(withPasskey, h("p", { class: "help" }, t("With your phone's fingerprint, face or screen lock, once you have added a passkey in the app.")));
  }
  // The seed's way: type the BHXH code, then "Quên mật khẩu" (the code goes along).
  const forgot = h(
    "a",
    { href: "#/quen-mat-khau", id: "forgot-password", class: "button block", onclick: () => { draft.username = username.input.value; } },
    t("Forgot password"),
  );
  show(
    t("Sign in"),
    h("h1", {}, t("Sign in")),
    notice ? h("div", { class: "notice", role: "status", id: "flash" }, notice) : null,
    form,
    h("p", {}, forgot),
    h("p", { class: "center" }, linkButton(t("No account yet? Register (form 01/ĐK-GD)"), "#/dang-ky", { id: "register" })),
    h("p", { class: "center" }, linkButton(t("Contribution calculators"), "#/may-tinh", { id: "calculators" })),
  );
}
