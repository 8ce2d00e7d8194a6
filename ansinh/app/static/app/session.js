// Things that outlive one screen but never a sign-out: what a person typed on the sign-in
// screen (for "Quên mật khẩu"), and a message for the next screen. Memory only, except the
// code of a message that must survive the reload after a sign-out (no personal datum).
import { t } from "./i18n.js";

export const draft = { username: "" };

const NOTICE_KEY = "ansinh-app-notice";
let flashText = "";

export function flash(text) {
  flashText = text;
}

export function takeFlash() {
  const text = flashText;
  flashText = "";
  let code = null;
  try {
    code = sessionStorage.getItem(NOTICE_KEY);
    sessionStorage.removeItem(NOTICE_KEY);
  } catch (_) {
    /* no storage: no message */
  }
  const after = {
    signed_out: t("You are signed out. Nothing of yours is left on this device."),
    signed_out_everywhere: t("You are signed out on every device. Nothing of yours is left on this device."),
    signed_out_everywhere_passkeys: [
      t("You are signed out on every device. Nothing of yours is left on this device."),
      t("Your passkeys are kept and still sign in. If you lost a phone, sign in and remove its passkey under Account → Passkeys."),
    ].join(" "),
    session_ended: t("You were signed out. Sign in again."),
  };
  return text || after[code] || "";
}

// Signing out ends the tokens on the server (the worker does it) and wipes the device; the
// page then starts afresh, so nothing stays in its memory either.
export async function signOut({ everywhere = false } = {}) {
  // "Everywhere" does not remove passkeys: if there are any, the next screen says where they
  // are removed (the server's in-app notice says it too).
  let passkeys = 0;
  if (everywhere) {
    try {
      const response = await fetch("/api/v1/me/passkeys", { headers: { Accept: "application/json" }, cache: "no-store" });
      if (response.ok) passkeys = (await response.json()).items.length;
    } catch (_) {
      /* offline: said without the reminder */
    }
  }
  try {
    await fetch(`/api/v1/auth/${everywhere ? "logout-all" : "logout"}`, { method: "POST", cache: "no-store" });
  } catch (_) {
    /* the worker wipes the device even offline */
  }
  restart(everywhere ? (passkeys ? "signed_out_everywhere_passkeys" : "signed_out_everywhere") : "signed_out");
}

export function restart(code) {
  try {
    if (code) sessionStorage.setItem(NOTICE_KEY, code);
  } catch (_) {
    /* no storage: no message */
  }
  window.location.replace("/app/?restart#/dang-nhap");
}
