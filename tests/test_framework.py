"""The rubric as data: the built-in framework, and the schema that validates any framework file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

import alliance_research as ar
from alliance_research import LibraryError

PACKAGE = Path(ar.__file__).parent
SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "sustaining-integration.txt"


def test_builtin_framework_covers_the_cell():
    fw = ar.load_framework()
    assert fw.id == "sustaining-integration"
    assert fw.grid == {"phase": "sustaining", "theme": "integration"}
    assert fw.scale["score"].tolist() == [0, 1, 2, 3, 4]
    assert fw.scale["level_name"].tolist() == ["Not in place", "Emerging", "Developing", "Established", "Embedded"]
    # three practice groups, every bullet of the seed text a practice (15 + 2 + 2, sub-bullets included)
    assert fw.areas["n_practices"].tolist() == [15, 2, 2]
    assert fw.practices["practice_id"].is_unique
    assert {"practice_id", "area_id", "area", "statement", "why", "label"} <= set(fw.practices.columns)
    assert fw.practices[["statement", "why", "label"]].map(lambda s: len(s) > 10).all().all()
    # every practice has a descriptor for every level, and they differ from each other
    counts = fw.descriptors.groupby("practice_id")["descriptor"].nunique()
    assert (counts == 5).all() and len(counts) == 19
    # sub-bullets point to their parent practice in the same area
    parents = fw.practices.dropna(subset=["parent_id"])
    assert len(parents) == 7
    area = dict(zip(fw.practices["practice_id"], fw.practices["area_id"]))
    assert all(area[p] == a for p, a in zip(parents["parent_id"], parents["area_id"]))


@pytest.mark.skipif(not SEED.is_file(), reason="the seed text lives in the shared folder beside the repository")
def test_every_seed_bullet_is_a_practice():
    bullets = [line for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip().startswith("•")]
    assert len(bullets) == ar.load_framework().practices.shape[0]


def test_no_practice_id_or_statement_in_python_code():
    fw = ar.load_framework()
    code = "\n".join(p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py"))
    for practice_id in fw.practice_ids:
        assert not re.search(rf"['\"]{re.escape(practice_id)}['\"]", code), practice_id
    for statement in fw.practices["statement"]:
        assert statement[:40] not in code


def test_parse_answer_accepts_scores_names_and_dont_know():
    fw = ar.load_framework()
    assert fw.parse_answer("Established") == 3
    assert fw.parse_answer("  embedded ") == 4
    assert fw.parse_answer("2 - Developing") == 2
    assert fw.parse_answer(1) == 1 and fw.parse_answer(0.0) == 0
    assert fw.parse_answer("Don't know") is None and fw.parse_answer("") is None and fw.parse_answer(None) is None
    for bad in ("5", "Excellent", 2.5, -1, True):
        with pytest.raises(ValueError):
            fw.parse_answer(bad)


def _write(tmp_path: Path, data: dict | str) -> Path:
    path = tmp_path / "custom.yaml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _minimal() -> dict:
    return {
        "id": "custom-rubric",
        "title": "A custom rubric",
        "scale": {"min": 0, "max": 2, "levels": [{"score": s, "name": n, "description": "d"}
                                                 for s, n in enumerate(["None", "Some", "All"])]},
        "areas": [{"id": "area-one", "name": "Area one", "description": "d", "practices": [
            {"id": "p-one", "label": "P one", "statement": "S one", "why": "W", "levels": {0: "a", 1: "b", 2: "c"}},
            {"id": "p-two", "parent": "p-one", "label": "P two", "statement": "S two", "why": "W",
             "levels": {0: "a", 1: "b", 2: "c"}},
        ]}],
    }


def test_another_rubric_is_a_yaml_file(tmp_path):
    fw = ar.load_framework(_write(tmp_path, _minimal()))
    assert fw.practice_ids == ["p-one", "p-two"]
    assert fw.max_score == 2 and fw.level_name(1.7) == "Some"


def test_framework_problems_are_reported_together_with_lines(tmp_path):
    data = _minimal()
    practices = data["areas"][0]["practices"]
    practices[0]["levels"] = {0: "a", 1: "b"}             # a level missing
    practices[1]["parent"] = "p-nine"                      # unknown parent
    practices.append(dict(practices[0], id="p-one"))       # duplicate id
    practices.append({"id": "Bad Id", "label": "x", "statement": "s", "why": "w", "levels": {0: "a", 1: "b", 2: "c"}})
    del data["title"]                                      # missing key
    data["colour"] = "blue"                                # unknown key
    path = _write(tmp_path, data)
    with pytest.raises(LibraryError) as info:
        ar.load_framework(path)
    text = str(info.value)
    problems = info.value.problems
    assert all(p.file.endswith("custom.yaml") for p in problems)
    assert "title: (missing): expected this required key" in text
    assert "colour" in text and "no such key" in text
    assert "'Bad Id'" in text
    assert "p-nine" in text and "the id of another practice" in text
    assert "a practice id used once" in text
    assert "one descriptor for each score [0, 1, 2]" in text
    # lines point at the offending key in the file
    lines = path.read_text(encoding="utf-8").splitlines()
    for problem in problems:
        if problem.value == "p-nine":
            assert "p-nine" in lines[problem.line - 1]
        if problem.value == "Bad Id":
            assert "Bad Id" in lines[problem.line - 1]


def test_malformed_framework_yaml_names_its_line(tmp_path):
    path = _write(tmp_path, "id: x\ntitle: [unclosed\nscale: {}\n")
    with pytest.raises(LibraryError) as info:
        ar.load_framework(path)
    (problem,) = info.value.problems
    assert problem.line in (2, 3) and "valid YAML" in problem.expected


def test_unknown_framework_name_lists_the_known_ones():
    with pytest.raises(LibraryError, match="sustaining-integration"):
        ar.load_framework("no-such-rubric")


@pytest.mark.parametrize("change", [
    lambda d: d["areas"][0]["practices"][1].update(parent=["p-one"]),        # a list where an id belongs
    lambda d: d["areas"][0]["practices"][1].update(parent={"a": 1}),
    lambda d: (d["scale"].update(min="0"), d["areas"][0]["practices"][0]["levels"].update({5: "x"})),
    lambda d: d["scale"].update(max=100_000_000),                             # must not build a huge range
    lambda d: d["areas"][0]["practices"][0].update(levels={"0": "a", "one": "b", 2: "c"}),
])
def test_odd_framework_values_are_problems_not_crashes(tmp_path, change):
    data = _minimal()
    change(data)
    with pytest.raises(LibraryError) as info:
        ar.load_framework(_write(tmp_path, data))
    assert all(len(str(p)) < 400 for p in info.value.problems)
