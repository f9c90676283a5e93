"""Importing wide survey exports (MS Forms, Qualtrics, ...) into a library's long ``responses.csv``.

A wide export has one row per respondent and one column per question. A *codebook* CSV says which export
column holds which practice, and which columns hold the respondent id, the organisation and the organisation
type:

.. code-block:: text

    column,practice_id
    Respondent,respondent_id
    Employer,organisation
    Organisation type,organisation_type
    "Q1. <the question about the first practice>",<a practice id of the framework>
    "Q2. <the question about the second practice>",<another practice id>
    ...

Answers may be scores, level names from the framework (``Established``), ``"3 - Established"``, the
framework's don't-know answer, or blank. Export columns the codebook does not name (timestamps, e-mail, ...)
are ignored.

An optional third codebook column, ``codes``, lists a platform's answer codes for a practice or the
organisation type, as ``code=answer`` pairs separated by ``;``: ``A0=0; A1=1; A2=2; A3=3; A4=4; DK=`` (an empty
answer is "don't know") or ``CLIEN=client; CONTR=contractor``. An answer found among the codes is read as its
answer; any other answer is read as above, so one codebook reads a LimeSurvey export with *Answer codes* and
with *Full answers*, and a Qualtrics export with numeric values and with choice text.
``alliance-research instrument export`` writes these codebooks.

Platform layouts read without any setting:

- **Qualtrics** CSV exports put three header rows above the data: the column ids, the question texts, and
  ``{"ImportId":"QID3_1"}`` JSON. When the third line is such JSON, the second and third lines are skipped, and a
  codebook column may name either the column id or the ImportId; an optional ``import_id`` codebook column
  gives the ImportId to look for when the column id is not there (an export tag renamed in Qualtrics).
  Lines in messages are still the lines of the file.
- **LimeSurvey** CSV exports (headings *Question code*) name a list question's column by its code and an array
  row's column ``CODE[SQ]``; the codebook names them as they are, with ``id`` as the respondent id.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from ._tables import LINE, read_table
from .errors import LibraryError, Problem
from .files import atomic_write
from .framework import Framework
from .framework import load_framework
from .library import ALLIANCE_ID, ORGANISATION_TYPES, RESPONSE_COLUMNS, library_root, load_library_folder
from .paths import shown_path

__all__ = ["import_survey", "append_responses", "read_codebook", "load_codebook", "Codebook", "wide_to_long",
           "META_FIELDS"]

#: Codebook targets that are not practices (practice ids never contain underscores).
META_FIELDS = ("respondent_id", "organisation", "organisation_type")


def read_codebook(path: str | Path, fw: Framework) -> tuple[dict[str, str], dict[str, str]]:
    """Read a codebook: ``(practice column -> practice id, meta field -> column)``.

    Raises
    ------
    LibraryError
        On unknown practice ids, a practice or field mapped twice, a missing organisation column, or invalid
        ``codes``.
    """
    book = load_codebook(path, fw)
    return book.practices, book.meta


class Codebook(NamedTuple):
    """A codebook as ``import-survey`` uses it.

    ``practices``: export column -> practice id; ``meta``: field (``respondent_id``, ``organisation``,
    ``organisation_type``) -> export column; ``codes``: export column -> ``{code: answer}`` (a score or None for
    a practice, an organisation type for the organisation type); ``import_ids``: export column -> the Qualtrics
    ImportId to find it by when its column id was renamed.
    """

    practices: dict[str, str]
    meta: dict[str, str]
    codes: dict[str, dict]
    import_ids: dict[str, str]


def load_codebook(path: str | Path, fw: Framework) -> Codebook:
    """Read a codebook with its optional ``codes`` and ``import_id`` columns (see the module docstring).

    Raises
    ------
    LibraryError
        As :func:`read_codebook`; also for a ``codes`` entry that is not ``code=answer``, a code listed twice,
        an answer that is not one of the framework's (or an organisation type), or codes on another field.
    """
    path = Path(path)
    shown = path.as_posix()
    frame, problems = read_table(path, shown, ["column", "practice_id"], ["codes", "import_id"])
    if frame is None:
        raise LibraryError(problems)
    practices: dict[str, str] = {}
    meta: dict[str, str] = {}
    codes: dict[str, dict] = {}
    import_ids: dict[str, str] = {}
    seen_target: dict[str, int] = {}
    valid = set(fw.practice_ids) | set(META_FIELDS)
    rows = frame[["column", "practice_id", "codes", "import_id", LINE]].itertuples(index=False)
    for column, target, code_text, import_id, line in rows:
        if not column:
            problems.append(Problem(shown, line, "column", column, "the name of a column of the export"))
            continue
        if target not in valid:
            problems.append(Problem(shown, line, "practice_id", target,
                                    f"a practice id of framework '{fw.id}' or one of {', '.join(META_FIELDS)}"))
            continue
        if target in seen_target:
            problems.append(Problem(shown, line, "practice_id", target,
                                    f"each practice or field once (already on line {seen_target[target]})"))
            continue
        seen_target[target] = line
        if column in practices or column in meta.values():
            problems.append(Problem(shown, line, "column", column, "each export column once"))
            continue
        (meta.__setitem__(target, column) if target in META_FIELDS else practices.__setitem__(column, target))
        if code_text:
            mapping, more = _parse_codes(code_text, target, fw, shown, line)
            problems += more
            codes[column] = mapping
        if import_id:
            import_ids[column] = import_id
    for field in ("organisation", "organisation_type"):
        if field not in meta:
            problems.append(Problem(shown, None, "practice_id", None,
                                    f"a row mapping the export column that holds the {field.replace('_', ' ')} "
                                    f"to '{field}'"))
    if not practices:
        problems.append(Problem(shown, None, "practice_id", None, "at least one row mapping a column to a practice"))
    if problems:
        raise LibraryError(problems)
    return Codebook(practices, meta, codes, import_ids)


def _parse_codes(text: str, target: str, fw: Framework, shown: str, line: int) -> tuple[dict, list[Problem]]:
    """``"A0=0; A1=1; DK="`` -> ``{"A0": 0, "A1": 1, "DK": None}`` for a practice (answers read as survey
    answers), or ``{"CLIEN": "client"}`` for the organisation type."""
    problems: list[Problem] = []
    mapping: dict[str, object] = {}
    if target not in fw.practice_ids and target != "organisation_type":
        return mapping, [Problem(shown, line, "codes", text,
                                 "no codes on this row (codes are for practices and organisation_type)")]
    for pair in text.split(";"):
        if not pair.strip():
            continue
        code, sep, answer = (part.strip() for part in pair.partition("="))
        if not sep or not code:
            problems.append(Problem(shown, line, "codes", pair.strip(),
                                    "code=answer pairs separated by ';', e.g. 'A3=3; DK='"))
        elif code in mapping:
            problems.append(Problem(shown, line, "codes", code, "each code once"))
        elif target == "organisation_type":
            if answer.lower() not in ORGANISATION_TYPES:
                problems.append(Problem(shown, line, "codes", pair.strip(),
                                        f"an organisation type after '=': one of {', '.join(ORGANISATION_TYPES)}"))
            else:
                mapping[code] = answer.lower()
        else:
            try:
                mapping[code] = fw.parse_answer(answer)
            except ValueError:
                problems.append(Problem(shown, line, "codes", pair.strip(),
                                        f"an answer after '=': {fw.expected_answers()}"))
    return mapping, problems


#: The third header line of a Qualtrics CSV export holds ``{"ImportId":"QID1_1"}`` in every column.
_IMPORT_ID = re.compile(r'^\{\s*"ImportId"\s*:')


def _qualtrics_import_ids(frame: pd.DataFrame) -> dict[str, str] | None:
    """ImportId -> column id when the frame's first two rows are a Qualtrics export's second and third header
    lines (question texts, then ImportId JSON in every non-empty cell); else None."""
    if len(frame) < 2:
        return None
    third = frame.drop(columns=LINE).iloc[1]
    cells = {column: value for column, value in third.items() if value}
    if not cells or not all(_IMPORT_ID.match(value) for value in cells.values()):
        return None
    aliases = {}
    for column, value in cells.items():
        try:
            import_id = json.loads(value).get("ImportId")
        except (json.JSONDecodeError, AttributeError):
            continue
        if isinstance(import_id, str):
            aliases.setdefault(import_id, column)
    return aliases


def wide_to_long(export: str | Path, codebook: str | Path, fw: Framework, alliance_id: str, wave: int) -> pd.DataFrame:
    """Turn a wide export into long rows with the ``responses.csv`` columns (``comment`` left empty).

    Every invalid answer, organisation type or missing organisation is reported together.
    """
    export = Path(export)
    shown = export.as_posix()
    practices, meta, codes, column_import_ids = load_codebook(codebook, fw)
    frame, problems = read_table(export, shown, [], allow_unknown=True)
    if frame is None:
        raise LibraryError(problems)
    first_data_line = 2
    import_ids = _qualtrics_import_ids(frame)
    if import_ids is not None:  # Qualtrics: skip the question-text and ImportId header lines
        first_data_line = int(frame[LINE].iloc[1]) + 1
        frame = frame.iloc[2:].reset_index(drop=True)
    codebook_shown = Path(codebook).as_posix()
    found: dict[str, str] = {}  # codebook column -> export column
    for column in [*practices, *meta.values()]:
        if column in frame.columns:
            found[column] = column
        elif import_ids and (column in import_ids or column_import_ids.get(column) in import_ids):
            found[column] = import_ids.get(column) or import_ids[column_import_ids[column]]
        else:
            problems.append(Problem(codebook_shown, None, "column", column, f"a column of {shown}"
                                    + (" (its column id or ImportId)" if import_ids is not None else "")))
    if problems:
        raise LibraryError(problems)
    practices = {found[column]: practice for column, practice in practices.items()}
    codes = {found[column]: mapping for column, mapping in codes.items()}
    meta = {field: found[column] for field, column in meta.items()}
    if frame.empty:
        raise LibraryError([Problem(shown, first_data_line, None, "", "at least one respondent row after the header")])
    stem = re.sub(r"[^a-z0-9]+", "-", export.stem.lower()).strip("-") or "respondent"
    rows = []
    seen_ids: dict[str, int] = {}
    for record in frame.to_dict("records"):
        line = int(record[LINE])
        if "respondent_id" in meta:
            respondent = record[meta["respondent_id"]]
            if not respondent:
                problems.append(Problem(shown, line, meta["respondent_id"], respondent, "a respondent id (not empty)"))
            elif respondent in seen_ids:
                problems.append(Problem(shown, line, meta["respondent_id"], respondent,
                                        f"a respondent id used once (already on line {seen_ids[respondent]})"))
            seen_ids.setdefault(respondent, line)
        else:
            respondent = f"{stem}-{line:03d}"
        organisation = record[meta["organisation"]]
        if not organisation:
            problems.append(Problem(shown, line, meta["organisation"], organisation,
                                    "the respondent's organisation (not empty)"))
        org_column = meta["organisation_type"]
        org_codes = codes.get(org_column, {})
        org_type = org_codes.get(record[org_column], record[org_column].lower())
        if org_type not in ORGANISATION_TYPES:
            problems.append(Problem(shown, line, org_column, record[org_column],
                                    f"one of {', '.join(ORGANISATION_TYPES)}" + _codes_hint(org_codes)))
        for column, practice in practices.items():
            answer = record[column]
            column_codes = codes.get(column, {})
            try:
                score = column_codes[answer] if answer in column_codes else fw.parse_answer(answer)
            except ValueError:
                problems.append(Problem(shown, line, column, answer, fw.expected_answers() + _codes_hint(column_codes)))
                continue
            rows.append((alliance_id, wave, respondent, organisation, org_type, practice, score, None))
    if problems:
        raise LibraryError(problems)
    out = pd.DataFrame(rows, columns=RESPONSE_COLUMNS)
    out["score"] = out["score"].astype("Int64")
    return out


def _codes_hint(codes: dict) -> str:
    return f", or one of the codebook's codes {', '.join(codes)}" if codes else ""


def import_survey(export: str | Path, codebook: str | Path, alliance_id: str, wave: int,
                  library: str | Path, *, framework: str | Path | None = None,
                  dry_run: bool = False) -> pd.DataFrame:
    """Append a wide survey export to a library's ``data/responses.csv``, atomically.

    Parameters
    ----------
    export : path
        The export (CSV or XLSX), one row per respondent.
    codebook : path
        The codebook CSV (see the module docstring).
    alliance_id : str
        The alliance the respondents rated; it must have a dossier in the library.
    wave : int
        The assessment round (1 or more).
    library : path
        The library folder. There is no default: an import never writes into the bundled example library by
        accident.
    framework : str or path, optional
        The rubric (default: the library's default framework).
    dry_run : bool
        Validate and return the rows without writing.

    Returns
    -------
    DataFrame
        The rows appended (``responses.csv`` columns).

    Raises
    ------
    LibraryError
        When the library is invalid, any answer is invalid, or any row would duplicate one already there.
        Nothing is written then.
    """
    return append_responses(lambda fw: wide_to_long(export, codebook, fw, alliance_id, wave), alliance_id, wave,
                            library, framework=framework, dry_run=dry_run, source=Path(export).as_posix(),
                            source_detail=Path(codebook).as_posix())


def append_responses(rows, alliance_id: str, wave: int, library: str | Path, *,
                     framework: str | Path | None = None, dry_run: bool = False, source: str = "ratings",
                     source_detail: str | None = None) -> pd.DataFrame:
    """Append long ratings to a library's ``data/responses.csv`` as a wave of one alliance, atomically, with the
    checks of :func:`import_survey` (which calls it): the library is valid, the alliance has a dossier, the wave
    is a whole number of 1 or more, no row is already there, a respondent keeps their organisation and type,
    and the file with the new rows loads as a valid library before it replaces the old one.

    Parameters
    ----------
    rows : DataFrame or callable
        The ratings in the ``responses.csv`` columns (``alliance_id`` and ``wave`` are set to the ones given), or
        a function of the library's framework returning them (so that they are checked against it).
    alliance_id, wave, library, framework, dry_run
        As in :func:`import_survey`.
    source, source_detail : str
        What the rows came from, named in problems.

    Returns
    -------
    DataFrame
        The rows appended.
    """
    if library is None:  # library_root(None) is the example library: never import into it by default
        raise LibraryError([Problem("library", None, None, None, "the folder of the library to append to")])
    root = library_root(library)
    fw = load_framework(framework, library=root)
    lib = load_library_folder(root, fw, require_responses=False)  # a new library may have no ratings yet
    target = root / "data" / "responses.csv"
    problems = []
    if not ALLIANCE_ID.match(alliance_id) or alliance_id not in set(lib.alliances["alliance_id"]):
        problems.append(Problem("--alliance", None, None, alliance_id,
                                f"an alliance with a dossier in {shown_path(root / 'casestudies', root)}/"))
    if isinstance(wave, bool) or not isinstance(wave, int) or wave < 1:
        problems.append(Problem("--wave", None, None, wave, "a whole number, 1 or more"))
    if (root / "data" / "responses.xlsx").is_file():
        problems.append(Problem("data/responses.xlsx", None, None, None,
                                "a library keeping responses.csv (import-survey appends to the CSV)"))
    if problems:
        raise LibraryError(problems)
    new = rows(lib.framework) if callable(rows) else rows
    new = new.assign(alliance_id=alliance_id, wave=wave)[RESPONSE_COLUMNS].reset_index(drop=True)
    unknown = sorted(set(new["practice_id"]) - set(lib.framework.practice_ids))
    if unknown:
        raise LibraryError([Problem(source, None, "practice_id", ", ".join(unknown[:5]),
                                    f"practices of the library's framework '{lib.framework.id}'")])
    keys = ["alliance_id", "wave", "respondent_id", "practice_id"]
    clash = new.merge(lib.responses[keys], on=keys, how="inner")
    if not clash.empty:
        respondents = sorted(clash["respondent_id"].unique())
        raise LibraryError([Problem(shown_path(target, root), None, ", ".join(keys), ", ".join(respondents[:5]),
                                    f"new rows only: {len(clash)} rows for respondents {', '.join(respondents[:5])}"
                                    f"{' ...' if len(respondents) > 5 else ''} are already in alliance "
                                    f"'{alliance_id}' wave {wave} (was this {'export' if source_detail else source}"
                                    f" imported before?)")])
    _check_same_respondents(new, lib.responses, source, source_detail or source, lib.framework)
    if not dry_run:
        _append_atomically(target, new, lambda tmp: load_library_folder(
            root, fw, require_responses=True, responses_path=tmp,
            responses_shown=f"{shown_path(target, root)} (with the imported rows)"))
    return new


def _check_same_respondents(new: pd.DataFrame, existing: pd.DataFrame, export: str | Path, codebook: str | Path,
                            fw: Framework) -> None:
    """A respondent already in this alliance and wave must keep their organisation and organisation type."""
    keys = ["alliance_id", "wave", "respondent_id"]
    people = new.drop_duplicates(keys)[keys + ["organisation", "organisation_type"]]
    before = existing.drop_duplicates(keys)[keys + ["organisation", "organisation_type"]]
    both = people.merge(before, on=keys, suffixes=("", "_before"))
    problems = []
    for row in both.itertuples(index=False):
        for column in ("organisation", "organisation_type"):
            if getattr(row, column) != getattr(row, f"{column}_before"):
                problems.append(Problem(Path(export).as_posix(), None, column, getattr(row, column),
                                        f"the {column.replace('_', ' ')} already recorded for respondent "
                                        f"'{row.respondent_id}' in this alliance and wave "
                                        f"('{getattr(row, f'{column}_before')}'), or another respondent id"))
    if problems:
        raise LibraryError(problems)


def _append_atomically(target: Path, rows: pd.DataFrame, check=None) -> None:
    """Write existing bytes + new rows to a temporary file beside ``target``, check it, then replace ``target``
    in one step. ``check(tmp_path)`` raises to refuse; the target is then untouched."""
    existing = target.read_bytes() if target.is_file() else b""
    if existing:
        text = existing.decode("utf-8-sig")
        header = next(csv.reader(io.StringIO(text, newline="")))
        header = [h.strip() for h in header]
        newline = "\r\n" if b"\r\n" in existing.split(b"\n", 1)[0] + b"\n" else "\n"
        if not existing.endswith(b"\n"):
            existing += newline.encode()
    else:
        header, newline = list(RESPONSE_COLUMNS), "\n"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    if not existing:
        writer.writerow(header)
    for record in rows.to_dict("records"):
        writer.writerow(["" if pd.isna(record.get(c)) else record.get(c, "") for c in header])
    data = existing + buffer.getvalue().encode("utf-8")
    atomic_write(target, data, check=check)
