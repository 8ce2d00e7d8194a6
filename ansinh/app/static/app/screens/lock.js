// The lock screen after 15 minutes without use: the tokens are gone (the worker revoked
// them), so the password is asked again, or the phone's passkey (fingerprint, face or screen
// lock) where the browser has them. A passkey of another account is that person's sign-in:
// the worker then wipes what it kept for the locked one. The card stays reachable: it is what a clinic asks
// for, often where there is no network.
import { t } from "../i18n.js";
import { signOut } from "../session.js";
import { button, field, h, linkButton, messageBox, show } from "../ui.js";
import * as webauthn from "../webauthn.js";
import { captchaBlock, signInWith, signInWithPasskey } from "./signin.js";

export function render(ctx) {
  const state = ctx.state;
  const message = messageBox();
  const password = field({ name: "password", label: t("Password"), type: "password", autocomplete: "current-password" });
  const captcha = captchaBlock();
  const form = h(
    "form",
    { id: "unlock", class: "card", novalidate: true },
    h("p", {}, t("BHXH code"), ": ", h("strong", { dataset: { field: "identifier" } }, state.identifier || "")),
    message.box,
    password.wrap,
    captcha.wrap,
    button(t("Continue"), { primary: true, type: "submit" }),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.set("");
    password.error("");
    if (!password.input.value) return password.error(t("Enter your password."));
    const data = await signInWith(form, { username: state.identifier, password: password.input.value }, captcha, message);
    password.input.value = "";
    if (data) ctx.go(data.password_change_required ? "/doi-mat-khau" : "/");
  });
  const withPasskey = webauthn.supported()
    ? button(t("Unlock with a passkey"), { id: "passkey-unlock", className: "passkey" })
    : null;
  if (withPasskey) {
    withPasskey.addEventListener("click", async () => {
      message.set("");
      const data = await signInWithPasskey(form, captcha, message);
      if (data) ctx.go(data.password_change_required ? "/doi-mat-khau" : "/");
    });
    form.append(withPasskey);
  }
  show(
    t("Locked"),
    h("h1", {}, t("Locked")),
    h("p", { class: "notice", role: "status" }, t("The app was locked after a while without use. Type your password again.")),
    form,
    state.has_card ? linkButton(t("Show my saved health-insurance card"), "#/the-bhyt", { id: "saved-card" }) : null,
    button(t("Sign in with another account"), { id: "other-account", onclick: () => signOut() }),
  );
}
