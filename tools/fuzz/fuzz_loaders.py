"""Coverage-guided fuzzing (atheris) of imx's file loaders.

Targets (``--target``):

``edgelist``  the Cython tokenizer behind :func:`imx.io.read_edgelist`; the
              first input byte picks the chunk size, the delimiter and the ids mode.
``imxg``      :func:`imx.io.binary.load_binary_graph`; a graph that loads is
              then walked by a spread simulation, so an array a kernel could
              misread shows up as a crash.
``hetero``    :meth:`imx.solvers.hetero.HeteroIndex.load`, then every user's ranking.

Each input must load or raise imx's InputError / ParameterError; any other
exception (or a crash) is a finding.  Run with ``nice -n 19`` on a shared
machine; see tools/fuzz/README.md.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile

import atheris

# fuzz the checkout this file is in, not whichever imx is installed
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

with atheris.instrument_imports(include=["imx"]):
    import numpy as np

    from imx.errors import InputError, ParameterError
    from imx.io.binary import load_binary_graph
    from imx.io import edgelist as el
    from imx.solvers.hetero.index import HeteroIndex

_EXPECTED = (InputError, ParameterError)
_SCRATCH = os.path.join(tempfile.gettempdir() if not os.path.isdir("/dev/shm") else "/dev/shm",
                        f"imx-fuzz-{os.getpid()}")
_CHUNKS = (1, 2, 3, 7, 64, 1 << 20)
_DELIMS = (None, ",", "\t", ";")
_IDS = ("auto", "int", "str")


def _write(data: bytes) -> str:
    with open(_SCRATCH, "wb") as fh:
        fh.write(data)
    return _SCRATCH


def fuzz_edgelist(data: bytes) -> None:
    if not data:
        return
    knob, body = data[0], data[1:]
    el.CHUNK_BYTES = _CHUNKS[knob % len(_CHUNKS)]
    kwargs = {"delimiter": _DELIMS[(knob >> 3) % len(_DELIMS)]}
    if "ids" in el.read_edgelist.__kwdefaults__:
        kwargs["ids"] = _IDS[(knob >> 5) % len(_IDS)]
    try:
        got = el.read_edgelist(_write(body), **kwargs)
    except _EXPECTED as exc:
        _outcome(str(exc))
        return
    _outcome(f"ok {got.header is not None} {got.skipped[2] if got.skipped else ''} "
             f"{got.labels.dtype.kind} {got.prob is None}")
    assert got.src.shape == got.dst.shape == (got.lines,)
    if got.lines:
        assert 0 <= min(got.src.min(), got.dst.min()) and max(got.src.max(), got.dst.max()) < got.n


# Fragments of the tokenizer's outcomes.  Its C code is not instrumented, so a
# branch per outcome here is what tells libFuzzer an input reached a new path.
_OUTCOMES = ("column", "columns", "empty field", "negative node id", "64-bit", "not a number",
             "NaN", "not in [0, 1]", "NUL byte", "UTF-8", "not an integer", "'n m' header",
             "no edges", "compressed", "truncated", "zip", "ok True", "ok False",
             "column names", "two fields above", "neither of", "above string ids", " U ",
             " i ", "True", "False")


def _branches(fragments) -> "Callable[[str], int]":
    """``f(text)`` with one ``if`` per fragment (distinct edges), instrumented by atheris."""
    body = "".join(f"    if {frag!r} in text:\n        hits += {i + 1}\n"
                   for i, frag in enumerate(fragments))
    scope: dict = {}
    exec(f"def outcome(text):\n    hits = 0\n{body}    return hits\n", scope)
    return atheris.instrument_func(scope["outcome"])


_outcome = _branches(_OUTCOMES)


def fuzz_imxg(data: bytes) -> None:
    try:
        graph = load_binary_graph(_write(data), mmap=bool(len(data) & 1))
    except _EXPECTED:
        return
    _walk(graph)


def _walk(graph) -> None:
    """Touch every arc the way the kernels do (pure numpy, so no compile per input)."""
    for u in range(min(graph.n, 64)):
        lo, hi = graph.out_offsets[u], graph.out_offsets[u + 1]
        _ = graph.out_targets[lo:hi], graph.out_probs[lo:hi]
    if graph.m:
        assert 0 <= graph.out_targets.min() and graph.out_targets.max() < graph.n
        assert 0 <= graph.in_sources.min() and graph.in_sources.max() < graph.n
        assert np.isfinite(graph.out_probs).all()


def fuzz_hetero(data: bytes) -> None:
    try:
        index = HeteroIndex.load(_write(data), mmap=bool(len(data) & 1))
    except _EXPECTED:
        return
    for u in range(index.n):
        index.rerank_ids(u, k=3)


TARGETS = {"edgelist": fuzz_edgelist, "imxg": fuzz_imxg, "hetero": fuzz_hetero}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", choices=sorted(TARGETS), required=True)
    args, rest = parser.parse_known_args()
    atheris.Setup([sys.argv[0]] + rest, TARGETS[args.target])
    try:
        atheris.Fuzz()
    finally:
        if os.path.exists(_SCRATCH):
            os.remove(_SCRATCH)


if __name__ == "__main__":
    main()
