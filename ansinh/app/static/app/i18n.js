// The app's words: the project's gettext catalogues, served per language by Django at
// /app/i18n/<lang>.json (ansinh/app/catalog.py) and kept offline by the service worker.
// Keys are the English source strings, as in the templates; %(name)s placeholders.

const KEY = "ansinh-app-language"; // a preference, nothing personal
let language = "vi";
let catalogue = { strings: {}, plurals: {}, schemes: {}, groups: {}, levels: {} };

export function currentLanguage() {
  return language;
}

export function savedLanguage() {
  try {
    return localStorage.getItem(KEY) === "en" ? "en" : "vi";
  } catch (_) {
    return "vi";
  }
}

// The shell page carries the Vietnamese strings (no request before the first screen); the
// other language is fetched (from the worker's cache once it is installed).
function inShell(wanted) {
  const block = document.getElementById(`app-strings-${wanted}`);
  if (!block) return null;
  try {
    return JSON.parse(block.textContent);
  } catch (_) {
    return null;
  }
}

export async function loadLanguage(wanted) {
  const next = wanted === "en" ? "en" : "vi";
  let found = inShell(next);
  if (!found) {
    const response = await fetch(`/app/i18n/${next}.json`);
    if (!response.ok) throw new Error("no catalogue for " + next);
    found = await response.json();
  }
  catalogue = found;
  language = next;
  document.documentElement.lang = next;
  try {
    localStorage.setItem(KEY, next);
  } catch (_) {
    /* private mode: the choice lasts this visit */
  }
}

function fill(text, params) {
  if (!params) return text;
  return text.replace(/%\((\w+)\)[sd]/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

export function t(text, params) {
  return fill(catalogue.strings[text] || text, params);
}

export function tn(singular, count, params) {
  const forms = catalogue.plurals[singular];
  const chosen = forms ? forms[count === 1 ? 0 : 1] : singular;
  return fill(chosen, { count, ...params });
}

export function label(kind, code) {
  const table = catalogue[kind] || {};
  return table[code] || "";
}

// --- Formats, as Vietnamese documents write them -------------------------------------------

export function month(value) {
  const match = /^(\d{4})-(\d{2})$/.exec(value || "");
  return match ? `${match[2]}/${match[1]}` : value || "";
}

export function day(value) {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(value || "");
  return match ? `${match[3]}/${match[2]}/${match[1]}` : value || "—";
}

export function money(amount) {
  return String(Math.round(Number(amount) || 0)).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
}

export function duration(months) {
  const total = Math.max(0, Number(months) || 0);
  const years = Math.floor(total / 12);
  const rest = total % 12;
  const monthsText = tn("%(count)d month", rest);
  return years ? `${tn("%(count)d year", years)} ${monthsText}` : monthsText;
}

// A moment in Viet Nam's time, "HH:MM DD/MM/YYYY".
export function moment(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const parts = {};
  for (const part of new Intl.DateTimeFormat("en-GB", {
    timeZone: "Asia/Ho_Chi_Minh",
    hour: "2-digit",
    minute: "2-digit",
    day: "2-digit",
    month: "2-digit",
    year: "numeric",
    hourCycle: "h23",
  }).formatToParts(date)) {
    parts[part.type] = part.value;
  }
  return `${parts.hour}:${parts.minute} ${parts.day}/${parts.month}/${parts.year}`;
}
