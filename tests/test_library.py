"""Loading and validating a library: every bad input named in the foundation issue gets a clear message.

Each message must name the file, the line as an editor or spreadsheet shows it, the column or key, the
offending value and what was expected; all problems are reported at once.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import alliance_research as ar
from alliance_research import LibraryError

from .conftest import RESPONSES


def problems_of(root: Path) -> list[ar.Problem]:
    with pytest.raises(LibraryError) as info:
        ar.load_library(root)
    return info.value.problems


def one(problems, **match):
    found = [p for p in problems if all(
        (str(getattr(p, k)) == str(v) if k != "expected" else v in p.expected) for k, v in match.items())]
    assert len(found) == 1, (match, [str(p) for p in problems])
    return found[0]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_valid_library_loads_into_tidy_frames(small_library):
    lib = ar.load_library(small_library)
    assert lib.responses.columns.tolist() == ["alliance_id", "wave", "respondent_id", "organisation",
                                              "organisation_type", "practice_id", "score", "comment"]
    assert str(lib.responses["score"].dtype) == "Int64" and lib.responses["score"].isna().sum() == 1
    assert lib.responses["wave"].dtype == "int64"
    assert lib.responses.loc[1, "comment"] == "Good, mostly"
    assert lib.alliances["alliance_id"].tolist() == ["alpha", "beta"]
    assert lib.alliances.loc[0, "partners"] == ["Builder Ltd", "Designer LLP"]
    assert lib.evidence[["alliance_id", "practice_id"]].values.tolist() == [["alpha", "shared-communication"],
                                                                           ["beta", "shared-communication"]]
    assert lib.lessons["practice_id"].isna().sum() == 2  # one untied lesson per dossier
    assert lib.outcomes["value"].dtype == "float64" and lib.kpis.loc[0, "higher_is_better"]
    s = lib.summary()
    assert s["n_alliances"] == 2 and s["n_respondents"] == 4 and s["missing_share"] == pytest.approx(1 / 6)
    assert s["respondents_by_type"] == {"client": 2, "contractor": 1, "designer": 1}


def test_missing_and_unknown_columns(small_library):
    responses = small_library / "data" / "responses.csv"
    edit(responses, "organisation_type,practice_id", "org_type,practice_id")
    problems = problems_of(small_library)
    one(problems, file="data/responses.csv", line=1, column="column 5", value="org_type")
    one(problems, file="data/responses.csv", line=1, column="organisation_type", expected="a column named")


@pytest.mark.parametrize("bad, expected", [("5", "a whole number from 0 to 4"), ("2.5", "a whole number from 0 to 4"),
                                           ("three", "a whole number from 0 to 4"), ("-1", "from 0 to 4")])
def test_score_outside_the_scale_or_not_whole(small_library, bad, expected):
    edit(small_library / "data" / "responses.csv", "client,shared-communication,3,", f"client,shared-communication,{bad},")
    (problem,) = problems_of(small_library)
    assert (problem.file, problem.line, problem.column, problem.value) == ("data/responses.csv", 2, "score", bad)
    assert expected in problem.expected
    assert str(problem).startswith("data/responses.csv, line 2: score: ")


def test_unknown_practice_id_suggests_the_nearest(small_library):
    edit(small_library / "data" / "responses.csv", "contractor,shared-communication", "contractor,shared-comms")
    problem = one(problems_of(small_library), column="practice_id", value="shared-comms")
    assert problem.line == 4
    assert "did you mean 'shared-communication'" in problem.expected


def test_unknown_organisation_type_and_sector(small_library):
    edit(small_library / "data" / "responses.csv", "Designer LLP,designer", "Designer LLP,architect")
    edit(small_library / "casestudies" / "beta.md", "sector: water", "sector: aviation")
    problems = problems_of(small_library)
    one(problems, file="data/responses.csv", line=7, column="organisation_type", value="architect",
        expected="client, contractor, designer, supplier, other")
    problem = one(problems, file="casestudies/beta.md", column="sector", value="aviation")
    assert problem.line == 3 and "water" in problem.expected


def test_duplicate_rating_rows(small_library):
    responses = small_library / "data" / "responses.csv"
    responses.write_text(RESPONSES + "alpha,1,r2,Builder Ltd,contractor,shared-communication,3,\n", encoding="utf-8")
    problem = one(problems_of(small_library), line=8)
    assert problem.column == "alliance_id, wave, respondent_id, practice_id"
    assert "already on line 4" in problem.expected


def test_responses_and_outcomes_for_an_alliance_without_dossier(small_library):
    (small_library / "casestudies" / "beta.md").unlink()
    problems = problems_of(small_library)
    problem = one(problems, file="data/responses.csv", value="beta")
    assert problem.line == 6 and "casestudies/beta.md" in problem.expected and "1 more rows from line 7" in problem.expected
    one(problems, file="data/outcomes.csv", line=4, value="beta")


def test_dossier_file_name_that_is_not_an_id(small_library):
    (small_library / "casestudies" / "beta.md").rename(small_library / "casestudies" / "Beta Alliance.md")
    problems = problems_of(small_library)
    one(problems, file="casestudies/Beta Alliance.md", column="file name", value="Beta Alliance.md")
    one(problems, file="data/responses.csv", value="beta")  # and its ratings now have no dossier


def test_missing_required_front_matter_keys(small_library):
    edit(small_library / "casestudies" / "alpha.md", "client: Example Client\n", "")
    edit(small_library / "casestudies" / "alpha.md", "start_year: 2018\n", "")
    problems = problems_of(small_library)
    one(problems, file="casestudies/alpha.md", column="client", expected="this required key")
    one(problems, file="casestudies/alpha.md", column="start_year", expected="this required key")


def test_malformed_yaml_names_its_line(small_library):
    edit(small_library / "casestudies" / "alpha.md", "partners: [Builder Ltd, Designer LLP]", "partners: [Builder Ltd, Designer LLP")
    (problem,) = [p for p in problems_of(small_library) if p.file == "casestudies/alpha.md"]
    assert "valid YAML" in problem.expected
    assert problem.line in (5, 6, 7)  # the unclosed list opens on line 5 of the file; PyYAML flags where it ends


def test_evidence_and_lessons_citing_unknown_practices(small_library):
    edit(small_library / "casestudies" / "alpha.md", "  - practice: shared-communication", "  - practice: shared-comms")
    edit(small_library / "casestudies" / "alpha.md", "    practice: ongoing-induction", "    practice: inductions")
    problems = problems_of(small_library)
    one(problems, file="casestudies/alpha.md", line=8, column="evidence[0].practice", value="shared-comms")
    one(problems, file="casestudies/alpha.md", line=13, column="lessons[0].practice", value="inductions")


def test_kpi_missing_from_kpis_csv(small_library):
    edit(small_library / "data" / "outcomes.csv", "beta,2022,cost_vs_target", "beta,2022,cost_vs_targt")
    problem = one(problems_of(small_library), file="data/outcomes.csv", column="kpi")
    assert problem.line == 4 and "did you mean 'cost_vs_target'" in problem.expected


def test_outcomes_without_kpis_csv(small_library):
    (small_library / "data" / "kpis.csv").unlink()
    one(problems_of(small_library), file="data/kpis.csv")


@pytest.mark.parametrize("content", ["", "alliance_id,wave,respondent_id,organisation,organisation_type,practice_id,score,comment\n"])
def test_empty_responses_file(small_library, content):
    (small_library / "data" / "responses.csv").write_text(content, encoding="utf-8")
    problem = one(problems_of(small_library), file="data/responses.csv")
    assert problem.line in (1, 2)


def test_file_that_is_not_utf8_names_its_line(small_library):
    path = small_library / "data" / "responses.csv"
    path.write_bytes(RESPONSES.replace("Builder Ltd,contractor,ongoing", "Bu\xeflder Ltd,contractor,ongoing").encode("latin-1"))
    problem = one(problems_of(small_library), file="data/responses.csv")
    assert problem.line == 5 and "UTF-8" in problem.expected and problem.value == "byte 0xef"


def test_utf8_with_byte_order_mark_is_accepted(small_library):
    for name in ("responses.csv", "outcomes.csv", "kpis.csv"):
        path = small_library / "data" / name
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    dossier = small_library / "casestudies" / "alpha.md"
    dossier.write_bytes(b"\xef\xbb\xbf" + dossier.read_bytes().replace(b"Alpha", "Tŷ Dŵr".encode()))
    lib = ar.load_library(small_library)
    assert lib.alliances.loc[0, "name"] == "Tŷ Dŵr Water Alliance"
    assert lib.responses.columns[0] == "alliance_id"


def test_all_problems_reported_at_once(small_library):
    edit(small_library / "data" / "responses.csv", "client,shared-communication,3,", "client,shared-communication,7,")
    edit(small_library / "data" / "responses.csv", "Designer LLP,designer", "Designer LLP,architect")
    edit(small_library / "casestudies" / "beta.md", "sector: water", "sector: aviation")
    edit(small_library / "data" / "outcomes.csv", "alpha,2023", "alpha,twenty")
    problems = problems_of(small_library)
    assert {(p.file, p.column) for p in problems} == {("data/responses.csv", "score"),
                                                       ("data/responses.csv", "organisation_type"),
                                                       ("casestudies/beta.md", "sector"),
                                                       ("data/outcomes.csv", "year")}
    frame = LibraryError(problems).to_frame()
    assert frame.columns.tolist() == ["file", "line", "column", "value", "expected"]


def test_rows_with_wrong_field_count(small_library):
    edit(small_library / "data" / "responses.csv", "beta,1,r1,Example Client,client,shared-communication,1,",
         "beta,1,r1,Example Client,client,shared-communication,1,,extra")
    problem = one(problems_of(small_library), line=6)
    assert "8 fields" in problem.expected


def test_respondent_with_two_organisation_types(small_library):
    edit(small_library / "data" / "responses.csv", "alpha,1,r2,Builder Ltd,contractor,ongoing-induction",
         "alpha,1,r2,Builder Ltd,supplier,ongoing-induction")
    problem = one(problems_of(small_library), column="organisation_type")
    assert problem.line == 5 and "'contractor' on line 4" in problem.expected


def test_responses_as_xlsx_use_spreadsheet_rows(small_library):
    csv_path = small_library / "data" / "responses.csv"
    frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    frame.loc[2, "score"] = "9"
    frame.to_excel(small_library / "data" / "responses.xlsx", index=False)
    csv_path.unlink()
    problem = one(problems_of(small_library), column="score")
    assert (problem.file, problem.line, problem.value) == ("data/responses.xlsx", 4, "9")


def test_both_csv_and_xlsx_is_ambiguous(small_library):
    pd.read_csv(small_library / "data" / "responses.csv").to_excel(small_library / "data" / "responses.xlsx", index=False)
    one(problems_of(small_library), file="data/")


def test_a_file_that_is_not_a_workbook(small_library):
    (small_library / "data" / "responses.csv").rename(small_library / "data" / "responses.xlsx")
    problem = one(problems_of(small_library), file="data/responses.xlsx")
    assert "Excel workbook" in problem.expected


def test_loading_never_modifies_inputs(small_library):
    before = {p: p.read_bytes() for p in small_library.rglob("*") if p.is_file()}
    ar.load_library(small_library)
    edit(small_library / "data" / "responses.csv", ",3,", ",9,")
    before[small_library / "data" / "responses.csv"] = (small_library / "data" / "responses.csv").read_bytes()
    with pytest.raises(LibraryError):
        ar.load_library(small_library)
    assert {p: p.read_bytes() for p in small_library.rglob("*") if p.is_file()} == before


def test_example_library_is_valid_and_meets_the_brief():
    lib = ar.load_library()
    s = lib.summary()
    assert s["n_alliances"] >= 16 and len(s["sectors"]) >= 5
    assert lib.alliances["fictional"].all()
    waves = lib.responses.groupby("alliance_id")["wave"].nunique()
    assert (waves >= 2).sum() >= 8
    per_wave = lib.responses.drop_duplicates(["alliance_id", "wave", "respondent_id"]).groupby(["alliance_id", "wave"])
    assert per_wave.size().between(5, 14).all()
    assert (per_wave["organisation_type"].nunique() >= 3).all()
    assert per_wave["organisation_type"].apply(lambda t: (t == "client").any()).all()
    assert 0.03 <= s["missing_share"] <= 0.08 and s["n_comments"] > 0
    assert (lib.evidence.groupby("alliance_id").size() >= 5).all() and lib.evidence["alliance_id"].nunique() == s["n_alliances"]
    assert (lib.lessons.groupby("alliance_id").size() >= 3).all() and lib.lessons["alliance_id"].nunique() == s["n_alliances"]
    words = lib.alliances["narrative"].str.split().str.len()
    assert words.between(300, 600).all(), words.to_dict()
    assert lib.alliances["narrative"].str.contains("Fictional case study").all()
    outcomes = lib.outcomes.groupby("alliance_id").agg(years=("year", "nunique"), kpis=("kpi", "nunique"))
    assert ((outcomes["years"] >= 3) & (outcomes["kpis"] >= 4)).sum() >= 12


def test_short_row_is_not_silently_padded(small_library):
    path = small_library / "data" / "responses.csv"
    path.write_text(RESPONSES + "alpha,1,r3,Builder Ltd,contractor,shared-communication\n", encoding="utf-8")
    problem = one(problems_of(small_library), line=8)
    assert problem.value == "6 fields" and "8 fields" in problem.expected


@pytest.mark.parametrize("spelling", ["01", "1.0"])
def test_waves_are_compared_as_numbers(small_library, spelling):
    path = small_library / "data" / "responses.csv"
    path.write_text(RESPONSES + f"alpha,{spelling},r1,Example Client,client,shared-communication,2,\n", encoding="utf-8")
    assert "already on line 2" in one(problems_of(small_library), line=8).expected


@pytest.mark.parametrize("wave", ["99999999999999999999", "1e19", "0", "20224"])
def test_wave_out_of_range(small_library, wave):
    edit(small_library / "data" / "responses.csv", "beta,1,r1", f"beta,{wave},r1")
    problem = one(problems_of(small_library), column="wave")
    assert problem.line == 6 and "from 1 to 1000" in problem.expected


def test_years_are_compared_as_numbers(small_library):
    edit(small_library / "data" / "outcomes.csv", "alpha,2023,", "alpha,2022.0,")
    assert "already on line 2" in one(problems_of(small_library), file="data/outcomes.csv").expected


def test_unreadable_dossiers_are_problems(small_library):
    (small_library / "casestudies" / "gamma.md").mkdir()
    (small_library / "casestudies" / "delta.md").symlink_to(small_library / "nowhere.md")
    problems = problems_of(small_library)
    one(problems, file="casestudies/gamma.md", expected="an existing, readable file")
    one(problems, file="casestudies/delta.md", expected="an existing, readable file")


def test_yaml_aliases_neither_recurse_nor_explode(small_library):
    dossier = small_library / "casestudies" / "alpha.md"
    laughs = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]\n" for i in range(1, 12))
    edit(dossier, "partners: [Builder Ltd, Designer LLP]\n", "partners: &p [*p]\n" + laughs)
    problems = [p for p in problems_of(small_library) if p.file == "casestudies/alpha.md"]
    assert any(p.column.startswith("partners") for p in problems)
    assert all(len(str(p)) < 400 for p in problems)


def test_unknown_key_suggests_the_right_one_and_empty_lists_are_fine(small_library):
    dossier = small_library / "casestudies" / "alpha.md"
    edit(dossier, "lessons:", "lesson:")
    problem = one(problems_of(small_library), column="lesson")
    assert "did you mean 'lessons'" in problem.expected and len(str(problem)) < 300
    edit(dossier, "lesson:", "lessons:")
    text = dossier.read_text(encoding="utf-8")
    dossier.write_text(text[: text.index("lessons:")] + "lessons:\n---\nNarrative.\n", encoding="utf-8")
    lib = ar.load_library(small_library)
    assert set(lib.lessons["alliance_id"]) == {"beta"}


def test_semicolon_separated_file_gets_a_hint(small_library):
    path = small_library / "data" / "responses.csv"
    path.write_text(RESPONSES.replace(",", ";"), encoding="utf-8")
    problem = one(problems_of(small_library), file="data/responses.csv")
    assert problem.line == 1 and "comma-separated" in problem.expected


def test_unclosed_quote_is_named(small_library):
    edit(small_library / "data" / "responses.csv", '"Good, mostly"', '"Good, mostly')
    problem = one(problems_of(small_library), file="data/responses.csv")
    assert problem.line == 3 and "never closed" in problem.expected


def test_blank_lines_and_crlf_are_fine(small_library):
    path = small_library / "data" / "responses.csv"
    path.write_bytes(("\n" + RESPONSES.replace("\nbeta", "\n\nbeta")).replace("\n", "\r\n").encode())
    assert len(ar.load_library(small_library).responses) == 6
    edit(path, ",4,", ",x,")
    assert one(problems_of(small_library), column="score").line == 5


def test_xlsx_sheet_choice_and_unsaved_formulas(small_library):
    from openpyxl import Workbook

    frame = pd.read_csv(small_library / "data" / "responses.csv", dtype=str, keep_default_na=False)
    workbook = Workbook()
    workbook.active.title = "Instructions"
    workbook.active["A1"] = "Fill in the Responses sheet."
    sheet = workbook.create_sheet("Responses")
    sheet.append(frame.columns.tolist())
    for row in frame.itertuples(index=False):
        sheet.append([int(v) if k == "score" and v else v for k, v in zip(frame.columns, row)])
    sheet["G3"] = "=1+2"  # written by a script: a formula with no saved result
    workbook.save(small_library / "data" / "responses.xlsx")
    (small_library / "data" / "responses.csv").unlink()
    problem = one(problems_of(small_library), column="score")
    assert problem.file == "data/responses.xlsx (sheet 'Responses')" and problem.line == 3
    assert problem.value == "=1+2" and "formula with no saved result" in problem.expected
