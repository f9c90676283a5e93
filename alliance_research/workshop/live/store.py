"""The live room's answers: one SQLite file in the room folder, one row per answer, committed before the
participant is told "saved".

The file (``room.sqlite3``) is in WAL mode, so the facilitator's reads never wait on a participant's write, with
``synchronous=FULL``: a commit is on disk before it returns, so an answer acknowledged is an answer kept through
a crash or a power cut, not only through a stopped server. Stopping the server and starting it again on the same
folder resumes the room as it was (participants keep their cookies, the facilitator keeps the link).

What it holds
-------------
``meta``
    The rubric (id, version, practice ids) the room was made for, its title, whether it is open, the
    facilitator's secret and the key that signs the forms' CSRF tokens.
``participants``
    One row per participant: a random id (``respondent_id`` in the ratings), the SHA-256 of the random token
    their cookie holds (the token itself is never stored, so the file cannot be used to act as someone),
    organisation type, organisation (optional), when they joined, finished (submitted the final check) and last
    changed an answer. No name, no e-mail, no address.
``answers``
    One row per participant and practice they answered: the score (NULL for the rubric's don't-know answer) and
    the evidence note.

Nothing here returns one person's answers except :meth:`RoomStore.answers_of`, which the server uses only to
show participants their own answers on their own forms, and :meth:`RoomStore.responses`, the long ratings of
everyone who finished, which only feed the room's scoring and the export (:func:`read_room`).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import threading
import time
from pathlib import Path

__all__ = ["RoomStore", "read_room", "is_room", "DB_NAME", "MAX_NOTE", "ROOM_OPEN", "ROOM_CLOSED"]

#: The file a room folder holds.
DB_NAME = "room.sqlite3"
#: The longest evidence note kept, in characters.
MAX_NOTE = 1000
ROOM_OPEN, ROOM_CLOSED = "open", "closed"
#: The layout of the file; a later layout would need a migration.
FORMAT = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS participants (
    respondent_id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    organisation_type TEXT,
    organisation TEXT NOT NULL DEFAULT '',
    joined_at REAL NOT NULL,
    finished_at REAL,
    changed_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS answers (
    respondent_id TEXT NOT NULL REFERENCES participants (respondent_id),
    practice_id TEXT NOT NULL,
    score INTEGER,
    comment TEXT NOT NULL DEFAULT '',
    saved_at REAL NOT NULL,
    PRIMARY KEY (respondent_id, practice_id)
);
"""


def is_room(folder) -> bool:
    """Whether ``folder`` is a live room's folder (holds :data:`DB_NAME`)."""
    return (Path(folder) / DB_NAME).is_file()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class RoomStore:
    """A room folder's SQLite file, shared by the server's threads.

    One connection serves every thread, behind a lock: SQLite takes one writer at a time anyway, and one
    connection keeps each request to one short transaction with no waiting on file locks (``busy_timeout`` covers
    another process, e.g. an export run while the server is up).

    Parameters
    ----------
    folder : path
        The room folder; made when missing.
    framework : Framework
        The rubric. A new room records its id, version and practices; an existing room must have been made for
        the same practices (ValueError otherwise: a room's answers would not fit another rubric).
    title : str, optional
        The room's title (kept from the first start when not given).
    create : bool
        Make the room when the folder has none (else FileNotFoundError).
    """

    def __init__(self, folder, framework, *, title: str | None = None, create: bool = True):
        self.folder = Path(folder)
        self.path = self.folder / DB_NAME
        if not self.path.is_file() and not create:
            raise FileNotFoundError(f"{self.folder} holds no live room ({DB_NAME})")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.framework = framework
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10.0)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(_SCHEMA)
        with self._write() as db:
            meta = dict(db.execute("SELECT key, value FROM meta"))
            practices = list(framework.practice_ids)
            if not meta:
                meta = {"format": FORMAT, "framework_id": str(framework.id), "framework_version": str(framework.version),
                        "practice_ids": json.dumps(practices), "title": title or framework.title,
                        "state": ROOM_OPEN, "secret": secrets.token_urlsafe(24), "csrf_key": secrets.token_hex(32),
                        "created_at": repr(time.time()), "changes": "0"}
                db.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
            elif json.loads(meta["practice_ids"]) != practices:
                raise ValueError(f"the room in {self.folder} was made for another rubric ('{meta['framework_id']}' "
                                 f"version {meta['framework_version']}) than '{framework.id}' version "
                                 f"{framework.version}: start a new room folder, or use that rubric")
            elif title and title != meta["title"]:
                db.execute("UPDATE meta SET value = ? WHERE key = 'title'", (title,))
                meta["title"] = title
        self.secret = meta["secret"]
        self.csrf_key = bytes.fromhex(meta["csrf_key"])
        self.title = meta["title"]
        self.framework_version = meta["framework_version"]
        self._practices = set(framework.practice_ids)
        self._levels = set(range(int(framework.min_score), int(framework.max_score) + 1))

    # -- plumbing ----------------------------------------------------------------------------------------------

    class _Transaction:
        def __init__(self, store):
            self.store = store

        def __enter__(self):
            self.store._lock.acquire()
            try:
                self.store._db.execute("BEGIN IMMEDIATE")
            except BaseException:
                self.store._lock.release()
                raise
            return self.store._db

        def __exit__(self, kind, value, tb):
            try:
                self.store._db.execute("COMMIT" if kind is None else "ROLLBACK")
            finally:
                self.store._lock.release()

    def _write(self):
        """One transaction, committed (on disk) when the block ends, rolled back on an exception."""
        return self._Transaction(self)

    def _read(self, sql: str, args=()):
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @staticmethod
    def _bump(db) -> None:
        db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'changes'")

    # -- the room ----------------------------------------------------------------------------------------------

    @property
    def changes(self) -> int:
        """A counter raised by every change of a participant or an answer: the result is recomputed only when it
        moved."""
        return int(self._read("SELECT value FROM meta WHERE key = 'changes'")[0][0])

    @property
    def state(self) -> str:
        return self._read("SELECT value FROM meta WHERE key = 'state'")[0][0]

    def set_state(self, state: str) -> None:
        if state not in (ROOM_OPEN, ROOM_CLOSED):
            raise ValueError(f"a room is {ROOM_OPEN} or {ROOM_CLOSED}; got {state!r}")
        with self._write() as db:
            db.execute("UPDATE meta SET value = ? WHERE key = 'state'", (state,))

    # -- participants ------------------------------------------------------------------------------------------

    def join(self) -> str:
        """A new participant: returns the random token for their cookie (only its hash is kept)."""
        token = secrets.token_urlsafe(32)
        now = time.time()
        with self._write() as db:
            while True:  # a clash of 48 random bits is unlikely, but cheap to rule out
                respondent = f"participant-{secrets.token_hex(6)}"
                if not db.execute("SELECT 1 FROM participants WHERE respondent_id = ?", (respondent,)).fetchone():
                    break
            db.execute("INSERT INTO participants (respondent_id, token_hash, joined_at, changed_at) "
                       "VALUES (?, ?, ?, ?)", (respondent, _hash(token), now, now))
            self._bump(db)
        return token

    def participant(self, token: str | None) -> dict | None:
        """The participant holding ``token`` (``respondent_id``, ``organisation_type``, ``organisation``,
        ``finished``), or None."""
        if not token or len(token) > 100:
            return None
        rows = self._read("SELECT respondent_id, organisation_type, organisation, finished_at FROM participants "
                          "WHERE token_hash = ?", (_hash(token),))
        if not rows:
            return None
        respondent, kind, organisation, finished = rows[0]
        return {"respondent_id": respondent, "organisation_type": kind, "organisation": organisation,
                "finished": finished is not None}

    def set_about(self, respondent_id: str, organisation_type: str, organisation: str = "") -> None:
        from ...library import ORGANISATION_TYPES

        if organisation_type not in ORGANISATION_TYPES:
            raise ValueError(f"organisation type must be one of {', '.join(ORGANISATION_TYPES)}")
        with self._write() as db:
            db.execute("UPDATE participants SET organisation_type = ?, organisation = ?, changed_at = ? "
                       "WHERE respondent_id = ?", (organisation_type, organisation, time.time(), respondent_id))
            self._bump(db)

    def save_answers(self, respondent_id: str, answers: dict) -> int:
        """Save ``{practice_id: (score or None, note)}`` in one transaction (None: don't know); returns how many.
        Every answer is checked against the rubric first: one bad answer and none is saved (ValueError)."""
        for practice_id, (score, note) in answers.items():
            if practice_id not in self._practices:
                raise ValueError(f"no practice {practice_id!r} in the rubric")
            if score is not None and (isinstance(score, bool) or score not in self._levels):
                raise ValueError(f"a level of {min(self._levels)} to {max(self._levels)}, or don't know")
            if not isinstance(note, str) or len(note) > MAX_NOTE:
                raise ValueError(f"an evidence note of at most {MAX_NOTE} characters")
        now = time.time()
        with self._write() as db:
            db.executemany(
                "INSERT INTO answers (respondent_id, practice_id, score, comment, saved_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (respondent_id, practice_id) DO UPDATE SET score = excluded.score, "
                "comment = excluded.comment, saved_at = excluded.saved_at",
                [(respondent_id, p, s, n, now) for p, (s, n) in answers.items()])
            db.execute("UPDATE participants SET changed_at = ? WHERE respondent_id = ?", (now, respondent_id))
            self._bump(db)
        return len(answers)

    def finish(self, respondent_id: str) -> None:
        """The participant submitted the final check: from now on their answers count in the room's result."""
        with self._write() as db:
            db.execute("UPDATE participants SET finished_at = COALESCE(finished_at, ?) WHERE respondent_id = ?",
                       (time.time(), respondent_id))
            self._bump(db)

    def answers_of(self, respondent_id: str) -> dict:
        """``{practice_id: (score or None, note)}`` of one participant: only for their own forms."""
        rows = self._read("SELECT practice_id, score, comment FROM answers WHERE respondent_id = ?", (respondent_id,))
        return {p: (s, c) for p, s, c in rows}

    # -- counts and ratings ------------------------------------------------------------------------------------

    def counts(self) -> dict:
        """Who has joined and finished, and per practice how many answered it (rated or don't know): counts only."""
        joined, finished = self._read("SELECT COUNT(*), COUNT(finished_at) FROM participants")[0]
        answered = self._read("SELECT respondent_id, practice_id FROM answers")
        by_person: dict[str, set] = {}
        for respondent, practice in answered:
            by_person.setdefault(respondent, set()).add(practice)
        return {"joined": int(joined), "finished": int(finished), "answered": by_person}

    def responses(self):
        """The long ratings of everyone who finished (:func:`read_room` adds the workbook route's columns)."""
        import pandas as pd

        from ...library import RESPONSE_COLUMNS

        with self._lock:
            people = self._db.execute(
                "SELECT respondent_id, organisation_type, organisation FROM participants "
                "WHERE finished_at IS NOT NULL ORDER BY joined_at, respondent_id").fetchall()
            answers = self._db.execute(
                "SELECT a.respondent_id, a.practice_id, a.score, a.comment FROM answers a JOIN participants p "
                "ON p.respondent_id = a.respondent_id WHERE p.finished_at IS NOT NULL").fetchall()
        given = {(r, p): (s, c) for r, p, s, c in answers}
        rows = []
        for respondent, kind, organisation in people:
            for practice_id in self.framework.practice_ids:
                score, note = given.get((respondent, practice_id), (None, ""))
                rows.append(("room", 1, respondent, organisation or kind, kind, practice_id, score, note or None))
        out = pd.DataFrame(rows, columns=RESPONSE_COLUMNS)
        out["score"] = out["score"].astype("Int64")
        return out


def read_room(folder, framework, *, alliance_id: str | None = None, wave: int = 1):
    """A live room's answers as long ratings, like :func:`~alliance_research.workshop.read_workbooks` gives them.

    Only participants who submitted their final check are included (a participant who joined but never
    submitted left drafts). A practice a participant did not answer, or answered "don't know", has an empty
    score; the evidence note is the ``comment``.

    Parameters
    ----------
    folder : path
        The room folder (holding ``room.sqlite3``).
    framework : Framework
        The rubric the room was made for.
    alliance_id : str, optional
        The ``alliance_id`` of the rows (default: made from the room's title).
    wave : int

    Returns
    -------
    DataFrame
        The ``responses`` columns, then ``alliance`` (the room's title), ``file`` (the room's file),
        ``simulated`` (False) and ``framework_version``.
    """
    from ..workbook import slug

    store = RoomStore(folder, framework, create=False)
    try:
        out = store.responses()
        out["alliance_id"] = alliance_id or slug(store.title, "alliance")
        out["wave"] = wave
        out["alliance"] = store.title
        out["file"] = Path(store.path).as_posix()
        out["simulated"] = False
        out["framework_version"] = store.framework_version
    finally:
        store.close()
    return out
