"""Value states: dimension names, value files and their validation.

A *state* is an ``n x d`` float64 array of value scores in ``[0, 1]``: row ``i``
holds the ``d`` value dimensions of node ``i``.

Dimension names
---------------
The default dimensions are the five higher-order values of Schwartz's theory of
basic human values, as used for Facebook users by Mukta et al. (arXiv
2109.08021 and the value-prediction studies it builds on):
``openness_to_change``, ``self_transcendence``, ``conservation``,
``self_enhancement`` and ``hedonism``.  Schwartz's circumplex has four
higher-order values; hedonism, which shares elements of openness to change and
self-enhancement, is kept as a fifth dimension of its own, as in the paper.
Any other names (and any number of dimensions) can be used: files carry their
dimension names in the header.

Value file format
-----------------
CSV with a header line ``node,dim1,...,dimd``; then one line per node: the node
id as in the graph file, then its ``d`` scores, each a number in ``[0, 1]``.
Blank lines and lines starting with ``#`` are skipped.  Every problem (a value
outside ``[0, 1]``, a missing cell or dimension, a non-numeric cell, a
duplicate or unknown node, a node of the graph without a line) raises
:class:`imx.errors.InputError` naming the file, the line and the column.

A trajectory file holds every recorded step: header ``step,node,dim1,...,dimd``,
then the rows of step 0 (the initial state), step 1, ...
"""
from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..errors import InputError, ParameterError
from ..io.atomic import atomic_open
from ..io.scores import check_dims, data_rows, parse_header, parse_score
from ..io.text import open_text

__all__ = ["SCHWARTZ_VALUES", "ValueTable", "read_values", "write_values", "write_trajectory",
           "align_values", "default_dims", "check_state"]

SCHWARTZ_VALUES: tuple[str, ...] = ("openness_to_change", "self_transcendence", "conservation",
                                    "self_enhancement", "hedonism")


def default_dims(d: int) -> tuple[str, ...]:
    """The Schwartz names when ``d == 5``, else ``dim1..dimd``."""
    if d == len(SCHWARTZ_VALUES):
        return SCHWARTZ_VALUES
    return tuple(f"dim{k + 1}" for k in range(d))


@dataclass(frozen=True)
class ValueTable:
    """Values read from a file: node labels (as written), dimension names, scores.

    Attributes
    ----------
    labels : list of str, the node column, in file order.
    dims : tuple of str, the dimension names from the header.
    values : float64 array ``(len(labels), len(dims))``.
    lines : int64 array, the 1-based file line of each row (for error messages).
    path : the file read, or None.
    """

    labels: list
    dims: tuple
    values: np.ndarray
    lines: np.ndarray
    path: str | None = None

    def __len__(self) -> int:
        return len(self.labels)


def _scores_block(rows: list[list[str]], lines: list[int], positions: list[int],
                  names: list[str], path: str | None) -> np.ndarray:
    """Convert the cells at ``positions`` of every row to a validated float array."""
    width = 1 + max(positions) if positions else 0
    for cells, line in zip(rows, lines):
        if len(cells) < width:
            col = names[min(len(cells), len(names) - 1)] if names else len(cells) + 1
            missing = [names[k] for k, p in enumerate(positions) if p >= len(cells)]
            raise InputError("missing value (row too short)", path=path, line=line,
                             column=missing[0] if missing else col)
    try:
        block = np.array([[cells[p] for p in positions] for cells in rows], dtype=np.float64)
        if block.size == 0:
            block = block.reshape(len(rows), len(positions))
        ok = np.isfinite(block).all() and (block >= 0).all() and (block <= 1).all()
    except ValueError:
        ok = False
    if not ok:  # locate the first bad cell for the message
        for cells, line in zip(rows, lines):
            for name, p in zip(names, positions):
                parse_score(cells[p], path, line, name)
        raise InputError("invalid value", path=path)  # pragma: no cover - found above
    return block


def read_values(path: str | os.PathLike, *, dims: Sequence[str] | None = None) -> ValueTable:
    """Read a value file (``node,dim1,...,dimd`` CSV with a header).

    Parameters
    ----------
    path : the CSV file.
    dims : dimension names that must be present (in any order); the returned
        table then holds exactly these, in this order.  Default: every column
        of the header after ``node``.

    Returns
    -------
    ValueTable

    Raises
    ------
    InputError
        naming file, line and column for a value outside [0, 1], a missing cell
        or dimension, a non-numeric cell, a duplicate node or an empty file.
    """
    path = os.fspath(path)
    with open_text(path, newline="") as fh:
        reader = csv.reader(fh)
        rows_iter = data_rows(path, reader)
        try:
            _, header = next(rows_iter)
        except StopIteration:
            raise InputError("empty value file (no header)", path=path) from None
        file_dims, _ = parse_header(header, path, ("node",))
        check_dims(file_dims, dims, path)
        use = list(dims) if dims is not None else file_dims
        positions = [1 + file_dims.index(name) for name in use]
        rows: list[list[str]] = []
        lines: list[int] = []
        for line, cells in rows_iter:
            if len(cells) > len(file_dims) + 1:
                raise InputError(f"{len(cells)} cells for {len(file_dims) + 1} columns",
                                 path=path, line=line)
            if cells[0] == "":
                raise InputError("missing node id", path=path, line=line, column="node")
            rows.append(cells)
            lines.append(line)
    if not rows:
        raise InputError("the value file has a header but no rows", path=path)
    values = _scores_block(rows, lines, positions, use, path)
    labels = [cells[0] for cells in rows]
    line_arr = np.asarray(lines, dtype=np.int64)
    _check_unique(labels, line_arr, path)
    return ValueTable(labels=labels, dims=tuple(use), values=values, lines=line_arr, path=path)


def _check_unique(labels: list, lines: np.ndarray, path: str | None, what: str = "node") -> None:
    seen: dict = {}
    if len(set(labels)) == len(labels):
        return
    for lab, line in zip(labels, lines.tolist()):
        if lab in seen:
            raise InputError(f"{what} {lab!r} appears twice (first on line {seen[lab]})",
                             path=path, line=line, column=what)
        seen[lab] = line


def align_values(table: ValueTable, graph) -> np.ndarray:
    """The table's scores as an ``n x d`` state ordered by the graph's node ids.

    Raises InputError for a file node that is not in the graph (naming its line)
    and for a graph node that has no line in the file.
    """
    n = graph.n
    d = len(table.dims)
    state = np.empty((n, d), dtype=np.float64)
    filled = np.zeros(n, dtype=bool)
    ids = _label_ids(table, graph)
    dup = np.flatnonzero(np.bincount(ids, minlength=n) > 1)
    if dup.size:  # two spellings of one id, e.g. "7" and "07"
        rows = np.flatnonzero(ids == dup[0])
        raise InputError(f"node {table.labels[rows[1]]!r} appears twice (first on line "
                         f"{int(table.lines[rows[0]])})", path=table.path,
                         line=int(table.lines[rows[1]]), column="node")
    state[ids] = table.values
    filled[ids] = True
    if not filled.all():
        missing = int(np.flatnonzero(~filled)[0])
        count = int(np.count_nonzero(~filled))
        raise InputError(f"node {graph.label_list([missing])[0]!r} of the graph has no values "
                         f"({count} nodes are missing)", path=table.path)
    return state


def _label_ids(table: ValueTable, graph) -> np.ndarray:
    """Graph ids of the table's labels; InputError naming the line of an unknown one."""
    labels = graph.labels
    if labels.dtype.kind in "iu":
        try:
            as_int = np.array([int(s) for s in table.labels], dtype=np.int64)
        except ValueError:
            as_int = None
        if as_int is not None:
            order = np.argsort(labels, kind="stable")
            sorted_labels = np.asarray(labels)[order]
            pos = np.searchsorted(sorted_labels, as_int)
            pos_c = np.minimum(pos, max(len(sorted_labels) - 1, 0))
            ok = (pos < len(sorted_labels)) & (sorted_labels[pos_c] == as_int) if len(order) else \
                np.zeros(len(as_int), dtype=bool)
            if not ok.all():
                bad = int(np.flatnonzero(~ok)[0])
                raise InputError(f"node {table.labels[bad]!r} is not in the graph", path=table.path,
                                 line=int(table.lines[bad]), column="node")
            return order[pos].astype(np.int64)
    ids = np.empty(len(table.labels), dtype=np.int64)
    for k, lab in enumerate(table.labels):
        try:
            ids[k] = graph.index_of(lab)
        except KeyError:
            raise InputError(f"node {lab!r} is not in the graph", path=table.path,
                             line=int(table.lines[k]), column="node") from None
    return ids


def _format_rows(prefixes: Sequence[str], values: np.ndarray) -> str:
    return "".join(p + "," + ",".join(map(repr, row)) + "\n"
                   for p, row in zip(prefixes, values.tolist()))


def write_values(path: str | os.PathLike, labels: Sequence, dims: Sequence[str],
                 values: np.ndarray) -> None:
    """Write a value file atomically (``node,dim1,...`` header, one row per node)."""
    values = np.asarray(values, dtype=np.float64)
    _check_header_names(dims)
    with atomic_open(path, "w") as fh:
        fh.write("node," + ",".join(dims) + "\n")
        prefixes = [str(lab) for lab in labels]
        chunk = 65536
        for lo in range(0, len(prefixes), chunk):
            fh.write(_format_rows(prefixes[lo:lo + chunk], values[lo:lo + chunk]))


def write_trajectory(path: str | os.PathLike, labels: Sequence, dims: Sequence[str],
                     trajectory: np.ndarray, steps: Sequence[int] | None = None) -> None:
    """Write every recorded state atomically (``step,node,dim1,...`` CSV)."""
    trajectory = np.asarray(trajectory, dtype=np.float64)
    _check_header_names(dims)
    steps = range(trajectory.shape[0]) if steps is None else steps
    names = [str(lab) for lab in labels]
    with atomic_open(path, "w") as fh:
        fh.write("step,node," + ",".join(dims) + "\n")
        for s, state in zip(steps, trajectory):
            fh.write(_format_rows([f"{s},{lab}" for lab in names], state))


def _check_header_names(dims: Sequence[str]) -> None:
    for name in dims:
        if not name or any(c in name for c in ',"\n\r'):
            raise ParameterError(f"dimension name {name!r} cannot be written to a CSV header")


def check_state(values: np.ndarray, n: int | None = None, what: str = "values") -> np.ndarray:
    """A validated float64 C-contiguous copy of an ``n x d`` state in [0, 1]."""
    arr = np.array(values, dtype=np.float64, order="C", copy=True)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2 or arr.shape[1] == 0:
        raise ParameterError(f"{what} must be an n x d array with d >= 1, got shape {arr.shape}")
    if n is not None and arr.shape[0] != n:
        raise ParameterError(f"{what} has {arr.shape[0]} rows for a graph of {n} nodes")
    bad = ~((arr >= 0.0) & (arr <= 1.0))
    if bad.any():
        i, k = (int(v) for v in np.argwhere(bad)[0])
        raise ParameterError(f"{what}[{i}, {k}] = {float(arr[i, k])!r} is not in [0, 1]")
    return arr

