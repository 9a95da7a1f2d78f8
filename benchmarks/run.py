"""`make bench`: every speed target of issue 8, measured side by side in one run.

Absolute times drift on a shared 2-core machine, so each row compares two
things measured in the same run, alternating, and reports medians and ratios.
Writes benchmarks/RESULTS.md.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from load import tree_rss  # benchmarks/load.py, beside this script

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "clinics" / "demo"
BIN = Path(sys.executable).parent
ROWS: list[tuple[str, str, str, str]] = []


def row(measure: str, value: str, target: str, ok: bool | None) -> None:
    verdict = "n/a" if ok is None else ("yes" if ok else "NO")
    ROWS.append((measure, value, target, verdict))
    print(f"{measure:<62} {value:<34} {target:<14} {verdict}", flush=True)


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def alternate(a, b, n: int) -> tuple[list[float], list[float]]:
    ta, tb = [], []
    for _ in range(n):
        ta.append(timed(a))
        tb.append(timed(b))
    return ta, tb


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(round(0.95 * len(values))) - 1)]


def peak_memory(cmd: list[str]) -> tuple[float, int]:
    """Wall time and peak summed RSS of a whole process tree."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss(proc.pid))
        time.sleep(0.01)
    return time.perf_counter() - started, peak


def main() -> int:
    import weasyprint

    from handouts.commands.build import Options, plan
    from handouts.inputs.patient import make_patient
    from handouts.pipeline.cache import PdfCache, cache_key
    from handouts.pipeline.make import load_inputs, make
    from handouts.pipeline.render import _weasy

    inputs = load_inputs(DEMO)
    (h,) = plan(inputs, Options(clinic_dir=DEMO, stages=("aftercare",), langs=("en",)))
    html = make(inputs, h, fmt="html").data.decode()
    base = (ROOT / "templates").as_uri() + "/"
    _weasy()  # warm: imports and the shared FontConfiguration
    # Bare WeasyPrint gets its own long-lived FontConfiguration too, as any caller can:
    # a new one per render would reload every font and @font-face and flatter us.
    from weasyprint.text.fonts import FontConfiguration

    bare_fonts = FontConfiguration()

    def bare():
        weasyprint.HTML(string=html, base_url=base).write_pdf(pdf_variant="pdf/ua-1",
                                                              font_config=bare_fonts)

    def ours():
        make(inputs, h)

    ours(), bare()
    t_ours, t_bare = alternate(ours, bare, 15)
    m_ours, m_bare = statistics.median(t_ours), statistics.median(t_bare)
    row("warm render (en aftercare) / bare WeasyPrint, same HTML",
        f"{m_ours*1000:.0f} / {m_bare*1000:.0f} ms = {m_ours/m_bare:.3f}", "<= 1.03",
        m_ours / m_bare <= 1.03)

    # Per-script render times and PDF sizes.
    sizes = {}
    for tag in inputs.clinic.languages:
        (hl,) = plan(inputs, Options(clinic_dir=DEMO, stages=("aftercare",), langs=(tag,)))
        times = [timed(lambda hl=hl: make(inputs, hl)) for _ in range(3)]
        data = make(inputs, hl).data
        sizes[tag] = (statistics.median(times), len(data))
    for tag, (t, size) in sizes.items():
        cjk = tag in ("zh-Hans", "ko")
        limit = 600 if cjk else 100
        row(f"render + PDF size, aftercare {tag}", f"{t*1000:.0f} ms, {size/1024:.0f} KB",
            f"<= {limit} KB", size / 1024 <= limit)

    # The web page's answer to a personalised request (Flask app, warm pool of 1 worker).
    from handouts.commands.web.app import create_app
    from handouts.pipeline.pool import RenderPool

    with RenderPool(DEMO, workers=1) as pool:
        app = create_app(DEMO, {"RENDER_POOL": pool, "TESTING": True})
        client = app.test_client()
        page = client.get("/").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        form = {"csrf_token": token, "lang": "en", "stage": "aftercare", "route": "iv",
                "name": "Ana Example", "date": "2026-12-01",
                "time": "09:30", "provider": "Dr. Rivera", "action": "preview"}
        patient = make_patient("Ana Example", "2026-12-01T09:30", "Dr. Rivera")
        (hp,) = plan(inputs, Options(clinic_dir=DEMO, stages=("aftercare",), langs=("en",),
                                     output="x.pdf", patient=patient))
        html_p = make(inputs, hp, fmt="html").data.decode()

        def web():
            r = client.post("/handout", data=form)
            assert r.status_code == 200 and r.mimetype == "application/pdf", r.status_code

        def bare_p():
            weasyprint.HTML(string=html_p, base_url=base).write_pdf(pdf_variant="pdf/ua-1",
                                                                    font_config=bare_fonts)

        web(), bare_p()
        t_web, t_bare_p = alternate(web, bare_p, 50)
    w95, b95 = p95(t_web), p95(t_bare_p)
    row("page's answer, personalised / bare WeasyPrint (p95 of 50)",
        f"{w95*1000:.0f} / {b95*1000:.0f} ms = {w95/b95:.3f}", "<= 1.10", w95 / b95 <= 1.10)
    row("page's answer, personalised, median", f"{statistics.median(t_web)*1000:.0f} ms",
        "", None)

    # Headless Chromium printing the same HTML, whole process, vs the page's answer.
    chromium = shutil.which("chromium")
    if chromium:
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp) / "h.html"
            src.write_text(html_p.replace(f'href="{base}', 'href="'), encoding="utf-8")
            runs = []
            for i in range(5):
                runs.append(peak_memory([
                    chromium, "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--disable-quic",
                    f"--user-data-dir={tmp}/profile{i}", "--no-pdf-header-footer",
                    f"--print-to-pdf={tmp}/c.pdf", src.as_uri()]))
        c_time = statistics.median(t for t, _ in runs)
        c_mem = max(m for _, m in runs)
        w_med = statistics.median(t_web)
        row("page's answer / headless Chromium, whole process (median)",
            f"{w_med*1000:.0f} / {c_time*1000:.0f} ms = {w_med/c_time:.2f}", "<= 0.5",
            w_med / c_time <= 0.5)
        worker_mem = peak_worker_memory()
        row("render worker peak memory / Chromium peak memory",
            f"{worker_mem/2**20:.0f} / {c_mem/2**20:.0f} MB = {worker_mem/c_mem:.2f}",
            "<= 0.2", worker_mem / c_mem <= 0.2)
    else:
        row("page's answer / headless Chromium", "chromium not installed", "<= 0.5", None)
        worker_mem = peak_worker_memory()
    row("peak memory of one render worker", f"{worker_mem/2**20:.0f} MB", "<= 250 MB",
        worker_mem / 2**20 <= 250)

    # Cache hit vs render.
    with tempfile.TemporaryDirectory() as tmp:
        cache = PdfCache(Path(tmp))
        rendered = make(inputs, h)

        def hit():
            from handouts.pipeline.make import compose
            html_h = compose(inputs, h).html
            assert cache.get(cache_key(html_h)) is not None

        cache.put(cache_key(html), rendered)
        t_hit, t_render = alternate(hit, ours, 10)
    ratio = statistics.median(t_hit) / statistics.median(t_render)
    row("repeated non-personalised handout: cache hit / render",
        f"{statistics.median(t_hit)*1000:.1f} / {statistics.median(t_render)*1000:.0f} ms "
        f"= {ratio:.3f}", "<= 0.02", ratio <= 0.02)

    # The full demo matrix: --jobs 2 against --jobs 1, from the command line, cold cache.
    matrix = {}
    for jobs in (1, 2):
        with tempfile.TemporaryDirectory() as tmp:
            matrix[jobs] = timed(lambda jobs=jobs, tmp=tmp: subprocess.run(
                [str(BIN / "handouts"), "build", "--clinic", str(DEMO), "--out", tmp,
                 "--jobs", str(jobs)], check=True, capture_output=True))
            if jobs == 2:  # the median of 3, each a whole command
                again = statistics.median(timed(lambda tmp=tmp: subprocess.run(
                    [str(BIN / "handouts"), "build", "--clinic", str(DEMO), "--out", tmp],
                    check=True, capture_output=True)) for _ in range(3))
    n = len(inputs.clinic.languages) * 3
    row(f"full demo matrix ({n} PDFs): --jobs 2 / --jobs 1",
        f"{matrix[2]:.1f} / {matrix[1]:.1f} s = {matrix[2]/matrix[1]:.2f}", "<= 0.55",
        matrix[2] / matrix[1] <= 0.55)
    row("rebuild of the full matrix, nothing changed (whole command)", f"{again:.2f} s",
        "< 1 s", again < 1)

    day_lists(inputs)

    # Commands that render nothing never import WeasyPrint.
    for argv in (["check"], ["i18n", "status"]):
        probe = ("import sys, time; t=time.perf_counter(); from handouts.cli import main; "
                 f"code=main({argv!r}); print('WEASY', 'weasyprint' in sys.modules, "
                 "time.perf_counter()-t)")
        times, imported = [], False
        for _ in range(3):
            t = timed(lambda probe=probe: out.append(subprocess.run(
                [sys.executable, "-c", probe], capture_output=True, text=True,
                cwd=ROOT).stdout))
            times.append(t)
        imported = "WEASY True" in out[-1]
        med = statistics.median(times)
        row(f"`handouts {' '.join(argv)}` (whole process)",
            f"{med:.2f} s, imports weasyprint: {imported}", "< 0.5 s, no",
            med < 0.5 and not imported)
    page_under_load()
    write_results()
    return 0


def page_under_load() -> None:
    """`handouts serve` on loopback: 300 personalised requests 4 at a time (2 workers),
    then 90 at once, then SIGTERM; what its temp folder holds after those 390 renders."""
    from load import Server, burst, steady

    server = Server()
    try:
        start_rss = server.tree_rss()
        s = steady(server, requests=300, clients=4)
        b = burst(server, requests=90)
    finally:
        code, left = server.stop()
    served = s["codes"].get(200, 0)
    row("page under load: 300 personalised requests, 4 at a time, 2 workers",
        f"p50 {s['p50']*1000:.0f} / p95 {s['p95']*1000:.0f} ms, {served} x 200",
        "p95 < 5 s, all 200", s["p95"] < 5 and served == 300)
    row("page's memory (server + workers): warm / peak / after 300",
        f"{start_rss/2**20:.0f} / {s['peak_rss']/2**20:.0f} / {s['end_rss']/2**20:.0f} MB",
        "after <= 1.2 x warm", s["end_rss"] <= 1.2 * start_rss)
    busy = b["busy"]
    row("90 requests at once: when the 503s came (Retry-After)",
        f"{busy[0]:.2f}-{busy[-1]:.2f} s, {len(busy)} of 90 ({', '.join(b['retry_after'])})"
        if busy else f"none of 90 ({len(b['ok'])} x 200)",
        "4-6 s", bool(busy) and 4 <= busy[0] and busy[-1] <= 6 and not b["other"])
    row("left in the server's TMPDIR after 390 renders and SIGTERM",
        f"{len(left)} files (exit {code})", "0", not left and code == 0)


out: list[str] = []

# The README's example list: five patients, nine handouts, five languages and routes.
EXAMPLE_ROWS = (DEMO / "day-list-example.csv").read_text(encoding="utf-8").splitlines()


def write_list(path: Path, rows: int) -> Path:
    """A day list of `rows` patients, the example's rows over and over."""
    body = [EXAMPLE_ROWS[1 + i % (len(EXAMPLE_ROWS) - 1)] for i in range(rows)]
    path.write_text("\n".join([EXAMPLE_ROWS[0], *body]) + "\n", encoding="utf-8")
    return path


def day_lists(inputs) -> None:
    """Issue 16's targets: a list against separate commands, the cost of a handout in a
    list, a 100-row list on 2 cores, and the workers' memory over it."""
    from handouts.inputs.daylist import read_day_list
    from handouts.pipeline.make import make
    from handouts.pipeline.packet import day_pdf, handouts_of, make_day

    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    ten = "language,stages,name,appointment,provider\n" + "".join(
        f"en,aftercare,Patient {i},{tomorrow} 09:{i:02d},Dr. Rivera\n" for i in range(10))
    with tempfile.TemporaryDirectory() as tmp:
        lst = Path(tmp) / "ten.csv"
        lst.write_text(ten, encoding="utf-8")
        handouts = str(BIN / "handouts")

        def as_list():
            subprocess.run([handouts, "build", "--list", str(lst), "--output",
                            f"{tmp}/day.pdf", "--jobs", "2"], check=True, capture_output=True)

        def separately():
            for i in range(10):
                subprocess.run([handouts, "build", "--stage", "aftercare", "--lang", "en",
                                "--patient-name", f"Patient {i}", "--appointment",
                                f"{tomorrow}T09:{i:02d}", "--provider", "Dr. Rivera",
                                "--output", f"{tmp}/{i}.pdf"], check=True, capture_output=True)

        t_list, t_apart = alternate(as_list, separately, 3)
    m_list, m_apart = statistics.median(t_list), statistics.median(t_apart)
    row("list of 10 personalised handouts (--jobs 2) / 10 `build --output` commands",
        f"{m_list:.1f} / {m_apart:.1f} s = {m_list/m_apart:.2f}", "<= 0.3",
        m_list / m_apart <= 0.3)

    visits = list(read_day_list(ten.encode(), "ten.csv", inputs.clinic).visits)
    single = handouts_of(visits[0])[0]

    def in_list():
        day_pdf(inputs, make_day(inputs, visits, lambda v: ""))

    def alone():
        make(inputs, single)

    in_list(), alone()
    t_in, t_alone = alternate(in_list, alone, 5)
    each = statistics.median(t_in) / len(visits)
    row("cost per handout in a 10-row list (compose, render, assemble) / a warm render",
        f"{each*1000:.0f} / {statistics.median(t_alone)*1000:.0f} ms = "
        f"{each/statistics.median(t_alone):.2f}", "<= 1.1",
        each / statistics.median(t_alone) <= 1.1)
    hundred_rows()


def hundred_rows() -> None:
    """A 100-row list, whole command, --jobs 2 against --jobs 1; workers' memory over it."""
    with tempfile.TemporaryDirectory() as tmp:
        lst = write_list(Path(tmp) / "hundred.csv", 100)
        took = {}
        for jobs in (1, 2):
            took[jobs] = timed(lambda jobs=jobs: subprocess.run(
                [str(BIN / "handouts"), "build", "--list", str(lst), "--output",
                 f"{tmp}/day.pdf", "--jobs", str(jobs)], check=True, capture_output=True))
        handouts = sum(len(r.split(",")[3].split()) for r in lst.read_text().splitlines()[1:])
        first, last = list_worker_memory(lst, Path(tmp) / "mem.pdf")
    row(f"100-row list ({handouts} handouts), whole command: --jobs 2 / --jobs 1",
        f"{took[2]:.1f} / {took[1]:.1f} s = {took[2]/took[1]:.2f}", "<= 0.6",
        took[2] / took[1] <= 0.6)
    growth = last / first - 1
    # The list renders heaviest first (CJK, Korean), so the first rows peak highest; what
    # would show a leak is growth, so the target is no more than 10 % above the first.
    row("render workers' peak memory over it, last 10 rows / first 10",
        f"{last/2**20:.0f} / {first/2**20:.0f} MB = {1 + growth:.2f}", "<= 1.10 (no growth)",
        growth <= 0.10)


def list_worker_memory(lst: Path, output: Path) -> tuple[int, int]:
    """The two workers' summed resident memory, peak while the first 10 rows' worth of
    handouts finished and while the last 10 rows' worth did (a 100-row list, --jobs 2)."""
    from handouts.commands.build import Options, build

    samples: list[int] = []

    def count(done: int, total: int) -> None:
        samples.append(sum(worker_rss(pid) for pid in child_pids()))

    build(Options(clinic_dir=DEMO, day_list=lst, output=output, jobs=2), count=count)
    tenth = max(1, len(samples) // 10)  # 10 rows of 100
    return max(samples[:tenth]), max(samples[-tenth:])


def child_pids() -> list[int]:
    pid = os.getpid()
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            found += [int(c) for c in f.read().split()]
    return found


def worker_rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) * 1024
    except (OSError, StopIteration):
        return 0


def peak_worker_memory() -> int:
    """Peak RSS (VmHWM) of a web page's render worker: warmed up on every script the demo
    clinic uses, then rendering every stage in English, Chinese, Korean and Arabic."""
    from handouts.commands.build import Options, plan
    from handouts.pipeline.make import load_inputs
    from handouts.pipeline.pool import RenderPool

    inputs = load_inputs(DEMO)
    langs = tuple(t for t in inputs.clinic.languages if t in ("en", "zh-Hans", "ko", "ar"))
    with RenderPool(DEMO, workers=1) as pool:
        for h in plan(inputs, Options(clinic_dir=DEMO, langs=langs)):
            pool.render(h)
        (pid,) = pool.pids
        with open(f"/proc/{pid}/status") as f:
            peak_kb = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    return peak_kb * 1024


def write_results() -> None:
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    lines = [
        "# Benchmark results",
        "",
        f"Run on {dt.date.today().isoformat()} with `make bench` ({machine}); medians of "
        "alternating runs unless noted. Each ratio compares two things measured in this run.",
        "",
        "| measure | value | target | met |",
        "|---|---|---|---|",
        *[f"| {m} | {v} | {t} | {ok} |" for m, v, t, ok in ROWS],
        "",
    ]
    (ROOT / "benchmarks" / "RESULTS.md").write_text("\n".join(lines), encoding="utf-8")
    print("Wrote benchmarks/RESULTS.md")


if __name__ == "__main__":
    threading.current_thread().name = "bench"
    sys.exit(main())
