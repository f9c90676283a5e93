"""Reading CSV and XLSX tables as text, keeping the line each row has in an editor or spreadsheet."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from ._text import read_text
from .errors import Problem

#: The column holding each row's line (or spreadsheet row) number.
LINE = "_line"

_WIDTH_EXPECTED = "{width} fields, one per column of the header (quote values that contain commas)"


def read_table(path: Path, shown: str, required: list[str], optional: list[str] = (), *,
               allow_unknown: bool = False) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read a CSV or XLSX table into a DataFrame of stripped strings plus a ``_line`` column.

    Missing, unknown (unless ``allow_unknown``) and repeated columns are problems; so are rows with the wrong
    number of fields. Blank rows are skipped. Returns ``(None, problems)`` when the table cannot be read.
    """
    if path.suffix.lower() == ".xlsx":
        parsed, problems = _xlsx_rows(path, shown)
    else:
        parsed, problems = _csv_rows(path, shown)
    if parsed is None:
        return None, problems
    header_line, header, body, lines = parsed
    if header is None:
        return None, [Problem(shown, 1, None, "", f"a header line with the columns {', '.join(required)}")]
    header = [h.strip() for h in header]
    known = list(required) + list(optional)
    keep = []
    for i, name in enumerate(header):
        if name == "" and (body.empty or not _strip(body[i]).astype(bool).any()):
            continue  # an empty trailing column, as spreadsheets write
        if name not in known and not allow_unknown:
            problems.append(Problem(shown, header_line, f"column {i + 1}", name,
                                    f"one of the columns {', '.join(known)} (check its spelling)"))
        elif header.index(name) != i:
            problems.append(Problem(shown, header_line, f"column {i + 1}", name, "each column once"))
        else:
            keep.append(i)
    for name in required:
        if name not in header:
            problems.append(Problem(shown, header_line, name, None, f"a column named '{name}'"))
    if problems:
        return None, problems
    frame = pd.DataFrame({header[i]: _strip(body[i]) for i in keep}, index=body.index)
    for name in known:
        if name not in frame:
            frame[name] = ""
    frame[LINE] = lines
    blank = (frame.drop(columns=LINE) == "").all(axis=1) if len(frame.columns) > 1 else frame[LINE] < 0
    frame = frame[~blank].reset_index(drop=True)
    if not allow_unknown:
        frame = frame[[*known, LINE]]
    return frame, problems


def _strip(column: pd.Series) -> pd.Series:
    """Strip surrounding spaces; each distinct value once (ids repeat on thousands of rows)."""
    codes, uniques = pd.factorize(column.to_numpy(dtype=object), sort=False)
    stripped = np.array([str(u).strip() for u in uniques], dtype=object)
    return pd.Series(stripped[codes] if len(codes) else np.array([], dtype=object), index=column.index, dtype=object)


def _from_rows(rows: list[tuple[int, list[str]]], shown: str) -> tuple[tuple | None, list[Problem]]:
    """Header, body and lines from (line, fields) rows; rows of the wrong width are problems."""
    if not rows:
        return (1, None, None, None), []
    header_line, header = rows[0]
    width = len(header)
    records, lines, problems = [], [], []
    for line, fields in rows[1:]:
        if len(fields) != width:
            if all(not f.strip() for f in fields):
                continue
            if len(fields) > width and all(not f.strip() for f in fields[width:]):
                fields = fields[:width]
            elif len(fields) < width and all(not f.strip() for f in header[len(fields):]):
                fields = fields + [""] * (width - len(fields))
            else:
                problems.append(Problem(shown, line, None, f"{len(fields)} fields", _WIDTH_EXPECTED.format(width=width)))
                continue
        records.append(fields)
        lines.append(line)
    body = pd.DataFrame(records, columns=range(width), dtype=object) if records else \
        pd.DataFrame({i: pd.Series(dtype=object) for i in range(width)})
    return (header_line, header, body.astype(object), np.asarray(lines, dtype=np.int64)), problems


def _csv_rows(path: Path, shown: str) -> tuple[tuple | None, list[Problem]]:
    text, problems = read_text(path, shown)
    if text is None:
        return None, problems
    fast = _csv_fast(text)
    if fast is not None:
        return fast, []
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = []
    start = 1
    try:
        for fields in reader:
            rows.append((start, fields))
            start = reader.line_num + 1
    except csv.Error as err:
        return None, [Problem(shown, reader.line_num, None, None, f"well-formed CSV ({err})")]
    return _from_rows(rows, shown)


def _csv_fast(text: str) -> tuple | None:
    """Large, well-formed CSV through pandas' C parser: one record per line, every row the header's width.

    Anything else (a quoted line break, a short or long row, a blank line) returns None, and the careful
    reader above finds the lines and reports the problems.
    """
    if not text.strip():
        return None
    try:
        frame = pd.read_csv(io.StringIO(text), header=None, dtype=str, na_filter=False, keep_default_na=False,
                            skip_blank_lines=False, engine="c")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
        return None
    n_lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if len(frame) != n_lines or frame.isna().to_numpy().any():
        return None
    header = frame.iloc[0].tolist()
    body = frame.iloc[1:].reset_index(drop=True)
    body.columns = range(frame.shape[1])
    return (1, header, body.astype(object), np.arange(2, len(frame) + 1, dtype=np.int64))


def _xlsx_rows(path: Path, shown: str) -> tuple[tuple | None, list[Problem]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # zipfile.BadZipFile, openpyxl's InvalidFileException, KeyError, ...
        return None, [Problem(shown, None, None, type(err).__name__, "an Excel workbook (.xlsx)")]
    try:
        sheet = workbook.worksheets[0]
        rows = [(number, [_cell_text(v) for v in values])
                for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)]
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as err:
        return None, [Problem(shown, None, None, type(err).__name__, "an Excel workbook (.xlsx)")]
    finally:
        workbook.close()
    if rows:  # read-only sheets pad rows to the widest; trim the header's trailing empty cells
        header = rows[0][1]
        while header and header[-1] == "":
            header.pop()
    return _from_rows(rows, shown)


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
