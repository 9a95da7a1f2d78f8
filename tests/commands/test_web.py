"""The front-desk page through Flask's test client: every safety rule, and real PDFs."""

from __future__ import annotations

import logging
import re
import socket
from html import unescape

import pytest

from conftest import DEMO, pdf_reader, pdf_text
from handouts.commands.web.app import MAX_BODY, create_app
from handouts.commands.web.server import exposure_warning, is_loopback, trusted_hosts
from handouts.domain import quote
from handouts.inputs.clinic import load_clinic
from handouts.inputs.languages import language
from handouts.pipeline.localize import Localizer

NAME = "Ana López-Quiñones"


@pytest.fixture
def token(client) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)


def post(client, token, **fields):
    data = {"csrf_token": token, "lang": "es", "stage": "aftercare", "route": "iv", **fields}
    return client.post("/handout", data={k: v for k, v in data.items() if v is not None})


def problem(response) -> str:
    """The message a problem page shows (the text the front desk reads)."""
    match = re.search(r'<p id="problem"[^>]*>(.*?)</p>', response.text, re.S)
    assert match, response.text
    return unescape(match.group(1))


def spanish_title(inputs, stage="aftercare") -> str:
    loc = Localizer(inputs.catalogs["es"], inputs.clinic.values("iv"))
    return str(loc.stage(inputs.content.stages[stage])[0])


# --- the page ---------------------------------------------------------------------------

def test_page_offers_the_clinics_languages_stages_and_routes(client, demo_inputs):
    html = client.get("/").text
    for tag in demo_inputs.clinic.languages:
        lang = language(tag)
        assert f'value="{tag}"' in html
        assert lang.native_name[1:] in html and lang.english_name in html
    assert '<span class="native" lang="es" dir="ltr">Español</span>' in html
    for route in demo_inputs.clinic.routes:
        assert f'id="route-{route}"' in html
    for stage in ("consultation", "infusion-day", "aftercare"):
        assert f'id="stage-{stage}"' in html
    assert 'id="lang-filter"' in html
    # Every input has a real label.
    for field in re.findall(r'<input[^>]+id="([^"]+)"', html):
        assert f'<label for="{field}"' in html, field


def test_page_defaults_and_bookmarkable_choices(client):
    html = client.get("/").text
    assert re.search(r'id="lang-en" value="en"\s*checked', html)
    # The desk's common case, as the README says: infusion day and aftercare, one PDF.
    assert re.search(r'id="stage-infusion-day" value="infusion-day"\s*checked', html)
    assert re.search(r'id="stage-aftercare" value="aftercare"\s*checked', html)
    assert not re.search(r'id="stage-consultation" value="consultation"\s*checked', html)
    assert 'data-default-stages="infusion-day aftercare"' in html
    assert "Infusion day" in html and "Treatment day" not in html
    html = client.get("/?lang=es&stage=aftercare&route=im").text
    assert re.search(r'id="lang-es" value="es"\s*checked', html)
    assert re.search(r'id="stage-aftercare" value="aftercare"\s*checked', html)
    assert not re.search(r'id="stage-infusion-day" value="infusion-day"\s*checked', html)
    assert re.search(r'id="route-im" value="im"\s*checked', html)
    html = client.get("/?lang=../x&stage=nope").text  # ignored, not an error
    assert re.search(r'id="lang-en" value="en"\s*checked', html)


def test_page_loads_nothing_from_elsewhere(client):
    response = client.get("/")
    urls = re.findall(r'(?:src|href|action)="([^"]*)"', response.text)
    assert urls and all(u.startswith("/") or u == "about:blank" for u in urls), urls
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "http" not in csp
    for path in ("/static/page.css", "/static/page.js"):
        asset = client.get(path)
        assert asset.status_code == 200 and "http" not in asset.text
    assert client.get("/logo").mimetype == "image/svg+xml"


def test_every_response_is_no_store(client, token):
    for response in (client.get("/"), client.get("/static/page.js"), client.get("/nope"),
                     post(client, token, lang="zz")):
        assert "no-store" in response.headers["Cache-Control"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "Content-Security-Policy" in response.headers


# --- safety -----------------------------------------------------------------------------

def test_unknown_host_gets_400(client):
    response = client.get("/", headers={"Host": "evil.example:8000"})
    assert response.status_code == 400
    assert problem(response).startswith("This address is not allowed.")
    assert client.get("/", headers={"Host": "127.0.0.1:8000"}).status_code == 200


def test_form_without_csrf_token_gets_400(client):
    response = post(client, None)
    assert response.status_code == 400
    assert problem(response) == "The form has no security token. Reload the page and try again."


def test_form_with_wrong_csrf_token_gets_400(client, token):
    response = post(client, token[:-4] + "AAAA")
    assert response.status_code == 400
    assert "security token is not valid" in problem(response)
    other = create_app(DEMO, {"TESTING": True, "RENDER_POOL": object()}).test_client()
    foreign = re.search(r'name="csrf_token" value="([^"]+)"', other.get("/").text).group(1)
    assert post(client, foreign).status_code == 400  # another server's token


def test_form_from_another_site_gets_403(client, token):
    response = client.post("/handout", data={"csrf_token": token, "lang": "es"},
                           headers={"Origin": "http://evil.example"})
    assert response.status_code == 403
    assert problem(response) == "This form only works from the handouts page itself."
    response = client.post("/handout", data={"csrf_token": token, "lang": "es"},
                           headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403


def test_body_over_the_limit_gets_413(client, token):
    response = post(client, token, provider="x" * (MAX_BODY + 1))
    assert response.status_code == 413
    assert "The form was too large" in problem(response)


def test_over_long_fields_get_400_with_a_message(client, token):
    response = post(client, token, name="A" * 81)
    assert response.status_code == 400
    assert problem(response) == ("Invalid value for 'Patient name': 81 characters; "
                                 "at most 80 fit on the handout")
    response = post(client, token, stage="a" * 41)
    assert response.status_code == 400
    assert problem(response) == "Invalid value for 'Handout': 41 characters; at most 40"


DEMO_LANGS = quote(load_clinic(DEMO).languages)  # "'en', 'es', 'zh-Hans', ..."


@pytest.mark.parametrize(("lang", "message"), [
    ("../x", "Invalid value for 'Language': '../x' is not a language id such as 'es' or "
             f"'zh-Hans'; choose one of {DEMO_LANGS}"),
    ("zz", f"Invalid value for 'Language': 'zz' is not one of {DEMO_LANGS}"),
])
def test_bad_language_gets_400(client, token, lang, message):
    response = post(client, token, lang=lang)
    assert response.status_code == 400
    assert problem(response) == message


@pytest.mark.parametrize(("fields", "message"), [
    ({"stage": "aftercar"}, "Invalid value for 'Handout': 'aftercar' is not one of "
     "'consultation', 'infusion-day', 'aftercare'; did you mean 'aftercare'?"),
    ({"route": "oral"}, "Invalid value for 'Route': 'oral' is not one of 'iv', 'im', "
     "'esketamine' (the routes this clinic offers)"),
    ({"date": "2026-12-01"}, "Give both the appointment date and the time, or neither."),
    ({"date": "2026-02-30", "time": "09:30"}, "Invalid value for 'Appointment': "
     "'2026-02-30T09:30' is not a real date and time"),
    ({"name": "Ana\x07"}, "Invalid value for 'Patient name': contains control characters"),
    ({"second": "de"}, f"Invalid value for 'Second language': 'de' is not one of {DEMO_LANGS}"),
    ({"action": "email"}, "Invalid value for 'Action': 'email' is not one of 'preview', "
     "'download', 'print'"),
])
def test_bad_values_get_400_with_a_message(client, token, fields, message):
    response = post(client, token, **fields)
    assert response.status_code == 400
    assert problem(response) == message


def test_wrong_method_and_unknown_path(client):
    assert client.get("/handout").status_code == 405
    assert client.get("/etc/passwd").status_code == 404


# --- handouts ---------------------------------------------------------------------------

def test_download_is_the_pdf_with_a_fixed_name(client, token, demo_inputs, caplog):
    caplog.set_level(logging.DEBUG)
    response = post(client, token, name=NAME, date="2026-12-01", time="09:30",
                    provider="Dr. Vega", action="download")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="aftercare-es.pdf"'
    assert "no-store" in response.headers["Cache-Control"]
    assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]
    text = pdf_text(response.data)
    assert NAME in text and "Dr. Vega" in text
    assert spanish_title(demo_inputs) in text
    # Patient details are in the page text only: not in headers, metadata or any log.
    headers = str(response.headers)
    assert "Ana" not in headers and "Vega" not in headers
    metadata = str(pdf_reader(response.data).metadata)
    assert "Ana" not in metadata and "Vega" not in metadata
    assert "Ana" not in caplog.text and "Vega" not in caplog.text
    assert "POST /handout 200" in caplog.text


def test_preview_and_print_show_the_pdf_inline(client, token):
    for action in ("preview", "print"):
        response = post(client, token, stage="infusion-day", lang="en", action=action)
        assert response.status_code == 200
        assert response.headers["Content-Disposition"] == \
            'inline; filename="infusion-day-en.pdf"'


def test_bilingual_copy(client, token, demo_inputs):
    response = post(client, token, second="en", action="download")
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="aftercare-es+en.pdf"'
    text = pdf_text(response.data)
    assert spanish_title(demo_inputs) in text and "After your treatment" in text


def test_full_pool_gets_503_with_retry_after(client, token, pool):
    with pool.reserve(wait=30):
        response = post(client, token)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "7"
    assert problem(response) == ("The server is busy making other handouts. Try again in a "
                                 "few seconds.")
    assert post(client, token).status_code == 200  # free again


def test_render_past_its_timeout_gets_500_and_the_server_goes_on(pool, token, client):
    slow = create_app(DEMO, {"TESTING": True, "RENDER_POOL": pool, "RENDER_TIMEOUT": 0.001,
                             "SECRET_KEY": client.application.config["SECRET_KEY"]})
    response = post(slow.test_client(), token, name=NAME)
    assert response.status_code == 500
    assert problem(response).startswith("render of es/aftercare stopped after 0.001 s. Try again")
    assert NAME not in response.text
    assert NAME in pdf_text(post(client, token, name=NAME).data)


# --- serving ----------------------------------------------------------------------------

def test_loopback_and_trusted_hosts():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.20")
    assert trusted_hosts("127.0.0.1") == ["127.0.0.1", "localhost", "::1", "[::1]"]
    assert trusted_hosts("192.168.1.20")[-1] == "192.168.1.20"
    everywhere = trusted_hosts("0.0.0.0")
    assert socket.gethostname() in everywhere and len(everywhere) == len(set(everywhere))


def test_warns_only_when_reachable_from_other_computers():
    assert exposure_warning("127.0.0.1") is None and exposure_warning("localhost") is None
    assert exposure_warning("0.0.0.0").startswith(
        "warning: serving on 0.0.0.0, not 127.0.0.1: other computers on the network")


def test_a_port_in_use_is_a_clear_error(capsys):
    from handouts.cli import main

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--clinic", str(DEMO), "--port", str(port)]) == 1
    assert capsys.readouterr().err == (
        f"handouts: cannot listen on 127.0.0.1:{port}: Address already in use; is another "
        "'handouts serve' running? Choose another --port\n")
