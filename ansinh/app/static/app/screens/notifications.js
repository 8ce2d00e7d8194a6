// "Thông báo" (GET /me/notifications): newest first, the unread ones marked; tapping one marks
// it read, and one button marks them all.
import { ApiError, api } from "../api.js";
import { moment, t } from "../i18n.js";
import { refreshBadge } from "../router.js";
import { busy, button, errorText, h, show } from "../ui.js";

function item(notice, ctx) {
  const entry = h(
    "li",
    { class: notice.read ? "notice-item" : "notice-item unread", dataset: { id: notice.id, read: String(notice.read) } },
    h("p", { class: "notice-title" }, notice.read ? null : h("span", { class: "dot", "aria-label": t("Unread") }), notice.title),
    h("p", { class: "notice-body" }, notice.body),
    h("p", { class: "notice-meta" }, h("time", { datetime: notice.created_at }, moment(notice.created_at))),
    notice.link && notice.link.startsWith("/") && !notice.link.startsWith("//")
      ? h("p", {}, h("a", { href: notice.link, rel: "noopener" }, t("Open on the portal")))
      : null,
  );
  if (!notice.read) {
    entry.addEventListener("click", async () => {
      try {
        await api("POST", "/me/notifications/read", { ids: [notice.id] });
        entry.classList.remove("unread");
        entry.dataset.read = "true";
        const dot = entry.querySelector(".dot");
        if (dot) dot.remove();
        refreshBadge();
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
      }
    }, { once: true });
  }
  return entry;
}

export async function render(ctx) {
  const title = t("Notifications");
  show(title, h("h1", {}, title), h("p", { class: "loading", role: "status" }, t("Loading…")));
  let data;
  try {
    ({ data } = await api("GET", "/me/notifications?limit=50"));
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    show(title, h("h1", {}, title), h("p", { class: "notice" }, errorText(error)));
    return;
  }
  const markAll = h("form", { id: "mark-all" }, button(t("Mark all as read"), { type: "submit" }));
  markAll.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await busy(markAll, () => api("POST", "/me/notifications/read", {}));
      ctx.refresh();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
    }
  });
  show(
    title,
    h("h1", {}, title),
    h("p", { class: "help", id: "unread-count" }, t("%(count)s unread", { count: data.unread })),
    data.items.length
      ? h("ul", { class: "notice-list" }, data.items.map((notice) => item(notice, ctx)))
      : h("p", { class: "notice", id: "no-notifications" }, t("No notifications yet.")),
    data.unread ? markAll : null,
  );
}
