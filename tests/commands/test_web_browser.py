"""The front-desk page in a real browser (Debian's Chromium via Playwright) on the real server.

`handouts serve --port 0` runs as a subprocess (waitress + render pool), exactly as
the front desk starts it; the browser picks Spanish aftercare, types a name,
previews, downloads, and the downloaded PDF is read back with pypdf.
Screenshots land in /tmp (handouts-web.png, handouts-web-200.png) for a person to look at.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from conftest import DEMO, ROOT, pdf_text
from handouts.pipeline.localize import Localizer

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is not installed (/usr/bin/chromium); "
                "`make test` installs it via scripts/sysdeps.sh", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
expect = sync_api.expect

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
NAME = "Ana López-Quiñones"
SHOTS = Path("/tmp")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The real server on a free port; yields its address, then checks what it logged."""
    log_path = tmp_path_factory.mktemp("serve") / "stderr.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "handouts", "serve", "--clinic", str(DEMO), "--port", "0"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=log, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        address = _wait_for_address(proc)
        try:
            yield address
        finally:
            proc.send_signal(signal.SIGTERM)
            out, _ = proc.communicate(timeout=20)
    logged = log_path.read_text()
    assert proc.returncode == 0, logged
    assert "Stopping." in out
    assert "POST /handout 200" in logged  # the access log: method, path, status ...
    assert "Ana" not in logged and "Vega" not in logged  # ... and never patient details


def _wait_for_address(proc, seconds: float = 90) -> str:
    found: list[str] = []

    def read():
        for line in proc.stdout:
            match = re.search(r"at (http://127\.0\.0\.1:\d+/)", line)
            if match:
                found.append(match.group(1))
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(seconds)
    if not found:
        proc.kill()
        pytest.fail(f"handouts serve printed no address within {seconds} s")
    return found[0]


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.requested = []
    page.on("request", lambda r: page.requested.append(r.url))
    page.goto(server)
    yield page
    # Offline: nothing but this server (the browser's own PDF viewer aside).
    web = [u for u in page.requested if u.startswith(("http:", "https:", "ws:", "wss:"))]
    assert web and all(u.startswith(server) for u in web), web
    context.close()


def spanish_title(inputs) -> str:
    loc = Localizer(inputs.catalogs["es"], inputs.clinic.values("iv"))
    return str(loc.stage(inputs.content.stages["aftercare"])[0])


def test_spanish_aftercare_preview_then_download(page, demo_inputs):
    page.get_by_role("radio", name=re.compile("Español")).check()
    page.get_by_role("radio", name=re.compile("^Aftercare")).check()
    page.get_by_label("Patient name").fill(NAME)
    page.get_by_label("Provider").fill("Dr. Vega")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#status")).to_have_text("Preview ready.")
    assert page.frame(name="preview").url.endswith("/handout")
    page.wait_for_timeout(500)  # let the PDF viewer paint, for the screenshot
    page.screenshot(path=str(SHOTS / "handouts-web.png"))

    with page.expect_download() as info:
        page.get_by_role("button", name="Download").click()
    download = info.value
    assert download.suggested_filename == "aftercare-es.pdf"
    text = pdf_text(Path(download.path()).read_bytes())
    assert NAME in text and "Dr. Vega" in text
    assert spanish_title(demo_inputs) in text

    # Before the next patient: the name and the preview showing it are gone.
    page.get_by_role("button", name="Clear for next patient").click()
    expect(page.get_by_label("Patient name")).to_have_value("")
    assert page.frame(name="preview").url == "about:blank"


def test_keyboard_alone(page):
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "lang-filter"
    page.keyboard.type("spani")
    offered = page.locator("#languages .choice").count()
    expect(page.locator("#lang-count")).to_have_text(f"1 of {offered} languages shown.")
    assert page.is_visible('label[for="lang-en"]')  # still chosen, so still in view
    page.keyboard.press("Enter")  # picks the first match, does not send the form
    assert page.evaluate("document.activeElement.id") == "lang-es"
    assert page.is_checked("#lang-es")
    page.keyboard.press("Tab")  # into the stage group, on its checked radio
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.is_checked("#stage-aftercare")
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Preview":
            break
    with page.expect_response(re.compile(r"/handout$")) as info:
        page.keyboard.press("Enter")
    assert info.value.headers["content-disposition"] == 'inline; filename="aftercare-es.pdf"'
    expect(page.locator("#status")).to_have_text("Preview ready.")


def test_a_problem_is_shown_next_to_the_buttons(page):
    page.get_by_label("Appointment date").fill("2026-12-01")
    page.get_by_role("button", name="Preview").click()
    problem = page.get_by_role("alert")
    expect(problem).to_have_text("Give both the appointment date and the time, or neither.")
    assert page.evaluate("document.activeElement.id") == "problem"


def test_print_opens_the_pdf_and_asks_the_browser_to_print(page):
    # Count the page's call to print() on the preview frame instead of letting headless
    # Chromium open its print path (a person presses the button; here we check the call).
    page.evaluate("""() => {
        window.__printed = 0;
        const real = Object.getOwnPropertyDescriptor(HTMLIFrameElement.prototype,
                                                     "contentWindow").get;
        Object.defineProperty(HTMLIFrameElement.prototype, "contentWindow", {get() {
            const w = real.call(this);
            return {focus: () => w.focus(), print: () => { window.__printed += 1; }};
        }});
    }""")
    page.get_by_role("radio", name=re.compile("^Treatment day")).check()
    page.get_by_role("button", name="Print").click()
    expect(page.locator("#status")).to_have_text("Opening the print dialog…")
    assert page.frame(name="preview").url.endswith("/handout")
    assert page.evaluate("window.__printed") == 1


def test_readable_at_200_percent_zoom(browser, server):
    # 200 % zoom of a 1280 x 900 window: a 640 x 450 CSS-pixel viewport at 2 device pixels each.
    context = browser.new_context(viewport={"width": 640, "height": 450}, device_scale_factor=2)
    page = context.new_page()
    page.goto(server)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(SHOTS / "handouts-web-200.png"))
    page.screenshot(path=str(SHOTS / "handouts-web-200-full.png"), full_page=True)
    for name in ("Preview", "Download", "Print"):
        button = page.get_by_role("button", name=name)
        button.scroll_into_view_if_needed()
        box = button.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 640
    context.close()
