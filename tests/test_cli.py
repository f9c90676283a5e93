"""The command line: a summary on valid data; on invalid data every problem, exit status 2, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alliance_research.cli import main


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "alliance_research", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=600)  # a guard against a hang, not a speed test (benchmarks/ time it)


def test_validate_prints_a_summary(small_library, capsys):
    assert main(["validate", "--library", str(small_library)]) == 0
    out = capsys.readouterr().out
    assert "is valid" in out and "alliances    2 (water 2)" in out
    assert "respondents  4 (client 2, contractor 1, designer 1)" in out
    assert "16.7% missing" in out


def test_validate_reports_every_problem_with_exit_status_2(small_library):
    responses = small_library / "data" / "responses.csv"
    text = responses.read_text(encoding="utf-8")
    responses.write_text(text.replace("client,shared-communication,3,", "client,shared-communication,9,")
                         .replace("Designer LLP,designer", "Designer LLP,architect"), encoding="utf-8")
    result = run("validate", "--library", str(small_library))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert "2 problems found; nothing was written." in result.stderr
    assert "data/responses.csv, line 2: score: '9': expected a whole number from 0 to 4" in result.stderr
    assert "data/responses.csv, line 7: organisation_type: 'architect'" in result.stderr


def test_missing_library_folder_is_a_clear_error(tmp_path):
    result = run("validate", "--library", str(tmp_path / "nowhere"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "a library folder holding casestudies/ and data/" in result.stderr


def test_report_on_invalid_library_writes_nothing(small_library, tmp_path):
    (small_library / "data" / "kpis.csv").unlink()
    out = tmp_path / "out"
    result = run("report", "--library", str(small_library), "--out", str(out))
    assert result.returncode == 2 and not out.exists()


def test_example_library_validates_from_any_directory(tmp_path):
    result = run("validate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "is valid" in result.stdout


def test_report_writes_the_contract_files_and_replaces_its_own_report(tmp_path):
    out = tmp_path / "out"
    result = run("report", "--out", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for name in ("scores.csv", "agreement.csv", "clusters.csv", "synthesis.md", "synthesis.html",
                 "alliances/tywi-water.md", "alliances/tywi-water.html"):
        assert (out / name).stat().st_size > 0, name
    assert list(out.glob("figures/*.png"))
    first = {p.name: p.read_bytes() for p in out.glob("*.csv")} | {"synthesis.md": (out / "synthesis.md").read_bytes()}
    (out / "stale.csv").write_text("left from before", encoding="utf-8")
    result = run("report", "--out", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert not (out / "stale.csv").exists()  # the folder is replaced as a whole
    again = {p.name: p.read_bytes() for p in out.glob("*.csv")} | {"synthesis.md": (out / "synthesis.md").read_bytes()}
    assert again == first  # same inputs, same bytes
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out-")]  # no temporary folders left


def test_report_refuses_to_replace_a_folder_it_did_not_write(tmp_path):
    mine = tmp_path / "notes"
    mine.mkdir()
    (mine / "thesis.docx").write_bytes(b"precious")
    result = run("report", "--out", str(mine))
    assert result.returncode == 2 and "refusing to replace" in result.stderr
    assert (mine / "thesis.docx").read_bytes() == b"precious" and len(list(mine.iterdir())) == 1


def test_report_on_a_library_too_small_to_cluster_fails_cleanly(small_library, tmp_path):
    out = tmp_path / "out"
    result = run("report", "--library", str(small_library), "--out", str(out))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "cannot build the report" in result.stderr and "at least 4 alliances" in result.stderr
    assert not out.exists() and not list(tmp_path.glob(".out-*"))
