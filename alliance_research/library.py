"""Loading and validating a library: dossiers (``casestudies/``) and tables (``data/``).

A library is a folder holding ``casestudies/<alliance_id>.md`` (YAML front matter and a Markdown narrative) and
``data/`` (``responses.csv`` or ``.xlsx``, optionally ``outcomes.csv`` with ``kpis.csv``, and optionally
``frameworks/*.yaml``). Every problem in every file is collected and raised together as one
:class:`~alliance_research.errors.LibraryError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import frontmatter
import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator, model_validator

from ._tables import LINE, find_table, read_table
from ._text import did_you_mean, line_of, load_yaml, pydantic_problems, read_text
from .errors import LibraryError, Problem, ProblemCollector
from .framework import Framework, load_framework
from .paths import EXAMPLE_LIBRARY, shown_path

if TYPE_CHECKING:
    import pandera.pandas as pa

__all__ = [
    "Library",
    "load_library",
    "load_library_folder",
    "SECTORS",
    "ORGANISATION_TYPES",
    "PHASES",
    "RESPONSE_COLUMNS",
    "OUTCOME_COLUMNS",
    "KPI_COLUMNS",
]

SECTORS = ("water", "rail", "highways", "energy", "nuclear", "flood", "other")
PHASES = ("deciding", "creating", "sustaining")
ORGANISATION_TYPES = ("client", "contractor", "designer", "supplier", "other")
RESPONSE_COLUMNS = ["alliance_id", "wave", "respondent_id", "organisation", "organisation_type", "practice_id",
                    "score", "comment"]
OUTCOME_COLUMNS = ["alliance_id", "year", "kpi", "value"]
KPI_COLUMNS = ["kpi", "label", "unit", "higher_is_better"]

#: The highest wave number accepted (a guard against typos such as 20224).
MAX_WAVE = 1000
ALLIANCE_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ALLIANCE_ID_EXPECTED = "an alliance id: lowercase letters, digits and hyphens (e.g. 'north-coast-water')"
_TRUE = {"true", "yes", "1", "y", "t"}
_FALSE = {"false", "no", "0", "n", "f"}

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Evidence(_Model):
    practice: Text
    text: Text
    source: Text | None = None


class _Lesson(_Model):
    text: Text
    practice: Text | None = None


class _Dossier(_Model):
    name: Text
    sector: Literal[SECTORS]  # type: ignore[valid-type]
    client: Text
    partners: Annotated[list[Text], Field(min_length=1)]
    start_year: Annotated[int, Field(ge=1900, le=2100)]
    end_year: Annotated[int, Field(ge=1900, le=2100)] | None = None
    region: Text | None = None
    phase: Literal[PHASES] | None = None  # type: ignore[valid-type]
    annual_value_gbp_m: Annotated[float, Field(ge=0)] | None = None
    fictional: bool | None = None
    evidence: list[_Evidence] = []
    lessons: list[_Lesson] = []

    @field_validator("evidence", "lessons", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return [] if value is None else value  # `lessons:` with nothing after it

    @model_validator(mode="after")
    def _years_in_order(self) -> "_Dossier":
        if self.end_year is not None and self.end_year < self.start_year:
            raise ValueError(f"end_year not before start_year {self.start_year} (got {self.end_year})")
        return self


@dataclass
class Library:
    """A loaded, validated library.

    Attributes
    ----------
    path : Path
        The library folder.
    framework : Framework
        The rubric the ratings refer to.
    alliances : DataFrame
        One row per dossier: ``alliance_id, name, sector, client, partners (list), n_partners, start_year,
        end_year, region, phase, annual_value_gbp_m, fictional, narrative, file``.
    responses : DataFrame
        One row per rating: ``alliance_id, wave, respondent_id, organisation, organisation_type, practice_id,
        score (nullable Int64; <NA> = no answer), comment`` (the data contract's columns and order).
    outcomes : DataFrame
        ``alliance_id, year, kpi, value`` (empty when the library has no outcomes).
    kpis : DataFrame
        ``kpi, label, unit, higher_is_better``.
    evidence : DataFrame
        ``alliance_id, practice_id, area_id, text, source`` from the dossiers.
    lessons : DataFrame
        ``alliance_id, practice_id (or None), area_id (or None), text`` from the dossiers.
    """

    path: Path
    framework: Framework
    alliances: pd.DataFrame
    responses: pd.DataFrame
    outcomes: pd.DataFrame
    kpis: pd.DataFrame
    evidence: pd.DataFrame
    lessons: pd.DataFrame

    def summary(self) -> dict:
        """Counts a reader checks first: alliances, sectors, waves, respondents by type, ratings, missing share."""
        r = self.responses
        respondents = r.drop_duplicates(["alliance_id", "wave", "respondent_id"])
        by_type = respondents["organisation_type"].value_counts()
        return {
            "library": str(self.path),
            "framework": self.framework.id,
            "n_alliances": int(len(self.alliances)),
            "sectors": {k: int(v) for k, v in self.alliances["sector"].value_counts().sort_index().items()},
            "n_alliances_rated": int(r["alliance_id"].nunique()),
            "waves": sorted(int(w) for w in r["wave"].unique()),
            "n_alliance_waves": int(len(r.drop_duplicates(["alliance_id", "wave"]))),
            "n_respondents": int(len(respondents)),
            "respondents_by_type": {t: int(by_type.get(t, 0)) for t in ORGANISATION_TYPES if by_type.get(t, 0)},
            "n_ratings": int(len(r)),
            "missing_share": float(r["score"].isna().mean()) if len(r) else float("nan"),
            "n_comments": int(r["comment"].notna().sum()),
            "n_evidence": int(len(self.evidence)),
            "n_lessons": int(len(self.lessons)),
            "n_alliances_with_outcomes": int(self.outcomes["alliance_id"].nunique()),
            "kpis": self.kpis["kpi"].tolist(),
        }

    def describe(self) -> str:
        """The summary as a few lines of text (what ``alliance-research validate`` prints)."""
        s = self.summary()
        sectors = ", ".join(f"{k} {v}" for k, v in s["sectors"].items())
        types = ", ".join(f"{k} {v}" for k, v in s["respondents_by_type"].items())
        waves = ", ".join(map(str, s["waves"])) or "none"
        lines = [
            f"Library {s['library']} is valid (framework '{s['framework']}').",
            f"  alliances    {s['n_alliances']} ({sectors}); {s['n_alliances_rated']} with ratings",
            f"  waves        {waves}; {s['n_alliance_waves']} alliance-waves assessed",
            f"  respondents  {s['n_respondents']} ({types})",
            f"  ratings      {s['n_ratings']:,}, {s['missing_share']:.1%} missing, {s['n_comments']} with comments",
            f"  dossiers     {s['n_evidence']} evidence items, {s['n_lessons']} lessons",
            f"  outcomes     {s['n_alliances_with_outcomes']} alliances on {len(s['kpis'])} KPIs"
            + (f" ({', '.join(s['kpis'])})" if s["kpis"] else ""),
        ]
        return "\n".join(lines)


def load_library(path: str | Path | None = None, *, framework: str | Path | Framework | None = None) -> Library:
    """Load and validate a library.

    Parameters
    ----------
    path : str or path, optional
        The library folder (holding ``casestudies/`` and ``data/``). Default: the bundled, fictional example
        library.
    framework : str, path or Framework, optional
        The rubric the ratings refer to: an id (looked up in the library's ``data/frameworks/`` first), a YAML
        path, or a loaded :class:`Framework`. Default: ``sustaining-integration``.

    Returns
    -------
    Library

    Raises
    ------
    LibraryError
        Listing every problem found in every file: file, line, column or key, value and what was expected.

    Examples
    --------
    >>> import alliance_research as ar
    >>> lib = ar.load_library()
    >>> lib.responses.columns.tolist()[:3]
    ['alliance_id', 'wave', 'respondent_id']
    """
    root = library_root(path)
    fw = framework if isinstance(framework, Framework) else load_framework(framework, library=root)
    return load_library_folder(root, fw, require_responses=True)


def library_root(path: str | Path | None) -> Path:
    """The library folder (default: the example library); a LibraryError if it is not a folder."""
    root = Path(path) if path is not None else EXAMPLE_LIBRARY
    if not root.is_dir():
        raise LibraryError([Problem(str(root), None, None, str(root), "a library folder holding casestudies/ and data/")])
    return root


def load_library_folder(root: Path, fw: Framework, *, require_responses: bool = True,
                        responses_path: Path | None = None, responses_shown: str | None = None) -> Library:
    """Load the library folder ``root`` against the framework ``fw`` (what :func:`load_library` does once it has
    both); ``require_responses=False`` accepts a library with no ratings yet (survey import), and
    ``responses_path`` reads the ratings from another file shown as ``responses_shown`` in problems (a staged
    ``responses.csv`` checked before it replaces the library's)."""
    problems = ProblemCollector()
    alliances, known, evidence, lessons = _load_dossiers(root, fw, problems)
    responses = _load_responses(root, fw, known, problems, require=require_responses, path=responses_path,
                                shown=responses_shown)
    outcomes, kpis = _load_outcomes(root, known, problems)
    problems.raise_if_any()
    return Library(root, fw, alliances, responses, outcomes, kpis, evidence, lessons)


# ---------------------------------------------------------------------------------------------------- dossiers

def _load_dossiers(root: Path, fw: Framework, problems: ProblemCollector) -> tuple[pd.DataFrame, ...]:
    folder = root / "casestudies"
    rows, evidence, lessons = [], [], []
    known: set[str] = set()  # every validly named dossier, even an invalid one: its ratings are not orphans
    area_of = dict(zip(fw.practices["practice_id"], fw.practices["area_id"]))
    if not folder.is_dir():
        problems.add("casestudies/", None, None, None, "a folder of dossiers, casestudies/<alliance_id>.md")
    files = sorted(p for p in folder.glob("*.md") if p.name.lower() != "readme.md") if folder.is_dir() else []
    if folder.is_dir() and not files:
        problems.add("casestudies/", None, None, None, "at least one dossier, casestudies/<alliance_id>.md")
    for file in files:
        shown = shown_path(file, root)
        alliance_id = file.stem
        valid_id = bool(ALLIANCE_ID.match(alliance_id))
        if not valid_id:
            problems.add(shown, None, "file name", file.name, f"a file named <alliance_id>.md, with {ALLIANCE_ID_EXPECTED}")
        if valid_id:
            known.add(alliance_id)
        meta, body, lines = _read_front_matter(file, shown, problems)
        if meta is None:
            continue
        try:
            dossier = _Dossier.model_validate(meta)
        except ValidationError as err:
            problems.extend(pydantic_problems(err, shown, lines, _Dossier))
            continue
        if not valid_id:
            continue
        for i, item in enumerate(dossier.evidence):
            if _check_practice(item.practice, fw, shown, line_of(lines, ("evidence", i, "practice")),
                               f"evidence[{i}].practice", problems):
                evidence.append((alliance_id, item.practice, area_of[item.practice], item.text, item.source))
        for i, item in enumerate(dossier.lessons):
            if item.practice is None or _check_practice(item.practice, fw, shown,
                                                        line_of(lines, ("lessons", i, "practice")),
                                                        f"lessons[{i}].practice", problems):
                lessons.append((alliance_id, item.practice, area_of.get(item.practice), item.text))
        rows.append((alliance_id, dossier.name, dossier.sector, dossier.client, list(dossier.partners),
                     len(dossier.partners), dossier.start_year, dossier.end_year, dossier.region, dossier.phase,
                     dossier.annual_value_gbp_m, dossier.fictional, body.strip(), shown))
    alliances = pd.DataFrame(rows, columns=["alliance_id", "name", "sector", "client", "partners", "n_partners",
                                            "start_year", "end_year", "region", "phase", "annual_value_gbp_m",
                                            "fictional", "narrative", "file"])
    alliances = alliances.astype({"start_year": "int64", "end_year": "Int64", "annual_value_gbp_m": "float64"})
    return (
        alliances,
        known,
        pd.DataFrame(evidence, columns=["alliance_id", "practice_id", "area_id", "text", "source"]),
        pd.DataFrame(lessons, columns=["alliance_id", "practice_id", "area_id", "text"]),
    )


def _read_front_matter(file: Path, shown: str, problems: ProblemCollector):
    text, found = read_text(file, shown)
    if text is None:
        problems.extend(found)
        return None, None, None
    handler = frontmatter.YAMLHandler()
    if not handler.detect(text):
        first = text.splitlines()[0] if text.strip() else ""
        problems.add(shown, 1, None, first, "YAML front matter first: a line '---', the keys, then a line '---'")
        return None, None, None
    try:
        fm_text, body = handler.split(text)
    except ValueError:
        problems.add(shown, 1, None, None, "front matter closed by a line '---'")
        return None, None, None
    # Lines inside the front matter are counted from the top of the file.
    offset = text.count("\n", 0, max(text.find(fm_text), 0))
    meta, lines, found = load_yaml(fm_text, shown, line_offset=offset)
    if found:
        problems.extend(found)
        return None, None, None
    if not isinstance(meta, dict):
        problems.add(shown, 2, None, None if meta is None else str(meta),
                     "front matter with the keys name, sector, client, partners and start_year")
        return None, None, None
    return meta, body, lines


def _check_practice(practice: str, fw: Framework, shown: str, line: int | None, key: str,
                    problems: ProblemCollector) -> bool:
    if practice in set(fw.practice_ids):
        return True
    problems.add(shown, line, key, practice,
                 f"a practice id of framework '{fw.id}'{did_you_mean(practice, fw.practice_ids)}")
    return False


# ----------------------------------------------------------------------------------------------------- tables

def _not_empty(series: pd.Series) -> pd.Series:
    return series.str.len() > 0


def _whole_in_range(lo: int, hi: int | None, allow_empty: bool):
    def check(series: pd.Series) -> pd.Series:
        empty = series.str.len() == 0
        number = pd.to_numeric(series.where(~empty), errors="coerce")
        ok = number.notna() & (number % 1 == 0) & (number >= lo)
        if hi is not None:
            ok &= number <= hi
        return ok | (empty & allow_empty)
    return check


def _number(series: pd.Series) -> pd.Series:
    number = pd.to_numeric(series, errors="coerce")
    return number.notna() & np.isfinite(number)


def _validate_columns(frame: pd.DataFrame, shown: str, checks: dict[str, list[pa.Check]],
                      problems: ProblemCollector, suggest: dict[str, list[str]] | None = None) -> pd.Series:
    """Run the column checks with pandera; report failures with their lines. Returns a mask of clean rows."""
    import pandera.pandas as pa  # here, not at import: a Library read back from a saved analysis needs none

    schema = pa.DataFrameSchema({name: pa.Column(object, checks=c, nullable=True) for name, c in checks.items()},
                                strict=False)
    clean = pd.Series(True, index=frame.index)
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
        cases = cases[cases["index"].notna()]
        for column, check, value, index in cases[["column", "check", "failure_case", "index"]].itertuples(index=False):
            expected = str(check)
            if suggest and column in suggest:
                expected += did_you_mean(value, suggest[column])
            problems.add(shown, int(frame.at[index, LINE]), column, value, expected)
            clean.at[index] = False
    return clean


def _load_responses(root: Path, fw: Framework, known: set[str], problems: ProblemCollector, *,
                    require: bool = True, path: Path | None = None, shown: str | None = None) -> pd.DataFrame:
    import pandera.pandas as pa  # here, not at import: a Library read back from a saved analysis needs none

    empty = pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
        RESPONSE_COLUMNS, ["object", "int64", "object", "object", "object", "object", "Int64", "object"])})
    if path is None:
        path, found = find_table(root / "data", "responses")
        if len(found) > 1:
            problems.add("data/", None, None, ", ".join(p.name for p in found),
                         "one responses table: data/responses.csv or data/responses.xlsx, not both")
            return empty
    if path is None:
        if require:
            problems.add("data/responses.csv", None, None, None, "a responses table (data/responses.csv or .xlsx)")
        return empty
    shown = shown or shown_path(path, root)
    frame, found = read_table(path, shown, RESPONSE_COLUMNS[:-1], ["comment"])
    problems.extend(found)
    if frame is None:
        return empty
    shown = frame.attrs.get("shown", shown)
    if frame.empty:
        if require:
            problems.add(shown, 2, None, "", "at least one rating row after the header")
        return empty
    frame["organisation_type"] = frame["organisation_type"].str.lower()
    lo, hi = fw.min_score, fw.max_score
    checks = {
        "alliance_id": [pa.Check(lambda s: s.str.match(ALLIANCE_ID.pattern), error=ALLIANCE_ID_EXPECTED)],
        "wave": [pa.Check(_whole_in_range(1, MAX_WAVE, False), error=f"a whole number from 1 to {MAX_WAVE}")],
        "respondent_id": [pa.Check(_not_empty, error="a respondent id (not empty)")],
        "organisation": [pa.Check(_not_empty, error="the respondent's organisation (not empty)")],
        "organisation_type": [pa.Check.isin(ORGANISATION_TYPES, error=f"one of {', '.join(ORGANISATION_TYPES)}")],
        "practice_id": [pa.Check.isin(fw.practice_ids, error=f"a practice id of framework '{fw.id}'")],
        "score": [pa.Check(_whole_in_range(lo, hi, True),
                           error=f"a whole number from {lo} to {hi}, or empty for no answer")],
    }
    clean = _validate_columns(frame, shown, checks, problems, suggest={"practice_id": fw.practice_ids})
    frame = frame[clean].copy()
    # numbers as numbers before comparing rows: '1', '01' and '1.0' are the same wave
    frame["wave"] = pd.to_numeric(frame["wave"]).astype("int64")
    frame["score"] = pd.to_numeric(frame["score"].replace("", None)).astype("Int64")
    _check_alliances_known(frame, shown, known, problems)
    keys = ["alliance_id", "wave", "respondent_id", "practice_id"]
    _check_duplicates(frame, shown, keys, "one row per alliance, wave, respondent and practice", problems)
    _check_consistent_respondents(frame, shown, problems)
    out = frame[RESPONSE_COLUMNS].copy()
    out["comment"] = out["comment"].where(out["comment"].str.len() > 0, None)
    order = {p: i for i, p in enumerate(fw.practice_ids)}
    out = out.assign(_order=out["practice_id"].map(order))
    out = out.sort_values(["alliance_id", "wave", "respondent_id", "_order"], kind="stable").drop(columns="_order")
    return out.reset_index(drop=True)


def _check_alliances_known(frame: pd.DataFrame, shown: str, known: set[str], problems: ProblemCollector) -> None:
    unknown = frame[~frame["alliance_id"].isin(known)]
    for alliance_id, rows in unknown.groupby("alliance_id", sort=True):
        more = f" ({len(rows) - 1} more rows from line {rows[LINE].iloc[1]})" if len(rows) > 1 else ""
        problems.add(shown, int(rows[LINE].iloc[0]), "alliance_id", alliance_id,
                     f"an alliance with a dossier, casestudies/{alliance_id}.md{more}"
                     f"{did_you_mean(alliance_id, sorted(known))}")


def _check_duplicates(frame: pd.DataFrame, shown: str, keys: list[str], expected: str,
                      problems: ProblemCollector) -> None:
    dup = frame.duplicated(keys, keep=False)
    if not dup.any():
        return
    first_line = frame[dup].groupby(keys, sort=False)[LINE].transform("min")
    for (_, row), first in zip(frame[dup].iterrows(), first_line):
        if row[LINE] != first:
            value = ", ".join(str(row[k]) for k in keys)
            problems.add(shown, int(row[LINE]), ", ".join(keys), value, f"{expected} (already on line {first})")


def _check_consistent_respondents(frame: pd.DataFrame, shown: str, problems: ProblemCollector) -> None:
    keys = ["alliance_id", "wave", "respondent_id"]
    for column in ("organisation", "organisation_type"):
        first = frame.groupby(keys, sort=False)[column].transform("first")
        first_line = frame.groupby(keys, sort=False)[LINE].transform("first")
        differs = frame[column] != first
        for row, value, line in zip(frame[differs].to_dict("records"), first[differs], first_line[differs]):
            problems.add(shown, int(row[LINE]), column, row[column],
                         f"the same {column} for every row of respondent '{row['respondent_id']}' in this "
                         f"alliance and wave ('{value}' on line {line})")


def _load_outcomes(root: Path, known: set[str], problems: ProblemCollector) -> tuple[pd.DataFrame, pd.DataFrame]:
    import pandera.pandas as pa  # here, not at import: a Library read back from a saved analysis needs none

    outcomes = pd.DataFrame({"alliance_id": pd.Series(dtype=object), "year": pd.Series(dtype="int64"),
                             "kpi": pd.Series(dtype=object), "value": pd.Series(dtype="float64")})
    kpis = pd.DataFrame({"kpi": pd.Series(dtype=object), "label": pd.Series(dtype=object),
                         "unit": pd.Series(dtype=object), "higher_is_better": pd.Series(dtype=bool)})
    data = root / "data"
    outcome_path, found_o = find_table(data, "outcomes")
    kpi_path, found_k = find_table(data, "kpis")
    for stem, found in (("outcomes", found_o), ("kpis", found_k)):
        if len(found) > 1:
            problems.add("data/", None, None, ", ".join(p.name for p in found),
                         f"one {stem} table: data/{stem}.csv or data/{stem}.xlsx, not both")
            return outcomes, kpis
    known_kpis: list[str] = []
    if kpi_path is not None:
        shown = shown_path(kpi_path, root)
        frame, found = read_table(kpi_path, shown, KPI_COLUMNS)
        problems.extend(found)
        if frame is not None:
            shown = frame.attrs.get("shown", shown)
            frame["higher_is_better"] = frame["higher_is_better"].str.lower()
            checks = {
                "kpi": [pa.Check(lambda s: s.str.match(r"^[A-Za-z0-9_.-]+$"),
                                 error="a KPI id of letters, digits, '_', '-' or '.'")],
                "label": [pa.Check(_not_empty, error="a label (not empty)")],
                "higher_is_better": [pa.Check.isin(sorted(_TRUE | _FALSE), error="true or false")],
            }
            frame = frame[_validate_columns(frame, shown, checks, problems)]
            _check_duplicates(frame, shown, ["kpi"], "each KPI once", problems)
            kpis = pd.DataFrame({
                "kpi": frame["kpi"].tolist(), "label": frame["label"].tolist(), "unit": frame["unit"].tolist(),
                "higher_is_better": frame["higher_is_better"].isin(_TRUE).tolist(),
            }).drop_duplicates("kpi").reset_index(drop=True)
            known_kpis = kpis["kpi"].tolist()
    if outcome_path is None:
        return outcomes, kpis
    shown = shown_path(outcome_path, root)
    if kpi_path is None:
        problems.add("data/kpis.csv", None, None, None,
                     f"a KPI table (columns {', '.join(KPI_COLUMNS)}) describing each KPI of {shown}")
    frame, found = read_table(outcome_path, shown, OUTCOME_COLUMNS)
    problems.extend(found)
    if frame is None:
        return outcomes, kpis
    shown = frame.attrs.get("shown", shown)
    checks = {
        "alliance_id": [pa.Check(lambda s: s.str.match(ALLIANCE_ID.pattern), error=ALLIANCE_ID_EXPECTED)],
        "year": [pa.Check(_whole_in_range(1900, 2100, False), error="a year, e.g. 2023")],
        "value": [pa.Check(_number, error="a number (use '.' as the decimal point; no units)")],
    }
    if kpi_path is not None:
        checks["kpi"] = [pa.Check.isin(known_kpis, error="a KPI listed in data/kpis.csv")]
    frame = frame[_validate_columns(frame, shown, checks, problems, suggest={"kpi": known_kpis})].copy()
    frame["year"] = pd.to_numeric(frame["year"]).astype("int64")
    _check_alliances_known(frame, shown, known, problems)
    _check_duplicates(frame, shown, OUTCOME_COLUMNS[:3], "one value per alliance, year and KPI", problems)
    outcomes = pd.DataFrame({
        "alliance_id": frame["alliance_id"].tolist(),
        "year": frame["year"].tolist(),
        "kpi": frame["kpi"].tolist(),
        "value": pd.to_numeric(frame["value"]).astype("float64").tolist(),
    }, columns=OUTCOME_COLUMNS).sort_values(["alliance_id", "kpi", "year"], kind="stable").reset_index(drop=True)
    outcomes = outcomes.astype({"year": "int64", "value": "float64"})
    return outcomes, kpis
