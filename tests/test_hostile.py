"""Hostile and broken input: each protection proved by a test that fails without it."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from conftest import DEMO, ROOT, pdf_reader, pdf_text
from handouts.commands.build import Options, build, plan
from handouts.errors import UserError
from handouts.inputs.patient import make_patient
from handouts.pipeline.make import load_inputs, make


def render_with(folder, css=None, template=None, strict=False):
    if css is not None:
        (folder / "style.css").write_text(css)
    if template is not None:
        (folder / "templates" / "stages").mkdir(parents=True, exist_ok=True)
        (folder / "templates" / "stages" / "aftercare.html.j2").write_text(
            '{% extends "base.html.j2" %}{% block after_topics %}' + template
            + "{% endblock %}")
    inputs = load_inputs(folder)
    (h,) = plan(inputs, Options(clinic_dir=folder, stages=("aftercare",), langs=("en",)))
    return make(inputs, h, strict=strict)


@pytest.fixture
def listener():
    """A TCP server on loopback that counts connections: none may arrive."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    hits = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                hits.append(1)
                conn.close()
            except OSError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], hits
    stop.set()
    thread.join()
    server.close()


@pytest.mark.weasyprint_warnings
def test_file_outside_refused_and_named_in_strict(clinic):
    secret = clinic.parent / "secret.png"
    shutil.copy(ROOT / "tests" / "roots" / "clinic-a4" / "logo.png", secret)
    css = (f"@import url('file:///etc/passwd'); "
           f"body {{ background: url('file://{secret}'); }}")
    result = render_with(clinic, css=css)
    assert [w for w in result.warnings if "refused" in w] == [
        "refused resource file:///etc/passwd", f"refused resource file://{secret}"]
    assert b"/Image" not in result.data.replace(b"/ImageB", b"")  # nothing embedded
    with pytest.raises(UserError) as exc:
        render_with(clinic, strict=True)
    assert str(exc.value) == (f"handouts: refused resource file:///etc/passwd; refused "
                              f"resource file://{secret} (an error with --strict)")


@pytest.mark.weasyprint_warnings
def test_symlink_out_of_clinic_refused(clinic):
    os.symlink("/etc/hostname", clinic / "innocent.css")
    result = render_with(clinic, css="@import url('innocent.css');")
    assert any("innocent.css" in w for w in result.warnings), result.warnings


@pytest.mark.weasyprint_warnings
@pytest.mark.parametrize("template", [
    '<img src="{url}" alt="x">',
    '<base href="{url}/"><img src="logo.svg" alt="x">',
    '<object data="{url}"></object>',
])
def test_network_refused_without_connecting(clinic, listener, template):
    port, hits = listener
    url = f"http://127.0.0.1:{port}/x.png"
    render_with(clinic, template=template.format(url=url),
                css=f"h1 {{ background: url('{url}'); }} "
                    f"@font-face {{ font-family: X; src: url('https://127.0.0.1:{port}/f'); }}")
    time.sleep(0.3)
    assert hits == []


@pytest.mark.weasyprint_warnings
def test_link_local_and_ftp_refused(clinic):
    result = render_with(clinic, css="h1 { background: url('http://169.254.169.254/x'); } "
                                     "h2 { background: url('ftp://127.0.0.1/x'); }")
    refused = " ".join(result.warnings)
    assert "169.254.169.254" in refused and "ftp://127.0.0.1" in refused


def test_attachments_refused(clinic, tmp_path):
    (clinic / "notes.txt").write_text("inside the clinic folder, still not attached")
    result = render_with(clinic, template='<link rel="attachment" href="notes.txt">'
                                          '<a rel="attachment" href="notes.txt">notes</a>')
    out = tmp_path / "a.pdf"
    out.write_bytes(result.data)
    listing = subprocess.run(["pdfdetach", "-list", str(out)], capture_output=True,
                             text=True, check=True).stdout
    assert listing.strip() == "0 embedded files"
    assert b"/EmbeddedFile" not in result.data and b"/FileAttachment" not in result.data


@pytest.mark.weasyprint_warnings
def test_device_files_refused_at_once(clinic):
    os.mkfifo(clinic / "fifo.woff")  # inside the clinic folder, but not a regular file
    started = time.monotonic()
    result = render_with(clinic, css="@import url('file:///dev/zero');"
                                     "@font-face { font-family: Z; src: url('fifo.woff'); }"
                                     "@font-face { font-family: Y; src: url(/dev/urandom); }"
                                     "body { font-family: Z, Y, sans-serif; }")
    assert time.monotonic() - started < 20
    joined = " ".join(result.warnings)
    assert "fifo.woff" in joined and "/dev/zero" in joined and "/dev/urandom" in joined


def test_layout_explosion_hits_the_page_cap(clinic):
    with pytest.raises(UserError) as exc:
        render_with(clinic, css="@page { size: 60mm 40mm; margin: 5mm; } "
                                "p, li { font-size: 40pt; }")
    assert "more than 40: a style sheet or template makes the layout explode" in str(exc.value)


@pytest.mark.parametrize("value", [
    "<script>alert(1)</script>", "{{7*7}}", "%(x)s", "\u202eevil\u202c", "a\u200bb",
    "Zoë 🙂", "x" * 3000, "a\0b", "\ud800",
])
def test_patient_fields_are_text_or_cleanly_refused(demo_inputs, value):
    try:
        patient = make_patient(value, None, value)
    except UserError as exc:
        assert "Invalid value for '--patient-name'" in str(exc)
        return
    (h,) = plan(demo_inputs, Options(clinic_dir=DEMO, stages=("aftercare",), langs=("en",),
                                     output="x.pdf", patient=patient))
    html = make(demo_inputs, h, fmt="html").data.decode()
    assert "<script>" not in html and "49" not in html.split("patient-box")[1][:400]
    assert "\u202e" not in html


def test_patient_markup_is_literal_in_the_pdf(demo_inputs):
    patient = make_patient("<b>{{7*7}}</b> %(x)s", None, None)
    (h,) = plan(demo_inputs, Options(clinic_dir=DEMO, stages=("aftercare",), langs=("en",),
                                     output="x.pdf", patient=patient))
    text = pdf_text(make(demo_inputs, h).data)
    assert "<b>{{7*7}}</b> %(x)s" in text


def test_bad_template_stops_the_build_before_any_write(clinic, tmp_path):
    (clinic / "templates" / "stages").mkdir(parents=True)
    (clinic / "templates" / "stages" / "aftercare.html.j2").write_text("{{ nothing.here }}")
    out = tmp_path / "out"
    with pytest.raises(UserError) as exc:
        build(Options(clinic_dir=clinic, langs=("en",), out=out))
    assert str(exc.value).startswith("en/aftercare.pdf: stages/aftercare.html.j2:")
    assert not out.exists()  # every handout is composed (checked) before any is written


def test_render_failing_halfway_keeps_earlier_outputs_whole(clinic, tmp_path):
    out = tmp_path / "out"
    build(Options(clinic_dir=clinic, langs=("en",), out=out))
    before = (out / "demo" / "en" / "aftercare.pdf").read_bytes()
    # Only the aftercare handout's layout explodes now.
    (clinic / "style.css").write_text("@page tiny { size: 60mm 40mm; margin: 5mm; } "
                                      "body.stage-aftercare { page: tiny; } "
                                      ".stage-aftercare p, .stage-aftercare li "
                                      "{ font-size: 40pt; }")
    with pytest.raises(UserError) as exc:
        build(Options(clinic_dir=clinic, langs=("en",), out=out))
    assert str(exc.value).startswith("en/aftercare.pdf: the handout has")
    assert (out / "demo" / "en" / "aftercare.pdf").read_bytes() == before
    assert not list(out.rglob("*.part"))
    for f in out.rglob("*.pdf"):
        assert len(pdf_reader(f.read_bytes()).pages) >= 1


def test_ctrl_c_leaves_only_whole_files(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "handouts", "build", "--clinic", str(DEMO),
                             "--out", str(tmp_path)], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list(tmp_path.rglob("*.pdf")) and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    # The build of 33 handouts takes seconds after its first file: it was interrupted.
    assert proc.returncode == 130, err
    assert "interrupted; files already written are complete" in err
    assert "Traceback" not in err
    assert not list(tmp_path.rglob("*.part"))
    written = [f for f in tmp_path.rglob("*.pdf") if f.parent.name != ".cache"]
    assert 1 <= len(written) < 33
    for f in written:
        assert len(pdf_reader(f.read_bytes()).pages) >= 1
