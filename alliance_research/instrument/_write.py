"""Writing the instrument and its codebook atomically.

A local stand-in for the project's shared atomic-write helper: every file is first written in full to a
temporary file beside its target, and moved into place with ``os.replace`` only when all of them were written,
so a failed export never leaves a half-written survey file or a codebook that does not match it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["write_files"]


def write_files(contents: dict[Path, bytes]) -> list[Path]:
    """Write ``{path: bytes}``: all temporary files first, then one ``os.replace`` per file.

    Returns the paths written, in the order given. On any error the temporary files are removed and no target
    is touched (if the error happens while replacing, the files replaced before it stay replaced).
    """
    staged: list[tuple[str, Path]] = []
    try:
        for path, data in contents.items():
            path = Path(path)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
            staged.append((tmp, path))
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, path.stat().st_mode & 0o777 if path.is_file() else 0o644)
        for tmp, path in staged:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        raise
    return [path for _, path in staged]
