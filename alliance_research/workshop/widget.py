"""A live session in a notebook: the room as one HTML fragment, and an ipywidgets form that scores the answers
typed in the room and shows them once the room's minimum is met.
"""

from __future__ import annotations

import pandas as pd

from ..library import ORGANISATION_TYPES, RESPONSE_COLUMNS
from ..report.pages import plural
from .page import room_figures
from .room import MIN_ANSWERS, RoomResult, check_min_answers, check_room, score_room
from .workbook import slug

__all__ = ["room_view", "room_widget"]


# a live session


def room_view(result: RoomResult, *, min_answers: int | None = None) -> str:
    """The room as one HTML fragment for a notebook or the live session's widget: the summary, the prompts, the
    caveats and the figures (as embedded PNG images). It shows what ``result`` shows, like the page."""
    import base64
    import html
    import io

    check_room(result, min_answers)
    parts = [f"<pre>{html.escape(result.describe())}</pre>", "<p><b>Questions for the room</b></p>", "<ol>"]
    parts += [f"<li><b>{html.escape(p['area'])}.</b> {html.escape(p['text'])}</li>" for p in result.prompts]
    parts += ["</ol>", "<p><b>Reading it honestly</b></p>", "<ul>"]
    parts += [f"<li>{html.escape(c)}</li>" for c in result.caveats]
    parts.append("</ul>")
    for key, ax in room_figures(result, pyplot=False).items():
        buffer = io.BytesIO()
        ax.figure.savefig(buffer, format="png", dpi=80, bbox_inches="tight", metadata={"Software": None})
        data = base64.b64encode(buffer.getvalue()).decode("ascii")
        parts.append(f'<img alt="room-{key}" src="data:image/png;base64,{data}">')
    return "\n".join(parts)


def room_widget(analysis, *, min_answers: int = MIN_ANSWERS, n_boot: int = 200, random_state: int = 0,
                alliance: str = "Our alliance"):
    """Sliders for a live session in JupyterLab: each participant (or table) sets a slider per practice and
    adds their answers; when everyone has, the facilitator shows the room.

    The room is shown once, with the same minimum as the page (``min_answers``, :func:`score_room`): two views
    of one room that differ by one participant would show that participant's answers by subtraction, so after
    *Show the room* no more answers can be added (*Start again* begins a new room). Nothing is shown before
    then: the answers are kept inside the widget, not for display, and the view appears only when the room
    has at least :data:`MIN_OVERLAP` practices rated by ``min_answers`` participants (else the status line says
    what is missing and more answers can be added).

    Returns an ``ipywidgets.VBox`` with attributes ``room`` (the :class:`RoomResult` shown, or None), ``view``
    (an ``ipywidgets.HTML`` holding the room as shown: :func:`room_view`), ``n_participants`` (answers added so
    far, a count), ``min_answers``, ``add``, ``show`` and ``clear`` (the buttons), ``status`` and ``sliders``
    (by practice id). Raises ``ImportError`` without ipywidgets (use the workbooks then) and ValueError for a
    ``min_answers`` below 2.
    """
    import html

    import ipywidgets as widgets

    k = check_min_answers(min_answers)
    fw = analysis.framework
    options = [fw.dont_know] + [f"{score} {name}" for score, name in fw.level_names.items()]
    org_type = widgets.Dropdown(options=list(ORGANISATION_TYPES), value="client", description="Organisation")
    name = widgets.Text(value=alliance, description="Alliance")
    sliders = {}
    rows = [widgets.HTML(f"<b>Rate each practice</b> (leave at \u201c{html.escape(fw.dont_know)}\u201d if you "
                         f"cannot judge it)")]
    for p in fw.practices.itertuples(index=False):
        slider = widgets.SelectionSlider(options=options, value=fw.dont_know, description="",
                                         layout=widgets.Layout(width="420px"), continuous_update=False)
        sliders[p.practice_id] = slider
        rows.append(widgets.HBox([widgets.Label(p.label, layout=widgets.Layout(width="300px")), slider]))
    add = widgets.Button(description="Add these answers", button_style="primary")
    show = widgets.Button(description="Show the room")
    clear = widgets.Button(description="Start again")
    status = widgets.Label("No answers yet.")
    view = widgets.HTML("")
    box = widgets.VBox([widgets.HBox([name, org_type]), *rows, widgets.HBox([add, show, clear]), status, view])
    box.room, box.view, box.sliders, box.add, box.show, box.clear = None, view, sliders, add, show, clear
    box.organisation_type, box.alliance, box.status, box.min_answers = org_type, name, status, k
    box.n_participants = 0
    answers: list[pd.DataFrame] = []  # the raw answers: inside the widget only, never displayed

    def on_add(_):
        if box.room is not None:  # shown already: a second view would give the newcomer's answers away
            return
        respondent = f"participant-{box.n_participants + 1:02d}"
        rows = [(slug(name.value, "alliance"), 1, respondent, org_type.value, org_type.value, practice_id,
                 fw.parse_answer(slider.value), None, name.value, "", False, str(fw.version))
                for practice_id, slider in sliders.items()]
        new = pd.DataFrame(rows, columns=RESPONSE_COLUMNS + ["alliance", "file", "simulated", "framework_version"])
        new["score"] = new["score"].astype("Int64")
        answers.append(new)
        box.n_participants += 1
        for slider in sliders.values():
            slider.value = fw.dont_know
        status.value = (f"{plural(box.n_participants, 'participant')} so far. Show the room when everyone has "
                        f"added their answers.")

    def on_show(_):
        if box.room is not None or not answers:
            return
        responses = pd.concat(answers, ignore_index=True)
        if responses["score"].isna().all():
            status.value = f"{plural(box.n_participants, 'participant')} so far, none rated a practice yet."
            return
        try:
            room = score_room(responses, analysis, min_answers=k, n_boot=n_boot, random_state=random_state)
        except ValueError as err:  # too few answers yet: say what is missing, show nothing, accept more answers
            status.value = f"Not shown yet: {err}. Add more answers."
            return
        box.room = room
        view.value = room_view(room)
        add.disabled = show.disabled = True
        status.value = (f"The room of {plural(box.n_participants, 'participant')}. To add answers, start "
                        f"again: a second view with one more participant would show that participant's answers.")

    def on_clear(_):
        answers.clear()
        box.room, box.n_participants = None, 0
        view.value = ""
        add.disabled = show.disabled = False
        status.value = "No answers yet."

    add.on_click(on_add)
    show.on_click(on_show)
    clear.on_click(on_clear)
    return box
