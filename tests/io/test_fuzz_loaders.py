"""Property-based fuzzing of every file reader: load correctly or raise InputError, nothing else.

Arbitrary bytes and mutated valid files go through the edge-list parser (checked
against the pure-Python reference reader of tests/io/test_edgelist.py whenever the
mutated file is still well formed), the .imxg and HeteroIndex loaders (checked
against the graph/index the file was written from), and the AP, seed-list and
value-file readers.  The default run keeps each property to a few seconds; run
``pytest -m slow tests/io/test_fuzz_loaders.py`` for the long profile.
"""
from __future__ import annotations

import os
import re
import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from imx import Graph
from imx.errors import InputError, ParameterError
from imx.io.binary import load_binary_graph, save_graph
from imx.io.cim_files import load_aps, read_assignment
from imx.io.edgelist import read_edgelist
from imx.io.labels import read_label_file
from imx.solvers.hetero.index import HeteroIndex

from tests.io.test_edgelist import ReferenceError_, edge_files, reference_parse

FAST = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
SLOW = settings(max_examples=3000, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _in_file(data: bytes, name: str = "f") -> str:
    folder = tempfile.mkdtemp(prefix="imx-fuzz-")
    path = os.path.join(folder, name)
    with open(path, "wb") as fh:
        fh.write(data)
    return path


def _cleanup(path: str) -> None:
    os.remove(path)
    os.rmdir(os.path.dirname(path))


@st.composite
def mutated(draw, base: bytes, alphabet: bytes | None = None):
    """``base`` with a few bytes flipped, replaced, deleted, inserted, or cut short."""
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        kind = draw(st.sampled_from(["flip", "set", "delete", "insert", "truncate"]))
        byte = (draw(st.sampled_from(list(alphabet))) if alphabet
                else draw(st.integers(0, 255)))
        if kind == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "set":
            data[at] = byte
        elif kind == "delete":
            del data[at]
        elif kind == "insert":
            data.insert(at, byte)
        else:
            del data[at:]
    return bytes(data)


# ------------------------------------------------------------------ edge lists
_TEXT_BYTES = b"0123456789 \t\r\n,#.-eab"
_ID = r"[^\s,#]+"
_PROB = r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"


def _well_formed(text: str) -> bool:
    """Every data line has 2 or 3 clean fields, the same count, and probabilities in [0, 1]."""
    counts = set()
    delim = None
    for raw in text.split("\n"):
        s = raw.strip(" \t\r\v\f")
        if not s or s[0] == "#":
            continue
        if delim is None:
            delim = "," if "," in s else " "
        fields = re.split(r"[ \t\r\v\f]+", s) if delim == " " else [
            f.strip(" \t\r\v\f") for f in s.split(",")]
        if not all(re.fullmatch(_ID, f) for f in fields[:2]) or len(fields) not in (2, 3):
            return False
        if len(fields) == 3 and not (re.fullmatch(_PROB, fields[2])
                                     and 0.0 <= float(fields[2]) <= 1.0):
            return False
        if any(re.fullmatch(r"-[0-9]+|[0-9]{19,}", f) for f in fields[:2]):
            return False  # negative / overflowing ids: errors only in integer mode
        counts.add(len(fields))
    return len(counts) == 1


def _check_edge_list(data: bytes, ids: str = "auto") -> None:
    path = _in_file(data, "e.txt")
    try:
        try:
            got = read_edgelist(path, ids=ids)
        except InputError as exc:
            assert "\n" not in str(exc)
            got = None
    finally:
        _cleanup(path)
    if got is not None:
        assert got.src.shape == got.dst.shape == (got.lines,) and got.lines > 0
        assert 0 <= min(got.src.min(), got.dst.min())
        assert max(got.src.max(), got.dst.max()) < got.n == got.labels.shape[0]
        if got.prob is not None:
            assert np.all((got.prob >= 0) & (got.prob <= 1))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    if "\0" in text or not _well_formed(text):
        return
    try:
        want = reference_parse(text, ids=ids)
    except ReferenceError_:
        assert got is None, "the reference reader refuses this file"
        return
    assert got is not None, "the reference reader accepts this file"
    labels, src, dst, prob, header, _ = want
    assert got.labels.tolist() == labels
    assert got.src.tolist() == src and got.dst.tolist() == dst and got.header == header
    assert (got.prob is None) == (prob is None)
    if prob is not None:
        assert got.prob.tolist() == prob


def _edge_list_property(settings_):
    @settings_
    @given(data=st.binary(max_size=300), ids=st.sampled_from(["auto", "int", "str"]))
    def arbitrary(data, ids):
        _check_edge_list(data, ids)

    @settings_
    @given(data=st.data(), ids=st.sampled_from(["auto", "int", "str"]))
    def mutations(data, ids):
        text = data.draw(edge_files())
        _check_edge_list(data.draw(mutated(text.encode(), _TEXT_BYTES)), ids)
    return arbitrary, mutations


test_edge_list_arbitrary_bytes, test_edge_list_mutations = _edge_list_property(FAST)
_slow_arbitrary, _slow_mutations = _edge_list_property(SLOW)
test_edge_list_arbitrary_bytes_long = pytest.mark.slow(_slow_arbitrary)
test_edge_list_mutations_long = pytest.mark.slow(_slow_mutations)


# ---------------------------------------------------------------- binary forms
def _graph() -> Graph:
    return Graph.from_arrays([0, 0, 1, 2, 3, 4], [1, 2, 2, 3, 0, 1],
                             [0.5, 0.25, 1.0, 0.125, 0.75, 0.0],
                             labels=np.array([10, 20, 30, 40, 50]))


def _bytes_of(write) -> bytes:
    folder = tempfile.mkdtemp(prefix="imx-fuzz-")
    path = os.path.join(folder, "x")
    try:
        write(path)
        with open(path, "rb") as fh:
            return fh.read()
    finally:
        os.remove(path)
        os.rmdir(folder)


GRAPH = _graph()
IMXG = _bytes_of(lambda p: save_graph(GRAPH, p))
GRAPH_WC = GRAPH.with_probabilities("wc")  # one probability per node (head_probs)
IMXG_WC = _bytes_of(lambda p: save_graph(GRAPH_WC, p))
INDEX = HeteroIndex.build(GRAPH, solver="heteroir")
INDEX_BYTES = _bytes_of(INDEX.save)
_GRAPH_ARRAYS = ("out_offsets", "out_targets", "out_probs", "in_offsets", "in_sources",
                 "in_probs", "labels")


def _check_imxg(data: bytes, graph: Graph = GRAPH) -> None:
    path = _in_file(data, "g.imxg")
    try:
        for mmap in (True, False):
            try:
                g = load_binary_graph(path, mmap=mmap)
            except InputError as exc:
                assert "\n" not in str(exc)
                continue
            # a mutation the loader accepts must have left the graph as it was
            assert (g.n, g.directed, g.scheme) == (graph.n, graph.directed, graph.scheme)
            assert g.arrays().keys() == graph.arrays().keys()
            for name in _GRAPH_ARRAYS:
                assert np.array_equal(getattr(g, name), getattr(graph, name)), name
            del g
    finally:
        _cleanup(path)


def _check_index(data: bytes) -> None:
    path = _in_file(data, "h.idx")
    try:
        try:
            idx = HeteroIndex.load(path, mmap=False)
        except InputError as exc:
            assert "\n" not in str(exc)
            return
        assert idx.solver == INDEX.solver
        for name in ("offsets", "targets", "scores", "labels"):
            assert np.array_equal(getattr(idx, name), getattr(INDEX, name)), name
    finally:
        _cleanup(path)


def _binary_properties(settings_):
    @settings_
    @given(data=mutated(IMXG))
    def imxg(data):
        _check_imxg(data)

    @settings_
    @given(data=mutated(INDEX_BYTES))
    def index(data):
        _check_index(data)

    @settings_
    @given(data=mutated(IMXG_WC))
    def imxg_wc(data):
        _check_imxg(data, GRAPH_WC)

    @settings_
    @given(data=st.binary(max_size=400))
    def arbitrary(data):
        _check_imxg(data)
        _check_index(data)
    return imxg, index, arbitrary, imxg_wc


(test_imxg_mutations, test_index_mutations, test_binary_arbitrary_bytes,
 test_imxg_wc_mutations) = _binary_properties(FAST)
_slow = _binary_properties(SLOW)
test_imxg_mutations_long = pytest.mark.slow(_slow[0])
test_index_mutations_long = pytest.mark.slow(_slow[1])
test_imxg_wc_mutations_long = pytest.mark.slow(_slow[3])


@pytest.mark.parametrize("graph, image", [(GRAPH, IMXG), (GRAPH_WC, IMXG_WC)],
                         ids=["per-arc", "per-node"])
def test_every_single_bit_flip_of_an_imxg_arc_array_is_caught(graph, image):
    """Exhaustive over the arc arrays' bytes: the in/out cross-check is exact, and
    per-node probabilities (stored once) carry a checksum.

    The one flip that loads is 0.0 -> -0.0 of a per-arc probability, the same value.
    """
    import zipfile

    with zipfile.ZipFile(_in_file(image, "g.imxg")) as zf:
        spans = {}
        for info in zf.infolist():
            name = info.filename[:-4]
            if name in ("out_targets", "out_probs", "in_sources", "in_probs", "head_probs"):
                # array data is the member's tail
                end = info.header_offset + 30 + len(info.filename) + len(info.extra) \
                    + info.file_size
                size = graph.arrays()[name].nbytes
                spans[name] = (end - size, end)
        path = zf.filename
    _cleanup(path)
    assert len(spans) == (3 if graph.head_probs is not None else 4)
    for name, (lo, hi) in spans.items():
        for at in range(lo, hi):
            for bit in range(8):
                data = bytearray(image)
                data[at] ^= 1 << bit
                path = _in_file(bytes(data), "g.imxg")
                try:
                    g = load_binary_graph(path, mmap=False)
                except InputError:
                    continue
                finally:
                    _cleanup(path)
                # only a flip that keeps every value passes: the sign bit of p = 0.0
                assert name != "head_probs", (at, bit)
                assert np.array_equal(getattr(g, name), getattr(graph, name)), (name, at, bit)
                assert getattr(graph, name)[(at - lo) // 4] == 0.0


# -------------------------------------------------------- AP / seed / values
_LABEL_TEXT = st.text(alphabet="0123456789abc ,;\t\n#%[]()\"'-x\r\0é", max_size=120)


def _reader_input():
    return st.one_of(st.binary(max_size=200), _LABEL_TEXT.map(lambda t: t.encode()))


def _check_reader(read, data: bytes, name: str, allowed=(InputError,)) -> None:
    path = _in_file(data, name)
    try:
        read(path)
    except allowed as exc:
        assert "\n" not in str(exc)
    finally:
        _cleanup(path)


@FAST
@given(data=_reader_input(), suffix=st.sampled_from(["a.txt", "a.ap"]))
def test_ap_reader(data, suffix):
    # choosing among several AP lists is a parameter (ap_line), hence ParameterError
    _check_reader(lambda p: load_aps(p, GRAPH), data, suffix, (InputError, ParameterError))


@FAST
@given(data=_reader_input())
def test_seed_reader(data):
    _check_reader(lambda p: read_label_file(p, GRAPH, what="seed"), data, "s.txt")


@FAST
@given(data=st.one_of(_reader_input(),
                      st.text(alphabet="apsed\t 1020x\n#", max_size=80).map(
                          lambda t: ("ap\tseed\n" + t).encode())))
def test_assignment_reader(data):
    _check_reader(lambda p: read_assignment(p, GRAPH, np.array([0, 1])), data, "a.tsv")


_VALUE_TEXT = st.text(alphabet="node,ab0123456789.-e\n\r\" nan", max_size=120)


@FAST
@given(data=st.one_of(st.binary(max_size=200),
                      _VALUE_TEXT.map(lambda t: ("node,a,b\n" + t).encode())))
def test_values_reader(data):
    from imx.dynamics.state import read_values

    _check_reader(read_values, data, "v.csv")


_HETERO_READERS = ["read_scores", "read_accept", "read_inviters", "read_label_list",
                   "read_pairs", "read_ranked"]
_HETERO_TEXT = st.text(alphabet="0123456789 .\t\n,#-abinvterscorank", max_size=120)


@pytest.mark.parametrize("reader", _HETERO_READERS)
def test_hetero_text_readers(reader):
    from imx.io import hetero_files as hio

    read = getattr(hio, reader)
    takes_graph = reader in ("read_scores", "read_accept", "read_inviters")

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.one_of(st.binary(max_size=150), _HETERO_TEXT.map(str.encode),
                          _HETERO_TEXT.map(lambda t: ("inviter\tinvitee\tscore\trank\n" + t)
                                           .encode())))
    @example(data=b"BZh")  # found by this test: a bz2 stream cut short raised ValueError
    @example(data=b"\x1f\x8b")
    def run(data):
        _check_reader((lambda p: read(p, GRAPH)) if takes_graph else read, data, "h.tsv")
    run()
