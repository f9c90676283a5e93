"""Synthetic libraries (``alliance_research.datasets``) and the example-library generator script."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from alliance_research.datasets import (
    KPI_COLUMNS,
    OUTCOME_COLUMNS,
    RESPONSE_COLUMNS,
    make_library,
    pick_comments,
    simulate_scores,
)
from alliance_research.framework import load_framework

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def fw():
    return load_framework()


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    path = tmp_path_factory.mktemp("synthetic") / "lib"
    truth = make_library(path, n_alliances=12, n_profiles=3, n_waves=2, respondents=(5, 8), client_offset=-0.5,
                         random_state=7)
    return path, truth


def read_responses(path: Path) -> pd.DataFrame:
    return pd.read_csv(path / "data" / "responses.csv", dtype=str, keep_default_na=False)


def latest_practice_means(path: Path) -> pd.DataFrame:
    r = pd.read_csv(path / "data" / "responses.csv")
    r = r[r["wave"] == r["wave"].max()]
    means = r.pivot_table(index="alliance_id", columns="practice_id", values="score")
    return means.fillna(means.mean())


def recovery_ari(path: Path, truth) -> float:
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score

    means = latest_practice_means(path)
    k = truth.centroids.shape[0]
    labels = KMeans(n_clusters=k, n_init=10, random_state=0).fit_predict(means.to_numpy())
    return adjusted_rand_score(truth.profiles.loc[means.index], labels)


# --- shape and contract ---------------------------------------------------------------------------------------

def test_library_has_the_contracted_files_and_columns(generated, fw):
    path, truth = generated
    r = read_responses(path)
    assert r.columns.tolist() == RESPONSE_COLUMNS
    ids = sorted(p.stem for p in (path / "casestudies").glob("*.md"))
    assert ids == sorted(truth.profiles.index) and len(ids) == 12
    assert sorted(r["alliance_id"].unique()) == ids
    assert set(r["wave"]) == {"1", "2"}
    assert set(r["practice_id"]) == set(fw.practice_ids)
    assert set(r["organisation_type"]) <= {"client", "contractor", "designer", "supplier", "other"}
    scores = r.loc[r["score"] != "", "score"].astype(int)
    assert scores.between(fw.min_score, fw.max_score).all()
    assert 0 < (r["score"] == "").mean() < 0.15
    assert not r.duplicated(["alliance_id", "wave", "respondent_id", "practice_id"]).any()
    # every respondent rates every practice, once, for one organisation
    per = r.groupby(["alliance_id", "wave", "respondent_id"])
    assert (per.size() == len(fw.practice_ids)).all()
    assert (per["organisation"].nunique() == 1).all()
    assert per.size().groupby(level=[0, 1]).size().between(5, 8).all()
    clients = r[r["organisation_type"] == "client"].groupby(["alliance_id", "wave"]).size()
    assert len(clients) == 12 * 2
    # practices in rubric order within each respondent, rows sorted by alliance, wave, respondent
    assert r["practice_id"].iloc[: len(fw.practice_ids)].tolist() == fw.practice_ids
    keys = r[["alliance_id", "wave", "respondent_id"]].drop_duplicates()
    assert keys.equals(keys.sort_values(["alliance_id", "wave", "respondent_id"]))
    # outcomes and kpis
    outcomes = pd.read_csv(path / "data" / "outcomes.csv")
    kpis = pd.read_csv(path / "data" / "kpis.csv", dtype=str)
    assert outcomes.columns.tolist() == OUTCOME_COLUMNS and kpis.columns.tolist() == KPI_COLUMNS
    assert set(outcomes["kpi"]) == set(kpis["kpi"]) and set(kpis["higher_is_better"]) == {"true", "false"}
    assert set(outcomes["alliance_id"]) == set(ids)
    # ground truth
    assert truth.profiles.index.name == "alliance_id" and set(truth.profiles) == {0, 1, 2}
    assert truth.centroids.shape == (3, len(fw.practice_ids))
    assert truth.centroids.columns.tolist() == fw.practice_ids
    assert truth.latent.shape == (12 * 2, len(fw.practice_ids))
    assert truth.latent.index.names == ["alliance_id", "wave"]
    assert truth.latent.to_numpy().min() >= fw.min_score and truth.latent.to_numpy().max() <= fw.max_score
    assert truth.path == path


def test_dossiers_are_minimal_and_labelled_fictional(generated):
    path, truth = generated
    text = (path / "casestudies" / f"{truth.profiles.index[0]}.md").read_text(encoding="utf-8")
    _, front, body = text.split("---\n", 2)
    meta = yaml.safe_load(front)
    assert {"name", "sector", "client", "partners", "start_year"} <= set(meta)
    assert meta["fictional"] is True and isinstance(meta["partners"], list)
    assert "synthetic" in body.lower()


def test_generated_library_loads(generated):
    from alliance_research.library import load_library

    path, truth = generated
    lib = load_library(path)
    assert len(lib.alliances) == 12
    assert len(lib.responses) == len(read_responses(path))


def test_client_offset_shows_in_the_data(generated):
    path, _ = generated
    r = pd.read_csv(path / "data" / "responses.csv")
    client = r["organisation_type"] == "client"
    gap = r.loc[client, "score"].mean() - r.loc[~client, "score"].mean()
    assert -0.8 < gap < -0.2


# --- determinism ----------------------------------------------------------------------------------------------

def test_same_seed_gives_identical_files_and_another_seed_does_not(tmp_path):
    kwargs = dict(n_alliances=8, n_profiles=2, n_waves=2, respondents=(4, 6))
    make_library(tmp_path / "a", random_state=3, **kwargs)
    make_library(tmp_path / "b", random_state=3, **kwargs)
    make_library(tmp_path / "c", random_state=4, **kwargs)
    for name in ("data/responses.csv", "data/outcomes.csv", "data/kpis.csv", "casestudies/syn-0001.md"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert (tmp_path / "a" / "data/responses.csv").read_bytes() != (tmp_path / "c" / "data/responses.csv").read_bytes()
    raw = (tmp_path / "a" / "data/responses.csv").read_bytes()
    assert b"\r" not in raw
    raw.decode("utf-8")


# --- planted structure ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [0, 1])
def test_planted_profiles_are_recovered(tmp_path, seed):
    truth = make_library(tmp_path / "lib", n_alliances=60, n_profiles=3, with_outcomes=False, random_state=seed)
    assert recovery_ari(tmp_path / "lib", truth) >= 0.9


def test_no_separation_means_no_structure(tmp_path):
    truth = make_library(tmp_path / "lib", n_alliances=60, n_profiles=3, separation=0.0, with_outcomes=False,
                         random_state=0)
    assert abs(recovery_ari(tmp_path / "lib", truth)) < 0.15
    assert np.allclose(truth.centroids.to_numpy(), truth.centroids.to_numpy()[0])


def test_profiles_differ_in_shape_not_only_in_level(tmp_path):
    truth = make_library(tmp_path / "lib", n_alliances=10, n_profiles=3, with_outcomes=False, random_state=0)
    centred = truth.centroids.sub(truth.centroids.mean(axis=1), axis=0)
    corr = np.corrcoef(centred.to_numpy())
    assert (np.abs(corr[np.triu_indices(3, 1)]) < 0.5).all()
    assert centred.abs().to_numpy().max() > 0.5


# --- arguments and core -------------------------------------------------------------------------------------------

def test_bad_arguments_and_existing_library_are_refused(tmp_path):
    with pytest.raises(ValueError, match="n_profiles"):
        make_library(tmp_path / "x", n_alliances=3, n_profiles=4)
    with pytest.raises(ValueError, match="respondents"):
        make_library(tmp_path / "x", respondents=(6, 5))
    make_library(tmp_path / "lib", n_alliances=5, n_profiles=2, with_outcomes=False)
    with pytest.raises(FileExistsError):
        make_library(tmp_path / "lib", n_alliances=3, n_profiles=2)
    make_library(tmp_path / "lib", n_alliances=3, n_profiles=2, overwrite=True)
    assert len(list((tmp_path / "lib" / "casestudies").glob("*.md"))) == 3
    assert (tmp_path / "lib" / "data" / "outcomes.csv").is_file()


def test_simulate_scores_and_comments(fw):
    rng = np.random.default_rng(0)
    latent = np.full((2, 3), 2.0)
    unit = np.repeat([0, 1], 400)
    scores = simulate_scores(latent, unit, np.where(unit == 1, 1.0, 0.0), rng=rng, missing_rate=0.1)
    assert scores.shape == (800, 3)
    assert 0.07 < np.isnan(scores).mean() < 0.13
    assert np.nanmean(scores[unit == 1]) - np.nanmean(scores[unit == 0]) == pytest.approx(1.0, abs=0.15)
    bank = {p: {"low": ["low"], "high": ["high"]} for p in "abc"}
    comments = pick_comments(scores, list("abc"), bank, 0.2, rng)
    answered = ~np.isnan(scores)
    assert (comments[answered] != "").mean() == pytest.approx(0.2, abs=0.01)
    assert (comments[~answered] == "").all()
    assert set(comments[(comments != "") & (scores <= 1)]) <= {"low"}
    assert set(comments[(comments != "") & (scores >= 3)]) <= {"high"}


def test_no_practice_id_is_named_in_the_code(fw):
    sources = [REPO / "alliance_research" / "datasets.py", REPO / "scripts" / "make_example_library.py"]
    for source in sources:
        text = source.read_text(encoding="utf-8")
        named = [p for p in fw.practice_ids if re.search(rf"\b{re.escape(p)}\b", text)]
        assert not named, (source.name, named)


# --- the example library ------------------------------------------------------------------------------------------

def _script():
    spec = importlib.util.spec_from_file_location("make_example_library", REPO / "scripts" / "make_example_library.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_example_tables_are_reproducible(capsys):
    assert _script().main(["--check"]) == 0


def test_example_generator_writes_plausible_tables(tmp_path, capsys):
    script = _script()
    assert script.main(["--library", str(tmp_path)]) == 0
    for name in ("responses", "outcomes", "kpis"):
        assert (tmp_path / "data" / f"{name}.csv").read_bytes() == (REPO / "data" / f"{name}.csv").read_bytes()
    (tmp_path / "data" / "kpis.csv").write_text("kpi,label,unit,higher_is_better\n", encoding="utf-8")
    assert script.main(["--library", str(tmp_path), "--check"]) == 1
    r = read_responses(tmp_path)
    assert 0.03 <= (r["score"] == "").mean() <= 0.08
    assert 0.05 <= (r["comment"] != "").mean() <= 0.08
    per_wave = r[r["organisation_type"] == "client"].groupby(["alliance_id", "wave"])["respondent_id"].nunique()
    assert per_wave.between(2, 3).all()
    spec = yaml.safe_load((REPO / "scripts" / "example_library_spec.yaml").read_text(encoding="utf-8"))
    assert len(per_wave) == sum(len(a["respondents"]) for a in spec["alliances"])
    outcomes = pd.read_csv(tmp_path / "data" / "outcomes.csv")
    for kpi in spec["kpis"]:
        values = outcomes.loc[outcomes["kpi"] == kpi["kpi"], "value"]
        assert values.between(*kpi["range"]).all(), kpi["kpi"]
