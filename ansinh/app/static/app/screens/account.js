// "Tài khoản" (GET /me): the profile as the API masks it, the language, the password, and
// signing out here or everywhere (every device and browser of this account).
import { ApiError, api } from "../api.js";
import { currentLanguage, day, loadLanguage, t } from "../i18n.js";
import { signOut } from "../session.js";
import { button, errorText, facts, h, linkButton, show } from "../ui.js";

export async function render(ctx) {
  const title = t("Account");
  show(title, h("h1", {}, title), h("p", { class: "loading", role: "status" }, t("Loading…")));
  let profile = null;
  let problem = null;
  try {
    ({ data: profile } = await api("GET", "/me"));
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    problem = errorText(error);
  }
  const everywhere = button(t("Sign out everywhere"), { id: "sign-out-everywhere", className: "danger" });
  everywhere.addEventListener("click", () => {
    // A second tap confirms: this also ends the portal and every other phone.
    if (everywhere.dataset.confirm !== "1") {
      everywhere.dataset.confirm = "1";
      everywhere.textContent = t("Tap again to sign out on every device");
      return;
    }
    signOut({ everywhere: true });
  });
  const languages = h(
    "div",
    { class: "choices", role: "group", "aria-label": t("Language") },
    [["vi", "Tiếng Việt"], ["en", "English"]].map(([code, name]) =>
      h("button", {
        type: "button",
        class: "button",
        lang: code,
        "aria-pressed": String(currentLanguage() === code),
        onclick: async () => {
          await loadLanguage(code);
          ctx.refresh();
        },
      }, name)),
  );
  show(
    title,
    h("h1", {}, title),
    problem ? h("p", { class: "notice" }, problem) : null,
    profile
      ? h("section", { class: "card", id: "profile" }, facts([
        [t("Full name"), profile.full_name, "full_name"],
        [t("BHXH code"), profile.bhxh_code, "bhxh_code"],
        [t("CCCD number"), profile.cccd_masked],
        [t("Date of birth"), day(profile.date_of_birth)],
        [t("Email"), profile.email_masked],
        [t("Phone"), profile.phone_masked],
      ]))
      : null,
    h(
      "section",
      { class: "card actions", id: "security" },
      h("h2", {}, t("Security")),
      linkButton(t("Passkeys"), "#/khoa-truy-cap", { id: "passkeys-link" }),
      linkButton(t("Devices"), "#/thiet-bi", { id: "devices-link" }),
      linkButton(t("Who viewed my record"), "#/ai-da-xem", { id: "access-log-link" }),
    ),
    h("section", { class: "card" }, h("h2", {}, t("Language")), languages),
    h(
      "section",
      { class: "card actions" },
      linkButton(t("Change password"), "#/doi-mat-khau", { id: "change-password" }),
      button(t("Sign out"), { primary: true, id: "sign-out", onclick: () => signOut() }),
      everywhere,
      h("p", { class: "help" }, t("Signing out removes your card, history and sign-in from this phone.")),
    ),
    h("p", { class: "center" }, h("a", { href: "/" }, t("Open the portal"))),
  );
}
