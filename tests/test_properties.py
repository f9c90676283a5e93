"""Random corruptions of a valid library either load or raise LibraryError, never any other exception."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import alliance_research as ar
from alliance_research import LibraryError

from .conftest import write_library

FILES = ["data/responses.csv", "data/outcomes.csv", "data/kpis.csv", "casestudies/alpha.md"]
TOKENS = [",", "\n", '"', "---", ":", "- ", "[", "{", "\ufeff", "\x00", "é", "9", "-1", "2.5", "", "  ", "\r\n"]


@st.composite
def corruption(draw):
    file = draw(st.sampled_from(FILES))
    kind = draw(st.sampled_from(["delete", "insert", "insert-bytes", "truncate", "duplicate-line", "drop-field",
                                 "respell-number"]))
    position = draw(st.floats(min_value=0, max_value=1))
    length = draw(st.integers(min_value=1, max_value=40))
    text = draw(st.one_of(st.sampled_from(TOKENS), st.text(max_size=8)))
    raw = draw(st.binary(max_size=6))
    return file, kind, position, length, text, raw


def _apply(path: Path, kind: str, position: float, length: int, text: str, raw: bytes) -> None:
    data = path.read_bytes()
    at = int(position * len(data))
    if kind == "delete":
        data = data[:at] + data[at + length:]
    elif kind == "insert":
        data = data[:at] + text.encode("utf-8") + data[at:]
    elif kind == "insert-bytes":
        data = data[:at] + raw + data[at:]
    elif kind == "truncate":
        data = data[:at]
    elif kind == "respell-number":  # the same number written another way, or out of range
        numbers = list(re.finditer(rb"\d+", data))
        if numbers:
            match = numbers[min(int(position * len(numbers)), len(numbers) - 1)]
            spelling = [b"0", b"1.0", b"01", b"1e3", b"99999999999999999999", b"-2", b" 3 ", b"nan", b"inf"][length % 9]
            data = data[:match.start()] + spelling + data[match.end():]
    else:
        lines = data.splitlines(keepends=True)
        if lines:
            i = min(int(position * len(lines)), len(lines) - 1)
            if kind == "duplicate-line":
                lines.insert(i, lines[i])
            else:  # drop-field: a short row
                lines[i] = lines[i].rstrip(b"\r\n").rsplit(b",", 1)[0] + b"\n"
        data = b"".join(lines)
    path.write_bytes(data)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(corruption(), min_size=1, max_size=3))
def test_corrupted_library_loads_or_raises_library_error(corruptions):
    with tempfile.TemporaryDirectory() as tmp:
        root = write_library(Path(tmp) / "lib")
        for file, *args in corruptions:
            _apply(root / file, *args)
        try:
            ar.load_library(root)
        except LibraryError as err:
            assert err.problems and all(p.file and p.expected for p in err.problems)
        shutil.rmtree(root)


@st.composite
def random_ratings(draw):
    """Up to 3 alliances, 1 or 2 waves, 1 to 6 respondents of random organisation types, answers or gaps."""
    rows = []
    for a in range(draw(st.integers(1, 3))):
        for wave in range(1, draw(st.integers(1, 2)) + 1):
            for r in range(draw(st.integers(1, 6))):
                org = draw(st.sampled_from(["client", "contractor", "designer"]))
                for practice in ("p-one", "p-two", "p-three", "p-four"):
                    score = draw(st.one_of(st.none(), st.integers(0, 4)))
                    rows.append((f"a{a}", wave, f"r{r}", org.title(), org, practice, score))
    frame = pd.DataFrame(rows, columns=["alliance_id", "wave", "respondent_id", "organisation",
                                        "organisation_type", "practice_id", "score"])
    frame["score"] = frame["score"].astype("Int64")
    return frame


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=random_ratings(), aggregate=st.sampled_from(["mean", "median", "trimmed"]))
def test_scores_of_any_ratings_are_within_the_scale_and_their_intervals(small_fw, data, aggregate):
    s = ar.score_responses(data, small_fw, aggregate=aggregate, n_boot=40, random_state=1)
    for frame, column in ((s.practices, "score"), (s.areas, "score"), (s.maturity, "maturity_index")):
        values = frame[column].dropna()
        assert values.between(0, 4).all()
        defined = frame.dropna(subset=[column, "ci_low", "ci_high"])
        assert (defined["ci_low"] <= defined[column] + 1e-6).all() and (defined[column] <= defined["ci_high"] + 1e-6).all()
    m = s.maturity.dropna(subset=["maturity_index"])
    assert (m["level_staged"] <= m["level"]).all() and m["level"].between(0, 4).all()
    answered = data.dropna(subset=["score"])
    assert s.practices["score"].notna().sum() == len(answered.groupby(["alliance_id", "wave", "practice_id"]))
    gaps = ar.perception_gaps(data, small_fw, n_boot=20)
    assert (gaps["gap"].dropna().abs() <= 4).all()
    ar.wave_changes(data, small_fw, n_boot=20)
