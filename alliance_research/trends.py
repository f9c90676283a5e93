"""Change between assessment waves, per practice, area and the maturity index, with bootstrap intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._bootstrap import Settings, bootstrap_differences
from ._matrix import GROUPS, RespondentMatrix, long_by_target, matrix_for, target_frame
from .framework import Framework

__all__ = ["wave_changes"]

_KEYS = list(GROUPS)


def wave_changes(responses: pd.DataFrame, framework: Framework, *, compare: str = "previous",
                 n_boot: int = 1000, ci: float = 0.95, random_state: int = 0, aggregate: str = "mean",
                 trim: float = 0.2, index_weights: str = "practice", prorate_share: float = 0.5,
                 matrix: RespondentMatrix | None = None) -> pd.DataFrame:
    """How each alliance's scores changed from one wave to a later one.

    Parameters
    ----------
    responses : DataFrame
        Long ratings (``Library.responses``).
    framework : Framework
        The rubric.
    compare : {"previous", "first"}
        Compare every wave with the wave before it (default), or with the alliance's first wave.
    n_boot, ci, random_state
        Bootstrap replicates, confidence level and seed. The waves are resampled independently (respondents
        need not be the same people from wave to wave), each with the same per-wave generator as
        :func:`~alliance_research.scoring.score_responses`, so the replicates are those behind each wave's own
        interval.
    aggregate, trim, index_weights, prorate_share
        How scores are made, as in :func:`~alliance_research.scoring.score_responses`.
    matrix : RespondentMatrix, optional
        ``respondent_matrix(responses, framework)`` when the caller has built it already (see
        :func:`~alliance_research.scoring.score_responses`).

    Returns
    -------
    DataFrame
        One row per alliance, pair of waves and target: ``alliance_id``, ``wave_from``, ``wave_to``, ``level``
        (practice, area or index), ``id``, ``area_id``, ``score_from``, ``score_to``, ``change``
        (``score_to - score_from``), ``ci_low``, ``ci_high`` (percentile bootstrap interval of the change),
        ``n_from``, ``n_to`` (respondents who answered) and ``ci_excludes_zero``. Alliances with one wave have
        no rows.

    Notes
    -----
    :math:`\\Delta_t = s_t^{(w)} - s_t^{(w')}`; the interval is the percentile interval of
    :math:`s_t^{*(w)} - s_t^{*(w')}` over replicates that resample each wave's respondents independently
    (Efron & Tibshirani, 1993). If the same people answer both waves this ignores their pairing and so errs on
    the side of wide intervals.

    Examples
    --------
    >>> import alliance_research as ar
    >>> lib = ar.load_library()
    >>> ch = wave_changes(lib.responses, lib.framework, n_boot=200)
    >>> ch.columns[:5].tolist()
    ['alliance_id', 'wave_from', 'wave_to', 'level', 'id']
    """
    if compare not in ("previous", "first"):
        raise ValueError(f"compare must be 'previous' or 'first'; got {compare!r}")
    settings = Settings(aggregate=aggregate, trim=trim, prorate_share=prorate_share, index_weights=index_weights,
                        n_boot=n_boot, random_state=random_state)
    m = matrix_for(responses, framework, _KEYS, matrix=matrix)
    groups = m.groups.reset_index(drop=True)
    position = groups.groupby("alliance_id", sort=False).cumcount().to_numpy()  # groups are sorted by wave
    earlier = np.arange(len(groups)) - (1 if compare == "previous" else position)
    later = np.flatnonzero(position > 0)
    pairs = np.column_stack([earlier[later], later]) if len(later) else np.zeros((0, 2), dtype=int)
    result = bootstrap_differences(m, settings, _KEYS, pairs, ci)
    keys = pd.DataFrame({"alliance_id": groups.loc[pairs[:, 1], "alliance_id"].to_numpy(),
                         "wave_from": groups.loc[pairs[:, 0], "wave"].to_numpy(dtype=int),
                         "wave_to": groups.loc[pairs[:, 1], "wave"].to_numpy(dtype=int)})
    return long_by_target(keys, target_frame(m, framework), {
        "score_from": result["from"], "score_to": result["to"], "change": result["difference"],
        "ci_low": result["ci_low"], "ci_high": result["ci_high"],
        "n_from": result["n_from"], "n_to": result["n_to"], "ci_excludes_zero": result["ci_excludes_zero"],
    })
