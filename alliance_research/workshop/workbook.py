"""The self-assessment workbook: writing the template, filling it (for tests and rehearsals), and reading a room's
filled workbooks back into the long ``responses`` format, every problem named by file, sheet and cell.

Nothing here names a practice: rows, statements, descriptors and level names all come from the framework.
"""

from __future__ import annotations

import hashlib
import math
import re
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import LibraryError, Problem
from ..framework import Framework, load_framework
from ..library import ORGANISATION_TYPES, RESPONSE_COLUMNS
from ..files import atomic_write

__all__ = ["write_template", "fill_workbook", "read_workbooks", "simulate_room", "resolve_framework", "slug",
           "RATING_SHEET", "INSTRUCTIONS_SHEET", "LISTS_SHEET", "FIELD_CELLS"]


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
_EXPECTED_WORKBOOK = "an Excel workbook (.xlsx) made by `alliance-research workshop template`"


# ----------------------------------------------------------------------------------------------------------------
# the template


def resolve_framework(framework: Framework | str | Path | None, library=None) -> Framework:
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

    fw = resolve_framework(framework, library)
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
    """Save through a temporary file beside ``path``: never a half-written workbook."""
    return atomic_write(path, lambda tmp: wb.save(tmp), keep_mode=False)


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


def slug(text: str, fallback: str) -> str:
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
    fw = resolve_framework(framework, library)
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
        alliance_id = slug(one["alliance"], "alliance")
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
    fw = resolve_framework(framework)
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
