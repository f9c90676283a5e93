"""The room's result while answers arrive: scored off the request path, cached, and released only when the
change since the last release rests on enough people.

Why a release rule. :func:`~alliance_research.workshop.score_room` shows nothing that rests on fewer than
``min_answers`` answers. A live page adds a second way to read an answer: the *difference* between two
versions of the page. If the room's score of a practice moves when exactly one participant submits or changes
their answer, the move gives that answer away (the mean of n+1 answers and the mean of n answers give the
(n+1)-th). The notebook widget avoids this by showing the room once; the live page shows it as answers arrive,
so it applies the same threshold rule to the difference between versions: a new version is released only when,
for every practice and every group whose scores the page shows (the whole room; client and partners on the
practices they are compared on), the participants whose answer changed since the last version number none or
at least ``min_answers``. Until then the page keeps the last version and says how many people's latest answers
are waiting (a count, not an answer). This is the threshold rule for differences of tables of statistical
disclosure control (Hundepool et al., 2012, ch. 5, "disclosure by differencing"); it makes live updates coarser
in a small room, which is the price of not showing anyone's answer.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

__all__ = ["LiveResult", "Snapshot", "answer_views", "changed_people", "releasable", "scoring_pool"]


# -- scoring in a worker process ---------------------------------------------------------------------------------
#
# Scoring a room and drawing its figures is CPU work in pandas and matplotlib that holds Python's global
# interpreter lock: done in the server's process, it would stall the event loop that answers the participants
# for as long as it runs (seconds, for a large room). A worker process, given the library's analysis once,
# does it on the other core.

_WORKER: dict = {}


def _worker_start(analysis) -> None:
    _WORKER["analysis"] = analysis


def _worker_score(responses, min_answers, n_boot, random_state):
    from ..room import score_room

    return score_room(responses, _WORKER["analysis"], min_answers=min_answers, n_boot=n_boot,
                      random_state=random_state)


def scoring_pool(analysis):
    """A one-process pool that scores rooms and draws their figures against ``analysis`` (sent to it once).
    Started with ``spawn``, so that it inherits none of the server's threads or open files."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_worker_start, initargs=(analysis,))


def answer_views(responses, k: int) -> dict:
    """What a version of the page rests on, per practice and group: ``{(practice_id, group): {respondent: score}}``
    for the groups whose scores the page shows: ``"room"`` when ``k`` or more rated the practice, ``"client"``
    and ``"partners"`` when each side has ``k`` or more (the page compares them only then). A hidden cell is
    left out: what the page does not show cannot be read by differencing."""
    from ...gaps import CLIENT

    rated = responses[responses["score"].notna()]
    views = {}
    for practice_id, rows in rated.groupby("practice_id", sort=True):
        everyone = dict(zip(rows["respondent_id"], rows["score"].astype(int)))
        if len(everyone) >= k:
            views[(practice_id, "room")] = everyone
        client = rows["organisation_type"].eq(CLIENT)
        sides = {"client": rows[client], "partners": rows[~client]}
        if all(len(side) >= k for side in sides.values()):
            for name, side in sides.items():
                views[(practice_id, name)] = dict(zip(side["respondent_id"], side["score"].astype(int)))
    return views


def changed_people(before: dict, after: dict) -> dict:
    """Per cell of either version: how many participants' answers differ between them (joined, left, changed)."""
    out = {}
    for cell in set(before) | set(after):
        a, b = before.get(cell, {}), after.get(cell, {})
        out[cell] = sum(1 for person in set(a) | set(b) if a.get(person) != b.get(person))
    return out


def releasable(before: dict, after: dict, k: int) -> tuple[bool, int]:
    """Whether a version resting on ``after`` may follow one resting on ``before``: every cell changed by none or
    by ``k`` or more participants. Also returns the largest count of a cell that holds it back (0 if none)."""
    short = [n for n in changed_people(before, after).values() if 0 < n < k]
    return not short, max(short, default=0)


@dataclass
class Snapshot:
    """One released version of the room's result: ``version`` (1, 2, ...; 0 before the first), ``result`` (the
    :class:`~alliance_research.workshop.RoomResult` or None), ``context`` (what the room's page template is
    rendered with, :func:`~alliance_research.workshop.page.room_context`),
    ``figures`` (name to PNG bytes), ``n_participants`` (finished participants behind it), ``changes`` (the
    store's change counter it reflects) and ``made_at`` (seconds since the epoch)."""

    version: int = 0
    result: object = None
    context: dict = field(default_factory=dict)
    figures: dict = field(default_factory=dict)
    n_participants: int = 0
    changes: int = -1
    made_at: float = 0.0
    lock: object = field(default_factory=threading.Lock, repr=False)


class LiveResult:
    """The room's result, recomputed in the background when answers changed and cached for the facilitator.

    :meth:`refresh` (run by the server every ``interval`` seconds in a worker thread) reads the finished
    participants' ratings when the store's change counter moved, and releases a new :class:`Snapshot` when
    :func:`releasable` allows it and :func:`~alliance_research.workshop.score_room` can score the room. A
    facilitator's request only reads :attr:`snapshot`: refreshing the page never recomputes anything.
    """

    def __init__(self, store, analysis, *, min_answers: int, n_boot: int = 1000, random_state: int = 0,
                 render=None, draw=None, pool=None):
        from ..room import check_min_answers

        self.store = store
        self.analysis = analysis
        self.min_answers = check_min_answers(min_answers)
        self.n_boot = n_boot
        self.random_state = random_state
        self.render = render  # (result, version) -> page context
        self.draw = draw  # result -> {name: png bytes}
        self.pool = pool  # a scoring_pool(), or None to score in the calling thread
        self.snapshot = Snapshot()
        self.status = "No one has submitted answers yet."
        self.waiting = 0  # participants whose latest answers are not in the released version
        self._views: dict = {}
        self._seen = -1
        self._lock = threading.Lock()

    def refresh(self) -> bool:
        """Recompute when the answers changed since the last call; returns whether a new version was released."""
        if not self._lock.acquire(blocking=False):  # one refresh at a time; the next call catches up
            return False
        try:
            changes = self.store.changes
            if changes == self._seen:
                return False
            self._seen = changes
            return self._recompute(changes)
        finally:
            self._lock.release()

    def _recompute(self, changes: int) -> bool:
        from ...report.pages import plural
        from ..room import score_room

        k = self.min_answers
        responses = self.store.responses()
        n = responses["respondent_id"].nunique()
        if n == 0:
            self.status, self.waiting = "No one has submitted answers yet.", 0
            return False
        views = answer_views(responses, k)
        ok, _ = releasable(self._views, views, k)
        changed = changed_people(self._views, views)
        people = self._people(self._views, views)
        if not ok:
            self.waiting = people
            self.status = (f"The latest answers of {plural(people, 'participant')} are not shown yet: a practice's "
                           f"score changes on the page only once at least {k} people's answers to it have "
                           f"changed, so that no one's answer can be read off the change.")
            return False
        if not any(changed.values()) and self.snapshot.version:
            # what the page shows rests on the same answers (a note changed, someone joined): keep the version,
            # but let its counts catch up
            self.waiting = 0
            return False
        try:
            if self.pool is not None:
                result = self.pool.submit(_worker_score, responses, k, self.n_boot, self.random_state).result()
            else:
                result = score_room(responses, self.analysis, min_answers=k, n_boot=self.n_boot,
                                    random_state=self.random_state)
        except ValueError as err:
            self.status = f"Not shown yet: {err}."
            self.waiting = n
            return False
        version = self.snapshot.version + 1
        context = self.render(result, version) if self.render else {}
        # released before its figures are drawn (drawing takes longer than scoring): the page's numbers are
        # there at once, and the figures follow (the server calls figures() next, or the first request for one)
        self.snapshot = Snapshot(version=version, result=result, context=context, figures={},
                                 n_participants=n, changes=changes, made_at=time.time())
        self._views = views
        self.waiting = 0
        self.status = f"Showing the answers of {plural(n, 'participant')} who submitted."
        return True

    def figures(self, snapshot: Snapshot | None = None) -> dict:
        """The PNG figures of ``snapshot`` (default: the current one), drawn once."""
        snapshot = snapshot or self.snapshot
        with snapshot.lock:
            if not snapshot.figures and snapshot.result is not None:
                if self.pool is not None:
                    from ..page import room_figure_pngs

                    snapshot.figures = self.pool.submit(room_figure_pngs, snapshot.result).result()
                elif self.draw is not None:
                    snapshot.figures = self.draw(snapshot.result)
        return snapshot.figures

    @staticmethod
    def _people(before: dict, after: dict) -> int:
        who = set()
        for cell in set(before) | set(after):
            a, b = before.get(cell, {}), after.get(cell, {})
            who |= {person for person in set(a) | set(b) if a.get(person) != b.get(person)}
        return len(who)
