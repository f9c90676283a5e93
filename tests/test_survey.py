"""Importing wide survey exports into the long responses table."""

from __future__ import annotations

import pandas as pd
import pytest

import alliance_research as ar
from alliance_research import LibraryError
from alliance_research.cli import main
from alliance_research.survey import import_survey

CODEBOOK = """\
column,practice_id
Your ID,respondent_id
Employer,organisation
Organisation type,organisation_type
Q1 sharing,shared-communication
Q2 induction,ongoing-induction
"""

EXPORT = """\
Start time,Your ID,Employer,Organisation type,Q1 sharing,Q2 induction
2024-05-01 10:00,s1,Example Client,Client,Established,Don't know
2024-05-01 10:05,s2,Builder Ltd,contractor,4,2 - Developing
2024-05-01 10:09,s3,Designer LLP,designer,,emerging
"""


@pytest.fixture
def survey(tmp_path):
    (tmp_path / "codebook.csv").write_text(CODEBOOK, encoding="utf-8")
    (tmp_path / "export.csv").write_text(EXPORT, encoding="utf-8")
    return tmp_path / "export.csv", tmp_path / "codebook.csv"


def test_import_appends_long_rows_and_keeps_existing_bytes(small_library, survey):
    export, codebook = survey
    responses = small_library / "data" / "responses.csv"
    before = responses.read_bytes()
    rows = import_survey(export, codebook, "alpha", 2, small_library)
    assert len(rows) == 6 and rows["score"].isna().sum() == 2
    assert rows.set_index(["respondent_id", "practice_id"]).loc[("s2", "ongoing-induction"), "score"] == 2
    after = responses.read_bytes()
    assert after.startswith(before)
    lib = ar.load_library(small_library)
    wave2 = lib.responses[lib.responses["wave"] == 2].set_index(["respondent_id", "practice_id"])["score"]
    assert wave2[("s1", "shared-communication")] == 3 and pd.isna(wave2[("s1", "ongoing-induction")])
    assert wave2[("s2", "ongoing-induction")] == 2 and wave2[("s3", "ongoing-induction")] == 1
    assert pd.isna(wave2[("s3", "shared-communication")])
    assert set(lib.responses.loc[lib.responses["wave"] == 2, "organisation_type"]) == {"client", "contractor", "designer"}


def test_xlsx_export_without_respondent_column(small_library, survey, tmp_path):
    export, codebook = survey
    pd.read_csv(export, dtype=str, keep_default_na=False).drop(columns="Your ID").to_excel(tmp_path / "forms.xlsx", index=False)
    codebook.write_text(CODEBOOK.replace("Your ID,respondent_id\n", ""), encoding="utf-8")
    rows = import_survey(tmp_path / "forms.xlsx", codebook, "beta", 1, small_library)
    assert sorted(rows["respondent_id"].unique()) == ["forms-002", "forms-003", "forms-004"]


def test_invalid_answers_are_all_reported_and_nothing_is_written(small_library, survey):
    export, codebook = survey
    export.write_text(EXPORT.replace("Established,Don't know", "Excellent,7").replace("Builder Ltd,contractor", "Builder Ltd,vendor"),
                      encoding="utf-8")
    before = (small_library / "data" / "responses.csv").read_bytes()
    with pytest.raises(LibraryError) as info:
        import_survey(export, codebook, "alpha", 2, small_library)
    found = {(p.line, p.column, p.value) for p in info.value.problems}
    assert found == {(2, "Q1 sharing", "Excellent"), (2, "Q2 induction", "7"), (3, "Organisation type", "vendor")}
    assert "'Established'" in info.value.problems[0].expected or "'Established'" in info.value.problems[1].expected
    assert (small_library / "data" / "responses.csv").read_bytes() == before


def test_reimporting_the_same_export_is_refused(small_library, survey, capsys):
    export, codebook = survey
    args = ["import-survey", str(export), "--codebook", str(codebook), "--alliance", "alpha", "--wave", "2",
            "--library", str(small_library)]
    assert main(args) == 0
    before = (small_library / "data" / "responses.csv").read_bytes()
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "already in alliance 'alpha' wave 2" in err and "Traceback" not in err
    assert (small_library / "data" / "responses.csv").read_bytes() == before


def test_codebook_problems(small_library, survey):
    export, codebook = survey
    codebook.write_text(CODEBOOK.replace("Q2 induction,ongoing-induction", "Q2 induction,inducton")
                        .replace("Employer,organisation\n", "") + "Q3 missing,alliance-brand\n", encoding="utf-8")
    with pytest.raises(LibraryError) as info:
        import_survey(export, codebook, "alpha", 2, small_library)
    text = str(info.value)
    assert "'inducton'" in text and "organisation" in text


def test_unknown_alliance_is_refused(small_library, survey):
    export, codebook = survey
    with pytest.raises(LibraryError, match="an alliance with a dossier"):
        import_survey(export, codebook, "gamma", 1, small_library)


def test_a_respondent_keeps_their_organisation(small_library, survey):
    export, codebook = survey
    # r1 is already in alpha wave 1 as the client; an export claiming r1 works for a supplier is refused
    export.write_text(EXPORT.replace("s1,Example Client,Client", "r1,Other Org,supplier"), encoding="utf-8")
    codebook.write_text(CODEBOOK.replace("Q1 sharing,shared-communication", "Q1 sharing,best-practice-exchange")
                        .replace("Q2 induction,ongoing-induction", "Q2 induction,drive-for-improvement"), encoding="utf-8")
    before = (small_library / "data" / "responses.csv").read_bytes()
    with pytest.raises(LibraryError, match="already recorded for respondent 'r1'"):
        import_survey(export, codebook, "alpha", 1, small_library)
    assert (small_library / "data" / "responses.csv").read_bytes() == before
    ar.load_library(small_library)  # still valid


def test_first_import_into_a_library_without_ratings(small_library, survey):
    export, codebook = survey
    (small_library / "data" / "responses.csv").unlink()
    with pytest.raises(LibraryError):
        ar.load_library(small_library)
    import_survey(export, codebook, "beta", 1, small_library)
    text = (small_library / "data" / "responses.csv").read_text(encoding="utf-8")
    assert text.startswith("alliance_id,wave,respondent_id,organisation,organisation_type,practice_id,score,comment\n")
    assert len(ar.load_library(small_library).responses) == 6


def test_missing_files_are_problems_not_tracebacks(small_library, survey, capsys):
    export, codebook = survey
    with pytest.raises(LibraryError, match="an existing, readable file"):
        import_survey(export, codebook.with_name("nope.csv"), "alpha", 2, small_library)
    assert main(["import-survey", str(export.with_name("nope.csv")), "--codebook", str(codebook), "--alliance",
                 "alpha", "--wave", "2", "--library", str(small_library)]) == 2
    assert "an existing, readable file" in capsys.readouterr().err


def test_import_needs_an_explicit_library(survey):
    export, codebook = survey
    with pytest.raises(SystemExit) as info:
        main(["import-survey", str(export), "--codebook", str(codebook), "--alliance", "tywi-water", "--wave", "3"])
    assert info.value.code == 2


def test_curly_apostrophes_and_decimal_whole_numbers(small_library, survey):
    export, codebook = survey
    export.write_text(EXPORT.replace("Established,Don't know", "4.0,Don\u2019t know"), encoding="utf-8")
    rows = import_survey(export, codebook, "alpha", 2, small_library, dry_run=True)
    first = rows[rows["respondent_id"] == "s1"].set_index("practice_id")["score"]
    assert first["shared-communication"] == 4 and pd.isna(first["ongoing-induction"])
