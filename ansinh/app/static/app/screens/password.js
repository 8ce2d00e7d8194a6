// "Đổi mật khẩu": the person's own change, and the forced one after a temporary password
// (nothing else opens until it is done: the API refuses everything else meanwhile).
import { ApiError, api } from "../api.js";
import { t } from "../i18n.js";
import { flash, signOut } from "../session.js";
import { busy, button, errorText, field, h, messageBox, show } from "../ui.js";

export function render(ctx) {
  const forced = ctx.state.password_change_required;
  const message = messageBox();
  const current = field({
    name: "current_password",
    label: forced ? t("Temporary password") : t("Current password"),
    help: forced ? t("The temporary password from the email.") : null,
    type: "password",
    autocomplete: "current-password",
  });
  const next = field({
    name: "new_password",
    label: t("New password"),
    help: t("12 to 128 characters. A long phrase is easier to remember and harder to guess."),
    type: "password",
    autocomplete: "new-password",
  });
  const again = field({ name: "new_password_again", label: t("New password again"), type: "password", autocomplete: "new-password" });
  const form = h(
    "form",
    { id: "password-change", class: "card", novalidate: true },
    message.box,
    current.wrap,
    next.wrap,
    again.wrap,
    button(t("Change password"), { primary: true, type: "submit" }),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    [current, next, again].forEach((f) => f.error(""));
    message.set("");
    if (!current.input.value) return current.error(t("Enter your password."));
    if (!next.input.value) return next.error(t("Enter the new password."));
    if (next.input.value !== again.input.value) return again.error(t("The two new passwords differ."));
    try {
      await busy(form, () =>
        api("POST", "/auth/password", { current_password: current.input.value, new_password: next.input.value }));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.code === "wrong_current_password") current.error(errorText(error));
      else if (error.code === "invalid_password") next.error(error.fields.new_password || errorText(error));
      else message.set(errorText(error));
      return;
    }
    flash(t("Your password was changed. Other devices have been signed out."));
    ctx.go("/");
  });
  show(
    t("Change password"),
    h("h1", {}, t("Change password")),
    forced ? h("div", { class: "notice", role: "status", id: "change-required" }, t("You signed in with a temporary password. Choose your own password to continue.")) : null,
    form,
    forced ? button(t("Sign out"), { id: "sign-out", onclick: () => signOut() }) : null,
  );
}
