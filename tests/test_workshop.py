"""The workshop kit: the workbook template, reading filled workbooks, scoring a room and its page, the CLI.

The round trip fills the template with plain openpyxl, as a participant's spreadsheet program would, not with
the package's own helper, so that the reading side is tested against the file format rather than against itself.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import matplotlib.image
import openpyxl
import pandas as pd
import pytest
from markupsafe import escape

import alliance_research as ar
from alliance_research import workshop
from alliance_research.workshop import room as room_mod
from alliance_research.workshop import workbook as workbook_mod
from alliance_research.analysis import analyse
from alliance_research.cli import main
from alliance_research.library import ORGANISATION_TYPES

FW = ar.load_framework()
RATING = workshop.RATING_SHEET


@pytest.fixture(scope="module")
def analysis():
    """The example library's analysis, with few replicates (the room's numbers, not the library's, are tested)."""
    return analyse(ar.load_library(), n_boot=100, cluster_boot=10)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return workshop.write_template(tmp_path_factory.mktemp("template") / "template.xlsx")


def _row_of(ws) -> dict[str, int]:
    return {ws[f"A{r}"].value: r for r in range(workbook_mod.FIRST_ROW, ws.max_row + 1) if ws[f"A{r}"].value}


def fill(template: Path, path: Path, answers: dict, *, alliance="Riverside Alliance", org_type="client",
         organisation=None, participant=None, evidence=None) -> Path:
    """Fill a copy of the template with openpyxl, as a participant would; ``answers`` by practice id."""
    wb = openpyxl.load_workbook(template)
    ws = wb[RATING]
    ws["C3"], ws["C4"], ws["C5"], ws["C6"] = alliance, org_type, organisation, participant
    rows = _row_of(ws)
    for practice_id, answer in answers.items():
        ws[f"D{rows[practice_id]}"] = answer
    for practice_id, text in (evidence or {}).items():
        ws[f"E{rows[practice_id]}"] = text
    wb.save(path)
    return path


def _level(score: int) -> str:
    return FW.level_names[score]


# the room of the round trip: the first practice splits client (0) from partners (4); the last practice is rated
# lowest by everyone; the rest sit at Developing or Established
SPLIT, LOWEST = FW.practice_ids[0], FW.practice_ids[-1]


def _answers(org_type: str, i: int) -> dict:
    answers = {p: _level(2 + (i + j) % 2) for j, p in enumerate(FW.practice_ids)}
    answers[SPLIT] = _level(0) if org_type == "client" else _level(4)
    answers[LOWEST] = _level(0)
    return answers


@pytest.fixture(scope="module")
def room(template, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("room")
    people = [("client", "Riverside Water"), ("client", "Riverside Water"), ("client", "Riverside Water"),
              ("contractor", "Builder Ltd"), ("contractor", "Builder Ltd"), ("designer", "Design LLP"),
              ("supplier", "Pipes plc")]
    for i, (org_type, organisation) in enumerate(people):
        answers = _answers(org_type, i)
        if i == 0:
            answers[FW.practice_ids[1]] = FW.dont_know
            answers[FW.practice_ids[2]] = None  # left blank
            answers[FW.practice_ids[3]] = "3 - " + _level(3)  # typed rather than picked
        fill(template, folder / f"table-{i + 1}.xlsx", answers, org_type=org_type, organisation=organisation,
             evidence={SPLIT: "Monthly partner forum minutes"} if i == 3 else None)
    (folder / "~$table-1.xlsx").write_bytes(b"an Office lock file")  # left by an open workbook: skipped
    return folder


# ---------------------------------------------------------------------------------------------------------------
# the template


def test_the_template_has_a_row_per_practice_with_every_level_descriptor(template):
    wb = openpyxl.load_workbook(template)
    assert wb.sheetnames == [workshop.INSTRUCTIONS_SHEET, RATING, workshop.LISTS_SHEET]
    ws = wb[RATING]
    assert list(_row_of(ws)) == FW.practice_ids
    headers = [ws.cell(workbook_mod.HEADER_ROW, c).value for c in range(1, 6 + len(FW.level_names))]
    assert headers[1:5] == ["Area", "Practice", "Your rating", "Evidence (what shows it)"]
    assert headers[5:] == [f"{s} {n}" for s, n in FW.level_names.items()]
    descriptors = FW.descriptors.set_index(["practice_id", "score"])["descriptor"]
    for p in FW.practices.itertuples():
        row = workbook_mod.FIRST_ROW + p.order
        assert (ws[f"B{row}"].value, ws[f"C{row}"].value) == (p.area, p.statement)
        assert [ws.cell(row, 6 + s).value for s in FW.level_names] == [descriptors[(p.practice_id, s)]
                                                                     for s in FW.level_names]
    assert ws.column_dimensions["A"].hidden
    scale = [c.value for c in wb[workshop.INSTRUCTIONS_SHEET]["B"] if c.value]
    expected = [f"{s} {n}" for s, n in FW.level_names.items()] + [FW.dont_know]
    assert scale[-len(expected):] == expected  # the scale closes the instructions


def test_the_template_is_protected_with_drop_downs_and_editable_answers(template):
    wb = openpyxl.load_workbook(template)
    ws, lists = wb[RATING], wb[workshop.LISTS_SHEET]
    assert ws.protection.sheet and wb[workshop.INSTRUCTIONS_SHEET].protection.sheet and lists.protection.sheet
    assert wb.security.lockStructure
    assert lists.sheet_state == "hidden"
    last = workbook_mod.FIRST_ROW + len(FW.practice_ids) - 1
    validations = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    levels = validations[f"D{workbook_mod.FIRST_ROW}:D{last}"]
    assert levels.type == "list" and levels.showErrorMessage and levels.allow_blank
    name = levels.formula1.lstrip("=")
    (sheet, cells), = wb.defined_names[name].destinations
    assert [c.value for row in wb[sheet][cells.replace("$", "")] for c in row] == \
        list(FW.level_names.values()) + [FW.dont_know]
    org = validations["C4"]
    (sheet, cells), = wb.defined_names[org.formula1.lstrip("=")].destinations
    assert [c.value for row in wb[sheet][cells.replace("$", "")] for c in row] == list(ORGANISATION_TYPES)
    for row in range(workbook_mod.FIRST_ROW, last + 1):
        assert not ws[f"D{row}"].protection.locked and not ws[f"E{row}"].protection.locked
        assert ws[f"A{row}"].protection.locked and ws[f"C{row}"].protection.locked and ws[f"F{row}"].protection.locked
    assert all(not ws[ref].protection.locked for ref in workshop.FIELD_CELLS.values())
    assert ws["B3"].protection.locked and ws["C1"].protection.locked


def test_the_template_comes_from_the_rubric(tmp_path, small_fw):
    """Another rubric gives another workbook: rows, statements and level names all come from the YAML file."""
    path = workshop.write_template(tmp_path / "small.xlsx", small_fw)
    ws = openpyxl.load_workbook(path)[RATING]
    assert list(_row_of(ws)) == ["p-one", "p-two", "p-three", "p-four"]
    assert ws[f"C{workbook_mod.FIRST_ROW}"].value == "p-one is done."
    assert ws.cell(workbook_mod.HEADER_ROW, 6).value == "0 Level 0"


def test_no_practice_text_in_the_workshop_code():
    package = Path(workshop.__file__).parent
    code = "".join(path.read_text(encoding="utf-8") for path in sorted(package.rglob("*.py")))
    code += (package.parent / "report" / "templates" / "workshop.html.j2").read_text(encoding="utf-8")
    for p in FW.practices.itertuples():
        for text in (p.practice_id, p.label, p.statement):
            assert text not in code, text


# ---------------------------------------------------------------------------------------------------------------
# the round trip


def test_filled_workbooks_read_back_as_long_ratings(room):
    responses = workshop.read_workbooks(room)
    assert list(responses.columns[:8]) == ["alliance_id", "wave", "respondent_id", "organisation",
                                           "organisation_type", "practice_id", "score", "comment"]
    assert len(responses) == 7 * len(FW.practice_ids)  # the lock file was skipped
    assert set(responses["alliance_id"]) == {"riverside-alliance"}
    assert set(responses["alliance"]) == {"Riverside Alliance"}
    assert sorted(responses["respondent_id"].unique()) == [f"table-{i}" for i in range(1, 8)]
    first = responses[responses["respondent_id"].eq("table-1")].set_index("practice_id")
    assert first.loc[SPLIT, "score"] == 0 and first.loc[LOWEST, "score"] == 0
    assert pd.isna(first.loc[FW.practice_ids[1], "score"]) and pd.isna(first.loc[FW.practice_ids[2], "score"])
    assert first.loc[FW.practice_ids[3], "score"] == 3
    assert first["organisation"].iloc[0] == "Riverside Water"
    fourth = responses[responses["respondent_id"].eq("table-4")].set_index("practice_id")
    assert fourth.loc[SPLIT, "comment"] == "Monthly partner forum minutes"
    assert not responses["simulated"].any()


def test_a_room_is_scored_and_its_page_written(room, analysis, tmp_path):
    out = tmp_path / "page"
    result, written = workshop.build_room(room, out, analysis=analysis, n_boot=200)
    assert {p.relative_to(out).as_posix() for p in written} == {"room.html", "figures/room-profile.png",
                                                                "figures/room-gaps.png"}
    for name in ("room-profile.png", "room-gaps.png"):
        image = matplotlib.image.imread(out / "figures" / name)
        assert image.shape[0] > 300 and image.shape[1] > 300
    assert result.n_participants == 7
    assert result.participants.set_index("organisation_type")["n"].to_dict() == {
        "client": 3, "contractor": 2, "designer": 1, "supplier": 1}

    # the nearest cluster and case studies are the nearest by root mean square distance
    own = result.profile.set_index("practice_id")["score"]
    centres = analysis.clusters.centres
    rms = ((centres[FW.practice_ids] - own) ** 2).mean(axis=1) ** 0.5
    assert result.nearest_cluster == rms.idxmin()
    library = analysis.latest.profiles().droplevel("wave")
    distances = (((library[FW.practice_ids] - own) ** 2).mean(axis=1) ** 0.5).sort_values()
    nearest = result.cases[result.cases["why"].eq("nearest")]
    assert nearest["alliance_id"].tolist() == distances.index[:3].tolist()
    assert nearest["distance"].round(6).tolist() == distances.iloc[:3].round(6).tolist()

    # the planted gap and the planted low score make the prompts, in that order; their words are the rubric's
    labels = dict(zip(FW.practices["practice_id"], FW.practices["label"]))
    assert len(result.prompts) == 3
    assert [p["kind"] for p in result.prompts][:2] == ["gap", "low"]
    assert result.prompts[0]["practice_id"] == SPLIT and labels[SPLIT] in result.prompts[0]["text"]
    assert "Partner staff rate" in result.prompts[0]["text"]
    assert result.prompts[1]["practice_id"] == LOWEST and labels[LOWEST] in result.prompts[1]["text"]
    next_level = FW.descriptors.set_index(["practice_id", "score"]).loc[(LOWEST, 1), "descriptor"]
    assert next_level in result.prompts[1]["text"]
    split_gap = result.gaps.set_index("id").loc[SPLIT]
    assert (split_gap["client_score"], split_gap["partner_score"], split_gap["gap"]) == (0, 4, 4)
    # table-1 (a client) left practices 1 and 2 unrated: two client answers there, too few to show either side
    assert room_mod.MIN_PER_SIDE == 3
    for practice_id in FW.practice_ids[1:3]:
        row = result.gaps.set_index("id").loc[practice_id]
        assert row["n_client"] == 2 and not row["comparable"]
        assert row[["client_score", "partner_score", "gap", "ci_low", "ci_high"]].isna().all()
    assert result.gaps["comparable"].sum() == len(FW.practice_ids) - 2
    assert any("2 practices not compared" in c and "without identifying anyone" in c for c in result.caveats)
    # the library's median area score, not the mean of its practice medians
    area_median = analysis.latest.profiles("area").droplevel("wave").median()
    assert result.areas.set_index("area_id")["library_median"].round(9).to_dict() == \
        area_median.round(9).to_dict()

    page = (out / "room.html").read_text(encoding="utf-8")
    assert "The room: where we stand" in page
    assert "2 practices not compared: too few on one side to compare without identifying anyone" in page
    assert f"7 participants (3 client, 2 contractor, 1 designer, 1 supplier) rated Riverside Alliance on " \
           f"{len(FW.practices)} practices, each from {FW.min_score} ({FW.level_names[FW.min_score]})" in page
    assert "Fictional case studies" in page and "Simulated participants" not in page
    assert analysis.clusters.names[result.nearest_cluster] in page
    for prompt in result.prompts:
        assert str(escape(prompt["text"])) in page
    # every image and every case-study link resolves: the links point at the library's dossiers by default
    for src in re.findall(r'<img\b[^>]*\bsrc="([^"]+)"', page):
        assert (out / src).is_file(), src
    links = re.findall(r'<a href="([^"#]+)"', page)
    assert len(links) >= 4
    for link in links:
        assert (out / link).resolve().is_file(), link
    names = dict(zip(analysis.library.alliances["alliance_id"], analysis.library.alliances["name"]))
    for alliance_id in result.cases["alliance_id"]:
        assert names[alliance_id] in page


def test_links_can_point_at_a_built_report(room, analysis, tmp_path):
    result, _ = workshop.build_room(room, tmp_path / "page", analysis=analysis, n_boot=50,
                                    link_base="../reports/alliances/")
    page = (tmp_path / "page" / "room.html").read_text(encoding="utf-8")
    for alliance_id in result.cases["alliance_id"]:
        assert f'href="../reports/alliances/{alliance_id}.html"' in page


def test_a_room_without_the_client_has_no_gaps_and_says_so(template, analysis, tmp_path):
    folder = tmp_path / "partners"
    folder.mkdir()
    for i in range(3):
        fill(template, folder / f"p{i}.xlsx", _answers("contractor", i), org_type="contractor", participant=f"P{i}")
    result, written = workshop.build_room(folder, tmp_path / "page", analysis=analysis, n_boot=50)
    assert result.gaps.empty and result.index_gap is None
    assert [p["kind"] for p in result.prompts] == ["low", "low", "low"]
    assert any("No client-versus-partner comparison" in c for c in result.caveats)
    assert any(c.startswith("3 participants: the intervals are wide") for c in result.caveats)
    # three answers per practice: shown, but without intervals (their ends would be the lowest and highest answer)
    assert result.profile["shown"].all() and result.profile["ci_low"].isna().all()
    assert pd.isna(result.maturity["ci_low"])  # three participants behind the index too
    assert any(f"{len(FW.practice_ids)} practices shown without an interval" in c for c in result.caveats)
    assert {p.name for p in written} == {"room.html", "room-profile.png"}
    assert "No comparison: the room needs participants" in (tmp_path / "page" / "room.html").read_text("utf-8")


def test_a_simulated_room_is_reproducible_and_labelled(tmp_path, analysis):
    first = workshop.simulate_room(tmp_path / "a", n_participants=5, random_state=3)
    workshop.simulate_room(tmp_path / "b", n_participants=5, random_state=3)
    a, b = workshop.read_workbooks(tmp_path / "a"), workshop.read_workbooks(tmp_path / "b")
    assert [p.name for p in first] == [f"participant-0{i}.xlsx" for i in range(1, 6)]
    pd.testing.assert_frame_equal(a.drop(columns="file"), b.drop(columns="file"))
    assert a["simulated"].all() and "client" in set(a["organisation_type"])
    result = workshop.score_room(a, analysis, n_boot=50)
    assert result.simulated and "Simulated room" in result.describe()
    assert "Simulated participants" in workshop.render_room(result, tmp_path)


# ---------------------------------------------------------------------------------------------------------------
# broken workbooks


def _broken_room(template: Path, folder: Path) -> Path:
    folder.mkdir()
    good = _answers("contractor", 0)
    wb = openpyxl.load_workbook(fill(template, folder / "renamed.xlsx", good, org_type="contractor"))
    wb[RATING].title = "My ratings"  # the wrong sheet
    wb.save(folder / "renamed.xlsx")
    out_of_range = dict(good)
    out_of_range[FW.practice_ids[4]] = 7
    out_of_range[FW.practice_ids[6]] = "Superb"
    fill(template, folder / "out-of-range.xlsx", out_of_range, org_type="designer")
    fill(template, folder / "no-type.xlsx", good, org_type=None)
    (folder / "notes.xlsx").write_text("not a workbook at all", encoding="utf-8")
    shutil.copy(template, folder / "unfilled.xlsx")
    return folder


def test_broken_workbooks_report_every_problem_with_file_sheet_and_cell(template, tmp_path):
    folder = _broken_room(template, tmp_path / "broken")
    with pytest.raises(ar.LibraryError) as caught:
        workshop.read_workbooks(folder)
    problems = caught.value.problems
    text = {Path(p.file).name: [] for p in problems}
    for p in problems:
        text[Path(p.file).name].append(str(p))
    assert set(text) == {"renamed.xlsx", "out-of-range.xlsx", "no-type.xlsx", "notes.xlsx", "unfilled.xlsx"}
    assert "expected a sheet named 'Rating'" in text["renamed.xlsx"][0] and "My ratings" in text["renamed.xlsx"][0]
    row4, row6 = workbook_mod.FIRST_ROW + 4, workbook_mod.FIRST_ROW + 6
    assert [s.split(": ")[0] for s in text["out-of-range.xlsx"]] == [
        f"{folder.as_posix()}/out-of-range.xlsx, sheet 'Rating', cell D{row4}",
        f"{folder.as_posix()}/out-of-range.xlsx, sheet 'Rating', cell D{row6}"]
    assert "7: expected the rating of" in text["out-of-range.xlsx"][0]
    assert "'Superb': expected the rating of" in text["out-of-range.xlsx"][1]
    assert FW.dont_know in text["out-of-range.xlsx"][0]
    assert text["no-type.xlsx"] == [f"{folder.as_posix()}/no-type.xlsx, sheet 'Rating', cell C4: (missing): expected "
                                    f"your organisation type: one of {', '.join(ORGANISATION_TYPES)}"]
    assert "expected an Excel workbook (.xlsx)" in text["notes.xlsx"][0]
    # every problem at once: the missing fields and the missing ratings
    assert [s.split(": ")[0].rsplit(" ", 1)[1] for s in text["unfilled.xlsx"]] == ["C3", "C4",
                                                                                  f"D{workbook_mod.FIRST_ROW}"]
    frame = caught.value.to_frame()
    assert frame.columns.tolist() == ["file", "sheet", "line", "column", "value", "expected"]


def test_changed_rows_another_framework_and_a_name_used_twice(template, tmp_path, small_fw):
    folder = tmp_path / "changed"
    folder.mkdir()
    path = fill(template, folder / "moved.xlsx", _answers("client", 0))
    wb = openpyxl.load_workbook(path)
    ws = wb[RATING]
    first, second = workbook_mod.FIRST_ROW, workbook_mod.FIRST_ROW + 1
    ws[f"A{first}"], ws[f"A{second}"] = ws[f"A{second}"].value, ws[f"A{first}"].value  # two rows swapped
    wb.save(path)
    other = workshop.write_template(tmp_path / "other.xlsx", small_fw)
    shutil.copy(other, folder / "other.xlsx")
    fill(template, folder / "x1.xlsx", _answers("client", 0), participant="Table 1")
    fill(template, folder / "x2.xlsx", _answers("designer", 0), org_type="designer", participant="Table 1")
    with pytest.raises(ar.LibraryError) as caught:
        workshop.read_workbooks(folder)
    shown = [str(p) for p in caught.value.problems]
    assert any(f"moved.xlsx, sheet 'Rating', cell A{first}" in s and "rows were added, removed or reordered" in s
               for s in shown)
    assert any(f"moved.xlsx, sheet 'Rating', cell A{second}" in s for s in shown)
    assert any("other.xlsx, sheet 'Lists', cell E1: 'test-rubric': expected a workbook made for framework "
               "'sustaining-integration'" in s for s in shown)
    assert any("x2.xlsx, sheet 'Rating', cell C6: 'Table 1': expected a name or table used once" in s for s in shown)
    assert len(shown) == 4


def test_an_empty_list_or_folder_and_a_missing_file(tmp_path):
    with pytest.raises(ar.LibraryError, match="at least one filled workbook"):
        workshop.read_workbooks([])
    (tmp_path / "empty").mkdir()
    with pytest.raises(ar.LibraryError, match="a folder holding filled workbooks"):
        workshop.read_workbooks(tmp_path / "empty")
    with pytest.raises(ar.LibraryError, match="an existing workbook file"):
        workshop.read_workbooks(tmp_path / "missing.xlsx")


# ---------------------------------------------------------------------------------------------------------------
# the command line


def test_cli_template_then_score(tmp_path, capsys):
    template = tmp_path / "kit" / "rate-your-alliance.xlsx"
    assert main(["workshop", "template", "--out", str(template), "--alliance", "Riverside Alliance"]) == 0
    assert f"{len(FW.practices)} practices of '{FW.title}'" in capsys.readouterr().out
    assert openpyxl.load_workbook(template)[RATING]["C3"].value == "Riverside Alliance"  # filled in for them
    for i, org_type in enumerate(["client", "contractor", "designer"]):
        fill(template, tmp_path / f"t{i}.xlsx", _answers(org_type, i), org_type=org_type)
    out = tmp_path / "screen"
    code = main(["workshop", "score", *(str(tmp_path / f"t{i}.xlsx") for i in range(3)), "--out", str(out),
                 "--n-boot", "50", "--link-base", "https://example.org/alliances/"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "3 participants (1 client, 1 contractor, 1 designer)" in printed and "room.html" in printed
    assert (out / "room.html").is_file() and (out / "figures" / "room-profile.png").is_file()
    page = (out / "room.html").read_text(encoding="utf-8")
    assert "https://example.org/alliances/" in page
    # one client: their score would be their own answer (the split practice: 0 against 4), so no side's score
    # is shown anywhere, neither in the summary, the prompts, the table nor a figure
    assert "Partners minus client" not in printed and "Partner staff rate" not in page
    assert "1 client and 2 partner participants are too few on one side to compare without identifying anyone" \
        in page
    assert "The largest gaps" not in page and not (out / "figures" / "room-gaps.png").exists()
    # a second run replaces the page it wrote; two participants need --min-answers 2 to show anything (at the
    # default, nothing: test_a_room_of_two_shows_nothing_unless_min_answers_is_two)
    two = [str(tmp_path / "t0.xlsx"), str(tmp_path / "t1.xlsx")]
    assert main(["workshop", "score", *two, "--out", str(out), "--n-boot", "20", "--min-answers", "2"]) == 0
    assert "2 participants" in capsys.readouterr().out


def test_cli_broken_workbooks_exit_2_and_write_nothing(template, tmp_path, capsys):
    folder = _broken_room(template, tmp_path / "broken")
    out = tmp_path / "screen"
    assert main(["workshop", "score", str(folder), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "problems found; nothing was written" in err and "Traceback" not in err
    assert "out-of-range.xlsx, sheet 'Rating', cell D" in err and "no-type.xlsx, sheet 'Rating', cell C4" in err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken"]  # no temporary folder left either


def test_cli_refuses_a_folder_it_did_not_write_and_a_template_not_xlsx(room, tmp_path, capsys):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.docx").write_text("precious", encoding="utf-8")
    assert main(["workshop", "score", str(room), "--out", str(mine)]) == 2
    assert "refusing to replace" in capsys.readouterr().err
    assert (mine / "thesis.docx").read_text(encoding="utf-8") == "precious"
    assert main(["workshop", "template", "--out", str(tmp_path / "template.csv")]) == 2
    assert "ending in .xlsx" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------------------------
# the live session


def test_the_widget_adds_participants_and_shows_the_room_once(analysis):
    pytest.importorskip("ipywidgets")
    box = workshop.room_widget(analysis, n_boot=20)
    assert set(box.sliders) == set(FW.practice_ids) and box.min_answers == workshop.MIN_ANSWERS

    def add(org_type: str, option: int) -> None:
        for slider in box.sliders.values():
            slider.value = slider.options[option]
        box.organisation_type.value = org_type
        box.add.click()

    add("client", 1)  # 0 Not in place
    add("contractor", -1)  # the top level
    assert box.n_participants == 2 and box.room is None and box.view.value == ""  # nothing shown while adding
    box.show.click()  # two answers per practice: too few to show anything, and more can still be added
    assert box.room is None and box.view.value == "" and not box.add.disabled
    assert "Not shown yet" in box.status.value and "at least 3 answers" in box.status.value
    for _ in range(room_mod.MIN_PER_SIDE - 1):
        add("client", 1)
        add("designer", -1)
    assert all(slider.value == FW.dont_know for slider in box.sliders.values())  # ready for the next participant
    box.show.click()
    assert box.room.n_participants == 2 * room_mod.MIN_PER_SIDE
    assert box.room.index_gap["gap"] == FW.max_score
    assert box.room.prompts[0]["kind"] == "gap"
    assert "Partners minus client, maturity index: +4.0" in box.view.value
    assert box.view.value.count('<img alt="room-') == 2
    # shown once: a second view with one more participant would show that participant's answers by subtraction
    assert box.add.disabled and box.show.disabled
    shown = box.view.value
    add("client", 3)
    box.show.click()
    assert box.n_participants == 2 * room_mod.MIN_PER_SIDE and box.view.value == shown
    box.clear.click()
    assert box.room is None and box.n_participants == 0 and box.view.value == "" and not box.add.disabled
    with pytest.raises(ValueError, match="min_answers must be 2 or more"):
        workshop.room_widget(analysis, min_answers=1)


# ---------------------------------------------------------------------------------------------------------------
# reading: damaged files, the same workbook twice, formulas, versions, typed answers


def _truncate_sheets(source: Path, target: Path) -> Path:
    """A valid zip whose worksheet XML is cut off half way, as an interrupted copy or sync leaves it."""
    import zipfile

    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 2]
            zout.writestr(item, data)
    return target


def test_a_damaged_workbook_is_a_problem_beside_the_others(template, tmp_path):
    folder = tmp_path / "damaged"
    folder.mkdir()
    good = fill(template, tmp_path / "good.xlsx", _answers("client", 0))
    _truncate_sheets(good, folder / "cut.xlsx")
    fill(template, folder / "no-type.xlsx", _answers("contractor", 0), org_type=None)
    with pytest.raises(ar.LibraryError) as caught:
        workshop.read_workbooks(folder)
    shown = {Path(p.file).name: str(p) for p in caught.value.problems}
    assert set(shown) == {"cut.xlsx", "no-type.xlsx"}
    assert "damaged and cannot be read" in shown["cut.xlsx"]


def test_the_same_workbook_twice_is_reported_not_counted_twice(template, tmp_path):
    folder = tmp_path / "twice"
    folder.mkdir()
    one = fill(template, folder / "a.xlsx", _answers("client", 0))
    fill(template, folder / "b.xlsx", _answers("contractor", 1), org_type="contractor")
    assert workshop.read_workbooks([folder])["respondent_id"].nunique() == 2
    with pytest.raises(ar.LibraryError, match="each workbook given once") as caught:
        workshop.read_workbooks([folder, one])  # the folder, and a file in it
    assert len(caught.value.problems) == 1
    with pytest.raises(ar.LibraryError, match="each workbook given once"):
        workshop.read_workbooks([one, folder / ".." / "twice" / "a.xlsx"])
    shutil.copy(one, folder / "a-copy.xlsx")
    with pytest.raises(ar.LibraryError, match="a-copy.xlsx: .*byte-for-byte copy of .*a.xlsx|"
                                             "a.xlsx: .*byte-for-byte copy of .*a-copy.xlsx"):
        workshop.read_workbooks(folder)


def test_a_name_used_twice_is_reported_beside_other_problems(template, tmp_path):
    folder = tmp_path / "names"
    folder.mkdir()
    fill(template, folder / "x1.xlsx", _answers("client", 0), org_type=None, participant="Table 1")
    fill(template, folder / "x2.xlsx", _answers("designer", 0), org_type="designer", participant="Table 1")
    with pytest.raises(ar.LibraryError) as caught:
        workshop.read_workbooks(folder)
    shown = [str(p) for p in caught.value.problems]
    assert any("x1.xlsx, sheet 'Rating', cell C4" in s for s in shown)
    assert any("x2.xlsx, sheet 'Rating', cell C6: 'Table 1': expected a name or table used once" in s
               for s in shown)
    assert len(shown) == 2


def test_typed_answers_read_like_picked_ones_and_xlsx_in_any_case(template, tmp_path):
    folder = tmp_path / "typed"
    folder.mkdir()
    p = FW.practice_ids
    answers = {p[0]: 3, p[1]: "3", p[2]: f"  {FW.level_names[3]}  ", p[3]: FW.dont_know.replace("'", "\u2019"),
               p[4]: f"2 - {FW.level_names[2]}"}
    fill(template, folder / "TABLE-A.XLSX", answers)
    responses = workshop.read_workbooks(folder).set_index("practice_id")["score"]
    assert responses[list(p[:3])].tolist() == [3, 3, 3]
    assert pd.isna(responses[p[3]]) and responses[p[4]] == 2


def test_a_formula_without_a_saved_result_is_a_problem(template, tmp_path):
    path = fill(template, tmp_path / "formula.xlsx", _answers("client", 0))
    wb = openpyxl.load_workbook(path)
    wb[RATING][f"D{workbook_mod.FIRST_ROW}"] = f'="{FW.level_names[3]}"'  # written by a program: no cached value
    wb.save(path)
    with pytest.raises(ar.LibraryError) as caught:
        workshop.read_workbooks(path)
    (problem,), = [caught.value.problems]
    assert (problem.sheet, problem.line, problem.column) == (RATING, workbook_mod.FIRST_ROW, "D")
    assert "not a formula without a saved result" in str(problem)


def test_another_rubric_version_is_read_with_a_caveat(template, analysis, tmp_path):
    folder = tmp_path / "versions"
    folder.mkdir()
    for i, org_type in enumerate(["client", "contractor", "designer"]):
        path = fill(template, folder / f"v{i}.xlsx", _answers(org_type, i), org_type=org_type)
    wb = openpyxl.load_workbook(path)
    wb[workshop.LISTS_SHEET]["E2"] = "0.9"
    wb.save(path)
    responses = workshop.read_workbooks(folder)
    assert sorted(set(responses["framework_version"])) == sorted({"0.9", str(FW.version)})
    result = workshop.score_room(responses, analysis, n_boot=20)
    assert any("version 0.9 of the rubric" in c for c in result.caveats)
    same = workshop.score_room(workshop.read_workbooks([folder / "v0.xlsx", folder / "v1.xlsx"]), analysis,
                               n_boot=20, min_answers=2)
    assert not any("of the rubric" in c for c in same.caveats)


# ---------------------------------------------------------------------------------------------------------------
# scoring: names, distances, the page


def test_the_alliance_name_in_any_case_or_spacing_is_one_alliance(template, analysis, tmp_path):
    folder = tmp_path / "names"
    folder.mkdir()
    for i, name in enumerate(["Riverside Alliance", "  riverside   ALLIANCE ", "Riverside Alliance"]):
        fill(template, folder / f"n{i}.xlsx", _answers("contractor", i), alliance=name, org_type="contractor",
             participant=f"P{i}")
    result = workshop.score_room(workshop.read_workbooks(folder), analysis, n_boot=20)
    assert result.alliances.to_dict("records") == [{"alliance": "Riverside Alliance", "n": 3}]
    assert not any("different alliances" in c for c in result.caveats)
    fill(template, folder / "other.xlsx", _answers("client", 0), alliance="Hillside Alliance")
    result = workshop.score_room(workshop.read_workbooks(folder), analysis, n_boot=20)
    assert any("rated 2 different alliances" in c for c in result.caveats)


def test_distances_use_the_library_as_clustered_and_few_practices_are_flagged(template, tmp_path):
    """An alliance missing a practice is compared as the clustering saw it (the practice's library mean)."""
    from alliance_research.clustering import fill_missing

    root = Path(ar.__file__).resolve().parent.parent
    lib = tmp_path / "lib"
    shutil.copytree(root / "casestudies", lib / "casestudies")
    shutil.copytree(root / "data", lib / "data")
    responses = pd.read_csv(lib / "data" / "responses.csv")
    first = sorted(responses["alliance_id"].unique())[0]
    dropped = FW.practice_ids[0]
    responses = responses[~(responses["alliance_id"].eq(first) & responses["practice_id"].eq(dropped))]
    responses.to_csv(lib / "data" / "responses.csv", index=False)
    analysis = analyse(ar.load_library(lib), n_boot=20, cluster_boot=5)
    library = analysis.latest.profiles().droplevel("wave")
    assert pd.isna(library.loc[first, dropped])

    folder = tmp_path / "room"
    folder.mkdir()
    for i, org_type in enumerate(["client", "contractor", "designer"]):
        fill(template, folder / f"r{i}.xlsx", _answers(org_type, i), org_type=org_type)
    result = workshop.score_room(workshop.read_workbooks(folder), analysis, n_boot=20, n_cases=len(library))
    own = result.profile.set_index("practice_id")["score"]
    filled = fill_missing(library[FW.practice_ids])
    expected = (((filled - own) ** 2).mean(axis=1) ** 0.5)
    distances = result.cases.set_index("alliance_id")["distance"]
    assert distances[first] == pytest.approx(expected[first])
    overlap_only = (((library.loc[first, FW.practice_ids] - own) ** 2).mean()) ** 0.5
    assert distances[first] != pytest.approx(overlap_only)
    assert not any("scored only" in c for c in result.caveats)

    # a room that shows few practices: a caveat under half, an error under the minimum overlap; a practice counts
    # when at least min_answers rated it (here every participant rated 5, and one of them every practice)
    few = {p: (_level(2) if i < 5 else FW.dont_know) for i, p in enumerate(FW.practice_ids)}
    sparse = tmp_path / "sparse"
    sparse.mkdir()
    fill(template, sparse / "s0.xlsx", few, participant="A")
    fill(template, sparse / "s1.xlsx", few, participant="B")
    fill(template, sparse / "s2.xlsx", {p: _level(1) for p in FW.practice_ids}, participant="C")
    result = workshop.score_room(workshop.read_workbooks(sparse), analysis, n_boot=20)
    assert any(f"shows only 5 of {len(FW.practice_ids)} practices" in c for c in result.caveats)
    assert result.profile["shown"].sum() == 5 and result.profile["score"].notna().sum() == 5
    two = {p: (_level(2) if i < 2 else FW.dont_know) for i, p in enumerate(FW.practice_ids)}
    for name in ("s0.xlsx", "s1.xlsx"):
        fill(template, sparse / name, two, participant=name)
    with pytest.raises(ValueError, match="the room scored 2 practices with at least 3 answers"):
        workshop.score_room(workshop.read_workbooks(sparse), analysis, n_boot=20)


def test_the_page_names_the_rubric_scale_and_counts_in_words(room, analysis, tmp_path):
    import dataclasses

    one = workshop.score_room(workshop.read_workbooks([room / f"table-{i}.xlsx" for i in (1, 4, 5, 6)]), analysis,
                              n_boot=20)
    page = workshop.render_room(one, tmp_path)
    assert "4 participants (1 client, 2 contractor, 1 designer)" in page and "1 clients" not in page

    class Shifted:  # the same rubric as if its scale started at 1: the page must take its lowest level from it
        min_score = 1

        def __getattr__(self, name):
            return getattr(FW, name)

    page = workshop.render_room(dataclasses.replace(one, framework=Shifted()), tmp_path)
    assert f"each from 1 ({FW.level_names[1]}) to {FW.max_score}" in page


def test_the_page_is_byte_identical_on_two_runs(room, analysis, tmp_path):
    pages = []
    for name in ("one", "two"):
        workshop.build_room(room, tmp_path / name, analysis=analysis, n_boot=50)
        pages.append((tmp_path / name / "room.html").read_bytes())
    assert pages[0] == pages[1]


def test_write_room_removes_a_figure_the_new_room_does_not_have(room, template, analysis, tmp_path):
    out = tmp_path / "screen"
    out.mkdir()
    (out / "notes.txt").write_text("the facilitator's", encoding="utf-8")
    both = workshop.score_room(workshop.read_workbooks(room), analysis, n_boot=20)
    workshop.write_room(both, out)
    assert (out / "figures" / "room-gaps.png").is_file()
    partners = tmp_path / "partners"
    partners.mkdir()
    for i in range(3):
        fill(template, partners / f"p{i}.xlsx", _answers("contractor", i), org_type="contractor",
             participant=f"P{i}")
    workshop.write_room(workshop.score_room(workshop.read_workbooks(partners), analysis, n_boot=20), out)
    assert not (out / "figures" / "room-gaps.png").exists()
    assert (out / "figures" / "room-profile.png").is_file() and (out / "notes.txt").is_file()


def test_cli_a_library_too_small_or_a_room_too_sparse_exits_2(template, small_library, tmp_path, capsys):
    path = fill(template, tmp_path / "t.xlsx", _answers("client", 0))
    out = tmp_path / "screen"
    assert main(["workshop", "score", str(path), "--library", str(small_library), "--out", str(out),
                 "--n-boot", "10"]) == 2
    err = capsys.readouterr().err
    assert "cannot score the room" in err and "at least 4 alliances" in err and "nothing was written" in err
    assert "Traceback" not in err and not out.exists()
    fill(template, path, {p: FW.dont_know for p in FW.practice_ids[1:]} | {FW.practice_ids[0]: _level(2)})
    assert main(["workshop", "score", str(path), "--out", str(out), "--n-boot", "10"]) == 2
    err = capsys.readouterr().err
    assert "cannot score the room: the room scored 0 practices with at least 3 answers" in err and not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lib", "t.xlsx"]  # no temporary folder left either


# ---------------------------------------------------------------------------------------------------------------
# anonymity: nothing a room shows rests on fewer than min_answers participants' answers
#
# Each test builds two rooms that differ only in an answer that too few people gave to be shown, and checks that
# everything the room shows is the same for both: the page and its PNG files byte for byte, the data drawn in
# the figures, every table and sentence of the RoomResult, and the widget's view. If any of them depended on
# that answer, it could be worked out from them. A control with enough answers shows that the same comparison
# does tell the rooms apart (so each test could fail).

#: A practice in the first area, beside practices that are shown: an area mean over all of them would give it away.
HIDDEN = FW.practice_ids[4]
_EXTRA = ["alliance", "file", "simulated", "framework_version"]


def _ratings(people: list[tuple[str, str]], answers: dict) -> pd.DataFrame:
    """Long ratings as :func:`workshop.read_workbooks` returns them. ``people``: (respondent, organisation type);
    ``answers``: (respondent, practice_id) -> score, or None for don't know."""
    from alliance_research.library import RESPONSE_COLUMNS

    rows = [("riverside-alliance", 1, who, org_type, org_type, practice_id, answers.get((who, practice_id)), None,
             "Riverside Alliance", f"{who}.xlsx", False, str(FW.version))
            for who, org_type in people for practice_id in FW.practice_ids]
    out = pd.DataFrame(rows, columns=RESPONSE_COLUMNS + _EXTRA)
    out["score"] = out["score"].astype("Int64")
    return out


def _varied(people) -> dict:
    """Every participant rates every practice, each differently: (i + 2 j) mod 5 for participant i, practice j."""
    return {(who, p): (i + 2 * j) % 5 for i, (who, _) in enumerate(people) for j, p in enumerate(FW.practice_ids)}


FIVE = [("c1", "client"), ("c2", "client"), ("p1", "contractor"), ("p2", "designer"), ("p3", "supplier")]


def _five(n_raters: int, answer: int) -> pd.DataFrame:
    """Five participants; only the first ``n_raters`` rate HIDDEN (the first gives ``answer``, the others 2)."""
    answers = _varied(FIVE)
    for i, (who, _) in enumerate(FIVE):
        answers[(who, HIDDEN)] = (answer if i == 0 else 2) if i < n_raters else None
    return _ratings(FIVE, answers)


def _drawn(ax) -> list:
    """What a figure shows: every line's, collection's and patch's data, and every text."""
    import numpy as np

    numbers = lambda values: repr(np.round(np.asarray(values, dtype=float), 9).tolist())  # noqa: E731 (NaN-safe)
    out = [("line", line.get_label(), numbers(line.get_xdata()), numbers(line.get_ydata())) for line in ax.get_lines()]
    for c in ax.collections:
        out.append(("collection", [numbers(p.vertices) for p in c.get_paths()], numbers(c.get_offsets())))
    out += [("patch", numbers(patch.get_verts())) for patch in ax.patches]
    texts = [ax.get_title()] + [t.get_text() for t in ax.texts + ax.get_xticklabels() + ax.get_yticklabels()]
    if ax.get_legend() is not None:
        texts += [t.get_text() for t in ax.get_legend().get_texts()]
    return out + [("text", texts)]


def _room_line(ax, label: str = "The room"):
    (line,) = [line for line in ax.get_lines() if line.get_label() == label]
    return line.get_ydata()


def _everything_shown(result, folder: Path | None) -> dict:
    """Everything a facilitator could put on a screen from a room, by where it shows (the files written into
    ``folder`` unless it is None). The widget's view is :func:`workshop.room_view`, tested with the widget."""
    shown = {}
    if folder is not None:
        written = workshop.write_room(result, folder, link_base="../alliances/")
        shown = {f"file {p.relative_to(folder).as_posix()}": p.read_bytes() for p in written}
    for name in ("profile", "areas", "clusters", "cases", "gaps", "participants", "alliances"):
        shown[f"RoomResult.{name}"] = getattr(result, name).to_csv()
    for name in ("practices", "areas", "maturity"):
        shown[f"RoomResult.scores.{name}"] = getattr(result.scores, name).to_csv()
    for key, ax in workshop.room_figures(result).items():
        shown[f"figure {key}"] = _drawn(ax)
    shown.update({"describe": result.describe(), "prompts": repr(result.prompts), "caveats": result.caveats,
                  "index_gap": repr(result.index_gap)})
    return shown


def _differ(a: dict, b: dict) -> list[str]:
    return sorted(key for key in set(a) | set(b) if a.get(key) != b.get(key))


@pytest.mark.parametrize("n_raters", [1, 2, 3])
def test_a_practice_rated_by_fewer_than_min_answers_cannot_be_read_off_anything_shown(analysis, tmp_path,
                                                                                      n_raters):
    """Five participants, of whom one (then two) rated a practice: its answers change nothing the room shows."""
    low = workshop.score_room(_five(n_raters, 0), analysis, n_boot=50)
    high = workshop.score_room(_five(n_raters, 4), analysis, n_boot=50)
    a, b = _everything_shown(low, tmp_path / "low"), _everything_shown(high, tmp_path / "high")
    hidden_at = FW.practice_ids.index(HIDDEN)
    label = FW.practices.set_index("practice_id").loc[HIDDEN, "label"]
    if n_raters < workshop.MIN_ANSWERS:
        assert _differ(a, b) == []
        row = low.profile.set_index("practice_id").loc[HIDDEN]
        assert not row["shown"] and row["n_answered"] == n_raters
        assert row[["score", "ci_low", "ci_high", "rwg"]].isna().all()
        assert pd.isna(_room_line(workshop.room_figures(low)["profile"])[hidden_at])
        assert "not shown:\nfewer than 3 answers" in a["figure profile"][-1][1]  # the figure says why
        page = a["file room.html"].decode("utf-8")
        assert f"Not shown: &ldquo;{escape(label)}&rdquo;. It was rated by fewer than 3 participants" in page
        assert f"over the {len(FW.practice_ids) - 1} practices shown" in page
        assert "Not shown: 1 practice rated by fewer than 3 participants." in a["describe"]
        assert any(c.startswith("1 practice not shown, rated by fewer than 3 participants") for c in a["caveats"])
        # nothing built from the practices takes it in: area, index and distances are those of the shown ones
        shown = low.profile[low.profile["shown"]]
        area = row["area_id"]
        assert low.areas.set_index("area_id").loc[area, "score"] == pytest.approx(
            shown.loc[shown["area_id"].eq(area), "score"].mean())
        assert low.areas.set_index("area_id").loc[area, "n_shown"] == \
            low.areas.set_index("area_id").loc[area, "n_practices"] - 1
        assert low.maturity["maturity_index"] == pytest.approx(shown["score"].mean())
        centre = analysis.clusters.centres.loc[low.nearest_cluster, shown["practice_id"]]
        assert low.clusters.set_index("cluster").loc[low.nearest_cluster, "distance"] == pytest.approx(
            float(((shown.set_index("practice_id")["score"] - centre) ** 2).mean() ** 0.5))
        assert HIDDEN not in {p["practice_id"] for p in low.prompts}
    else:
        # the control: three answers are shown, and one of them changing changes what the room shows
        assert {"file room.html", "file figures/room-profile.png", "figure profile", "RoomResult.profile"} <= \
            set(_differ(a, b))
        assert high.profile.set_index("practice_id").loc[HIDDEN, "score"] == pytest.approx(8 / 3)
        assert _room_line(workshop.room_figures(high)["profile"])[hidden_at] == pytest.approx(8 / 3)
        assert "Not shown" not in a["file room.html"].decode("utf-8")


def _relabelled(clients: set[str]) -> pd.DataFrame:
    """Six participants rating every practice, each differently; ``clients`` are the client's staff."""
    people = [(who, "client" if who in clients else "contractor") for who in ("a", "b", "c", "d", "e", "f")]
    return _ratings(people, _varied([(who, "") for who, _ in people]))


def test_a_group_of_two_clients_shows_no_side_score(analysis, tmp_path):
    """Two clients: with their mean, each would know the other's answers. Which two they are changes nothing."""
    first = workshop.score_room(_relabelled({"a", "b"}), analysis, n_boot=50)
    other = workshop.score_room(_relabelled({"a", "c"}), analysis, n_boot=50)
    a, b = _everything_shown(first, tmp_path / "ab"), _everything_shown(other, tmp_path / "ac")
    assert _differ(a, b) == []
    assert first.index_gap is None and not first.gaps["comparable"].any()
    assert first.gaps[["client_score", "partner_score", "gap", "ci_low", "ci_high"]].isna().all().all()
    assert "file figures/room-gaps.png" not in a and "figure gaps" not in a
    page = a["file room.html"].decode("utf-8")
    assert "No comparison: 2 client and 4 partner participants are too few on one side to compare without " \
           "identifying anyone" in page
    # the control: three clients are compared, and which three they are shows
    three = workshop.score_room(_relabelled({"a", "b", "c"}), analysis, n_boot=50)
    moved = workshop.score_room(_relabelled({"a", "b", "d"}), analysis, n_boot=50)
    c, d = _everything_shown(three, None), _everything_shown(moved, None)
    assert {"RoomResult.gaps", "figure gaps", "index_gap", "prompts"} <= set(_differ(c, d))
    client = three.gaps.set_index("id")["client_score"]
    assert client[FW.practice_ids[0]] == pytest.approx((0 + 1 + 2) / 3)  # (i + 2 j) mod 5 for a, b, c at j = 0


def test_the_client_partner_gaps_and_index_gap_leave_out_a_practice_one_side_rated_too_few_times(analysis):
    """Three clients and three partners; one client did not rate HIDDEN, so two client answers remain there. The
    room shows HIDDEN (five answers) but compares no side on it, and the index gap leaves it out: had it been in,
    the index gap and the other practices' gaps would give its gap, and with the room's score both sides'."""
    people = [("c1", "client"), ("c2", "client"), ("c3", "client"), ("p1", "contractor"), ("p2", "designer"),
              ("p3", "supplier")]

    def room(answer: int):
        answers = _varied(people)
        answers[("c1", HIDDEN)], answers[("c2", HIDDEN)] = None, answer
        return workshop.score_room(_ratings(people, answers), analysis, n_boot=50)

    low, high = room(0), room(4)
    for result in (low, high):
        assert result.profile.set_index("practice_id").loc[HIDDEN, "shown"]  # five answers: the room shows it
        row = result.gaps.set_index("id").loc[HIDDEN]
        assert (row["n_client"], row["n_partner"], row["comparable"]) == (2, 3, False)
        assert result.gaps["comparable"].sum() == len(FW.practice_ids) - 1
        comparable = result.gaps[result.gaps["comparable"]]
        assert result.index_gap["gap"] == pytest.approx(comparable["gap"].mean())
    pd.testing.assert_frame_equal(low.gaps, high.gaps)
    assert low.index_gap == high.index_gap
    assert _drawn(workshop.room_figures(low)["gaps"]) == _drawn(workshop.room_figures(high)["gaps"])
    assert low.profile.set_index("practice_id").loc[HIDDEN, "score"] != \
        high.profile.set_index("practice_id").loc[HIDDEN, "score"]  # the control: the room's own score moves


def test_a_room_of_two_shows_nothing_unless_min_answers_is_two(analysis, template, tmp_path):
    pair = [("c1", "client"), ("p1", "contractor")]
    messages = set()
    for answer in (0, 4):
        answers = _varied(pair)
        answers[("c1", FW.practice_ids[0])] = answer
        with pytest.raises(ValueError, match="the room scored 0 practices with at least 3 answers") as caught:
            workshop.score_room(_ratings(pair, answers), analysis, n_boot=20)
        messages.add(str(caught.value))
    assert len(messages) == 1  # the message does not depend on the answers either
    # nothing is written for it (the command line exits 2 on this ValueError: see the sparse room's test)
    folder = tmp_path / "pair"
    folder.mkdir()
    fill(template, folder / "c.xlsx", _answers("client", 0), org_type="client")
    fill(template, folder / "p.xlsx", _answers("contractor", 1), org_type="contractor")
    with pytest.raises(ValueError, match="the room scored 0 practices with at least 3 answers"):
        workshop.build_room(folder, tmp_path / "screen", analysis=analysis, n_boot=10)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pair"]
    # asked for, two answers are shown (the parameter's floor): the room's scores are the pair's means
    result = workshop.score_room(_ratings(pair, _varied(pair)), analysis, n_boot=20, min_answers=2)
    assert result.profile["shown"].all() and result.min_answers == 2
    expected = [((0 + 2 * j) % 5 + (1 + 2 * j) % 5) / 2 for j in range(len(FW.practice_ids))]
    assert result.profile["score"].tolist() == pytest.approx(expected)
    assert result.profile["ci_low"].isna().all()  # two answers: an interval would end at each of them


def test_the_widget_shows_nothing_a_hidden_answer_changes(analysis):
    pytest.importorskip("ipywidgets")

    def view(n_raters: int, answer: int) -> str:
        box = workshop.room_widget(analysis, n_boot=20)
        for i, (_, org_type) in enumerate(FIVE):
            for j, (practice_id, slider) in enumerate(box.sliders.items()):
                score = (i + 2 * j) % 5
                if practice_id == HIDDEN:
                    score = (answer if i == 0 else 2) if i < n_raters else None
                slider.value = FW.dont_know if score is None else slider.options[score + 1]
            box.organisation_type.value = org_type
            box.add.click()
        box.show.click()
        assert box.room is not None and box.room.n_participants == 5
        return box.view.value

    assert view(1, 0) == view(1, 4)  # one rater (two: the RoomResult's test, whose view this is)
    assert view(3, 0) != view(3, 4)  # the control


def test_min_answers_is_one_parameter_from_python_to_the_command_line(room, analysis, tmp_path, capsys):
    responses = workshop.read_workbooks(room)
    for bad in (1, 0, True, 2.5, "3"):
        with pytest.raises(ValueError, match="min_answers must be"):
            workshop.score_room(responses, analysis, n_boot=10, min_answers=bad)
    result = workshop.score_room(responses, analysis, n_boot=20)
    assert result.min_answers == workshop.MIN_ANSWERS == 3 and result.settings["min_answers"] == 3
    with pytest.raises(AttributeError, match="keeps no participant's answers"):
        result.responses  # noqa: B018
    # a page follows the room's own minimum: it cannot hide more, or show more, afterwards
    for call in (lambda: workshop.write_room(result, tmp_path / "x", min_answers=5),
                 lambda: workshop.render_room(result, tmp_path, min_answers=2),
                 lambda: workshop.room_figures(result, min_answers=4),
                 lambda: workshop.room_view(result, min_answers=5)):
        with pytest.raises(ValueError, match="the room was scored with min_answers=3, not"):
            call()
    assert not (tmp_path / "x").exists()
    assert workshop.render_room(result, tmp_path, min_answers=3) == workshop.render_room(result, tmp_path)
    # the command line: below 2 is an error (exit 2, nothing written); 7 hides the two practices six rated
    out = tmp_path / "screen"
    assert main(["workshop", "score", str(room), "--out", str(out), "--min-answers", "1"]) == 2
    err = capsys.readouterr().err
    assert "--min-answers must be 2 or more; got 1" in err and "Traceback" not in err and not out.exists()
    assert main(["workshop", "score", str(room), "--out", str(out), "--min-answers", "7", "--n-boot", "20"]) == 0
    assert "Not shown: 2 practices rated by fewer than 7 participants." in capsys.readouterr().out
    page = (out / "room.html").read_text(encoding="utf-8")
    labels = FW.practices.set_index("practice_id")["label"]
    assert (f"Not shown: &ldquo;{escape(labels[FW.practice_ids[1]])}&rdquo;, "
            f"&ldquo;{escape(labels[FW.practice_ids[2]])}&rdquo;. Each was rated by fewer than 7 participants") in page
    assert "every number on this page rests on at least 7 participants" in page
