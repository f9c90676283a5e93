"""Shared fixtures: a small, valid library written by hand (independent of the generators)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

matplotlib.use("Agg")

DOSSIER = """\
---
name: {name}
sector: water
client: Example Client
partners: [Builder Ltd, Designer LLP]
start_year: 2018
evidence:
  - practice: shared-communication
    text: "Weekly all-hands briefing."
    source: "Board minutes, 2022"
lessons:
  - text: "Keep the induction going."
    practice: ongoing-induction
  - text: "Talk early."
---
> Fictional test dossier.

Some narrative.
"""

RESPONSES = """\
alliance_id,wave,respondent_id,organisation,organisation_type,practice_id,score,comment
alpha,1,r1,Example Client,client,shared-communication,3,
alpha,1,r1,Example Client,client,ongoing-induction,2,"Good, mostly"
alpha,1,r2,Builder Ltd,contractor,shared-communication,4,
alpha,1,r2,Builder Ltd,contractor,ongoing-induction,,
beta,1,r1,Example Client,client,shared-communication,1,
beta,1,r2,Designer LLP,designer,shared-communication,2,
"""

OUTCOMES = """\
alliance_id,year,kpi,value
alpha,2022,cost_vs_target,2.5
alpha,2023,cost_vs_target,-1.0
beta,2022,cost_vs_target,0.5
"""

KPIS = """\
kpi,label,unit,higher_is_better
cost_vs_target,Cost against target,%,true
"""


def write_library(root: Path) -> Path:
    """Write a two-alliance library into ``root`` and return it."""
    (root / "casestudies").mkdir(parents=True)
    (root / "data").mkdir()
    for alliance_id, name in (("alpha", "Alpha Water Alliance"), ("beta", "Beta Water Alliance")):
        (root / "casestudies" / f"{alliance_id}.md").write_text(DOSSIER.format(name=name), encoding="utf-8")
    (root / "data" / "responses.csv").write_text(RESPONSES, encoding="utf-8")
    (root / "data" / "outcomes.csv").write_text(OUTCOMES, encoding="utf-8")
    (root / "data" / "kpis.csv").write_text(KPIS, encoding="utf-8")
    return root


@pytest.fixture
def small_library(tmp_path: Path) -> Path:
    return write_library(tmp_path / "lib")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


# Hypothesis: a modest default for CI; `HYPOTHESIS_PROFILE=thorough` for a long local search.
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("ci", max_examples=150, derandomize=True)
_hypothesis_settings.register_profile("thorough", max_examples=4000)
_hypothesis_settings.load_profile(__import__("os").environ.get("HYPOTHESIS_PROFILE", "ci"))


def write_framework(path: Path, areas: dict[str, list[str]], n_levels: int = 5, lowest: int = 0) -> Path:
    """Write a minimal valid rubric with the given areas and practice ids (levels lowest..lowest+n_levels-1)."""
    scores = range(lowest, lowest + n_levels)
    lines = ["id: test-rubric", "title: Test rubric", "version: 1", "scale:", f"  min: {lowest}",
             f"  max: {scores[-1]}", "  dont_know: \"Don't know\"", "  levels:"]
    lines += [f"    - {{score: {s}, name: Level {s}, description: Level {s} in general.}}" for s in scores]
    lines.append("areas:")
    for area, practices in areas.items():
        lines += [f"  - id: {area}", f"    name: Area {area}", f"    description: The {area} area.",
                  "    practices:"]
        for p in practices:
            lines += [f"      - id: {p}", f"        label: Label of {p}", f"        statement: {p} is done.",
                      f"        why: Because {p} matters.", "        levels:"]
            lines += [f"          {s}: Level {s} of {p}." for s in scores]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def small_fw(tmp_path_factory):
    """A two-area rubric: area-a holds p-one, p-two and p-three; area-b holds p-four."""
    from alliance_research import load_framework

    path = write_framework(tmp_path_factory.mktemp("fw") / "small.yaml",
                           {"area-a": ["p-one", "p-two", "p-three"], "area-b": ["p-four"]})
    return load_framework(path)


def ratings(rows: list[tuple], wave: int = 1) -> pd.DataFrame:
    """Long ratings from (alliance, respondent, organisation_type, practice, score) tuples."""
    frame = pd.DataFrame(rows, columns=["alliance_id", "respondent_id", "organisation_type", "practice_id", "score"])
    frame.insert(1, "wave", wave)
    frame.insert(3, "organisation", frame["organisation_type"].str.title())
    frame["score"] = frame["score"].astype("Int64")
    return frame
