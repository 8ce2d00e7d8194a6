// 15 minutes without a touch (APP_IDLE_SECONDS): the app locks. The page's timer locks an open
// app; the service worker locks one that was closed or asleep (it keeps the last activity).
import { tellWorker } from "./api.js";

const PING_EVERY_MS = 20 * 1000;
let seconds = 15 * 60;
let timer = null;
let armed = false;
let lastPing = 0;
let whenIdle = () => {};

export function watchIdle(idleSeconds, onIdle) {
  seconds = idleSeconds;
  whenIdle = onIdle;
  for (const type of ["pointerdown", "keydown", "touchstart", "wheel"]) {
    window.addEventListener(type, activity, { passive: true, capture: true });
  }
}

// Armed while someone is signed in and the app is open and unlocked.
export function arm(on) {
  armed = on;
  clearTimeout(timer);
  timer = on ? setTimeout(fire, seconds * 1000) : null;
}

function activity() {
  if (!armed) return;
  arm(true);
  const now = Date.now();
  if (now - lastPing > PING_EVERY_MS) {
    lastPing = now;
    tellWorker("activity");
  }
}

async function fire() {
  armed = false;
  timer = null;
  await tellWorker("lock");
  whenIdle();
}
