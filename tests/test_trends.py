"""Change between waves."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import alliance_research as ar
from alliance_research.scoring import score_library
from alliance_research.trends import wave_changes

from .conftest import ratings


@pytest.fixture(scope="module")
def lib():
    return ar.load_library()


def test_change_is_the_difference_of_wave_scores_and_its_interval_uses_the_same_replicates(lib):
    changes = wave_changes(lib.responses, lib.framework, n_boot=300, random_state=2)
    scores = score_library(lib, n_boot=300, random_state=2).maturity.set_index(["alliance_id", "wave"])
    multi = lib.responses.groupby("alliance_id")["wave"].nunique()
    assert set(changes["alliance_id"]) == set(multi[multi > 1].index)
    index = changes[changes["level"] == "index"]
    for _, row in index.iterrows():
        before = scores.loc[(row["alliance_id"], row["wave_from"]), "maturity_index"]
        after = scores.loc[(row["alliance_id"], row["wave_to"]), "maturity_index"]
        assert row["change"] == pytest.approx(after - before)
        assert row["ci_low"] <= row["change"] <= row["ci_high"]
    # an interval for a change is wider than either wave's own interval (independent samples)
    width = index["ci_high"] - index["ci_low"]
    own = scores["ci_high"] - scores["ci_low"]
    for (_, row), w in zip(index.iterrows(), width):
        assert w > own.loc[(row["alliance_id"], row["wave_to"])]


def test_compare_previous_or_first(small_fw):
    rows = []
    for wave, score in ((1, 1), (2, 2), (3, 4)):
        frame = ratings([("a", f"r{r}", "contractor", "p-one", score) for r in range(3)], wave=wave)
        rows.append(frame)
    data = pd.concat(rows, ignore_index=True)
    prev = wave_changes(data, small_fw, n_boot=0).query("level == 'practice' and id == 'p-one'")
    assert prev[["wave_from", "wave_to", "change"]].values.tolist() == [[1, 2, 1.0], [2, 3, 2.0]]
    first = wave_changes(data, small_fw, n_boot=0, compare="first").query("level == 'practice' and id == 'p-one'")
    assert first[["wave_from", "wave_to", "change"]].values.tolist() == [[1, 2, 1.0], [1, 3, 3.0]]
    assert np.isnan(prev["ci_low"]).all()  # no replicates, no interval
    with pytest.raises(ValueError, match="compare"):
        wave_changes(data, small_fw, compare="last")


def test_single_wave_library_has_no_changes(lib):
    one = lib.responses[lib.responses["wave"] == 1]
    out = wave_changes(one, lib.framework, n_boot=10)
    assert out.empty and "change" in out.columns
