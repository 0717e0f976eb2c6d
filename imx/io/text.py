"""Reading small UTF-8 text files with errors that name the file and the line."""
from __future__ import annotations

import contextlib
import os
from typing import IO, Iterator

from ..errors import InputError

__all__ = ["open_text", "decoding_errors"]


def _first_undecodable_line(path: str) -> int | None:
    try:
        with open(path, "rb") as fh:
            for number, raw in enumerate(fh, start=1):
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError:
                    return number
    except OSError:
        pass
    return None


@contextlib.contextmanager
def decoding_errors(path: str | os.PathLike) -> Iterator[None]:
    """Turn a UnicodeDecodeError raised while reading ``path`` into an InputError.

    The offending line is found only on failure, so reading costs nothing extra.
    """
    try:
        yield
    except UnicodeDecodeError as exc:
        path = os.fspath(path)
        raise InputError(f"not a UTF-8 text file ({exc.reason})", path=path,
                         line=_first_undecodable_line(path)) from None


@contextlib.contextmanager
def open_text(path: str | os.PathLike, newline: str | None = None) -> Iterator[IO[str]]:
    """``open(path, encoding="utf-8")`` whose decoding errors name the file and line."""
    with decoding_errors(path), open(path, encoding="utf-8", newline=newline) as fh:
        yield fh
