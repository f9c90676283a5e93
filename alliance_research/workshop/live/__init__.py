"""The live workshop: participants rate on their phones, the facilitator sees where the room stands seconds after
the last answer.

``alliance-research workshop serve`` starts a web server (:func:`~alliance_research.workshop.live.serve.serve`)
for a *room folder*: its answers live in SQLite there (:mod:`~alliance_research.workshop.live.store`), the pages
are a Starlette application (:mod:`~alliance_research.workshop.live.app`), the room's result is recomputed off
the request path and released only when no one's answers can be read off it
(:mod:`~alliance_research.workshop.live.result`), and ``workshop export`` writes the answers in the library's
ratings format (:func:`~alliance_research.workshop.live.export.export_room`).

This subpackage needs the ``live`` dependencies (starlette, uvicorn, segno, python-multipart); the rest of the
workshop kit does not import it, except :func:`read_room` (plain ``sqlite3``) for ``workshop score`` on a room.
"""

from .store import DB_NAME, RoomStore, is_room, read_room

__all__ = ["RoomStore", "read_room", "is_room", "DB_NAME"]
