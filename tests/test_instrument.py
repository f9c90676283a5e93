"""The rubric as a survey instrument: export it, answer it in each platform's response layout, import it back.

The response exports are built from the exported survey file itself (question codes, answer codes, recode
values, export tags, ImportIds read from the .lss / .qsf), in the layouts the platforms document:

- LimeSurvey, *Export responses* as CSV with headings "Question code": ``id``, ``submitdate``, ... then ``CODE``
  for a list question and ``CODE[SQ]`` for an array row; answers as "Answer codes" or "Full answers".
- Qualtrics, *Export data* as CSV: three header rows (column ids; question texts; ``{"ImportId": ...}``), then one
  row per response; answers as numeric (recode) values or choice text
  (https://www.qualtrics.com/support/survey-platform/data-and-analysis-module/data/download-data/understanding-your-dataset/).
- Microsoft Forms' Excel export: ``ID``, ``Start time``, ..., one column per question named by its text.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile

import pandas as pd
import pytest

import alliance_research as ar
from alliance_research import LibraryError
from alliance_research.cli import main
from alliance_research.instrument import FORMATS, codebook_path, export_instrument
from alliance_research.instrument.items import make_code
from alliance_research.survey import import_survey

FW = ar.load_framework()
LEVELS = list(FW.level_names.values())

# Three respondents' known answers: score, "dk" (the don't-know answer) or None (left blank).
RESPONDENTS = [
    ("client", "Example Client"),
    ("contractor", "Builder Ltd"),
    ("designer", "Designer LLP"),
]


def known_ratings() -> dict[tuple[int, str], object]:
    """(respondent index, practice id) -> score, 'dk' or None; every score, don't know and blank occur."""
    out = {}
    for r in range(len(RESPONDENTS)):
        for i, practice in enumerate(FW.practice_ids):
            k = (i + 2 * r) % 7
            out[(r, practice)] = k if k <= 4 else ("dk" if k == 5 else None)
    return out


RATINGS = known_ratings()


def expected_scores() -> dict[tuple[int, str], object]:
    return {key: (v if isinstance(v, int) else None) for key, v in RATINGS.items()}


def imported_scores(rows: pd.DataFrame, respondent_ids: list[str]) -> dict[tuple[int, str], object]:
    index = {rid: r for r, rid in enumerate(respondent_ids)}
    return {(index[row.respondent_id], row.practice_id): (None if pd.isna(row.score) else int(row.score))
            for row in rows.itertuples(index=False)}


def write_csv(path, rows: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\r\n", quoting=csv.QUOTE_ALL).writerows(rows)


def statement_to_practice() -> dict[str, str]:
    return dict(zip(FW.practices["statement"], FW.practices["practice_id"]))


# ---------------------------------------------------------------------------------------------- LimeSurvey


def read_lss(path) -> dict:
    """Sections of an .lss as lists of row dicts."""
    root = ET.parse(path).getroot()
    out = {"_root": root}
    for section in root:
        if section.find("rows") is not None:
            out[section.tag] = [{child.tag: (child.text or "") for child in row} for row in section.find("rows")]
    return out


def limesurvey_export(lss, path, answers: str = "codes", ratings=RATINGS) -> list[str]:
    """A LimeSurvey CSV response export (headings 'Question code') of the survey in ``lss``; returns the ids."""
    doc = read_lss(lss)
    to_practice = statement_to_practice()
    questions = {q["qid"]: q for q in doc["questions"]}
    answer_code = {(a["qid"], a["answer"]): a["code"] for a in doc["answers"]}
    columns = []  # (column name, practice id or field, qid holding the answers)
    for q in sorted(doc["questions"], key=lambda q: int(q["qid"])):
        if q["type"] == "L" and q["question"] in to_practice:
            columns.append((q["title"], to_practice[q["question"]], q["qid"]))
        elif q["type"] == "L":
            columns.append((q["title"], "organisation_type", q["qid"]))
        elif q["type"] == "S":
            columns.append((q["title"], "organisation", q["qid"]))
    for sq in doc["subquestions"]:
        parent = questions[sq["parent_qid"]]
        columns.append((f"{parent['title']}[{sq['title']}]", to_practice[sq["question"]], parent["qid"]))
    header = ["id", "submitdate", "lastpage", "startlanguage", "seed"] + [c for c, _, _ in columns]
    rows, ids = [header], []
    for r, (org_type, organisation) in enumerate(RESPONDENTS):
        rid = str(r + 1)
        ids.append(rid)
        row = [rid, "2024-05-01 10:00:00", "4", "en", "12345"]
        for _, target, qid in columns:
            if target == "organisation":
                row.append(organisation)
            elif target == "organisation_type":
                text = org_type.capitalize()
                row.append(answer_code[(qid, text)] if answers == "codes" else text)
            else:
                value = ratings[(r, target)]
                text = None if value is None else (FW.dont_know if value == "dk" else FW.level_names[value])
                row.append("" if text is None else (answer_code[(qid, text)] if answers == "codes" else text))
        rows.append(row)
    write_csv(path, rows)
    return ids


@pytest.mark.parametrize("style", ["list", "array"])
@pytest.mark.parametrize("answers", ["codes", "full"])
def test_limesurvey_round_trip(small_library, tmp_path, style, answers):
    lss, codebook = export_instrument(FW, "limesurvey", tmp_path / "survey.lss", style=style)
    ids = limesurvey_export(lss, tmp_path / "results-survey.csv", answers)
    rows = import_survey(tmp_path / "results-survey.csv", codebook, "alpha", 2, small_library)
    assert imported_scores(rows, ids) == expected_scores()
    assert len(rows) == len(RESPONDENTS) * len(FW.practice_ids)
    people = rows.drop_duplicates("respondent_id").set_index("respondent_id")
    assert people.loc["2", "organisation_type"] == "contractor" and people.loc["3", "organisation"] == "Designer LLP"
    lib = ar.load_library(small_library)  # the library still loads, with the new wave
    assert (lib.responses["wave"] == 2).sum() == len(rows)
    if style == "array":
        assert any(re.fullmatch(r"\w+\[\w+\]", column) for column in pd.read_csv(codebook)["column"])


def test_lss_structure(tmp_path):
    """What LimeSurvey's XMLImportSurvey reads: the document type, DB version, languages, and each table as
    fields and rows; codes within LimeSurvey's rules (question codes: a letter then letters or digits, at most
    20; answer codes: letters or digits, at most 5); every reference resolves."""
    for style in ("list", "array"):
        lss, _ = export_instrument(FW, "limesurvey", tmp_path / f"{style}.lss", style=style)
        doc = read_lss(lss)
        root = doc["_root"]
        assert root.tag == "document" and root.findtext("LimeSurveyDocType") == "Survey"
        assert int(root.findtext("DBVersion")) > 0
        assert [e.text for e in root.find("languages")] == ["en"]
        for name in ("answers", "groups", "questions", "subquestions", "question_attributes", "surveys",
                     "surveys_languagesettings"):
            section = root.find(name)
            assert section is not None, name
            fields = [f.text for f in section.find("fields")]
            for row in section.find("rows"):
                assert {child.tag for child in row} <= set(fields), name
        assert b"<![CDATA[" in lss.read_bytes()
        gids = {g["gid"] for g in doc["groups"]}
        assert len(gids) == len(FW.areas) + 1
        titles = [q["title"] for q in doc["questions"]]
        assert len(set(t.casefold() for t in titles)) == len(titles)
        assert all(re.fullmatch(r"[A-Za-z][A-Za-z0-9]{0,19}", t) for t in titles)
        qids = {q["qid"]: q for q in doc["questions"]}
        assert all(q["gid"] in gids and q["parent_qid"] == "0" for q in doc["questions"])
        for sq in doc["subquestions"]:
            assert qids[sq["parent_qid"]]["type"] == "F" and re.fullmatch(r"[A-Za-z0-9]{1,20}", sq["title"])
        by_question: dict[str, list[str]] = {}
        for a in doc["answers"]:
            assert a["qid"] in qids and re.fullmatch(r"[A-Za-z0-9]{1,5}", a["code"])
            by_question.setdefault(a["qid"], []).append(a["code"])
        assert all(len(set(codes)) == len(codes) for codes in by_question.values())
        rated = [q for q in doc["questions"] if q["type"] in ("L", "F") and q["title"] != "OrgType"]
        for q in rated:  # level names in order, then don't know
            names = [a["answer"] for a in doc["answers"] if a["qid"] == q["qid"]]
            assert names == LEVELS + [FW.dont_know]
        assert doc["surveys"][0]["sid"] == doc["surveys_languagesettings"][0]["surveyls_survey_id"]
        assert doc["surveys_languagesettings"][0]["surveyls_title"] == FW.title
        n_rating = len(FW.practice_ids)
        if style == "list":
            assert len(rated) == n_rating and not doc["subquestions"]
            # each practice's descriptors are its help text
            help_of = {q["title"]: q["help"] for q in rated}
            first = FW.descriptors[FW.descriptors["practice_id"] == FW.practice_ids[0]]
            assert all(d.replace("'", "&#x27;") in next(iter(help_of.values())) for d in first["descriptor"])
        else:
            assert len(rated) == len(FW.areas) and len(doc["subquestions"]) == n_rating


# ----------------------------------------------------------------------------------------------- Qualtrics


def qualtrics_export(qsf, path, answers: str = "recode", ratings=RATINGS, rename: dict | None = None) -> list[str]:
    """A Qualtrics CSV export of the survey in ``qsf``: three header rows, then one row per response."""
    survey = json.loads(qsf.read_text(encoding="utf-8"))
    to_practice = statement_to_practice()
    columns = []  # (column id, question text, ImportId, target, {choice text: recode})
    for element in survey["SurveyElements"]:
        if element["Element"] != "SQ":
            continue
        q = element["Payload"]
        if q["QuestionType"] == "TE":
            columns.append((q["DataExportTag"], q["QuestionText"], f"{q['QuestionID']}_TEXT", "organisation", {}))
        elif q["QuestionType"] == "MC":
            recode = {q["Choices"][c]["Display"]: q["RecodeValues"][c] for c in q["ChoiceOrder"]}
            statement = re.sub(r"<[^>]+>", "", q["QuestionText"].split("</p>")[0])
            target = to_practice.get(statement.replace("&#x27;", "'"), "organisation_type")
            columns.append((q["DataExportTag"], statement, q["QuestionID"], target, recode))
        else:
            recode = {q["Answers"][a]["Display"]: q["RecodeValues"][a] for a in q["AnswerOrder"]}
            for c in q["ChoiceOrder"]:
                statement = q["Choices"][c]["Display"]
                columns.append((f"{q['DataExportTag']}_{q['ChoiceDataExportTags'][c]}",
                                f"{q['QuestionDescription']} - {statement}", f"{q['QuestionID']}_{c}",
                                to_practice[statement], recode))
    rename = rename or {}
    meta = [("StartDate", "Start Date", '{"ImportId":"startDate","timeZone":"Europe/London"}'),
            ("Status", "Response Type", '{"ImportId":"status"}'),
            ("ResponseId", "Response ID", '{"ImportId":"_recordId"}')]
    rows = [[m[0] for m in meta] + [rename.get(c[0], c[0]) for c in columns],
            # a question text with a line break and a comma, as long statements have: lines must still count
            [m[1] for m in meta] + [f"{c[1]}\n(please answer, if you can)" if i == 0 else c[1]
                                    for i, c in enumerate(columns)],
            [m[2] for m in meta] + [json.dumps({"ImportId": c[2]}) for c in columns]]
    ids = []
    for r, (org_type, organisation) in enumerate(RESPONDENTS):
        rid = f"R_{r + 1}abcDEF"
        ids.append(rid)
        row = ["2024-05-01 10:00:00", "0", rid]
        for _, _, _, target, recode in columns:
            if target == "organisation":
                row.append(organisation)
                continue
            if target == "organisation_type":
                text = org_type.capitalize()
            else:
                value = ratings[(r, target)]
                text = None if value is None else (FW.dont_know if value == "dk" else FW.level_names[value])
            row.append("" if text is None else (recode[text] if answers == "recode" else text))
        rows.append(row)
    write_csv(path, rows)
    return ids


@pytest.mark.parametrize("style", ["list", "array"])
@pytest.mark.parametrize("answers", ["recode", "text"])
def test_qualtrics_round_trip(small_library, tmp_path, style, answers):
    qsf, codebook = export_instrument(FW, "qualtrics", tmp_path / "survey.qsf", style=style)
    ids = qualtrics_export(qsf, tmp_path / "export.csv", answers)
    rows = import_survey(tmp_path / "export.csv", codebook, "beta", 3, small_library)
    assert imported_scores(rows, ids) == expected_scores()
    people = rows.drop_duplicates("respondent_id").set_index("respondent_id")
    assert people.loc["R_1abcDEF", "organisation_type"] == "client"
    assert people.loc["R_2abcDEF", "organisation"] == "Builder Ltd"


def test_qualtrics_column_found_by_import_id_after_a_renamed_export_tag(small_library, tmp_path):
    qsf, codebook = export_instrument(FW, "qualtrics", tmp_path / "survey.qsf")
    first = pd.read_csv(codebook, keep_default_na=False)
    renamed = first.loc[first["practice_id"] == FW.practice_ids[0], "column"].iloc[0]
    ids = qualtrics_export(qsf, tmp_path / "export.csv", rename={renamed: "Q7"})
    rows = import_survey(tmp_path / "export.csv", codebook, "beta", 3, small_library, dry_run=True)
    assert imported_scores(rows, ids) == expected_scores()


def test_qsf_structure(tmp_path):
    """The keys Qualtrics reads in a .qsf: SurveyEntry, and SurveyElements with blocks (BL), flow (FL), options
    (SO), question count (QC) and one SQ per question, each with its type, selector, choices and recodes."""
    for style in ("list", "array"):
        qsf, _ = export_instrument(FW, "qualtrics", tmp_path / f"{style}.qsf", style=style)
        survey = json.loads(qsf.read_text(encoding="utf-8"))
        assert set(survey) == {"SurveyEntry", "SurveyElements"}
        entry = survey["SurveyEntry"]
        for key in ("SurveyID", "SurveyName", "SurveyLanguage", "SurveyStatus", "SurveyActiveResponseSet"):
            assert entry[key], key
        elements = survey["SurveyElements"]
        for element in elements:
            assert set(element) >= {"SurveyID", "Element", "PrimaryAttribute", "SecondaryAttribute",
                                    "TertiaryAttribute", "Payload"}
            assert element["SurveyID"] == entry["SurveyID"]
        kinds = [e["Element"] for e in elements]
        assert {"BL", "FL", "SO", "QC", "RS"} <= set(kinds)
        questions = {e["PrimaryAttribute"]: e["Payload"] for e in elements if e["Element"] == "SQ"}
        blocks = next(e for e in elements if e["Element"] == "BL")["Payload"]
        in_blocks = [b["QuestionID"] for block in blocks for b in block.get("BlockElements", [])]
        assert sorted(in_blocks) == sorted(questions) and len(set(in_blocks)) == len(in_blocks)
        flow = next(e for e in elements if e["Element"] == "FL")["Payload"]
        assert flow["Type"] == "Root" and {f["ID"] for f in flow["Flow"]} == {b["ID"] for b in blocks
                                                                                 if b["Type"] != "Trash"}
        assert next(e for e in elements if e["Element"] == "QC")["SecondaryAttribute"] == str(len(questions))
        tags = []
        for qid, q in questions.items():
            assert q["QuestionID"] == qid and q["QuestionText"] and q["QuestionType"] in ("MC", "Matrix", "TE")
            assert q["Selector"] in {"MC": ["SAVR"], "Matrix": ["Likert"], "TE": ["SL"]}[q["QuestionType"]]
            tags.append(q["DataExportTag"])
            if q["QuestionType"] == "MC":
                assert [str(c) for c in q["ChoiceOrder"]] == list(q["Choices"]) == list(q["RecodeValues"])
            if q["QuestionType"] == "Matrix":
                assert q["SubSelector"] == "SingleAnswer"
                assert [q["Answers"][a]["Display"] for a in q["AnswerOrder"]] == LEVELS + [FW.dont_know]
                assert set(q["ChoiceDataExportTags"]) == set(q["Choices"]) == set(q["ChoiceOrder"])
                assert list(q["RecodeValues"]) == q["AnswerOrder"]
        assert len(set(tags)) == len(tags)
        assert sum(q["QuestionType"] == "Matrix" for q in questions.values()) == (len(FW.areas) if style == "array"
                                                                                   else 0)


# -------------------------------------------------------------------------------- Word / Microsoft Forms, CSV


def test_docx_opens_and_reads_as_numbered_questions_with_their_options(small_library, tmp_path):
    import docx

    path, codebook = export_instrument(FW, "docx", tmp_path / "questionnaire.docx")
    document = docx.Document(str(path))
    paragraphs = [p.text for p in document.paragraphs if p.text.strip()]
    numbered = [(i, t) for i, t in enumerate(paragraphs) if re.match(r"^\d+\. ", t)]
    assert [int(t.split(".")[0]) for _, t in numbered] == list(range(1, len(FW.practice_ids) + 3))
    statements = [t.split(". ", 1)[1] for _, t in numbered[2:]]
    assert statements == FW.practices["statement"].tolist()
    i = numbered[2][0]  # the first practice: its options follow it, lettered
    assert paragraphs[i + 1:i + 2 + len(LEVELS)] == [f"{chr(65 + k)}. {name}"
                                                      for k, name in enumerate(LEVELS + [FW.dont_know])]
    assert len(document.tables) == len(FW.practice_ids) + 1  # the scale, then each practice's descriptors
    first = FW.descriptors[FW.descriptors["practice_id"] == FW.practice_ids[0]]
    assert [row.cells[1].text for row in document.tables[1].rows] == first["descriptor"].tolist()
    # A Forms export of it: ID, times, then one column per question named by its text; answers are option texts.
    book = pd.read_csv(codebook, keep_default_na=False)
    column_of = dict(zip(book["practice_id"], book["column"]))
    data = {"ID": [], "Start time": [], column_of["organisation_type"]: [], column_of["organisation"]: []}
    for p in FW.practice_ids:
        data[column_of[p]] = []
    for r, (org_type, organisation) in enumerate(RESPONDENTS):
        data["ID"].append(str(r + 1))
        data["Start time"].append("5/1/24 10:00:00")
        data[column_of["organisation_type"]].append(org_type.capitalize())
        data[column_of["organisation"]].append(organisation)
        for p in FW.practice_ids:
            v = RATINGS[(r, p)]
            data[column_of[p]].append("" if v is None else (FW.dont_know if v == "dk" else FW.level_names[v]))
    pd.DataFrame(data).to_excel(tmp_path / "forms.xlsx", index=False)
    rows = import_survey(tmp_path / "forms.xlsx", codebook, "alpha", 2, small_library, dry_run=True)
    assert imported_scores(rows, ["1", "2", "3"]) == expected_scores()


def test_docx_converts_to_pdf_with_libreoffice(tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: the PDF conversion of the questionnaire is not checked")
    path, _ = export_instrument(FW, "docx", tmp_path / "questionnaire.docx")
    result = subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
                             "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                            capture_output=True, text=True, timeout=180)
    pdf = tmp_path / "questionnaire.pdf"
    assert pdf.is_file(), result.stderr
    assert pdf.read_bytes().startswith(b"%PDF")


def test_csv_items_and_round_trip(small_library, tmp_path):
    path, codebook = export_instrument(FW, "csv", tmp_path / "items.csv")
    items = pd.read_csv(path, keep_default_na=False)
    assert items["practice_id"].tolist() == FW.practice_ids
    assert items["statement"].tolist() == FW.practices["statement"].tolist()
    assert set(items["dont_know"]) == {FW.dont_know}
    first = FW.descriptors[FW.descriptors["practice_id"] == FW.practice_ids[0]]
    assert [items.loc[0, f"descriptor_{s}"] for s in first["score"]] == first["descriptor"].tolist()
    assert [items.loc[0, f"level_{s}"] for s in first["score"]] == LEVELS
    # Another tool's export, one column per item code: answers as scores, level names, don't know or blank.
    book = pd.read_csv(codebook, keep_default_na=False)
    header = book["column"].tolist()
    rows = [header]
    for r, (org_type, organisation) in enumerate(RESPONDENTS):
        row = [f"p{r + 1}", org_type, organisation]
        for p in FW.practice_ids:
            v = RATINGS[(r, p)]
            row.append("" if v is None else (FW.dont_know if v == "dk" else (str(v) if r % 2 else LEVELS[v])))
        rows.append(row)
    write_csv(tmp_path / "tool.csv", rows)
    imported = import_survey(tmp_path / "tool.csv", codebook, "alpha", 2, small_library)
    assert imported_scores(imported, ["p1", "p2", "p3"]) == expected_scores()


# -------------------------------------------------------------------------------------------------- bad input


def test_limesurvey_unknown_and_out_of_range_codes_name_file_line_column_value(small_library, tmp_path):
    lss, codebook = export_instrument(FW, "limesurvey", tmp_path / "survey.lss")
    export = tmp_path / "results.csv"
    limesurvey_export(lss, export, "codes")
    text = export.read_text(encoding="utf-8").splitlines()
    header = next(csv.reader([text[0]]))
    cells = [next(csv.reader([line])) for line in text[1:]]
    second, third = header.index(header[7]), header.index(header[8])
    cells[0][second] = "A7"   # line 2: an answer code past the scale
    cells[2][third] = "XX"    # line 4: a code the survey never had
    cells[1][header.index("OrgType")] = "VENDO"
    write_csv(export, [header] + cells)
    before = (small_library / "data" / "responses.csv").read_bytes()
    with pytest.raises(LibraryError) as info:
        import_survey(export, codebook, "alpha", 2, small_library)
    found = {(p.file, p.line, p.column, p.value) for p in info.value.problems}
    assert found == {(export.as_posix(), 2, header[7], "A7"), (export.as_posix(), 4, header[8], "XX"),
                     (export.as_posix(), 3, "OrgType", "VENDO")}
    answer_problem = next(p for p in info.value.problems if p.value == "A7")
    assert "A0" in answer_problem.expected and "'Established'" in answer_problem.expected
    assert (small_library / "data" / "responses.csv").read_bytes() == before


def test_qualtrics_bad_recode_is_reported_on_the_line_the_user_sees(small_library, tmp_path):
    qsf, codebook = export_instrument(FW, "qualtrics", tmp_path / "survey.qsf")
    export = tmp_path / "export.csv"
    qualtrics_export(qsf, export)
    rows = list(csv.reader(io.StringIO(export.read_text(encoding="utf-8"), newline="")))
    column = rows[0][5]  # the first practice (after StartDate, Status, ResponseId, OrgType, Organisation)
    assert pd.read_csv(codebook).set_index("column").loc[column, "practice_id"] == FW.practice_ids[0]
    rows[4][5] = "9"  # the second response: a recode value the survey does not have
    write_csv(export, rows)
    # the question-text row holds a line break, so the second response is on line 6 of the file
    line = next(n for n, text in enumerate(export.read_text(encoding="utf-8").splitlines(), start=1)
                if text.startswith('"2024-05-01 10:00:00","0","R_2abcDEF"'))
    assert line == 6
    with pytest.raises(LibraryError) as info:
        import_survey(export, codebook, "alpha", 2, small_library)
    [problem] = info.value.problems
    assert (problem.file, problem.line, problem.column, problem.value) == (export.as_posix(), 6, column, "9")
    assert "-99" in problem.expected


def test_codebook_codes_are_validated(small_library, tmp_path):
    codebook = tmp_path / "codebook.csv"
    practice = FW.practice_ids[0]
    codebook.write_text("column,practice_id,codes\nid,respondent_id,X=1\nOrgType,organisation_type,CL=client; VE=vendor\n"
                        f"Organisation,organisation,\nQ1,{practice},A0=0; A9=Excellent; A0=1; junk\n",
                        encoding="utf-8")
    (tmp_path / "export.csv").write_text("id,OrgType,Organisation,Q1\n1,CL,Client plc,A0\n", encoding="utf-8")
    with pytest.raises(LibraryError) as info:
        import_survey(tmp_path / "export.csv", codebook, "alpha", 2, small_library)
    found = {(p.line, p.column, p.value) for p in info.value.problems}
    assert found == {(2, "codes", "X=1"), (3, "codes", "VE=vendor"), (5, "codes", "A9=Excellent"),
                     (5, "codes", "A0"), (5, "codes", "junk")}
    assert {p.file for p in info.value.problems} == {codebook.as_posix()}


def test_qualtrics_codebook_column_missing_from_the_export(small_library, tmp_path):
    qsf, codebook = export_instrument(FW, "qualtrics", tmp_path / "survey.qsf")
    qualtrics_export(qsf, tmp_path / "export.csv")
    book = pd.read_csv(codebook, keep_default_na=False, dtype=str)
    book.loc[book["column"] == "OrgType", ["column", "import_id"]] = ["OrgTyp", "QID99"]  # found by neither
    book.to_csv(codebook, index=False)
    with pytest.raises(LibraryError) as info:
        import_survey(tmp_path / "export.csv", codebook, "alpha", 2, small_library)
    [problem] = info.value.problems
    assert (problem.file, problem.column, problem.value) == (codebook.as_posix(), "column", "OrgTyp")
    assert "ImportId" in problem.expected


# ------------------------------------------------------------------------------------ codes, files, command


def test_codes_follow_limesurvey_rules_and_are_deterministic():
    taken: set[str] = set()
    assert make_code("collaborative-dynamics", taken) == "CollaborativDynamics"
    assert make_code("collaborative-dynamics", taken) == "CollaborativDynamic2"  # a clash gets a number
    assert make_code("2nd-review", taken) == "P2ndReview"  # never starts with a digit
    long = make_code("a-very-long-practice-identifier-with-many-parts", taken)
    assert len(long) <= 20 and re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", long)
    assert make_code("orgtype", {"OrgType"}) == "Orgtype2"  # LimeSurvey compares codes regardless of case


def test_a_rubric_from_another_file_exports_its_own_practices(small_fw, tmp_path):
    """Nothing is named in code: the small test rubric's ids and statements are what comes out."""
    lss, codebook = export_instrument(small_fw, "limesurvey", tmp_path / "small.lss")
    assert set(pd.read_csv(codebook)["practice_id"]) == {"respondent_id", "organisation", "organisation_type",
                                                         "p-one", "p-two", "p-three", "p-four"}
    text = lss.read_text(encoding="utf-8")
    assert all(s in text for s in small_fw.practices["statement"]) and "Area area-b" in text


def test_exports_are_byte_identical_across_runs(tmp_path):
    for fmt, ext in FORMATS.items():
        first = export_instrument(FW, fmt, tmp_path / "a" / f"i{ext}")
        second = export_instrument(FW, fmt, tmp_path / "b" / f"i{ext}")
        for one, two in zip(first, second):
            assert one.read_bytes() == two.read_bytes(), fmt
    assert zipfile.is_zipfile(tmp_path / "a" / "i.docx")


def test_cli_exports_and_refuses_a_wrong_extension(tmp_path, capsys):
    out = tmp_path / "survey.lss"
    assert main(["instrument", "export", "--format", "limesurvey", "--out", str(out), "--style", "array"]) == 0
    assert out.is_file() and codebook_path(out).is_file()
    assert str(codebook_path(out)) in capsys.readouterr().out
    wrong = tmp_path / "other.qsf"
    assert main(["instrument", "export", "--format", "limesurvey", "--out", str(wrong)]) == 2
    assert "nothing was written" in capsys.readouterr().err
    assert not wrong.exists() and not codebook_path(wrong).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["survey-codebook.csv", "survey.lss"]  # no temporary files
