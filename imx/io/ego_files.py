"""Ego network files (CSV, consistent with the value files of :mod:`imx.dynamics.state`).

An *ego file* holds one or more ego networks::

    ego,node,time,weight,openness_to_change,self_transcendence,...
    17,17,0,,0.61,0.40,...        # the ego's own row at t0 (node == ego)
    17,23,0,0.8,0.55,0.47,...     # a friend of ego 17 at t0, tie strength 0.8
    17,17,1,,0.59,0.42,...        # the ego's observed values at t1

* ``ego``: the ego's id; every row with this id belongs to its network.
* ``node``: a member of the network; the ego is connected to every other
  node that has a ``time`` 0 row (its friends).
* ``time``: 0 or 1.  Every network needs a t0 row for each member and a t1
  row for the ego; t1 rows of friends are allowed and ignored.
* ``weight`` (optional column): tie strength of the friend to the ego, in
  [0, 1]; blank means 1.  Cells of the ego's own rows are ignored.
* every further column is a value dimension, a score in [0, 1].

Edges among the friends (used by the ``hk`` and ``dw`` models; the ``ego``
model needs only the star) go in an optional companion file next to it,
``NAME.edges.csv`` for ``NAME.csv``, header ``ego,source,target[,weight]``,
one undirected edge per line.

:func:`read_egos` reads one ego file or a directory; a directory's ego files
(every ``*.csv`` that is not ``*.edges.csv``, in name order) are read as one
collection, so a data set can be one file per ego network or a single file.
"""
from __future__ import annotations

import csv
import os
from typing import Sequence

import numpy as np

from ..errors import InputError, ParameterError
from .atomic import atomic_directory, atomic_open
from .scores import check_dims, data_rows, parse_header, parse_score
from .text import open_text

__all__ = ["read_egos", "write_egos"]


def _ego_files(path: str) -> list[str]:
    if os.path.isdir(path):
        files = sorted(os.path.join(path, f) for f in os.listdir(path)
                       if f.endswith(".csv") and not f.endswith(".edges.csv"))
        if not files:
            raise InputError("the directory holds no ego file (*.csv)", path=path)
        return files
    if not os.path.exists(path):
        raise FileNotFoundError(2, "No such file or directory", path)
    return [path]


def _edges_file(path: str) -> str:
    stem = path[:-4] if path.endswith(".csv") else path
    return stem + ".edges.csv"


class _Builder:
    """Accumulates parsed networks (in first-seen order of their ego ids)."""

    def __init__(self, dims: list[str]):
        self.dims = dims
        self.nets: dict[str, dict] = {}
        self.has_weights = False

    def net(self, ego: str) -> dict:
        if ego not in self.nets:
            self.nets[ego] = {"nodes": {}, "t0": [], "weight": [], "t1": None, "edges": [],
                              "where": None, "ego_t0": False}
        return self.nets[ego]


def _read_ego_file(path: str, builder: _Builder | None, seen_egos: dict) -> _Builder:
    with open_text(path, newline="") as fh:
        rows = data_rows(path, csv.reader(fh))
        try:
            _, header = next(rows)
        except StopIteration:
            raise InputError("empty ego file (no header)", path=path) from None
        dims, optional = parse_header(header, path, ("ego", "node", "time"), ("weight",))
        if builder is None:
            builder = _Builder(dims)
        else:
            check_dims(dims, builder.dims, path)
        positions = [header.index(name) for name in builder.dims]
        wpos = optional.get("weight")
        width = len(header)
        local_egos: set[str] = set()
        for line, cells in rows:
            if len(cells) > width:
                raise InputError(f"{len(cells)} cells for {width} columns", path=path, line=line)
            if len(cells) < width:
                missing = [h for p, h in enumerate(header) if p >= len(cells)]
                raise InputError("missing value (row too short)", path=path, line=line,
                                 column=missing[0].strip())
            ego, node, time = cells[0], cells[1], cells[2]
            if ego == "":
                raise InputError("missing ego id", path=path, line=line, column="ego")
            if node == "":
                raise InputError("missing node id", path=path, line=line, column="node")
            if time not in ("0", "1"):
                raise InputError(f"time must be 0 or 1, found {time!r}", path=path, line=line,
                                 column="time")
            if ego in seen_egos and seen_egos[ego] != path:
                raise InputError(f"ego {ego!r} also has rows in {seen_egos[ego]}", path=path,
                                 line=line, column="ego")
            seen_egos[ego] = path
            local_egos.add(ego)
            values = [parse_score(cells[p], path, line, name)
                      for p, name in zip(positions, builder.dims)]
            net = builder.net(ego)
            if time == "1":
                if node != ego:
                    continue  # friends' t1 values are not used
                if net["t1"] is not None:
                    raise InputError(f"ego {ego!r} has two time-1 rows", path=path, line=line,
                                     column="node")
                net["t1"] = values
                continue
            if node in net["nodes"]:
                raise InputError(f"node {node!r} of ego {ego!r} has two time-0 rows (first on "
                                 f"line {net['nodes'][node][1]})", path=path, line=line,
                                 column="node")
            weight = 1.0
            if wpos is not None and node != ego and cells[wpos] != "":
                weight = parse_score(cells[wpos], path, line, "weight")
            net["nodes"][node] = (len(net["t0"]), line)
            net["t0"].append(values)
            net["weight"].append(weight)
            net["where"] = net["where"] or (path, line)
        builder.has_weights = builder.has_weights or wpos is not None
    edges = _edges_file(path)
    if os.path.exists(edges):
        _read_edges(edges, builder, local_egos)
    return builder


def _read_edges(path: str, builder: _Builder, egos: set[str]) -> None:
    with open_text(path, newline="") as fh:
        rows = data_rows(path, csv.reader(fh))
        try:
            _, header = next(rows)
        except StopIteration:
            return
        names = [h.strip().lower() for h in header]
        if names[:3] != ["ego", "source", "target"] or len(names) > 4 or \
                (len(names) == 4 and names[3] != "weight"):
            raise InputError("header must be ego,source,target[,weight]", path=path, line=1)
        for line, cells in rows:
            if len(cells) < 3 or len(cells) > len(names):
                raise InputError(f"{len(cells)} cells for {len(names)} columns", path=path,
                                 line=line)
            ego, u, v = cells[0], cells[1], cells[2]
            if ego not in egos:
                raise InputError(f"ego {ego!r} has no rows in the ego file", path=path, line=line,
                                 column="ego")
            net = builder.nets[ego]
            for col, node in (("source", u), ("target", v)):
                if node not in net["nodes"]:
                    raise InputError(f"node {node!r} has no time-0 row in ego network {ego!r}",
                                     path=path, line=line, column=col)
            w = 1.0
            if len(cells) == 4 and cells[3] != "":
                w = parse_score(cells[3], path, line, "weight")
            net["edges"].append((net["nodes"][u][0], net["nodes"][v][0], w))


def read_egos(path: str | os.PathLike) -> dict:
    """Read ego networks from an ego file or a directory of them (format: module docstring).

    Returns the keyword arguments of
    :meth:`imx.dynamics.EgoNetworks.from_arrays` (rows concatenated, arcs global).

    Raises
    ------
    InputError
        naming file, line and column for any malformed cell, a value outside
        [0, 1], a duplicate row, an ego without its t0 or t1 row, or an edge
        naming an unknown node.
    """
    path = os.fspath(path)
    builder: _Builder | None = None
    seen: dict[str, str] = {}
    for f in _ego_files(path):
        builder = _read_ego_file(f, builder, seen)
    assert builder is not None
    if not builder.nets:
        raise InputError("no ego network rows found", path=path)
    sizes, ego_local, labels, t0s, t1s, srcs, dsts, ws, names = [], [], [], [], [], [], [], [], []
    base = 0
    for ego, net in builder.nets.items():
        where_path, where_line = net["where"] or (path, None)
        if ego not in net["nodes"]:
            raise InputError(f"ego {ego!r} has no time-0 row of its own (node == ego)",
                             path=where_path, line=where_line, column="node")
        if net["t1"] is None:
            raise InputError(f"ego {ego!r} has no time-1 row", path=where_path, line=where_line,
                             column="time")
        k = len(net["t0"])
        e_local = net["nodes"][ego][0]
        friends = np.array([i for i in range(k) if i != e_local], dtype=np.int64)
        fw = np.asarray(net["weight"], dtype=np.float64)[friends]
        src = [friends, np.full(friends.size, e_local)]
        dst = [np.full(friends.size, e_local), friends]
        w = [fw, fw]
        if net["edges"]:
            ed = np.asarray(net["edges"], dtype=np.float64)
            a, b = ed[:, 0].astype(np.int64), ed[:, 1].astype(np.int64)
            src += [a, b]
            dst += [b, a]
            w += [ed[:, 2], ed[:, 2]]
        srcs.append(np.concatenate(src) + base)
        dsts.append(np.concatenate(dst) + base)
        ws.append(np.concatenate(w))
        sizes.append(k)
        ego_local.append(e_local)
        labels.extend(net["nodes"].keys())
        t0s.append(np.asarray(net["t0"], dtype=np.float64))
        t1s.append(np.asarray(net["t1"], dtype=np.float64))
        names.append(ego)
        base += k
    return dict(dims=builder.dims, names=names, sizes=sizes, ego_local=ego_local,
                labels=labels, t0=np.concatenate(t0s), t1=np.stack(t1s),
                src=np.concatenate(srcs), dst=np.concatenate(dsts), weights=np.concatenate(ws),
                has_weights=builder.has_weights)


def _write_networks(path: str, egos, indices: Sequence[int]) -> None:
    weights = egos.has_weights
    header = ["ego", "node", "time"] + (["weight"] if weights else []) + list(egos.dims)
    edge_rows: list[str] = []
    with atomic_open(path, "w") as fh:
        fh.write(",".join(header) + "\n")
        for e in indices:
            lo, hi = int(egos.node_offsets[e]), int(egos.node_offsets[e + 1])
            ego_row = int(egos.ego_rows[e])
            name = str(egos.labels[ego_row])
            tie = {}
            alo, ahi = int(egos.in_offsets[ego_row]), int(egos.in_offsets[ego_row + 1])
            for s, w in zip(egos.in_sources[alo:ahi].tolist(), egos.weights[alo:ahi].tolist()):
                tie[s] = w
            for r in range(lo, hi):
                cells = [name, str(egos.labels[r]), "0"]
                if weights:
                    cells.append("" if r == ego_row else repr(tie.get(r, 1.0)))
                fh.write(",".join(cells + [repr(v) for v in egos.t0[r].tolist()]) + "\n")
            cells = [name, name, "1"] + ([""] if weights else [])
            fh.write(",".join(cells + [repr(v) for v in egos.t1[e].tolist()]) + "\n")
            done: set[tuple[int, int]] = set()
            for r in range(lo, hi):
                if r == ego_row:
                    continue
                for a in range(int(egos.in_offsets[r]), int(egos.in_offsets[r + 1])):
                    s = int(egos.in_sources[a])
                    pair = (min(s, r), max(s, r))
                    if s != ego_row and pair not in done:  # each friend-friend edge once
                        done.add(pair)
                        row = [name, str(egos.labels[pair[0]]), str(egos.labels[pair[1]])]
                        if weights:
                            row.append(repr(float(egos.weights[a])))
                        edge_rows.append(",".join(row) + "\n")
    edges = _edges_file(path)
    if edge_rows:
        with atomic_open(edges, "w") as fh:
            fh.write("ego,source,target" + (",weight" if weights else "") + "\n")
            fh.writelines(edge_rows)
    elif os.path.exists(edges):
        os.unlink(edges)


def write_egos(egos, path: str | os.PathLike, *, overwrite: bool = False,
               extra_files: dict[str, str] | None = None) -> list[str]:
    """Write a batch of ego networks (an :class:`imx.dynamics.EgoNetworks`)
    atomically; returns the ego files written.

    A ``path`` ending in ``.csv`` gets one ego file (plus ``.edges.csv``);
    any other path is a directory (created if needed) with one file per ego
    network, ``<ego>.csv`` (plus ``<ego>.edges.csv``).  A directory that already
    holds ``*.csv`` files is refused unless ``overwrite``, which first removes
    them (a directory is read as one collection, so stale files would mix in).
    Friend-friend edges are written once per pair, as undirected edges.
    ``extra_files`` (name -> text, directory form only) are published with the
    ego files, e.g. ``planted.json``: the folder appears complete or not at all.
    """
    path = os.fspath(path)
    if path.endswith(".csv"):
        _write_networks(path, egos, range(len(egos)))
        return [path]
    old = [f for f in os.listdir(path) if f.endswith(".csv")] if os.path.isdir(path) else []
    if old and not overwrite:
        raise ParameterError(f"{path} already holds {len(old)} CSV files; choose an empty "
                             "folder or overwrite")
    written = []
    used: set[str] = set()
    # staged in a sibling folder, so a full disk or an interrupt never leaves a partial set
    with atomic_directory(path, remove=lambda f: f.endswith(".csv")) as staging:
        for e in range(len(egos)):
            name = str(egos.names[e])
            safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "ego"
            stem, k = safe, 1
            while stem.lower() in used:  # two ego ids that sanitise alike
                k += 1
                stem = f"{safe}_{k}"
            used.add(stem.lower())
            _write_networks(os.path.join(staging, f"{stem}.csv"), egos, [e])
            written.append(os.path.join(path, f"{stem}.csv"))
        for name, text in (extra_files or {}).items():
            with atomic_open(os.path.join(staging, name)) as fh:
                fh.write(text)
    return written
