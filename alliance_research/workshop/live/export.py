"""``workshop export``: a live room's answers in the library's ratings format, written to a file or appended to a
library as a wave."""

from __future__ import annotations

from pathlib import Path

__all__ = ["export_room"]


def export_room(room, *, out=None, alliance_id: str | None = None, wave: int = 1, library=None,
                framework=None, dry_run: bool = False):
    """Write a live room's answers as long ratings (``responses.csv`` columns), or append them to a library.

    Only participants who submitted are exported (:func:`~alliance_research.workshop.live.store.read_room`);
    their ``respondent_id`` is the random id the room gave them. With ``library``, the rows are appended to its
    ``data/responses.csv`` as ``wave`` of ``alliance_id`` through
    :func:`~alliance_research.survey.append_responses`, the validation and atomic write of ``import-survey``
    (run the same export twice and the second is refused: its rows are already there). Otherwise they are
    written to ``out`` (default: ``responses.csv`` in the room folder) in one step
    (:func:`~alliance_research.files.atomic_write`).

    Parameters
    ----------
    room : path
        The room folder.
    out : path, optional
        The CSV to write (without ``library``).
    alliance_id : str, optional
        The alliance the room rated: required with ``library`` (a dossier of it); else the id made from the
        room's title.
    wave : int
        The assessment round.
    library : path, optional
        A library to append to.
    framework : Framework, str or path, optional
        The rubric (default: the library's default, or the bundled one).
    dry_run : bool
        Check and return the rows, write nothing.

    Returns
    -------
    (DataFrame, Path or None)
        The rows and the file written (None for a dry run).

    Raises
    ------
    LibraryError
        No room in the folder, no one submitted, or (appending) any problem ``import-survey`` would report.
    """
    from ...errors import LibraryError, Problem
    from ...files import atomic_write
    from ...library import RESPONSE_COLUMNS
    from ...survey import append_responses
    from ..workbook import resolve_framework
    from .store import DB_NAME, is_room, read_room

    room = Path(room)
    if not is_room(room):
        raise LibraryError([Problem(room.as_posix(), None, None, None,
                                    f"a live room's folder holding {DB_NAME} (made by workshop serve)")])
    fw = resolve_framework(framework, library)
    rows = read_room(room, fw, alliance_id=alliance_id, wave=wave)[RESPONSE_COLUMNS]
    if rows.empty:
        raise LibraryError([Problem(room.as_posix(), None, None, None,
                                    "a room in which at least one participant submitted their answers")])
    if library is not None:
        if alliance_id is None:
            raise LibraryError([Problem("--alliance", None, None, None,
                                        "the alliance the room rated (a dossier of the library), to append to")])
        new = append_responses(rows, alliance_id, wave, library, framework=framework, dry_run=dry_run,
                               source=(room / DB_NAME).as_posix())
        target = None if dry_run else Path(library) / "data" / "responses.csv"
        return new, target
    target = Path(out) if out is not None else room / "responses.csv"
    if dry_run:
        return rows, None
    text = rows.to_csv(index=False, lineterminator="\n")
    return rows, atomic_write(target, text)
