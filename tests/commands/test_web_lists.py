"""The page's packets and day lists through Flask's test client, on a real render pool:
real uploads (CSV with a BOM and semicolons, an .xlsx), every limit, the answers read back."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import tempfile

import pikepdf
import pytest

from conftest import DEMO, pdf_text
from handouts.commands.web import lists
from handouts.commands.web.app import MAX_LIST_BYTES, create_app

TOMORROW = (dt.date.today() + dt.timedelta(days=1)).isoformat()
GOOD = (f"\ufeffLanguage;Stages;Name;Appointment\n"
        f"es;infusion-day aftercare;Ana María;{TOMORROW} 07:30\n"
        f"zh-Hans;aftercare;王小明;{TOMORROW} 09:00\n").encode()


@pytest.fixture
def token(client) -> str:
    return client.get("/token").text


def upload(client, token, data: bytes, name="tomorrow.csv"):
    return client.post("/list", data={"csrf_token": token, "list": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def post(client, token, **fields):
    data = {"csrf_token": token, "lang": "es", "stage": "aftercare", "route": "iv", **fields}
    return client.post("/handout", data={k: v for k, v in data.items() if v is not None})


def problem(response) -> tuple[str, str, list[str]]:
    from html import unescape

    match = re.search(r'<p id="problem"[^>]*data-reason="([^"]*)">(.*?)</p>', response.text,
                      re.S)
    assert match, response.text
    lines = re.findall(r"<li>(.*?)</li>", response.text, re.S)
    return unescape(match.group(2)), match.group(1), [unescape(line) for line in lines]


def top_bookmarks(data: bytes) -> list[str]:
    with pikepdf.open(io.BytesIO(data)) as pdf, pdf.open_outline() as outline:
        return [item.title for item in outline.root]


# --- one patient, several stages ---------------------------------------------------------

def test_ticking_two_stages_gives_one_packet(client, token):
    response = post(client, token, stage=["infusion-day", "aftercare"], name="Ana María",
                    action="download")
    assert response.status_code == 200, response.text
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="infusion-day+aftercare-es.pdf"'
    assert top_bookmarks(response.data) == ["El día de su tratamiento",
                                            "Después de su tratamiento"]
    assert "Ana María" in pdf_text(response.data)


def test_no_stage_ticked(client, token):
    response = client.post("/handout", data={"csrf_token": token, "lang": "es"})
    assert response.status_code == 400
    assert problem(response)[0] == "Tick at least one handout: Consultation, Infusion day, " \
                                   "Aftercare."


def test_an_unlikely_date_asks_to_confirm(client, token):
    past = (dt.date.today() - dt.timedelta(days=3)).isoformat()
    response = post(client, token, date=past, time="09:30")
    assert response.status_code == 400
    assert problem(response)[:2] == (f"Check the date: the appointment is in the past "
                                     f"({past}).", "date")
    far = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    assert problem(post(client, token, date=far, time="09:30"))[0] == \
        f"Check the date: the appointment is more than a year ahead ({far})."
    assert post(client, token, date=past, time="09:30", confirm_date="yes").status_code == 200
    assert post(client, token, date=TOMORROW, time="09:30").status_code == 200


def test_a_stale_token_says_so_and_a_new_one_works(client, token):
    stale = create_app(DEMO, {"TESTING": True, "RENDER_POOL": object()})
    old = stale.test_client().get("/token").text  # as if from before a restart
    response = post(client, old)
    assert response.status_code == 400 and problem(response)[1] == "token"
    fresh = client.get("/token")
    assert fresh.mimetype == "text/plain" and "no-store" in fresh.headers["Cache-Control"]
    assert post(client, fresh.text).status_code == 200


def test_one_limit_for_a_name_whatever_its_length(client, token):
    for length in (81, 200):
        response = post(client, token, name="A" * length)
        assert problem(response)[0] == (f"Invalid value for 'Patient name': {length} "
                                        "characters; at most 80 fit on the handout")
    html = client.get("/").text
    assert html.count('maxlength="80"') == 2 and "160" not in html


# --- the day list -----------------------------------------------------------------------

def test_a_list_gives_one_pdf(client, token):
    response = upload(client, token, GOOD)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Disposition"] == 'attachment; filename="day-list.pdf"'
    assert top_bookmarks(response.data) == [
        "Row 2: Spanish – Infusion day, Aftercare", "Row 3: Chinese (Simplified) – Aftercare"]
    text = pdf_text(response.data)
    assert "Ana María" in text and "王小明" in text
    assert json.loads(response.headers["X-Handouts-Warnings"]) == []
    assert "Ana" not in str(response.headers)


def test_an_xlsx_list_and_its_warnings(client, token, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["language", "stages", "appointment"])
    book.active.append(["en", "aftercare", dt.datetime(2020, 1, 6, 9, 0)])
    book.save(tmp_path / "d.xlsx")
    response = upload(client, token, (tmp_path / "d.xlsx").read_bytes(), "monday.xlsx")
    assert response.status_code == 200, response.text
    assert json.loads(response.headers["X-Handouts-Warnings"]) == [
        "monday.xlsx:2: appointment: the appointment is in the past; check the date"]


def test_every_mistake_in_the_command_lines_words(client, token):
    data = b"language;stages;nmae\nxx;aftercare;A\nes;infusion;B\n"
    response = upload(client, token, data, "tomorrow.csv")
    assert response.status_code == 400
    message, reason, lines = problem(response)
    assert message == "The list has 3 mistakes, so nothing was made. Correct them in the " \
                      "file and try again:"
    assert reason == "rows"
    assert lines == [
        "tomorrow.csv:1: nmae: unknown column; did you mean 'name'? (the columns are "
        "'language', 'stages', 'name', 'route', 'appointment', 'provider', 'large_print', "
        "'second_language')",
        "tomorrow.csv:2: language: 'xx' is not one of 'en', 'es', 'zh-Hans', 'vi', 'ko', "
        "'tl', 'ru', 'ar', 'ht', 'fr', 'pt-BR'",
        "tomorrow.csv:3: stages: 'infusion' is not one of 'consultation', 'infusion-day', "
        "'aftercare'; did you mean 'infusion-day'?"]


def test_limits_rows_size_and_a_missing_file(client, token):
    rows = b"language,stages\n" + b"en,aftercare\n" * 301
    assert problem(upload(client, token, rows))[2] == [
        "tomorrow.csv:302: more than 300 rows; split the list into smaller ones"]
    big = b"language,stages\n" + b"en,aftercare" + b" " * MAX_LIST_BYTES
    response = upload(client, token, big)
    assert response.status_code == 413
    assert problem(response)[0] == "The day list is larger than 1024 KB. Split it into " \
                                   "smaller lists."
    response = client.post("/list", data={"csrf_token": token},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert problem(response)[0] == "Choose the day list file (CSV or Excel) first."
    response = upload(client, "nope", GOOD)
    assert response.status_code == 400 and problem(response)[1] == "token"


def test_the_upload_stays_in_memory(client, token, monkeypatch):
    """Werkzeug spools an upload over 500 KB to a temporary file; ours never does."""
    def no_disk(*args, **kwargs):
        raise AssertionError("an upload went to a temporary file")

    from werkzeug.formparser import default_stream_factory

    monkeypatch.setattr(tempfile, "TemporaryFile", no_disk)
    stock = default_stream_factory(600_000, "text/csv", "x.csv")
    with pytest.raises(AssertionError):  # what Flask's own Request would do with it
        stock.write(b"x" * 600_000)
    padded = b"language,stages\n" + b"en,aftercare\n" + b"\n" * 600_000
    response = upload(client, token, padded)
    assert response.status_code == 200, response.text


def test_busy_and_one_list_at_a_time_get_503(client, token, pool):
    assert lists._one_list.acquire(blocking=False)
    try:
        response = upload(client, token, GOOD)
    finally:
        lists._one_list.release()
    assert response.status_code == 503 and response.headers["Retry-After"] == "7"
    with pool.reserve(wait=30):  # its one worker
        response = upload(client, token, GOOD)
    assert response.status_code == 503 and response.headers["Retry-After"] == "7"
    assert problem(response)[0] == "The server is busy making other handouts. Try again " \
                                   "in a few seconds."
    assert upload(client, token, GOOD).status_code == 200  # free again


def test_the_time_limit_grows_with_the_list(client, token, monkeypatch):
    monkeypatch.setattr(lists, "LIST_SECONDS", -1.0)  # already past for any list
    monkeypatch.setattr(lists, "LIST_SECONDS_EACH", 0.0)
    response = upload(client, token, GOOD)
    assert response.status_code == 500
    assert problem(response)[0] == "The day list took longer than its limit of -1 s for 3 " \
                                   "handouts. Try again, or split it into smaller lists."
    monkeypatch.setattr(lists, "LIST_SECONDS_EACH", 10.0)
    assert upload(client, token, GOOD).status_code == 200  # 29 s for 3 handouts
