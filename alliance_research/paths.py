"""Where the bundled example library lives, and how paths are shown in messages."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["EXAMPLE_LIBRARY", "shown_path"]

#: The bundled example library: the repository root (it holds ``casestudies/`` and ``data/``).
EXAMPLE_LIBRARY = Path(__file__).resolve().parent.parent


def shown_path(path: Path, library: str | Path | None = None) -> str:
    """A path as messages show it: relative to the library if inside it, else as given."""
    if library is not None:
        # absolute but not resolved: a symbolic link is shown where it is, not where it points
        target, base = Path(os.path.abspath(path)), Path(os.path.abspath(library))
        if target.is_relative_to(base):
            return target.relative_to(base).as_posix()
    return Path(path).as_posix()
