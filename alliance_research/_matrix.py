"""Ratings as a respondents-by-practices matrix, respondents sorted into contiguous groups.

Scoring, agreement, perception gaps and trends all start from the same shape: one row per respondent (within an
alliance and wave), one column per practice in rubric order, ``NaN`` where there is no answer. Keeping each group's
respondents contiguous lets per-group sums be taken with ``np.add.reduceat`` instead of a Python loop.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from .framework import Framework

GROUPS = ("alliance_id", "wave")
#: What identifies a respondent, whatever the grouping: one person in one alliance and wave.
RESPONDENT = ("alliance_id", "wave", "respondent_id")
#: Columns of a respondent (the same on each of their rows in a loaded library), kept beside the matrix.
RESPONDENT_COLUMNS = ("organisation", "organisation_type")


@dataclass(frozen=True)
class RespondentMatrix:
    """Ratings of one library (or any subset of it) as arrays.

    Attributes
    ----------
    groups : DataFrame
        One row per group (e.g. alliance and wave), in sorted order, with the group columns and ``n_respondents``.
    respondents : DataFrame
        One row per respondent in matrix order: the group columns, ``respondent_id``, ``organisation``,
        ``organisation_type`` and ``group`` (the row of ``groups`` it belongs to).
    values : ndarray of float, shape (n_respondents, n_practices)
        Scores, ``NaN`` where there is no answer.
    starts : ndarray of int, shape (n_groups + 1,)
        Group ``g`` holds respondents ``starts[g]:starts[g + 1]``.
    practice_ids, area_ids : list of str
        Column order of ``values`` and the rubric's areas.
    practice_area : ndarray of int
        For each practice column, the index of its area in ``area_ids``.
    levels : ndarray of int
        The scale's scores, lowest first.
    consistent : bool
        Each respondent is one row with one organisation and organisation type (always so for a loaded library;
        a data frame built by hand may give a respondent two). :meth:`regroup` needs it.

    Notes
    -----
    Build the matrix once with :func:`respondent_matrix` and hand it to the statistics that take ``matrix=``
    (:func:`~alliance_research.scoring.score_responses`, :func:`~alliance_research.gaps.perception_gaps`,
    :func:`~alliance_research.trends.wave_changes` and the tables of :mod:`~alliance_research.agreement`): each
    takes the grouping it needs with :meth:`regroup`, which reorders rows instead of pivoting the ratings again.
    """

    groups: pd.DataFrame
    respondents: pd.DataFrame
    values: np.ndarray
    starts: np.ndarray
    practice_ids: list[str]
    area_ids: list[str]
    practice_area: np.ndarray
    levels: np.ndarray
    consistent: bool = True

    @property
    def group_columns(self) -> list[str]:
        """The columns that define a group (those of ``groups`` but ``n_respondents``)."""
        return [c for c in self.groups.columns if c != "n_respondents"]

    def regroup(self, groups: Sequence[str],
                columns: Mapping[str, Any | Callable[[pd.DataFrame], Any]] | None = None) -> "RespondentMatrix":
        """The same ratings grouped by ``groups``, without pivoting the ratings again.

        Gives exactly what :func:`respondent_matrix` gives for the same ratings and ``groups`` (the same row
        order, ``groups`` and ``respondents`` frames and arrays), with ``columns`` added to the ratings first.

        Parameters
        ----------
        groups : sequence of str
            Columns that define a group: columns of ``respondents`` or of ``columns``.
        columns : mapping, optional
            New respondent-level columns, as for :meth:`pandas.DataFrame.assign` on ``respondents`` (an array in
            matrix order, or a function of the ``respondents`` frame), e.g. a respondent's side from their
            organisation type. ``regroup(groups, {"side": f})`` equals
            ``respondent_matrix(responses.assign(side=f), framework, groups)`` when ``f`` computes a rating's
            side from its respondent's columns.

        Raises
        ------
        ValueError
            When a respondent of the ratings has two organisations or organisation types, or sits in two groups
            (a data frame built by hand; a loaded library has none), and the new grouping or ``columns`` could
            depend on it: their rows cannot be regrouped without the ratings.

        Examples
        --------
        >>> import alliance_research as ar
        >>> lib = ar.load_library()
        >>> m = respondent_matrix(lib.responses, lib.framework)
        >>> by_wave = m.regroup(["wave"])
        >>> by_wave.group_columns, int(by_wave.sizes.sum()) == len(m.respondents)
        (['wave'], True)
        """
        groups = list(groups)
        if not columns and groups == self.group_columns:
            return self
        by_respondent = not columns and set(groups) | set(self.group_columns) <= set(RESPONDENT)
        if not self.consistent and not by_respondent:
            raise ValueError("the ratings give a respondent two organisations, organisation types or groups, so "
                             "they cannot be regrouped from the matrix: build it again with respondent_matrix")
        people = self.respondents.drop(columns="group")
        if columns:
            people = people.assign(**columns)
        missing = [c for c in groups if c not in people.columns]
        if missing:
            raise KeyError(f"no respondent column {', '.join(map(repr, missing))} to group by")
        keys = _keys(groups)
        # keys hold the respondent's identity, so they are unique and the sort is the one respondent_matrix makes
        people = people[keys + [c for c in RESPONDENT_COLUMNS if c not in keys]].sort_values(keys, kind="mergesort")
        order = people.index.to_numpy()
        people = people.reset_index(drop=True)
        group_frame, starts = _group(people, groups)
        return replace(self, groups=group_frame, respondents=people, values=self.values[order], starts=starts)

    @property
    def answered(self) -> np.ndarray:
        return ~np.isnan(self.values)

    @property
    def sizes(self) -> np.ndarray:
        return np.diff(self.starts)

    def group_sums(self, array: np.ndarray) -> np.ndarray:
        """Sum ``array`` (respondents first) within each group."""
        if len(self.groups) == 0:
            return np.zeros((0,) + array.shape[1:])
        return np.add.reduceat(array, self.starts[:-1], axis=0)


def respondent_matrix(responses: pd.DataFrame, framework: Framework,
                      groups: Sequence[str] = GROUPS) -> RespondentMatrix:
    """Pivot long ratings (the ``responses`` contract) into a :class:`RespondentMatrix`.

    Ratings of practices that are not in ``framework`` are ignored (a loaded library never has any). A
    respondent is identified by alliance, wave and respondent id, so grouping without ``wave`` pools the waves'
    respondents instead of merging them.
    """
    groups = list(groups)
    practice_ids = framework.practice_ids
    area_ids = framework.area_ids
    area_index = {a: i for i, a in enumerate(area_ids)}
    practice_area = np.array([area_index[a] for a in framework.practices["area_id"]], dtype=int)
    levels = framework.scale["score"].to_numpy(dtype=int)

    keys = _keys(groups)
    people = (responses[keys + [c for c in RESPONDENT_COLUMNS if c not in keys]]
              .drop_duplicates(keys).sort_values(keys, kind="mergesort").reset_index(drop=True))
    group_frame, starts = _group(people, groups)

    values = np.full((len(people), len(practice_ids)), np.nan)
    consistent = True
    if len(responses):
        row_of = pd.MultiIndex.from_frame(people[keys]).get_indexer(pd.MultiIndex.from_frame(responses[keys]))
        col_of = pd.Index(practice_ids).get_indexer(responses["practice_id"])
        score = pd.to_numeric(responses["score"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        _check_ratings(responses, col_of, row_of * len(practice_ids) + col_of, score, framework)
        values[row_of, col_of] = score
        consistent = _one_row_each(people, responses, row_of, groups)
    return RespondentMatrix(groups=group_frame, respondents=people, values=values, starts=starts,
                            practice_ids=practice_ids, area_ids=area_ids, practice_area=practice_area,
                            levels=levels, consistent=consistent)


def matrix_for(responses: pd.DataFrame, framework: Framework, groups: Sequence[str] = GROUPS, *,
               matrix: RespondentMatrix | None = None,
               columns: Mapping[str, Any | Callable[[pd.DataFrame], Any]] | None = None) -> RespondentMatrix:
    """The matrix a statistic needs: ``matrix`` (built once by the caller) regrouped, or else a new one.

    ``matrix`` must be :func:`respondent_matrix` of the same ``responses`` and ``framework`` (any grouping);
    ``columns`` are respondent-level columns to add first (see :meth:`RespondentMatrix.regroup`). A matrix of
    another rubric, or with another number of answers, is refused with a ValueError.
    """
    if matrix is None:
        return respondent_matrix(responses.assign(**columns) if columns else responses, framework, groups)
    if list(matrix.practice_ids) != list(framework.practice_ids):
        raise ValueError(f"the matrix given is not on the practices of the '{framework.id}' rubric")
    answers = int(responses["score"].notna().sum()) if len(responses) else 0
    if int(matrix.answered.sum()) != answers:
        raise ValueError(f"the matrix given holds {int(matrix.answered.sum())} answers, the responses {answers}: "
                         "pass the matrix of these responses (respondent_matrix(responses, framework))")
    return matrix.regroup(groups, columns)


def _keys(groups: list[str]) -> list[str]:
    """The columns a respondent row is sorted and found by: the groups, then the respondent's identity."""
    # a respondent is one person in one alliance and wave, whatever the grouping
    return groups + [c for c in RESPONDENT if c not in groups]


def _group(people: pd.DataFrame, groups: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """Number the groups of ``people`` (sorted by group) into its ``group`` column; the groups frame and starts."""
    if len(people):
        codes = people.groupby(groups, sort=False, observed=True).ngroup().to_numpy()
    else:
        codes = np.zeros(0, dtype=int)
    people["group"] = codes
    group_frame = people.drop_duplicates("group")[groups].reset_index(drop=True)
    sizes = np.bincount(codes, minlength=len(group_frame)) if len(people) else np.zeros(0, dtype=int)
    group_frame["n_respondents"] = sizes
    return group_frame, np.concatenate([[0], np.cumsum(sizes)]).astype(int)


def _one_row_each(people: pd.DataFrame, responses: pd.DataFrame, row_of: np.ndarray, groups: list[str]) -> bool:
    """Whether each respondent is one row of ``people``, with the organisation columns of all their ratings."""
    if not set(groups) <= set(RESPONDENT) and people.duplicated(list(RESPONDENT)).any():
        return False  # a grouping column that differs between a respondent's ratings split them
    for column in RESPONDENT_COLUMNS:
        rated = responses[column].to_numpy()
        kept = people[column].to_numpy()[row_of]
        differ = np.flatnonzero(rated != kept)
        # missing != missing, so only the rows that differ are looked at again (isna is slow on objects)
        if len(differ) and not (pd.isna(rated[differ]) & pd.isna(kept[differ])).all():
            return False
    return True


def _check_ratings(responses: pd.DataFrame, col_of: np.ndarray, cell: np.ndarray, score: np.ndarray,
                   framework: Framework) -> None:
    """Refuse ratings a loaded library could never hold (for data frames built by hand)."""
    problems = []

    def rows(mask: np.ndarray) -> str:
        where = np.flatnonzero(mask)
        shown = ", ".join(str(responses.index[i]) for i in where[:5])
        return f"{shown}{' ...' if len(where) > 5 else ''} ({len(where)} in all)"

    unknown = col_of < 0
    if unknown.any():
        problems.append(f"practice_id not in the '{framework.id}' rubric at rows {rows(unknown)}")
    raw = responses["score"]
    bad = (np.isnan(score) & raw.notna().to_numpy()) | (~np.isnan(score) & (
        (score != np.round(score)) | (score < framework.min_score) | (score > framework.max_score)))
    if bad.any():
        problems.append(f"score is not a whole number from {framework.min_score} to {framework.max_score} "
                        f"(or missing) at rows {rows(bad)}")
    if not unknown.any():
        order = np.argsort(cell, kind="stable")
        repeated = np.zeros(len(cell), dtype=bool)
        repeated[order[1:]] = cell[order[1:]] == cell[order[:-1]]
        if repeated.any():
            problems.append(f"a respondent rates the same practice twice in one wave at rows {rows(repeated)}")
    if problems:
        raise ValueError("the ratings cannot be scored: " + "; ".join(problems))


def respondent_scale_scores(values: np.ndarray, columns: np.ndarray, min_answered: float) -> np.ndarray:
    """Each respondent's mean over the answered items among ``columns``, prorated.

    A respondent who answered fewer than ``min_answered`` (a share, 0..1) of the items gets ``NaN``.
    """
    block = values[:, columns]
    answered = (~np.isnan(block)).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nansum(block, axis=1) / answered
    ok = (answered > 0) & (answered >= min_answered * len(columns) - 1e-9)
    return np.where(ok, mean, np.nan)


def target_counts(matrix: RespondentMatrix) -> np.ndarray:
    """Per group: who answered each practice, then each area (any of its practices), then any practice at all.

    Shape ``(n_groups, n_practices + n_areas + 1)``, matching the scoring engine's targets.
    """
    answered = matrix.answered
    per_area = [answered[:, matrix.practice_area == a].any(axis=1) for a in range(len(matrix.area_ids))]
    columns = np.column_stack([answered] + per_area + [answered.any(axis=1)]) if len(answered) else \
        np.zeros((0, answered.shape[1] + len(per_area) + 1), dtype=bool)
    return matrix.group_sums(columns.astype(float)).astype(int)


def target_frame(matrix: RespondentMatrix, framework) -> pd.DataFrame:
    """The engine's targets as rows: ``level`` (practice, area, index), ``id`` and ``area_id``."""
    practices = framework.practices
    return pd.DataFrame({
        "level": ["practice"] * len(practices) + ["area"] * len(matrix.area_ids) + ["index"],
        "id": list(practices["practice_id"]) + list(matrix.area_ids) + ["index"],
        "area_id": list(practices["area_id"]) + list(matrix.area_ids) + [None],
    })


def long_by_target(keys: pd.DataFrame, targets: pd.DataFrame, columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """Rows of ``keys`` crossed with ``targets``; each array in ``columns`` is ``(len(keys), len(targets))``."""
    n, t = len(keys), len(targets)
    frame = keys.loc[np.repeat(np.arange(n), t)].reset_index(drop=True)
    tiled = targets.loc[np.tile(np.arange(t), n)].reset_index(drop=True)
    frame = pd.concat([frame, tiled], axis=1)
    for name, values in columns.items():
        frame[name] = np.asarray(values).reshape(n * t) if n * t else np.asarray(values).ravel()
    return frame
