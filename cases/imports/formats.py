"""Reading a case management system's export, one case at a time, in constant memory.

Three formats (docs/import.md): CSV with one row per count, JSON (an array of cases) and
JSON Lines (one case per line). Each reader yields `Incoming` cases in the shape of
docs/import.schema.json, with the file's row (CSV) or line/item number so that the report can
point at it. A row that cannot be read is yielded with its problem, never skipped.
"""

import codecs
import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import ijson

MAX_BYTES = 100 * 1024 * 1024
FORMATS = {".csv": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}

# CSV columns: the case's, then the count's. Aliases are separated by ";" in one cell.
CASE_COLUMNS = (
    "court_case_number",
    "da_file_number",
    "defendant_name",
    "aliases",
    "court_name",
    "department",
    "defense_counsel",
    "stage",
    "next_hearing",
    "next_hearing_type",
    "assigned_deputy",
    "unit",
)
COUNT_COLUMNS = ("count_number", "statute", "level", "offense_date", "enhancements")
REQUIRED_COLUMNS = ("court_case_number", "defendant_name", "unit", "statute", "level")


class FileRefused(Exception):
    """The whole file is refused before any row is read (size, type, header)."""


@dataclass
class Incoming:
    """One case as read from the file, before validation."""

    row: int  # the CSV row (header = row 1), JSON Lines line or JSON array item (from 1)
    data: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)  # every CSV row of the case
    first_cells: dict[str, str] = field(default_factory=dict)  # the case's first CSV row


def detect_format(name: str, head: bytes) -> str:
    """The format from the file's name, confirmed by its first bytes: refused when it is
    neither CSV nor JSON (a PDF or a spreadsheet renamed .csv is caught here)."""
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    fmt = FORMATS.get(suffix)
    if fmt is None:
        raise FileRefused(
            f"“{name}” is not a CSV, JSON or JSON Lines file: name it .csv, .json or .jsonl."
        )
    text = head.removeprefix(codecs.BOM_UTF8).lstrip()
    if b"\x00" in head or head.startswith((b"%PDF", b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise FileRefused(f"“{name}” is not a text file: export it as {fmt.upper()}.")
    if fmt == "json" and text and not text.startswith(b"["):
        raise FileRefused(f"“{name}” must hold a JSON array of cases, starting with “[”.")
    if fmt == "jsonl" and text and not text.startswith(b"{"):
        raise FileRefused(f"Each line of “{name}” must be one JSON object (a case).")
    return fmt


def read_cases(stream: IO[bytes], fmt: str) -> Iterator[Incoming]:
    if fmt == "csv":
        return _csv_cases(stream)
    if fmt == "jsonl":
        return _jsonl_cases(stream)
    return _json_cases(stream)


# --- CSV ----------------------------------------------------------------------------------------


def _csv_cases(stream: IO[bytes]) -> Iterator[Incoming]:
    # Undecodable bytes are kept as surrogates so that the row they are in, and only that row,
    # is refused with its number ("wrong encoding").
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
    reader = csv.DictReader(text)
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise FileRefused(
            "The file has no " + ", ".join(f"“{name}”" for name in missing) + " column "
            "(the first row must name the columns: see docs/import.md)."
        )
    reader.fieldnames = header
    current: Incoming | None = None
    for values in reader:
        row = reader.line_num
        cells = {key: (value or "").strip() for key, value in values.items() if key is not None}
        number = cells.get("court_case_number", "")
        if current is not None and number == current.data.get("court_case_number"):
            _add_csv_count(current, cells, row)
            continue
        if current is not None:
            yield current
        current = Incoming(row=row, rows=[row], first_cells=cells)
        current.data = {
            name: _csv_case_value(name, cells[name]) for name in CASE_COLUMNS if name in cells
        }
        current.data["counts"] = []
        _add_csv_count(current, cells, row, first=True)
        if None in values:
            current.problems.append(f"Row {row} has more cells than the header has columns.")
    if current is not None:
        yield current


def _csv_case_value(name: str, value: str) -> Any:
    if name == "aliases":
        return [alias.strip() for alias in value.split(";") if alias.strip()]
    return value


def _add_csv_count(case: Incoming, cells: dict[str, str], row: int, first: bool = False) -> None:
    if not first:
        case.rows.append(row)
    if any(_UNDECODABLE.search(value) for value in cells.values()):
        case.problems.append(
            f"Row {row} is not UTF-8 text: export the file as UTF-8 (the wrong encoding)."
        )
    if not first:
        # The case's own cells must agree on every row of the case (blank means "as above").
        for name in CASE_COLUMNS:
            value = cells.get(name)
            if value and value != case.first_cells.get(name) and case.first_cells.get(name):
                case.problems.append(
                    f"Row {row} gives a different {name.replace('_', ' ')} for the same case "
                    f"than row {case.row}."
                )
    count: dict[str, Any] = {name: cells[name] for name in COUNT_COLUMNS if name in cells}
    count["row"] = row
    case.data["counts"].append(count)


# Bytes that are not UTF-8, kept as lone surrogates by errors="surrogateescape".
_UNDECODABLE = re.compile("[\udc80-\udcff]")


# --- JSON Lines and JSON ------------------------------------------------------------------------


def _jsonl_cases(stream: IO[bytes]) -> Iterator[Incoming]:
    for number, raw in enumerate(stream, start=1):
        line = raw.strip()
        if number == 1:
            line = line.removeprefix(codecs.BOM_UTF8)
        if not line:
            continue
        item = Incoming(row=number, rows=[number])
        try:
            value = json.loads(line.decode("utf-8"))
        except UnicodeDecodeError:
            item.problems.append(f"Line {number} is not UTF-8 text: export the file as UTF-8.")
        except json.JSONDecodeError as error:
            item.problems.append(f"Line {number} is not valid JSON ({error.msg}).")
        else:
            _take_object(item, value, f"Line {number}")
        yield item


def _json_cases(stream: IO[bytes]) -> Iterator[Incoming]:
    number = 0
    try:
        for number, value in enumerate(ijson.items(stream, "item", use_float=True), start=1):
            item = Incoming(row=number, rows=[number])
            _take_object(item, value, f"Case {number} of the array")
            yield item
    except (ijson.JSONError, UnicodeDecodeError) as error:
        # A JSON document that breaks cannot be read past the break: what came before stands,
        # and the break is reported where it is.
        yield Incoming(
            row=number + 1,
            rows=[number + 1],
            problems=[f"The JSON cannot be read after case {number}: {_json_error(error)}."],
        )


def _json_error(error: Exception) -> str:
    if isinstance(error, UnicodeDecodeError):
        return "it is not UTF-8 text"
    return str(error).split("\n")[0] or "it is not valid JSON"


def _take_object(item: Incoming, value: Any, where: str) -> None:
    if not isinstance(value, dict):
        item.problems.append(f"{where} is not a JSON object (a case).")
        return
    item.data = value
    counts = value.get("counts")
    if isinstance(counts, list):
        for count in counts:
            if isinstance(count, dict):
                count["row"] = item.row
