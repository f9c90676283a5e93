"""The room's page: its figures, the HTML a facilitator puts on the screen, and ``workshop score`` from workbooks to
a page folder, written all at once.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..framework import Framework
from ..files import check_replaceable, commit_files, staged_folder
from .room import (MIN_ANSWERS, MIN_FOR_INTERVAL, ROOM, TOO_FEW, RoomResult, check_min_answers, check_room, score_room,
                   sides)
from .workbook import read_workbooks, resolve_framework

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["room_figures", "room_context", "render_room", "write_room", "build_room", "read_answers",
           "room_figure_keys", "room_figure_pngs", "ROOM_FIGURES",
           "MARKER"]

#: A folder holding this marker may be replaced by ``alliance-research workshop score``.
MARKER = ".alliance-research-workshop"


# figures and the page


#: The figures :func:`write_room` may write, as ``figures/room-<key>.png``.
ROOM_FIGURES = ("profile", "gaps")


def _comparable_gaps(result: RoomResult):
    return result.gaps[result.gaps["comparable"]] if "comparable" in result.gaps else result.gaps


def room_figure_keys(result: RoomResult) -> tuple[str, ...]:
    """The figures :func:`room_figures` draws for ``result``, known without drawing them: ``"profile"``, and
    ``"gaps"`` when some practice has enough participants on both sides."""
    shown = _comparable_gaps(result)
    return ("profile", "gaps") if not shown.empty and shown["gap"].notna().any() else ("profile",)


def room_figures(result: RoomResult, *, min_answers: int | None = None, pyplot: bool = True) -> dict:
    """The page's figures as matplotlib axes: ``"profile"`` (the room's practice profile against the library's
    interquartile band, median and the nearest cluster's centre; a practice the room does not show is not drawn)
    and, when the room has both sides, ``"gaps"`` (client against partners, on the practices with the room's
    ``min_answers`` or more answers on each side). ``min_answers``, when given, must be the room's own
    (:func:`score_room` applies it). ``pyplot`` as in :mod:`~alliance_research.plotting`."""
    from .. import plotting

    check_room(result, min_answers)
    label = "Simulated room" if result.simulated else "The room"
    nearest = result.clusters.set_index("cluster").loc[result.nearest_cluster]
    figures = {"profile": plotting.plot_profile(
        result.scores, ROOM, 1, kind="line", library=result.library_profiles, label=label,
        reference=result.profile.set_index("practice_id")["nearest_centre"],
        reference_label=f"Centre of cluster {result.nearest_cluster} ({nearest['name'].split(':')[0]})",
        pyplot=pyplot)}
    # the room's line breaks at a practice it does not show; the figure says why, where the point would be, so
    # that it reads the same away from the page
    ax = figures["profile"]
    for x in np.flatnonzero(~result.profile["shown"].to_numpy(dtype=bool)):
        ax.text(x, result.framework.min_score + 0.08, f"not shown:\nfewer than {result.min_answers} answers",
                rotation=90, ha="center", va="bottom", fontsize="x-small", color="0.35")
    if "gaps" in room_figure_keys(result):  # only practices with enough people on both sides
        shown = _comparable_gaps(result)
        ax = plotting.plot_perception_gaps(shown, ROOM, 1, framework=result.framework, pyplot=pyplot)
        ax.title.set_text(f"{label}: client and partner scores per practice")  # keeps the title's place
        figures["gaps"] = ax
    return figures


def room_figure_pngs(result: RoomResult) -> dict[str, bytes]:
    """:func:`room_figures` as PNG bytes, as ``write_room`` writes them (for a page that serves them itself),
    drawn outside pyplot."""
    from ..plotting import png_bytes

    return {key: png_bytes(ax.figure) for key, ax in room_figures(result, pyplot=False).items()}


def _dossier_base(result: RoomResult, page_dir: str | Path) -> str:
    """The library's ``casestudies/`` folder, relative to the folder the page will be in, ending in ``/``."""
    base = os.path.relpath(result.library_path / "casestudies", os.path.abspath(page_dir))
    return Path(base).as_posix() + "/"


def _links(result: RoomResult, page_dir: Path, link_base: str | None, link_suffix: str | None) -> dict[str, str]:
    if link_base is None:
        link_base, link_suffix = _dossier_base(result, page_dir), link_suffix or ".md"
    ids = result.cases["alliance_id"].tolist() + [p["read"]["alliance_id"] for p in result.prompts if p["read"]]
    return {a: f"{link_base}{a}{link_suffix if link_suffix is not None else '.html'}" for a in ids}


def room_context(result: RoomResult, out_dir: str | Path, *, link_base: str | None = None,
                 link_suffix: str | None = None, figures: dict[str, str] | None = None,
                 min_answers: int | None = None) -> dict:
    """What the room's page template (``workshop.html.j2``) is rendered with, as :func:`render_room` renders
    it: a template that extends it (the live facilitator page) gets the same content. Arguments as there."""
    k = check_room(result, min_answers)
    links = _links(result, Path(out_dir), link_base, link_suffix)
    nearest = result.clusters.set_index("cluster").loc[result.nearest_cluster]
    labels = dict(zip(result.framework.practices["practice_id"], result.framework.practices["label"]))
    gaps = result.gaps.dropna(subset=["gap"])
    gaps = gaps.assign(label=gaps["id"].map(labels), size=gaps["gap"].abs())
    gaps = gaps.sort_values("size", ascending=False, kind="mergesort").head(5)
    n_client, n_partner = sides(result.participants)
    not_compared = int((~result.gaps["comparable"]).sum()) if "comparable" in result.gaps else 0
    return dict(
        r=result, m=result.maturity, fw=result.framework, nearest=nearest, links=links, figures=figures or {},
        n_client=n_client, n_partner=n_partner, n_hidden=not_compared, min_answers=k,
        min_for_interval=MIN_FOR_INTERVAL, too_few=TOO_FEW, hidden=result.hidden_practices.to_dict("records"),
        cases=result.cases.to_dict("records"), clusters=result.clusters.to_dict("records"),
        areas=result.areas.to_dict("records"), gaps=gaps.to_dict("records"),
        participants=result.participants.to_dict("records"), alliances=result.alliances.to_dict("records"))


def render_room(result: RoomResult, out_dir: str | Path, *, link_base: str | None = None,
                link_suffix: str | None = None, figures: dict[str, str] | None = None,
                min_answers: int | None = None) -> str:
    """The room's page as standalone HTML.

    Links to the case studies are ``<link_base><alliance_id><link_suffix>``: e.g. ``link_base="../alliances/"``
    (suffix ``.html`` by default) for the write-ups of a built report one folder up. With ``link_base=None`` they
    point at the library's dossiers (``casestudies/<id>.md``), relative to ``out_dir``, the folder the page will
    be in. ``figures`` maps ``"profile"`` and ``"gaps"`` to image paths relative to the page. The page shows what
    ``result`` shows and says what it does not; ``min_answers``, when given, must be the room's own.
    """
    from ..report.pages import environment

    context = room_context(result, out_dir, link_base=link_base, link_suffix=link_suffix, figures=figures,
                           min_answers=min_answers)
    return environment("html").get_template("workshop.html.j2").render(**context)


def write_room(result: RoomResult, out_dir: str | Path, *, link_base: str | None = None,
               link_suffix: str | None = None, min_answers: int | None = None) -> list[Path]:
    """Write ``room.html`` and its figures (``figures/room-profile.png`` and, with enough participants on both
    sides, ``figures/room-gaps.png``) into ``out_dir``: everything is made in a temporary folder beside it and
    moved in at the end, and a figure of an earlier room that this room does not have is removed. Other files in
    ``out_dir`` are left alone. Links as in :func:`render_room`. Returns the files written.

    Nothing written rests on fewer than the room's ``min_answers`` answers (see :func:`score_room`, which applies
    it): ``min_answers``, when given, must be the one the room was scored with, or ValueError (score it again).
    """
    from ..plotting import save_png

    check_room(result, min_answers)
    out = Path(out_dir)
    if link_base is None:
        link_base, link_suffix = _dossier_base(result, out), link_suffix or ".md"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}-new-"))
    try:
        (tmp / "figures").mkdir()
        names = {}
        for key, ax in room_figures(result, pyplot=False).items():
            save_png(ax.figure, tmp / "figures" / f"room-{key}.png", dpi=100)
            names[key] = f"figures/room-{key}.png"
        page = render_room(result, out, link_base=link_base, link_suffix=link_suffix, figures=names)
        (tmp / "room.html").write_text(page, encoding="utf-8", newline="\n")
        # figures of an earlier room that this one does not have (a gaps chart after a room without both sides)
        # would otherwise stay beside the new page
        stale = tuple(f"figures/room-{key}.png" for key in ROOM_FIGURES if key not in names)
        return commit_files(tmp, out, remove=stale)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def read_answers(files, framework: Framework) -> pd.DataFrame:
    """The room's ratings from filled workbooks (or folders of them) and live rooms' folders (holding
    ``room.sqlite3``, :func:`~alliance_research.workshop.live.read_room`), together, in the long format
    :func:`~alliance_research.workshop.read_workbooks` gives."""
    import pandas as pd

    from .live.store import is_room, read_room

    paths = [files] if isinstance(files, (str, Path)) else list(files)
    rooms = [p for p in paths if is_room(p)]
    workbooks = [p for p in paths if not is_room(p)]
    frames = [read_room(room, framework) for room in rooms]
    if workbooks or not rooms:
        frames.append(read_workbooks(workbooks, framework))
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def build_room(files, out: str | Path, *, library: str | Path | None = None,
               framework: Framework | str | Path | None = None, link_base: str | None = None,
               link_suffix: str | None = None, n_boot: int = 1000, random_state: int = 0,
               min_answers: int = MIN_ANSWERS, analysis=None) -> tuple[RoomResult, list[Path]]:
    """What ``alliance-research workshop score`` does: read the workbooks (and live rooms' folders,
    :func:`read_answers`), analyse the library, score the room
    and write its page into the folder ``out``, replacing it as a whole.

    The workbooks are read first, so bad ones fail fast and nothing is written (:class:`LibraryError` lists every
    problem). ``out`` is only replaced when it is empty or holds an earlier room (marked by
    ``.alliance-research-workshop``). ``min_answers`` is the minimum number of answers behind anything the page
    shows (:func:`score_room`). ``analysis`` skips the library's analysis when given. Returns the room and the
    files written.
    """
    from ..analysis import analyse
    from ..library import load_library

    k = check_min_answers(min_answers)  # before any work: a bad minimum is the caller's mistake, not the data's
    out = Path(out)
    check_replaceable(out, MARKER)
    fw = resolve_framework(framework, library)
    responses = read_answers(files, fw)
    if analysis is None:
        analysis = analyse(load_library(library, framework=fw), random_state=random_state, n_boot=n_boot)
    room = score_room(responses, analysis, min_answers=k, n_boot=n_boot, random_state=random_state)
    if link_base is None:  # the dossiers, relative to where the page ends up (not the temporary folder)
        link_base, link_suffix = _dossier_base(room, out), link_suffix or ".md"
    with staged_folder(out, marker=MARKER, note="written by alliance-research workshop score\n") as tmp:
        write_room(room, tmp, link_base=link_base, link_suffix=link_suffix)
    return room, sorted(p for p in out.rglob("*") if p.is_file() and p.name != MARKER)
