"""Atomic writes of result files and folders: write beside the target, fsync, then rename."""
from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from typing import IO, Callable, Iterator

__all__ = ["atomic_open", "atomic_write_text", "atomic_directory"]


def _umask() -> int:
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


def _file_mode() -> int:
    """The mode a plain ``open()`` would give a new file (mkstemp's is 0600)."""
    return 0o666 & ~_umask()


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "w", encoding: str | None = "utf-8"
                ) -> Iterator[IO]:
    """Open a temporary file next to ``path``; on success it replaces ``path``.

    If the body raises, the temporary file is removed and ``path`` is untouched.
    """
    path = os.fspath(path)
    real = os.path.realpath(path)  # a link keeps pointing at the new file
    if os.path.exists(real) and not (os.path.isfile(real) or os.path.isdir(real)):
        # a device or a pipe (/dev/stdout, /dev/full, a FIFO) is a stream to write into;
        # renaming over it would replace the device node itself
        with _stream(real, path, mode, encoding) as fh:
            yield fh
        return
    folder = os.path.dirname(real)
    try:
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(real) + ".", suffix=".tmp",
                                   dir=folder)
    except OSError as exc:
        # name the file the user asked for, not the hidden temporary one
        raise _naming(exc, path) from None
    try:
        os.fchmod(fd, _file_mode())
        kwargs = {} if "b" in mode else {"encoding": encoding, "newline": ""}
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, real)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and exc.filename in (None, tmp):
            raise _naming(exc, path) from None  # e.g. a full disk while writing
        raise


@contextlib.contextmanager
def _stream(real: str, path: str, mode: str, encoding: str | None) -> Iterator[IO]:
    kwargs = {} if "b" in mode else {"encoding": encoding, "newline": ""}
    try:
        with open(real, mode, **kwargs) as fh:
            yield fh
    except OSError as exc:
        if exc.filename in (None, real):
            raise _naming(exc, path) from None  # e.g. /dev/full: no space left
        raise


def _naming(exc: OSError, path: str) -> OSError:
    """The same error, reported against ``path``."""
    if exc.errno is None:
        return OSError(f"{path}: {exc}")
    return type(exc)(exc.errno, exc.strerror, path)


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    with atomic_open(path, "w") as fh:
        fh.write(text)


@contextlib.contextmanager
def atomic_directory(path: str | os.PathLike,
                     remove: Callable[[str], bool] = lambda name: False) -> Iterator[str]:
    """Yield an empty temporary folder beside ``path`` to fill; on success it becomes ``path``.

    A new ``path`` (or an empty folder) is published by one rename.  A folder
    that already holds files keeps them, except those whose name ``remove``
    accepts, and the staged files are renamed in one by one; renames within
    one file system need no space, so a full disk or an interrupt strikes while
    staging, with ``path`` untouched.  If the body raises, the temporary folder
    is removed and ``path`` is left as it was: never half filled.
    """
    path = os.fspath(path)
    parent = os.path.dirname(os.path.abspath(path))
    name = os.path.basename(os.path.abspath(path))
    try:
        staging = tempfile.mkdtemp(prefix=f".{name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise _naming(exc, path) from None
    try:
        os.chmod(staging, 0o777 & ~_umask())  # mkdtemp's 0700 would hide the result
        yield staging
        _publish(staging, path, remove)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError) and isinstance(exc.filename, str) and \
                exc.filename.startswith(staging):
            # name the user's folder, not the hidden staging one
            raise _naming(exc, path + exc.filename[len(staging):]) from None
        raise


def _publish(staging: str, path: str, remove: Callable[[str], bool]) -> None:
    try:
        os.rename(staging, path)  # atomic when path is absent or an empty folder
        return
    except OSError as exc:
        if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
            raise _naming(exc, path) from None
    for entry in os.listdir(path):
        if remove(entry):
            os.unlink(os.path.join(path, entry))
    for entry in os.listdir(staging):
        os.replace(os.path.join(staging, entry), os.path.join(path, entry))
    os.rmdir(staging)
