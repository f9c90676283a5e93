"""The workshop kit: a self-assessment workbook, scoring a room of filled workbooks against the library, and the
page a facilitator puts on the screen.

A facilitator hands out the workbook (:func:`write_template`: one row per practice of the rubric, the level
descriptors beside it, a drop-down of level names, an evidence column); participants, or tables, rate their own
alliance; :func:`read_workbooks` reads every filled workbook back into the long ``responses`` format, reporting
every problem with its file, sheet and cell; :func:`score_room` scores the room as one group and sets it against
the library's clusters and case studies, its client-versus-partner gaps and three discussion prompts; and
:func:`render_room` writes the page (HTML and PNG figures).

Modules: :mod:`~alliance_research.workshop.workbook` (the workbook), :mod:`~alliance_research.workshop.room`
(scoring a room and what it may show), :mod:`~alliance_research.workshop.page` (figures and the page) and
:mod:`~alliance_research.workshop.widget` (a live session in a notebook).

Nothing here names a practice: rows, statements, descriptors and level names all come from the framework, and
the prompts fill templated wording with the framework's labels and the room's numbers.
"""

from .page import MARKER, build_room, render_room, room_figures, write_room
from .room import MIN_ANSWERS, ROOM, RoomResult, check_min_answers, score_room
from .widget import room_view, room_widget
from .workbook import (FIELD_CELLS, INSTRUCTIONS_SHEET, LISTS_SHEET, RATING_SHEET, fill_workbook, read_workbooks,
                       simulate_room, write_template)

__all__ = ["write_template", "fill_workbook", "read_workbooks", "simulate_room", "score_room", "RoomResult",
           "room_figures", "render_room", "write_room", "build_room", "room_view", "room_widget", "check_min_answers",
           "MIN_ANSWERS", "RATING_SHEET", "INSTRUCTIONS_SHEET", "LISTS_SHEET", "FIELD_CELLS", "ROOM", "MARKER"]
