"""`handouts build --list` and packets, end to end: real lists, real renders in the worker
pool, the PDFs read back with pikepdf and pypdf (pages, bookmarks, tags, metadata, text)."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pikepdf
import pytest

from conftest import DEMO, ROOT, pdf_reader
from handouts.cli import main

EXAMPLE = DEMO / "day-list-example.csv"
NAMES = ("Ana María Quiñones", "Daniel Okafor", "王小明", "فاطمة الزهراء", "Nguyễn Văn An")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def outline(pdf: pikepdf.Pdf) -> list[tuple[str, int, list]]:
    """(title, 0-based page, children) of every bookmark, as a tree."""
    pages = {p.objgen: i for i, p in enumerate(pdf.pages)}

    def walk(items):
        return [(i.title, pages[i.destination[0].objgen], walk(i.children)) for i in items]

    with pdf.open_outline() as o:
        return walk(o.root)


def page_texts(data: bytes) -> list[str]:
    return [" ".join((p.extract_text() or "").split()) for p in pdf_reader(data).pages]


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    """The README's example list (5 patients) as one PDF, rendered in 2 workers."""
    out = tmp_path_factory.mktemp("day") / "day.pdf"
    assert main(["build", "--list", str(EXAMPLE), "--output", str(out), "--jobs", "2"]) == 0
    data = out.read_bytes()
    return data, pikepdf.open(io.BytesIO(data))


def test_one_bookmark_per_row_then_per_handout_each_from_an_odd_page(day):
    _, pdf = day
    rows = outline(pdf)
    assert [title for title, _, _ in rows] == [
        "Row 2: Spanish – Infusion day, Aftercare",
        "Row 3: English – Infusion day, Aftercare",
        "Row 4: Chinese (Simplified) + English – Infusion day, Aftercare",
        "Row 5: Arabic – Consultation",
        "Row 6: Vietnamese – Infusion day, Aftercare"]
    handouts = [child for _, _, children in rows for child in children]
    assert [t for t, _, _ in handouts][:2] == ["El día de su tratamiento",
                                              "Después de su tratamiento"]
    assert len(handouts) == 9
    starts = [page for _, page, _ in handouts]
    assert all(p % 2 == 0 for p in starts), starts  # 0-based even: page 1, 3, 5 ...
    assert [page for _, page, _ in rows] == [starts[i] for i in (0, 2, 4, 6, 7)]


def test_page_numbers_restart_and_back_pages_are_blank(day):
    data, pdf = day
    texts = page_texts(data)
    starts = [page for _, _, kids in outline(pdf) for _, page, _ in kids]
    ends = starts[1:] + [len(texts)]
    for n, (start, end) in enumerate(zip(starts, ends, strict=True)):
        printed = [i for i in range(start, end) if texts[i]]
        assert printed == list(range(start, start + len(printed)))
        assert end - printed[-1] - 1 in (0, 1)  # then at most one blank back page
        words = ("Página {} de {}", "Page {} of {}")[n // 2] if n < 4 else None
        for page, i in enumerate(printed, 1):  # each handout counts its own pages
            if words:
                assert texts[i].endswith(words.format(page, len(printed))), texts[i][-30:]
    assert texts[0].endswith("Página 1 de 3") and texts[2].endswith("Página 3 de 3")
    assert texts[3] == "" and texts[4].endswith("Página 1 de 4")
    blank = [i for i, t in enumerate(texts) if not t]
    assert blank and all(i % 2 == 1 for i in blank)  # only back pages are blank


def test_names_on_the_page_never_in_title_metadata_or_bookmarks(day):
    data, pdf = day
    text = " ".join(page_texts(data))
    for name in ("Ana María Quiñones", "Daniel Okafor", "王小明", "Nguyễn Văn An"):
        assert name in text
    meta = str(pdf.open_metadata()) + str(dict(pdf.docinfo))
    marks = str(outline(pdf))
    for name in NAMES:
        for part in name.split():
            assert part not in meta and part not in marks and part not in str(pdf.Root.Lang)
    assert str(pdf.docinfo.Title) == "Day list, 5 patients – Cedar Ridge Ketamine Clinic"


def test_arabic_name_is_printed(day):
    data, _ = day
    text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode()
    assert "فاطمة" in text or "ﻓﺎﻃﻤﺔ" in text or "الزهراء" in text


def test_tags_kept_with_each_handouts_language(day):
    _, pdf = day
    tree = pdf.Root.StructTreeRoot
    docs = list(tree.K)
    assert [str(d.Lang) for d in docs] == ["es", "es", "en", "en", "zh-Hans", "zh-Hans",
                                           "ar", "vi", "vi"]
    assert all(d.P.objgen == tree.objgen for d in docs)
    pages = {p.objgen for p in pdf.pages}
    nums = tree.ParentTree.Nums
    keys = [int(nums[i]) for i in range(0, len(nums), 2)]
    assert keys == sorted(set(keys)) and int(tree.ParentTreeNextKey) == keys[-1] + 1
    printed = [p for p in pdf.pages if "/StructParents" in p.obj]
    assert sorted(int(p.obj.StructParents) for p in printed) == keys
    for i in range(1, len(nums), 2):  # every marked element points at a page of this PDF
        for elem in nums[i]:
            assert elem.Pg.objgen in pages
    assert pdf.Root.MarkInfo.Marked and pdf.Root.ViewerPreferences.DisplayDocTitle
    assert 'pdfuaid:part="1"' in str(pdf.open_metadata())


def test_one_file_per_row_named_by_row_stage_and_language(capsys, tmp_path):
    days = tmp_path / "list.csv"
    days.write_text("language,stages,name\nes,infusion-day aftercare,Ana\n"
                    "en,aftercare,Daniel\n", encoding="utf-8")
    out = tmp_path / "rows"
    code, stdout, err = run(capsys, "build", "--list", str(days), "--out", str(out),
                            "--jobs", "0")
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == [
        "row-2-infusion-day+aftercare-es.pdf", "row-3-aftercare-en.pdf"]
    assert "Wrote 2 files" in stdout
    spanish = pikepdf.open(out / "row-2-infusion-day+aftercare-es.pdf")
    assert [t for t, _, _ in outline(spanish)] == ["El día de su tratamiento",
                                                   "Después de su tratamiento"]
    assert not list(tmp_path.rglob(".cache"))  # a list is never cached


def test_a_packet_for_one_patient(capsys, tmp_path):
    out = tmp_path / "ana.pdf"
    code, stdout, err = run(capsys, "build", "--lang", "es", "--stage", "infusion-day",
                            "--stage", "aftercare", "--patient-name", "Ana María",
                            "--appointment", "2026-12-02T07:30", "--output", str(out))
    assert code == 0, err
    pdf = pikepdf.open(out)
    marks = outline(pdf)
    assert [t for t, _, _ in marks] == ["El día de su tratamiento",
                                        "Después de su tratamiento"]
    assert marks[0][2] and all(page % 2 == 0 for _, page, _ in marks)
    assert str(pdf.docinfo.Title) == ("El día de su tratamiento · Después de su tratamiento – "
                                      "Cedar Ridge Ketamine Clinic")
    assert str(pdf.Root.Lang) == "es" and pdf.Root.PageMode == "/UseOutlines"
    assert "Ana" not in str(pdf.open_metadata()) + str(dict(pdf.docinfo)) + str(marks)
    assert "Wrote 1 file" in stdout
    assert not list(tmp_path.rglob(".cache")) and not (ROOT / "out" / ".cache" / "x").exists()


BAD = ("language;stages;nmae;appointment\n"
       "es;infusion-day aftercare;Ana;2026-12-02 07:30\n"
       "xx;aftercare;Wang;2026-12-02 08:00\n"
       "en;aftercare;Dan;2026-12-40 08:00\n")


def test_every_mistake_at_once_and_nothing_written(capsys, tmp_path):
    days = tmp_path / "day.csv"
    days.write_text(BAD, encoding="utf-8")
    out = tmp_path / "day.pdf"
    code, stdout, err = run(capsys, "build", "--list", str(days), "--output", str(out))
    assert code == 1
    lines = err.splitlines()
    assert lines[0].endswith("day.csv:1: nmae: unknown column; did you mean 'name'? "
                             "(the columns are 'language', 'stages', 'name', 'route', "
                             "'appointment', 'provider', 'large_print', 'second_language')")
    assert lines[1].endswith("day.csv:3: language: 'xx' is not one of 'en', 'es', 'zh-Hans', "
                             "'vi', 'ko', 'tl', 'ru', 'ar', 'ht', 'fr', 'pt-BR'")
    assert lines[2].endswith("day.csv:4: appointment: '2026-12-40 08:00' is not a real date "
                             "and time")
    assert len(lines) == 3 and "Traceback" not in err
    assert list(tmp_path.iterdir()) == [days]


def test_list_needs_a_destination_and_no_per_patient_options(capsys, tmp_path):
    code, _, err = run(capsys, "build", "--list", str(EXAMPLE))
    assert code == 1 and "--list needs --output FILE.pdf (one PDF for the day) or --out DIR " \
        "(one file per row)" in err
    code, _, err = run(capsys, "build", "--list", str(EXAMPLE), "--lang", "es",
                       "--patient-name", "Ana", "--output", str(tmp_path / "x.pdf"))
    assert code == 1 and "--list takes each row's details from the list; leave out --lang, " \
        "--patient-name/--appointment/--provider" in err
    code, _, err = run(capsys, "build", "--list", str(tmp_path / "none.csv"), "--output",
                       str(tmp_path / "x.pdf"))
    assert code == 1 and "none.csv: cannot read the list: No such file or directory" in err
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.weasyprint_warnings(required=False)
def test_warnings_per_row_and_strict(capsys, clinic, tmp_path):
    (clinic / "style.css").write_text("body { background: url(file:///etc/hostname); }\n")
    days = tmp_path / "day.csv"
    days.write_text("language,stages,appointment\nen,aftercare,2020-01-01 09:00\n"
                    "es,aftercare,\n", encoding="utf-8")
    out = tmp_path / "day.pdf"
    code, _, err = run(capsys, "build", "--clinic", str(clinic), "--list", str(days),
                       "--output", str(out), "--jobs", "1")
    assert code == 0, err
    lines = [line for line in err.splitlines() if "day.csv" in line]
    assert lines[0].endswith("day.csv:2: appointment: the appointment is in the past; "
                             "check the date")
    assert lines[1].endswith("day.csv:2: en/aftercare: refused resource file:///etc/hostname")
    assert lines[2].endswith("day.csv:3: es/aftercare: refused resource file:///etc/hostname")
    out.unlink()
    code, _, err = run(capsys, "build", "--clinic", str(clinic), "--list", str(days),
                       "--output", str(out), "--strict", "--jobs", "0")
    assert code == 1
    assert "day.csv:2: en/aftercare: refused resource file:///etc/hostname (an error with " \
        "--strict)" in err
    assert not out.exists()


def _run_on_a_terminal(args: list[str], cwd: Path) -> tuple[int, str]:
    """The command with its stderr on a real pseudo-terminal; what the terminal showed."""
    main_fd, child_fd = pty.openpty()
    # 24 x 100, as a terminal window has (a new pty has 0 x 0, where tqdm draws nothing)
    fcntl.ioctl(child_fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    proc = subprocess.Popen([sys.executable, "-m", "handouts", *args], cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=child_fd, stdin=subprocess.DEVNULL)
    os.close(child_fd)
    shown = b""
    while True:
        try:
            chunk = os.read(main_fd, 4096)
        except OSError:  # the terminal closed: the command ended
            break
        if not chunk:
            break
        shown += chunk
    os.close(main_fd)
    return proc.wait(timeout=120), shown.decode("utf-8", "replace")


def test_a_progress_bar_on_a_terminal_and_quiet_otherwise(tmp_path):
    days = tmp_path / "day.csv"
    days.write_text("language,stages\nen,infusion-day aftercare\nes,aftercare\n",
                    encoding="utf-8")
    args = ["build", "--list", str(days), "--output", str(tmp_path / "d.pdf"), "--jobs", "0"]
    code, shown = _run_on_a_terminal(args, ROOT)
    assert code == 0, shown
    assert "Rendering:" in shown and "3/3" in shown, shown
    assert "<00:00" in shown or "<00:0" in shown  # time left
    piped = subprocess.run([sys.executable, "-m", "handouts", *args], cwd=ROOT,
                           capture_output=True, text=True, check=True)
    assert piped.stderr == "" and "Wrote 1 file" in piped.stdout
    code, shown = _run_on_a_terminal([*args, "--quiet"], ROOT)
    assert code == 0 and shown == ""
