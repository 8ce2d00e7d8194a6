// "Hồ sơ của tôi": my dossiers (GET /me/dossiers), one with its timeline and documents
// (GET /me/dossiers/{id}), a change request with a photo from the camera (multipart
// POST /me/dossiers) and withdrawing one, after a confirmation.
import { ApiError, api } from "../api.js";
import { day, label, moment, t } from "../i18n.js";
import { busy, button, errorText, facts, field, h, linkButton, messageBox, show } from "../ui.js";

const OPEN = new Set(["submitted", "in_review", "awaiting_second_approval"]);
const CHANGEABLE = [
  ["phone", () => t("New mobile phone"), "tel", "tel"],
  ["cccd", () => t("New CCCD number"), "numeric", "off"],
  ["address", () => t("New address"), "text", "street-address"],
  ["email", () => t("New email"), "email", "email"],
];

function statusTag(status) {
  return h("span", { class: `tag status-${status}`, dataset: { status } }, label("statuses", status) || status);
}

function loading(title) {
  show(title, h("h1", {}, title), h("p", { class: "loading", role: "status" }, t("Loading…")));
}

export async function renderList() {
  const title = t("My dossiers");
  loading(title);
  let data = null;
  let problem = null;
  try {
    ({ data } = await api("GET", "/me/dossiers"));
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    problem = errorText(error);
  }
  const items = data ? data.items : [];
  show(
    title,
    h("h1", {}, title),
    linkButton(t("Ask to change my details"), "#/ho-so/moi", { primary: true, id: "new-change-request" }),
    problem ? h("p", { class: "notice" }, problem) : null,
    data && !items.length ? h("p", { class: "card", id: "no-dossiers" }, t("You have no dossiers yet.")) : null,
    h(
      "ul",
      { class: "list", id: "dossiers" },
      items.map((item) =>
        h(
          "li",
          { class: "card dossier", dataset: { dossier: item.dossier_id } },
          h("a", { href: `#/ho-so/${encodeURIComponent(item.dossier_id)}`, class: "row-link" },
            h("strong", {}, item.dossier_id), " ", statusTag(item.status)),
          h("p", { class: "help" }, label("forms", item.form) || item.form, " · ", moment(item.submitted_at)),
          h("p", {}, item.fields.map((name) => label("fields", name) || name).join(", ")),
        )),
    ),
  );
}

function photoPreview(input, list) {
  list.replaceChildren();
  for (const file of input.files) list.append(h("li", {}, file.name));
}

export async function renderNew(ctx) {
  const title = t("Ask to change my details");
  loading(title);
  let offices = [];
  let home = "";
  try {
    const [found, me] = await Promise.all([api("GET", "/offices"), api("GET", "/me")]);
    offices = found.data.items;
    home = (me.data.office && me.data.office.code) || "";
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
  }
  const message = messageBox();
  const fields = CHANGEABLE.map(([name, text, inputmode, autocomplete]) =>
    ({ name, ...field({ name, label: text(), inputmode, autocomplete, type: name === "email" ? "email" : "text" }) }));
  const officeId = "f-office";
  const office = h("select", { id: officeId, name: "office_code" },
    offices.map((o) => h("option", { value: o.code, selected: o.code === home || null }, `${o.code} — ${o.name}`)));
  const officeError = h("p", { class: "error", hidden: true });
  const note = field({ name: "note", label: t("Note for BHXH staff") });
  const photos = h("input", {
    id: "f-documents", name: "documents", type: "file", accept: "image/*,application/pdf", capture: "environment", multiple: true,
    "aria-describedby": "f-documents-help f-documents-error",
  });
  const chosen = h("ul", { class: "files", id: "chosen-files" });
  const photosError = h("p", { class: "error", id: "f-documents-error", hidden: true });
  photos.addEventListener("change", () => { photoPreview(photos, chosen); photosError.hidden = true; });
  const form = h(
    "form",
    { id: "change-request", class: "card", novalidate: true },
    h("p", { class: "help" }, t("Fill in only what should change, and attach images or PDFs of the documents that prove it. BHXH staff review every request.")),
    message.box,
    fields.map((f) => f.wrap),
    h("div", { class: "field" }, h("label", { for: officeId }, t("Receiving BHXH office")), office, officeError),
    h("div", { class: "field" },
      h("label", { for: "f-documents" }, t("Photo of your document")),
      h("p", { class: "help", id: "f-documents-help" }, t("Take a photo with the camera, or choose up to 4 images or PDFs.")),
      photos, chosen, photosError),
    note.wrap,
    button(t("Send"), { primary: true, type: "submit" }),
  );
  const setError = (line, text) => { line.textContent = text || ""; line.hidden = !text; };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.set("");
    fields.forEach((f) => f.error(""));
    setError(officeError, "");
    setError(photosError, "");
    const changes = {};
    for (const f of fields) if (f.input.value.trim()) changes[f.name] = f.input.value.trim();
    if (!Object.keys(changes).length) return message.set(t("Fill in at least one detail to change."));
    if (!photos.files.length) return setError(photosError, t("Add a photo of your document."));
    const body = new FormData();
    body.append("payload", JSON.stringify({ form: "change_request", office_code: office.value, changes, note: note.input.value.trim() }));
    for (const file of photos.files) body.append("documents", file, file.name);
    try {
      const { data } = await busy(form, () => api("POST", "/me/dossiers", body));
      ctx.go(`/ho-so/${encodeURIComponent(data.dossier_id)}`);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      for (const f of fields) f.error(error.fields[f.name] || (error.fields.changes && f.name in changes ? error.fields.changes : ""));
      setError(officeError, error.fields.office_code);
      setError(photosError, error.fields.documents);
      message.set(errorText(error));
    }
  });
  show(title, h("h1", {}, title), form, h("p", {}, h("a", { href: "#/ho-so" }, t("Back to my dossiers"))));
}

function withdrawBox(ctx, dossier) {
  const message = messageBox();
  const confirmBox = h(
    "div",
    { class: "card confirm", id: "withdraw-confirm", hidden: true, role: "group", "aria-label": t("Withdraw this dossier") },
    h("p", {}, t("BHXH stops processing this dossier, and none of the changes it asks for is made.")),
    h("p", {}, t("A withdrawn dossier cannot be reopened. To ask again, file a new request.")),
    message.box,
    button(t("Yes, withdraw this dossier"), {
      className: "danger",
      id: "withdraw-yes",
      onclick: async () => {
        try {
          await busy(confirmBox, () => api("POST", `/me/dossiers/${encodeURIComponent(dossier.dossier_id)}/withdraw`));
          ctx.refresh();
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
          message.set(errorText(error));
        }
      },
    }),
    button(t("No, keep it"), { id: "withdraw-no", onclick: () => { confirmBox.hidden = true; ask.hidden = false; } }),
  );
  const ask = button(t("Withdraw this dossier"), {
    id: "withdraw",
    onclick: () => { confirmBox.hidden = false; ask.hidden = true; confirmBox.querySelector("button").focus(); },
  });
  return h("section", { class: "actions" }, ask, confirmBox);
}

export async function renderDetail(ctx) {
  const id = decodeURIComponent(ctx.params[0]);
  loading(id);
  let d;
  try {
    ({ data: d } = await api("GET", `/me/dossiers/${encodeURIComponent(id)}`));
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return show(id, h("h1", {}, id), h("p", { class: "notice" }, errorText(error)), linkButton(t("Back to my dossiers"), "#/ho-so"));
  }
  const base = `/api/v1/me/dossiers/${encodeURIComponent(d.dossier_id)}/attachments/`;
  show(
    d.dossier_id,
    h("h1", {}, t("Dossier"), " ", d.dossier_id),
    h("section", { class: "card", id: "dossier", dataset: { status: d.status } }, facts([
      [t("Status"), label("statuses", d.status) || d.status, "status"],
      [t("Form"), label("forms", d.form) || d.form],
      [t("Office"), d.office.name],
      [t("Submitted"), moment(d.submitted_at)],
      [t("Due by"), day(d.due_date)],
    ])),
    h("section", { class: "card" }, h("h2", {}, t("Requested changes")), facts(d.changes.map((c) => [
      label("fields", c.field) || c.field,
      `${c.new_value} — ${label("change_statuses", c.status) || c.status}`,
      c.field,
    ]))),
    d.attachments.length ? h("section", { class: "card", id: "documents" }, h("h2", {}, t("Documents")),
      h("ul", { class: "photos" }, d.attachments.map((a) => h("li", {},
        a.content_type.startsWith("image/")
          ? h("img", { src: base + encodeURIComponent(a.id), alt: `${label("attachments", a.kind)}: ${a.name}`, class: "photo" })
          : h("a", { href: base + encodeURIComponent(a.id) }, a.name))))) : null,
    h("section", { class: "card" }, h("h2", {}, t("Timeline")), h("ol", { class: "timeline", id: "timeline" }, d.events.map((e) =>
      h("li", { dataset: { kind: e.kind } }, h("strong", {}, label("events", e.kind) || e.kind), h("span", { class: "help" }, " · ", moment(e.at)), e.note ? h("p", {}, e.note) : null)))),
    OPEN.has(d.status) && d.form === "change_request" ? withdrawBox(ctx, d) : null,
    h("p", {}, h("a", { href: "#/ho-so" }, t("Back to my dossiers"))),
  );
}
