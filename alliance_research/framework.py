"""The rubric: a framework YAML file (an ACoP cell or any other) read into tidy tables.

Nothing here names a practice: every practice, area, statement and level descriptor comes from the YAML file,
so another rubric is added by writing another file (see ``data/frameworks/``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from ._text import line_of, load_yaml, pydantic_problems, read_text
from .errors import LibraryError, Problem
from .paths import EXAMPLE_LIBRARY, shown_path

__all__ = ["Framework", "load_framework", "list_frameworks", "DEFAULT_FRAMEWORK"]

DEFAULT_FRAMEWORK = "sustaining-integration"
ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
#: The most levels a scale may have (0..4 has five).
MAX_LEVELS = 11

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False, frozen=True)


class _Level(_Model):
    score: int
    name: Text
    description: Text


class _Scale(_Model):
    min: int = 0
    max: int = 4
    dont_know: Text = "Don't know"
    levels: list[_Level]

    @model_validator(mode="after")
    def _levels_cover_range(self) -> "_Scale":
        if self.max <= self.min or self.max - self.min > MAX_LEVELS - 1:
            raise ValueError(f"max greater than min, with at most {MAX_LEVELS} levels "
                             f"(got min {self.min}, max {self.max})")
        scores = [level.score for level in self.levels]
        wanted = list(range(self.min, self.max + 1))
        if scores != wanted:
            raise ValueError(f"one level for each score {wanted}, in order (got {scores})")
        names = [level.name.casefold() for level in self.levels] + [self.dont_know.casefold()]
        if len(set(names)) != len(names):
            raise ValueError("distinct level names, different from the don't-know answer")
        return self


class _Practice(_Model):
    id: Id
    parent: Id | None = None
    label: Text
    statement: Text
    why: Text
    levels: dict[int, Text]


class _Area(_Model):
    id: Id
    name: Text
    description: Text
    practices: Annotated[list[_Practice], Field(min_length=1)]


class _Grid(_Model):
    phase: Text
    theme: Text


class _Source(_Model):
    name: Text
    publisher: Text | None = None
    year: int | None = None
    note: Text | None = None


class _FrameworkFile(_Model):
    id: Id
    title: Text
    version: int | Text = 1
    source: _Source | None = None
    grid: _Grid | None = None
    summary: Text | None = None
    scale: _Scale
    areas: Annotated[list[_Area], Field(min_length=1)]


@dataclass(frozen=True)
class Framework:
    """A rubric read from a framework YAML file.

    Attributes
    ----------
    id, title, version : str
        From the file.
    grid : dict
        Position in the ACoP grid, e.g. ``{"phase": "sustaining", "theme": "integration"}``.
    scale : DataFrame
        ``score, level_name, description``: one row per maturity level, lowest first.
    areas : DataFrame
        ``area_id, area, description, n_practices``, in rubric order.
    practices : DataFrame
        ``practice_id, area_id, area, label, statement, why, parent_id, order``, in rubric order.
    descriptors : DataFrame
        ``practice_id, score, level_name, descriptor``: what each level looks like for each practice.
    dont_know : str
        The answer that means "no answer" in surveys and workbooks.
    path : Path
        The file it was read from.
    """

    id: str
    title: str
    version: str
    grid: dict
    summary: str | None
    source: dict
    scale: pd.DataFrame
    areas: pd.DataFrame
    practices: pd.DataFrame
    descriptors: pd.DataFrame
    dont_know: str
    path: Path
    _label_scores: dict = field(repr=False, default_factory=dict)

    @property
    def practice_ids(self) -> list[str]:
        """Practice ids in rubric order."""
        return self.practices["practice_id"].tolist()

    @property
    def area_ids(self) -> list[str]:
        """Area ids in rubric order."""
        return self.areas["area_id"].tolist()

    @property
    def min_score(self) -> int:
        return int(self.scale["score"].min())

    @property
    def max_score(self) -> int:
        return int(self.scale["score"].max())

    @property
    def level_names(self) -> dict[int, str]:
        """Score -> level name, e.g. ``{0: "Not in place", ...}``."""
        return dict(zip(self.scale["score"], self.scale["level_name"]))

    def level_name(self, score: float) -> str:
        """The name of the level a (possibly fractional) score rounds down to."""
        s = int(min(max(score, self.min_score), self.max_score) // 1)
        return self.level_names[s]

    def parse_answer(self, answer: object) -> int | None:
        """Read one survey answer: a score, a level name, or ``"3 - Established"``; blank or don't know -> None.

        Raises ``ValueError`` for anything else.
        """
        if answer is None or (isinstance(answer, float) and answer != answer):
            return None
        if isinstance(answer, bool):
            raise ValueError(answer)
        if isinstance(answer, (int, float)):
            if float(answer).is_integer() and self.min_score <= answer <= self.max_score:
                return int(answer)
            raise ValueError(answer)
        text = _normalise_answer(answer)
        if text == "" or text == _normalise_answer(self.dont_know):
            return None
        if text in self._label_scores:
            return self._label_scores[text]
        if re.fullmatch(r"\d+\.0*", text) and self.min_score <= float(text) <= self.max_score:
            return int(float(text))  # '4.0', as some exports write whole numbers
        raise ValueError(answer)

    def expected_answers(self) -> str:
        """A sentence listing the answers ``parse_answer`` accepts."""
        names = ", ".join(f"'{n}'" for n in self.level_names.values())
        return (f"a score from {self.min_score} to {self.max_score}, a level name ({names}), "
                f"'{self.dont_know}' or blank")


def _normalise_answer(text: object) -> str:
    """Single spaces, case folded, curly apostrophes straight (as Word, Forms and macOS type them)."""
    return " ".join(str(text).split()).casefold().replace("\u2019", "'").replace("\u2018", "'")


def list_frameworks(library: str | Path | None = None) -> list[str]:
    """Ids of the framework files available in a library (default: the example library)."""
    folder = (Path(library) if library is not None else EXAMPLE_LIBRARY) / "data" / "frameworks"
    return sorted(p.stem for p in folder.glob("*.yaml"))


def _resolve(name_or_path: str | Path | None, library: str | Path | None) -> Path:
    if name_or_path is None:
        name_or_path = DEFAULT_FRAMEWORK
    candidate = Path(name_or_path)
    if candidate.suffix in (".yaml", ".yml") or candidate.is_file():
        return candidate
    name = str(name_or_path)
    folders = []
    if library is not None:
        folders.append(Path(library) / "data" / "frameworks")
    folders.append(EXAMPLE_LIBRARY / "data" / "frameworks")
    for folder in folders:
        path = folder / f"{name}.yaml"
        if path.is_file():
            return path
    known = sorted({p.stem for folder in folders for p in folder.glob("*.yaml")})
    raise LibraryError([Problem(name, None, "framework", name,
                                f"a framework file path or one of the framework ids {known}")])


def load_framework(name_or_path: str | Path | None = None, *, library: str | Path | None = None) -> Framework:
    """Read and validate a framework (rubric) file.

    Parameters
    ----------
    name_or_path : str or path, optional
        A framework id (looked up in ``<library>/data/frameworks/`` and then in the example library's) or the
        path of a YAML file. Default: the *Sustaining integration* cell of the Alliancing Code of Practice.
    library : path, optional
        A library folder whose ``data/frameworks/`` is searched first.

    Returns
    -------
    Framework

    Raises
    ------
    LibraryError
        With every problem in the file (file, line, key, value, expectation).

    Examples
    --------
    >>> import alliance_research as ar
    >>> fw = ar.load_framework()
    >>> fw.grid
    {'phase': 'sustaining', 'theme': 'integration'}
    """
    path = _resolve(name_or_path, library)
    shown = shown_path(path, library)
    if not path.is_file():
        raise LibraryError([Problem(shown, None, None, str(path), "an existing framework YAML file")])
    text, problems = read_text(path, shown)
    if text is None:
        raise LibraryError(problems)
    data, lines, problems = load_yaml(text, shown)
    if problems:
        raise LibraryError(problems)
    if not isinstance(data, dict):
        raise LibraryError([Problem(shown, 1, None, type(data).__name__,
                                    "a YAML mapping with id, title, scale and areas")])
    problems = _cross_check(data, shown, lines)
    try:
        model = _FrameworkFile.model_validate(data)
    except ValidationError as err:
        problems = pydantic_problems(err, shown, lines, _FrameworkFile) + problems
    if problems:
        raise LibraryError(problems)
    return _to_framework(model, path)


def _cross_check(data: dict, shown: str, lines: dict) -> list[Problem]:
    """Checks across keys (unique ids, parents, one descriptor per level), on the raw data so that they run
    even when the schema found problems too: every problem is reported in one go."""
    problems = []
    scale = data.get("scale") if isinstance(data.get("scale"), dict) else {}
    wanted = None
    try:
        lo, hi = int(scale.get("min", 0)), int(scale.get("max", 4))
        if 0 < hi - lo <= MAX_LEVELS - 1:
            wanted = set(range(lo, hi + 1))
    except (TypeError, ValueError):
        pass
    areas = data.get("areas") if isinstance(data.get("areas"), list) else []
    seen: dict[str, tuple] = {}
    area_of: dict[str, object] = {}
    area_seen: dict[str, int] = {}
    for a, area in enumerate(areas):
        if not isinstance(area, dict):
            continue
        area_id = area.get("id")
        if isinstance(area_id, str):
            if area_id in area_seen:
                problems.append(Problem(shown, line_of(lines, ("areas", a, "id")), "id", area_id,
                                        f"an area id used once (it is also used on line {area_seen[area_id]})"))
            area_seen.setdefault(area_id, line_of(lines, ("areas", a, "id")))
        practices = area.get("practices") if isinstance(area.get("practices"), list) else []
        for p, practice in enumerate(practices):
            if not isinstance(practice, dict):
                continue
            loc = ("areas", a, "practices", p)
            pid = practice.get("id")
            if isinstance(pid, str):
                if pid in seen:
                    problems.append(Problem(shown, line_of(lines, loc + ("id",)), "id", pid,
                                            f"a practice id used once (it is also used on line "
                                            f"{line_of(lines, seen[pid])})"))
                seen.setdefault(pid, loc + ("id",))
                area_of.setdefault(pid, area_id)
            levels = practice.get("levels")
            if wanted is not None and isinstance(levels, dict) and set(map(_as_int, levels)) != wanted:
                problems.append(Problem(shown, line_of(lines, loc + ("levels",)), f"{pid}.levels",
                                        sorted(levels, key=str), f"one descriptor for each score {sorted(wanted)}"))
    for a, area in enumerate(areas):
        if not isinstance(area, dict) or not isinstance(area.get("practices"), list):
            continue
        for p, practice in enumerate(area["practices"]):
            if not isinstance(practice, dict) or practice.get("parent") is None:
                continue
            parent, pid = practice["parent"], practice.get("id")
            line = line_of(lines, ("areas", a, "practices", p, "parent"))
            if not isinstance(parent, str):
                continue  # the schema reports it
            if parent not in seen or parent == pid:
                problems.append(Problem(shown, line, f"{pid}.parent", parent,
                                        "the id of another practice of the framework"))
            elif area_of[parent] != area.get("id"):
                problems.append(Problem(shown, line, f"{pid}.parent", parent,
                                        f"a practice of the same area ('{area.get('id')}')"))
    return problems


def _as_int(key: object) -> object:
    try:
        return int(key) if not isinstance(key, bool) else key
    except (TypeError, ValueError):
        return key


def _to_framework(model: _FrameworkFile, path: Path) -> Framework:
    scale = pd.DataFrame(
        [(lv.score, lv.name, lv.description) for lv in model.scale.levels],
        columns=["score", "level_name", "description"],
    )
    level_names = dict(zip(scale["score"], scale["level_name"]))
    practices, descriptors, areas = [], [], []
    order = 0
    for area in model.areas:
        areas.append((area.id, area.name, area.description, len(area.practices)))
        for practice in area.practices:
            practices.append((practice.id, area.id, area.name, practice.label, practice.statement,
                              practice.why, practice.parent, order))
            order += 1
            for score in sorted(practice.levels):
                descriptors.append((practice.id, score, level_names.get(score), practice.levels[score]))
    practices_df = pd.DataFrame(practices, columns=["practice_id", "area_id", "area", "label", "statement",
                                                    "why", "parent_id", "order"])
    practices_df["parent_id"] = practices_df["parent_id"].astype("object").where(practices_df["parent_id"].notna(), None)
    label_scores = {}
    for score, name in level_names.items():
        label_scores[name.casefold()] = int(score)
        label_scores[str(score)] = int(score)
        for sep in (" - ", " – ", ": ", ". ", " "):
            label_scores[f"{score}{sep}{name}".casefold()] = int(score)
    return Framework(
        id=model.id,
        title=model.title,
        version=str(model.version),
        grid=model.grid.model_dump() if model.grid else {},
        summary=model.summary,
        source=model.source.model_dump(exclude_none=True) if model.source else {},
        scale=scale,
        areas=pd.DataFrame(areas, columns=["area_id", "area", "description", "n_practices"]),
        practices=practices_df,
        descriptors=pd.DataFrame(descriptors, columns=["practice_id", "score", "level_name", "descriptor"]),
        dont_know=model.scale.dont_know,
        path=path,
        _label_scores=label_scores,
    )


