"""Files of the reranking pipeline.

* scores file: ``u v score`` per line, the willingness ``P_uv`` of an existing
  arc ``u -> v`` (arcs without a line get willingness 0);
* accept file: ``v U_v`` per line (nodes without a line accept with 1);
* inviters file: node labels, one or more per line (space, tab or comma separated);
* observed file: ``inviter invitee`` per line, the accepted invitations held out
  for evaluation;
* ranked file (output): TSV with the header ``inviter<TAB>invitee<TAB>score<TAB>rank``.

Blank lines and lines starting with ``#`` are skipped everywhere; columns are
separated by spaces, tabs or commas.  Every problem is reported as an
:class:`~imx.errors.InputError` naming the file and the line.
"""
from __future__ import annotations

import bz2
import gzip
import lzma
import os
import zlib
from typing import Any, Iterator

import numpy as np

from ..errors import InputError
from ..graph.core import Graph
from .atomic import atomic_open

__all__ = ["read_scores", "read_accept", "read_inviters", "read_pairs", "read_ranked",
           "write_ranking", "RANKED_HEADER"]

RANKED_HEADER = ("inviter", "invitee", "score", "rank")


def _read_text(path: str) -> str:
    """The whole file as text (gzip, bz2 and xz recognised by their magic bytes).

    Read once, so pipes and process substitutions work too.
    """
    with open(path, "rb") as fh:
        data = fh.read()
    try:
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        elif data[:3] == b"BZh":
            data = bz2.decompress(data)
        elif data[:6] == b"\xfd7zXZ\x00":
            data = lzma.decompress(data)
    except (EOFError, OSError, ValueError, zlib.error, lzma.LZMAError) as exc:
        # bz2 raises ValueError for a stream cut short ("BZh" alone)
        raise InputError(f"corrupt or truncated compressed data ({exc})", path=path) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not a UTF-8 text file ({exc.reason})", path=path,
                         line=data.count(b"\n", 0, exc.start) + 1) from None
    if "\0" in text:
        raise InputError("not a text file (contains NUL bytes)", path=path,
                         line=text.count("\n", 0, text.index("\0")) + 1)
    return text


def _rows(path: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, tokens) of every data line."""
    for lineno, line in enumerate(_read_text(path).splitlines(), 1):
        s = line.strip()
        if not s or s[0] == "#":
            continue
        yield lineno, s.replace(",", " ").split()


def _table(path: str, ncols: int, what: str, header: tuple[str, ...] | None = None
           ) -> tuple[list[int], list[list[str]]]:
    """(line numbers, columns) of a file of ``ncols`` columns; tokens stay strings."""
    path = os.fspath(path)
    lines = _read_text(path).splitlines()
    keep = [i for i, line in enumerate(lines) if line and not line.lstrip().startswith("#")
            and line.strip()]
    if keep and header is not None:
        first = tuple(t.lower() for t in lines[keep[0]].replace(",", " ").split())
        if first == header:
            keep = keep[1:]
    tokens = " ".join([lines[i] for i in keep]).replace(",", " ").split()
    if len(tokens) != ncols * len(keep):
        for i in keep:
            found = len(lines[i].replace(",", " ").split())
            if found != ncols:
                raise InputError(f"expected {ncols} columns ({what}), found {found}",
                                 path=path, line=i + 1)
    if not keep:
        raise InputError(f"no data lines ({what}) in the file", path=path)
    columns = [tokens[j::ncols] for j in range(ncols)]
    return [i + 1 for i in keep], columns


class _LabelMap:
    """Vectorised label -> node id lookups for one graph."""

    def __init__(self, graph: Graph):
        self.graph = graph
        labels = np.asarray(graph.labels)
        self.int_labels = labels.dtype.kind in "iu"
        if self.int_labels:
            self.sorter = np.argsort(labels, kind="stable")
            self.sorted = labels[self.sorter]
        else:
            self.index = {str(x): i for i, x in enumerate(labels.tolist())}

    def ids(self, tokens: list[str], linenos: list[int], path: str, what: str) -> np.ndarray:
        """Node ids of ``tokens``; InputError at the first token that is not a node."""
        if self.int_labels:
            try:
                values = np.array(tokens, dtype=np.int64) if tokens else np.zeros(0, np.int64)
            except (ValueError, OverflowError):
                for tok, ln in zip(tokens, linenos):
                    try:
                        np.int64(int(tok))
                    except (ValueError, OverflowError):
                        raise InputError(f"{what} {tok!r} is not in the graph", path=path,
                                         line=ln) from None
                raise InputError(f"unreadable {what} labels", path=path) from None
            pos = np.searchsorted(self.sorted, values)
            pos = np.minimum(pos, max(self.sorted.shape[0] - 1, 0))
            ok = (self.sorted[pos] == values) if self.sorted.shape[0] else np.zeros(0, bool)
            if not ok.all():
                i = int(np.flatnonzero(~ok)[0])
                raise InputError(f"{what} {tokens[i]!r} is not in the graph", path=path,
                                 line=linenos[i])
            return self.sorter[pos].astype(np.int64)
        out = np.empty(len(tokens), dtype=np.int64)
        for i, tok in enumerate(tokens):
            v = self.index.get(tok)
            if v is None:
                raise InputError(f"{what} {tok!r} is not in the graph", path=path,
                                 line=linenos[i])
            out[i] = v
        return out


def _unit_values(tokens: list[str], linenos: list[int], path: str, what: str) -> np.ndarray:
    try:
        values = np.array(tokens, dtype=np.float64) if tokens else np.zeros(0)
    except ValueError:
        values = None
    if values is None:
        for tok, ln in zip(tokens, linenos):
            try:
                float(tok)
            except ValueError:
                raise InputError(f"{what} {tok!r} is not a number", path=path, line=ln) from None
    bad = ~((values >= 0.0) & (values <= 1.0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"{what} {tokens[i]} is outside [0, 1]", path=path, line=linenos[i])
    return values


def read_scores(path: str | os.PathLike, graph: Graph) -> np.ndarray:
    """Willingness per arc (out-CSR order) from a ``u v score`` file; 0 where absent.

    Raises InputError for an unknown node, a pair that is not an arc of the
    graph, a score outside [0, 1] or a pair given twice.
    """
    path = os.fspath(path)
    linenos, (col_u, col_v, col_p) = _table(path, 3, "u v score")
    labels = _LabelMap(graph)
    tails = labels.ids(col_u, linenos, path, "node")
    heads = labels.ids(col_v, linenos, path, "node")
    values = _unit_values(col_p, linenos, path, "score")
    nn = np.int64(max(graph.n, 1))
    arc_tails, arc_heads = graph.arcs()
    arc_keys = arc_tails.astype(np.int64) * nn + arc_heads
    keys = tails * nn + heads
    pos = np.searchsorted(arc_keys, keys)
    pos_c = np.minimum(pos, max(arc_keys.shape[0] - 1, 0))
    ok = (arc_keys[pos_c] == keys) if arc_keys.shape[0] else np.zeros(keys.shape[0], bool)
    if not ok.all():
        i = int(np.flatnonzero(~ok)[0])
        raise InputError(f"score for {col_u[i]} -> {col_v[i]}, which is not an arc of the "
                         "graph", path=path, line=linenos[i])
    counts = np.bincount(pos_c, minlength=arc_keys.shape[0])
    if keys.shape[0] and counts.max() > 1:
        dup = np.flatnonzero(counts[pos_c] > 1)
        i = int(dup[1])
        raise InputError(f"second score for the arc {col_u[i]} -> {col_v[i]}", path=path,
                         line=linenos[i])
    out = np.zeros(graph.m, dtype=np.float64)
    out[pos_c] = values
    return out


def read_accept(path: str | os.PathLike, graph: Graph) -> np.ndarray:
    """Acceptance ``U_v`` per node from a ``v U_v`` file; 1 where absent."""
    path = os.fspath(path)
    linenos, (col_v, col_a) = _table(path, 2, "v U_v")
    ids = _LabelMap(graph).ids(col_v, linenos, path, "node")
    values = _unit_values(col_a, linenos, path, "acceptance")
    counts = np.bincount(ids, minlength=graph.n)
    if ids.shape[0] and counts.max() > 1:
        i = int(np.flatnonzero(counts[ids] > 1)[1])
        raise InputError(f"second acceptance value for node {col_v[i]}", path=path,
                         line=linenos[i])
    out = np.ones(graph.n, dtype=np.float64)
    out[ids] = values
    return out


def read_inviters(path: str | os.PathLike, graph: Graph) -> np.ndarray:
    """Internal ids of the inviters listed in ``path`` (duplicates dropped, order kept)."""
    path = os.fspath(path)
    tokens, linenos = [], []
    for lineno, parts in _rows(path):
        tokens.extend(parts)
        linenos.extend([lineno] * len(parts))
    if not tokens:
        raise InputError("no inviters in the file", path=path)
    ids = _LabelMap(graph).ids(tokens, linenos, path, "inviter")
    _, first = np.unique(ids, return_index=True)
    return ids[np.sort(first)].astype(np.int32)


def read_label_list(path: str | os.PathLike) -> list[str]:
    """Labels listed in a file, as strings, duplicates dropped, order kept."""
    seen: dict[str, None] = {}
    path = os.fspath(path)
    for _, parts in _rows(path):
        for p in parts:
            seen.setdefault(p, None)
    if not seen:
        raise InputError("no labels in the file", path=path)
    return list(seen)


def read_pairs(path: str | os.PathLike) -> list[tuple[str, str]]:
    """``(inviter, invitee)`` label pairs (as strings) of an observed-invitations file."""
    _, (col_u, col_v) = _table(os.fspath(path), 2, "inviter invitee",
                               header=("inviter", "invitee"))
    return list(zip(col_u, col_v))


def read_ranked(path: str | os.PathLike) -> dict[str, list[str]]:
    """``{inviter: [invitee, ...]}`` in rank order from a ranked TSV (labels as strings)."""
    path = os.fspath(path)
    linenos, columns = _table(path, 4, "inviter invitee score rank", header=RANKED_HEADER)
    lists: dict[str, list[tuple[int, str]]] = {}
    first_line: dict[tuple, int] = {}
    for ln, u, v, score, rank in zip(linenos, *columns):
        try:
            r = int(rank)
            float(score)
        except ValueError:
            raise InputError("score and rank must be numbers", path=path, line=ln) from None
        if r < 1:
            raise InputError(f"rank {r} is below 1", path=path, line=ln)
        # a repeated invitee or rank would count a hit twice or make the order arbitrary
        for key, what in (((u, "v", v), f"invitee {v}"), ((u, "r", r), f"rank {r}")):
            if key in first_line:
                raise InputError(f"{what} of inviter {u} repeats line {first_line[key]}",
                                 path=path, line=ln)
            first_line[key] = ln
        lists.setdefault(u, []).append((r, v))
    return {u: [v for _, v in sorted(items)] for u, items in lists.items()}


def write_ranking(ranking: Any, path: str | os.PathLike) -> int:
    """Write a :class:`~imx.solvers.hetero.model.Ranking` as TSV, atomically; return rows."""
    rows = ranking.rows()
    with atomic_open(path, "w") as fh:
        fh.write("\t".join(RANKED_HEADER) + "\n")
        for u, v, s, r in rows:
            fh.write(f"{u}\t{v}\t{s:.6g}\t{r}\n")
    return len(rows)
