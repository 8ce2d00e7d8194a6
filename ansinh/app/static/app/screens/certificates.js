// "Giấy chứng nhận quá trình tham gia" (issue 15 §3, like C14-TS): issue one
// (POST /me/certificates), list them, open the signed PDF, see its QR on screen — marked, in the
// portal's words, as an on-screen view and not the certificate — and revoke one after a
// confirmation. The QR is the server's SVG shown as an image (qr_svg), as on the card.
import { ApiError, api, workerReady } from "../api.js";
import { currentLanguage, duration, label, moment, money, month, t } from "../i18n.js";
import { busy, button, confirmed, errorText, facts, h, messageBox, show } from "../ui.js";

const SCHEMES = ["BHXH", "BHYT", "BHTN", "BHTNLD_BNN"];

function loading(title) {
  show(title, h("h1", {}, title), h("p", { class: "loading", role: "status" }, t("Loading…")));
}

function back() {
  return h("p", {}, h("a", { href: "#/giay-chung-nhan" }, t("Participation certificates")));
}

export async function renderList(ctx) {
  const title = t("Participation certificates");
  loading(title);
  let data = null;
  let problem = null;
  try {
    ({ data } = await api("GET", "/me/certificates"));
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    problem = errorText(error);
  }
  const message = messageBox();
  const issue = h("form", { id: "certificate-issue", novalidate: true },
    message.box, button(t("Issue a certificate"), { primary: true, type: "submit" }));
  issue.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.set("");
    try {
      const { data: issued } = await busy(issue, () => api("POST", "/me/certificates"));
      ctx.go(`/giay-chung-nhan/${issued.id}`);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      message.set(errorText(error));
    }
  });
  const items = data ? data.items : [];
  show(
    title,
    h("h1", {}, title),
    h("section", { class: "card" },
      h("p", {}, t("A certificate states your participation history (periods, units, months per scheme) as it stands today, signed by BHXH. Anyone can check its QR code, even without a network connection.")),
      issue),
    problem ? h("p", { class: "notice" }, problem) : null,
    data && !items.length ? h("p", { class: "card", dataset: { field: "no_certificates" } }, t("You have not been issued a certificate yet.")) : null,
    h("ul", { class: "list", id: "certificates" }, items.map((c) =>
      h("li", { class: "card certificate", dataset: { certificate: c.id, revoked: String(c.revoked) } },
        h("a", { href: `#/giay-chung-nhan/${c.id}`, class: "row-link" }, t("Certificate of %(day)s", { day: moment(c.issued_at) })),
        c.revoked ? h("span", { class: "tag" }, t("revoked")) : null))),
  );
}

// The signed PDF, fetched through the worker (which adds the token) and handed to the phone
// as a download: a plain link would go to the server without the sign-in.
async function openPdf(id, message, trigger) {
  message.set("");
  try {
    if (!(await workerReady())) throw new ApiError(0, null, null);
    const response = await busy(trigger.parentNode, () => fetch(`/api/v1/me/certificates/${id}.pdf`, {
      headers: { "Accept-Language": currentLanguage() }, cache: "no-store",
    }).catch(() => { throw new ApiError(0, null, null); }));
    if (!response.ok) {
      const body = await response.json().catch(() => null);
      throw new ApiError(response.status, body, response.headers);
    }
    const url = URL.createObjectURL(await response.blob());
    const link = h("a", { href: url, download: `C14-TS-${id}.pdf`, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    message.set(errorText(error));
  }
}

function schemeCard(code, scheme) {
  return h("section", { class: "card", dataset: { scheme: code } },
    h("h2", {}, label("schemes", code) || code),
    h("p", { dataset: { field: "total_months" } }, t("Total time of participation"), ": ", duration(scheme.total_months)),
    scheme.periods && scheme.periods.length ? h("ul", { class: "periods" }, scheme.periods.map((p) =>
      h("li", { class: "period" },
        h("strong", { class: "period-months" }, p.from === p.to ? month(p.from) : `${month(p.from)} – ${month(p.to)}`),
        facts([
          [t("Unit"), `${p.unit_code} ${p.unit_name}`],
          [t("Salary (đồng)"), money(p.salary)],
        ])))) : null);
}

export async function renderDetail(ctx) {
  const id = decodeURIComponent(ctx.params[0]);
  const title = t("Participation certificate");
  loading(title);
  let c;
  try {
    ({ data: c } = await api("GET", `/me/certificates/${encodeURIComponent(id)}`));
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return show(title, h("h1", {}, title), h("p", { class: "notice" }, errorText(error)), back());
  }
  const history = c.history;
  const message = messageBox();
  const pdf = button(t("Download the signed PDF"), { primary: true, dataset: { action: "download" } });
  pdf.addEventListener("click", () => openPdf(c.id, message, pdf));
  const copyNotice = () => h("div", { class: "notice screen-copy", role: "note", dataset: { field: "screen_copy" } },
    h("p", {}, h("strong", {}, t("On-screen view — not a certificate"))),
    h("p", {}, t("A screenshot of this page proves nothing. The certificate is the signed PDF: its QR code is checked on the An Sinh check page or offline.")));
  let revokeBox = null;
  if (!c.revoked) {
    const revoke = button(t("Revoke this certificate"), { id: "revoke", className: "danger" });
    const revokeMessage = messageBox();
    revokeBox = h("section", { class: "actions", id: "certificate-revoke" },
      h("p", { class: "help" }, t("Revoke it if you gave it to the wrong party: its check will then answer that it is revoked.")),
      revokeMessage.box,
      revoke,
      confirmed(revoke, {
        question: t("Revoke this certificate? From now on its check answers “revoked”; this cannot be undone."),
        yes: t("Revoke this certificate"),
        onyes: async (yes) => {
          try {
            await busy(yes.parentNode, () => api("POST", `/me/certificates/${encodeURIComponent(c.id)}/revoke`));
            ctx.refresh();
          } catch (error) {
            if (!(error instanceof ApiError)) throw error;
            revokeMessage.set(errorText(error));
          }
        },
      }));
  }
  show(
    title,
    h("h1", {}, title),
    copyNotice(),
    c.revoked ? h("div", { class: "alert", role: "status", dataset: { field: "revoked" } }, t("This certificate is revoked: its check now answers “revoked”.")) : null,
    h("section", { class: "card", id: "certificate", dataset: { revoked: String(c.revoked) } },
      facts([
        [t("Full name"), history.full_name],
        [t("BHXH code"), history.bhxh_code, "bhxh_code"],
        [t("Issued on"), moment(c.issued_at)],
        [t("Certificate number"), history.serial, "serial"],
      ]),
      message.box,
      pdf),
    c.qr_svg ? h("section", { class: "card screen-copy-qr", id: "certificate-qr", "aria-labelledby": "certificate-qr-title" },
      h("h2", { id: "certificate-qr-title" }, t("On-screen view — not a certificate")),
      h("div", { class: "qr" }, h("img", {
        class: "qr-image",
        src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(c.qr_svg)}`,
        alt: t("QR code of participation certificate %(serial)s", { serial: c.id }),
        dataset: { field: "qr" },
      })),
      h("p", { class: "help screen-copy-caption" }, t("A screenshot of this page proves nothing. The certificate is the signed PDF: its QR code is checked on the An Sinh check page or offline."))) : null,
    SCHEMES.filter((code) => history.schemes && history.schemes[code]).map((code) => schemeCard(code, history.schemes[code])),
    revokeBox,
    back(),
  );
}
