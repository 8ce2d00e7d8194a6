"""The app at /app/ on a slow phone (issue 13): bytes of the first load, time to interactive,
and the offline card, in Debian Chromium driven by Playwright against ``ansinh serve`` in the
production profile (``harness.ProductionStack``: gunicorn, whitenoise's compressed static
files, the demo data, a card signing key).

Two ways in, each measured: **as a phone meets it**, over HTTPS through a reverse proxy
speaking HTTP/2 (``tlsproxy.py``: Debian nginx, as docs/operations.md deploys it), which is
what the goals are judged on; and, for comparison, straight from gunicorn over plain
HTTP/1.1, where the browser opens six connections and queues every further request behind
them, one round trip after another.

Conditions, applied through the Chrome DevTools Protocol to the page **and** to its service
worker (both targets: the worker's own fetches fill the shell cache on the first load):

* ``Network.emulateNetworkConditions``: by default Chrome DevTools' **Slow 4G** preset (the
  issue's "slow 4G"; Lighthouse's mobile throttling as DevTools applies it, per request):
  ``--down-kbps`` 1440 kbit/s down, ``--up-kbps`` 675 kbit/s up, ``--latency-ms`` 562.5 ms
  added to every request (a round trip; connection set-up on loopback costs nothing more);
* ``Emulation.setCPUThrottlingRate`` ``--cpu`` (4): the page's renderer 4× slower;
* a phone: 390×844 CSS px, device scale 2, touch, ``vi-VN``, Asia/Ho_Chi_Minh.

Figures, per repetition, each in a fresh browser context (empty HTTP cache, no worker):

* **first-load bytes**: the encoded (compressed, as on the wire, headers included) size of
  every response the page and its worker received from the server until the worker is
  installed and the network is quiet (goal ≤ 150 KB; 1 KB = 1,000 bytes), and the same
  until the time to interactive;
* **time to interactive**: from the navigation's start (``performance.timeOrigin``) to the
  moment the sign-in form's submit button is in the document and enabled (goal ≤ 1.5 s). The
  app draws it once its first modules ran, with the Vietnamese strings that come in the
  shell page, while its service worker installs; a sign-in sent before the worker controls
  the page waits for it (the worker holds the tokens), so the time the worker took control is
  reported too;
* **offline card**: signed in as the demo citizen 0123456789, the card shown once (online,
  same conditions), then the network off (``offline: true`` on both targets) and ``/app/``
  reloaded on ``#/the-bhyt``: from the navigation's start to the QR ``<img>`` decoded
  (``img.decode()`` resolved) (goal ≤ 300 ms).

Run: ``make bench-app`` (``.venv/bin/python bench/app.py``); writes ``bench/results/app.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tlsproxy
from harness import (
    DEFAULT_DATABASE,
    DEFAULT_REDIS_DB,
    RESULTS,
    BenchError,
    ProductionStack,
    Report,
    Spread,
    command_line,
    load_average,
    machine,
    markdown_table,
    run_main,
    step,
    stop_on_signals,
)
from playwright.sync_api import Browser, BrowserContext, CDPSession, Page, sync_playwright

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CITIZEN = ("0123456789", "An-Sinh-Demo-2026")  # the documented demo citizen (DESIGN §5)
GOAL_BYTES = 150_000
GOAL_TTI_MS = 1500
GOAL_OFFLINE_MS = 300
SUBMIT = "#signin button[type=submit]"

# Resolves with performance.now() when the sign-in button is there and enabled.
# Installed before any script of the page runs (an init script, which the page's CSP does not
# govern): records performance.now() at the first moment the sign-in button is there and
# enabled, so the figure does not depend on when Playwright gets to ask.
WATCH_INTERACTIVE = """(() => {
    const selector = %s;
    const ready = () => {
        const button = document.querySelector(selector);
        return button && !button.disabled;
    };
    new MutationObserver((_, observer) => {
        if (ready()) { observer.disconnect(); window.__benchInteractive = performance.now(); }
    }).observe(document, {subtree: true, childList: true, attributes: true});
})();"""
# Resolves with the moment WATCH_INTERACTIVE recorded, once it has.
INTERACTIVE = """() => new Promise((resolve) => {
    const poll = () => window.__benchInteractive !== undefined
        ? resolve(window.__benchInteractive) : setTimeout(poll, 20);
    poll();
})"""
# Bytes the page received (transferSize) in responses that ended by the given moment.
BYTES_UNTIL = """(until) => [
    performance.getEntriesByType("navigation")[0],
    ...performance.getEntriesByType("resource"),
].filter((e) => e.responseEnd <= until).reduce((sum, e) => sum + e.transferSize, 0)"""
# Resolves with performance.now() once the service worker controls the page.
CONTROLLED = """() => new Promise((resolve) => {
    if (navigator.serviceWorker.controller) return resolve(performance.now());
    navigator.serviceWorker.addEventListener("controllerchange", () => resolve(performance.now()));
})"""
# What the page fetched until now, from its navigation's start: (URL, start, end) in ms.
WATERFALL = """() => [
    performance.getEntriesByType("navigation")[0],
    ...performance.getEntriesByType("resource"),
    ...performance.getEntriesByType("mark"),
].map((e) => [e.name, e.startTime, e.entryType === "mark" ? e.startTime : e.responseEnd])"""
# Resolves with performance.now() once the card's QR image has decoded.
QR_DECODED = """() => new Promise((resolve) => {
    const attempt = () => {
        const img = document.querySelector('#qr img');
        if (!img) return false;
        img.decode().then(() => resolve(performance.now()), () => setTimeout(attempt, 5));
        return true;
    };
    if (attempt()) return;
    new MutationObserver((_, observer) => {
        if (attempt()) observer.disconnect();
    }).observe(document, {subtree: true, childList: true});
})"""


@dataclass
class Conditions:
    down_kbps: float
    up_kbps: float
    latency_ms: float
    cpu: float

    def network(self, *, offline: bool = False) -> dict[str, Any]:
        return {
            "offline": offline,
            "latency": self.latency_ms,
            "downloadThroughput": self.down_kbps * 1000 / 8,  # bytes per second
            "uploadThroughput": self.up_kbps * 1000 / 8,
        }


@dataclass
class Throttled:
    """A phone context whose page and service workers are throttled through CDP."""

    browser: Browser
    conditions: Conditions
    base_url: str
    context: BrowserContext = field(init=False)
    page: Page = field(init=False)
    sessions: list[CDPSession] = field(default_factory=list)
    received: list[tuple[float, int, str]] = field(default_factory=list)  # (time, bytes, url)
    offline: bool = False

    def __post_init__(self) -> None:
        self.context = self.browser.new_context(
            base_url=self.base_url,
            locale="vi-VN",
            timezone_id="Asia/Ho_Chi_Minh",
            viewport={"width": 390, "height": 844},
            is_mobile=True,
            has_touch=True,
            device_scale_factor=2,
            service_workers="allow",
        )
        self.context.set_default_timeout(60_000)
        self.context.add_init_script(WATCH_INTERACTIVE % json.dumps(SUBMIT))
        self.page = self.context.new_page()
        self._throttle(self.context.new_cdp_session(self.page), cpu=True)
        self.context.on("requestfinished", self._finished)

    def _throttle(self, session: CDPSession, *, cpu: bool) -> None:
        self.sessions.append(session)
        session.send("Network.enable")
        session.send("Network.emulateNetworkConditions", self.conditions.network())
        if cpu:
            session.send("Emulation.setCPUThrottlingRate", {"rate": self.conditions.cpu})

    def _finished(self, request: Any) -> None:
        try:
            sizes = request.sizes()
        except Exception:  # noqa: BLE001 - a request the browser dropped
            return
        response = request.response()
        if response is None or response.from_service_worker:
            return
        self.received.append(
            (
                time.monotonic(),
                sizes["responseBodySize"] + sizes["responseHeadersSize"],
                request.url,
            )
        )

    def set_offline(self, offline: bool) -> None:
        self.offline = offline
        self.context.set_offline(offline)
        for session in self.sessions[:1]:
            session.send(
                "Network.emulateNetworkConditions", self.conditions.network(offline=offline)
            )

    def close(self) -> None:
        self.context.close()


def wait_quiet(throttled: Throttled, *, quiet_s: float = 3.0, limit_s: float = 60) -> None:
    """Until no response has arrived for ``quiet_s`` seconds (the worker's install done)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        last = max((t for t, _, _ in throttled.received), default=0.0)
        if time.monotonic() - last >= quiet_s:
            return
        throttled.page.wait_for_timeout(250)


@dataclass
class Repetition:
    bytes_total: int
    bytes_at_interactive: int
    requests: int
    tti_ms: float
    offline_ms: float
    by_url: dict[str, int]
    waterfall: list[tuple[str, float, float]]  # (URL, start ms, end ms) until interactive
    controlled_ms: float  # when the service worker took control of the page


def one_repetition(browser: Browser, base_url: str, conditions: Conditions) -> Repetition:
    throttled = Throttled(browser, conditions, base_url)
    page = throttled.page
    try:
        page.goto("/app/", wait_until="commit")
        tti = float(page.evaluate(INTERACTIVE))
        waterfall = [(str(n), float(a), float(b)) for n, a, b in page.evaluate(WATERFALL)]
        controlled = float(page.evaluate(CONTROLLED))
        # The page's own account (Resource Timing's transferSize: bytes on the wire, headers
        # included) of what had arrived by then; the worker's fetches are not in it.
        at_interactive = int(page.evaluate(BYTES_UNTIL, tti))
        wait_quiet(throttled)
        received = list(throttled.received)
        by_url: dict[str, int] = {}
        for _, size, url in received:
            key = url.removeprefix(base_url)
            by_url[key] = by_url.get(key, 0) + size

        # Sign in, show the card once, then the network off and a fresh launch.
        page.locator("#signin").get_by_label("Mã số BHXH").fill(CITIZEN[0])
        page.locator("#signin").get_by_label("Mật khẩu").fill(CITIZEN[1])
        page.locator(SUBMIT).tap()
        page.locator("#tabs a[data-tab=card]").wait_for()
        page.locator("#tabs a[data-tab=card]").tap()
        page.evaluate(QR_DECODED)
        throttled.set_offline(True)
        page.reload(wait_until="commit")  # a new launch on #/the-bhyt
        offline = float(page.evaluate(QR_DECODED))
        source = page.locator("#card-freshness").get_attribute("data-source")
        if source != "device":
            raise RuntimeError(f"the offline card did not come from the device: {source!r}")
    finally:
        throttled.close()
    return Repetition(
        bytes_total=sum(size for _, size, _ in received),
        bytes_at_interactive=at_interactive,
        requests=len(received),
        tti_ms=tti,
        offline_ms=offline,
        by_url=by_url,
        waterfall=waterfall,
        controlled_ms=controlled,
    )


def spread_row(name: str, values: list[float], unit: str, goal: float, fmt: str) -> list[str]:
    s = Spread.of(values)
    met = "met" if s.high <= goal else ("median met" if s.median <= goal else "NOT met")
    return [name, *(format(v, fmt) + unit for v in (s.low, s.median, s.high)),
            format(goal, fmt) + unit, met]  # fmt: skip


# Chrome DevTools' "Slow 4G" preset (Lighthouse's mobile throttling, applied per request as
# DevTools does: 1.6 Mbit/s × 0.9 down, 750 kbit/s × 0.9 up, 150 ms × 3.75 round trip).
SLOW_4G = {"down_kbps": 1440.0, "up_kbps": 675.0, "latency_ms": 562.5}


def measure(
    browser: Browser, base_url: str, conditions: Conditions, repeat: int
) -> list[Repetition]:
    one_repetition(browser, base_url, conditions)  # warm-up, not counted
    runs = []
    for index in range(repeat):
        with step(f"{base_url}: repetition {index + 1} of {repeat}"):
            run = one_repetition(browser, base_url, conditions)
            print(f"  {run.bytes_total:,} B, TTI {run.tti_ms:.0f} ms, "
                  f"offline card {run.offline_ms:.0f} ms", flush=True)  # fmt: skip
            runs.append(run)
    return runs


def summary(runs: list[Repetition]) -> str:
    rows = [
        spread_row("first-load bytes (until the worker is installed)",
                   [r.bytes_total / 1000 for r in runs], " KB", GOAL_BYTES / 1000, ".1f"),
        spread_row("time to interactive (sign-in form drawn and enabled)",
                   [r.tti_ms for r in runs], " ms", GOAL_TTI_MS, ".0f"),
        spread_row("offline card (launch → QR decoded)",
                   [r.offline_ms for r in runs], " ms", GOAL_OFFLINE_MS, ".0f"),
    ]  # fmt: skip
    return (
        markdown_table(["figure", "min", "median", "max", "goal", ""], rows)
        + f"\n\nBytes received by the time of interactive: median "
        f"{Spread.of([r.bytes_at_interactive / 1000 for r in runs]).median:.1f} KB; "
        f"worker in control of the page: median "
        f"{Spread.of([r.controlled_ms for r in runs]).median:.0f} ms; "
        f"responses in a first load: {Spread.of([float(r.requests) for r in runs]).median:.0f}."
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--down-kbps", type=float, default=SLOW_4G["down_kbps"])
    parser.add_argument("--up-kbps", type=float, default=SLOW_4G["up_kbps"])
    parser.add_argument("--latency-ms", type=float, default=SLOW_4G["latency_ms"])
    parser.add_argument("--cpu", type=float, default=4)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--redis-db", type=int, default=DEFAULT_REDIS_DB)
    parser.add_argument("--output", type=Path, default=RESULTS / "app.md")
    parser.add_argument("--only-proxy", action="store_true", help="skip the direct figures")
    args = parser.parse_args()
    stop_on_signals()
    if not tlsproxy.available():
        raise BenchError("nginx is missing: apt-get install -y nginx-light (bench/README.md)")
    conditions = Conditions(args.down_kbps, args.up_kbps, args.latency_ms, args.cpu)
    environment = machine()
    started = time.monotonic()
    with ProductionStack(name="app", database=args.database, redis_db=args.redis_db) as stack:
        with step("migrate, collectstatic, ansinh demo, a card signing key"):
            stack.ansinh("collectstatic", "--no-input", "--verbosity", "0")
            stack.setup(synthetic=0)
            keys = stack.log_dir / "card-keys.json"
            stack.ansinh("card", "new-key-file", str(keys), "--kid", "bench-app")
            stack.env["CARD_KEYS_FILE"] = str(keys)
        stack.serve(threads=args.web_workers)
        versions = stack.versions()
        upstream = int(stack.base_url.rsplit(":", 1)[1])
        with tlsproxy.TlsProxy(upstream, stack.log_dir / "nginx") as proxy, sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=proxy.chromium_args()
            )
            chromium = browser.version
            proxied = measure(browser, proxy.base_url, conditions, args.repeat)
            direct = (
                [] if args.only_proxy else measure(browser, stack.base_url, conditions, args.repeat)
            )
            browser.close()
    report = Report("The app on a slow phone (issue 13)")
    report.add("", f"`{command_line()}` ({(time.monotonic() - started) / 60:.1f} minutes). "
                   f"Repeat with `make bench-app`; see the docstring of `bench/app.py`.")  # fmt: skip
    report.add(
        f"As a phone meets it: HTTPS through the reverse proxy, HTTP/2 (min / median / max "
        f"over {len(proxied)} repetitions)",
        summary(proxied),
    )
    if direct:
        report.add(
            f"For comparison: straight from gunicorn, plain HTTP/1.1 (six connections; min / "
            f"median / max over {len(direct)} repetitions)",
            summary(direct),
        )
    report.add(
        "Conditions",
        markdown_table(
            ["", ""],
            [
                ("network", "Chrome DevTools' Slow 4G preset unless changed on the command line"),
                ("download", f"{args.down_kbps:g} kbit/s ({args.down_kbps * 125:g} bytes/s)"),
                ("upload", f"{args.up_kbps:g} kbit/s"),
                ("latency added to each request", f"{args.latency_ms:g} ms"),
                ("CPU throttling", f"{args.cpu:g}×"),
                ("viewport", "390×844, device scale 2, touch, vi-VN"),
                ("server", f"`ansinh serve`, production profile, {args.web_workers} workers"),
                ("proxy", "Debian nginx, TLS 1.3, HTTP/2, proxy_pass to `ansinh serve`"),
                ("browser", f"Debian Chromium {chromium} (headless), Playwright"),
            ],
        ),
    )
    for title, runs in (("through the proxy", proxied), ("direct", direct)):
        if not runs:
            continue
        report.add(
            f"Until interactive, the page's requests ({title}, last repetition, ms from the "
            "navigation's start)",
            markdown_table(
                ["URL", "start", "end"],
                [
                    (u.split("/", 3)[-1], f"{a:.0f}", f"{b:.0f}")
                    for u, a, b in sorted(runs[-1].waterfall, key=lambda r: r[1])
                ],
            ),
        )
    last = proxied[-1].by_url
    report.add(
        "What a first load receives (through the proxy, last repetition, bytes on the wire)",
        markdown_table(["URL", "bytes"], sorted(last.items(), key=lambda kv: -kv[1])),
    )
    report.add(
        "Machine",
        markdown_table(
            ["", ""], [*environment, *versions, ("load average at the end", load_average())]
        ),
    )
    path = report.write(args.output)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    run_main("bench/app.py", main)
