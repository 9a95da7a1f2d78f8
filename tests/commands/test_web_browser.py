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
import socket
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
        proc, address = _start(log=log)
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
    assert "王小明" not in logged and "tomorrow.csv" not in logged


def _start(port: int = 0, log=subprocess.DEVNULL, env=None):
    """`handouts serve` as the front desk starts it; its process and its address."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "handouts", "serve", "--clinic", str(DEMO), "--port", str(port)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=log, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})})
    return proc, _wait_for_address(proc)


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
    page.get_by_role("checkbox", name=re.compile("^Infusion day")).uncheck()
    expect(page.get_by_role("checkbox", name=re.compile("^Aftercare"))).to_be_checked()
    page.get_by_label("Patient name").fill(NAME)
    page.get_by_label("Provider").fill("Dr. Vega")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#status")).to_have_text("Preview ready.")
    assert page.frame(name="preview").url.startswith("blob:")  # the PDF, from memory
    page.wait_for_timeout(500)  # let the PDF viewer paint, for the screenshot
    page.screenshot(path=str(SHOTS / "handouts-web.png"))

    with page.expect_download() as info:
        page.get_by_role("button", name="Download", exact=True).click()
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
    page.keyboard.press("Tab")  # the stages: consultation, infusion day, aftercare
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "stage-infusion-day"
    page.keyboard.press("Space")  # untick: aftercare alone
    assert not page.is_checked("#stage-infusion-day") and page.is_checked("#stage-aftercare")
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
    page.get_by_role("button", name="Print").click()
    expect(page.locator("#status")).to_have_text("Opening the print dialog…")
    assert page.frame(name="preview").url.startswith("blob:")
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
        button = page.get_by_role("button", name=name, exact=True)
        button.scroll_into_view_if_needed()
        box = button.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 640
    context.close()


# --- the page tells the truth and forgets on purpose -------------------------------------

def test_server_stopped_then_restarted(browser):
    """Stopped: each button says so in plain words and what was typed stays. Restarted (a
    new secret, so the page's token is stale): the page renews the token and goes on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc, address = _start(port)
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.goto(address)
    page.get_by_label("Patient name").fill(NAME)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=30)
    for button in ("Preview", "Download", "Print"):
        page.get_by_role("button", name=button, exact=True).click()
        expect(page.get_by_role("alert")).to_contain_text(
            "The handouts server cannot be reached")
        expect(page.locator("#status")).to_have_text("")
        expect(page.get_by_label("Patient name")).to_have_value(NAME)
    proc, _ = _start(port)
    try:
        page.get_by_role("button", name="Preview").click()
        expect(page.locator("#status")).to_have_text("Preview ready.", timeout=30000)
        expect(page.get_by_label("Patient name")).to_have_value(NAME)
        assert page.frame(name="preview").url.startswith("blob:")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
        context.close()


def test_clear_returns_to_the_clinics_defaults(page):
    page.get_by_role("radio", name=re.compile("Español")).check()
    page.get_by_role("checkbox", name=re.compile("^Consultation")).check()
    page.get_by_role("radio", name=re.compile("^Esketamine")).check()
    page.get_by_label("Second language").select_option("en")
    page.locator("#lang-filter").fill("esp")
    page.get_by_role("button", name="Clear for next patient").click()
    assert page.is_checked("#lang-en") and not page.is_checked("#lang-es")
    assert page.is_checked("#stage-infusion-day") and page.is_checked("#stage-aftercare")
    assert not page.is_checked("#stage-consultation") and page.is_checked("#route-iv")
    assert page.get_by_label("Second language").input_value() == ""
    assert page.locator("#lang-filter").input_value() == ""
    assert page.locator("#languages .choice:not([hidden])").count() == 11


def test_an_unlikely_date_is_confirmed_first(page):
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_label("Appointment date").fill("2020-03-02")
    page.get_by_label("Appointment time").fill("09:30")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#status")).to_have_text("Preview ready.")
    assert asked == ["Check the date: the appointment is in the past (2020-03-02). Press OK "
                     "to print it as it is, or Cancel to correct it."]


def test_the_filter_finds_tagalog_by_either_name(page):
    for typed in ("tagalog", "filipino"):
        page.locator("#lang-filter").fill(typed)
        expect(page.locator("#lang-count")).to_have_text("1 of 11 languages shown.")
        assert page.is_visible('label[for="lang-tl"]')
    expect(page.locator('label[for="lang-tl"] .native')).to_have_text("Tagalog")


def test_focus_rings_are_the_pages_own(page):
    for selector in ("#date", "#time", "#second", "#name", "#day-list"):
        page.focus(selector)
        ring = page.eval_on_selector(selector, "e => { const s = getComputedStyle(e); "
                                     "return [s.outlineStyle, s.outlineWidth, s.outlineColor]; }")
        assert ring == ["solid", "3px", "rgb(163, 96, 15)"], (selector, ring)
    page.keyboard.press("Shift+Tab")  # a button, reached from the keyboard
    page.focus("#clear")
    page.keyboard.press("Tab")
    page.keyboard.press("Shift+Tab")
    assert page.eval_on_selector("#clear", "e => getComputedStyle(e).outlineColor") == \
        "rgb(163, 96, 15)"


def test_a_phone_shows_every_language_and_scrolls_to_the_preview(browser, server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(server)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    box = page.locator("#languages .langs").bounding_box()
    for label in page.locator("#languages .langs label").all():
        item = label.bounding_box()  # inside the list's box: nothing cut off
        assert item["y"] >= box["y"] - 1 and item["y"] + item["height"] <= \
            box["y"] + box["height"] + 1, label.text_content()
    page.screenshot(path=str(SHOTS / "handouts-web-phone.png"))
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#status")).to_have_text("Preview ready.")
    page.wait_for_timeout(300)
    top = page.evaluate("document.getElementById('preview').getBoundingClientRect().top")
    assert 0 <= top < 844 / 2, top  # the preview is in view, not 985 px down
    page.screenshot(path=str(SHOTS / "handouts-web-phone-preview.png"))
    context.close()


DAY = ("\ufeffLanguage;Stages;Name;Appointment\n"
       "es;infusion-day aftercare;Ana María;2026-12-02 07:30\n"
       "zh-Hans;aftercare;王小明;2026-12-02 09:00\n")


def test_a_day_list_uploaded_and_read_back(page, tmp_path):
    days = tmp_path / "tomorrow.csv"
    days.write_text(DAY, encoding="utf-8")
    page.get_by_label("Day list (CSV or Excel)").set_input_files(str(days))
    with page.expect_download() as info:
        page.get_by_role("button", name="Download day list").click()
    download = info.value
    assert download.suggested_filename == "day-list.pdf"
    data = Path(download.path()).read_bytes()
    text = pdf_text(data)
    assert "Ana María" in text and "王小明" in text
    import io

    import pikepdf
    with pikepdf.open(io.BytesIO(data)) as pdf, pdf.open_outline() as outline:
        assert [i.title for i in outline.root] == [
            "Row 2: Spanish – Infusion day, Aftercare", "Row 3: Chinese (Simplified) – Aftercare"]
    expect(page.locator("#list-status")).to_have_text(
        "Downloaded the day list: see your browser's downloads.")


def test_a_day_lists_mistakes_on_the_page(page, tmp_path):
    days = tmp_path / "tomorrow.csv"
    days.write_text("language;stages;nmae\nxx;aftercare;A\n", encoding="utf-8")
    page.get_by_label("Day list (CSV or Excel)").set_input_files(str(days))
    page.get_by_role("button", name="Download day list").click()
    problem = page.locator("#list-problem")
    expect(problem).to_contain_text("The list has 2 mistakes, so nothing was made.")
    expect(problem.locator("li")).to_have_text([
        "tomorrow.csv:1: nmae: unknown column; did you mean 'name'? (the columns are "
        "'language', 'stages', 'name', 'route', 'appointment', 'provider', 'large_print', "
        "'second_language')",
        "tomorrow.csv:2: language: 'xx' is not one of 'en', 'es', 'zh-Hans', 'vi', 'ko', "
        "'tl', 'ru', 'ar', 'ht', 'fr', 'pt-BR'"])
    page.screenshot(path=str(SHOTS / "handouts-web-list-problem.png"), full_page=True)


def test_axe_finds_no_violations_on_the_page_and_its_problem_page(page, server):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()
    page.get_by_label("Appointment date").fill("2026-12-01")
    page.get_by_role("button", name="Preview").click()  # a problem, shown on the page
    expect(page.get_by_role("alert")).to_be_visible()
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()
    page.goto(server + "no-such-page")  # the problem page itself
    expect(page.locator("#problem")).to_have_text("There is no such page here.")
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()
