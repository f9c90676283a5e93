"""The live workshop's web application (Starlette): the participants' pages and the facilitator's.

Participants (no account, no e-mail: a cookie holds a random token) give their organisation type, rate each
practice of the rubric area by area in the rubric's words (level descriptors on tap, the level names or
"don't know", an optional evidence note), check and submit; they can come back and change answers until the
facilitator closes the room. Every page is a plain HTML form that works without JavaScript; ``static/live.js``
saves each answer as it is chosen when JavaScript runs.

The facilitator's pages live under ``/facilitator/<secret>/`` (the secret is made with the room and printed at
start; any other path gives 404): who has joined and finished, per area; open and close the room; the QR code of
the participants' address; and the room's result (:class:`~alliance_research.workshop.live.result.LiveResult`),
the content of ``workshop score``'s page, once the minimums are met, refreshed as answers arrive.

No page or endpoint returns one person's answers to anyone else: participants see only their own, the
facilitator sees counts and the room's result, which shows nothing resting on fewer than ``min_answers``
answers, nor any change resting on fewer (see :mod:`~alliance_research.workshop.live.result`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import io
import re
from pathlib import Path
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ...library import ORGANISATION_TYPES
from ..page import room_context, room_figure_keys, room_figure_pngs
from ..room import MIN_ANSWERS
from .result import LiveResult, scoring_pool
from .security import (CSRF_COOKIE, CSRF_FIELD, BodyLimit, HostCheck, RateLimit, SecurityHeaders, check_csrf,
                       csp_for, csrf_token, new_cookie_value)
from .store import MAX_NOTE, ROOM_CLOSED, ROOM_OPEN, RoomStore

__all__ = ["create_app", "PARTICIPANT_COOKIE", "DONT_KNOW_VALUE", "MAX_BODY", "MAX_ORGANISATION", "TEMPLATES"]

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
PARTICIPANT_COOKIE = "ar_participant"
#: The form value of the rubric's don't-know answer.
DONT_KNOW_VALUE = "dk"
#: The largest request body accepted: an area's ratings and notes fit many times over.
MAX_BODY = 64 * 1024
MAX_ORGANISATION = 200
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_GO = {"next", "back", "check", "stay"}


def _environment():
    from ...report.pages import environment

    return environment("html", template_dir=TEMPLATES)


def create_app(room, analysis, *, title: str | None = None, min_answers: int = MIN_ANSWERS, n_boot: int = 1000,
               random_state: int = 0, public_url: str | None = None, refresh_interval: float = 0.5,
               rate_limit: tuple[float, int] = (10.0, 120), max_body: int = MAX_BODY,
               host_names: set[str] | None = None, worker: bool = False) -> Starlette:
    """The live room's ASGI application.

    Parameters
    ----------
    room : path
        The room folder: its SQLite file is made on first use and reopened afterwards (nothing is lost between
        runs).
    analysis : Analysis
        The library's analysis (:func:`~alliance_research.analysis.analyse`), computed once; its framework is
        the rubric participants rate.
    title : str, optional
        Shown to participants (default: the room's title, else the rubric's).
    min_answers : int
        The minimum number of answers behind anything the facilitator sees (:func:`score_room`), and of people
        behind any change between two versions of the result.
    n_boot, random_state
        The room's bootstrap, as in ``workshop score``.
    public_url : str, optional
        The participants' address (for the QR code); default: the address the facilitator's browser used.
    refresh_interval : float
        Seconds between checks for new answers (the result is recomputed only when they changed).
    rate_limit : (per_second, burst)
        Requests per client address (:class:`~alliance_research.workshop.live.security.RateLimit`).
    max_body : int
        The largest request body, in bytes (413 above it).
    host_names : set of str, optional
        Host names answered besides IP addresses (default: ``localhost`` and this machine's names).
    worker : bool
        Score the room and draw its figures in a worker process (:func:`~alliance_research.workshop.live.result.
        scoring_pool`), started with the server, so that the work never slows the participants' requests (what
        ``workshop serve`` does); else in a thread of the server's process.
    """
    store = RoomStore(room, analysis.framework, title=title)
    fw = analysis.framework
    env = _environment()
    areas = fw.areas.sort_values("order").reset_index(drop=True) if "order" in fw.areas else fw.areas
    practices = fw.practices.sort_values("order", kind="mergesort") if "order" in fw.practices else fw.practices
    by_area = [practices[practices["area_id"].eq(a)].to_dict("records") for a in areas["area_id"]]
    area_of = dict(zip(fw.practices["practice_id"], fw.practices["area_id"]))
    descriptors = {(r.practice_id, int(r.score)): r.descriptor for r in fw.descriptors.itertuples(index=False)}
    levels = {int(level): name for level, name in fw.level_names.items()}
    dossiers = Path(analysis.library.path) / "casestudies"
    alliance_ids = set(analysis.library.alliances["alliance_id"])

    def render(result, version):
        return room_context(result, ".", link_base="casestudies/", link_suffix=".md",
                            figures={k: f"figures/room-{k}.png?v={version}" for k in room_figure_keys(result)})

    live = LiveResult(store, analysis, min_answers=min_answers, n_boot=n_boot, random_state=random_state,
                      render=render, draw=room_figure_pngs)

    # -- helpers -----------------------------------------------------------------------------------------------

    def page(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
        cookie = request.cookies.get(CSRF_COOKIE)
        fresh = not cookie or len(cookie) > 100
        if fresh:
            cookie = new_cookie_value()
        html = env.get_template(template).render(
            csrf=csrf_token(store.csrf_key, cookie), room_title=store.title, fw=context.pop("fw", fw),
            levels=levels, dont_know_value=DONT_KNOW_VALUE, rubric_areas=areas.to_dict("records"),
            n_areas=len(areas), state=store.state, organisation_types=ORGANISATION_TYPES,
            min_answers_shown=live.min_answers, **context)
        response = HTMLResponse(html, status_code=status, headers={"content-security-policy": csp_for(html)})
        if fresh:
            response.set_cookie(CSRF_COOKIE, cookie, httponly=True, samesite="strict", path="/")
        return response

    async def form_of(request: Request) -> dict:
        """The form's fields, CSRF-checked: a form from elsewhere, a field given twice, a body that is not a
        URL-encoded form or does not parse get a 4xx before anything is read from it."""
        origin = request.headers.get("origin")
        if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
            raise HTTPException(403, "This form was sent from another site.")
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != "application/x-www-form-urlencoded":
            raise HTTPException(415, "Send the form as application/x-www-form-urlencoded.")
        try:
            body = await request.body()
            body.decode("utf-8")  # a form in another encoding would be read wrongly, not refused
            items = (await request.form(max_files=0, max_fields=300)).multi_items()
        except HTTPException:
            raise
        except Exception:
            raise HTTPException(400, "The form could not be read.")
        names = [k for k, _ in items]
        if len(set(names)) != len(names) or not all(isinstance(v, str) for _, v in items):
            raise HTTPException(400, "A field was given twice or was not text.")
        fields = dict(items)
        if not check_csrf(store.csrf_key, request.cookies.get(CSRF_COOKIE), fields.pop(CSRF_FIELD, None)):
            raise HTTPException(403, "The form has expired or did not come from this page: reload it and try again.")
        if any(_CONTROL.search(v) for v in fields.values()):
            raise HTTPException(400, "The form holds control characters.")
        return fields

    def participant(request: Request) -> dict | None:
        return store.participant(request.cookies.get(PARTICIPANT_COOKIE))

    def require_open():
        if store.state != ROOM_OPEN:
            raise HTTPException(409, "The room is closed: answers can no longer be changed.")

    def parse_score(value: str):
        """A form's answer: ``""`` (none), :data:`DONT_KNOW_VALUE` (None) or a level; 400 for anything else."""
        if value == DONT_KNOW_VALUE:
            return None
        if value.isdigit() and len(value) < 4 and int(value) in levels:
            return int(value)
        raise HTTPException(400, f"An answer is a level of {min(levels)} to {max(levels)} or "
                                 f"'{DONT_KNOW_VALUE}'.")

    def parse_note(value: str) -> str:
        note = value.replace("\r\n", "\n").strip()
        if len(note) > MAX_NOTE:
            raise HTTPException(400, f"An evidence note holds at most {MAX_NOTE} characters.")
        return note

    def area_number(request: Request) -> int:
        n = request.path_params["n"]
        if not 1 <= n <= len(areas):
            raise HTTPException(404, "No such area.")
        return n

    def progress(respondent_id: str) -> list[dict]:
        own = store.answers_of(respondent_id)
        return [{"n": i + 1, "area": a["area"], "total": len(by_area[i]),
                 "answered": sum(p["practice_id"] in own for p in by_area[i]),
                 "missing": [p["label"] for p in by_area[i] if p["practice_id"] not in own]}
                for i, a in enumerate(areas.to_dict("records"))]

    # -- participants ------------------------------------------------------------------------------------------
    #
    # The store's calls are short SQLite statements (a commit, fsync included, takes well under a millisecond
    # here): they run on the event loop, since handing each to a worker thread cost more than the statement
    # (bench_live.py). The result's work (scoring, figures) and file reads go to threads or the worker process.

    async def home(request: Request):
        who = participant(request)
        if store.state != ROOM_OPEN:
            return page(request, "live-closed.html.j2", who=who)
        return page(request, "live-join.html.j2", who=who)

    async def join(request: Request):
        await form_of(request)
        require_open()
        if participant(request) is not None:
            return RedirectResponse("/about", 303)
        token = store.join()
        response = RedirectResponse("/about", 303)
        response.set_cookie(PARTICIPANT_COOKIE, token, max_age=7 * 24 * 3600, httponly=True, samesite="lax",
                            path="/")
        return response

    async def about(request: Request):
        who = participant(request)
        if who is None:
            return RedirectResponse("/", 303)
        if request.method == "GET":
            return page(request, "live-about.html.j2", who=who, error=None)
        fields = await form_of(request)
        require_open()
        if set(fields) - {"organisation_type", "organisation"}:
            raise HTTPException(400, "Unknown fields in the form.")
        kind, organisation = fields.get("organisation_type", ""), fields.get("organisation", "").strip()
        if kind and kind not in ORGANISATION_TYPES:
            raise HTTPException(400, f"An organisation type is one of {', '.join(ORGANISATION_TYPES)}.")
        if len(organisation) > MAX_ORGANISATION:
            raise HTTPException(400, f"An organisation's name holds at most {MAX_ORGANISATION} characters.")
        if not kind:
            return page(request, "live-about.html.j2", status=422, who={**who, "organisation": organisation},
                        error="Choose the type of organisation you work for.")
        store.set_about(who["respondent_id"], kind, organisation)
        return RedirectResponse("/area/1", 303)

    async def area(request: Request):
        n = area_number(request)
        who = participant(request)
        if who is None:
            return RedirectResponse("/", 303)
        if not who["organisation_type"]:
            return RedirectResponse("/about", 303)
        if request.method == "POST":
            fields = await form_of(request)
            require_open()
            go = fields.pop("go", "next")
            if go not in _GO:
                raise HTTPException(400, "Unknown button.")
            ids = {p["practice_id"] for p in by_area[n - 1]}
            allowed = {f"score:{p}" for p in ids} | {f"note:{p}" for p in ids}
            if set(fields) - allowed:
                raise HTTPException(400, "The form names practices that are not in this area of the rubric.")
            answers, noted = {}, []
            for practice_id in sorted(ids):
                value = fields.get(f"score:{practice_id}", "")
                note = parse_note(fields.get(f"note:{practice_id}", ""))
                if value:
                    answers[practice_id] = (parse_score(value), note)
                elif note:
                    noted.append(practice_id)
            if noted:  # a note without an answer: say so rather than drop it or read it as don't know
                labels = [p["label"] for p in by_area[n - 1] if p["practice_id"] in noted]
                own = {**(store.answers_of(who["respondent_id"])),
                       **{p: (None, fields.get(f"note:{p}", "")) for p in noted}}
                return page(request, "live-area.html.j2", status=422, who=who, n=n, area=areas.iloc[n - 1],
                            practices=by_area[n - 1], own=own, descriptors=descriptors, unanswered=set(noted),
                            error="Choose a level or \u201c" + fw.dont_know + "\u201d for " + ", ".join(labels)
                            + " (or clear the note): nothing on this page was saved.")
            if answers:
                store.save_answers(who["respondent_id"], answers)
            if go == "back":
                return RedirectResponse(f"/area/{n - 1}" if n > 1 else "/about", 303)
            if go == "stay":
                return RedirectResponse(f"/area/{n}", 303)
            if go == "check" or n == len(areas):
                return RedirectResponse("/check", 303)
            return RedirectResponse(f"/area/{n + 1}", 303)
        own = store.answers_of(who["respondent_id"])
        return page(request, "live-area.html.j2", who=who, n=n, area=areas.iloc[n - 1], practices=by_area[n - 1],
                    own=own, descriptors=descriptors, unanswered=set(), error=None)

    async def answer(request: Request):
        """One answer, saved as it is chosen (``live.js``); the reply says only that it was saved."""
        who = participant(request)
        if who is None:
            raise HTTPException(403, "Join the room first.")
        fields = await form_of(request)
        require_open()
        if set(fields) - {"practice_id", "score", "note"} or "practice_id" not in fields:
            raise HTTPException(400, "An answer names a practice, a score and, optionally, a note.")
        practice_id = fields["practice_id"]
        if practice_id not in area_of:
            raise HTTPException(400, "No such practice in the rubric.")
        score = parse_score(fields.get("score", ""))
        store.save_answers(who["respondent_id"],
                                {practice_id: (score, parse_note(fields.get("note", "")))})
        return JSONResponse({"saved": True})

    async def check(request: Request):
        who = participant(request)
        if who is None:
            return RedirectResponse("/", 303)
        if not who["organisation_type"]:
            return RedirectResponse("/about", 303)
        return page(request, "live-check.html.j2", who=who,
                    progress=progress(who["respondent_id"]))

    async def submit(request: Request):
        who = participant(request)
        if who is None:
            raise HTTPException(403, "Join the room first.")
        fields = await form_of(request)
        require_open()
        if fields:
            raise HTTPException(400, "Unknown fields in the form.")
        if not who["organisation_type"]:
            return RedirectResponse("/about", 303)
        store.finish(who["respondent_id"])
        return RedirectResponse("/done", 303)

    async def done(request: Request):
        who = participant(request)
        if who is None:
            return RedirectResponse("/", 303)
        return page(request, "live-done.html.j2", who=who)

    # -- the facilitator ---------------------------------------------------------------------------------------

    def facilitator(request: Request) -> None:
        if not hmac.compare_digest(request.path_params["secret"].encode(), store.secret.encode()):
            raise HTTPException(404, "Not found.")

    def participant_url(request: Request) -> str:
        return public_url or str(request.base_url)

    def counts() -> dict:
        c = store.counts()
        per_area = []
        for i, a in enumerate(areas.to_dict("records")):
            ids = {p["practice_id"] for p in by_area[i]}
            per_area.append({"area": a["area"], "done": sum(ids <= got for got in c["answered"].values())})
        snap = live.snapshot
        return {"state": store.state, "joined": c["joined"], "finished": c["finished"], "areas": per_area,
                "version": snap.version, "shown": snap.n_participants, "waiting": live.waiting,
                "status": live.status, "min_answers": live.min_answers}

    async def dashboard(request: Request):
        facilitator(request)
        status = counts()
        snap = live.snapshot
        common = dict(room_status=status, participant_url=participant_url(request), screen="screen" in request.query_params)
        if snap.version:
            return page(request, "live-facilitator.html.j2", **snap.context, **common)
        return page(request, "live-facilitator-wait.html.j2", **common)

    async def status_json(request: Request):
        facilitator(request)
        return JSONResponse(counts())

    async def set_state(request: Request):
        facilitator(request)
        fields = await form_of(request)
        if set(fields) != {"state"} or fields["state"] not in (ROOM_OPEN, ROOM_CLOSED):
            raise HTTPException(400, f"The state is {ROOM_OPEN} or {ROOM_CLOSED}.")
        store.set_state(fields["state"])
        return RedirectResponse(f"/facilitator/{store.secret}/", 303)

    async def qr(request: Request):
        import segno

        facilitator(request)
        if request.path_params["kind"] not in ("svg", "png"):
            raise HTTPException(404, "Not found.")
        code = segno.make(participant_url(request), error="m")
        buffer = io.BytesIO()
        if request.path_params["kind"] == "svg":
            code.save(buffer, kind="svg", scale=10, border=2, title="The participants' address")
            return Response(buffer.getvalue(), media_type="image/svg+xml")
        code.save(buffer, kind="png", scale=10, border=2)
        return Response(buffer.getvalue(), media_type="image/png")

    async def figure(request: Request):
        facilitator(request)
        data = (await run_in_threadpool(live.figures)).get(request.path_params["key"])
        if data is None:
            raise HTTPException(404, "No such figure.")
        return Response(data, media_type="image/png")

    async def dossier(request: Request):
        facilitator(request)
        alliance_id = request.path_params["alliance_id"]
        if alliance_id not in alliance_ids:
            raise HTTPException(404, "No such case study.")
        text = await run_in_threadpool((dossiers / f"{alliance_id}.md").read_text, encoding="utf-8")
        return PlainTextResponse(text)

    # -- the application ---------------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def lifespan(app):
        async def keep_fresh():
            while True:
                try:
                    if await run_in_threadpool(live.refresh):
                        await run_in_threadpool(live.figures)
                except Exception as err:  # pragma: no cover - a bug must not stop the room; say it and go on
                    live.status = f"The result could not be refreshed: {err}"
                await asyncio.sleep(refresh_interval)

        if worker and live.pool is None:
            live.pool = await run_in_threadpool(scoring_pool, analysis)
        task = asyncio.create_task(keep_fresh()) if refresh_interval else None
        try:
            yield
        finally:
            if live.pool is not None:
                live.pool.shutdown(wait=False, cancel_futures=True)
                live.pool = None
            if task:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            store.close()

    secret = "{secret:str}"
    routes = [
        Route("/", home),
        Route("/join", join, methods=["POST"]),
        Route("/about", about, methods=["GET", "POST"]),
        Route("/area/{n:int}", area, methods=["GET", "POST"]),
        Route("/answer", answer, methods=["POST"]),
        Route("/check", check),
        Route("/submit", submit, methods=["POST"]),
        Route("/done", done),
        Route("/favicon.ico", lambda request: Response(status_code=204)),
        Route(f"/facilitator/{secret}/", dashboard),
        Route(f"/facilitator/{secret}/status.json", status_json),
        Route(f"/facilitator/{secret}/state", set_state, methods=["POST"]),
        Route(f"/facilitator/{secret}/qr.{{kind:str}}", qr),
        Route(f"/facilitator/{secret}/figures/room-{{key:str}}.png", figure),
        Route(f"/facilitator/{secret}/casestudies/{{alliance_id:str}}.md", dossier),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    middleware = [Middleware(SecurityHeaders), Middleware(HostCheck, names=host_names),
                  Middleware(RateLimit, per_second=rate_limit[0], burst=rate_limit[1]),
                  Middleware(BodyLimit, max_bytes=max_body)]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.store, app.state.live, app.state.analysis = store, live, analysis
    return app
