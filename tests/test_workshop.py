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
    return {ws[f"A{r}"].value: r for r in range(workshop.FIRST_ROW, ws.max_row + 1) if ws[f"A{r}"].value}


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
    people = [("client", "Riverside Water"), ("client", "Riverside Water"), ("contractor", "Builder Ltd"),
              ("contractor", "Builder Ltd"), ("designer", "Design LLP"), ("supplier", "Pipes plc")]
    for i, (org_type, organisation) in enumerate(people):
        answers = _answers(org_type, i)
        if i == 0:
            answers[FW.practice_ids[1]] = FW.dont_know
            answers[FW.practice_ids[2]] = None  # left blank
            answers[FW.practice_ids[3]] = "3 - " + _level(3)  # typed rather than picked
        fill(template, folder / f"table-{i + 1}.xlsx", answers, org_type=org_type, organisation=organisation,
             evidence={SPLIT: "Monthly partner forum minutes"} if i == 2 else None)
    (folder / "~$table-1.xlsx").write_bytes(b"an Office lock file")  # left by an open workbook: skipped
    return folder


# ---------------------------------------------------------------------------------------------------------------
# the template


def test_the_template_has_a_row_per_practice_with_every_level_descriptor(template):
    wb = openpyxl.load_workbook(template)
    assert wb.sheetnames == [workshop.INSTRUCTIONS_SHEET, RATING, workshop.LISTS_SHEET]
    ws = wb[RATING]
    assert list(_row_of(ws)) == FW.practice_ids
    headers = [ws.cell(workshop.HEADER_ROW, c).value for c in range(1, 6 + len(FW.level_names))]
    assert headers[1:5] == ["Area", "Practice", "Your rating", "Evidence (what shows it)"]
    assert headers[5:] == [f"{s} {n}" for s, n in FW.level_names.items()]
    descriptors = FW.descriptors.set_index(["practice_id", "score"])["descriptor"]
    for p in FW.practices.itertuples():
        row = workshop.FIRST_ROW + p.order
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
    last = workshop.FIRST_ROW + len(FW.practice_ids) - 1
    validations = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    levels = validations[f"D{workshop.FIRST_ROW}:D{last}"]
    assert levels.type == "list" and levels.showErrorMessage and levels.allow_blank
    name = levels.formula1.lstrip("=")
    (sheet, cells), = wb.defined_names[name].destinations
    assert [c.value for row in wb[sheet][cells.replace("$", "")] for c in row] == \
        list(FW.level_names.values()) + [FW.dont_know]
    org = validations["C4"]
    (sheet, cells), = wb.defined_names[org.formula1.lstrip("=")].destinations
    assert [c.value for row in wb[sheet][cells.replace("$", "")] for c in row] == list(ORGANISATION_TYPES)
    for row in range(workshop.FIRST_ROW, last + 1):
        assert not ws[f"D{row}"].protection.locked and not ws[f"E{row}"].protection.locked
        assert ws[f"A{row}"].protection.locked and ws[f"C{row}"].protection.locked and ws[f"F{row}"].protection.locked
    assert all(not ws[ref].protection.locked for ref in workshop.FIELD_CELLS.values())
    assert ws["B3"].protection.locked and ws["C1"].protection.locked


def test_the_template_comes_from_the_rubric(tmp_path, small_fw):
    """Another rubric gives another workbook: rows, statements and level names all come from the YAML file."""
    path = workshop.write_template(tmp_path / "small.xlsx", small_fw)
    ws = openpyxl.load_workbook(path)[RATING]
    assert list(_row_of(ws)) == ["p-one", "p-two", "p-three", "p-four"]
    assert ws[f"C{workshop.FIRST_ROW}"].value == "p-one is done."
    assert ws.cell(workshop.HEADER_ROW, 6).value == "0 Level 0"


def test_no_practice_text_in_the_workshop_code():
    code = (Path(workshop.__file__)).read_text(encoding="utf-8")
    code += (Path(workshop.__file__).parent / "templates" / "workshop.html.j2").read_text(encoding="utf-8")
    for p in FW.practices.itertuples():
        for text in (p.practice_id, p.label, p.statement):
            assert text not in code, text


# ---------------------------------------------------------------------------------------------------------------
# the round trip


def test_filled_workbooks_read_back_as_long_ratings(room):
    responses = workshop.read_workbooks(room)
    assert list(responses.columns[:8]) == ["alliance_id", "wave", "respondent_id", "organisation",
                                           "organisation_type", "practice_id", "score", "comment"]
    assert len(responses) == 6 * len(FW.practice_ids)  # the lock file was skipped
    assert set(responses["alliance_id"]) == {"riverside-alliance"}
    assert set(responses["alliance"]) == {"Riverside Alliance"}
    assert sorted(responses["respondent_id"].unique()) == [f"table-{i}" for i in range(1, 7)]
    first = responses[responses["respondent_id"].eq("table-1")].set_index("practice_id")
    assert first.loc[SPLIT, "score"] == 0 and first.loc[LOWEST, "score"] == 0
    assert pd.isna(first.loc[FW.practice_ids[1], "score"]) and pd.isna(first.loc[FW.practice_ids[2], "score"])
    assert first.loc[FW.practice_ids[3], "score"] == 3
    assert first["organisation"].iloc[0] == "Riverside Water"
    third = responses[responses["respondent_id"].eq("table-3")].set_index("practice_id")
    assert third.loc[SPLIT, "comment"] == "Monthly partner forum minutes"
    assert not responses["simulated"].any()


def test_a_room_is_scored_and_its_page_written(room, analysis, tmp_path):
    out = tmp_path / "page"
    result, written = workshop.build_room(room, out, analysis=analysis, n_boot=200)
    assert {p.relative_to(out).as_posix() for p in written} == {"room.html", "figures/room-profile.png",
                                                                "figures/room-gaps.png"}
    for name in ("room-profile.png", "room-gaps.png"):
        image = matplotlib.image.imread(out / "figures" / name)
        assert image.shape[0] > 300 and image.shape[1] > 300
    assert result.n_participants == 6
    assert result.participants.set_index("organisation_type")["n"].to_dict() == {
        "client": 2, "contractor": 2, "designer": 1, "supplier": 1}

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

    page = (out / "room.html").read_text(encoding="utf-8")
    assert "The room: where we stand" in page
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
    for i in range(2):
        fill(template, folder / f"p{i}.xlsx", _answers("contractor", i), org_type="contractor")
    result, written = workshop.build_room(folder, tmp_path / "page", analysis=analysis, n_boot=50)
    assert result.gaps.empty and result.index_gap is None
    assert [p["kind"] for p in result.prompts] == ["low", "low", "low"]
    assert any("No client-versus-partner comparison" in c for c in result.caveats)
    assert any(c.startswith("Only 2 participants") for c in result.caveats)
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
    row4, row6 = workshop.FIRST_ROW + 4, workshop.FIRST_ROW + 6
    assert [s.split(": ")[0] for s in text["out-of-range.xlsx"]] == [
        f"{folder.as_posix()}/out-of-range.xlsx, sheet 'Rating', cell D{row4}",
        f"{folder.as_posix()}/out-of-range.xlsx, sheet 'Rating', cell D{row6}"]
    assert "7: expected the rating of" in text["out-of-range.xlsx"][0]
    assert "'Superb': expected the rating of" in text["out-of-range.xlsx"][1]
    assert FW.dont_know in text["out-of-range.xlsx"][0]
    assert text["no-type.xlsx"] == [f"{folder.as_posix()}/no-type.xlsx, sheet 'Rating', cell C4: (missing): expected "
                                    f"your organisation type: one of {', '.join(ORGANISATION_TYPES)}"]
    assert "expected an Excel workbook (.xlsx)" in text["notes.xlsx"][0]
    assert [s.split(": ")[0].rsplit(" ", 1)[1] for s in text["unfilled.xlsx"]] == ["C3", "C4"]
    frame = caught.value.to_frame()
    assert frame.columns.tolist() == ["file", "sheet", "line", "column", "value", "expected"]


def test_changed_rows_another_framework_and_a_name_used_twice(template, tmp_path, small_fw):
    folder = tmp_path / "changed"
    folder.mkdir()
    path = fill(template, folder / "moved.xlsx", _answers("client", 0))
    wb = openpyxl.load_workbook(path)
    ws = wb[RATING]
    first, second = workshop.FIRST_ROW, workshop.FIRST_ROW + 1
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
    assert main(["workshop", "template", "--out", str(template)]) == 0
    assert "19 practices" in capsys.readouterr().out or template.is_file()
    for i, org_type in enumerate(["client", "contractor", "designer"]):
        fill(template, tmp_path / f"t{i}.xlsx", _answers(org_type, i), org_type=org_type)
    out = tmp_path / "screen"
    code = main(["workshop", "score", *(str(tmp_path / f"t{i}.xlsx") for i in range(3)), "--out", str(out),
                 "--n-boot", "50", "--link-base", "https://example.org/alliances/"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "3 participants (1 client, 1 contractor, 1 designer)" in printed and "room.html" in printed
    assert (out / "room.html").is_file() and (out / "figures" / "room-profile.png").is_file()
    assert "https://example.org/alliances/" in (out / "room.html").read_text(encoding="utf-8")
    # a second run replaces the page it wrote
    assert main(["workshop", "score", str(tmp_path / "t0.xlsx"), str(tmp_path / "t1.xlsx"), "--out", str(out),
                 "--n-boot", "20"]) == 0
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


def test_the_widget_adds_participants_and_updates_the_room(analysis):
    pytest.importorskip("ipywidgets")
    box = workshop.room_widget(analysis, n_boot=20)
    assert set(box.sliders) == set(FW.practice_ids)
    for practice_id, slider in box.sliders.items():
        slider.value = slider.options[1]  # 0 Not in place
    box.organisation_type.value = "client"
    box.add.click()
    for slider in box.sliders.values():
        slider.value = slider.options[-1]  # the top level
    box.organisation_type.value = "contractor"
    box.add.click()
    assert box.room is not None and box.room.n_participants == 2
    assert box.responses["score"].tolist() == [0] * len(FW.practice_ids) + [FW.max_score] * len(FW.practice_ids)
    assert box.room.index_gap["gap"] == FW.max_score
    assert all(slider.value == FW.dont_know for slider in box.sliders.values())  # ready for the next participant
    box.clear.click()
    assert box.room is None and box.responses.empty
