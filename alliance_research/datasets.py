"""Synthetic libraries with a known truth: for tests, benchmarks, teaching and checking methods.

Two generators share the vectorised simulation core of this module:

* :func:`make_library` writes a whole synthetic library (dossiers, responses, outcomes) whose alliances belong
  to planted maturity profiles, and returns the truth (:class:`GroundTruth`) so that a method can be checked
  against it;
* ``scripts/make_example_library.py`` writes the tables of the bundled fictional example library from
  ``scripts/example_library_spec.yaml``.

The core (one call per table, no Python loop per rating):

* :func:`allocate_respondents` - respondents of each alliance-wave and the organisation each works for;
* :func:`simulate_scores` - ``round(latent + respondent effect + client offset + noise)``, clipped to the
  scale, with missing answers;
* :func:`pick_comments` - free-text comments drawn from a comment bank by score;
* :func:`responses_frame` - the long ``responses`` table of the data contract;
* :func:`maturity_by_year` and :func:`simulate_outcomes` - KPI outcomes related to maturity;
* :func:`write_csv` and :func:`csv_bytes` - deterministic CSV (UTF-8, ``\\n`` line endings).

Nothing here names a practice: practices come from the framework.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from .framework import Framework, load_framework
from .library import KPI_COLUMNS, ORGANISATION_TYPES, OUTCOME_COLUMNS, RESPONSE_COLUMNS, SECTORS
from .paths import EXAMPLE_LIBRARY

__all__ = [
    "GroundTruth",
    "make_library",
    "DEFAULT_KPIS",
    "ORGANISATION_TYPES",
    "RESPONSE_COLUMNS",
    "OUTCOME_COLUMNS",
    "KPI_COLUMNS",
    "allocate_respondents",
    "simulate_scores",
    "pick_comments",
    "responses_frame",
    "maturity_by_year",
    "simulate_outcomes",
    "kpis_frame",
    "csv_bytes",
    "write_csv",
]

#: KPIs of synthetic libraries: plausible range of values (``low``, ``high``) and decimals to round to.
DEFAULT_KPIS = pd.DataFrame(
    [
        ("cost_vs_target", "Outturn cost against target cost (positive = under target)", "%", True, -6.0, 8.0, 1),
        ("milestones_on_time", "Milestones delivered on time", "%", True, 60.0, 98.0, 1),
        ("accident_frequency_rate", "Accident frequency rate (RIDDOR-reportable injuries per 100,000 hours worked)",
         "per 100,000 hours", False, 0.05, 0.4, 2),
        ("stakeholder_satisfaction", "Stakeholder satisfaction survey score", "0-10", True, 5.0, 9.0, 1),
        ("carbon_reduction", "Capital carbon reduction against the 2020 baseline", "%", True, 5.0, 35.0, 1),
    ],
    columns=["kpi", "label", "unit", "higher_is_better", "low", "high", "decimals"],
)

_SECTORS = tuple(s for s in SECTORS if s != "other")
_PARTNER_TYPES = ("contractor", "designer", "supplier")
_LATEST_WAVE_YEAR = 2024
_WAVE_EVERY_YEARS = 2
_OUTCOME_YEARS = (2021, 2022, 2023, 2024)
# Shares of the within-profile spread (alliance_sd) given to each alliance's overall level, and the change of
# latent means from one wave to the next (mean, sd of the overall change, sd of practice-specific changes).
_LEVEL_SHARE = 0.5
_WAVE_CHANGE = (0.1, 0.1, 0.1)


# --------------------------------------------------------------------------------------------------------------
# The simulation core
# --------------------------------------------------------------------------------------------------------------

def allocate_respondents(n_respondents: Sequence[int], n_client: Sequence[int], n_partners: Sequence[int],
                         rng: np.random.Generator) -> pd.DataFrame:
    """Respondents of each unit (an alliance-wave) and the organisation each one works for.

    The first ``n_client`` respondents of a unit work for the client; the others are spread as evenly as
    possible over the partners (which partners get one more is random). Respondents are then numbered in a
    random order within the unit, so that numbers say nothing about employers.

    Parameters
    ----------
    n_respondents, n_client, n_partners : sequence of int
        Per unit: respondents, how many of them work for the client (at most ``n_respondents``), and the
        number of partner organisations (at least 1 where any respondent works for a partner).
    rng : numpy.random.Generator
        The random generator.

    Returns
    -------
    DataFrame
        One row per respondent, ordered by unit and number: ``unit`` (position of the unit in the inputs),
        ``number`` (1-based within the unit) and ``partner`` (index of the partner organisation, -1 for the
        client).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> out = allocate_respondents([4, 3], [1, 2], [2, 1], rng)
    >>> out.groupby("unit")["partner"].apply(sorted).tolist()
    [[-1, 0, 1, 1], [-1, -1, 0]]
    """
    n = np.asarray(n_respondents, dtype=np.int64)
    n_client = np.minimum(np.asarray(n_client, dtype=np.int64), n)
    n_partners = np.maximum(np.asarray(n_partners, dtype=np.int64), 1)
    total = int(n.sum())
    unit = np.repeat(np.arange(n.size), n)
    starts = np.cumsum(n) - n
    position = np.arange(total) - np.repeat(starts, n)
    first_partner = rng.integers(0, n_partners)  # which partner the round robin starts at
    partner = (position - np.repeat(n_client, n) + np.repeat(first_partner, n)) % np.repeat(n_partners, n)
    partner = np.where(position < np.repeat(n_client, n), -1, partner)
    order = np.lexsort((rng.random(total), unit))  # shuffle within each unit
    return pd.DataFrame({"unit": unit, "number": position + 1, "partner": partner[order]})


def simulate_scores(latent: np.ndarray, unit: np.ndarray, shift: np.ndarray | float = 0.0, *,
                    rng: np.random.Generator, noise: float = 0.6, respondent_sd: float = 0.4,
                    missing_rate: float = 0.05, min_score: int = 0, max_score: int = 4,
                    missing_concentration: float = 20.0, effect_groups: np.ndarray | None = None) -> np.ndarray:
    """Every respondent's scores: ``round(latent + respondent effect + shift + noise)``, clipped to the scale.

    Parameters
    ----------
    latent : array of shape (n_units, n_practices)
        Latent mean of every unit (alliance-wave) on every practice.
    unit : array of int, shape (n_respondents,)
        The unit (row of ``latent``) of every respondent.
    shift : float or array of shape (n_respondents,)
        Added to every score of a respondent, e.g. the client offset for client respondents.
    rng : numpy.random.Generator
        The random generator.
    noise : float
        Standard deviation of the noise of each rating.
    respondent_sd : float
        Standard deviation of each respondent's effect (leniency), shared by all their ratings.
    missing_rate : float
        Expected share of missing answers. Each respondent's own rate is drawn from a beta distribution with
        this mean, so some respondents skip more questions than others.
    min_score, max_score : int
        The scale.
    missing_concentration : float
        Concentration (a + b) of that beta distribution; larger = rates closer to ``missing_rate``.
    effect_groups : array of int, shape (n_respondents,), optional
        If given, respondent effects are centred within each group (e.g. the client and the partner
        respondents of each alliance-wave), so that every group's mean leniency is exactly zero and a ``shift``
        shows in the group means as planted, up to rating noise, rounding and clipping.

    Returns
    -------
    ndarray of float, shape (n_respondents, n_practices)
        Integer scores, NaN where the answer is missing.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> s = simulate_scores(np.array([[1.0, 3.0]]), np.zeros(500, dtype=int), rng=rng, missing_rate=0.0)
    >>> s.shape, np.round(s.mean(axis=0))
    ((500, 2), array([1., 3.]))
    """
    latent = np.asarray(latent, dtype=float)
    unit = np.asarray(unit, dtype=np.int64)
    n_resp, n_prac = unit.size, latent.shape[1]
    effect = rng.normal(0.0, respondent_sd, n_resp)
    if effect_groups is not None:
        groups = np.unique(np.asarray(effect_groups), return_inverse=True)[1].reshape(-1)
        sizes = np.bincount(groups)
        effect -= (np.bincount(groups, weights=effect) / sizes)[groups]
        effect *= np.sqrt(sizes / np.maximum(sizes - 1, 1))[groups]  # keep the spread of single effects
    effect += np.broadcast_to(np.asarray(shift, dtype=float), (n_resp,))
    raw = latent[unit] + effect[:, None] + rng.normal(0.0, noise, (n_resp, n_prac))
    scores = np.clip(np.floor(raw + 0.5), min_score, max_score)
    if missing_rate > 0:
        a = missing_rate * missing_concentration
        rate = rng.beta(a, missing_concentration - a, n_resp)
        scores[rng.random((n_resp, n_prac)) < rate[:, None]] = np.nan
    return scores


def pick_comments(scores: np.ndarray, practice_ids: Sequence[str], bank: Mapping[str, Mapping[str, Sequence[str]]],
                  share: float, rng: np.random.Generator, *, min_score: int = 0, max_score: int = 4) -> np.ndarray:
    """Comments for a share of the ratings, drawn from a comment bank by practice and score.

    Low scores (the two lowest levels) get a ``"low"`` comment of their practice, high scores (the two highest)
    a ``"high"`` one; middle scores and missing answers get none.

    Parameters
    ----------
    scores : array of shape (n_respondents, n_practices)
        Scores as returned by :func:`simulate_scores` (NaN = missing).
    practice_ids : sequence of str
        The practice of each column.
    bank : mapping
        ``{practice_id: {"low": [comment, ...], "high": [comment, ...]}}``; a practice or list that is absent
        or empty gets no comments.
    share : float
        Share of answered ratings that get a comment (fewer if not enough ratings are low or high).
    rng : numpy.random.Generator
        The random generator.
    min_score, max_score : int
        The scale.

    Returns
    -------
    ndarray of object, shape like ``scores``
        The comment of each rating, ``""`` for none.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> bank = {"p": {"low": ["Not yet."], "high": ["Works well."]}}
    >>> pick_comments(np.array([[0.0], [4.0]]), ["p"], bank, 1.0, rng).ravel().tolist()
    ['Not yet.', 'Works well.']
    """
    scores = np.asarray(scores, dtype=float)
    comments = np.full(scores.shape, "", dtype=object)
    answered = int(np.count_nonzero(~np.isnan(scores)))
    wanted = int(round(share * answered))
    if wanted <= 0:
        return comments
    band = np.full(scores.shape, -1, dtype=np.int8)  # -1 none, 0 low, 1 high
    band[scores <= min_score + 1] = 0
    band[scores >= max_score - 1] = 1
    has_list = np.zeros((len(practice_ids), 2), dtype=bool)
    for j, pid in enumerate(practice_ids):
        for b, key in enumerate(("low", "high")):
            has_list[j, b] = bool((bank.get(pid) or {}).get(key))
    cols = np.broadcast_to(np.arange(scores.shape[1]), scores.shape)
    eligible = np.flatnonzero((band >= 0) & has_list[cols, np.maximum(band, 0)])
    chosen = np.sort(rng.choice(eligible, size=min(wanted, eligible.size), replace=False))
    flat = comments.reshape(-1)
    chosen_col = chosen % scores.shape[1]
    chosen_band = band.reshape(-1)[chosen]
    draws = rng.random(chosen.size)
    for j, pid in enumerate(practice_ids):
        for b, key in enumerate(("low", "high")):
            here = (chosen_col == j) & (chosen_band == b)
            if here.any():
                options = np.asarray(list(bank[pid][key]), dtype=object)
                flat[chosen[here]] = options[(draws[here] * options.size).astype(np.int64)]
    return comments


def responses_frame(respondents: pd.DataFrame, scores: np.ndarray, practice_ids: Sequence[str],
                    comments: np.ndarray | None = None) -> pd.DataFrame:
    """The long ``responses`` table: one row per respondent and practice, practices in rubric order.

    Parameters
    ----------
    respondents : DataFrame
        One row per respondent (in output order) with ``alliance_id, wave, respondent_id, organisation,
        organisation_type``.
    scores : array of shape (n_respondents, n_practices)
        Scores (NaN = missing), as returned by :func:`simulate_scores`.
    practice_ids : sequence of str
        The practice of each column of ``scores``, in rubric order.
    comments : array of object, optional
        Comments shaped like ``scores`` (``""`` for none).

    Returns
    -------
    DataFrame
        Columns :data:`RESPONSE_COLUMNS`; ``score`` is a nullable integer (``Int64``).

    Examples
    --------
    >>> who = pd.DataFrame({"alliance_id": ["a"], "wave": [1], "respondent_id": ["r01"],
    ...                     "organisation": ["Client plc"], "organisation_type": ["client"]})
    >>> responses_frame(who, np.array([[2.0, np.nan]]), ["p", "q"])[["practice_id", "score"]].values.tolist()
    [['p', 2], ['q', <NA>]]
    """
    scores = np.asarray(scores, dtype=float)
    n_resp, n_prac = scores.shape
    if len(respondents) != n_resp or len(practice_ids) != n_prac:
        raise ValueError(f"scores of shape {scores.shape} do not match {len(respondents)} respondents "
                         f"and {len(practice_ids)} practices")
    frame = {}
    for column in RESPONSE_COLUMNS[:5]:
        values = respondents[column].to_numpy()
        frame[column] = np.repeat(values, n_prac)
    frame["practice_id"] = pd.Categorical.from_codes(np.tile(np.arange(n_prac), n_resp), categories=list(practice_ids))
    flat = scores.reshape(-1)
    missing = np.isnan(flat)
    frame["score"] = pd.arrays.IntegerArray(np.where(missing, 0, flat).astype(np.int64), missing)
    frame["comment"] = np.full(flat.size, "", dtype=object) if comments is None else np.asarray(comments).reshape(-1)
    return pd.DataFrame(frame, columns=RESPONSE_COLUMNS)


def maturity_by_year(wave_years: Sequence[int], wave_maturity: np.ndarray, years: Sequence[int]) -> np.ndarray:
    """Maturity in given years, interpolated linearly between assessment waves (constant outside them).

    Parameters
    ----------
    wave_years : sequence of int
        Year of each wave, increasing.
    wave_maturity : array of shape (n_alliances, n_waves)
        Mean latent maturity of every alliance at every wave.
    years : sequence of int
        The years wanted.

    Returns
    -------
    ndarray of shape (n_alliances, n_years)

    Examples
    --------
    >>> maturity_by_year([2022, 2024], np.array([[1.0, 2.0]]), [2021, 2023, 2025])
    array([[1. , 1.5, 2. ]])
    """
    wave_years = np.asarray(wave_years, dtype=float)
    m = np.atleast_2d(np.asarray(wave_maturity, dtype=float))
    years = np.asarray(years, dtype=float)
    if wave_years.size == 1:
        return np.repeat(m[:, :1], years.size, axis=1)
    hi = np.clip(np.searchsorted(wave_years, years, side="right"), 1, wave_years.size - 1)
    lo = hi - 1
    frac = np.clip((years - wave_years[lo]) / (wave_years[hi] - wave_years[lo]), 0.0, 1.0)
    return m[:, lo] * (1 - frac) + m[:, hi] * frac


def simulate_outcomes(maturity: pd.DataFrame, kpis: pd.DataFrame, *, rng: np.random.Generator,
                      min_score: int = 0, max_score: int = 4, strength: float = 0.6, alliance_sd: float = 0.1,
                      year_sd: float = 0.06, trend: float = 0.015) -> pd.DataFrame:
    """KPI outcomes related to maturity: better outcomes where maturity is higher, plus noise and a mild trend.

    On each KPI, an alliance-year's position within the KPI's plausible range (0 = worst, 1 = best) is
    ``0.5 + strength * (q - 0.5)`` where ``q`` is its maturity rescaled to 0..1, plus a lasting alliance effect,
    yearly noise and ``trend`` per year since the first year; the value is that position within
    ``low..high`` (reversed when lower is better), clipped to the range and rounded to ``decimals``.

    Parameters
    ----------
    maturity : DataFrame
        ``alliance_id, year, maturity``: one row per alliance and year wanted (mean latent maturity that year).
    kpis : DataFrame
        ``kpi, higher_is_better, low, high, decimals``, like :data:`DEFAULT_KPIS`.
    rng : numpy.random.Generator
        The random generator.
    min_score, max_score : int
        The maturity scale.
    strength : float
        How strongly maturity drives outcomes (share of the range between the least and most mature).
    alliance_sd, year_sd : float
        Standard deviations of the alliance effect and of the yearly noise, as shares of the range.
    trend : float
        Improvement per year, as a share of the range.

    Returns
    -------
    DataFrame
        Columns :data:`OUTCOME_COLUMNS`, sorted by the order of ``maturity`` then of ``kpis``; ``value`` is
        text, formatted with the KPI's decimals.

    Examples
    --------
    >>> m = pd.DataFrame({"alliance_id": ["a", "a"], "year": [2023, 2024], "maturity": [3.0, 3.2]})
    >>> out = simulate_outcomes(m, DEFAULT_KPIS, rng=np.random.default_rng(0))
    >>> out.shape
    (10, 4)
    """
    m = maturity.reset_index(drop=True)
    n_rows, n_kpis = len(m), len(kpis)
    q = (m["maturity"].to_numpy(dtype=float) - min_score) / (max_score - min_score)
    alliance_codes, _ = pd.factorize(m["alliance_id"], sort=False)
    n_alliances = int(alliance_codes.max()) + 1 if n_rows else 0
    effect = rng.normal(0.0, alliance_sd, (n_alliances, n_kpis))[alliance_codes]
    year = m["year"].to_numpy(dtype=float)
    since = year - (year.min() if n_rows else 0.0)
    position = (0.5 + strength * (q[:, None] - 0.5) + effect + rng.normal(0.0, year_sd, (n_rows, n_kpis))
                + trend * since[:, None])
    position = np.clip(position, 0.0, 1.0)
    better = kpis["higher_is_better"].to_numpy(dtype=bool)
    position = np.where(better[None, :], position, 1.0 - position)
    low = kpis["low"].to_numpy(dtype=float)
    high = kpis["high"].to_numpy(dtype=float)
    values = low[None, :] + (high - low)[None, :] * position
    text = np.empty(values.shape, dtype=object)
    for j, decimals in enumerate(kpis["decimals"].astype(int)):
        column = np.round(values[:, j], decimals) + 0.0  # + 0.0 turns -0.0 into 0.0
        text[:, j] = [f"{v:.{decimals}f}" for v in column]
    return pd.DataFrame({
        "alliance_id": np.repeat(m["alliance_id"].to_numpy(), n_kpis),
        "year": np.repeat(m["year"].to_numpy(dtype=np.int64), n_kpis),
        "kpi": np.tile(kpis["kpi"].to_numpy(), n_rows),
        "value": text.reshape(-1),
    }, columns=OUTCOME_COLUMNS)


def kpis_frame(kpis: pd.DataFrame) -> pd.DataFrame:
    """The ``kpis`` table of the data contract (``higher_is_better`` written ``true``/``false``).

    Parameters
    ----------
    kpis : DataFrame
        At least ``kpi, label, unit, higher_is_better``.

    Returns
    -------
    DataFrame
        Columns :data:`KPI_COLUMNS`.

    Examples
    --------
    >>> kpis_frame(DEFAULT_KPIS)["higher_is_better"].tolist()
    ['true', 'true', 'false', 'true', 'true']
    """
    out = kpis.loc[:, KPI_COLUMNS].reset_index(drop=True).copy()
    out["higher_is_better"] = ["true" if bool(v) else "false" for v in out["higher_is_better"]]
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A table as the bytes :func:`write_csv` writes (UTF-8, ``\\n`` line endings, no index).

    Parameters
    ----------
    frame : DataFrame

    Returns
    -------
    bytes

    Examples
    --------
    >>> csv_bytes(pd.DataFrame({"a": [1], "b": ["x, y"]}))
    b'a,b\\n1,"x, y"\\n'
    """
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a table as CSV: UTF-8, ``\\n`` line endings, no index; the same table gives the same bytes.

    Parameters
    ----------
    frame : DataFrame
    path : str or Path
        The file; its folder is created if needed.

    Returns
    -------
    Path

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     p = write_csv(pd.DataFrame({"a": [1, 2]}), Path(tmp) / "t.csv")
    ...     p.read_bytes()
    b'a\\n1\\n2\\n'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------------------------
# make_library
# --------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class GroundTruth:
    """What :func:`make_library` planted.

    Attributes
    ----------
    profiles : Series
        Planted profile (int, 0 .. n_profiles - 1) of every alliance, indexed by ``alliance_id``.
    centroids : DataFrame
        Latent mean of every profile (rows) on every practice (columns, rubric order).
    latent : DataFrame
        Latent mean of every alliance and wave (MultiIndex ``alliance_id, wave``) on every practice: what the
        partners' respondents see on average, before respondent effects, client offset and noise.
    path : Path
        The library folder written.
    """

    profiles: pd.Series
    centroids: pd.DataFrame
    latent: pd.DataFrame
    path: Path


def _profile_patterns(n_profiles: int, area_of: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Distinct zero-mean shapes (n_profiles x n_practices), root mean square 1, orthogonal where possible."""
    n_areas = int(area_of.max()) + 1
    n_prac = area_of.size
    raw = 0.7 * rng.standard_normal((n_profiles, n_areas))[:, area_of] + 0.7 * rng.standard_normal((n_profiles, n_prac))
    raw -= raw.mean(axis=1, keepdims=True)
    if n_profiles <= n_prac - 1:
        q, r = np.linalg.qr(raw.T)
        raw = (q * np.sign(np.diag(r))).T  # orthonormal rows, each close to its own random shape
    rms = np.sqrt((raw ** 2).mean(axis=1, keepdims=True))
    return raw / np.where(rms > 0, rms, 1.0)


def _check_args(n_alliances, n_profiles, n_waves, respondents, separation, noise, respondent_sd, alliance_sd,
                missing_rate, comment_share) -> tuple[int, int]:
    if int(n_alliances) < 1:
        raise ValueError(f"n_alliances must be at least 1 (got {n_alliances})")
    if not 1 <= int(n_profiles) <= int(n_alliances):
        raise ValueError(f"n_profiles must be between 1 and n_alliances (got {n_profiles})")
    if int(n_waves) < 1:
        raise ValueError(f"n_waves must be at least 1 (got {n_waves})")
    if np.isscalar(respondents):
        respondents = (respondents, respondents)
    lo, hi = (int(v) for v in respondents)
    if not 1 <= lo <= hi:
        raise ValueError(f"respondents must be (min, max) with 1 <= min <= max (got {respondents})")
    for name, value in (("separation", separation), ("noise", noise), ("respondent_sd", respondent_sd),
                        ("alliance_sd", alliance_sd)):
        if not value >= 0:
            raise ValueError(f"{name} must be >= 0 (got {value})")
    if not 0 <= missing_rate < 1:
        raise ValueError(f"missing_rate must be in [0, 1) (got {missing_rate})")
    if not 0 <= comment_share <= 1:
        raise ValueError(f"comment_share must be in [0, 1] (got {comment_share})")
    return lo, hi


def _prepare_folder(path: Path, overwrite: bool) -> None:
    ours = [path / "casestudies", path / "data" / "responses.csv", path / "data" / "outcomes.csv",
            path / "data" / "kpis.csv"]
    existing = [p for p in ours if p.exists() and (p.is_file() or any(p.iterdir()))]
    if existing and not overwrite:
        raise FileExistsError(f"{path} already holds a library ({existing[0]}); pass overwrite=True to replace it")
    if (path / "casestudies").is_dir():
        for old in (path / "casestudies").glob("*.md"):
            old.unlink()
    for old in ours[1:]:
        if old.is_file():
            old.unlink()
    (path / "casestudies").mkdir(parents=True, exist_ok=True)
    (path / "data").mkdir(parents=True, exist_ok=True)


def _dossier(alliance_id: str, name: str, sector: str, client: str, partners: list[str], start_year: int,
             random_state) -> str:
    q = lambda s: json.dumps(s, ensure_ascii=False)  # a JSON string is a valid YAML double-quoted scalar
    return (
        "---\n"
        f"name: {q(name)}\n"
        f"sector: {sector}\n"
        f"client: {q(client)}\n"
        f"partners: [{', '.join(q(p) for p in partners)}]\n"
        f"start_year: {start_year}\n"
        "phase: sustaining\n"
        "fictional: true\n"
        "---\n"
        f"{name} is a synthetic alliance: it does not exist. Its organisations, ratings and outcomes were "
        f"generated at random by `alliance_research.datasets.make_library` (random_state={random_state!r}) to "
        "test, benchmark and teach the toolkit against a known truth, and say nothing about any real "
        "alliance.\n"
    )


def make_library(path: str | Path, n_alliances: int = 60, n_profiles: int = 3, *, n_waves: int = 1,
                 respondents: tuple[int, int] = (5, 14), separation: float = 1.5, noise: float = 0.6,
                 respondent_sd: float = 0.4, alliance_sd: float = 0.3, missing_rate: float = 0.05,
                 client_offset: float = 0.0, with_outcomes: bool = True,
                 framework: Framework | str | Path | None = None,
                 comments: Mapping[str, Mapping[str, Sequence[str]]] | None = None, comment_share: float = 0.0,
                 overwrite: bool = False, random_state: int | None = 0) -> GroundTruth:
    """Write a synthetic library whose alliances belong to planted maturity profiles.

    Each of ``n_profiles`` profiles is a distinct *shape* across the practices (strong on some, weak on
    others; the shapes are orthogonal where the number of practices allows), centred on the middle of the scale.
    Every alliance belongs to one profile (as evenly as possible, in random order) and departs from it by an
    overall level and by practice-specific deviations (both with standard deviation ``alliance_sd`` times
    ``0.5`` and ``1`` respectively); each later wave adds a small improvement. Latent means are clipped to the
    scale. Each alliance-wave has between ``respondents[0]`` and ``respondents[1]`` respondents, at least one
    (about a quarter) from the client and the rest spread over 2 to 4 partners; each rates every practice as
    ``round(latent + respondent effect + noise)`` clipped to the scale, client respondents shifted by
    ``client_offset``, with answers missing at ``missing_rate``.

    With ``separation=1.5`` (the default) k-means on the alliances' practice means of the latest wave recovers
    the planted profiles (adjusted Rand index about 0.95 or more for 60 alliances); ``separation=0`` plants no
    structure at all.

    Parameters
    ----------
    path : str or Path
        The library folder to write: ``casestudies/<id>.md``, ``data/responses.csv`` and, with outcomes,
        ``data/outcomes.csv`` and ``data/kpis.csv``. Created if needed.
    n_alliances : int
        Number of alliances (ids ``syn-0001``, ``syn-0002``, ...).
    n_profiles : int
        Number of planted profiles.
    n_waves : int
        Assessment waves per alliance (every alliance is assessed in every wave).
    respondents : (int, int)
        Smallest and largest number of respondents per alliance and wave (drawn uniformly).
    separation : float
        Distinctness of the profiles: each profile's centroid departs from the common centre by
        ``separation * alliance_sd`` per practice (root mean square), i.e. in units of the spread of alliances
        within a profile. 0 = no structure.
    noise : float
        Standard deviation of the noise of each rating.
    respondent_sd : float
        Standard deviation of each respondent's leniency, shared by all their ratings.
    alliance_sd : float
        Spread of alliances within a profile (practice-specific deviations; half of it for overall level).
    missing_rate : float
        Expected share of missing answers ("don't know").
    client_offset : float
        Added to every latent mean seen by client respondents (negative = clients less positive).
    with_outcomes : bool
        Also write ``data/outcomes.csv`` and ``data/kpis.csv`` (:data:`DEFAULT_KPIS` for 2021-2024, better
        where the alliance is more mature).
    framework : Framework, str or Path, optional
        The rubric (default: the built-in one). A framework that is not bundled is copied to
        ``data/frameworks/`` so that the library is self-contained.
    comments : mapping, optional
        A comment bank ``{practice_id: {"low": [...], "high": [...]}}`` (see :func:`pick_comments`).
    comment_share : float
        Share of answered ratings that get a comment from ``comments``.
    overwrite : bool
        Replace a library already in ``path`` (its dossiers and tables); otherwise that raises.
    random_state : int, optional
        Seed of ``numpy.random.default_rng``; the same arguments give byte-identical files.

    Returns
    -------
    GroundTruth
        The planted profiles, centroids and latent means, and the folder.

    Raises
    ------
    ValueError
        On an invalid argument.
    FileExistsError
        If ``path`` already holds a library and ``overwrite`` is false.

    Examples
    --------
    >>> import tempfile
    >>> from sklearn.cluster import KMeans
    >>> from sklearn.metrics import adjusted_rand_score
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     truth = make_library(tmp, n_alliances=60, n_profiles=3, random_state=1)
    ...     responses = pd.read_csv(Path(tmp) / "data" / "responses.csv")
    >>> means = responses.pivot_table(index="alliance_id", columns="practice_id", values="score")
    >>> labels = KMeans(3, n_init=10, random_state=0).fit_predict(means.fillna(means.mean()))
    >>> adjusted_rand_score(truth.profiles[means.index], labels) >= 0.9
    True
    """
    lo, hi = _check_args(n_alliances, n_profiles, n_waves, respondents, separation, noise, respondent_sd,
                         alliance_sd, missing_rate, comment_share)
    fw = framework if isinstance(framework, Framework) else load_framework(framework)
    path = Path(path)
    rng = np.random.default_rng(random_state)
    n_alliances, n_profiles, n_waves = int(n_alliances), int(n_profiles), int(n_waves)
    practice_ids = fw.practice_ids
    n_prac = len(practice_ids)
    low, high = fw.min_score, fw.max_score
    area_of, _ = pd.factorize(fw.practices["area_id"], sort=False)

    # --- planted profiles and latent means --------------------------------------------------------------------
    centre = (low + high) / 2
    patterns = _profile_patterns(n_profiles, np.asarray(area_of), rng)
    centroids = np.clip(centre + separation * alliance_sd * patterns, low, high)
    profile = rng.permutation(np.arange(n_alliances) % n_profiles)
    base = (centroids[profile]
            + rng.normal(0.0, _LEVEL_SHARE * alliance_sd, (n_alliances, 1))
            + rng.normal(0.0, alliance_sd, (n_alliances, n_prac)))
    latent = np.empty((n_alliances, n_waves, n_prac))
    latent[:, 0] = np.clip(base, low, high)
    mean_change, sd_change, sd_practice = _WAVE_CHANGE
    for w in range(1, n_waves):
        step = rng.normal(mean_change, sd_change, (n_alliances, 1)) + rng.normal(0.0, sd_practice, (n_alliances, n_prac))
        latent[:, w] = np.clip(latent[:, w - 1] + step, low, high)

    # --- alliances ------------------------------------------------------------------------------------------
    width = max(4, len(str(n_alliances)))
    alliance_ids = np.array([f"syn-{i:0{width}d}" for i in range(1, n_alliances + 1)], dtype=object)
    sectors = np.asarray(_SECTORS, dtype=object)[rng.integers(0, len(_SECTORS), n_alliances)]
    start_years = rng.integers(2008, 2021, n_alliances)
    n_partners = rng.integers(2, 5, n_alliances)
    partner_type_codes = rng.choice(len(_PARTNER_TYPES), size=(n_alliances, 4), p=[0.5, 0.3, 0.2])
    partner_type_codes[:, 0] = 0  # every alliance has a contractor
    partner_types = np.asarray(_PARTNER_TYPES, dtype=object)[partner_type_codes]
    numbers = [f"{i:0{width}d}" for i in range(1, n_alliances + 1)]
    letters = "ABCD"
    partner_names = np.array([[f"Synthetic {partner_types[a, k].capitalize()} {numbers[a]}{letters[k]}"
                               for k in range(4)] for a in range(n_alliances)], dtype=object)
    client_names = np.array([f"Synthetic Client {n}" for n in numbers], dtype=object)

    # --- respondents and ratings ----------------------------------------------------------------------------
    n_units = n_alliances * n_waves
    unit_alliance = np.repeat(np.arange(n_alliances), n_waves)
    unit_wave = np.tile(np.arange(1, n_waves + 1), n_alliances)
    n_resp = rng.integers(lo, hi + 1, n_units)
    n_client = np.clip(rng.binomial(n_resp, 0.25), 1, np.maximum(n_resp - 1, 1))
    who = allocate_respondents(n_resp, n_client, n_partners[unit_alliance], rng)
    alliance = unit_alliance[who["unit"].to_numpy()]
    partner = who["partner"].to_numpy()
    is_client = partner < 0
    rid_width = max(2, len(str(hi)))
    rid_labels = np.array([f"r{i:0{rid_width}d}" for i in range(hi + 1)], dtype=object)
    people = pd.DataFrame({
        "alliance_id": alliance_ids[alliance],
        "wave": unit_wave[who["unit"].to_numpy()],
        "respondent_id": rid_labels[who["number"].to_numpy()],
        "organisation": np.where(is_client, client_names[alliance], partner_names[alliance, np.maximum(partner, 0)]),
        "organisation_type": np.where(is_client, "client", partner_types[alliance, np.maximum(partner, 0)]),
    })
    scores = simulate_scores(latent.reshape(n_units, n_prac), who["unit"].to_numpy(),
                             np.where(is_client, client_offset, 0.0), rng=rng, noise=noise,
                             respondent_sd=respondent_sd, missing_rate=missing_rate, min_score=low, max_score=high)
    notes = (pick_comments(scores, practice_ids, comments, comment_share, rng, min_score=low, max_score=high)
             if comments and comment_share > 0 else None)

    # --- write ----------------------------------------------------------------------------------------------
    _prepare_folder(path, overwrite)
    write_csv(responses_frame(people, scores, practice_ids, notes), path / "data" / "responses.csv")
    if with_outcomes:
        wave_years = [_LATEST_WAVE_YEAR - _WAVE_EVERY_YEARS * (n_waves - w) for w in range(1, n_waves + 1)]
        by_year = maturity_by_year(wave_years, latent.mean(axis=2), _OUTCOME_YEARS)
        maturity = pd.DataFrame({
            "alliance_id": np.repeat(alliance_ids, len(_OUTCOME_YEARS)),
            "year": np.tile(_OUTCOME_YEARS, n_alliances),
            "maturity": by_year.reshape(-1),
        })
        outcomes = simulate_outcomes(maturity, DEFAULT_KPIS, rng=rng, min_score=low, max_score=high)
        write_csv(outcomes, path / "data" / "outcomes.csv")
        write_csv(kpis_frame(DEFAULT_KPIS), path / "data" / "kpis.csv")
    bundled = (EXAMPLE_LIBRARY / "data" / "frameworks").resolve()
    if Path(fw.path).resolve().parent != bundled:
        target = path / "data" / "frameworks" / f"{fw.id}.yaml"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(fw.path, target)
    for a in range(n_alliances):
        text = _dossier(alliance_ids[a], f"Synthetic {sectors[a].capitalize()} Alliance {numbers[a]}", sectors[a],
                        client_names[a], list(partner_names[a, : n_partners[a]]), int(start_years[a]), random_state)
        (path / "casestudies" / f"{alliance_ids[a]}.md").write_text(text, encoding="utf-8", newline="\n")

    index = pd.MultiIndex.from_arrays([np.repeat(alliance_ids, n_waves), np.tile(np.arange(1, n_waves + 1), n_alliances)],
                                      names=["alliance_id", "wave"])
    columns = pd.Index(practice_ids, name="practice_id")
    return GroundTruth(
        profiles=pd.Series(profile, index=pd.Index(alliance_ids, name="alliance_id"), name="profile"),
        centroids=pd.DataFrame(centroids, index=pd.RangeIndex(n_profiles, name="profile"), columns=columns),
        latent=pd.DataFrame(latent.reshape(n_units, n_prac), index=index, columns=columns),
        path=path,
    )
