"""CIM files: AP lists and assignments.

AP files
    Labels separated by commas, semicolons or white space, over one or many
    lines (``#`` starts a comment line).  The *nested* form of the paper's
    ``.ap`` files holds one list per line (each usually a prefix of the next);
    ``ap_line=N`` picks the N-th list (1-based, counting non-empty lines).  A
    file is read as nested when its name ends with ``.ap`` or when two or more
    of its lines hold comma-separated lists; a nested file with several lists
    needs ``ap_line``.

Assignment files
    Tab-separated, header ``ap<TAB>seed``, one row per seed, labels as in the
    graph's input.
"""
from __future__ import annotations

import os
import re
from typing import Iterable

import numpy as np

from ..errors import InputError, ParameterError
from ..graph.core import Graph
from .atomic import atomic_open
from .labels import ids_of_tokens, node_of_token

__all__ = ["read_ap_tokens", "load_aps", "write_assignment", "read_assignment", "ASSIGNMENT_HEADER"]

ASSIGNMENT_HEADER = "ap\tseed"
_SPLIT = re.compile(r"[,;\s]+")
_DROP = str.maketrans("", "", "[](){}\"'")


def _data_lines(path: str) -> list[tuple[int, str]]:
    """(line number, text) of the non-empty, non-comment lines of a text file."""
    try:
        with open(path, encoding="utf-8") as fh:
            raw = fh.read()
    except UnicodeDecodeError:
        raise InputError("not a UTF-8 text file", path=path) from None
    if "\x00" in raw:
        raise InputError("not a text file (contains NUL bytes)", path=path)
    lines = []
    for number, text in enumerate(raw.splitlines(), start=1):
        stripped = text.strip()
        if stripped and not stripped.startswith(("#", "%")):
            lines.append((number, stripped))
    return lines


def _tokens(text: str) -> list[str]:
    return [t for t in _SPLIT.split(text.translate(_DROP)) if t]


def read_ap_tokens(path: str | os.PathLike, *, ap_line: int | None = None
                   ) -> list[tuple[str, int]]:
    """The AP labels of a file as ``(token, line number)``, in file order."""
    path = os.fspath(path)
    lines = _data_lines(path)
    if not lines:
        raise InputError("no AP labels in the file", path=path)
    nested = path.endswith(".ap") or sum("," in text for _, text in lines) >= 2
    if ap_line is not None:
        if isinstance(ap_line, bool) or int(ap_line) < 1:
            raise ParameterError(f"ap_line must be >= 1, got {ap_line!r}")
        if ap_line > len(lines):
            raise ParameterError(f"{path} has {len(lines)} AP line(s); ap_line {ap_line} is past "
                                 "the end")
        lines = [lines[ap_line - 1]]
    elif nested and len(lines) > 1:
        raise ParameterError(f"{path} holds {len(lines)} AP lists (one per line); choose one with "
                             "ap_line / --ap-line N")
    tokens = [(tok, number) for number, text in lines for tok in _tokens(text)]
    if not tokens:
        raise InputError("no AP labels " + ("on this line" if ap_line is not None else
                                            "in the file"),
                         path=path, line=lines[0][0] if ap_line is not None else None)
    return tokens


def load_aps(path: str | os.PathLike, graph: Graph, *, ap_line: int | None = None) -> np.ndarray:
    """Internal ids of the APs listed in ``path``.

    Raises InputError naming file and line for a label that is not in the
    graph or an AP listed twice.
    """
    path = os.fspath(path)
    return ids_of_tokens(graph, read_ap_tokens(path, ap_line=ap_line), what="AP", path=path)


def write_assignment(path: str | os.PathLike, pairs: Iterable[tuple]) -> None:
    """Write (AP label, seed label) rows under the header ``ap<TAB>seed``, atomically."""
    with atomic_open(path) as fh:
        fh.write(ASSIGNMENT_HEADER + "\n")
        for ap, seed in pairs:
            fh.write(f"{ap}\t{seed}\n")


def read_assignment(path: str | os.PathLike, graph: Graph, aps: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Read an assignment file; return ``(ap positions in aps, seed ids in graph)``.

    Raises InputError (file:line) for a missing header, a malformed row, a
    label not in the graph, an AP not in ``aps``, or a seed that is an AP.
    """
    path = os.fspath(path)
    lines = _data_lines(path)
    if not lines or lines[0][1].split() != ASSIGNMENT_HEADER.split("\t"):
        raise InputError("expected the header 'ap<TAB>seed'", path=path,
                         line=lines[0][0] if lines else None)
    position = {int(v): i for i, v in enumerate(np.asarray(aps).tolist())}
    ap_pos: list[int] = []
    seeds: list[int] = []
    first_row: dict[tuple[int, int], int] = {}
    for number, text in lines[1:]:
        fields = text.split("\t") if "\t" in text else text.split()
        if len(fields) != 2:
            raise InputError(f"expected 2 tab-separated fields (ap, seed), found {len(fields)}",
                             path=path, line=number)
        ap_label, seed_label = (f.strip() for f in fields)
        ap = node_of_token(graph, ap_label, what="AP", path=path, line=number)
        if ap not in position:
            raise InputError(f"{ap_label!r} is not one of the APs", path=path, line=number)
        seed = node_of_token(graph, seed_label, what="seed", path=path, line=number)
        if seed in position:
            raise InputError(f"seed {seed_label!r} is an AP; APs are not part of the passive "
                             "graph", path=path, line=number)
        if (ap, seed) in first_row:
            raise InputError(f"row {ap_label!r} -> {seed_label!r} repeats line "
                             f"{first_row[ap, seed]}", path=path, line=number)
        first_row[ap, seed] = number
        ap_pos.append(position[ap])
        seeds.append(seed)
    return np.asarray(ap_pos, dtype=np.int64), np.asarray(seeds, dtype=np.int64)
