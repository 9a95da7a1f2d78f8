"""Faults and bad luck, each made real: a full disk, a read-only mount, a FIFO or a device
node in the way, a damaged `.mo` and cache, `kill -9` and SIGTERM, a template that loops
or eats memory. The command answers with one line naming the file (exit 1), no traceback;
nothing is lost, half-written or left behind; no worker outlives its parent."""

from __future__ import annotations

import ast
import contextlib
import os
import re
import resource
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import DEMO, ROOT, copy_clinic, copy_project, pdf_reader, pdf_text
from handouts.domain import RENDER_MEMORY_LIMIT, RENDER_TIMEOUT

NAME = "Ana María Quiñones"


def handouts(*args, tmp: Path | None = None, **kw) -> subprocess.CompletedProcess:
    """The real command, in its own process (which owns its signals and limits)."""
    env = {**os.environ, **({"TMPDIR": str(tmp)} if tmp else {})}
    return subprocess.run([sys.executable, "-m", "handouts", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, env=env, **kw)


def start(*args, tmp: Path | None = None, **kw) -> subprocess.Popen:
    env = {**os.environ, **({"TMPDIR": str(tmp)} if tmp else {})}
    return subprocess.Popen([sys.executable, "-m", "handouts", *map(str, args)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, **kw)


def one_line_error(run: subprocess.CompletedProcess, expected: str) -> None:
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert run.stderr.strip().splitlines()[-1] == expected, run.stderr


def aftercare(*more) -> list:
    return ["build", "--clinic", DEMO, "--stage", "aftercare", "--lang", "en", *more]


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1][0]
    except (OSError, IndexError):
        return False
    return state != "Z"  # a zombie has ended; only its exit status waits to be read


def wait_until(condition, seconds: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


@contextlib.contextmanager
def reaped(pids: list[int]):
    """Kill whatever of `pids` a failed test left running (they are this test's own)."""
    try:
        yield
    finally:
        for pid in pids:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def leftovers(tmp: Path) -> list[str]:
    return sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*"))


# --- output goes only to regular files ------------------------------------------------

@pytest.mark.parametrize("kind", ["folder", "fifo", "device"])
def test_output_onto_a_folder_fifo_or_device_is_refused_before_rendering(tmp_path, kind):
    target = tmp_path / "out"
    if kind == "folder":
        target.mkdir()
        why = "is a folder; give the name of a file to write"
    elif kind == "fifo":
        os.mkfifo(target)
        why = "is a FIFO, not a regular file; handouts writes only regular files, so " \
              "choose another name"
    else:
        try:  # our own null device, so a failure here cannot replace the system's
            os.mknod(target, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        except PermissionError:
            pytest.skip("making a device node needs root")
        why = "is a device, not a regular file; handouts writes only regular files, so " \
              "choose another name"
    before = os.lstat(target)
    run = handouts(*aftercare("--output", target))
    one_line_error(run, f"{target}: {why}")
    assert "[1/1]" not in run.stderr  # refused before anything was rendered
    after = os.lstat(target)
    assert (after.st_ino, stat.S_IFMT(after.st_mode)) == (before.st_ino,
                                                           stat.S_IFMT(before.st_mode))


# --- operating-system errors are messages, in every command ----------------------------

def test_a_full_disk_in_build(small_disk, tmp_path):
    """A first handout fits (34 KB on 64 KB), the second and its cache entry do not: the
    build names the file, keeps every whole file, and leaves no temp file."""
    run = handouts("build", "--clinic", DEMO, "--lang", "en", "--out", small_disk,
                   "--jobs", 0)
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    last = run.stderr.strip().splitlines()[-1]
    assert re.fullmatch(rf"{small_disk}/\S+: cannot write: No space left on device; free "
                        "some space on that disk, or write somewhere else", last), last
    assert not [p for p in small_disk.rglob("*") if p.name.endswith(".part")]
    for pdf in small_disk.rglob("*.pdf"):
        assert len(pdf_reader(pdf.read_bytes()).pages) >= 1


@pytest.mark.parametrize("command", [
    lambda ro: aftercare("--output", ro / "old.pdf"),
    lambda ro: ["build", "--clinic", DEMO, "--lang", "en", "--out", ro],
    lambda ro: ["new-clinic", ro / "myclinic"],
    lambda ro: ["content", "packet", "--output", ro / "old.pdf"],
], ids=["build --output", "build --out", "new-clinic", "content packet"])
def test_a_read_only_folder_in_every_command_that_writes(read_only_disk, command):
    run = handouts(*command(read_only_disk))
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith(str(read_only_disk)), last
    assert last.endswith(": cannot write: Read-only file system; write somewhere else, or "
                         "mount that disk for writing"), last
    assert (read_only_disk / "old.pdf").read_bytes() == b"%PDF old"


def test_i18n_compile_into_a_read_only_project(tmp_path):
    from conftest import mount_tmpfs

    root = tmp_path / "project"
    mount_tmpfs(root, "size=20m")
    try:
        copy_project(root)
        (root / "pyproject.toml").write_text("[project]\nname = \"handouts\"\n")
        subprocess.run(["mount", "-o", "remount,ro", str(root)], check=True)
        run = handouts("i18n", "--project", root, "compile")
        assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
        assert re.fullmatch(rf"{root}/locales/\S+/LC_MESSAGES/handouts\.mo: cannot write: "
                            "Read-only file system; write somewhere else, or mount that disk "
                            "for writing", run.stderr.strip()), run.stderr
    finally:
        subprocess.run(["umount", "-l", str(root)], check=True)


# --- a damaged compiled catalog --------------------------------------------------------

@pytest.fixture
def two_language_project(tmp_path):
    """A copy of the project and of the demo clinic offering English and Spanish only."""
    project = copy_project(tmp_path / "project")
    clinic = copy_clinic(tmp_path / "clinic")
    text = (clinic / "clinic.yaml").read_text()
    text = re.sub(r"(?m)^languages:.*$", "languages: [en, es]", text)
    (clinic / "clinic.yaml").write_text(text)
    return project, clinic


def damage_mo(project) -> Path:
    from handouts.i18n.catalogs import load_catalog
    from handouts.inputs.languages import language

    load_catalog(project.locales_dir, language("es"))  # compiles the .mo
    mo = project.locales_dir / "es" / "LC_MESSAGES" / "handouts.mo"
    mo.write_bytes(os.urandom(4000))
    later = mo.stat().st_mtime + 60  # newer than its .po: it looks up to date
    os.utime(mo, (later, later))
    return mo


def test_a_damaged_mo_is_compiled_again_for_build_and_serve(two_language_project, tmp_path):
    from handouts.commands.build import Options, build
    from handouts.commands.check import check
    from handouts.pipeline.make import load_inputs

    project, clinic = two_language_project
    mo = damage_mo(project)
    report = check(clinic, project=project)
    assert (f"note: {mo}: damaged (Bad magic number); the next build compiles it again "
            "from its .po") in report
    inputs = load_inputs(clinic, project)  # what `build` and `serve` do first
    assert mo.read_bytes()[:4] in (b"\xde\x12\x04\x95", b"\x95\x04\x12\xde")  # gettext magic
    result = build(Options(clinic_dir=clinic, stages=("aftercare",), langs=("es",),
                           out=tmp_path / "out", jobs=0), project=project)
    (pdf,) = result.written
    title = inputs.catalogs["es"].lookup("stage/aftercare/title",
                                         inputs.content.stages["aftercare"].title.text)
    assert title and title in pdf_text(pdf.read_bytes())  # "Después de su tratamiento"


def test_a_damaged_mo_of_an_installed_package_is_named(two_language_project):
    from handouts.commands.check import check
    from handouts.errors import UserError
    from handouts.pipeline.make import load_inputs
    from handouts.project import Project

    project, clinic = two_language_project
    mo = damage_mo(project)
    packaged = Project(project.root, packaged=True)
    expected = (f"{mo}: the compiled catalog is damaged (Bad magic number); install "
                "handouts again")
    with pytest.raises(UserError) as exc:
        load_inputs(clinic, packaged)
    assert [str(p) for p in exc.value.problems] == [expected]
    with pytest.raises(UserError) as exc:
        check(clinic, project=packaged)
    assert expected in [str(p) for p in exc.value.problems]


# --- the command line's limits: the page's ---------------------------------------------

def clinic_with_template(tmp_path, body: str) -> Path:
    clinic = copy_clinic(tmp_path / "clinic")
    (clinic / "templates" / "stages").mkdir(parents=True)
    (clinic / "templates" / "stages" / "aftercare.html.j2").write_text(
        '{% extends "base.html.j2" %}{% block after_topics %}' + body + "{% endblock %}")
    return clinic


def guarded():
    """A guard for the machine if the limit under test were missing: 4 GB, well above it."""
    resource.setrlimit(resource.RLIMIT_AS, (4 * 2**30, resource.RLIM_INFINITY))


def test_a_template_that_eats_memory_stops_at_the_pages_limit(tmp_path):
    clinic = clinic_with_template(tmp_path, "{% set ns = namespace(s='x') %}"
                                  "{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}"
                                  "{% endfor %}{{ ns.s|length }}")
    run = handouts("build", "--clinic", clinic, "--stage", "aftercare", "--lang", "en",
                   "--out", tmp_path / "out", preexec_fn=guarded, timeout=120)
    one_line_error(run, "en/aftercare.pdf: render of en/aftercare stopped: it needed more "
                        f"than {RENDER_MEMORY_LIMIT // 2**20} MB of memory")
    assert not (tmp_path / "out").exists()


def test_an_endless_template_is_stopped_at_the_pages_time_limit(tmp_path):
    clinic = clinic_with_template(tmp_path, "{% for i in range(100000) %}"
                                  "{% for j in range(100000) %}{% endfor %}{% endfor %}")
    started = time.monotonic()
    proc = start("build", "--clinic", clinic, "--stage", "aftercare", "--lang", "en",
                 "--out", tmp_path / "out")
    time.sleep(3)  # composing by now, under the same memory limit as a render worker
    limits = Path(f"/proc/{proc.pid}/limits").read_text()
    _, err = proc.communicate(timeout=RENDER_TIMEOUT + 30)
    took = time.monotonic() - started
    assert re.search(rf"Max address space\s+{RENDER_MEMORY_LIMIT}\s", limits), limits
    assert proc.returncode == 1 and "Traceback" not in err, err
    assert err.strip() == f"en/aftercare.pdf: render of en/aftercare stopped after " \
                          f"{RENDER_TIMEOUT:g} s"
    assert RENDER_TIMEOUT <= took < RENDER_TIMEOUT + 15


# --- workers die with their parent; SIGTERM is Ctrl+C ----------------------------------

def matrix_build(tmp_path, out: Path) -> subprocess.Popen:
    tmp = tmp_path / "tmp"
    tmp.mkdir(exist_ok=True)
    return start("build", "--clinic", DEMO, "--out", out, "--jobs", 2, tmp=tmp)


def rendering(proc, out: Path) -> list[int]:
    """Wait until the build's two workers run and a first handout is written."""
    assert wait_until(lambda: len(children(proc.pid)) == 2
                      and any(p.parent.name != ".cache" for p in out.rglob("*.pdf")), 90), \
        proc.stderr.read() if proc.poll() is not None else "no workers"
    return children(proc.pid)


def test_kill_9_of_build_takes_its_workers_along(tmp_path):
    out = tmp_path / "out"
    proc = matrix_build(tmp_path, out)
    workers = rendering(proc, out)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    with reaped(workers):
        assert wait_until(lambda: not any(alive(w) for w in workers), 5), \
            [w for w in workers if alive(w)]
    # The next run removes what the killed ones left: their private temp folders.
    tmp = tmp_path / "tmp"
    assert any(p.name.startswith("handouts-render-") for p in tmp.iterdir())
    run = handouts(*aftercare("--out", out), tmp=tmp)
    assert run.returncode == 0, run.stderr
    assert leftovers(tmp) == []


def test_sigterm_stops_build_as_cleanly_as_ctrl_c(tmp_path):
    out = tmp_path / "out"
    proc = matrix_build(tmp_path, out)
    workers = rendering(proc, out)
    signalled = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    with reaped(workers):
        _, err = proc.communicate(timeout=60)
    assert time.monotonic() - signalled < 10  # it stops, not after the queued renders
    assert proc.returncode == 143, err
    assert err.strip().splitlines()[-1] == ("handouts: stopped (SIGTERM); files already "
                                            "written are complete")
    assert "Traceback" not in err
    assert not any(alive(w) for w in workers)
    written = [p for p in out.rglob("*.pdf") if p.parent.name != ".cache"]
    assert 1 <= len(written) < 33
    for pdf in written:
        assert len(pdf_reader(pdf.read_bytes()).pages) >= 1
    assert not [p for p in out.rglob("*") if p.name.endswith(".part")]
    assert leftovers(tmp_path / "tmp") == []  # no private temp folder, no font copies


POOL = """
import os, sys, time
from pathlib import Path
from handouts.pipeline.make import load_inputs
from handouts.pipeline.pool import RenderPool

if __name__ == "__main__":
    inputs = load_inputs(Path(sys.argv[1]))
    pool = RenderPool(sys.argv[1], workers=2, warm=False, inputs=inputs)
    for w in pool._all:
        w.wait_ready(60)  # running the worker's own code, past its start
    ends = [os.fstat(w.conn.fileno()).st_ino for w in pool._all]
    print(" ".join(map(str, pool.pids)), " ".join(map(str, ends)), flush=True)
    time.sleep(600)
"""


def test_a_forked_worker_holds_none_of_its_callers_ends_and_dies_with_it(tmp_path):
    """Idle workers wait on their pipe; it ends when the caller does, since no worker keeps
    a copy of the caller's end (of its own pipe or another's)."""
    script = tmp_path / "pool.py"
    script.write_text(POOL)
    proc = subprocess.Popen([sys.executable, str(script), str(DEMO)], stdout=subprocess.PIPE,
                            text=True)
    parts = proc.stdout.readline().split()  # two worker pids, two socket inodes
    workers = [int(p) for p in parts[:2]]
    with reaped([proc.pid, *workers]):
        caller_ends = {f"socket:[{ino}]" for ino in parts[2:]}
        assert len(workers) == 2 and len(caller_ends) == 2
        for w in workers:
            held = {os.readlink(f"/proc/{w}/fd/{fd}") for fd in os.listdir(f"/proc/{w}/fd")}
            assert not held & caller_ends, (w, held & caller_ends)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        assert wait_until(lambda: not any(alive(w) for w in workers), 5)


# --- personal details and odd values ---------------------------------------------------

def test_details_on_standard_input_stay_out_of_the_process_list(tmp_path):
    out = tmp_path / "ana.pdf"
    proc = start("build", "--clinic", DEMO, "--stage", "infusion-day", "--lang", "es",
                 "--details", "-", "--output", out, stdin=subprocess.PIPE)
    proc.stdin.write(f"# from the front desk\npatient-name: {NAME}\n"
                     "appointment: 2026-12-01T07:30\nprovider: Dr. Rivera\n")
    proc.stdin.close()
    seen: dict[int, set[bytes]] = {}  # pid -> its command lines while it ran
    while proc.poll() is None:  # the build, its worker, everything it started
        todo = [proc.pid]
        while todo:
            pid = todo.pop()
            todo += children(pid)
            with contextlib.suppress(OSError):
                seen.setdefault(pid, set()).add(Path(f"/proc/{pid}/cmdline").read_bytes())
        time.sleep(0.02)
    assert proc.returncode == 0, proc.stderr.read()
    assert len(seen) >= 2  # the build and its render worker, at least
    assert not [c for lines in seen.values() for c in lines if b"Ana" in c or b"Rivera" in c]
    text = pdf_text(out.read_bytes())
    assert NAME in text and "Dr. Rivera" in text


@pytest.mark.parametrize("details, args, message", [
    ("name: Ana\n", (), "Invalid value for '--details': <stdin>:1: expected 'key: value' "
                        "with a key from 'patient-name', 'appointment', 'provider'"),
    ("Ana María\n", (), "Invalid value for '--details': <stdin>:1: expected 'key: value' "
                        "with a key from 'patient-name', 'appointment', 'provider'"),
    ("provider: A\nprovider: B\n", (), "Invalid value for '--details': <stdin>:2: "
                                       "'provider' is given twice"),
    ("patient-name: Ana\n", ("--provider", "Dr. Rivera"),
     "give the personal details with --details - or with --patient-name, --appointment "
     "and --provider, not both"),
])
def test_details_that_cannot_be_read_are_named_by_line_not_quoted(tmp_path, details, args,
                                                                  message):
    run = handouts("build", "--clinic", DEMO, "--stage", "aftercare", "--lang", "en",
                   "--details", "-", *args, "--output", tmp_path / "x.pdf", input=details)
    one_line_error(run, f"handouts: {message}")
    assert "María" not in run.stderr


def test_details_from_a_file_are_refused(tmp_path):
    run = handouts(*aftercare("--details", tmp_path / "d.txt", "--output", tmp_path / "x.pdf"))
    one_line_error(run, f"handouts: Invalid value for '--details': '{tmp_path / 'd.txt'}'; "
                        "give '-' to read the details from standard input (a file would "
                        "keep them on disk)")


def test_an_appointment_in_year_1_is_a_message(tmp_path):
    run = handouts(*aftercare("--appointment", "0001-01-01T01:00", "--output",
                              tmp_path / "x.pdf"))
    one_line_error(run, "handouts: Invalid value for '--appointment': '0001-01-01T01:00' is "
                        "in the year 1; give a date from 2000 to 2099")


# --- files outside the project; a huge translation ------------------------------------

def test_a_topic_linked_to_a_file_outside_is_never_read_or_quoted(tmp_path):
    from handouts.errors import UserError
    from handouts.inputs.content import load_content

    project = copy_project(tmp_path, parts=("content",))
    (project.content_dir / "topics" / "zzz.yaml").symlink_to("/etc/passwd")
    with pytest.raises(UserError) as exc:
        load_content(project.content_dir)
    topics = project.content_dir / "topics"
    assert [str(p) for p in exc.value.problems] == [
        f"{topics / 'zzz.yaml'}: is a link to /etc/passwd, outside {topics}; put the file "
        "itself there instead"]


def test_a_clinic_template_or_style_linked_outside_is_refused(clinic):
    (clinic / "templates" / "stages").mkdir(parents=True)
    (clinic / "templates" / "stages" / "aftercare.html.j2").symlink_to("/etc/passwd")
    (clinic / "style.css").symlink_to("/etc/hostname")
    run = handouts("check", "--clinic", clinic)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert sorted(run.stderr.strip().splitlines()) == sorted([
        f"{clinic / 'style.css'}: is a link to /etc/hostname, outside {clinic}; put the "
        "file itself there instead",
        f"{clinic / 'templates/stages/aftercare.html.j2'}: is a link to /etc/passwd, outside "
        f"{clinic / 'templates'}; put the file itself there instead"])
    assert "root:" not in run.stderr


def test_a_huge_translation_is_named_by_its_entry(two_language_project, tmp_path):
    from handouts.commands.build import Options, build
    from handouts.errors import UserError
    from handouts.i18n.checks import max_translation, read_catalog

    project, clinic = two_language_project
    po = project.locales_dir / "es" / "LC_MESSAGES" / "handouts.po"
    entry = next(m for m in read_catalog(po) if m.context == "stage/aftercare/intro")
    text = po.read_text(encoding="utf-8")
    start_ = text.index("msgstr ", text.index('msgctxt "stage/aftercare/intro"'))
    end = text.index("\n\n", start_)
    po.write_text(text[:start_] + 'msgstr "' + "Muy largo. " * 20_000 + '"' + text[end:],
                  encoding="utf-8")
    with pytest.raises(UserError) as exc:
        build(Options(clinic_dir=clinic, stages=("aftercare",), langs=("es",),
                      out=tmp_path / "out", jobs=0), project=project)
    assert [str(p) for p in exc.value.problems] == [
        f"{po}:{entry.lineno}: [stage/aftercare/intro] msgstr is 220000 characters, far "
        f"longer than its English ({len(entry.id)}); at most {max_translation(entry.id)}"]


# --- WeasyPrint's font copies live and die with their process --------------------------

SOAK = """
import os, sys
from pathlib import Path
from handouts.inputs.languages import language
from handouts.pipeline.handout import Handout
from handouts.pipeline.pool import RenderPool, RenderStopped

if __name__ == "__main__":
    tmp = Path(os.environ["TMPDIR"])
    with RenderPool(sys.argv[1], workers=2, warm=False) as pool:
        for i in range(int(sys.argv[2])):
            tag = ("en", "zh-Hans", "ko", "ar")[i % 4]
            pool.render(Handout("aftercare", "iv", language(tag)), wait=60)
        try:  # one worker killed in the middle of a render, as past the time limit
            pool.render(Handout("aftercare", "iv", language("ko")), timeout=0.05)
        except RenderStopped:
            pass
        pool.render(Handout("aftercare", "iv", language("zh-Hans")), wait=60)
        print(sorted(str(p.relative_to(tmp)) for p in tmp.glob("*/*")), flush=True)
"""


def test_renders_leave_no_temp_folder_behind(tmp_path):
    """Workers (one of them killed) and their copies of the CJK faces: while they run,
    in private folders; when the pool is done, nothing is left in TMPDIR."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    script = tmp_path / "soak.py"
    script.write_text(SOAK)
    run = subprocess.run([sys.executable, str(script), str(DEMO), "12"], capture_output=True,
                         text=True, env={**os.environ, "TMPDIR": str(tmp)}, timeout=300)
    assert run.returncode == 0, run.stderr
    during = ast.literal_eval(run.stdout)
    folders = [p for p in during if re.fullmatch(r"handouts-render-\d+-\w+/weasyprint-\w+", p)]
    assert len(folders) >= 2, during  # WeasyPrint did copy fonts, in private folders
    assert leftovers(tmp) == []
