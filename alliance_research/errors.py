"""Problems found in input files, and the one exception that carries them."""

from __future__ import annotations

import reprlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Problem", "LibraryError"]

_MAX_VALUE_CHARS = 80
_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxlist, _REPR.maxdict, _REPR.maxstring, _REPR.maxother = 2, 4, 4, 60, 60


def _show(value: Any) -> str:
    """Show a value the way a user typed it, shortened, with empty and missing values spelled out."""
    if value is None:
        return "(missing)"
    if isinstance(value, float) and value != value:  # NaN
        return "(empty)"
    if isinstance(value, str):
        if value == "":
            return "(empty)"
        text = value if len(value) <= _MAX_VALUE_CHARS else value[: _MAX_VALUE_CHARS - 1] + "…"
        return repr(text)
    # reprlib bounds depth and items, so a huge or self-referencing YAML structure prints briefly
    text = _REPR.repr(value)
    return text if len(text) <= _MAX_VALUE_CHARS else text[: _MAX_VALUE_CHARS - 1] + "…"


@dataclass(frozen=True)
class Problem:
    """One problem in one place of one input file.

    Attributes
    ----------
    file : str
        The file, as a path relative to the library folder where possible.
    line : int or None
        The line as an editor or spreadsheet shows it (1-based; line 1 of a CSV is its header).
    column : str or None
        The column (tables) or key (YAML, dotted for nested keys) at fault.
    value : object
        The offending value, as read.
    expected : str
        What was expected instead, in words.
    sheet : str or None
        For a workbook: the sheet. ``column`` is then the cell's column letter and ``line`` its row, and the
        problem reads ``file, sheet 'Rating', cell D12: ...`` (either may be None for a problem of the whole
        sheet or file).
    """

    file: str
    line: int | None
    column: str | None
    value: Any
    expected: str
    sheet: str | None = None

    def __str__(self) -> str:
        if self.sheet is not None:
            where = f"{self.file}, sheet '{self.sheet}'"
            if self.column and self.line is not None:
                return f"{where}, cell {self.column}{self.line}: {_show(self.value)}: expected {self.expected}"
            where += "" if self.line is None else f", row {self.line}"
            what = f"column {self.column}: " if self.column else ""
            return f"{where}: {what}{_show(self.value)}: expected {self.expected}"
        where = self.file if self.line is None else f"{self.file}, line {self.line}"
        what = f"{self.column}: " if self.column else ""
        return f"{where}: {what}{_show(self.value)}: expected {self.expected}"


class LibraryError(ValueError):
    """Invalid input. ``problems`` lists every problem found, in file and line order."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: list[Problem] = sorted(
            problems, key=lambda p: (p.file, p.sheet or "", p.line if p.line is not None else -1,
                                     # a sheet's columns are letters: B before AA, as a spreadsheet orders them
                                     len(p.column or "") if p.sheet is not None else 0, p.column or "")
        )
        super().__init__(self._message())

    def _message(self) -> str:
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} found:"
        return "\n".join([head, *(f"  {p}" for p in self.problems)])

    def to_frame(self) -> pd.DataFrame:
        """The problems as a DataFrame with columns file, line, column, value, expected (and sheet, after file,
        when any problem is in a workbook sheet)."""
        import pandas as pd  # here, not at import: the command line reports problems without loading pandas

        frame = pd.DataFrame(
            [(p.file, p.line, p.column, p.value, p.expected) for p in self.problems],
            columns=["file", "line", "column", "value", "expected"],
        ).astype({"line": "Int64"})
        if any(p.sheet is not None for p in self.problems):
            frame.insert(1, "sheet", [p.sheet for p in self.problems])
        return frame


class ProblemCollector:
    """Collect problems while reading; raise them together at the end."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, file: str, line: int | None, column: str | None, value: Any, expected: str) -> None:
        self.problems.append(Problem(file, line, column, value, expected))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    def __bool__(self) -> bool:
        return bool(self.problems)

    def raise_if_any(self) -> None:
        if self.problems:
            raise LibraryError(self.problems)
