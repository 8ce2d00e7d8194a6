// "Khóa truy cập (passkey)" (/me/passkeys): the person's passkeys (name, added, last used),
// adding one (the password again, then the phone's fingerprint, face or screen lock through
// WebAuthn, then a name) and removing one after a confirmation.
import { ApiError, api } from "../api.js";
import { moment, t } from "../i18n.js";
import { readFor } from "../screenread.js";
import { deviceName } from "./signin.js";
import { busy, button, confirmed, errorText, facts, field, h, messageBox, show } from "../ui.js";
import * as webauthn from "../webauthn.js";

let notice = "";

function item(passkey, ctx) {
  const remove = button(t("Remove"), { className: "danger", dataset: { action: "remove" } });
  const entry = h(
    "li",
    { class: "passkey-item", dataset: { id: passkey.id } },
    h("p", { class: "passkey-name" }, passkey.name),
    facts([
      [t("Added"), moment(passkey.created_at), "created_at"],
      [t("Last used"), passkey.last_used_at ? moment(passkey.last_used_at) : t("Not used yet"), "last_used_at"],
    ]),
    remove,
  );
  entry.append(confirmed(remove, {
    question: t("Remove the passkey “%(name)s”? It will no longer sign in to your account.", { name: passkey.name }),
    yes: t("Remove the passkey"),
    onyes: async () => {
      try {
        await busy(entry, () => api("DELETE", `/me/passkeys/${encodeURIComponent(passkey.id)}`));
        notice = t("The passkey “%(name)s” was removed.", { name: passkey.name });
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        notice = errorText(error);
      }
      ctx.refresh();
    },
  }));
  return entry;
}

function addForm(ctx) {
  const message = messageBox();
  const password = field({
    name: "current_password",
    label: t("Password"),
    help: t("For your safety, type your password again before adding a passkey."),
    type: "password",
    autocomplete: "current-password",
  });
  const name = field({
    name: "passkey_name",
    label: t("Name of the passkey"),
    help: t("So you recognise it later, for example “My phone”."),
    value: deviceName(),
    autocomplete: "off",
  });
  const form = h(
    "form",
    { id: "add-passkey", class: "card", novalidate: true },
    h("h2", {}, t("Add a passkey")),
    h("p", { class: "help" }, t("Then sign in with your phone's fingerprint, face or screen lock instead of the password.")),
    message.box,
    password.wrap,
    name.wrap,
    button(t("Add a passkey"), { primary: true, type: "submit" }),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.set("");
    password.error("");
    name.error("");
    const chosen = name.input.value.trim();
    if (!password.input.value) return password.error(t("Enter your password."));
    if (!chosen) return name.error(t("Give the passkey a name, for example “My phone”."));
    try {
      await busy(form, async () => {
        const { data: options } = await api("POST", "/me/passkeys/options", { current_password: password.input.value });
        password.input.value = "";
        const credential = await webauthn.create(options);
        await api("POST", "/me/passkeys", { name: chosen, credential });
      });
    } catch (error) {
      password.input.value = "";
      if (webauthn.cancelled(error)) return message.set(t("No passkey was added: the phone's prompt was closed. Try again when you are ready."));
      if (error && error.name === "InvalidStateError") return message.set(t("This phone already has a passkey for your account."));
      if (!(error instanceof ApiError)) throw error;
      if (error.code === "wrong_current_password") return password.error(errorText(error));
      if (error.fields && error.fields.name) return name.error(error.fields.name);
      return message.set(errorText(error));
    }
    notice = t("The passkey “%(name)s” was added. Next time, choose “Sign in with a passkey”.", { name: chosen });
    ctx.refresh();
  });
  return form;
}

export async function render(ctx) {
  const title = t("Passkeys");
  const told = notice;
  notice = "";
  const data = await readFor(title, "/me/passkeys");
  if (!data) return;
  show(
    title,
    h("h1", {}, title),
    told ? h("div", { class: "notice", role: "status", id: "passkey-notice" }, told) : null,
    h("p", { class: "help" }, t("A passkey lets this account sign in with a phone's fingerprint, face or screen lock, without the password. Remove the passkey of a phone you lost or gave away.")),
    data.items.length
      ? h("ul", { class: "passkey-list", id: "passkeys" }, data.items.map((passkey) => item(passkey, ctx)))
      : h("p", { class: "notice", id: "no-passkeys" }, t("You have no passkeys yet.")),
    webauthn.supported()
      ? addForm(ctx)
      : h("p", { class: "notice", id: "no-webauthn" }, t("This browser cannot make passkeys. Open the app in your phone's own browser to add one.")),
    h("p", { class: "center" }, h("a", { href: "#/tai-khoan" }, t("Back to the account"))),
  );
}
