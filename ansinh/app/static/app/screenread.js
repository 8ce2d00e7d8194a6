// A screen that shows one API read: "Loading…" under its title, then the data, or the reason
// it could not be read (offline, signed out) in place of the screen.
import { ApiError, api } from "./api.js";
import { t } from "./i18n.js";
import { errorText, h, show } from "./ui.js";

export async function readFor(title, path) {
  show(title, h("h1", {}, title), h("p", { class: "loading", role: "status" }, t("Loading…")));
  try {
    return (await api("GET", path)).data;
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    show(title, h("h1", {}, title), h("p", { class: "notice" }, errorText(error)));
    return null;
  }
}
