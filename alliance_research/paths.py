"""Where the bundled example library lives, and how paths are shown in messages."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["EXAMPLE_LIBRARY", "shown_path"]

#: The bundled example library: the repository root (it holds ``casestudies/`` and ``data/``).
EXAMPLE_LIBRARY = Path(__file__).resolve().parent.parent


def shown_path(path: Path, library: str | Path | None = None) -> str:
    """A path as messages show it: relative to the library if inside it, else as given."""
    base = Path(library) if library is not None else None
    if base is not None:
        try:
            return Path(os.path.relpath(Path(path).resolve(), base.resolve())).as_posix()
        except ValueError:  # pragma: no cover - other drive on Windows
            pass
    return Path(path).as_posix()
