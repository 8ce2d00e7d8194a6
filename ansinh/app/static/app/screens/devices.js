// "Thiết bị" (GET /auth/devices): the phones and apps signed in to this account, this one
// marked; signing one out (the password again) or all of them (the portal too).
import { ApiError, api } from "../api.js";
import { moment, t } from "../i18n.js";
import { readFor } from "../screenread.js";
import { signOut } from "../session.js";
import { busy, button, confirmed, errorText, facts, field, h, messageBox, show } from "../ui.js";

let notice = "";

// Signing another device out asks for the password again (the API's rule).
function signOutForm(device, ctx) {
  const message = messageBox();
  const password = field({
    name: "current_password",
    label: t("Password"),
    help: t("Type your password to sign this device out."),
    type: "password",
    autocomplete: "current-password",
  });
  const form = h(
    "form",
    { class: "device-sign-out", novalidate: true, hidden: true },
    message.box,
    password.wrap,
    button(t("Sign out this device"), { primary: true, type: "submit" }),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    password.error("");
    message.set("");
    if (!password.input.value) return password.error(t("Enter your password."));
    try {
      await busy(form, () => api("POST", `/auth/devices/${encodeURIComponent(device.device_id)}/logout`, { current_password: password.input.value }));
    } catch (error) {
      password.input.value = "";
      if (!(error instanceof ApiError)) throw error;
      if (error.code === "wrong_current_password") return password.error(errorText(error));
      return message.set(errorText(error));
    }
    notice = t("“%(name)s” is signed out.", { name: device.device_name });
    ctx.refresh();
  });
  return form;
}

function item(device, ctx) {
  const name = device.device_name || t("Unnamed device");
  const entry = h(
    "li",
    { class: device.current ? "device-item current" : "device-item", dataset: { id: device.device_id, current: String(device.current) } },
    h("p", { class: "device-name" }, name, device.current ? h("span", { class: "tag" }, t("This phone")) : null),
    facts([
      [t("Signed in"), moment(device.created_at), "created_at"],
      [t("Last used"), moment(device.last_seen_at), "last_seen_at"],
    ]),
  );
  if (!device.current) {
    const open = button(t("Sign out this device"), { className: "danger", dataset: { action: "sign-out" } });
    const form = signOutForm({ ...device, device_name: name }, ctx);
    open.addEventListener("click", () => {
      open.hidden = true;
      form.hidden = false;
      form.querySelector("input").focus();
    });
    entry.append(open, form);
  }
  return entry;
}

export async function render(ctx) {
  const title = t("Devices");
  const told = notice;
  notice = "";
  const data = await readFor(title, "/auth/devices");
  if (!data) return;
  const everywhere = button(t("Sign out everywhere"), { id: "sign-out-everywhere", className: "danger" });
  show(
    title,
    h("h1", {}, title),
    told ? h("div", { class: "notice", role: "status", id: "device-notice" }, told) : null,
    h("p", { class: "help" }, t("The phones and apps signed in to your account. Sign out one you do not recognise, then change your password.")),
    h("ul", { class: "device-list", id: "devices" }, data.items.map((device) => item(device, ctx))),
    h(
      "section",
      { class: "card actions" },
      everywhere,
      confirmed(everywhere, {
        question: t("Sign out on every device, this phone and the portal included? Your passkeys are kept."),
        yes: t("Sign out everywhere"),
        onyes: () => signOut({ everywhere: true }),
      }),
    ),
    h("p", { class: "center" }, h("a", { href: "#/tai-khoan" }, t("Back to the account"))),
  );
}
