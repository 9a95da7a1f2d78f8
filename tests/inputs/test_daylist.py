"""A day's list as scheduling systems export it: real CSV bytes (a BOM, semicolons) and a
real .xlsx made with openpyxl; every mistake at once as `FILE:ROW: column: message`."""

from __future__ import annotations

import datetime as dt

import pytest

from handouts.errors import UserError
from handouts.inputs.daylist import MAX_XLSX_UNPACKED, read_day_list

NOW = dt.datetime(2026, 12, 1, 12, 0)


@pytest.fixture(scope="module")
def clinic(demo_inputs):
    return demo_inputs.clinic


def problems(data: bytes, clinic, name="day.csv", **kw) -> list[str]:
    with pytest.raises(UserError) as exc:
        read_day_list(data, name, clinic, now=NOW, **kw)
    return [str(p) for p in exc.value.problems]


def test_bom_semicolons_any_case_any_order(clinic):
    data = ("\ufeffStages;LANGUAGE;Name;Appointment;Large_Print;Second_Language\r\n"
            "infusion-day aftercare;es;Ana María;2026-12-02 07:30;yes;en\r\n"
            "consultation;ar;فاطمة الزهراء;2026-12-02T10:30;0;\r\n"
            ";;;;;\r\n"  # a blank row is skipped, its number still counts
            "aftercare;zh-Hans;王小明;;false;\r\n").encode("utf-8")
    day = read_day_list(data, "day.csv", clinic, now=NOW)
    assert [v.row for v in day.visits] == [2, 3, 5]
    ana, fatima, wang = day.visits
    assert ana.stages == ("infusion-day", "aftercare") and ana.language.tag == "es"
    assert ana.patient.name == "Ana María" and ana.large_print and ana.second.tag == "en"
    assert ana.patient.appointment == dt.datetime(2026, 12, 2, 7, 30)
    assert ana.route == clinic.routes[0]
    assert fatima.patient.name == "فاطمة الزهراء" and not fatima.large_print
    assert wang.patient.name == "王小明" and wang.patient.appointment is None
    assert day.warnings == ()


def test_comma_separated_with_quoted_cells(clinic):
    data = b'language,stages,name,provider\nen,"infusion-day aftercare","Okafor, Daniel",' \
           b'"Dr. Rivera, MD"\n'
    (v,) = read_day_list(data, "day.csv", clinic, now=NOW).visits
    assert v.patient.name == "Okafor, Daniel" and v.patient.provider == "Dr. Rivera, MD"


def test_every_mistake_at_once(clinic):
    data = (b"language;stages;nmae;appointment;route\n"
            b"xx;infusion-day;A;2026-12-02 07:30;iv\n"
            b"es;infusion aftercare;B;2026-02-30 07:30;nasal\n"
            b";aftercare;C;02/12/2026 7:30;\n")
    assert problems(data, clinic) == [
        "day.csv:1: nmae: unknown column; did you mean 'name'? (the columns are 'language', "
        "'stages', 'name', 'route', 'appointment', 'provider', 'large_print', "
        "'second_language')",
        "day.csv:2: language: 'xx' is not one of 'en', 'es', 'zh-Hans', 'vi', 'ko', 'tl', "
        "'ru', 'ar', 'ht', 'fr', 'pt-BR'",
        "day.csv:3: stages: 'infusion' is not one of 'consultation', 'infusion-day', "
        "'aftercare'; did you mean 'infusion-day'?",
        "day.csv:3: route: 'nasal' is not one of 'iv', 'im', 'esketamine' (the routes this "
        "clinic offers)",
        "day.csv:3: appointment: '2026-02-30 07:30' is not a real date and time",
        "day.csv:4: language: empty; every row needs one",
        "day.csv:4: appointment: '02/12/2026 7:30' is not a date and time as "
        "YYYY-MM-DDTHH:MM, e.g. 2026-12-01T09:30",
    ]


def test_missing_and_repeated_columns(clinic):
    assert problems(b"Language,name,language\nes,A,es\n", clinic) == [
        "day.csv:1: language: the column appears twice",
        "day.csv:1: stages: this column is missing; 'language', 'stages' are required",
    ]


def test_a_long_name_has_the_one_limit(clinic):
    data = f"language,stages,name\nen,aftercare,{'A' * 81}\n".encode()
    assert problems(data, clinic) == [
        "day.csv:2: name: 81 characters; at most 80 fit on the handout"]


def test_not_utf8_empty_and_no_rows(clinic):
    assert problems("language,stages,name\nes,aftercare,Mar\xeda\n".encode("latin-1"),
                    clinic) == ["day.csv: not UTF-8 text (byte 0xed at position 37); save "
                                "the list as 'CSV UTF-8'"]
    assert problems(b"", clinic) == ["day.csv: the file is empty; the first row names the "
                                     "columns: 'language', 'stages' at least"]
    assert problems(b"language,stages\n\n", clinic) == [
        "day.csv: the list has a header but no rows"]
    assert problems(b"x", clinic, name="day.txt") == [
        "day.txt: a day list is a .csv or .xlsx file (export the schedule as CSV UTF-8 "
        "or Excel)"]


def test_row_limit(clinic):
    data = b"language,stages\n" + b"en,aftercare\n" * 4
    assert problems(data, clinic, max_rows=3) == [
        "day.csv:5: more than 3 rows; split the list into smaller ones"]


def test_doubtful_dates_are_warnings_without_the_date(clinic):
    data = (b"language,stages,appointment\nen,aftercare,2026-11-30 09:00\n"
            b"en,aftercare,2028-01-05 09:00\nen,aftercare,2026-12-01 08:00\n")
    day = read_day_list(data, "day.csv", clinic, now=NOW)
    assert len(day.visits) == 3
    assert day.warnings == (
        "day.csv:2: appointment: the appointment is in the past; check the date",
        "day.csv:3: appointment: the appointment is more than a year ahead; check the date")


def _xlsx(rows, path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path.read_bytes()


def test_xlsx_with_excel_dates_booleans_and_numbers(clinic, tmp_path):
    data = _xlsx([["Language", "Stages", "Name", "Appointment", "Large_print"],
                  ["zh-Hans", "infusion-day aftercare", "王小明", dt.datetime(2026, 12, 2, 9, 0),
                   True],
                  [None, None, None, None, None],
                  ["ar", "consultation", "فاطمة", "2026-12-02 10:30", 0]], tmp_path / "d.xlsx")
    day = read_day_list(data, "day.xlsx", clinic, now=NOW)
    assert [v.row for v in day.visits] == [2, 4]
    wang, fatima = day.visits
    assert wang.patient.appointment == dt.datetime(2026, 12, 2, 9, 0) and wang.large_print
    assert fatima.patient.name == "فاطمة" and not fatima.large_print


def test_an_excel_date_cell_is_held_to_the_years_a_typed_one_is(clinic, tmp_path):
    data = _xlsx([["language", "stages", "appointment"],
                  ["es", "aftercare", dt.datetime(1926, 12, 2, 9, 0)]], tmp_path / "d.xlsx")
    assert problems(data, clinic, name="day.xlsx") == [
        "day.xlsx:2: appointment: '1926-12-02 09:00' is in the year 1926; give a date from "
        "2000 to 2099"]


def test_xlsx_mistakes_name_the_sheet_row(clinic, tmp_path):
    data = _xlsx([["language", "stage"], ["es", "aftercare"],
                  ["en", "aftercare"]], tmp_path / "d.xlsx")
    assert problems(data, clinic, name="day.xlsx") == [
        "day.xlsx:1: stage: unknown column; did you mean 'stages'? (the columns are "
        "'language', 'stages', 'name', 'route', 'appointment', 'provider', 'large_print', "
        "'second_language')",
        "day.xlsx:1: stages: this column is missing; 'language', 'stages' are required"]
    data = _xlsx([["language", "stages", "appointment"],
                  ["es", "aftercare", dt.date(2026, 12, 2)]], tmp_path / "e.xlsx")
    assert problems(data, clinic, name="day.xlsx") == [
        "day.xlsx:2: appointment: '2026-12-02' has no time; give the date and time, "
        "e.g. 2026-12-01 09:30"]


def test_not_a_workbook_and_a_zip_bomb(clinic, tmp_path):
    import zipfile

    assert problems(b"PK\x03\x04 not really", clinic, name="day.xlsx") == [
        "day.xlsx: not an Excel workbook (.xlsx) that can be read: BadZipFile"]
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/sharedStrings.xml", b"\0" * (MAX_XLSX_UNPACKED + 1))
    assert bomb.stat().st_size < 200_000
    assert problems(bomb.read_bytes(), clinic, name="day.xlsx") == [
        "day.xlsx: the workbook unpacks to 64 MB, more than 64 MB"]
