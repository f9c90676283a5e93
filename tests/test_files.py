"""Safe writing (alliance_research.files): one file, a set of files, a staged folder, all or nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from alliance_research import files


def test_atomic_write_replaces_in_one_step_and_keeps_the_old_file_on_failure(tmp_path):
    target = tmp_path / "a.csv"
    files.atomic_write(target, "old\n")
    with pytest.raises(ValueError):
        files.atomic_write(target, "new\n", check=lambda tmp: (_ for _ in ()).throw(ValueError("refused")))
    assert target.read_text() == "old\n"
    files.atomic_write(target, lambda tmp: Path(tmp).write_text("made by a writer\n"))
    assert target.read_text() == "made by a writer\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.csv"]  # no temporary file left


def test_write_files_is_all_or_nothing(tmp_path, monkeypatch):
    a, b = tmp_path / "a.txt", tmp_path / "sub" / "b.txt"
    files.write_files({a: "a1", b: b"b1"})
    real_replace = os.replace
    calls = []

    def failing(src, dst):  # the new b cannot be moved in, after the new a was
        calls.append(dst)
        if Path(dst) == b and str(src).endswith(".tmp") and a.read_text() == "a2":
            raise OSError("disk full")
        return real_replace(src, dst)

    monkeypatch.setattr(files.os, "replace", failing)
    with pytest.raises(OSError, match="disk full"):
        files.write_files({a: "a2", b: "b2"})
    monkeypatch.undo()
    assert (a.read_text(), b.read_text()) == ("a1", "b1")  # both old, never a mix
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a.txt", "b.txt", "sub"]


def test_commit_files_moves_a_set_in_and_removes_what_the_new_run_lacks(tmp_path):
    staged, target = tmp_path / "staged", tmp_path / "out"
    (staged / "figures").mkdir(parents=True)
    (staged / "room.html").write_text("new page")
    (staged / "figures" / "room-profile.png").write_text("new figure")
    (target / "figures").mkdir(parents=True)
    (target / "room.html").write_text("old page")
    (target / "figures" / "room-gaps.png").write_text("old figure of a room with both sides")
    (target / "mine.txt").write_text("the user's own file")
    written = files.commit_files(staged, target, remove=("figures/room-gaps.png",))
    assert written == [target / "figures" / "room-profile.png", target / "room.html"]
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()) == [
        "figures/room-profile.png", "mine.txt", "room.html"]


def test_a_staged_folder_replaces_only_its_own_kind_of_folder(tmp_path):
    out = tmp_path / "report"
    with files.staged_folder(out, marker=".mine") as tmp:
        (tmp / "a.csv").write_text("1")
    with pytest.raises(RuntimeError):
        with files.staged_folder(out, marker=".mine") as tmp:
            (tmp / "a.csv").write_text("2")
            raise RuntimeError("a stage failed")
    assert (out / "a.csv").read_text() == "1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]  # the failed attempt left nothing
    own = tmp_path / "mine"
    own.mkdir()
    (own / "notes.txt").write_text("keep")
    with pytest.raises(OSError, match="refusing to replace"):
        with files.staged_folder(own, marker=".mine"):
            pass
    assert (own / "notes.txt").read_text() == "keep"
