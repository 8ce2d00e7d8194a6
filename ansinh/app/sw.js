// The An Sinh app's service worker (docs/app.md), scope /app/. Three jobs:
// 1. the app shell offline: every file the app starts from, in one cache per version;
// 2. the tokens: the pages never see them. The worker signs in for the page, keeps the token
//    pair in its own IndexedDB database, adds "Authorization" to the /api/v1 requests the
//    pages make, refreshes (rotating) when the access token is spent, and signs out;
// 3. the signed-in person's card and participation, kept for offline use, for that person
//    only, and wiped with everything else on sign-out, on a revoked token and when another
//    person signs in. After APP_IDLE_SECONDS without a touch the app locks: the tokens are
//    revoked and dropped, and only the card can still be shown until the password is typed.
// No personal datum goes to the Cache Storage: that holds the shell only.
"use strict";

const CONFIG = __ANSINH_APP_CONFIG__;
const SHELL_CACHE = "ansinh-shell-" + CONFIG.version;
const SHELL_FILES = new Set(CONFIG.shell);
const API = "/api/v1";
const INTERNAL = CONFIG.shell_url + "sw/";
const DB_NAME = "ansinh-app";
const STORE = "kv";
const IDLE_MS = CONFIG.idle_seconds * 1000;
const REFRESH_MARGIN_MS = 30 * 1000;
// GET reads kept on the device for offline use; the card may be shown while locked.
const OFFLINE_READS = { "/me/card": { whenLocked: true }, "/me/participation": { whenLocked: false } };
// API paths that need no token: the worker passes them through untouched.
const PUBLIC = [
  /^\/auth\/recovery(\/|$)/, /^\/auth\/registration(\/|$)/, /^\/auth\/passkey\/options$/,
  /^\/auth\/captcha$/, /^\/offices$/, /^\/cards\/verify$/, /^\/calculators\/[\w-]+$/,
];
// Sign-ins: the worker keeps the tokens they answer and hands the page none.
const SIGN_INS = new Set(["/auth/login", "/auth/passkey"]);
const ENDED = Symbol("ended");

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL_CACHE);
    // Without cookies: the shell is the same for everyone, and a portal session's redirect
    // (a pending password change) must never be cached as the shell.
    // A static file the page has just fetched comes from the HTTP cache when it has exactly
    // this version's bytes (its integrity digest); anything else from the server.
    await Promise.all(CONFIG.shell.map(async (url) => {
      const integrity = CONFIG.integrity[url];
      let response = null;
      if (integrity) {
        try {
          response = await fetch(new Request(url, { credentials: "omit", integrity }));
        } catch (_) {
          response = null;
        }
      }
      if (!response || !response.ok) {
        response = await fetch(new Request(url, { cache: "reload", credentials: "omit", integrity: integrity || "" }));
      }
      if (!response.ok) throw new Error("shell file " + url + ": " + response.status);
      await cache.put(url, response);
    }));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name !== SHELL_CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith(INTERNAL)) {
    event.respondWith(internal(request, url.pathname.slice(INTERNAL.length)));
  } else if (url.pathname.startsWith(API + "/")) {
    event.respondWith(api(request, url));
  } else if (request.method === "GET" && request.mode === "navigate" && url.pathname === CONFIG.shell_url) {
    event.respondWith(fromShell(CONFIG.shell_url, request));
  } else if (request.method === "GET" && SHELL_FILES.has(url.pathname)) {
    event.respondWith(fromShell(url.pathname, request));
  }
});

async function fromShell(path, request) {
  const cached = await caches.match(path, { cacheName: SHELL_CACHE, ignoreSearch: true, ignoreVary: true });
  return cached || fetch(request);
}

// --- Answers ------------------------------------------------------------------------------

function json(status, body, headers = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", "Cache-Control": "no-store", ...headers },
  });
}

// Refusals of the worker itself: the page words them from its catalogue by code.
function refusal(status, code) {
  return json(status, { error: { code, message: "", fields: {} } });
}

// --- The worker's own database: the session and the kept reads ----------------------------

let dbPromise = null;
let current; // the session: undefined until read, null when nobody is signed in

function openDb() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const opening = indexedDB.open(DB_NAME, 1);
      opening.onupgradeneeded = () => opening.result.createObjectStore(STORE);
      opening.onsuccess = () => {
        const db = opening.result;
        db.onversionchange = () => { db.close(); dbPromise = null; };
        resolve(db);
      };
      opening.onerror = () => { dbPromise = null; reject(opening.error); };
    });
  }
  return dbPromise;
}

// Reading never creates the database: after a sign-out there is none at all.
async function dbExists() {
  if (dbPromise) return true;
  if (typeof indexedDB.databases !== "function") return true; // older browsers: open it
  const list = await indexedDB.databases();
  return list.some((db) => db.name === DB_NAME);
}

function inStore(db, mode, work) {
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const result = work(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(result ? result.result : undefined);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

async function dbGet(key) {
  if (!(await dbExists())) return undefined;
  return inStore(await openDb(), "readonly", (store) => store.get(key));
}

async function dbPut(key, value) {
  return inStore(await openDb(), "readwrite", (store) => store.put(value, key));
}

async function forgetReads() {
  if (!(await dbExists())) return;
  await inStore(await openDb(), "readwrite", (store) => {
    for (const path of Object.keys(OFFLINE_READS)) store.delete("read:" + path);
  });
}

async function session() {
  if (current === undefined) current = (await dbGet("session")) || null;
  return current;
}

// Only the live session is written: a request that was still running when the person signed
// out must not bring the session back.
async function saveSession(s) {
  if (s && s === current) await dbPut("session", s);
}

// Sign-out, a revoked token: nothing personal stays. The database goes (tokens, identifier,
// name, card, participation), every cache but the shell's, and this worker's memory.
async function wipe() {
  current = null;
  refreshing = null;
  const pending = dbPromise;
  dbPromise = null;
  if (pending) {
    try { (await pending).close(); } catch (_) { /* it never opened */ }
  }
  await new Promise((resolve) => {
    const deleting = indexedDB.deleteDatabase(DB_NAME);
    deleting.onsuccess = deleting.onerror = deleting.onblocked = () => resolve();
  });
  for (const name of await caches.keys()) {
    if (name !== SHELL_CACHE) await caches.delete(name);
  }
}

// --- Idle lock ----------------------------------------------------------------------------

function isIdle(s) {
  return Date.now() - (s.lastActive || 0) > IDLE_MS;
}

async function touch() {
  const s = await session();
  if (!s || s.locked) return;
  if (isIdle(s)) return lock();
  s.lastActive = Date.now();
  await saveSession(s);
}

async function lock() {
  const s = await session();
  if (!s || s.locked) return;
  const tokens = { access: s.access, refresh: s.refresh, accessExpires: s.accessExpires };
  Object.assign(s, { locked: true, access: null, refresh: null, accessExpires: 0 });
  await saveSession(s);
  await revoke(tokens);
}

// Ends a token pair on the server, best effort (offline, it just lapses: the device has
// forgotten it).
async function revoke(tokens) {
  if (!tokens.access && !tokens.refresh) return;
  try {
    let access = tokens.access;
    if (!access || tokens.accessExpires - Date.now() < REFRESH_MARGIN_MS) {
      const pair = await post("/auth/refresh", { refresh_token: tokens.refresh });
      if (!pair.ok) return;
      access = (await pair.json()).access_token;
    }
    await fetch(API + "/auth/logout", { method: "POST", headers: bearer(access), credentials: "omit", cache: "no-store" });
  } catch (_) { /* offline */ }
}

// --- Tokens -------------------------------------------------------------------------------

function bearer(token, extra = {}) {
  return { ...extra, Authorization: "Bearer " + token };
}

function post(path, body, language) {
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  if (language) headers["Accept-Language"] = language;
  return fetch(API + path, { method: "POST", headers, body: JSON.stringify(body), credentials: "omit", cache: "no-store" });
}

let refreshing = null;

// One refresh at a time: a refresh token works once, and a second use of it revokes the
// device's tokens (the server's reuse detection).
function refreshed(s, used) {
  if (s.access && s.access !== used) return Promise.resolve(s.access);
  if (!refreshing) refreshing = doRefresh(s).finally(() => { refreshing = null; });
  return refreshing;
}

async function doRefresh(s) {
  if (!s.refresh) return null;
  const response = await post("/auth/refresh", { refresh_token: s.refresh }); // throws offline
  if (response.status === 401) return null; // revoked, expired or reused: signed out
  if (!response.ok) throw new Error("refresh answered " + response.status);
  const pair = await response.json();
  s.access = pair.access_token;
  s.refresh = pair.refresh_token;
  s.accessExpires = Date.now() + pair.expires_in * 1000;
  s.passwordChangeRequired = pair.password_change_required;
  await saveSession(s);
  return s.access;
}

async function accessToken(s) {
  if (s.access && s.accessExpires - Date.now() > REFRESH_MARGIN_MS) return s.access;
  return refreshed(s, s.access);
}

// Sends with the access token; on 401 refreshes once and sends again. A session the server
// ended is wiped here: ENDED.
async function withToken(s, send) {
  let token = await accessToken(s);
  if (!token) { await wipe(); return ENDED; }
  let response = await send(token);
  if (response.status !== 401) return response;
  token = await refreshed(s, token);
  if (!token) { await wipe(); return ENDED; }
  response = await send(token);
  if (response.status === 401) { await wipe(); return ENDED; }
  return response;
}

// --- The API, for the pages ---------------------------------------------------------------

async function api(request, url) {
  const path = url.pathname.slice(API.length);
  try {
    if (PUBLIC.some((pattern) => pattern.test(path))) return await fetch(request);
    if (SIGN_INS.has(path) && request.method === "POST") return await signIn(request, path);
    if (path === "/auth/refresh") return refusal(403, "handled_by_the_app");
    if ((path === "/auth/logout" || path === "/auth/logout-all") && request.method === "POST") {
      return await signOut(path);
    }
    return await authorised(request, url, path);
  } catch (_) {
    return refusal(503, "offline");
  }
}

// A password or a passkey sign-in: the same tokens, kept here the same way.
async function signIn(request, path) {
  const language = request.headers.get("Accept-Language");
  const body = await request.json();
  const response = await post(path, body, language);
  if (!response.ok) return response; // errors carry no token
  const pair = await response.json();
  const previous = await session();
  if (previous) await revoke(previous);
  const s = {
    access: pair.access_token,
    refresh: pair.refresh_token,
    accessExpires: Date.now() + pair.expires_in * 1000,
    identifier: String(body.username || "").trim(),
    passwordChangeRequired: pair.password_change_required,
    lastActive: Date.now(),
    locked: false,
    owner: null,
    fullName: null,
  };
  current = s;
  refreshing = null;
  let citizen = true;
  try {
    citizen = await identify(s, language);
  } catch (_) {
    /* the network went: who it is stays unknown, so the kept reads are forgotten below */
  }
  if (!citizen) {
    await revoke(s);
    await wipe();
    return refusal(403, "citizens_only");
  }
  // A passkey names nobody: the lock screen asks for the password of the BHXH code /me gave.
  if (!s.identifier && s.owner) s.identifier = s.owner;
  // The kept card and history are the previous person's unless it is the same person.
  if (!previous || !s.owner || previous.owner !== s.owner) await forgetReads();
  await saveSession(s);
  return json(200, { password_change_required: s.passwordChangeRequired, expires_in: pair.expires_in });
}

// Who is signed in (a citizen, or false). Unknown while a password change is pending: the
// API answers nothing else then.
async function identify(s, language) {
  if (s.passwordChangeRequired) return true;
  const headers = bearer(s.access, { Accept: "application/json" });
  if (language) headers["Accept-Language"] = language;
  const response = await fetch(API + "/me", { headers, credentials: "omit", cache: "no-store" });
  if (!response.ok) return true;
  const profile = await response.json();
  if (profile.kind !== "citizen") return false;
  s.owner = profile.bhxh_code;
  s.fullName = profile.full_name;
  return true;
}

async function signOut(path) {
  const s = await session();
  let server = false;
  if (s && (s.access || s.refresh)) {
    try {
      const response = await withToken(s, (token) =>
        fetch(API + path, { method: "POST", headers: bearer(token), credentials: "omit", cache: "no-store" }));
      server = response === ENDED || response.ok;
    } catch (_) { /* offline: the device forgets the tokens all the same */ }
  }
  await wipe();
  return new Response(null, { status: 204, headers: { "X-App-Server-Signed-Out": server ? "1" : "0" } });
}

function forward(request, token, body) {
  const headers = bearer(token);
  for (const name of ["Accept", "Accept-Language", "Content-Type"]) {
    const value = request.headers.get(name);
    if (value) headers[name] = value;
  }
  return fetch(request.url, { method: request.method, headers, body, credentials: "omit", cache: "no-store" });
}

async function authorised(request, url, path) {
  const s = await session();
  if (!s) return refusal(401, "not_signed_in");
  if (!s.locked && isIdle(s)) await lock();
  const read = request.method === "GET" ? OFFLINE_READS[path] : undefined;
  if (s.locked) {
    const kept = read && read.whenLocked ? await keptRead(path, s) : null;
    return kept || refusal(401, "app_locked");
  }
  const body = request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer();
  let response;
  try {
    response = await withToken(s, (token) => forward(request, token, body));
  } catch (_) {
    const kept = read ? await keptRead(path, s) : null;
    return kept || refusal(503, "offline");
  }
  if (response === ENDED) return refusal(401, "session_ended");
  if (read && response.ok) return keep(path, s, response);
  if (path === "/auth/password" && request.method === "POST" && response.status === 204) {
    s.passwordChangeRequired = false;
    let citizen = true;
    try {
      citizen = await identify(s, request.headers.get("Accept-Language"));
    } catch (_) {
      /* changed all the same; who it is is learnt at the next sign-in */
    }
    if (!citizen) {
      await revoke(s);
      await wipe();
      return refusal(403, "citizens_only");
    }
    await saveSession(s);
  }
  return response;
}

async function keep(path, s, response) {
  const body = await response.text();
  const at = new Date().toISOString();
  const type = response.headers.get("Content-Type") || "application/json";
  if (s === current && s.owner) await dbPut("read:" + path, { owner: s.owner, at, type, body });
  return new Response(body, {
    status: response.status,
    headers: { "Content-Type": type, "Cache-Control": "no-store", "X-App-Updated-At": at, "X-App-Source": "network" },
  });
}

async function keptRead(path, s) {
  const kept = await dbGet("read:" + path);
  if (!kept || !s.owner || kept.owner !== s.owner) return null;
  return new Response(kept.body, {
    status: 200,
    headers: { "Content-Type": kept.type, "Cache-Control": "no-store", "X-App-Updated-At": kept.at, "X-App-Source": "device" },
  });
}

// --- The pages' questions to the worker ---------------------------------------------------

async function internal(request, what) {
  if (what === "state" && request.method === "GET") return json(200, await state());
  if (what === "activity" && request.method === "POST") { await touch(); return new Response(null, { status: 204 }); }
  if (what === "lock" && request.method === "POST") { await lock(); return new Response(null, { status: 204 }); }
  return refusal(404, "not_found");
}

async function state() {
  const s = await session();
  if (s && !s.locked && isIdle(s)) await lock();
  const card = s && s.owner ? await dbGet("read:/me/card") : undefined;
  return {
    signed_in: Boolean(s && !s.locked),
    locked: Boolean(s && s.locked),
    identifier: s ? s.identifier : null,
    full_name: s ? s.fullName : null,
    bhxh_code: s ? s.owner : null,
    password_change_required: Boolean(s && s.passwordChangeRequired),
    has_card: Boolean(card && card.owner === s.owner),
    idle_seconds: CONFIG.idle_seconds,
    version: CONFIG.version,
  };
}
