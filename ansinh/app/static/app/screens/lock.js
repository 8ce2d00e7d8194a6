// The lock screen after 15 minutes without use: the tokens are gone (the worker revoked
// them), so the password is asked again. The card stays reachable: it is what a clinic asks
// for, often where there is no network.
import { t } from "../i18n.js";
import { signOut } from "../session.js";
import { button, field, h, linkButton, messageBox, show } from "../ui.js";
import { captchaBlock, signInWith } from "./signin.js";

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
  show(
    t("Locked"),
    h("h1", {}, t("Locked")),
    h("p", { class: "notice", role: "status" }, t("The app was locked after a while without use. Type your password again.")),
    form,
    state.has_card ? linkButton(t("Show my saved health-insurance card"), "#/the-bhyt", { id: "saved-card" }) : null,
    button(t("Sign in with another account"), { id: "other-account", onclick: () => signOut() }),
  );
}
