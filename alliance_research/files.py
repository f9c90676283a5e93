"""Writing files safely: the one home of "write to a temporary place, then move into place".

Every command that writes (``report``, ``scores``, ``import-survey``, ``workshop template`` and ``score``) goes
through these helpers, so that a failure, a full disk or Ctrl-C never leaves a half-written file or a folder
that mixes old and new outputs:

- :func:`atomic_write` writes one file: a temporary file beside it, flushed, then :func:`os.replace`.
- :func:`staged_folder` builds a whole output folder beside its destination and swaps it into place only when
  everything succeeded; it only ever replaces a folder that is empty or carries its marker file
  (:func:`check_replaceable`), so pointing ``--out`` at a folder of your own cannot wipe it.
- :func:`write_files` writes a set of files (an instrument and its codebook, ...) all or nothing.
- :func:`commit_files` moves a set of staged files into an existing folder all or nothing: the files it would
  replace are kept aside until every move succeeded and are put back if one fails.

All temporary names start with a dot and live beside their destination (same file system, so the final move is
one rename).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

__all__ = ["atomic_write", "write_files", "staged_folder", "check_replaceable", "replace_folder", "commit_files"]


def atomic_write(path: str | Path, data: str | bytes | Callable[[Path], object], *, encoding: str = "utf-8",
                 check: Callable[[Path], object] | None = None, keep_mode: bool = True) -> Path:
    """Write ``data`` to ``path`` in one step: a temporary file beside it, then :func:`os.replace`.

    ``data`` is text (written with ``encoding`` and ``\\n`` line ends as given), bytes, or a function that writes
    the temporary file it is given (``workbook.save``, ``figure.savefig``, ...). ``check``, when given, is called
    with the temporary file before it replaces ``path`` (raise to keep the old file). With ``keep_mode`` an
    existing file's permissions are kept. The folder is made as needed. Returns ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
    tmp = Path(name)
    try:
        if callable(data):
            os.close(fd)
            data(tmp)
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data.encode(encoding) if isinstance(data, str) else data)
                handle.flush()
                os.fsync(handle.fileno())
        if keep_mode and path.is_file():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        if check is not None:
            check(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def check_replaceable(out: str | Path, marker: str) -> None:
    """Raise :class:`OSError` unless ``out`` is missing, an empty folder, or a folder holding ``marker``."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / marker).exists())):
        raise OSError(f"refusing to replace {out}: it is not empty and was not written by alliance-research "
                      f"(no {marker} in it); choose another --out")


def replace_folder(new: str | Path, out: str | Path) -> None:
    """Put the folder ``new`` where ``out`` is, replacing an earlier ``out`` (two renames, no copy)."""
    new, out = Path(new), Path(out)
    if out.exists():
        old = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}-old-"))
        os.replace(out, old / out.name)
        try:
            os.replace(new, out)
        except BaseException:
            os.replace(old / out.name, out)  # put the earlier folder back
            raise
        finally:
            shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(new, out)


@contextlib.contextmanager
def staged_folder(out: str | Path, *, marker: str, note: str = "written by alliance-research\n") -> Iterator[Path]:
    """Build the folder ``out`` in a temporary folder beside it; swap it into place when the block succeeds.

    ``out`` must be replaceable (:func:`check_replaceable`, checked before the block runs); the new folder gets
    the ``marker`` file. On any exception the temporary folder is removed and ``out`` is left as it was.

    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "report"
    >>> with staged_folder(out, marker=".my-tool") as tmp:
    ...     _ = (tmp / "table.csv").write_text("a,b\\n")
    >>> sorted(p.name for p in out.iterdir())
    ['.my-tool', 'table.csv']
    """
    out = Path(out)
    check_replaceable(out, marker)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}-new-"))
    try:
        yield tmp
        (tmp / marker).write_text(note, encoding="utf-8")
        replace_folder(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def commit_files(source: str | Path, target: str | Path, *, remove: tuple[str | Path, ...] = ()) -> list[Path]:
    """Move every file under ``source`` to the same place under ``target``, all or nothing.

    The files it replaces (and the ``remove`` paths, relative to ``target``: files of an earlier run that this
    run does not have) are first moved aside; if any move fails, every file moved so far is taken back and the
    earlier files are restored, so ``target`` ends up as it was before or as the complete new set, never a mix.
    Other files in ``target`` are left alone. Returns the new files' paths, sorted.
    """
    source, target = Path(source), Path(target)
    target.mkdir(parents=True, exist_ok=True)
    moves = [(path, target / path.relative_to(source)) for path in sorted(p for p in source.rglob("*") if p.is_file())]
    _swap_in(moves, remove=[target / r for r in remove])
    return sorted(dest for _, dest in moves)


def write_files(contents: dict[str | Path, str | bytes], *, encoding: str = "utf-8") -> list[Path]:
    """Write ``{path: text or bytes}``, all or nothing: every file goes to a temporary file beside its target
    first, and the targets are replaced only when all were written (as :func:`commit_files` moves them in).
    Returns the paths, in the order given."""
    staged: list[tuple[Path, Path]] = []
    try:
        for path, data in contents.items():
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
            staged.append((Path(name), path))
            with os.fdopen(fd, "wb") as handle:
                handle.write(data.encode(encoding) if isinstance(data, str) else data)
                handle.flush()
                os.fsync(handle.fileno())
            if path.is_file():
                os.chmod(name, path.stat().st_mode & 0o777)
        _swap_in(staged)
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    return [path for _, path in staged]


def _swap_in(moves: list[tuple[Path, Path]], remove: list[Path] = ()) -> None:
    """Move each ``(new, destination)`` into place, all or nothing: the destinations that exist (and the
    ``remove`` paths) wait aside, beside themselves, until every move succeeded; on a failure the new files are
    taken out and the waiting ones put back."""
    displaced = [dest for _, dest in moves if dest.exists()]
    displaced += [path for path in remove if path.exists() and path not in displaced]
    kept: list[tuple[Path, Path]] = []  # (original place, where it waits)
    done: list[Path] = []
    try:
        for dest in displaced:
            fd, waiting = tempfile.mkstemp(prefix=f".{dest.name}-old-", dir=dest.parent)
            os.close(fd)
            os.replace(dest, waiting)
            kept.append((dest, Path(waiting)))
        for new, dest in moves:
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(new, dest)
            done.append(dest)
    except BaseException:
        for dest in done:
            dest.unlink(missing_ok=True)
        for dest, waiting in kept:
            os.replace(waiting, dest)
        raise
    for _, waiting in kept:
        waiting.unlink(missing_ok=True)
