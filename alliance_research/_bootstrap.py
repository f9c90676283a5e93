"""The scoring engine: practice, area and index scores of groups of respondents, with bootstrap replicates.

A bootstrap replicate resamples a group's respondents with replacement. Resampling is expressed as *weights*
(how often each respondent was drawn), so a replicate's practice sums are one matrix product: for all groups of
the same size at once, ``answers (G, K, n) @ weights (G, n, B)``. No Python loop runs per replicate; replicates
sit on the last axis.

Every group draws from its own generator, seeded by ``random_state`` and a stable hash of the group's key
(e.g. alliance id and wave). An alliance's intervals therefore do not depend on which other alliances are in the
library, on the order of the rows, or on how the work is split into chunks.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Iterator, Sequence

import numpy as np

from ._matrix import RespondentMatrix, target_counts

AGGREGATES = ("mean", "median", "trimmed")
#: The scoring options that gaps and changes share with the scores (how a score is made, not what is reported).
SCORE_OPTIONS = ("aggregate", "trim", "index_weights", "prorate_share")
INDEX_WEIGHTS = ("practice", "area")
_CHUNK_BYTES = 64 * 2 ** 20


@dataclass(frozen=True)
class Settings:
    """How scores are aggregated (see :func:`alliance_research.scoring.score_responses`)."""

    aggregate: str = "mean"
    trim: float = 0.2
    prorate_share: float = 0.5
    index_weights: str = "practice"
    n_boot: int = 1000
    random_state: int = 0

    def __post_init__(self):
        if self.aggregate not in AGGREGATES:
            raise ValueError(f"aggregate must be one of {', '.join(AGGREGATES)}; got {self.aggregate!r}")
        if self.index_weights not in INDEX_WEIGHTS:
            raise ValueError(f"index_weights must be one of {', '.join(INDEX_WEIGHTS)}; got {self.index_weights!r}")
        if not 0 <= self.trim < 0.5:
            raise ValueError(f"trim must be at least 0 and below 0.5; got {self.trim}")
        if not 0 < self.prorate_share <= 1:
            raise ValueError(f"prorate_share must be above 0 and at most 1; got {self.prorate_share}")
        if int(self.n_boot) != self.n_boot or self.n_boot < 0:
            raise ValueError(f"n_boot must be a whole number, 0 or more; got {self.n_boot}")
        if not isinstance(self.random_state, (int, np.integer)) or isinstance(self.random_state, bool) \
                or self.random_state < 0:
            raise ValueError(f"random_state must be a whole number, 0 or more; got {self.random_state!r}")


def group_generator(random_state: int, key: Sequence) -> np.random.Generator:
    """A generator for one group, from the seed and a stable (not per-process) hash of the group's key."""
    digest = zlib.crc32("\x1f".join(_key_text(k) for k in key).encode("utf-8"))
    return np.random.default_rng([int(random_state), digest])


def _key_text(value) -> str:
    """The text a key part is hashed as: whole numbers as integers, so wave 1 and wave 1.0 seed alike."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, np.integer):
        return str(int(value))
    return str(value)


def resample_counts(rng: np.random.Generator, n: int, n_boot: int) -> np.ndarray:
    """``(n_boot, n)`` counts: how often each of ``n`` respondents is drawn in each replicate."""
    draws = rng.integers(0, n, size=(n_boot, n)) + (np.arange(n_boot) * n)[:, None]
    return np.bincount(draws.ravel(), minlength=n_boot * n).reshape(n_boot, n)


def aggregate_counts(counts: np.ndarray, levels: np.ndarray, how: str, trim: float) -> np.ndarray:
    """Aggregate answers given as counts per level (last axis) into one score; ``NaN`` without answers.

    ``"median"`` averages the two middle answers when their number is even; ``"trimmed"`` drops
    ``floor(trim * n)`` answers from each end, as R's ``mean(x, trim=)`` and ``scipy.stats.trim_mean`` do.
    """
    total = counts.sum(axis=-1)
    levels = levels.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        if how == "mean":
            return counts @ levels / total
        cum = counts.cumsum(axis=-1)
        if how == "median":
            lo = np.floor((total - 1) / 2)
            hi = np.ceil((total - 1) / 2)
            last = len(levels) - 1
            at_lo = levels[np.minimum((cum <= lo[..., None]).sum(axis=-1), last)]
            at_hi = levels[np.minimum((cum <= hi[..., None]).sum(axis=-1), last)]
            return np.where(total > 0, (at_lo + at_hi) / 2, np.nan)
        cut = np.floor(trim * total + 1e-9)
        lo, hi = cut, total - cut
        start = cum - counts
        kept = np.clip(np.minimum(cum, hi[..., None]) - np.maximum(start, lo[..., None]), 0, None)
        return kept @ levels / (hi - lo)


def _prorated_mean(values: np.ndarray, members: np.ndarray, share: float) -> np.ndarray:
    """Means of the ``members`` (a 0/1 matrix, targets x items) of ``values (..., items, B)``, ignoring ``NaN``.

    A mean is kept only where at least ``share`` of its members have a value (proration); otherwise ``NaN``.
    """
    present = ~np.isnan(values)
    members = members.astype(values.dtype)
    n = np.matmul(members, present.astype(values.dtype))
    total = np.matmul(members, np.where(present, values, 0))
    size = members.sum(axis=1)[:, None]
    ok = (n > 0) & (n >= share * size - 1e-6)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ok, total / n, np.nan)


def summarise(practice_scores: np.ndarray, practice_area: np.ndarray, n_areas: int,
              settings: Settings) -> np.ndarray:
    """Practice scores ``(..., P, B)`` -> ``(..., P + A + 1, B)``: practices, areas, then the maturity index."""
    in_area = (practice_area[None, :] == np.arange(n_areas)[:, None])
    areas = _prorated_mean(practice_scores, in_area, settings.prorate_share)
    if settings.index_weights == "practice":
        index = _prorated_mean(practice_scores, np.ones((1, len(practice_area))), settings.prorate_share)
    else:
        index = _prorated_mean(areas, np.ones((1, n_areas)), settings.prorate_share)
    return np.concatenate([practice_scores, areas, index], axis=-2)


def _answer_blocks(values: np.ndarray, levels: np.ndarray, how: str, dtype) -> np.ndarray:
    """Per respondent, the columns whose weighted sums give the aggregate, transposed: ``(..., K, n)``.

    For the mean, K is the answers (0 where missing) then the answered indicators; for other aggregates, one
    indicator per practice and level (counts per level).
    """
    answered = ~np.isnan(values)
    if how == "mean":
        blocks = np.concatenate([np.where(answered, values, 0.0), answered], axis=-1)
    else:
        blocks = (values[..., None] == levels.astype(float)).reshape(values.shape[:-1] + (-1,))
    return np.swapaxes(blocks, -1, -2).astype(dtype)


def _practice_scores(blocks: np.ndarray, weights: np.ndarray, levels: np.ndarray, n_practices: int,
                     settings: Settings) -> np.ndarray:
    """``blocks (G, K, n) @ weights (G, n, B)`` -> practice scores ``(G, P, B)``."""
    sums = np.matmul(blocks, weights)
    if settings.aggregate == "mean":
        answered = sums[:, n_practices:]
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(answered > 0, sums[:, :n_practices] / answered, np.nan)
    counts = sums.reshape(sums.shape[0], n_practices, len(levels), sums.shape[-1])
    return aggregate_counts(np.moveaxis(counts, 2, -1), levels, settings.aggregate, settings.trim)


def bootstrap_chunks(matrix: RespondentMatrix, settings: Settings, key_columns: Sequence[str],
                     chunk_groups: Sequence[np.ndarray] | None = None
                     ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Yield ``(group indices, point (g, T), replicates (g, T, B))`` chunk by chunk.

    ``T`` is practices + areas + 1 (the index). Point estimates are computed in double precision; replicates
    in single precision (sums of whole-number answers are exact in it, and a replicate only feeds a percentile),
    which halves the memory and time the percentiles take. ``chunk_groups`` fixes which groups go together;
    by default chunks keep the replicate array near 64 MiB.
    """
    n_practices = len(matrix.practice_ids)
    n_areas = len(matrix.area_ids)
    n_targets = n_practices + n_areas + 1
    n_boot = int(settings.n_boot)
    keys = matrix.groups[list(key_columns)].to_numpy(dtype=object)
    sizes = matrix.sizes
    if chunk_groups is None:
        per_chunk = max(1, _CHUNK_BYTES // (4 * max(n_boot, 1) * n_targets))
        chunk_groups = [np.arange(i, min(i + per_chunk, len(sizes))) for i in range(0, len(sizes), per_chunk)]
    for groups in chunk_groups:
        groups = np.asarray(groups, dtype=int)
        point = np.full((len(groups), n_targets), np.nan)
        reps = np.full((len(groups), n_targets, n_boot), np.nan, dtype=np.float32)
        for n in np.unique(sizes[groups]):
            pos = np.flatnonzero(sizes[groups] == n)
            members = groups[pos]
            values = matrix.values[matrix.starts[members][:, None] + np.arange(n)]
            blocks = _answer_blocks(values, matrix.levels, settings.aggregate, np.float64)
            practice = _practice_scores(blocks, np.ones((len(members), n, 1)), matrix.levels, n_practices, settings)
            point[pos] = summarise(practice, matrix.practice_area, n_areas, settings)[..., 0]
            if n_boot:
                weights = np.stack([resample_counts(group_generator(settings.random_state, keys[g]), n, n_boot).T
                                    for g in members]).astype(np.float32)
                practice = _practice_scores(blocks.astype(np.float32), weights, matrix.levels, n_practices,
                                            settings)
                reps[pos] = summarise(practice, matrix.practice_area, n_areas, settings)
        yield groups, point, reps


def percentile_interval(reps: np.ndarray, ci: float) -> tuple[np.ndarray, np.ndarray]:
    """Percentile bootstrap interval over the last axis, ignoring ``NaN`` replicates.

    Uses numpy's default (linear) quantile definition on the defined replicates (a replicate is undefined when
    the resample drew nobody who answered); the bounds are ``NaN`` where no replicate is defined, and rounded
    to 6 decimals.
    """
    alpha = (1 - ci) / 2
    shape = reps.shape[:-1]
    if reps.shape[-1] == 0:
        return np.full(shape, np.nan), np.full(shape, np.nan)
    ordered = np.sort(reps, axis=-1)  # NaN sorts last
    m = (~np.isnan(ordered)).sum(axis=-1)
    bounds = []
    for q in (alpha, 1 - alpha):
        pos = q * np.maximum(m - 1, 0)
        lo = np.floor(pos).astype(int)
        hi = np.minimum(lo + 1, np.maximum(m - 1, 0))
        frac = pos - lo
        v_lo = np.take_along_axis(ordered, lo[..., None], axis=-1)[..., 0].astype(float)
        v_hi = np.take_along_axis(ordered, hi[..., None], axis=-1)[..., 0].astype(float)
        # replicates are single precision: round away their last-digit noise (e.g. 1.99999976 for 2)
        bounds.append(np.round(np.where(m > 0, v_lo + (v_hi - v_lo) * frac, np.nan), 6))
    return bounds[0], bounds[1]


def bootstrap_differences(matrix: RespondentMatrix, settings: Settings, key_columns: Sequence[str],
                          pairs: np.ndarray, ci: float, pairs_per_chunk: int | None = None) -> dict[str, np.ndarray]:
    """Differences ``score[to] - score[from]`` for pairs of groups, with percentile bootstrap intervals.

    ``pairs`` is an ``(n_pairs, 2)`` array of group indices ``(from, to)``. The two groups are resampled
    independently (different respondents), each with its own seeded generator, so a group's replicates are the
    same ones behind its own score's interval. Returns ``from``, ``to``, ``difference``, ``ci_low``,
    ``ci_high``, ``ci_excludes_zero`` and the answer counts ``n_from`` and ``n_to`` (respondents who answered,
    per target), each ``(n_pairs, T)``; there is no interval where either side has fewer than two answers.
    """
    n_targets = len(matrix.practice_ids) + len(matrix.area_ids) + 1
    pairs = np.asarray(pairs, dtype=int).reshape(-1, 2)
    out = {name: np.full((len(pairs), n_targets), np.nan) for name in ("from", "to", "difference", "ci_low",
                                                                        "ci_high")}
    if pairs_per_chunk is None:
        pairs_per_chunk = max(1, _CHUNK_BYTES // (8 * max(int(settings.n_boot), 1) * n_targets))
    pair_chunks = [np.arange(i, min(i + pairs_per_chunk, len(pairs))) for i in range(0, len(pairs), pairs_per_chunk)]
    group_chunks = [np.unique(pairs[c]) for c in pair_chunks]
    for chunk, (groups, point, reps) in zip(pair_chunks, bootstrap_chunks(matrix, settings, key_columns,
                                                                          group_chunks)):
        where = {g: i for i, g in enumerate(groups)}
        a = np.array([where[g] for g in pairs[chunk, 0]], dtype=int)
        b = np.array([where[g] for g in pairs[chunk, 1]], dtype=int)
        out["from"][chunk], out["to"][chunk] = point[a], point[b]
        out["difference"][chunk] = point[b] - point[a]
        out["ci_low"][chunk], out["ci_high"][chunk] = percentile_interval(reps[b] - reps[a], ci)
    # a side with a single answer cannot show its own uncertainty, so the difference gets no interval
    counts = target_counts(matrix)
    out["n_from"], out["n_to"] = counts[pairs[:, 0]], counts[pairs[:, 1]]
    single = (out["n_from"] < 2) | (out["n_to"] < 2)
    out["ci_low"][single], out["ci_high"][single] = np.nan, np.nan
    out["ci_excludes_zero"] = (out["ci_low"] > 0) | (out["ci_high"] < 0)
    return out
