"""The rubric as survey items: one row per practice with a platform-safe code, plus the respondent fields.

Everything shown to respondents (statements, level names, descriptors, area names, the don't-know answer) comes
from the framework; this module only derives codes from ids, so another rubric is another YAML file.

Codes follow the strictest rule among the platforms served: LimeSurvey question codes are letters and digits
only, start with a letter, and have at most 20 characters (its ``Question`` model rules); answer codes have at
most 5. Qualtrics data export tags and recode values accept these too.
"""

from __future__ import annotations

import csv
import io
import re

import pandas as pd

from ..framework import Framework
from ..library import ORGANISATION_TYPES

__all__ = ["CODE_LENGTH", "ANSWER_CODE_LENGTH", "RESPONDENT_CODES", "RESPONDENT_QUESTIONS", "DONT_KNOW_CODE",
           "CODEBOOK_COLUMNS", "item_table", "make_code", "level_codes", "organisation_type_codes", "codes_text",
           "codebook_csv"]

#: LimeSurvey's limit on question and subquestion codes.
CODE_LENGTH = 20
#: LimeSurvey's limit on answer codes.
ANSWER_CODE_LENGTH = 5
#: Codes of the respondent fields (reserved before any practice or area code is derived).
RESPONDENT_CODES = {"organisation_type": "OrgType", "organisation": "Organisation"}
#: Question wording of the respondent fields.
RESPONDENT_QUESTIONS = {"organisation_type": "What type of organisation do you work for?",
                        "organisation": "Which organisation do you work for?"}
#: Columns of a codebook CSV (``codes`` and ``import_id`` are optional for ``import-survey``).
CODEBOOK_COLUMNS = ["column", "practice_id", "codes", "import_id"]


def make_code(identifier: str, taken: set[str], limit: int = CODE_LENGTH) -> str:
    """A code from an id: ``collaborative-dynamics`` -> ``CollaborativeDynamics``, within ``limit`` characters.

    Letters and digits only, starting with a letter (``P`` is put in front of an id that starts with a digit).
    When the full CamelCase form is too long, every part is cut to the same length, as long as fits; a code
    already in ``taken`` gets the smallest number suffix that makes it new. ``taken`` is updated. The same ids
    in the same order always give the same codes.
    """
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", identifier) if p] or ["X"]
    prefix = "P" if parts[0][0].isdigit() else ""
    room = limit - len(prefix)
    code = "".join(p[:1].upper() + p[1:] for p in parts)
    if len(code) > room:
        width = next((w for w in range(room, 0, -1) if sum(min(len(p), w) for p in parts) <= room), 1)
        code = "".join(p[:width][:1].upper() + p[:width][1:] for p in parts)[:room]
    code = prefix + code
    candidate, n = code, 1
    while candidate.casefold() in {t.casefold() for t in taken}:  # LimeSurvey codes clash regardless of case
        n += 1
        candidate = code[:limit - len(str(n))] + str(n)
    taken.add(candidate)
    return candidate


def item_table(fw: Framework) -> pd.DataFrame:
    """One row per practice, in rubric order.

    Columns: ``item`` (1, 2, ...), ``practice_id``, ``code`` (unique, platform-safe), ``area_id``, ``area``,
    ``area_code``, ``statement``, ``label``.
    """
    taken = set(RESPONDENT_CODES.values())
    area_codes = {a: make_code(a, taken) for a in fw.area_ids}
    rows = []
    for i, p in enumerate(fw.practices.itertuples(index=False), start=1):
        rows.append((i, p.practice_id, make_code(p.practice_id, taken), p.area_id, p.area, area_codes[p.area_id],
                     p.statement, p.label))
    return pd.DataFrame(rows, columns=["item", "practice_id", "code", "area_id", "area", "area_code", "statement",
                                       "label"])


def level_codes(fw: Framework) -> dict[int, str]:
    """LimeSurvey answer code of each score: ``A<score>`` (``A0`` ... ``A4``), or ``A<position>`` when a score
    would not fit in an answer code (negative or very large scores)."""
    scores = [int(s) for s in fw.scale["score"]]
    if all(s >= 0 and len(f"A{s}") <= ANSWER_CODE_LENGTH for s in scores):
        return {s: f"A{s}" for s in scores}
    return {s: f"A{i}" for i, s in enumerate(scores, start=1)}


#: LimeSurvey answer code and Qualtrics choice label of "don't know" answers in the codebook.
DONT_KNOW_CODE = "DK"


def organisation_type_codes() -> dict[str, str]:
    """Answer code of each organisation type: its first five letters, upper case (``CLIEN``, ``CONTR``, ...)."""
    taken: set[str] = set()
    return {t: make_code(t, taken, ANSWER_CODE_LENGTH).upper() for t in ORGANISATION_TYPES}


def codes_text(mapping: dict[str, object]) -> str:
    """``{"A0": 0, "DK": None}`` -> ``"A0=0; DK="``, the form ``import-survey`` reads in a codebook's ``codes``."""
    return "; ".join(f"{code}={'' if value is None else value}" for code, value in mapping.items())


def codebook_csv(rows: list[tuple[str, ...]]) -> bytes:
    """The codebook CSV (``column, practice_id, codes, import_id``) as UTF-8 bytes with ``\\n`` line ends; rows
    may leave out the trailing columns."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CODEBOOK_COLUMNS)
    writer.writerows(list(row) + [""] * (len(CODEBOOK_COLUMNS) - len(row)) for row in rows)
    return buffer.getvalue().encode("utf-8")
