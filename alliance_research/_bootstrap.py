"""The scoring engine: practice, area and index scores of groups of respondents, with bootstrap replicates.

A bootstrap replicate resamples a group's respondents with replacement. Resampling is expressed as *weights*
(how often each respondent was drawn), so a replicate's practice sums are one matrix product: for all groups of
the same size at once, ``weights (G, B, n) @ answers (G, n, K)``. No Python loop runs per replicate.

Every group draws from its own generator, seeded by ``random_state`` and a stable hash of the group's key
(e.g. alliance id and wave). An alliance's intervals therefore do not depend on which other alliances are in the
library, on the order of the rows, or on how the work is split into chunks.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Iterator, Sequence

import numpy as np

from ._matrix import RespondentMatrix

AGGREGATES = ("mean", "median", "trimmed")
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
    digest = zlib.crc32("\x1f".join(str(k) for k in key).encode("utf-8"))
    return np.random.default_rng([int(random_state), digest])


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


def _prorated_mean(values: np.ndarray, share: float) -> tuple[np.ndarray, np.ndarray]:
    """Mean over the last axis ignoring ``NaN``, kept only where at least ``share`` of the values exist."""
    present = ~np.isnan(values)
    n = present.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(present, values, 0.0).sum(axis=-1) / n
    ok = (n > 0) & (n >= share * values.shape[-1] - 1e-9)
    return np.where(ok, mean, np.nan), n


def summarise(practice_scores: np.ndarray, practice_area: np.ndarray, n_areas: int,
              settings: Settings) -> np.ndarray:
    """Practice scores ``(..., P)`` -> ``(..., P + A + 1)``: practices, areas, then the maturity index."""
    areas = np.stack([_prorated_mean(practice_scores[..., practice_area == a], settings.prorate_share)[0]
                      for a in range(n_areas)], axis=-1)
    if settings.index_weights == "practice":
        index = _prorated_mean(practice_scores, settings.prorate_share)[0]
    else:
        index = _prorated_mean(areas, settings.prorate_share)[0]
    return np.concatenate([practice_scores, areas, index[..., None]], axis=-1)


def _answer_blocks(values: np.ndarray, levels: np.ndarray, how: str) -> np.ndarray:
    """The per-respondent columns whose weighted sums give the aggregate: ``(..., n, K)``."""
    answered = ~np.isnan(values)
    if how == "mean":
        return np.concatenate([np.where(answered, values, 0.0), answered.astype(float)], axis=-1)
    onehot = (values[..., None] == levels.astype(float)).astype(float)
    return onehot.reshape(values.shape[:-1] + (-1,))


def _practice_scores(blocks: np.ndarray, weights: np.ndarray, levels: np.ndarray, n_practices: int,
                     settings: Settings) -> np.ndarray:
    sums = np.matmul(weights, blocks)  # (G, B, K)
    if settings.aggregate == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            s = sums[..., :n_practices] / sums[..., n_practices:]
        return np.where(sums[..., n_practices:] > 0, s, np.nan)
    counts = sums.reshape(sums.shape[:-1] + (n_practices, len(levels)))
    return aggregate_counts(counts, levels, settings.aggregate, settings.trim)


def bootstrap_chunks(matrix: RespondentMatrix, settings: Settings, key_columns: Sequence[str],
                     chunk_groups: Sequence[np.ndarray] | None = None
                     ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Yield ``(group indices, point (g, T), replicates (g, B, T))`` chunk by chunk.

    ``chunk_groups`` fixes which groups go together (e.g. all waves of one alliance); by default chunks are
    formed to keep the replicate array near 64 MiB. ``T`` is practices + areas + 1 (the index).
    """
    n_practices = len(matrix.practice_ids)
    n_areas = len(matrix.area_ids)
    n_targets = n_practices + n_areas + 1
    n_boot = int(settings.n_boot)
    block_width = 2 * n_practices if settings.aggregate == "mean" else n_practices * len(matrix.levels)
    keys = matrix.groups[list(key_columns)].to_numpy(dtype=object)
    sizes = matrix.sizes
    if chunk_groups is None:
        per_chunk = max(1, _CHUNK_BYTES // (8 * max(n_boot, 1) * max(n_targets, block_width)))
        chunk_groups = [np.arange(i, min(i + per_chunk, len(sizes))) for i in range(0, len(sizes), per_chunk)]
    for groups in chunk_groups:
        groups = np.asarray(groups, dtype=int)
        point = np.full((len(groups), n_targets), np.nan)
        reps = np.full((len(groups), n_boot, n_targets), np.nan)
        for n in np.unique(sizes[groups]):
            pos = np.flatnonzero(sizes[groups] == n)
            members = groups[pos]
            rows = matrix.starts[members][:, None] + np.arange(n)
            blocks = _answer_blocks(matrix.values[rows], matrix.levels, settings.aggregate)
            ones = np.ones((len(members), 1, n))
            practice = _practice_scores(blocks, ones, matrix.levels, n_practices, settings)
            point[pos] = summarise(practice, matrix.practice_area, n_areas, settings)[:, 0]
            if n_boot:
                weights = np.stack([resample_counts(group_generator(settings.random_state, keys[g]), n, n_boot)
                                    for g in members]).astype(float)
                practice = _practice_scores(blocks, weights, matrix.levels, n_practices, settings)
                reps[pos] = summarise(practice, matrix.practice_area, n_areas, settings)
        yield groups, point, reps


def percentile_interval(reps: np.ndarray, ci: float, axis: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Percentile bootstrap interval over ``axis``, ignoring ``NaN`` replicates (numpy's linear quantile).

    Returns ``NaN`` bounds where no replicate is defined.
    """
    reps = np.moveaxis(reps, axis, -1)
    alpha = (1 - ci) / 2
    n_valid = (~np.isnan(reps)).sum(axis=-1)
    low = np.full(reps.shape[:-1], np.nan)
    high = np.full(reps.shape[:-1], np.nan)
    b = reps.shape[-1]
    if b == 0:
        return low, high
    full = n_valid == b
    if full.any():
        # fast path: no missing replicate, so the order statistics sit at fixed positions
        q = np.quantile(reps[full], [alpha, 1 - alpha], axis=-1)
        low[full], high[full] = q[0], q[1]
    partial = (~full) & (n_valid > 0)
    if partial.any():
        sub = np.sort(reps[partial], axis=-1)  # NaN sorts last
        m = n_valid[partial]
        for q, out in ((alpha, low), (1 - alpha, high)):
            pos = q * (m - 1)
            lo = np.floor(pos).astype(int)
            hi = np.ceil(pos).astype(int)
            frac = pos - lo
            v_lo = np.take_along_axis(sub, lo[:, None], axis=-1)[:, 0]
            v_hi = np.take_along_axis(sub, hi[:, None], axis=-1)[:, 0]
            out[partial] = v_lo + (v_hi - v_lo) * frac
    return low, high


def bootstrap_differences(matrix: RespondentMatrix, settings: Settings, key_columns: Sequence[str],
                          pairs: np.ndarray, ci: float, pairs_per_chunk: int | None = None) -> dict[str, np.ndarray]:
    """Differences ``score[to] - score[from]`` for pairs of groups, with percentile bootstrap intervals.

    ``pairs`` is an ``(n_pairs, 2)`` array of group indices ``(from, to)``. The two groups are resampled
    independently (different respondents), each with its own seeded generator, so a group's replicates are the
    same ones behind its own score's interval. Returns ``from``, ``to``, ``difference``, ``ci_low`` and
    ``ci_high``, each ``(n_pairs, T)``.
    """
    n_targets = len(matrix.practice_ids) + len(matrix.area_ids) + 1
    pairs = np.asarray(pairs, dtype=int).reshape(-1, 2)
    out = {name: np.full((len(pairs), n_targets), np.nan) for name in ("from", "to", "difference", "ci_low",
                                                                        "ci_high")}
    if pairs_per_chunk is None:
        pairs_per_chunk = max(1, _CHUNK_BYTES // (16 * max(int(settings.n_boot), 1) * n_targets))
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
    return out
