"""Reading CSV and XLSX tables as text, keeping the line each row has in an editor or spreadsheet."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pandas as pd

from ._text import read_text
from .errors import Problem

#: The column holding each row's line (or spreadsheet row) number.
LINE = "_line"


def read_table(path: Path, shown: str, required: list[str], optional: list[str] = (), *,
               allow_unknown: bool = False) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read a CSV or XLSX table into a DataFrame of stripped strings plus a ``_line`` column.

    Missing, unknown (unless ``allow_unknown``) and repeated columns are problems; so are rows with the wrong
    number of fields. Blank rows are skipped. Returns ``(None, problems)`` when the table cannot be read.
    """
    if path.suffix.lower() == ".xlsx":
        rows, problems = _xlsx_rows(path, shown)
    else:
        rows, problems = _csv_rows(path, shown)
    if rows is None:
        return None, problems
    if not rows:
        return None, [Problem(shown, 1, None, "", f"a header line with the columns {', '.join(required)}")]
    header_line, header = rows[0]
    header = [h.strip() for h in header]
    known = list(required) + list(optional)
    for i, name in enumerate(header):
        if name not in known and not allow_unknown:
            if name == "" and all(not r[1][i].strip() for r in rows[1:] if i < len(r[1])):
                continue  # an empty trailing column, as spreadsheets write
            problems.append(Problem(shown, header_line, f"column {i + 1}", name,
                                    f"one of the columns {', '.join(known)} (check its spelling)"))
        elif name and header.index(name) != i:
            problems.append(Problem(shown, header_line, f"column {i + 1}", name, "each column once"))
    for name in required:
        if name not in header:
            problems.append(Problem(shown, header_line, name, None, f"a column named '{name}'"))
    if problems:
        return None, problems
    records, lines = [], []
    width = len(header)
    for line, fields in rows[1:]:
        if all(not f.strip() for f in fields):
            continue
        if len(fields) != width:
            extra = fields[width:]
            if len(fields) > width and all(not f.strip() for f in extra):
                fields = fields[:width]
            else:
                problems.append(Problem(shown, line, None, f"{len(fields)} fields",
                                        f"{width} fields, one per column of the header (quote values that contain commas)"))
                continue
        records.append([f.strip() for f in fields])
        lines.append(line)
    frame = pd.DataFrame(records, columns=header, dtype=object)
    if not allow_unknown:
        frame = frame.loc[:, [c for c in header if c in known]]
    for name in known:
        if name not in frame:
            frame[name] = ""
    frame[LINE] = pd.array(lines, dtype="int64")
    return frame, problems


def _csv_rows(path: Path, shown: str) -> tuple[list | None, list[Problem]]:
    text, problems = read_text(path, shown)
    if text is None:
        return None, problems
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = []
    start = 1
    try:
        for fields in reader:
            rows.append((start, fields))
            start = reader.line_num + 1
    except csv.Error as err:
        return None, [Problem(shown, reader.line_num, None, None, f"well-formed CSV ({err})")]
    return rows, []


def _xlsx_rows(path: Path, shown: str) -> tuple[list | None, list[Problem]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as err:
        return None, [Problem(shown, None, None, type(err).__name__, "an Excel workbook (.xlsx)")]
    except Exception as err:  # openpyxl raises its own InvalidFileException for other formats
        return None, [Problem(shown, None, None, type(err).__name__, "an Excel workbook (.xlsx)")]
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            rows.append((number, [_cell_text(v) for v in values]))
        # read-only sheets pad rows to the widest; trim trailing empty cells of the header
        if rows:
            header = rows[0][1]
            while header and header[-1] == "":
                header.pop()
            width = len(header)
            rows = [rows[0]] + [(n, r[:width] if all(v == "" for v in r[width:]) else r) for n, r in rows[1:]]
        return rows, []
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def find_table(folder: Path, stem: str) -> tuple[Path | None, list[Path]]:
    """The ``<stem>.csv`` or ``<stem>.xlsx`` in a folder, and all candidates found (to report ambiguity)."""
    found = [p for p in (folder / f"{stem}.csv", folder / f"{stem}.xlsx") if p.is_file()]
    return (found[0] if found else None), found
