"""A day's list: the schedule as a scheduling system exports it, one patient per row.

The contract (README, "A day's list"):

- CSV with a header row, UTF-8 with or without a byte-order mark, comma or semicolon
  as the separator; or an `.xlsx` workbook (its first sheet), read with openpyxl;
- columns, case-insensitive, in any order: `language` and `stages` (required; stage ids
  separated by spaces), `name`, `route`, `appointment` (`YYYY-MM-DD HH:MM` or with a
  `T`), `provider`, `large_print` (yes/no, true/false, 1/0), `second_language`;
  an unknown column is an error with a "did you mean";
- every row is checked before anything is rendered, and every mistake is reported at
  once as `FILE:ROW: column: message`, ROW counted as a spreadsheet shows it (the
  header is row 1); blank rows are skipped.

The list is read from bytes in memory and never written anywhere: its rows are patients.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from ..domain import STAGES, InvalidValue, check_choice, did_you_mean, quote
from ..errors import Problem, UserError
from .clinic import Clinic
from .languages import Language, parse_language
from .patient import Patient, appointment_doubt, clean_field, parse_appointment, within_years

REQUIRED = ("language", "stages")
COLUMNS = ("language", "stages", "name", "route", "appointment", "provider",
           "large_print", "second_language")
KINDS = (".csv", ".xlsx")
YES = ("yes", "true", "1", "y")
NO = ("no", "false", "0", "n", "")
# An .xlsx is a zip: refuse one that would unpack to more than this (a zip bomb).
MAX_XLSX_UNPACKED = 64 * 2**20


@dataclass(frozen=True)
class Visit:
    """One checked row of a day's list: what to print for one patient."""

    row: int                    # as a spreadsheet shows it (the header is row 1)
    language: Language
    stages: tuple[str, ...]
    route: str
    patient: Patient = Patient()
    large_print: bool = False
    second: Language | None = None


@dataclass(frozen=True)
class DayList:
    name: str                  # the file as the user named it, for messages
    visits: tuple[Visit, ...]
    warnings: tuple[str, ...]  # `FILE:ROW: column: message`, nothing is wrong enough to stop


def kind_of(name: str) -> str:
    """`.csv` or `.xlsx` from a file name, or a UserError naming the two."""
    lower = name.lower()
    for kind in KINDS:
        if lower.endswith(kind):
            return kind
    raise UserError(Problem(name, None, "a day list is a .csv or .xlsx file "
                                        "(export the schedule as CSV UTF-8 or Excel)"))


def read_day_list(data: bytes, name: str, clinic: Clinic, max_rows: int | None = None,
                  now: dt.datetime | None = None) -> DayList:
    """Every row of the list checked against the clinic; UserError lists every mistake."""
    kind = kind_of(name)
    rows = _xlsx_rows(data, name) if kind == ".xlsx" else _csv_rows(data, name)
    problems: list[Problem] = []
    header_row, header = next(rows, (1, None))
    if header is None:
        raise UserError(Problem(name, None, "the file is empty; the first row names the "
                                            f"columns: {quote(REQUIRED)} at least"))
    columns = _columns(header, name, header_row, problems)
    missing = set(REQUIRED) - set(columns.values())  # said once, at the header
    visits, warnings = [], []
    for number, cells in rows:
        if all(_text(c) == "" for c in cells):
            continue  # a blank row, as exports often end with
        if max_rows is not None and len(visits) >= max_rows:
            problems.append(Problem(name, number, f"more than {max_rows} rows; split the "
                                                  "list into smaller ones"))
            break
        values = {col: cells[i] if i < len(cells) else None for i, col in columns.items()}
        visit = _visit(values, number, name, clinic, problems, missing)
        if visit is not None:
            visits.append(visit)
            if doubt := appointment_doubt(visit.patient.appointment, now):
                warnings.append(f"{name}:{number}: appointment: {doubt}; check the date")
    if not problems and not visits:
        problems.append(Problem(name, None, "the list has a header but no rows"))
    if problems:
        raise UserError(problems)
    return DayList(name, tuple(visits), tuple(warnings))


def _columns(header: list, name: str, row: int, problems: list[Problem]) -> dict[int, str]:
    """Column index -> column name; unknown, repeated and missing columns are problems."""
    found: dict[int, str] = {}
    for i, cell in enumerate(header):
        col = _text(cell).lower()
        if not col:
            continue  # an unnamed column: its cells are ignored
        if col not in COLUMNS:
            problems.append(Problem(name, row, f"{_text(cell)}: unknown column"
                                               f"{did_you_mean(col, COLUMNS)} (the columns "
                                               f"are {quote(COLUMNS)})"))
        elif col in found.values():
            problems.append(Problem(name, row, f"{col}: the column appears twice"))
        else:
            found[i] = col
    for col in REQUIRED:
        if col not in found.values():
            problems.append(Problem(name, row, f"{col}: this column is missing; "
                                               f"{quote(REQUIRED)} are required"))
    return found


def _visit(values: dict, row: int, name: str, clinic: Clinic, problems: list[Problem],
           missing: set[str]) -> Visit | None:
    """One row as a Visit, or None with each of its mistakes added to `problems`."""
    offered = list(clinic.languages)
    before = len(problems)

    def check(column: str, read):
        if column in missing:
            return None
        try:
            return read(values.get(column))
        except InvalidValue as exc:
            problems.append(Problem(name, row, f"{column}: {exc.detail}"))
        except UserError as exc:
            problems.extend(Problem(name, row, f"{column}: {p.message}") for p in exc.problems)
        return None

    lang = check("language", lambda v: parse_language(_required(v), offered, "language"))
    stages = check("stages", _stages)
    route = check("route", lambda v: check_choice(_text(v) or clinic.routes[0], clinic.routes,
                                                  "route", "the routes this clinic offers"))
    second = check("second_language",
                   lambda v: parse_language(_text(v), offered, "second_language")
                   if _text(v) else None)
    patient = Patient(name=check("name", lambda v: clean_field(_text(v), "name")) or "",
                      appointment=check("appointment", _appointment),
                      provider=check("provider", lambda v: clean_field(_text(v), "provider"))
                      or "")
    large = check("large_print", _yes_no)
    if len(problems) > before or missing:
        return None
    return Visit(row, lang, stages, route, patient, bool(large),
                 second if second != lang else None)


def _required(value) -> str:
    text = _text(value)
    if not text:
        raise InvalidValue("", "empty; every row needs one")
    return text


def _stages(value) -> tuple[str, ...]:
    words = _required(value).split()
    for word in words:
        check_choice(word, STAGES, "stages")
    return tuple(dict.fromkeys(words))


def _appointment(value) -> dt.datetime | None:
    # An Excel date cell comes back as a datetime at 00:00: a date with no time, in practice.
    if isinstance(value, dt.date) and (not isinstance(value, dt.datetime)
                                       or value.time() == dt.time(0, 0)):
        raise InvalidValue("appointment", f"{value.strftime('%Y-%m-%d')!r} has no time; give "
                                          "the date and time, e.g. 2026-12-01 09:30")
    if isinstance(value, dt.datetime):  # an Excel date-and-time cell
        return within_years(value.replace(second=0, microsecond=0), "appointment",
                            value.strftime("%Y-%m-%d %H:%M"))
    return parse_appointment(_text(value), "appointment")


def _yes_no(value) -> bool:
    text = _text(value).lower()
    if text in YES or text in NO:
        return text in YES
    raise InvalidValue("large_print", f"{_text(value)!r}; write yes or no "
                                      "(true/false and 1/0 work too)")


def _text(value) -> str:
    """A cell as text: Excel numbers without a trailing `.0`, booleans as yes/no."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value).strip()


# --- reading the two formats -------------------------------------------------------------

def _csv_rows(data: bytes, name: str) -> Iterator[tuple[int, list]]:
    """(row number, cells) of a CSV file: UTF-8 (a BOM is fine), `,` or `;` between cells."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError(Problem(name, None, f"not UTF-8 text (byte 0x{data[exc.start]:02x} at "
                                            f"position {exc.start}); save the list as "
                                            "'CSV UTF-8'")) from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from enumerate(reader, 1)
    except csv.Error as exc:
        raise UserError(Problem(name, reader.line_num, f"not readable as CSV: {exc}")) from None


def _xlsx_rows(data: bytes, name: str) -> Iterator[tuple[int, list]]:
    """(row number, cells) of the first sheet of an Excel workbook, values as shown."""
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > MAX_XLSX_UNPACKED:
            raise UserError(Problem(name, None, f"the workbook unpacks to "
                                                f"{unpacked // 2**20} MB, more than "
                                                f"{MAX_XLSX_UNPACKED // 2**20} MB"))
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UserError(Problem(name, None, f"not an Excel workbook (.xlsx) that can be "
                                            f"read: {type(exc).__name__}")) from None
    try:
        sheet = book.worksheets[0]
        first = sheet.min_row or 1
        for number, cells in enumerate(sheet.iter_rows(values_only=True), first):
            yield number, list(cells)
    finally:
        book.close()
