// Keyboard shortcuts of the back office's dossier page (templates/backoffice/dossiers/detail.html,
// docs/dossiers.md "The dossier page"). The page works without them: every key only does what a
// click on the page does (a radio, a list, a button, a link), documented in the "Phím tắt" help
// and on each control (aria-keyshortcuts). No key acts while the focus is in a text box or a
// list, nor with Ctrl, Alt or Meta held (the browser's own shortcuts).
//   A  approve every open field        R  reject the current field and go to its reason list
//   1–9 in a reason list: pick it      S  save        N  save and open the next dossier
//   J  open the next dossier           ?  show or hide the help
const form = document.getElementById("decision");

function isTyping(element) {
  if (!(element instanceof Element)) { return false; }
  if (element.isContentEditable || element.matches("textarea, select")) { return true; }
  if (element.matches("input")) {
    return !["radio", "checkbox", "submit", "button", "reset"].includes(element.type);
  }
  return false;
}

function rows() {
  return Array.from(form.querySelectorAll("tr[data-decidable]"));
}

function choice(row, value) {
  return row.querySelector('input[type="radio"][value="' + value + '"]');
}

function undecided(row) {
  return !choice(row, "approve").checked && !choice(row, "reject").checked;
}

function approveAll() {
  rows().forEach(function (row) { choice(row, "approve").checked = true; });
}

function reject() {
  const all = rows();
  const here = document.activeElement && document.activeElement.closest
    ? document.activeElement.closest("tr[data-decidable]") : null;
  const row = here || all.find(undecided) || all[0];
  if (!row) { return; }
  const radio = choice(row, "reject");
  radio.checked = true;
  const reasons = row.querySelector('select[data-role="reason-code"]');
  (reasons || radio).focus();
}

function pickReason(select, digit) {
  // Option 0 is "— choose a reason —": digit n is the n-th listed reason.
  if (digit < 1 || digit >= select.options.length) { return false; }
  select.selectedIndex = digit;
  const row = select.closest("tr[data-decidable]");
  const radio = row ? choice(row, "reject") : null;
  if (radio) { radio.checked = true; radio.focus(); }
  return true;
}

function submit(id) {
  const button = document.getElementById(id);
  if (button) { form.requestSubmit(button); }
}

function openNext() {
  const link = document.getElementById("next-dossier");
  if (link) { link.click(); }
}

if (form) {
  const approve = document.getElementById("approve-all");
  if (approve) {
    approve.hidden = false;
    approve.addEventListener("click", approveAll);
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey || event.repeat) { return; }
    const target = document.activeElement;
    if (target instanceof HTMLSelectElement && target.dataset.role === "reason-code") {
      if (/^[1-9]$/.test(event.key) && pickReason(target, Number(event.key))) {
        event.preventDefault();
      }
      return;
    }
    if (isTyping(target)) { return; }
    const key = event.key === "?" ? "?" : event.key.toLowerCase();
    const actions = {
      a: approveAll,
      r: reject,
      s: function () { submit("decide"); },
      n: function () {
        if (document.getElementById("decide-next")) { submit("decide-next"); } else { openNext(); }
      },
      j: openNext,
      "?": function () {
        const help = document.getElementById("shortcuts");
        if (help) { help.open = !help.open; }
      },
    };
    if (Object.prototype.hasOwnProperty.call(actions, key)) {
      event.preventDefault();
      actions[key]();
    }
  });
}
