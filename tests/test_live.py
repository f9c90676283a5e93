"""The live workshop (issue 15): the participants' and facilitator's pages through Starlette's test client, every
bad input refused with a 4xx and nothing changed, the facilitator's secret, the anonymity minimums (also across
versions of the live result), restart without loss, export and appending as a wave, ``workshop score`` on a room
folder, and a real browser against a real uvicorn server.

The library is analysed once for the module with a small bootstrap (these tests check the route, not the
statistics, which tests/test_workshop.py pins).
"""

from __future__ import annotations

import re
import shutil
import socket
import sqlite3
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("starlette")  # a dependency (pyproject.toml); without it the whole module cannot run
from starlette.testclient import TestClient  # noqa: E402

import alliance_research as ar  # noqa: E402
from alliance_research.cli import main  # noqa: E402
from alliance_research.workshop.live.app import create_app  # noqa: E402
from alliance_research.workshop.live.export import export_room  # noqa: E402
from alliance_research.workshop.live.result import releasable  # noqa: E402
from alliance_research.workshop.live.store import DB_NAME, read_room  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BASE = "http://127.0.0.1"
N_BOOT = 20


@pytest.fixture(scope="module")
def analysis():
    from alliance_research.analysis import analyse

    return analyse(ar.load_library(), n_boot=N_BOOT, random_state=0)


@pytest.fixture
def app(analysis, tmp_path):
    return create_app(tmp_path / "room", analysis, n_boot=N_BOOT, refresh_interval=0, title="Test room")


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


class Phone:
    """One participant's browser: a test client with its own cookies."""

    def __init__(self, app, address="127.0.0.1"):
        self.client = TestClient(app, base_url=BASE, client=(address, 50000))
        self.last = None

    def get(self, path):
        self.last = self.client.get(path)
        return self.last

    def post(self, path, data, **kw):
        return self.client.post(path, data=data, **kw)

    def token(self, path):
        return _csrf(self.get(path).text)

    def join(self, kind="contractor", organisation="Contractor A"):
        r = self.post("/join", {"csrf": self.token("/")}, follow_redirects=True)
        assert r.status_code == 200 and r.url.path == "/about"
        r = self.post("/about", {"csrf": _csrf(r.text), "organisation_type": kind, "organisation": organisation},
                      follow_redirects=True)
        assert r.status_code == 200 and r.url.path == "/area/1", r.text[:500]
        return self

    def rate_all(self, score_of, note=""):
        """Rate every area through the plain forms (no JavaScript); ``score_of(practice_id)`` gives the form
        value. Ends on the check page."""
        r = self.get("/area/1")
        while r.url.path.startswith("/area/"):
            ids = re.findall(r'name="score:([^"]+)" value="0"', r.text)
            data = {"csrf": _csrf(r.text), "go": "next"}
            for p in ids:
                data[f"score:{p}"] = score_of(p)
                data[f"note:{p}"] = note
            r = self.post(r.url.path, data, follow_redirects=True)
            assert r.status_code == 200, r.text[:500]
        assert r.url.path == "/check"
        return r

    def submit(self):
        r = self.post("/submit", {"csrf": self.token("/check")}, follow_redirects=True)
        assert r.status_code == 200 and r.url.path == "/done"
        return r


def _dump(app) -> tuple:
    """Every row the room holds (answers and participants), to show that a refused request changed nothing."""
    db = sqlite3.connect(app.state.store.path)
    try:
        return (db.execute("SELECT * FROM answers ORDER BY 1, 2").fetchall(),
                db.execute("SELECT * FROM participants ORDER BY 1").fetchall(),
                db.execute("SELECT * FROM meta WHERE key = 'state'").fetchall())
    finally:
        db.close()


def _room(app, people, score_of=lambda i, p: str((i + len(p)) % 5), note=""):
    """``people`` participants of the given organisation types, all submitted. Returns the phones."""
    phones = []
    for i, kind in enumerate(people):
        phone = Phone(app, f"10.0.0.{i + 1}").join(kind)
        phone.rate_all(lambda p, i=i: score_of(i, p), note=note)
        phone.submit()
        phones.append(phone)
    return phones


def _facilitator(app, path=""):
    return TestClient(app, base_url=BASE).get(f"/facilitator/{app.state.store.secret}/{path}")


# -- the whole flow ------------------------------------------------------------------------------------------------


def test_the_whole_flow_from_joining_to_the_room_result(app, analysis):
    fw = analysis.framework
    with TestClient(app, base_url=BASE):
        phones = _room(app, ["client", "client", "client", "contractor", "designer", "contractor"])
        # every answer of every participant is a row: 6 people x every practice
        assert len(_dump(app)[0]) == 6 * len(fw.practices)
        # a participant's own form shows their answers back (and only theirs: they come back to change them)
        page = phones[0].get("/area/1").text
        first = fw.practices.sort_values("order")["practice_id"].iloc[0]
        assert re.search(rf'name="score:{first}" value="{(0 + len(first)) % 5}" checked', page)
        assert app.state.live.refresh()
        status = _facilitator(app, "status.json").json()
        assert (status["joined"], status["finished"], status["version"], status["shown"]) == (6, 6, 1, 6)
        assert [a["done"] for a in status["areas"]] == [6] * len(fw.areas)
        page = _facilitator(app)
        assert page.status_code == 200
        # the content of workshop score's page: where the room stands, what to read, what to discuss, caveats
        for anchor in ('id="stands"', 'id="read"', 'id="discuss"', 'id="honestly"'):
            assert anchor in page.text
        assert "6 participants" in page.text
        for key in re.findall(r'src="(figures/room-\w+\.png\?v=1)"', page.text):
            figure = _facilitator(app, key)
            assert figure.status_code == 200 and figure.content.startswith(b"\x89PNG")
        assert _facilitator(app, "qr.svg").headers["content-type"].startswith("image/svg+xml")
        assert _facilitator(app, "qr.png").content.startswith(b"\x89PNG")
        # the case studies it suggests open from the page
        link = re.search(r'href="(casestudies/[a-z0-9-]+\.md)"', page.text).group(1)
        assert _facilitator(app, link).text.startswith("---")
        # a second refresh with nothing new computes nothing
        assert not app.state.live.refresh()


def test_javascript_saves_one_answer_at_a_time(app, analysis):
    phone = Phone(app).join("client")
    practice = analysis.framework.practice_ids[0]
    r = phone.post("/answer", {"csrf": phone.token("/area/1"), "practice_id": practice, "score": "dk",
                               "note": "minutes of the board"})
    assert r.status_code == 200 and r.json() == {"saved": True}
    answers = _dump(app)[0]
    assert [(a[1], a[2], a[3]) for a in answers] == [(practice, None, "minutes of the board")]


def test_a_note_without_an_answer_is_not_saved_and_the_page_says_why(app, analysis):
    phone = Phone(app).join("client")
    r = phone.get("/area/1")
    practice = re.findall(r'name="score:([^"]+)" value="0"', r.text)[0]
    before = _dump(app)
    r = phone.post("/area/1", {"csrf": _csrf(r.text), f"note:{practice}": "a note"})
    assert r.status_code == 422 and "nothing on this page was saved" in r.text
    assert _dump(app) == before


# -- bad input: a 4xx and nothing changed --------------------------------------------------------------------------


def _bad_requests(analysis):
    fw = analysis.framework
    first_area = fw.practices.sort_values("order")
    area_one = first_area[first_area["area_id"].eq(fw.areas["area_id"].iloc[0])]
    p = area_one["practice_id"].iloc[0]
    other_area = first_area[~first_area["practice_id"].isin(area_one["practice_id"])]["practice_id"].iloc[0]
    good = {f"score:{p}": "2"}
    return {
        "unknown practice": ("/area/1", {**good, "score:no-such-practice": "2"}, {}, 400),
        "practice of another area": ("/area/1", {**good, f"score:{other_area}": "2"}, {}, 400),
        "level above the scale": ("/area/1", {f"score:{p}": str(fw.max_score + 1)}, {}, 400),
        "level below the scale": ("/area/1", {f"score:{p}": "-1"}, {}, 400),
        "level not a whole number": ("/area/1", {f"score:{p}": "2.5"}, {}, 400),
        "level name instead of value": ("/area/1", {f"score:{p}": fw.level_names[2]}, {}, 400),
        "unknown button": ("/area/1", {**good, "go": "delete"}, {}, 400),
        "note too long": ("/area/1", {**good, f"note:{p}": "x" * 1001}, {}, 400),
        "control characters": ("/area/1", {**good, f"note:{p}": "a\x00b"}, {}, 400),
        "answer: unknown practice": ("/answer", {"practice_id": "no-such-practice", "score": "2"}, {}, 400),
        "answer: out of range": ("/answer", {"practice_id": p, "score": "9"}, {}, 400),
        "answer: extra field": ("/answer", {"practice_id": p, "score": "2", "respondent_id": "x"}, {}, 400),
        "about: unknown type": ("/about", {"organisation_type": "regulator"}, {}, 400),
        "about: long organisation": ("/about", {"organisation_type": "client", "organisation": "x" * 201}, {}, 400),
        "missing CSRF token": ("/area/1", {**good, "csrf": None}, {}, 403),
        "wrong CSRF token": ("/area/1", {**good, "csrf": "0" * 40}, {}, 403),
        "form from another site": ("/area/1", good, {"origin": "http://evil.example"}, 403),
        "JSON body": ("/area/1", None, {"content-type": "application/json"}, 415),
        "multipart body": ("/area/1", None, {"content-type": "multipart/form-data; boundary=x"}, 415),
        "not UTF-8": ("/area/1", b"csrf=TOKEN&score%3A" + p.encode() + b"=2&note%3A" + p.encode() + b"=\xff\xfe",
                      {}, 400),
        "oversized body": ("/area/1", b"csrf=TOKEN&" + b"x" * (70 * 1024), {}, 413),
        "field given twice": ("/area/1", b"csrf=TOKEN&score%3A" + p.encode() + b"=2&score%3A" + p.encode() + b"=3",
                              {}, 400),
    }


BAD_CASES = ["unknown practice", "practice of another area", "level above the scale", "level below the scale",
             "level not a whole number", "level name instead of value", "unknown button", "note too long",
             "control characters", "answer: unknown practice", "answer: out of range", "answer: extra field",
             "about: unknown type", "about: long organisation", "missing CSRF token", "wrong CSRF token",
             "form from another site", "JSON body", "multipart body", "not UTF-8", "oversized body",
             "field given twice"]


@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_input_gets_a_4xx_and_changes_nothing(app, analysis, case):
    cases = _bad_requests(analysis)
    assert set(cases) == set(BAD_CASES)
    path, data, headers, expected = cases[case]
    phone = Phone(app).join("client")
    token = phone.token("/area/1")
    before = _dump(app)
    if isinstance(data, dict):
        data = {"csrf": token, **data}
        data = {k: v for k, v in data.items() if v is not None}
        r = phone.client.post(path, data=data, headers=headers)
    else:
        body = (data or b'{"score": 2}').replace(b"TOKEN", token.encode())
        r = phone.client.post(path, content=body, headers={"content-type": "application/x-www-form-urlencoded",
                                                           **headers})
    assert r.status_code == expected, (case, r.status_code, r.text[:200])
    assert _dump(app) == before


def test_a_closed_room_refuses_answers_and_keeps_them(app, analysis):
    phone = Phone(app).join("client")
    phone.rate_all(lambda p: "3")
    token = phone.token("/area/1")
    admin = TestClient(app, base_url=BASE)
    secret = app.state.store.secret
    page = admin.get(f"/facilitator/{secret}/")
    r = admin.post(f"/facilitator/{secret}/state", data={"csrf": _csrf(page.text), "state": "closed"},
                   follow_redirects=False)
    assert r.status_code == 303 and app.state.store.state == "closed"
    before = _dump(app)
    p = analysis.framework.practice_ids[0]
    assert phone.post("/answer", {"csrf": token, "practice_id": p, "score": "1"}).status_code == 409
    assert phone.post("/submit", {"csrf": token}).status_code == 409
    assert "The room is closed" in Phone(app).get("/").text
    assert _dump(app) == before
    # the facilitator's own form needs its CSRF token too
    assert admin.post(f"/facilitator/{secret}/state", data={"state": "open"}).status_code == 403


def test_rate_limit_and_unknown_host(analysis, tmp_path):
    app = create_app(tmp_path / "room", analysis, refresh_interval=0, rate_limit=(0.5, 3))
    phone = Phone(app, "10.1.1.1")
    codes = [phone.get("/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert Phone(app, "10.1.1.2").get("/").status_code == 200  # another phone is not slowed
    r = TestClient(app, base_url="http://evil.example", client=("10.1.1.3", 1)).get("/")
    assert r.status_code == 400


def test_security_headers(app):
    r = Phone(app).get("/")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "<script>" not in r.text and not re.search(r"<script(?![^>]*\bsrc=)", r.text)  # no inline script
    assert r.headers["x-frame-options"] == "DENY" and r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["cache-control"] == "no-store"
    assert "httponly" in r.headers["set-cookie"].lower()


def test_text_is_escaped(app):
    phone = Phone(app).join("client", organisation="<script>alert(1)</script>")
    page = phone.get("/about").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# -- the facilitator's secret and the anonymity minimums -----------------------------------------------------------


@pytest.mark.parametrize("path", ["", "status.json", "qr.svg", "figures/room-profile.png",
                                  "casestudies/estuary-defences.md"])
def test_the_facilitator_pages_need_the_secret(app, path):
    client = TestClient(app, base_url=BASE)
    secret = app.state.store.secret
    for wrong in ("", "x", secret[:-1], secret + "x", secret.upper() if secret.upper() != secret else "X" + secret):
        assert client.get(f"/facilitator/{wrong}/{path}").status_code in (403, 404)
    assert client.post(f"/facilitator/{secret[:-1]}/state", data={"state": "closed"}).status_code in (403, 404)
    assert app.state.store.state == "open"


def test_nothing_is_shown_below_the_minimum_and_no_endpoint_returns_anyones_answers(app, analysis):
    marker = "only-mine-7f3a"
    with TestClient(app, base_url=BASE):
        phones = _room(app, ["client", "contractor"], note=marker)
        assert not app.state.live.refresh()
        status = _facilitator(app, "status.json").json()
        assert status["version"] == 0 and status["finished"] == 2
        page = _facilitator(app).text
        assert "Not shown yet" in page and 'id="stands"' not in page
        assert _facilitator(app, "figures/room-profile.png").status_code == 404
        phones += _room(app, ["designer"], note=marker)
        assert app.state.live.refresh()
        # no facilitator page, no other participant's page carries anyone's evidence note (or their answers)
        stranger = Phone(app, "10.9.9.9").join("client")
        for response in (_facilitator(app), _facilitator(app, "status.json"), stranger.get("/area/1"),
                         stranger.get("/check"), stranger.get("/done")):
            assert marker not in response.text
        assert marker in phones[0].get("/area/1").text  # only its author sees it, to change it
        status = _facilitator(app, "status.json").json()
        assert set(status) == {"state", "joined", "finished", "areas", "version", "shown", "waiting", "status",
                               "min_answers"}


def test_a_change_by_fewer_than_the_minimum_is_held_back(app, analysis):
    fw = analysis.framework
    practice = fw.practices.sort_values("order")["practice_id"].iloc[0]
    with TestClient(app, base_url=BASE):
        phones = _room(app, ["contractor"] * 4, score_of=lambda i, p: "2")
        assert app.state.live.refresh() and app.state.live.snapshot.version == 1
        shown = app.state.live.snapshot.result.profile.set_index("practice_id").loc[practice, "score"]
        # one person changes one answer: the change would give it away, so the result stays as it was
        phones[0].post("/answer", {"csrf": phones[0].token("/area/1"), "practice_id": practice, "score": "4"})
        assert not app.state.live.refresh()
        assert app.state.live.snapshot.version == 1 and app.state.live.waiting == 1
        assert app.state.live.snapshot.result.profile.set_index("practice_id").loc[practice, "score"] == shown
        assert "1 participant" in _facilitator(app, "status.json").json()["status"]
        # two more change it: three people's changes together are released
        for phone in phones[1:3]:
            phone.post("/answer", {"csrf": phone.token("/area/1"), "practice_id": practice, "score": "4"})
        assert app.state.live.refresh() and app.state.live.snapshot.version == 2
        assert app.state.live.snapshot.result.profile.set_index("practice_id").loc[practice, "score"] == 3.5


def test_releasable_counts_people_per_practice_and_side():
    before = {("p", "room"): {"a": 1, "b": 2, "c": 3}}
    assert releasable(before, {("p", "room"): {"a": 1, "b": 2, "c": 4}}, 3) == (False, 1)
    assert releasable(before, {("p", "room"): {"a": 2, "b": 3, "c": 4}}, 3) == (True, 0)
    assert releasable(before, before, 3) == (True, 0)
    assert releasable(before, {}, 3) == (True, 0)  # hidden again: all three left the shown cell
    # a newcomer with two changes elsewhere still makes one change to this cell
    assert releasable(before, {("p", "room"): {"a": 1, "b": 2, "c": 3, "d": 4},
                               ("q", "room"): {"x": 1, "y": 1, "z": 1}}, 3) == (False, 1)


# -- restart, export, workshop score ------------------------------------------------------------------------------


def test_restart_loses_nothing(analysis, tmp_path):
    room = tmp_path / "room"
    first = create_app(room, analysis, n_boot=N_BOOT, refresh_interval=0)
    phones = _room(first, ["client", "contractor", "designer"])
    cookies = dict(phones[0].client.cookies)
    before, secret = _dump(first), first.state.store.secret
    first.state.store.close()
    again = create_app(room, analysis, n_boot=N_BOOT, refresh_interval=0)
    assert _dump(again) == before and again.state.store.secret == secret
    assert again.state.live.refresh()  # the result comes back from the file
    assert again.state.live.snapshot.n_participants == 3
    phone = Phone(again)
    phone.client.cookies.update(cookies)  # the same phone carries on
    assert phone.get("/area/1").status_code == 200 and phone.last.url.path == "/area/1"


def test_a_room_for_another_rubric_is_refused(analysis, tmp_path, small_fw):
    from alliance_research.workshop.live.store import RoomStore

    create_app(tmp_path / "room", analysis, refresh_interval=0).state.store.close()
    with pytest.raises(ValueError, match="another rubric"):
        RoomStore(tmp_path / "room", small_fw)


@pytest.fixture
def finished_room(analysis, tmp_path):
    app = create_app(tmp_path / "room", analysis, n_boot=N_BOOT, refresh_interval=0)
    _room(app, ["client", "client", "client", "contractor", "designer", "contractor"])
    Phone(app, "10.5.5.5").join("client")  # joined, never submitted: not exported
    app.state.store.close()
    return tmp_path / "room"


def test_export_writes_the_ratings_format(finished_room, analysis):
    rows, path = export_room(finished_room)
    assert path == finished_room / "responses.csv"
    written = pd.read_csv(path)
    assert list(written.columns) == ["alliance_id", "wave", "respondent_id", "organisation", "organisation_type",
                                     "practice_id", "score", "comment"]
    assert written["respondent_id"].nunique() == 6 and len(written) == 6 * len(analysis.framework.practices)
    # every answer in SQLite is in the export
    db = sqlite3.connect(finished_room / DB_NAME)
    stored = db.execute("SELECT a.respondent_id, a.practice_id, a.score FROM answers a JOIN participants p USING "
                        "(respondent_id) WHERE p.finished_at IS NOT NULL").fetchall()
    db.close()
    exported = {(r.respondent_id, r.practice_id): r.score for r in written.itertuples()}
    assert len(stored) == len(exported)
    assert all(exported[(r, p)] == s or (s is None and pd.isna(exported[(r, p)])) for r, p, s in stored)


def test_export_appends_a_wave_through_import_surveys_checks(finished_room, tmp_path):
    library = tmp_path / "lib"
    shutil.copytree(ROOT / "casestudies", library / "casestudies")
    shutil.copytree(ROOT / "data", library / "data")
    before = (library / "data" / "responses.csv").read_bytes()
    assert main(["workshop", "export", "--room", str(finished_room), "--alliance", "estuary-defences",
                 "--wave", "9", "--library", str(library)]) == 0
    lib = ar.load_library(library)
    wave = lib.responses[(lib.responses["alliance_id"] == "estuary-defences") & (lib.responses["wave"] == 9)]
    assert wave["respondent_id"].nunique() == 6
    assert (library / "data" / "responses.csv").read_bytes().startswith(before)
    after = (library / "data" / "responses.csv").read_bytes()
    # the same export again is refused (its rows are there) and nothing is written; so is an unknown alliance
    assert main(["workshop", "export", "--room", str(finished_room), "--alliance", "estuary-defences",
                 "--wave", "9", "--library", str(library)]) == 2
    assert main(["workshop", "export", "--room", str(finished_room), "--alliance", "no-such-alliance",
                 "--wave", "10", "--library", str(library)]) == 2
    assert (library / "data" / "responses.csv").read_bytes() == after


def test_export_of_a_folder_without_a_room_fails_cleanly(tmp_path, capsys):
    assert main(["workshop", "export", "--room", str(tmp_path)]) == 2
    assert "room.sqlite3" in capsys.readouterr().err


def test_workshop_score_accepts_a_room_folder(finished_room, analysis, tmp_path):
    responses = read_room(finished_room, analysis.framework)
    assert responses["respondent_id"].nunique() == 6
    out = tmp_path / "page"
    assert main(["workshop", "score", str(finished_room), "--out", str(out), "--n-boot", str(N_BOOT)]) == 0
    page = (out / "room.html").read_text(encoding="utf-8")
    assert "6 participants" in page and (out / "figures" / "room-profile.png").is_file()


# -- a real browser against a real server ------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(analysis, tmp_path):
    """A real uvicorn server on 127.0.0.1 in a thread, refreshing the result every 0.2 s."""
    import uvicorn

    app = create_app(tmp_path / "room", analysis, n_boot=N_BOOT, refresh_interval=0.2, title="Riverside alliance")
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield app, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def phone_browser():
    import os

    require = os.environ.get("ALLIANCE_RESEARCH_REQUIRE_BROWSER", "") not in ("", "0")
    from tests.test_site import BROWSERS, CHROMIUM_ARGS, DRIVERS

    def unavailable(reason):
        if require:
            pytest.fail(f"{reason} (and ALLIANCE_RESEARCH_REQUIRE_BROWSER is set, so this is a failure)")
        pytest.skip(reason)

    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as err:
        unavailable(f"selenium is not installed ({err})")
    chromium = next(filter(None, map(shutil.which, BROWSERS)), None)
    driver_path = next(filter(None, map(shutil.which, DRIVERS)), None)
    if not chromium or not driver_path:
        unavailable("Chromium or chromedriver not found (apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in CHROMIUM_ARGS:
        if arg.startswith("--host-resolver-rules"):  # offline as there, but the server's own address resolves
            arg += ", EXCLUDE 127.0.0.1"
        if not arg.startswith("--window-size"):
            options.add_argument(arg)
    # a phone: Chromium's own window cannot be narrower than 500 px, so the page is given a phone's viewport
    options.add_experimental_option("mobileEmulation", {"deviceMetrics": {"width": 360, "height": 780,
                                                                          "pixelRatio": 2}})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def _click_through(driver, css):
    """Click a form's button and wait for the next page."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    button = driver.find_element(By.CSS_SELECTOR, css)
    driver.execute_script("window.__before = 1; arguments[0].scrollIntoView({block: 'center'});", button)
    button.click()
    WebDriverWait(driver, 15).until(lambda d: d.execute_script(
        "return window.__before === undefined && document.readyState === 'complete'"))


def _fill_in_browser(driver, url, kind, score_of):
    from selenium.webdriver.common.by import By


    driver.delete_all_cookies()
    driver.get(url + "/")
    _click_through(driver, "form[action='/join'] button")
    driver.find_element(By.CSS_SELECTOR, f"input[name=organisation_type][value={kind}]").click()
    _click_through(driver, "form[action='/about'] button.primary")
    while "/area/" in driver.current_url:
        for fieldset in driver.find_elements(By.CSS_SELECTOR, "fieldset[data-practice]"):
            practice = fieldset.get_attribute("data-practice")
            radio = fieldset.find_element(By.CSS_SELECTOR, f"input[value='{score_of(practice)}']")
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", radio)
            radio.click()
        _click_through(driver, "button[value=next]")
    assert driver.current_url.endswith("/check")
    _click_through(driver, "form[action='/submit'] button")
    assert driver.current_url.endswith("/done")



def test_a_phone_fills_the_form_and_the_facilitator_sees_the_count_then_the_result(server, phone_browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    app, url = server
    driver = phone_browser
    driver.get(url + "/")
    # a phone's viewport, and nothing wider than it on the participant's pages
    assert driver.execute_script("return window.innerWidth") == 360
    assert driver.execute_script("return document.documentElement.scrollWidth") <= 360
    _fill_in_browser(driver, url, "client", lambda p: "3")
    # JavaScript saved each answer as it was chosen, and the page's button saved them all: one row each
    assert len(_dump(app)[0]) == len(app.state.analysis.framework.practices)
    facilitator = f"{url}/facilitator/{app.state.store.secret}/"
    driver.get(facilitator)
    assert driver.find_element(By.ID, "n-finished").text == "1"
    assert "Not shown yet" in driver.page_source
    # two more participants (through plain HTTP, to keep the test short): the facilitator's open page follows
    # the count by itself, then reloads with the result once three people have rated the practices
    _room(app, ["contractor", "designer"])
    WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.ID, "stands"))
    assert "3 participants" in driver.page_source
    assert driver.execute_script("return document.documentElement.scrollWidth") <= 360
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors
