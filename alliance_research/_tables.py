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
        parsed, problems, shown = _xlsx_rows(path, shown, path.stem)
    else:
        parsed, problems = _csv_rows(path, shown)
    if parsed is None:
        return None, problems
    header_line, header, body, lines = parsed
    if header is None:
        return None, problems + [Problem(shown, 1, None, "", f"a header line with the columns {', '.join(required)}")]
    header = [h.strip() for h in header]
    if len(header) == 1 and any(sep in header[0] for sep in (";", "\t")):
        sep = "';'" if ";" in header[0] else "tabs"
        return None, [Problem(shown, header_line, None, header[0],
                              f"comma-separated values (this file is separated by {sep}: save it as "
                              f"'CSV UTF-8 (comma delimited)')")]
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
    frame.attrs["shown"] = shown
    return frame, problems


def _strip(column: pd.Series) -> pd.Series:
    """Strip surrounding spaces; each distinct value once (ids repeat on thousands of rows)."""
    codes, uniques = pd.factorize(column.to_numpy(dtype=object), sort=False)
    stripped = np.array([str(u).strip() for u in uniques], dtype=object)
    return pd.Series(stripped[codes] if len(codes) else np.array([], dtype=object), index=column.index, dtype=object)


def _from_rows(rows: list[tuple[int, list[str]]], shown: str) -> tuple[tuple | None, list[Problem]]:
    """Header, body and lines from (line, fields) rows; rows of the wrong width are problems."""
    while rows and all(not f.strip() for f in rows[0][1]):
        rows = rows[1:]  # blank lines above the header
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
    body = pd.DataFrame(records, columns=range(width), dtype=object)
    return (header_line, header, body, np.asarray(lines, dtype=np.int64)), problems


def _csv_rows(path: Path, shown: str) -> tuple[tuple | None, list[Problem]]:
    text, problems = read_text(path, shown)
    if text is None:
        return None, problems
    fast = _csv_fast(text)
    if fast is not None:
        return fast, []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows = []
    start = 1
    try:
        for fields in reader:
            rows.append((start, fields))
            start = reader.line_num + 1
    except csv.Error as err:
        if "unexpected end of data" in str(err):
            return None, [Problem(shown, start, None, None,
                                  'a closing quote: a quote (") opened on this line is never closed, so every line '
                                  "after it would be read as one value")]
        return None, [Problem(shown, start, None, None, f"well-formed CSV ({err}; a value with a quote (\") "
                                                         'must be quoted as a whole, with the quote doubled: "say ""hi"""')]
    return _from_rows(rows, shown)


def _csv_fast(text: str) -> tuple | None:
    """Large, well-formed CSV through pandas' C parser: one record per line, every row the header's width.

    Anything else (a quoted line break, a short or long row, a blank line) returns None, and the careful
    reader above finds the lines and reports the problems.
    """
    if not text.strip() or '"' in text:
        return None
    rows = text.split("\n")
    if rows[-1] == "":
        rows.pop()
    commas = np.fromiter((r.count(",") for r in rows), dtype=np.int64, count=len(rows))
    if (commas != commas[0]).any():  # a short, long or blank row: the careful reader reports it
        return None
    try:
        frame = pd.read_csv(io.StringIO(text), header=None, dtype=str, na_filter=False, keep_default_na=False,
                            skip_blank_lines=False, engine="c")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
        return None
    if len(frame) != len(rows):  # a lone carriage return, which pandas reads as a line break
        return None
    header = frame.iloc[0].tolist()
    body = frame.iloc[1:].reset_index(drop=True)
    body.columns = range(frame.shape[1])
    return (1, header, body.astype(object), np.arange(2, len(frame) + 1, dtype=np.int64))


def _xlsx_rows(path: Path, shown: str, stem: str) -> tuple[tuple | None, list[Problem], str]:
    """Rows of the sheet named like the table (e.g. 'responses'), else of the first sheet.

    When the workbook has several sheets, messages name the sheet read. A formula cell without a saved result
    (as written by scripts, never opened in a spreadsheet) is a problem, not a silent blank.
    """
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # zipfile.BadZipFile, openpyxl's InvalidFileException, KeyError, OSError, ...
        return None, [Problem(shown, None, None, type(err).__name__, "an Excel workbook (.xlsx)")], shown
    try:
        names = workbook.sheetnames
        name = next((n for n in names if n.strip().lower() == stem.lower()), names[0])
        if len(names) > 1:
            shown = f"{shown} (sheet '{name}')"
        rows = [(number, [_cell_text(v) for v in values])
                for number, values in enumerate(workbook[name].iter_rows(values_only=True), start=1)]
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError) as err:
        return None, [Problem(shown, None, None, type(err).__name__, "an Excel workbook (.xlsx)")], shown
    finally:
        workbook.close()
    problems = _unsaved_formulas(path, name, rows, shown)
    if rows:  # read-only sheets pad rows to the widest; trim the header's trailing empty cells
        header = rows[0][1]
        while header and header[-1] == "":
            header.pop()
    parsed, more = _from_rows(rows, shown)
    return parsed, problems + more, shown


def _unsaved_formulas(path: Path, sheet: str, rows: list, shown: str) -> list[Problem]:
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    with zipfile.ZipFile(path) as archive:
        if not any(b"<f" in archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/")):
            return []
    workbook = load_workbook(path, read_only=True, data_only=False)
    try:
        problems = []
        header = rows[0][1] if rows else []
        for number, values in enumerate(workbook[sheet].iter_rows(values_only=True), start=1):
            for col, formula in enumerate(values):
                if isinstance(formula, str) and formula.startswith("=") and number <= len(rows) \
                        and rows[number - 1][1][col] == "":
                    column = header[col] if col < len(header) and header[col] and number > 1 else get_column_letter(col + 1)
                    problems.append(Problem(shown, number, column, formula,
                                            "a value: the cell holds a formula with no saved result (open the file "
                                            "in Excel or LibreOffice and save it, or paste values)"))
        return problems
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
