"""Perception gaps between the client and its partners."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import alliance_research as ar
from alliance_research.gaps import perception_gaps
from alliance_research.scoring import score_responses

from .conftest import ratings


@pytest.fixture(scope="module")
def lib():
    return ar.load_library()


def test_gap_is_partner_mean_minus_client_mean(lib):
    gaps = perception_gaps(lib.responses, lib.framework, n_boot=200)
    answered = lib.responses.dropna(subset=["score"]).astype({"score": float})
    side = np.where(answered["organisation_type"] == "client", "client", "partners")
    means = answered.assign(side=side).groupby(["alliance_id", "wave", "practice_id", "side"])["score"].mean()
    expected = (means.xs("partners", level="side") - means.xs("client", level="side")).dropna()
    got = gaps[gaps["level"] == "practice"].set_index(["alliance_id", "wave", "id"])["gap"]
    np.testing.assert_allclose(got.loc[expected.index].to_numpy(), expected.to_numpy(), atol=1e-12)
    # the index gap is the difference of each side's own maturity index
    rows = lib.responses[(lib.responses["alliance_id"] == "tywi-water") & (lib.responses["wave"] == 1)]
    client = score_responses(rows[rows["organisation_type"] == "client"], lib.framework, n_boot=0)
    partners = score_responses(rows[rows["organisation_type"] != "client"], lib.framework, n_boot=0)
    row = gaps[(gaps["alliance_id"] == "tywi-water") & (gaps["wave"] == 1) & (gaps["level"] == "index")]
    assert row["gap"].item() == pytest.approx(partners.maturity["maturity_index"].item()
                                              - client.maturity["maturity_index"].item())


def test_flag_needs_one_level_and_two_respondents_each_side(small_fw):
    rows = []
    # "wide": client 1, 1; partners 3, 3 (gap +2, flagged); p-two: client 2, 2; partners 2, 3 (gap 0.5)
    for r, (org, a, b) in enumerate([("client", 1, 2), ("client", 1, 2), ("contractor", 3, 2), ("designer", 3, 3)]):
        rows += [("wide", f"r{r}", org, "p-one", a), ("wide", f"r{r}", org, "p-two", b)]
    # "lonely": one client respondent, gap of 3 levels: not flagged
    for r, (org, a) in enumerate([("client", 0), ("contractor", 3), ("contractor", 3)]):
        rows.append(("lonely", f"r{r}", org, "p-one", a))
    # "partners-only": no client, so no comparison at all
    rows += [("partners-only", "r1", "contractor", "p-one", 2), ("partners-only", "r2", "designer", "p-one", 3)]
    gaps = perception_gaps(ratings(rows), small_fw, n_boot=300)
    p = gaps[gaps["level"] == "practice"].set_index(["alliance_id", "id"])
    assert p.loc[("wide", "p-one"), "gap"] == 2 and p.loc[("wide", "p-one"), "flagged"]
    assert p.loc[("wide", "p-two"), "gap"] == 0.5 and not p.loc[("wide", "p-two"), "flagged"]
    assert p.loc[("lonely", "p-one"), "gap"] == 3 and not p.loc[("lonely", "p-one"), "flagged"]
    assert (p.loc[("lonely", "p-one"), ["n_client", "n_partner"]] == [1, 2]).all()
    assert "partners-only" not in set(gaps["alliance_id"])
    # every replicate of "wide"/p-one gives exactly +2 (no spread within a side)
    assert p.loc[("wide", "p-one"), "ci_low"] == 2 and p.loc[("wide", "p-one"), "ci_high"] == 2
    assert p.loc[("wide", "p-one"), "ci_excludes_zero"]
    threshold = perception_gaps(ratings(rows), small_fw, n_boot=0, threshold=0.5)
    assert threshold.set_index(["alliance_id", "id"]).loc[("wide", "p-two"), "flagged"]


def test_by_organisation_type(lib):
    gaps = perception_gaps(lib.responses, lib.framework, by="organisation_type", n_boot=100)
    types = set(lib.responses["organisation_type"]) - {"client"}
    assert set(gaps["comparison"]) == types
    one = gaps[(gaps["alliance_id"] == "tywi-water") & (gaps["wave"] == 1) & (gaps["level"] == "practice")]
    answered = lib.responses.dropna(subset=["score"]).astype({"score": float})
    rows = answered[(answered["alliance_id"] == "tywi-water") & (answered["wave"] == 1)]
    means = rows.groupby(["organisation_type", "practice_id"])["score"].mean()
    for _, row in one.iterrows():
        expected = means[(row["comparison"], row["id"])] - means[("client", row["id"])]
        assert row["gap"] == pytest.approx(expected)
    with pytest.raises(ValueError, match="by must be"):
        perception_gaps(lib.responses, lib.framework, by="sector")


def test_gaps_are_seeded(lib):
    a = perception_gaps(lib.responses, lib.framework, n_boot=100, random_state=1)
    b = perception_gaps(lib.responses, lib.framework, n_boot=100, random_state=1)
    pd.testing.assert_frame_equal(a, b)
    c = perception_gaps(lib.responses, lib.framework, n_boot=100, random_state=2)
    pd.testing.assert_series_equal(a["gap"], c["gap"])  # the estimates do not depend on the seed ...
    assert not np.allclose(a["ci_low"], c["ci_low"], equal_nan=True)  # ... their intervals do
