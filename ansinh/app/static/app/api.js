// /api/v1 as the pages call it: no token here. The service worker (sw.js) adds it, refreshes
// it and keeps it out of the pages' reach; these requests only carry the language.
import { currentLanguage } from "./i18n.js";

export class ApiError extends Error {
  constructor(status, body, headers) {
    const error = (body && body.error) || {};
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || (status === 0 ? "offline" : "error");
    this.fields = error.fields || {};
    this.body = error;
    this.headers = headers;
  }
}

// The worker's answers that end what the person was doing: the router takes over.
const SESSION_CODES = new Set(["session_ended", "app_locked", "not_signed_in", "password_change_required"]);

// Until the worker controls the page (a first visit: the page is drawn while it installs), a
// request waits for it: sent without it, a sign-in's tokens would reach the page.
let ready = null;
let settle = null;
const WORKER_WAIT_MS = 20000;

export function workerReady() {
  const workers = navigator.serviceWorker;
  if (!workers) return Promise.resolve(false);
  if (workers.controller) return Promise.resolve(true);
  if (!ready) {
    ready = new Promise((resolve) => {
      settle = resolve;
      workers.addEventListener("controllerchange", () => resolve(true), { once: true });
      setTimeout(() => resolve(Boolean(workers.controller)), WORKER_WAIT_MS);
    });
  }
  return ready;
}

// The worker could not be registered: nothing waits for it any longer.
export function workerFailed() {
  workerReady();
  if (settle) settle(Boolean(navigator.serviceWorker && navigator.serviceWorker.controller));
}

function controlled() {
  return Boolean(navigator.serviceWorker && navigator.serviceWorker.controller);
}

export async function api(method, path, body) {
  if (!(await workerReady())) throw new ApiError(0, null, null);
  const init = {
    method,
    headers: { Accept: "application/json", "Accept-Language": currentLanguage() },
    cache: "no-store",
  };
  if (body instanceof FormData) {
    init.body = body; // multipart: the browser writes the Content-Type with its boundary
  } else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  let response;
  try {
    response = await fetch(`/api/v1${path}`, init);
  } catch (_) {
    throw new ApiError(0, null, null);
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch (_) {
      data = null;
    }
  }
  if (!response.ok) {
    const error = new ApiError(response.status, data, response.headers);
    if (SESSION_CODES.has(error.code)) {
      window.dispatchEvent(new CustomEvent("app:session", { detail: error.code }));
    }
    throw error;
  }
  return { status: response.status, data, headers: response.headers };
}

// The worker's state: signed in, locked, who, whether a card is kept.
export async function workerState() {
  if (!controlled()) return { signed_in: false, locked: false, provisional: true, idle_seconds: null };
  const response = await fetch("/app/sw/state", { cache: "no-store" });
  if (!response.ok) throw new Error("the service worker does not answer");
  return response.json();
}

export function tellWorker(what) {
  if (!controlled()) return Promise.resolve(null);
  return fetch(`/app/sw/${what}`, { method: "POST", cache: "no-store" }).catch(() => null);
}
