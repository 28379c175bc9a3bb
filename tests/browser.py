"""Driving Debian's Chromium with the playwright package (never a downloaded browser)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("CLAIMGRAPH_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Recorded before any page script runs: Content-Security-Policy violations (blocked requests never reach
# the request log, so they are counted here too).
RECORD_CSP = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation',
    e => window.__cspViolations.push(e.blockedURI + ' ' + e.violatedDirective));
"""


def launch_or_skip():
    """A started playwright and browser, or a skip (a failure when CLAIMGRAPH_REQUIRE_BROWSER=1)."""
    required = os.environ.get("CLAIMGRAPH_REQUIRE_BROWSER") == "1"
    reason = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = "the playwright Python package is not installed (pip install -e '.[test]')"
    if reason is None and not CHROMIUM.exists():
        reason = f"no Chromium at {CHROMIUM} (on Debian: apt-get install chromium)"
    if reason:
        if required:
            pytest.fail(f"CLAIMGRAPH_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    manager = sync_playwright().start()
    try:
        browser = manager.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
    except Exception as err:
        manager.stop()
        if required:
            raise
        pytest.skip(f"Chromium at {CHROMIUM} did not start: {err}")
    return manager, browser


@dataclass
class OpenPage:
    page: Any
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def js(self, expression: str, arg: Any = None) -> Any:
        return self.page.evaluate(expression, arg)

    def csp_violations(self) -> list[str]:
        return self.js("window.__cspViolations")


def open_page(browser, path: Path, width: int = 1600, height: int = 1000, timeout_ms: int = 120_000) -> OpenPage:
    """Open a page from file://, recording every request, dialog and script error, and wait for its first draw."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    opened = OpenPage(page)
    context.on("request", lambda request: opened.requests.append(request.url))
    page.on("dialog", lambda dialog: (opened.dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: opened.errors.append(str(error)))
    page.add_init_script(RECORD_CSP)
    page.goto(Path(path).resolve().as_uri())
    page.wait_for_function("window.claimgraph && window.claimgraph.timing.firstDraw !== null", timeout=timeout_ms)
    return opened


def click_node(opened: OpenPage, node_id: str) -> None:
    """Zoom onto a node and click its centre with the mouse, as a user would."""
    opened.js("id => window.claimgraph.network.focus(id, {scale: 2.5, animation: false})", node_id)
    x, y = node_point(opened, node_id)
    opened.page.mouse.click(x, y)


def node_point(opened: OpenPage, node_id: str) -> tuple[float, float]:
    """Where a node's centre is on the page, in CSS pixels."""
    x, y = opened.js(
        """id => {
            const net = window.claimgraph.network;
            const p = net.canvasToDOM(net.getPosition(id));
            const r = document.getElementById('network').getBoundingClientRect();
            return [r.left + p.x, r.top + p.y];
        }""",
        node_id,
    )
    return x, y
