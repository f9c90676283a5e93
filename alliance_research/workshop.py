"""The workshop kit: a self-assessment workbook, scoring a room of filled workbooks against the library, and the
page a facilitator puts on the screen.

A facilitator hands out the workbook (:func:`write_template`: one row per practice of the rubric, the level
descriptors beside it, a drop-down of level names, an evidence column); participants, or tables, rate their own
alliance; :func:`read_workbooks` reads every filled workbook back into the long ``responses`` format, reporting
every problem with its file, sheet and cell; :func:`score_room` scores the room as one group and sets it against
the library's clusters and case studies, its client-versus-partner gaps and three discussion prompts; and
:func:`render_room` writes the page (HTML and PNG figures).

The workbook tells participants that their answers are anonymous, so nothing a room shows rests on fewer than
``min_answers`` participants' answers (:data:`MIN_ANSWERS`, 3): a practice rated by fewer is not shown and is left
out of everything computed from the practices, client and partner scores need it on each side, and the result
keeps no raw answers (:func:`score_room` gives the reasoning).

Nothing here names a practice: rows, statements, descriptors and level names all come from the framework, and
the prompts fill templated wording with the framework's labels and the room's numbers.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from .agreement import RWG_THRESHOLD
from .errors import LibraryError, Problem
from .framework import Framework, load_framework
from .gaps import CLIENT
from .library import ORGANISATION_TYPES, RESPONSE_COLUMNS
from .outputs import move_files
from .writeups import _interval, _plural, _signed

__all__ = ["write_template", "fill_workbook", "read_workbooks", "simulate_room", "score_room", "RoomResult",
           "room_figures", "render_room", "write_room", "build_room", "room_view", "room_widget", "check_min_answers",
           "MIN_ANSWERS", "RATING_SHEET", "INSTRUCTIONS_SHEET", "LISTS_SHEET", "FIELD_CELLS", "ROOM"]

INSTRUCTIONS_SHEET = "Instructions"
RATING_SHEET = "Rating"
LISTS_SHEET = "Lists"  # hidden: the drop-down lists and what the workbook was made for
#: Where the participant's details go on the rating sheet.
FIELD_CELLS = {"alliance": "C3", "organisation_type": "C4", "organisation": "C5", "participant": "C6"}
_FIELD_LABELS = {"alliance": "Alliance you are rating", "organisation_type": "Your organisation type",
                 "organisation": "Your organisation (optional)",
                 "participant": "Your name or table (optional)"}
HEADER_ROW = 8
FIRST_ROW = HEADER_ROW + 1
ID_COLUMN, AREA_COLUMN, PRACTICE_COLUMN, RATING_COLUMN, EVIDENCE_COLUMN = "A", "B", "C", "D", "E"
FIRST_LEVEL_COLUMN = 6  # F: the level descriptors, lowest first
#: Cells of the hidden sheet that say what the workbook was made for.
_MADE_FOR = {"framework": "E1", "version": "E2", "made_by": "E3", "simulated": "E4"}
_MADE_BY = "alliance-research workshop template"
#: The group id the room is scored under.
ROOM = "room"
#: A folder holding this marker may be replaced by ``alliance-research workshop score``.
MARKER = ".alliance-research-workshop"
_EXPECTED_WORKBOOK = "an Excel workbook (.xlsx) made by `alliance-research workshop template`"


# ----------------------------------------------------------------------------------------------------------------
# the template


def _framework(framework: Framework | str | Path | None, library=None) -> Framework:
    return framework if isinstance(framework, Framework) else load_framework(framework, library=library)


def _lines(text: str, width: int) -> int:
    """Lines a wrapped cell needs at ``width`` characters (rough: spreadsheets do not fit row heights for us)."""
    return sum(max(1, math.ceil(len(part) / max(width, 1))) for part in str(text).split("\n"))


def write_template(path: str | Path, framework: Framework | str | Path | None = None, *,
                   library: str | Path | None = None, alliance: str | None = None) -> Path:
    """Write the self-assessment workbook for ``framework`` to ``path`` (an ``.xlsx`` file).

    Sheets: *Instructions* (how to fill it in, the scale); *Rating*: the participant's alliance, organisation
    type (a drop-down of client, contractor, designer, supplier, other), organisation and name or table, then one
    row per practice with its area, statement, a *Your rating* drop-down (the level names and the don't-know
    answer), an *Evidence* column and each level's descriptor beside it; and a hidden *Lists* sheet behind the
    drop-downs. The practice ids sit in a hidden column. Every sheet is protected (no password: against
    accidents, not people) and the workbook's structure is locked, so rows, sheets and ids stay as made while
    the answer cells stay editable.

    Parameters
    ----------
    path : path
        The workbook to write; replaced in one step if it exists.
    framework : Framework, str or path, optional
        The rubric (default: the Sustaining integration cell).
    library : path, optional
        A library whose ``data/frameworks/`` is searched for a framework id.
    alliance : str, optional
        The alliance's name, filled in for the participants (they can still change it).

    Returns
    -------
    Path

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> path = write_template(Path(tempfile.mkdtemp()) / "template.xlsx")
    >>> openpyxl.load_workbook(path).sheetnames
    ['Instructions', 'Rating', 'Lists']
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
    from openpyxl.workbook.defined_name import DefinedName
    from openpyxl.worksheet.datavalidation import DataValidation

    fw = _framework(framework, library)
    path = Path(path)
    wb = Workbook()
    bold, title_font = Font(bold=True), Font(bold=True, size=14)
    wrap = Alignment(wrap_text=True, vertical="top")
    answer_fill = PatternFill("solid", fgColor="FFF6D5")
    header_fill = PatternFill("solid", fgColor="DCE9EC")
    thin = Side(style="thin", color="B0B8BC")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    editable = Protection(locked=False)

    # the hidden lists: level names and the don't-know answer, organisation types, what the workbook is for
    lists = wb.active
    lists.title = LISTS_SHEET
    answers = list(fw.level_names.values()) + [fw.dont_know]
    for i, name in enumerate(answers, start=1):
        lists.cell(i, 1, name)
    for i, name in enumerate(ORGANISATION_TYPES, start=1):
        lists.cell(i, 2, name)
    for key, cell in _MADE_FOR.items():
        lists[cell.replace("E", "D")] = key
    lists[_MADE_FOR["framework"]] = fw.id
    lists[_MADE_FOR["version"]] = fw.version
    lists[_MADE_FOR["made_by"]] = _MADE_BY
    lists.sheet_state = "hidden"
    lists.protection.sheet = True
    wb.defined_names["RatingLevels"] = DefinedName("RatingLevels", attr_text=f"{LISTS_SHEET}!$A$1:$A${len(answers)}")
    wb.defined_names["OrganisationTypes"] = DefinedName(
        "OrganisationTypes", attr_text=f"{LISTS_SHEET}!$B$1:$B${len(ORGANISATION_TYPES)}")

    # instructions
    ins = wb.create_sheet(INSTRUCTIONS_SHEET, 0)
    ins.column_dimensions["A"].width = 4
    ins.column_dimensions["B"].width = 22
    ins.column_dimensions["C"].width = 90
    source = fw.source.get("name", "")
    rows = [
        (f"{fw.title}: self-assessment workbook", title_font),
        (f"Rubric: {fw.title} ({fw.id}, version {fw.version})" + (f", after the {source}." if source else "."), None),
        ("", None),
        ("How to fill it in", bold),
        (f"1. On the '{RATING_SHEET}' sheet, enter the alliance you are rating and choose your organisation "
         "type; your organisation and your name or table are optional.", None),
        ("2. For each practice, read the statement and the descriptor of each level beside it, then choose in "
         "'Your rating' the level that best describes your alliance today, as you see it.", None),
        (f"3. Choose '{fw.dont_know}' when you cannot judge a practice: a guess hides what the room does not "
         "know.", None),
        ("4. Under 'Evidence', note what shows it: a document, a meeting, a measure, an example.", None),
        ("5. Save the file (any file name) and hand it to the facilitator. Answers are anonymous in the results; "
         "the room sees only the group's profile.", None),
        ("", None),
        ("The sheets are protected (without a password) so that rows and columns stay as the scoring expects; "
         "only the yellow cells can be edited. Do not add, remove or reorder rows.", None),
        ("", None),
        ("The scale", bold),
    ]
    for r, (text, font) in enumerate(rows, start=1):
        cell = ins.cell(r, 2, text)
        ins.merge_cells(start_row=r, start_column=2, end_row=r, end_column=3)
        cell.alignment = wrap
        if font is not None:
            cell.font = font
        ins.row_dimensions[r].height = 15 * _lines(text, 105) + 3
    r = len(rows) + 1
    for score, name, description in fw.scale.itertuples(index=False):
        ins.cell(r, 2, f"{score} {name}").font = bold
        ins.cell(r, 3, description).alignment = wrap
        ins.row_dimensions[r].height = 15 * _lines(description, 85) + 3
        r += 1
    ins.cell(r, 2, fw.dont_know).font = bold
    ins.cell(r, 3, "You cannot judge this practice.")
    ins.protection.sheet = True

    # the rating sheet
    ws = wb.create_sheet(RATING_SHEET, 1)
    ws["B1"] = f"{fw.title}: rate your alliance"
    ws["B1"].font = title_font
    org_types = DataValidation(type="list", formula1="OrganisationTypes", allow_blank=True, showErrorMessage=True,
                               errorTitle="Organisation type", error=f"Choose one of {', '.join(ORGANISATION_TYPES)}.",
                               showInputMessage=True, promptTitle="Organisation type",
                               prompt="Client, contractor, designer, supplier or other")
    levels = DataValidation(type="list", formula1="RatingLevels", allow_blank=True, showErrorMessage=True,
                            errorTitle="Rating", error=f"Choose a level from the list, or {fw.dont_know}.",
                            showInputMessage=True, promptTitle="Your rating",
                            prompt="The level that best describes your alliance today")
    # list sources are defined names, written as the file format stores formulas (no leading "="): Excel and
    # LibreOffice both resolve a name that points at another sheet, where a plain cross-sheet range fails in
    # older Excel
    ws.add_data_validation(org_types)
    ws.add_data_validation(levels)
    for key, ref in FIELD_CELLS.items():
        label = ws[ref.replace("C", "B")]
        label.value, label.font = _FIELD_LABELS[key], bold
        cell = ws[ref]
        cell.protection, cell.fill, cell.border = editable, answer_fill, box
    if alliance:
        ws[FIELD_CELLS["alliance"]] = alliance
    org_types.add(FIELD_CELLS["organisation_type"])
    headers = ["practice_id", "Area", "Practice", "Your rating", "Evidence (what shows it)"]
    headers += [f"{score} {name}" for score, name in fw.level_names.items()]
    for c, text in enumerate(headers, start=1):
        cell = ws.cell(HEADER_ROW, c, text)
        cell.font, cell.fill, cell.alignment, cell.border = bold, header_fill, wrap, box
    widths = {AREA_COLUMN: 22, PRACTICE_COLUMN: 48, RATING_COLUMN: 16, EVIDENCE_COLUMN: 34}
    for letter, width in widths.items():
        ws.column_dimensions[letter].width = width
    descriptors = fw.descriptors.pivot(index="practice_id", columns="score", values="descriptor")
    n_levels = len(fw.level_names)
    for c in range(FIRST_LEVEL_COLUMN, FIRST_LEVEL_COLUMN + n_levels):
        ws.column_dimensions[ws.cell(1, c).column_letter].width = 30
    for i, p in enumerate(fw.practices.itertuples(index=False)):
        row = FIRST_ROW + i
        values = [p.practice_id, p.area, p.statement, None, None]
        values += [descriptors.loc[p.practice_id, score] for score in fw.level_names]
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row, c, value)
            cell.alignment, cell.border = wrap, box
        for letter in (RATING_COLUMN, EVIDENCE_COLUMN):
            ws[f"{letter}{row}"].protection = editable
            ws[f"{letter}{row}"].fill = answer_fill
        needed = max([_lines(p.statement, widths[PRACTICE_COLUMN])]
                     + [_lines(descriptors.loc[p.practice_id, s], 30) for s in fw.level_names])
        ws.row_dimensions[row].height = 15 * needed + 4
    last = FIRST_ROW + len(fw.practices) - 1
    levels.add(f"{RATING_COLUMN}{FIRST_ROW}:{RATING_COLUMN}{last}")
    ws.column_dimensions[ID_COLUMN].hidden = True
    ws.freeze_panes = f"{RATING_COLUMN}{FIRST_ROW}"
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # participants may widen columns and rows to read ...
    ws.protection.formatRows = False
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    wb.active = 0  # it opens on the instructions
    ins.sheet_view.tabSelected = True
    wb.security.lockStructure = True  # ... but not rename, delete, add or unhide sheets

    return _save_workbook(wb, path)


def _save_workbook(wb, path: Path) -> Path:
    """Save to a temporary file beside ``path`` and move it into place: never a half-written workbook."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".xlsx", dir=path.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def fill_workbook(template: str | Path, path: str | Path, answers: dict, *, alliance: str,
                  organisation_type: str, organisation: str | None = None, participant: str | None = None,
                  evidence: dict | None = None, simulated: bool = False) -> Path:
    """Fill a copy of ``template`` as one participant would, and save it as ``path``.

    ``answers`` maps practice ids to what the participant chose (a level name, the don't-know answer, or a
    score); ``evidence`` maps practice ids to text. ``simulated=True`` marks the workbook as made up, and the
    room's page says so.
    """
    from openpyxl import load_workbook

    wb = load_workbook(template)
    ws = wb[RATING_SHEET]
    for key, value in (("alliance", alliance), ("organisation_type", organisation_type),
                       ("organisation", organisation), ("participant", participant)):
        ws[FIELD_CELLS[key]] = value
    rows = {ws[f"{ID_COLUMN}{r}"].value: r for r in range(FIRST_ROW, ws.max_row + 1)}
    for practice_id, answer in answers.items():
        ws[f"{RATING_COLUMN}{rows[practice_id]}"] = answer
    for practice_id, text in (evidence or {}).items():
        ws[f"{EVIDENCE_COLUMN}{rows[practice_id]}"] = text
    if simulated:
        wb[LISTS_SHEET][_MADE_FOR["simulated"]] = "simulated"
    return _save_workbook(wb, Path(path))


# ----------------------------------------------------------------------------------------------------------------
# reading filled workbooks


def _workbook_paths(paths) -> tuple[list[Path], list[Problem]]:
    """Files as given, folders expanded to the workbooks in them (not Office's ``~$`` lock files)."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    files, problems = [], []
    for path in map(Path, paths):
        if path.is_dir():
            # .xlsx in any case: a case-sensitive file system would otherwise skip Report.XLSX silently
            found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".xlsx"
                           and not p.name.startswith(("~$", ".")))
            if not found:
                problems.append(Problem(path.as_posix(), None, None, path.as_posix(),
                                        "a folder holding filled workbooks (.xlsx)"))
            files.extend(found)
        else:
            files.append(path)
    if not files and not problems:
        problems.append(Problem("workbooks", None, None, None, "at least one filled workbook (.xlsx)"))
    # the same workbook given twice (as a file and in its folder, or copied under another name) would count its
    # participant twice: each is reported and none is scored twice
    kept, by_path, by_content = [], {}, {}
    for path in files:
        if not path.is_file():
            kept.append(path)
            continue
        resolved = path.resolve()
        if resolved in by_path:
            problems.append(Problem(path.as_posix(), None, None, path.name,
                                    f"each workbook given once (it is also given as {by_path[resolved]})"))
            continue
        by_path[resolved] = path.as_posix()
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest in by_content:
            problems.append(Problem(path.as_posix(), None, None, path.name,
                                    f"one workbook per participant (this file is a byte-for-byte copy of "
                                    f"{by_content[digest]}; if it is another participant's, give each a name "
                                    f"or table in {FIELD_CELLS['participant']})"))
            continue
        by_content[digest] = path.as_posix()
        kept.append(path)
    return kept, problems


def _text(value) -> str:
    return "" if value is None else " ".join(str(value).split())


def _slug(text: str, fallback: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or fallback


def _read_one(path: Path, fw: Framework, problems: list[Problem]) -> dict | None:
    """One workbook's participant and answers, or None (with problems) when it cannot be scored."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    shown = path.as_posix()
    if not path.is_file():
        problems.append(Problem(shown, None, None, shown, "an existing workbook file"))
        return None
    try:
        wb = load_workbook(path, data_only=True)
        formulas = load_workbook(path)  # the same cells as typed: a formula shows as "=..."
    except (zipfile.BadZipFile, InvalidFileException) as err:
        problems.append(Problem(shown, None, None, path.name,
                                f"{_EXPECTED_WORKBOOK}; this file is not one ({type(err).__name__})"))
        return None
    except Exception as err:  # noqa: BLE001 -- a damaged part (e.g. truncated sheet XML) fails in many ways
        # openpyxl reads a workbook as a zip of XML parts; whatever fails inside it is this file's problem, and
        # the other workbooks' problems must still be reported
        problems.append(Problem(shown, None, None, path.name,
                                f"{_EXPECTED_WORKBOOK}; this file is damaged and cannot be read "
                                f"({type(err).__name__}: {err}): save it again from the spreadsheet program"))
        return None
    if RATING_SHEET not in wb.sheetnames:
        problems.append(Problem(shown, None, None, wb.sheetnames,
                                f"a sheet named '{RATING_SHEET}' (start from a fresh template: "
                                f"`alliance-research workshop template`)"))
        return None
    before = len(problems)
    lists = wb[LISTS_SHEET] if LISTS_SHEET in wb.sheetnames else None
    made_for = lists[_MADE_FOR["framework"]].value if lists is not None else None
    if made_for != fw.id:
        problems.append(Problem(shown, int(_MADE_FOR["framework"][1:]), _MADE_FOR["framework"][0], made_for,
                                f"a workbook made for framework '{fw.id}' (score it with the framework it was "
                                f"made for: --framework)", sheet=LISTS_SHEET))
        return None
    simulated = _text(lists[_MADE_FOR["simulated"]].value) == "simulated"
    version = _text(lists[_MADE_FOR["version"]].value)
    ws, typed = wb[RATING_SHEET], formulas[RATING_SHEET]

    def problem(ref: str, value, expected: str) -> None:
        letters, digits = re.match(r"([A-Z]+)(\d+)", ref).groups()
        problems.append(Problem(shown, int(digits), letters, value, expected, sheet=RATING_SHEET))

    def value(ref: str):
        """The cell's value; a formula whose result was never saved (written by a program, not a spreadsheet)
        reads as blank, so it is reported rather than taken for no answer."""
        found = ws[ref].value
        formula = typed[ref].value
        if found is None and isinstance(formula, str) and formula.startswith("="):
            problem(ref, formula, "a value, not a formula without a saved result (open the workbook in a "
                                  "spreadsheet program and save it, or type the value)")
        return found

    fields = {key: value(ref) for key, ref in FIELD_CELLS.items()}
    alliance = _text(fields["alliance"])
    if not alliance:
        problem(FIELD_CELLS["alliance"], fields["alliance"], "the name of the alliance you rated")
    org_type = _text(fields["organisation_type"]).lower()
    if org_type not in ORGANISATION_TYPES:
        problem(FIELD_CELLS["organisation_type"], fields["organisation_type"],
                f"your organisation type: one of {', '.join(ORGANISATION_TYPES)}")
    labels = dict(zip(fw.practices["practice_id"], fw.practices["label"]))
    answers, comments, n_given = {}, {}, 0
    for i, practice_id in enumerate(fw.practice_ids):
        row = FIRST_ROW + i
        found = ws[f"{ID_COLUMN}{row}"].value
        if found != practice_id:
            problem(f"{ID_COLUMN}{row}", found, f"practice id '{practice_id}' in the hidden first column (rows "
                                                f"were added, removed or reordered: start from a fresh template)")
            continue
        answer = value(f"{RATING_COLUMN}{row}")
        n_given += _text(answer) != ""
        try:
            answers[practice_id] = fw.parse_answer(answer)
        except ValueError:
            problem(f"{RATING_COLUMN}{row}", answer,
                    f"the rating of '{labels[practice_id]}': {fw.expected_answers()}")
        comments[practice_id] = _text(ws[f"{EVIDENCE_COLUMN}{row}"].value) or None
    extra = ws[f"{ID_COLUMN}{FIRST_ROW + len(fw.practice_ids)}"].value
    if extra is not None:
        problem(f"{ID_COLUMN}{FIRST_ROW + len(fw.practice_ids)}", extra,
                "no row after the last practice (start from a fresh template)")
    if n_given == 0:  # reported beside any other problem of the workbook: all problems at once
        problem(f"{RATING_COLUMN}{FIRST_ROW}", None,
                f"a rating for at least one practice (column {RATING_COLUMN}); this workbook has none")
    return {"file": shown, "alliance": alliance, "organisation_type": org_type,
            "organisation": _text(fields["organisation"]) or org_type, "participant": _text(fields["participant"]),
            "answers": answers, "comments": comments, "simulated": simulated, "stem": path.stem,
            "version": version}


def read_workbooks(paths, framework: Framework | str | Path | None = None, *,
                   library: str | Path | None = None) -> pd.DataFrame:
    """Read filled workbooks into long ratings, one row per participant and practice.

    Parameters
    ----------
    paths : path or list of paths
        Workbooks, or folders of them (every ``.xlsx`` file in the folder, in any letter case, in name order).
    framework : Framework, str or path, optional
        The rubric the workbooks were made for (default: the Sustaining integration cell).
    library : path, optional
        A library whose ``data/frameworks/`` is searched for a framework id.

    Returns
    -------
    DataFrame
        The ``responses`` columns (``alliance_id`` is made from the alliance's name, ``wave`` is 1,
        ``respondent_id`` is the participant's name or table, else the file name, ``comment`` the evidence;
        ``organisation`` defaults to the organisation type), then ``alliance`` (the name as typed), ``file``,
        ``simulated`` (the workbook was made by :func:`simulate_room`) and ``framework_version`` (the rubric
        version the workbook was made from; :func:`score_room` notes a mismatch).

    Raises
    ------
    LibraryError
        With every problem of every workbook, each naming its file, sheet and cell: a file that is not a
        workbook or a damaged one, the same workbook given twice (by path or as a byte-for-byte copy), a missing
        rating sheet, a workbook made for another framework, changed practice rows, an answer that is not a level
        name or the don't-know answer, a formula without a saved result, a missing alliance or organisation
        type, a workbook without any rating, or two workbooks naming the same participant.
    """
    fw = _framework(framework, library)
    files, problems = _workbook_paths(paths)
    read = [_read_one(path, fw, problems) for path in files]
    # names are checked across every workbook that could be read, also those with other problems, so that a
    # second run does not bring up new ones
    named: dict[str, str] = {}
    for one in filter(None, read):
        if one["participant"] in named:
            ref = FIELD_CELLS["participant"]
            problems.append(Problem(one["file"], int(ref[1:]), ref[0], one["participant"],
                                    f"a name or table used once (it is also in {named[one['participant']]})",
                                    sheet=RATING_SHEET))
        elif one["participant"]:
            named[one["participant"]] = one["file"]
    if problems:
        raise LibraryError(problems)
    seen: set[str] = set(named)
    rows = []
    for one in read:
        respondent = one["participant"]
        if not respondent:  # unnamed: the file name, made unique
            respondent = one["stem"]
            n = 2
            while respondent in seen:
                respondent = f"{one['stem']}-{n}"
                n += 1
            seen.add(respondent)
        alliance_id = _slug(one["alliance"], "alliance")
        for practice_id in fw.practice_ids:
            rows.append((alliance_id, 1, respondent, one["organisation"], one["organisation_type"], practice_id,
                         one["answers"][practice_id], one["comments"][practice_id], one["alliance"], one["file"],
                         one["simulated"], one["version"]))
    out = pd.DataFrame(rows, columns=RESPONSE_COLUMNS + ["alliance", "file", "simulated", "framework_version"])
    out["score"] = out["score"].astype("Int64")
    out["wave"] = out["wave"].astype("int64")
    if out["score"].isna().all():
        raise LibraryError([Problem("workbooks", None, None, fw.dont_know,
                                    "at least one rating other than don't know in the room")])
    return out


def simulate_room(folder: str | Path, framework: Framework | str | Path | None = None, *,
                  n_participants: int = 9, random_state: int = 0, alliance: str = "Simulated alliance",
                  client_shift: float = -0.6, dont_know: float = 0.05) -> list[Path]:
    """Write a room of filled workbooks with made-up ratings, for demonstrations and rehearsals.

    A third of the participants are client staff, the rest contractors, designers and suppliers. Each practice
    gets a true level (around 2) and each participant rates it with noise; client staff rate
    ``client_shift`` lower, as owners did in the Victorian benchmarking of 46 alliances (Department of Treasury
    and Finance, Victoria, 2009). A share ``dont_know`` of answers is the don't-know answer. Every workbook is
    marked as simulated, and the room's page says so. The same seed gives the same answers.

    Returns
    -------
    list of Path
        The workbooks written (``participant-01.xlsx``, ...), in ``folder``.
    """
    fw = _framework(framework)
    if n_participants < 1:
        raise ValueError(f"n_participants must be 1 or more; got {n_participants}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(random_state)
    lo, hi = fw.min_score, fw.max_score
    truth = np.clip(rng.normal(lo + 0.55 * (hi - lo), 0.35 * (hi - lo) / 2, len(fw.practice_ids)), lo, hi)
    partner_types = ["contractor", "designer", "contractor", "supplier"]
    n_client = max(1, n_participants // 3) if n_participants > 1 else 1
    with tempfile.TemporaryDirectory() as tmp:
        template = write_template(Path(tmp) / "template.xlsx", fw)
        written = []
        for i in range(n_participants):
            org_type = "client" if i < n_client else partner_types[(i - n_client) % len(partner_types)]
            raw = truth + (client_shift if org_type == "client" else 0) + rng.normal(0, 0.55, len(truth))
            scores = np.clip(np.rint(raw), lo, hi).astype(int)
            unknown = rng.random(len(truth)) < dont_know
            answers = {p: (fw.dont_know if u else fw.level_names[int(s)])
                       for p, s, u in zip(fw.practice_ids, scores, unknown)}
            organisation = "Client (simulated)" if org_type == "client" else f"{org_type.title()} (simulated)"
            written.append(fill_workbook(template, folder / f"participant-{i + 1:02d}.xlsx", answers,
                                         alliance=alliance, organisation_type=org_type, organisation=organisation,
                                         participant=f"participant-{i + 1:02d}", simulated=True))
    return written


# ----------------------------------------------------------------------------------------------------------------
# scoring the room


#: The default minimum number of participants' answers behind any number the room shows (``min_answers``). With
#: one answer, a practice's score is that answer; with two, each of the two can work out the other's from the
#: mean and their own. Three is the smallest count at which nobody can read another participant's answer off a
#: mean, as the threshold rule of statistical disclosure control asks of a table cell (Hundepool et al., 2012,
#: ch. 4 and 5); agencies use 3 or more, 5 and 10 also being common.
MIN_ANSWERS = 3
#: The smallest ``min_answers`` accepted: below it, a number could be one person's answer.
MIN_ANSWERS_FLOOR = 2
#: The default minimum on each side (client, partners) of the client-partner comparison: the same rule, applied
#: to each side. Kept under this name for code written before ``min_answers``; the room's own minimum applies.
MIN_PER_SIDE = MIN_ANSWERS
#: Answers (participants) needed before an interval is shown beside a score. A percentile bootstrap interval
#: over n participants ends at the lowest (highest) participant's own value whenever a replicate drawing that one
#: participant n times is more likely than the interval's tail, n**-n >= 2.5% for a 95% interval: so for n <= 3
#: the ends are two people's answers. From 4 on (4**-4 = 0.4%) they are mixtures.
MIN_FOR_INTERVAL = 4
#: Practices the room must show (each with ``min_answers`` answers) to be set against the library's clusters and
#: case studies.
MIN_OVERLAP = 3
#: A client-partner gap smaller than this (in levels) makes no discussion prompt.
MIN_PROMPT_GAP = 0.5
_TOO_FEW = "too few on one side to compare without identifying anyone"


def check_min_answers(min_answers) -> int:
    """``min_answers`` as an int, or ValueError when it is not a whole number of at least
    :data:`MIN_ANSWERS_FLOOR` (with one answer, a score is that participant's answer)."""
    if isinstance(min_answers, (bool, np.bool_)) or not isinstance(min_answers, (int, np.integer)):
        raise ValueError(f"min_answers must be a whole number, {MIN_ANSWERS_FLOOR} or more; got {min_answers!r}")
    if min_answers < MIN_ANSWERS_FLOOR:
        raise ValueError(f"min_answers must be {MIN_ANSWERS_FLOOR} or more; got {min_answers}: with one answer "
                         f"behind it, a score is that participant's answer")
    return int(min_answers)


@dataclass(frozen=True)
class RoomResult:
    """What :func:`score_room` finds: only what the room may show.

    Every number in it rests on at least ``min_answers`` participants' answers (:data:`MIN_ANSWERS` by default):
    a practice rated by fewer is *not shown* (its score, interval and agreement are blank) and is left out of
    everything computed from the practices (area scores, the index, distances, nearest cases, prompts), so that
    it cannot be recovered by differencing either. The room's raw answers are not kept.

    Attributes
    ----------
    scores : Scores
        The room scored as one group (``alliance_id`` ``"room"``, wave 1) from the answers it shows only: the
        answers to a practice with fewer than ``min_answers`` answers count as unanswered, and an interval
        resting on fewer than :data:`MIN_FOR_INTERVAL` participants is blank.
    profile : DataFrame
        One row per practice: ``practice_id``, ``area_id``, ``area``, ``label``, ``score`` (the room's, blank
        when not shown), ``ci_low``, ``ci_high``, ``n_answered`` (how many rated it: a count, shown for every
        practice), ``shown`` (``n_answered >= min_answers``), ``rwg``, ``low_agreement``, ``library_q25``,
        ``library_median``, ``library_q75`` (the library's latest profiles) and ``nearest_centre`` (the centre
        of the nearest cluster).
    areas : DataFrame
        ``area_id``, ``area``, ``score`` (the mean of the area's shown practices, when at least half of them are
        shown), ``ci_low``, ``ci_high``, ``n_practices``, ``n_shown``, ``library_median`` (the median of the
        library's latest area scores; over the shown practices only when some are not shown, so that it compares
        like with like) and ``nearest_centre`` (likewise).
    clusters : DataFrame
        One row per library cluster: ``cluster``, ``name``, ``n_alliances``, ``mean_score``, ``distance``
        (root mean square difference from the room's profile, in levels, over the practices the room shows,
        against the library's profiles as clustered: a practice an alliance lacks takes the practice's mean)
        and ``nearest``.
    nearest_cluster : int
    cases : DataFrame
        The case studies to read: ``alliance_id``, ``name``, ``sector``, ``cluster``, ``cluster_name``,
        ``maturity_index``, ``distance``, ``why`` (``"nearest"`` profile, or ``"a step ahead"``: the nearest
        alliance of the next more mature cluster) and ``ahead_on`` with ``ahead_by`` (the shown practice on
        which it stands furthest above the room).
    gaps : DataFrame
        The room's client-versus-partner gaps per practice (:func:`~alliance_research.gaps.perception_gaps`,
        ``comparison == "partners"``); empty without client or without partner participants. ``n_client`` and
        ``n_partner`` count who rated the practice on each side; where either is below ``min_answers``, the
        scores, gap and interval are blank and ``comparable`` is False: a side's score would be one or two
        people's answers (and the other side's, with the room's score, would give it away).
    index_gap : dict or None
        The gap of the maturity index over the comparable practices (``gap``, ``ci_low``, ``ci_high``,
        ``n_client``, ``n_partner``); None without both sides, without a comparable practice, or with fewer than
        ``min_answers`` participants on a side.
    prompts : list of dict
        The discussion prompts: ``kind`` (``"gap"`` or ``"low"``), ``practice_id``, ``label``, ``area``,
        ``statement``, ``text`` (the question), ``read`` (the library alliance scoring highest on the practice:
        ``alliance_id``, ``name``, ``score``).
    participants : DataFrame
        ``organisation_type`` and ``n`` (participants).
    alliances : DataFrame
        The alliances the room rated: ``alliance``, ``n`` (participants).
    caveats : list of str
        How far to trust the view: few participants, what is not shown and why, disagreement, many don't-know
        answers, pooled alliances.
    fictional_library, simulated : bool
        The library is fictional; the room's workbooks were made by :func:`simulate_room`.
    library_profiles : DataFrame
        The library's latest practice profiles (alliances by practices), what the room is compared with.
    framework : Framework
    library_path : Path
    settings : dict
        The parameters used, ``min_answers`` among them.
    """

    scores: object
    profile: pd.DataFrame
    areas: pd.DataFrame
    clusters: pd.DataFrame
    nearest_cluster: int
    cases: pd.DataFrame
    gaps: pd.DataFrame
    index_gap: dict | None
    prompts: list
    participants: pd.DataFrame
    alliances: pd.DataFrame
    caveats: list
    fictional_library: bool
    simulated: bool
    library_profiles: pd.DataFrame = field(repr=False)
    framework: Framework = field(repr=False)
    library_path: Path | None = None
    settings: dict = field(default_factory=dict)

    @property
    def responses(self):
        # an attribute of earlier versions: the raw answers are no longer kept, so that nothing a room returns
        # shows one participant's answer
        raise AttributeError("a RoomResult keeps no participant's answers (they are not for display); use the "
                             "responses you passed to score_room")

    @property
    def min_answers(self) -> int:
        """The minimum number of answers behind every number the room shows."""
        return int(self.settings.get("min_answers", MIN_ANSWERS))

    @property
    def hidden_practices(self) -> pd.DataFrame:
        """The practices not shown (fewer than ``min_answers`` answers): ``practice_id``, ``label``,
        ``n_answered``."""
        return self.profile.loc[~self.profile["shown"], ["practice_id", "label", "n_answered"]].reset_index(drop=True)

    @property
    def maturity(self) -> pd.Series:
        """The room's row of ``scores.maturity`` (``maturity_index``, ``ci_low``, ``ci_high``, ``level_name`` ...)."""
        return self.scores.maturity.iloc[0]

    @property
    def n_participants(self) -> int:
        return int(self.participants["n"].sum())

    def describe(self) -> str:
        """A few lines a facilitator can read out: who answered, where the room stands, what to read."""
        m = self.maturity
        who = ", ".join(f"{r.n} {r.organisation_type}" for r in self.participants.itertuples())
        nearest = self.clusters.set_index("cluster").loc[self.nearest_cluster]
        if pd.isna(m.maturity_index):
            index = (f"Maturity index not shown: fewer than half the practices were rated by {self.min_answers} "
                     f"or more participants.")
        else:
            index = (f"Maturity index {m.maturity_index:.1f} of {self.framework.max_score} "
                     f"({_interval_text(m.ci_low, m.ci_high)}): {m.level_name}.")
        lines = [f"{'Simulated room' if self.simulated else 'The room'}: {_plural(self.n_participants, 'participant')}"
                 f" ({who}) rating {_plural(len(self.alliances), 'alliance')}.",
                 index,
                 f"Nearest library cluster: {self.nearest_cluster} ({nearest['name']}), "
                 f"{nearest['distance']:.2f} levels apart on average.",
                 "Case studies to read: " + "; ".join(f"{r.name} ({r.why})" for r in self.cases.itertuples()) + "."]
        hidden = int((~self.profile["shown"]).sum())
        if hidden:
            lines.append(f"Not shown: {_plural(hidden, 'practice')} rated by fewer than {self.min_answers} "
                         f"participants.")
        if self.index_gap is not None:
            g = self.index_gap
            lines.append(f"Partners minus client, maturity index: {_signed(g['gap'])} "
                         f"({_interval_text(g['ci_low'], g['ci_high'])}; {g['n_client']} client, "
                         f"{g['n_partner']} partner participants).")
        return "\n".join(lines)


def _sides(participants: pd.DataFrame) -> tuple[int, int]:
    """Client and partner participants (anyone not of the client) in the room, from its ``participants``."""
    client = participants["organisation_type"].eq(CLIENT)
    return int(participants.loc[client, "n"].sum()), int(participants.loc[~client, "n"].sum())


def _interval_text(low, high) -> str:
    return "no interval" if pd.isna(low) or pd.isna(high) else f"95% interval {_interval(low, high)}"


def _rms(a: pd.Series, b: pd.Series) -> tuple[float, int]:
    """Root mean square difference over the entries both have, and how many those are."""
    both = a.notna() & b.notna()
    n = int(both.sum())
    return (float(np.sqrt(((a[both] - b[both]) ** 2).mean())) if n else float("nan")), n


def _answer_counts(room: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    """Per practice: participants who rated it (``n_answered``), and of them client and partner participants."""
    answered = room[room["score"].notna()]
    client = answered["organisation_type"].eq(CLIENT)
    count = lambda rows: rows.groupby("practice_id")["respondent_id"].nunique()  # noqa: E731
    return pd.DataFrame({"n_answered": count(answered), "n_client": count(answered[client]),
                         "n_partner": count(answered[~client])}).reindex(fw.practice_ids).fillna(0).astype(int)


def _keep_only(room: pd.DataFrame, practice_ids) -> pd.DataFrame:
    """The ratings with every answer to a practice outside ``practice_ids`` blanked (as if nobody rated it): what
    is scored from them cannot depend on those answers, so no shown number lets anyone work them out."""
    out = room.copy()
    out["score"] = out["score"].astype("Int64").where(out["practice_id"].isin(set(practice_ids)), pd.NA)
    return out


def _without_small_intervals(scores, rated: pd.DataFrame, fw: Framework):
    """``scores`` with every interval blanked that rests on fewer than :data:`MIN_FOR_INTERVAL` participants
    (per practice: who rated it; per area: who rated any of its practices; the index: who rated any)."""
    answered = rated[rated["score"].notna()]
    area_of = dict(zip(fw.practices["practice_id"], fw.practices["area_id"]))
    by_practice = answered.groupby("practice_id")["respondent_id"].nunique()
    by_area = (answered.assign(area_id=answered["practice_id"].map(area_of))
               .groupby("area_id")["respondent_id"].nunique())
    overall = answered["respondent_id"].nunique()

    def blank(frame: pd.DataFrame, few) -> pd.DataFrame:
        frame = frame.copy()
        few = np.asarray(few, dtype=bool)
        frame.loc[few, ["ci_low", "ci_high"]] = np.nan
        if "level_uncertain" in frame:  # read from the interval's ends: nothing to read without them
            frame.loc[few, "level_uncertain"] = False
        return frame

    practices = blank(scores.practices, scores.practices["practice_id"].map(by_practice).fillna(0) < MIN_FOR_INTERVAL)
    areas = blank(scores.areas, scores.areas["area_id"].map(by_area).fillna(0) < MIN_FOR_INTERVAL)
    maturity = blank(scores.maturity, [overall < MIN_FOR_INTERVAL] * len(scores.maturity))
    return replace(scores, practices=practices, areas=areas, maturity=maturity)


def score_room(responses: pd.DataFrame, analysis, *, min_answers: int = MIN_ANSWERS, n_cases: int = 3,
               n_prompts: int = 3, n_boot: int = 1000, random_state: int = 0,
               min_respondents: int = 3) -> RoomResult:
    """Score a room of participants as one group and set it against the library, showing nothing that rests on
    fewer than ``min_answers`` participants' answers.

    Parameters
    ----------
    responses : DataFrame
        From :func:`read_workbooks` (or any long ratings in the ``responses`` contract).
    analysis : Analysis
        The library's analysis (:func:`~alliance_research.analysis.analyse`): its latest profiles, clusters and
        case studies are what the room is compared with.
    min_answers : int
        The minimum number of participants who rated a practice for the room to show its score
        (:data:`MIN_ANSWERS`, 3; at least 2). A practice rated by fewer is not shown and is left out of the area
        scores, the index, the distances, the nearest cases and the prompts; client and partner scores need it
        on each side. See Notes.
    n_cases : int
        Case studies with the nearest profiles to suggest (plus one "a step ahead" when there is a more mature
        cluster).
    n_prompts : int
        Discussion prompts: the largest client-partner gaps and the lowest-scoring practices, alternately.
    n_boot, random_state
        Bootstrap replicates and seed of the room's intervals and gaps.
    min_respondents : int
        Fewer participants than this are flagged as few.

    Returns
    -------
    RoomResult
        Only what the room may show; it keeps no participant's answers.

    Raises
    ------
    ValueError
        When ``min_answers`` is below 2 or not a whole number, when the ratings are on another framework than the
        library's, or when fewer than :data:`MIN_OVERLAP` practices were rated by ``min_answers`` participants or
        more.

    Notes
    -----
    *What is shown.* A practice's score is shown when at least ``min_answers`` participants rated it (don't
    know and blank are no rating). Everything built from practice scores (area scores, the maturity index and
    level, distances to clusters and case studies, the nearest cases, the prompts) is computed from the shown
    practices only, as if the others had no answers: had a hidden practice entered an area's mean beside shown
    practices, the area's score and theirs would give it away by differencing. Client and partner scores, their
    gap and the index gap need ``min_answers`` on each side and are computed over the practices that have them;
    where one side falls short both are blanked, since the room's score and one side's would give the other
    away. An interval is shown only when at least :data:`MIN_FOR_INTERVAL` participants lie behind it: with three
    or fewer, the ends of a percentile bootstrap interval are the lowest and highest participant's own values.
    Counts (who took part, of which organisation type, how many rated each practice) are shown: they say who
    answered, not what. This is the threshold rule with secondary (complementary) suppression of statistical
    disclosure control for tables (Hundepool et al., 2012, ch. 4 and 5), in the spirit of k-anonymity (Sweeney,
    2002); like them it does not stop someone who knows their own answer from learning about the others' in a
    small cell whose answers all agree (Machanavajjhala et al., 2007): a larger ``min_answers`` narrows that.

    *Distances* are root mean square differences of practice scores, :math:`d = \\sqrt{\\frac{1}{P}\\sum_p
    (s_p^{\\text{room}} - s_p)^2}`, over the :math:`P` practices the room shows: one number in levels of the
    scale, so that 0.5 reads "half a level apart on a typical practice". The library's side is its profiles as
    they were clustered (a practice an alliance lacks takes the practice's library mean, as in
    :func:`~alliance_research.clustering.cluster_profiles`), so every distance is over the same practices.
    The room is scored with :func:`~alliance_research.scoring.score_responses` (all participants as one group)
    and its gaps with :func:`~alliance_research.gaps.perception_gaps`.

    References
    ----------
    Hundepool, A., Domingo-Ferrer, J., Franconi, L., Giessing, S., Schulte Nordholt, E., Spicer, K. & de Wolf,
    P.-P. (2012). *Statistical Disclosure Control*. Wiley. Sweeney, L. (2002). k-anonymity: a model for
    protecting privacy. *International Journal of Uncertainty, Fuzziness and Knowledge-Based Systems*, 10(5),
    557-570. Machanavajjhala, A., Kifer, D., Gehrke, J. & Venkitasubramaniam, M. (2007). l-diversity: privacy
    beyond k-anonymity. *ACM Transactions on Knowledge Discovery from Data*, 1(1), 3.
    """
    from .clustering import _fill_missing
    from .scoring import score_responses

    k = check_min_answers(min_answers)
    fw = analysis.framework
    if set(responses["practice_id"]) - set(fw.practice_ids):
        raise ValueError("the room's ratings are on another framework than the library's")
    room = responses.assign(alliance_id=ROOM, wave=1)[RESPONSE_COLUMNS]
    counts = _answer_counts(room, fw)
    shown = counts.index[counts["n_answered"] >= k].tolist()
    if len(shown) < min(MIN_OVERLAP, len(fw.practice_ids)):
        raise ValueError(f"the room scored {_plural(len(shown), 'practice')} with at least {k} answers (a practice "
                         f"rated by fewer is not shown, so that no one's answer can be read off it); at least "
                         f"{MIN_OVERLAP} are needed to set the room against the library")
    rated = _keep_only(room, shown)
    scores = _without_small_intervals(
        score_responses(rated, fw, n_boot=n_boot, random_state=random_state, min_respondents=min_respondents),
        rated, fw)
    practices = scores.practices.set_index("practice_id")
    library = analysis.latest.profiles().droplevel("wave")
    own = practices["score"].reindex(fw.practice_ids).astype(float)  # blank where not shown
    # the library as it was clustered: its gaps filled with each practice's mean, so that every alliance and
    # every centre is compared with the room over the same practices (all the room shows)
    filled = _fill_missing(library.reindex(columns=fw.practice_ids))

    centres = analysis.clusters.centres
    clusters = analysis.clusters.summary()[["cluster", "name", "n", "mean_score"]].rename(columns={"n": "n_alliances"})
    clusters["distance"] = [_rms(own, centres.loc[c].reindex(fw.practice_ids))[0] for c in clusters["cluster"]]
    nearest_cluster = int(clusters.sort_values(["distance", "cluster"], kind="mergesort")["cluster"].iloc[0])
    clusters["nearest"] = clusters["cluster"].eq(nearest_cluster)
    centre = centres.loc[nearest_cluster].reindex(fw.practice_ids)

    profile = fw.practices[["practice_id", "area_id", "area", "label"]].copy()
    for column in ("score", "ci_low", "ci_high"):
        profile[column] = practices[column].reindex(profile["practice_id"]).to_numpy()
    profile["n_answered"] = counts["n_answered"].reindex(profile["practice_id"]).to_numpy()
    profile["shown"] = profile["n_answered"] >= k
    for column in ("rwg", "low_agreement"):
        profile[column] = practices[column].reindex(profile["practice_id"]).to_numpy()
    for name, q in (("library_q25", 0.25), ("library_median", 0.5), ("library_q75", 0.75)):
        profile[name] = library.quantile(q).reindex(profile["practice_id"]).to_numpy()
    profile["nearest_centre"] = centre.to_numpy()

    areas = _area_table(fw, scores, analysis, library, centre, set(shown))
    cases = _cases(analysis, own, library, filled, nearest_cluster, n_cases)

    people = responses.drop_duplicates("respondent_id")
    order = {t: i for i, t in enumerate(ORGANISATION_TYPES)}
    participants = (people.groupby("organisation_type").size().rename("n").reset_index()
                    .sort_values("organisation_type", key=lambda s: s.map(order), kind="mergesort")
                    .reset_index(drop=True))
    gaps, index_gap = _room_gaps(room, fw, counts, k, n_boot=n_boot, random_state=random_state)
    prompts = _prompts(fw, profile, gaps, library, analysis, n_prompts)

    # one alliance however its name was typed ("Riverside Alliance", "riverside  alliance"): grouped by its
    # slug, shown by its most common spelling
    names = people["alliance"] if "alliance" in people else people["alliance_id"]
    typed = pd.DataFrame({"key": [_slug(str(n), "alliance") for n in names], "alliance": names.astype(str)})
    alliances = (typed.groupby("key", sort=True)
                 .agg(alliance=("alliance", lambda s: s.value_counts().sort_index().idxmax()),  # ties: A-Z
                      n=("alliance", "size"))
                 .reset_index(drop=True))
    versions = []
    if "framework_version" in responses:
        versions = sorted(set(responses["framework_version"].dropna().astype(str)) - {""} - {str(fw.version)})
    fictional = bool(analysis.library.alliances["fictional"].fillna(False).astype(bool).all())
    simulated = bool(responses["simulated"].any()) if "simulated" in responses else False
    result = RoomResult(scores=scores, profile=profile, areas=areas, clusters=clusters,
                        nearest_cluster=nearest_cluster, cases=cases, gaps=gaps, index_gap=index_gap,
                        prompts=prompts, participants=participants, alliances=alliances, caveats=[],
                        fictional_library=fictional, simulated=simulated, library_profiles=library, framework=fw,
                        library_path=Path(analysis.library.path),
                        settings=dict(min_answers=k, min_for_interval=MIN_FOR_INTERVAL, n_boot=n_boot,
                                      random_state=random_state, n_cases=n_cases, n_prompts=n_prompts,
                                      min_respondents=min_respondents, rwg_threshold=RWG_THRESHOLD))
    result.caveats.extend(_caveats(result, versions))
    return result


def _area_table(fw: Framework, scores, analysis, library: pd.DataFrame, centre: pd.Series,
                shown: set) -> pd.DataFrame:
    """The room's area scores beside the library's median and the nearest centre, each over the same practices:
    all of the area's when the room shows them all, else the shown ones."""
    areas = fw.areas[["area_id", "area"]].merge(
        scores.areas[["area_id", "score", "ci_low", "ci_high", "n_practices", "n_scored"]], on="area_id", how="left")
    areas = areas.rename(columns={"n_scored": "n_shown"})
    # the library's median area score (not the mean of its practice medians, which no alliance need have)
    area_median = analysis.latest.profiles("area").droplevel("wave").median()
    medians, centres = [], []
    for area_id in areas["area_id"]:
        members = fw.practices.loc[fw.practices["area_id"].eq(area_id), "practice_id"].tolist()
        kept = [p for p in members if p in shown]
        if len(kept) == len(members):
            medians.append(float(area_median.get(area_id, np.nan)))
        elif kept:  # each alliance's area score over the practices the room shows, then their median
            medians.append(float(library[kept].mean(axis=1).median()))
        else:
            medians.append(np.nan)
        centres.append(float(centre[kept].mean()) if kept else np.nan)
    areas["library_median"] = medians
    areas["nearest_centre"] = centres
    areas["n_practices"] = areas["n_practices"].astype(int)
    areas["n_shown"] = areas["n_shown"].astype(int)
    return areas


def _room_gaps(room: pd.DataFrame, fw: Framework, counts: pd.DataFrame, k: int, *, n_boot: int,
               random_state: int) -> tuple[pd.DataFrame, dict | None]:
    """Client against partners over the practices with ``k`` or more answers on each side (the rest blanked for
    both sides before anything is computed, so that the index gap cannot give them away), and the index gap."""
    from .gaps import perception_gaps

    comparable = counts.index[(counts["n_client"] >= k) & (counts["n_partner"] >= k)].tolist()
    all_gaps = perception_gaps(_keep_only(room, comparable), fw, n_boot=n_boot, random_state=random_state)
    owner = all_gaps[all_gaps["comparison"].eq("partners")]
    gaps = owner[owner["level"].eq("practice")].reset_index(drop=True)
    if len(gaps):  # who rated each practice on each side, as counted before blanking
        gaps["n_client"] = gaps["id"].map(counts["n_client"]).astype(int)
        gaps["n_partner"] = gaps["id"].map(counts["n_partner"]).astype(int)
    gaps = _anonymous(gaps, k)
    index_row = owner[owner["level"].eq("index")]
    if not len(index_row) or pd.isna(index_row["gap"].iloc[0]):
        return gaps, None
    r = index_row.iloc[0]
    if min(int(r["n_client"]), int(r["n_partner"])) < k:
        return gaps, None
    return gaps, {"gap": float(r["gap"]), "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                  "n_client": int(r["n_client"]), "n_partner": int(r["n_partner"])}


def _anonymous(gaps: pd.DataFrame, k: int = MIN_ANSWERS) -> pd.DataFrame:
    """The practice gaps with both sides' scores blanked where a side has fewer than ``k`` participants who
    answered; ``comparable`` says which rows keep them."""
    gaps = gaps.copy()
    if gaps.empty:
        gaps["comparable"] = pd.Series(dtype=bool)
        return gaps
    comparable = (gaps["n_client"].fillna(0) >= k) & (gaps["n_partner"].fillna(0) >= k)
    hidden = [c for c in ("client_score", "partner_score", "gap", "ci_low", "ci_high") if c in gaps]
    gaps[hidden] = gaps[hidden].astype(float).where(comparable)
    if "flagged" in gaps:
        gaps["flagged"] = gaps["flagged"].fillna(False).astype(bool) & comparable
    if "ci_excludes_zero" in gaps:
        gaps["ci_excludes_zero"] = gaps["ci_excludes_zero"].fillna(False).astype(bool) & comparable
    gaps["comparable"] = comparable.astype(bool)
    return gaps


def _cases(analysis, own: pd.Series, library: pd.DataFrame, filled: pd.DataFrame, nearest_cluster: int,
           n_cases: int) -> pd.DataFrame:
    alliances = analysis.library.alliances.set_index("alliance_id")
    labels = dict(zip(analysis.framework.practices["practice_id"], analysis.framework.practices["label"]))
    cluster_of = analysis.cluster_of
    index = analysis.latest.maturity.set_index("alliance_id")["maturity_index"]
    rows = []
    for alliance_id, profile in filled.iterrows():
        distance, _ = _rms(own, profile.reindex(own.index))
        rows.append((alliance_id, distance))
    ranked = pd.DataFrame(rows, columns=["alliance_id", "distance"]).sort_values(
        ["distance", "alliance_id"], kind="mergesort")
    chosen = [(a, "nearest") for a in ranked["alliance_id"].head(n_cases)]
    above = ranked[ranked["alliance_id"].map(cluster_of).eq(nearest_cluster + 1)]
    if len(above) and above["alliance_id"].iloc[0] not in {a for a, _ in chosen}:
        chosen.append((above["alliance_id"].iloc[0], "a step ahead"))
    out = []
    for alliance_id, why in chosen:
        difference = (library.loc[alliance_id].reindex(own.index) - own).dropna()
        ahead = difference.idxmax() if len(difference) and difference.max() > 0 else None
        cluster = int(cluster_of[alliance_id])
        out.append({"alliance_id": alliance_id, "name": alliances.loc[alliance_id, "name"],
                    "sector": alliances.loc[alliance_id, "sector"], "cluster": cluster,
                    "cluster_name": analysis.clusters.names[cluster], "maturity_index": float(index[alliance_id]),
                    "distance": float(ranked.set_index("alliance_id").loc[alliance_id, "distance"]), "why": why,
                    "ahead_on": labels.get(ahead) if ahead else None,
                    "ahead_by": float(difference[ahead]) if ahead else float("nan")})
    return pd.DataFrame(out, columns=["alliance_id", "name", "sector", "cluster", "cluster_name", "maturity_index",
                                      "distance", "why", "ahead_on", "ahead_by"])


def _best_in_library(library: pd.DataFrame, analysis, practice_id: str) -> dict | None:
    column = library[practice_id].dropna()
    if column.empty:
        return None
    best = column.sort_index().idxmax()  # ties: the first alliance id
    return {"alliance_id": best, "name": analysis.library.alliances.set_index("alliance_id").loc[best, "name"],
            "score": float(column[best])}


def _prompts(fw: Framework, profile: pd.DataFrame, gaps: pd.DataFrame, library: pd.DataFrame, analysis,
             n_prompts: int) -> list[dict]:
    """The largest client-partner gaps and the lowest-scoring practices, alternately, each practice once."""
    practices = fw.practices.set_index("practice_id")
    descriptors = fw.descriptors.set_index(["practice_id", "score"])["descriptor"]
    order = {p: i for i, p in enumerate(fw.practice_ids)}
    big = gaps.dropna(subset=["gap"])
    big = big[big["gap"].abs() >= MIN_PROMPT_GAP - 1e-9]
    big = big.assign(size=big["gap"].abs(), order=big["id"].map(order)).sort_values(
        ["size", "order"], ascending=[False, True], kind="mergesort")
    low = profile.dropna(subset=["score"]).sort_values(["score", "practice_id"], kind="mergesort")
    low = low.assign(order=low["practice_id"].map(order)).sort_values(["score", "order"], kind="mergesort")
    queues = [[("gap", r) for r in big.itertuples()], [("low", r) for r in low.itertuples()]]
    prompts, used = [], set()
    while len(prompts) < n_prompts and any(queues):
        for queue in queues:
            while queue:
                kind, r = queue.pop(0)
                practice_id = r.id if kind == "gap" else r.practice_id
                if practice_id in used:
                    continue
                used.add(practice_id)
                p = practices.loc[practice_id]
                if kind == "gap":
                    higher, lower = ("Partner", "client") if r.gap > 0 else ("Client", "partner")
                    text = (f"{higher} staff rate \u201c{p.label}\u201d {abs(r.gap):.1f} levels higher than "
                            f"{lower} staff do ({r.partner_score:.1f} for partners, {r.client_score:.1f} for the "
                            f"client). What does each side see that the other does not, and what evidence would "
                            f"settle it?")
                else:
                    current = int(min(max(math.floor(r.score), fw.min_score), fw.max_score))
                    if current < fw.max_score:
                        nxt = current + 1
                        text = (f"\u201c{p.label}\u201d scores lowest in the room: {r.score:.1f} "
                                f"({fw.level_name(r.score)}). At {fw.level_names[nxt]} it would look like this: "
                                f"\u201c{descriptors[(practice_id, nxt)]}\u201d What would it take to get there, "
                                f"and who would own it?")
                    else:
                        text = (f"\u201c{p.label}\u201d scores {r.score:.1f} ({fw.level_name(r.score)}), the room's "
                                f"lowest. What keeps it there, and what would let it slip?")
                prompts.append({"kind": kind, "practice_id": practice_id, "label": p.label, "area": p.area,
                                "statement": p.statement, "text": text,
                                "read": _best_in_library(library, analysis, practice_id)})
                break
            if len(prompts) >= n_prompts:
                break
    return prompts


def _quoted(labels, most: int = 5) -> str:
    labels = list(labels)
    shown = ", ".join(f"\u201c{label}\u201d" for label in labels[:most])
    return shown + (f" and {len(labels) - most} more" if len(labels) > most else "")


def _caveats(result: RoomResult, versions=()) -> list[str]:
    """Honest reading: what makes the room's view less certain than it looks, and what it does not show."""
    out = []
    n = result.n_participants
    k = result.min_answers
    if n < result.settings["min_respondents"]:
        out.append(f"Only {_plural(n, 'participant')}: the profile is one or two people's view, and its intervals "
                   f"are too narrow to trust (the bootstrap understates uncertainty for very small groups).")
    elif n < 8:
        out.append(f"{n} participants: the intervals are wide; read differences under about half a level as "
                   f"no difference.")
    hidden = result.profile[~result.profile["shown"]]
    if len(hidden):
        out.append(f"{_plural(len(hidden), 'practice')} not shown, rated by fewer than {k} participants: "
                   f"{_quoted(hidden['label'])}. A score from so few answers would give someone's answer away, "
                   f"so these practices are also left out of the area scores, the index, the distances to the "
                   f"library and the prompts.")
    no_interval = result.profile[result.profile["shown"] & result.profile["ci_low"].isna()]
    if len(no_interval):
        out.append(f"{_plural(len(no_interval), 'practice')} shown without an interval, rated by fewer than "
                   f"{MIN_FOR_INTERVAL} participants: the interval's ends would be the lowest and highest answers "
                   f"given.")
    low = result.profile[result.profile["low_agreement"].fillna(False).astype(bool)]
    if len(low):
        out.append(f"The room disagrees on {_plural(len(low), 'practice')} (rwg below {RWG_THRESHOLD:g}): "
                   f"{_quoted(low['label'])}. A mean hides disagreement: ask who chose what, and why.")
    answered = result.profile["n_answered"].fillna(0) / max(n, 1)
    unknown = result.profile[answered < 0.5]
    if len(unknown):
        out.append(f"Fewer than half the room could rate {_plural(len(unknown), 'practice')} (don't know or "
                   f"blank): " + ", ".join(f"\u201c{label}\u201d" for label in unknown["label"].head(5))
                   + ". Not knowing is a finding too.")
    scored = int(result.profile["shown"].sum())
    total = len(result.profile)
    if scored < total / 2:
        out.append(f"The room shows only {scored} of {total} practices: its distances to the clusters and case "
                   f"studies rest on those alone, and the nearest cluster may differ once the rest are rated.")
    n_client, n_partner = _sides(result.participants)
    if not n_client or not n_partner:
        out.append("No client-versus-partner comparison: the room needs participants from both the client and its "
                   "partners.")
    elif result.index_gap is None:
        out.append(f"No client-versus-partner comparison: {n_client} client and {n_partner} partner "
                   f"participants are {_TOO_FEW} (it needs at least {k} on each side who rated the same "
                   f"practices).")
    else:
        g = result.index_gap
        not_compared = int((~result.gaps["comparable"]).sum()) if "comparable" in result.gaps else 0
        if not_compared:
            out.append(f"{_plural(not_compared, 'practice')} not compared between client and partners: "
                       f"{_TOO_FEW} (fewer than {k} answered on a side).")
        if min(g["n_client"], g["n_partner"]) < 5:
            out.append(f"The client-partner gaps rest on {g['n_client']} client and {g['n_partner']} partner "
                       f"participants: treat them as questions, not findings.")
    if versions:
        out.append(f"Some workbooks were made from version {', '.join(versions)} of the rubric; the library "
                   f"is scored on version {result.framework.version}. Check that the practices and their "
                   f"descriptors have not changed in between.")
    if len(result.alliances) > 1:
        out.append(f"The room rated {len(result.alliances)} different alliances; the profile pools them.")
    if result.fictional_library:
        out.append("The library's case studies are fictional: they show what the comparison looks like, not how "
                   "real alliances score.")
    if result.simulated:
        out.append("These participants are simulated: made-up ratings that show how the page reads.")
    return out


# ----------------------------------------------------------------------------------------------------------------
# figures and the page


#: The figures :func:`write_room` may write, as ``figures/room-<key>.png``.
ROOM_FIGURES = ("profile", "gaps")


def _check_room(result: RoomResult, min_answers) -> int:
    """The minimum a page of ``result`` follows: the room's own, which ``min_answers`` (when given) must equal."""
    if min_answers is None:
        return result.min_answers
    k = check_min_answers(min_answers)
    if k != result.min_answers:
        # what a room shows is computed from the practices it shows (areas, index, distances), so a page can
        # neither hide more nor show more afterwards without letting the difference be worked out
        raise ValueError(f"the room was scored with min_answers={result.min_answers}, not {k}: score it again "
                         f"with score_room(..., min_answers={k})")
    return k


def room_figures(result: RoomResult, *, min_answers: int | None = None) -> dict:
    """The page's figures as matplotlib axes: ``"profile"`` (the room's practice profile against the library's
    interquartile band, median and the nearest cluster's centre; a practice the room does not show is not drawn)
    and, when the room has both sides, ``"gaps"`` (client against partners, on the practices with the room's
    ``min_answers`` or more answers on each side). ``min_answers``, when given, must be the room's own
    (:func:`score_room` applies it)."""
    from . import plotting

    _check_room(result, min_answers)
    label = "Simulated room" if result.simulated else "The room"
    nearest = result.clusters.set_index("cluster").loc[result.nearest_cluster]
    figures = {"profile": plotting.plot_profile(
        result.scores, ROOM, 1, kind="line", library=result.library_profiles, label=label,
        reference=result.profile.set_index("practice_id")["nearest_centre"],
        reference_label=f"Centre of cluster {result.nearest_cluster} ({nearest['name'].split(':')[0]})")}
    # the room's line breaks at a practice it does not show; the figure says why, where the point would be, so
    # that it reads the same away from the page
    ax = figures["profile"]
    for x in np.flatnonzero(~result.profile["shown"].to_numpy(dtype=bool)):
        ax.text(x, result.framework.min_score + 0.08, f"not shown:\nfewer than {result.min_answers} answers",
                rotation=90, ha="center", va="bottom", fontsize="x-small", color="0.35")
    shown = result.gaps[result.gaps["comparable"]] if "comparable" in result.gaps else result.gaps
    if not shown.empty and shown["gap"].notna().any():  # only practices with enough people on both sides
        ax = plotting.plot_perception_gaps(shown, ROOM, 1, framework=result.framework)
        ax.title.set_text(f"{label}: client and partner scores per practice")  # keeps the title's place
        figures["gaps"] = ax
    return figures


def _dossier_base(result: RoomResult, page_dir: str | Path) -> str:
    """The library's ``casestudies/`` folder, relative to the folder the page will be in, ending in ``/``."""
    base = os.path.relpath(result.library_path / "casestudies", os.path.abspath(page_dir))
    return Path(base).as_posix() + "/"


def _links(result: RoomResult, page_dir: Path, link_base: str | None, link_suffix: str | None) -> dict[str, str]:
    if link_base is None:
        link_base, link_suffix = _dossier_base(result, page_dir), link_suffix or ".md"
    ids = result.cases["alliance_id"].tolist() + [p["read"]["alliance_id"] for p in result.prompts if p["read"]]
    return {a: f"{link_base}{a}{link_suffix if link_suffix is not None else '.html'}" for a in ids}


def render_room(result: RoomResult, out_dir: str | Path, *, link_base: str | None = None,
                link_suffix: str | None = None, figures: dict[str, str] | None = None,
                min_answers: int | None = None) -> str:
    """The room's page as standalone HTML.

    Links to the case studies are ``<link_base><alliance_id><link_suffix>``: e.g. ``link_base="../alliances/"``
    (suffix ``.html`` by default) for the write-ups of a built report one folder up. With ``link_base=None`` they
    point at the library's dossiers (``casestudies/<id>.md``), relative to ``out_dir``, the folder the page will
    be in. ``figures`` maps ``"profile"`` and ``"gaps"`` to image paths relative to the page. The page shows what
    ``result`` shows and says what it does not; ``min_answers``, when given, must be the room's own.
    """
    from .writeups import environment

    k = _check_room(result, min_answers)
    links = _links(result, Path(out_dir), link_base, link_suffix)
    nearest = result.clusters.set_index("cluster").loc[result.nearest_cluster]
    labels = dict(zip(result.framework.practices["practice_id"], result.framework.practices["label"]))
    gaps = result.gaps.dropna(subset=["gap"])
    gaps = gaps.assign(label=gaps["id"].map(labels), size=gaps["gap"].abs())
    gaps = gaps.sort_values("size", ascending=False, kind="mergesort").head(5)
    n_client, n_partner = _sides(result.participants)
    not_compared = int((~result.gaps["comparable"]).sum()) if "comparable" in result.gaps else 0
    return environment("html").get_template("workshop.html.j2").render(
        r=result, m=result.maturity, fw=result.framework, nearest=nearest, links=links, figures=figures or {},
        n_client=n_client, n_partner=n_partner, n_hidden=not_compared, min_answers=k,
        min_for_interval=MIN_FOR_INTERVAL, too_few=_TOO_FEW, hidden=result.hidden_practices.to_dict("records"),
        cases=result.cases.to_dict("records"), clusters=result.clusters.to_dict("records"),
        areas=result.areas.to_dict("records"), gaps=gaps.to_dict("records"),
        participants=result.participants.to_dict("records"), alliances=result.alliances.to_dict("records"))


def write_room(result: RoomResult, out_dir: str | Path, *, link_base: str | None = None,
               link_suffix: str | None = None, min_answers: int | None = None) -> list[Path]:
    """Write ``room.html`` and its figures (``figures/room-profile.png`` and, with enough participants on both
    sides, ``figures/room-gaps.png``) into ``out_dir``: everything is made in a temporary folder beside it and
    moved in at the end, and a figure of an earlier room that this room does not have is removed. Other files in
    ``out_dir`` are left alone. Links as in :func:`render_room`. Returns the files written.

    Nothing written rests on fewer than the room's ``min_answers`` answers (see :func:`score_room`, which applies
    it): ``min_answers``, when given, must be the one the room was scored with, or ValueError (score it again).
    """
    import matplotlib
    import matplotlib.pyplot as plt

    from .plotting import _save_png

    _check_room(result, min_answers)
    matplotlib.use("Agg")
    out = Path(out_dir)
    if link_base is None:
        link_base, link_suffix = _dossier_base(result, out), link_suffix or ".md"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}-new-"))
    try:
        (tmp / "figures").mkdir()
        names = {}
        for key, ax in room_figures(result).items():
            _save_png(ax.figure, tmp / "figures" / f"room-{key}.png", dpi=100)
            plt.close(ax.figure)
            names[key] = f"figures/room-{key}.png"
        page = render_room(result, out, link_base=link_base, link_suffix=link_suffix, figures=names)
        (tmp / "room.html").write_text(page, encoding="utf-8", newline="\n")
        # figures of an earlier room that this one does not have (a gaps chart after a room without both sides)
        # would otherwise stay beside the new page
        for key in ROOM_FIGURES:
            if key not in names:
                (out / "figures" / f"room-{key}.png").unlink(missing_ok=True)
        return move_files(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def build_room(files, out: str | Path, *, library: str | Path | None = None,
               framework: Framework | str | Path | None = None, link_base: str | None = None,
               link_suffix: str | None = None, n_boot: int = 1000, random_state: int = 0,
               min_answers: int = MIN_ANSWERS, analysis=None) -> tuple[RoomResult, list[Path]]:
    """What ``alliance-research workshop score`` does: read the workbooks, analyse the library, score the room
    and write its page into the folder ``out``, replacing it as a whole.

    The workbooks are read first, so bad ones fail fast and nothing is written (:class:`LibraryError` lists every
    problem). ``out`` is only replaced when it is empty or holds an earlier room (marked by
    ``.alliance-research-workshop``). ``min_answers`` is the minimum number of answers behind anything the page
    shows (:func:`score_room`). ``analysis`` skips the library's analysis when given. Returns the room and the
    files written.
    """
    from .analysis import analyse
    from .library import load_library
    from .report import _check_replaceable, _swap

    k = check_min_answers(min_answers)  # before any work: a bad minimum is the caller's mistake, not the data's
    out = Path(out)
    _check_replaceable(out, MARKER)
    fw = _framework(framework, library)
    responses = read_workbooks(files, fw)
    if analysis is None:
        analysis = analyse(load_library(library, framework=fw), random_state=random_state, n_boot=n_boot)
    room = score_room(responses, analysis, min_answers=k, n_boot=n_boot, random_state=random_state)
    if link_base is None:  # the dossiers, relative to where the page ends up (not the temporary folder)
        link_base, link_suffix = _dossier_base(room, out), link_suffix or ".md"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}-room-"))
    try:
        write_room(room, tmp, link_base=link_base, link_suffix=link_suffix)
        (tmp / MARKER).write_text("written by alliance-research workshop score\n", encoding="utf-8")
        _swap(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return room, sorted(p for p in out.rglob("*") if p.is_file() and p.name != MARKER)


# ----------------------------------------------------------------------------------------------------------------
# a live session


def room_view(result: RoomResult, *, min_answers: int | None = None) -> str:
    """The room as one HTML fragment for a notebook or the live session's widget: the summary, the prompts, the
    caveats and the figures (as embedded PNG images). It shows what ``result`` shows, like the page."""
    import base64
    import html
    import io

    import matplotlib.pyplot as plt

    _check_room(result, min_answers)
    parts = [f"<pre>{html.escape(result.describe())}</pre>", "<p><b>Questions for the room</b></p>", "<ol>"]
    parts += [f"<li><b>{html.escape(p['area'])}.</b> {html.escape(p['text'])}</li>" for p in result.prompts]
    parts += ["</ol>", "<p><b>Reading it honestly</b></p>", "<ul>"]
    parts += [f"<li>{html.escape(c)}</li>" for c in result.caveats]
    parts.append("</ul>")
    for key, ax in room_figures(result).items():
        buffer = io.BytesIO()
        ax.figure.savefig(buffer, format="png", dpi=80, bbox_inches="tight", metadata={"Software": None})
        plt.close(ax.figure)
        data = base64.b64encode(buffer.getvalue()).decode("ascii")
        parts.append(f'<img alt="room-{key}" src="data:image/png;base64,{data}">')
    return "\n".join(parts)


def room_widget(analysis, *, min_answers: int = MIN_ANSWERS, n_boot: int = 200, random_state: int = 0,
                alliance: str = "Our alliance"):
    """Sliders for a live session in JupyterLab: each participant (or table) sets a slider per practice and
    adds their answers; when everyone has, the facilitator shows the room.

    The room is shown once, with the same minimum as the page (``min_answers``, :func:`score_room`): two views
    of one room that differ by one participant would show that participant's answers by subtraction, so after
    *Show the room* no more answers can be added (*Start again* begins a new room). Nothing is shown before
    then: the answers are kept inside the widget, not for display, and the view appears only when the room
    has at least :data:`MIN_OVERLAP` practices rated by ``min_answers`` participants (else the status line says
    what is missing and more answers can be added).

    Returns an ``ipywidgets.VBox`` with attributes ``room`` (the :class:`RoomResult` shown, or None), ``view``
    (an ``ipywidgets.HTML`` holding the room as shown: :func:`room_view`), ``n_participants`` (answers added so
    far, a count), ``min_answers``, ``add``, ``show`` and ``clear`` (the buttons), ``status`` and ``sliders``
    (by practice id). Raises ``ImportError`` without ipywidgets (use the workbooks then) and ValueError for a
    ``min_answers`` below 2.
    """
    import html

    import ipywidgets as widgets

    k = check_min_answers(min_answers)
    fw = analysis.framework
    options = [fw.dont_know] + [f"{score} {name}" for score, name in fw.level_names.items()]
    org_type = widgets.Dropdown(options=list(ORGANISATION_TYPES), value="client", description="Organisation")
    name = widgets.Text(value=alliance, description="Alliance")
    sliders = {}
    rows = [widgets.HTML(f"<b>Rate each practice</b> (leave at \u201c{html.escape(fw.dont_know)}\u201d if you "
                         f"cannot judge it)")]
    for p in fw.practices.itertuples(index=False):
        slider = widgets.SelectionSlider(options=options, value=fw.dont_know, description="",
                                         layout=widgets.Layout(width="420px"), continuous_update=False)
        sliders[p.practice_id] = slider
        rows.append(widgets.HBox([widgets.Label(p.label, layout=widgets.Layout(width="300px")), slider]))
    add = widgets.Button(description="Add these answers", button_style="primary")
    show = widgets.Button(description="Show the room")
    clear = widgets.Button(description="Start again")
    status = widgets.Label("No answers yet.")
    view = widgets.HTML("")
    box = widgets.VBox([widgets.HBox([name, org_type]), *rows, widgets.HBox([add, show, clear]), status, view])
    box.room, box.view, box.sliders, box.add, box.show, box.clear = None, view, sliders, add, show, clear
    box.organisation_type, box.alliance, box.status, box.min_answers = org_type, name, status, k
    box.n_participants = 0
    answers: list[pd.DataFrame] = []  # the raw answers: inside the widget only, never displayed

    def on_add(_):
        if box.room is not None:  # shown already: a second view would give the newcomer's answers away
            return
        respondent = f"participant-{box.n_participants + 1:02d}"
        rows = [(_slug(name.value, "alliance"), 1, respondent, org_type.value, org_type.value, practice_id,
                 fw.parse_answer(slider.value), None, name.value, "", False, str(fw.version))
                for practice_id, slider in sliders.items()]
        new = pd.DataFrame(rows, columns=RESPONSE_COLUMNS + ["alliance", "file", "simulated", "framework_version"])
        new["score"] = new["score"].astype("Int64")
        answers.append(new)
        box.n_participants += 1
        for slider in sliders.values():
            slider.value = fw.dont_know
        status.value = (f"{_plural(box.n_participants, 'participant')} so far. Show the room when everyone has "
                        f"added their answers.")

    def on_show(_):
        if box.room is not None or not answers:
            return
        responses = pd.concat(answers, ignore_index=True)
        if responses["score"].isna().all():
            status.value = f"{_plural(box.n_participants, 'participant')} so far, none rated a practice yet."
            return
        try:
            room = score_room(responses, analysis, min_answers=k, n_boot=n_boot, random_state=random_state)
        except ValueError as err:  # too few answers yet: say what is missing, show nothing, accept more answers
            status.value = f"Not shown yet: {err}. Add more answers."
            return
        box.room = room
        view.value = room_view(room)
        add.disabled = show.disabled = True
        status.value = (f"The room of {_plural(box.n_participants, 'participant')}. To add answers, start "
                        f"again: a second view with one more participant would show that participant's answers.")

    def on_clear(_):
        answers.clear()
        box.room, box.n_participants = None, 0
        view.value = ""
        add.disabled = show.disabled = False
        status.value = "No answers yet."

    add.on_click(on_add)
    show.on_click(on_show)
    clear.on_click(on_clear)
    return box
