"""Damaged .imxg graphs and HeteroIndex files: refused with InputError, never misread.

Each case is one the hardening issue reported (segfaults, "certified" answers
from p = 7.0, NaN scores returned as rankings) or one the fuzz harness found.
"""
from __future__ import annotations

import json
import os
import re
import stat
import zlib
from pathlib import Path

import numpy as np
import pytest

from imx import Graph
from imx.errors import InputError
from imx.io import load_graph
from imx.io.binary import is_binary_graph, load_binary_graph, save_graph
from imx.io.edgelist import load_edgelist
from imx.io.npz import load_npz_members, save_npz_aligned
from imx.solvers.hetero.index import HeteroIndex
from tests import FUZZ_CRASHES
from tests.tiny import arc_dict, assert_same_graph


def _arrays(path) -> dict:
    return {k: np.array(v) for k, v in load_npz_members(path, False).items()}


def _damaged_copy(tmp_path, good, change) -> Path:
    arrays = _arrays(good)
    change(arrays)
    bad = tmp_path / "bad.bin"
    save_npz_aligned(bad, arrays)
    return bad


def _set(name, index, value):
    def change(arrays):
        arrays[name][index] = value
    return change


def _meta(**updates):
    def change(arrays):
        meta = json.loads(bytes(arrays["meta"]).decode())
        meta.update(updates)
        arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    return change


def _retype(name, dtype):
    def change(arrays):
        arrays[name] = arrays[name].astype(dtype)
    return change


IMXG_CASES = [
    ("negative-source", _set("in_sources", 3, -1), "not the same in the in-order"),
    ("target-past-n", _set("out_targets", 5, 34), "target 34, outside 0..33"),
    ("huge-target", _set("out_targets", 0, 2**31 - 1), "outside 0..33"),
    ("p-seven", _set("out_probs", 7, 7.0), "probability 7.0, outside [0, 1]"),
    ("p-nan", _set("out_probs", 2, np.nan), "probability nan"),
    ("p-negative", _set("out_probs", 2, -0.5), "outside [0, 1]"),
    ("in-prob-differs", _set("in_probs", 9, 0.25), "not the same in the in-order"),
    ("offset-decreases", _set("out_offsets", 4, 0), "out-offsets not increasing"),
    ("offset-past-m", _set("in_offsets", 10, 10**9), "in-offsets not increasing"),
    ("last-offset", _set("out_offsets", -1, 155), "out-offsets"),
    ("float-targets", _retype("out_targets", np.float64), "out_targets is float64"),
    ("int64-sources", _retype("in_sources", np.int64), "in_sources is int64"),
    ("float64-probs", _retype("in_probs", np.float64), "in_probs is float64"),
    ("two-d", lambda a: a.__setitem__("out_probs", a["out_probs"].reshape(2, -1)), "2-d"),
    ("short-labels", lambda a: a.__setitem__("labels", a["labels"][:-1]), "labels are"),
    ("label-flipped", _set("labels", 3, 1003), "checksum"),
    ("n-true", _meta(n=True), "metadata 'n' is True"),
    ("n-float", _meta(n=34.0), "metadata 'n' is 34.0"),
    ("n-negative", _meta(n=-1), "metadata n=-1"),
    ("n-wrong", _meta(n=33), "out_offsets has 35 entries for 33 nodes"),
    ("directed-string", _meta(directed="yes"), "metadata 'directed'"),
    ("scheme-unknown", _meta(scheme="wb"), "metadata 'scheme'"),
    ("meta-list", lambda a: a.__setitem__("meta", np.frombuffer(b"[1]", np.uint8)),
     "not a JSON object"),
]


def _both_kinds(arrays):
    arrays["out_probs"] = np.ones(arrays["out_targets"].shape[0], dtype=np.float32)
    arrays["in_probs"] = np.ones(arrays["in_sources"].shape[0], dtype=np.float32)


# karate under wc: one probability per node (format version 2)
def _head_flipped(arrays):
    arrays["head_probs"][3] = 0.25  # still a probability: only the checksum tells


HEAD_CASES = [
    ("head-p-seven", _set("head_probs", 3, 7.0), "node 3 has probability 7.0, outside [0, 1]"),
    ("head-p-changed", _head_flipped, "head_probs do not match their checksum"),
    ("head-no-checksum", _meta(head_probs_crc32=None), "head_probs do not match their checksum"),
    ("head-p-nan", _set("head_probs", 0, np.nan), "probability nan"),
    ("head-p-negative", _set("head_probs", 33, -0.5), "outside [0, 1]"),
    ("head-short", lambda a: a.__setitem__("head_probs", a["head_probs"][:-1]),
     "head_probs has 33 entries for 34 nodes"),
    ("head-float64", _retype("head_probs", np.float64), "head_probs is float64"),
    ("head-and-arc", _both_kinds, "per node and per arc"),
    ("head-in-version-1", _meta(version=1), "per node in a version 1 file"),
    ("head-missing", lambda a: a.pop("head_probs"), "missing out_probs, in_probs"),
    ("head-target-past-n", _set("out_targets", 5, 34), "target 34, outside 0..33"),
    ("head-source-differs", _set("in_sources", 3, 7), "not the same in the in-order"),
    ("version-3", _meta(version=3), "unsupported .imxg format version"),
    ("version-true", _meta(version=True), "unsupported .imxg format version"),
]


@pytest.mark.parametrize("name, change, expected", IMXG_CASES + HEAD_CASES,
                         ids=[c[0] for c in IMXG_CASES + HEAD_CASES])
def test_damaged_imxg_is_refused(tmp_path, karate, name, change, expected):
    good = tmp_path / "g.imxg"
    # per-arc probabilities (trivalency) for the per-arc cases, karate's wc for the others
    save_graph(karate if name.startswith(("head", "version")) else
               karate.with_probabilities("trivalency"), good)
    bad = _damaged_copy(tmp_path, good, change)
    for mmap in (True, False):
        with pytest.raises(InputError, match="damaged|not an|unsupported") as info:
            load_binary_graph(bad, mmap=mmap)
        assert expected in str(info.value) and "\n" not in str(info.value)
        with pytest.raises(InputError):
            load_graph(bad)


def test_duplicate_labels_are_refused(tmp_path, karate):
    good = tmp_path / "g.imxg"
    save_graph(karate, good)

    def change(arrays):
        arrays["labels"][5] = arrays["labels"][4]
        meta = json.loads(bytes(arrays["meta"]).decode())
        meta["labels_crc32"] = zlib.crc32(arrays["labels"])
        arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    with pytest.raises(InputError, match="two nodes share a label"):
        load_binary_graph(_damaged_copy(tmp_path, good, change))


@pytest.mark.parametrize("scheme", ["wc", "uniform:0.1", "trivalency"])
def test_valid_imxg_round_trips_and_stays_mapped(tmp_path, karate, scheme):
    path = tmp_path / "g.imxg"
    graph = karate.with_probabilities(scheme)
    save_graph(graph, path)
    back = load_binary_graph(path)
    assert isinstance(back.out_targets.base, np.memmap) or isinstance(back.out_targets, np.memmap)
    # wc and uniform keep one value per node, in the file as in memory
    assert (back.head_probs is None) == (scheme == "trivalency") and back.nbytes == graph.nbytes
    assert back.arrays().keys() == graph.arrays().keys()
    for name in ("out_offsets", "out_targets", "out_probs", "in_offsets", "in_sources",
                 "in_probs", "labels"):
        assert np.array_equal(getattr(back, name), getattr(graph, name))
    # string labels and a graph with isolated nodes and no arcs at all
    for g in (Graph.from_arrays([0, 1], [1, 2], labels=np.array(["b", "a", "c"])),
              Graph.from_arrays(np.zeros(0, np.int64), np.zeros(0, np.int64), n=3)):
        save_graph(g, path)
        back = load_binary_graph(path)
        assert back.labels.tolist() == g.labels.tolist() and back.m == g.m


def test_old_files_without_label_checksum_still_load(tmp_path, karate):
    good = tmp_path / "g.imxg"
    save_graph(karate, good)

    def change(arrays):
        meta = json.loads(bytes(arrays["meta"]).decode())
        del meta["labels_crc32"]
        arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    assert load_binary_graph(_damaged_copy(tmp_path, good, change)).m == karate.m


def test_version_1_files_with_per_arc_wc_still_load_and_answer_alike(tmp_path, karate):
    """A version-1 file holds wc as per-arc arrays; it loads as they are, and sampling
    answers as from the per-node form."""
    from imx.sampling import sample_rr_sets

    old = tmp_path / "old.imxg"
    arrays = {name: np.ascontiguousarray(getattr(karate, name)) for name in (
        "out_offsets", "out_targets", "out_probs", "in_offsets", "in_sources", "in_probs")}
    arrays["labels"] = np.ascontiguousarray(karate.labels)
    meta = {"format": "imxg", "version": 1, "n": karate.n, "directed": False, "scheme": "wc",
            "labels_crc32": zlib.crc32(arrays["labels"])}
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    save_npz_aligned(old, arrays)
    back = load_binary_graph(old)
    assert back.head_probs is None and karate.head_probs is not None
    assert np.array_equal(back.in_probs, karate.in_probs)
    a = sample_rr_sets(back, 3000, seed=5, threads=1)
    b = sample_rr_sets(karate, 3000, seed=5, threads=1)
    assert np.array_equal(a.nodes, b.nodes) and np.array_equal(a.offsets, b.offsets)


def test_load_graph_missing_path_and_folder(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_graph(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="is a folder"):
        load_graph(tmp_path)


# ----------------------------------------------------------------- HeteroIndex
@pytest.fixture(scope="module")
def index_file(tmp_path_factory, karate) -> Path:
    path = tmp_path_factory.mktemp("idx") / "h.idx"
    HeteroIndex.build(karate, solver="heteroir").save(path)
    return path


def _scores_shuffled(arrays):
    lo, hi = arrays["offsets"][0], arrays["offsets"][1]
    arrays["scores"][lo:hi] = arrays["scores"][lo:hi][::-1]


HETERO_CASES = [
    ("nan-score", _set("scores", 4, np.nan), "checksum"),
    ("target-past-n", _set("targets", 1, 99), "checksum"),
    ("offset-decreases", _set("offsets", 3, 1), "checksum"),
    ("meta-n-string", _meta(n="34"), "meta 'n' is '34'"),
    ("meta-method", _meta(method="magic"), "unknown method"),
    ("meta-n-missing", _meta(n=None), "meta 'n' is None"),
    ("meta-not-object", lambda a: a.__setitem__("meta", np.frombuffer(b"7", np.uint8)),
     "not a JSON object"),
    ("meta-bad-json", lambda a: a.__setitem__("meta", np.frombuffer(b"{", np.uint8)), "bad meta"),
    ("int32-offsets", _retype("offsets", np.int32), "offsets is int32"),
    ("float32-scores", _retype("scores", np.float32), "scores is float32"),
]


@pytest.mark.parametrize("name, change, expected", HETERO_CASES, ids=[c[0] for c in HETERO_CASES])
def test_damaged_index_is_refused(tmp_path, index_file, name, change, expected):
    bad = _damaged_copy(tmp_path, index_file, change)
    with pytest.raises(InputError, match="HeteroIndex") as info:
        HeteroIndex.load(bad)
    assert expected in str(info.value) and "\n" not in str(info.value)


CHECKSUM_FREE = [
    ("nan-score", _set("scores", 4, np.nan), "not finite"),
    ("inf-score", _set("scores", 4, np.inf), "not finite"),
    ("target-past-n", _set("targets", 1, 99), "outside 0..33"),
    ("negative-target", _set("targets", 1, -3), "outside 0..33"),
    ("offset-decreases", _set("offsets", 3, 1), "offsets not increasing"),
    ("offset-past-m", _set("offsets", 3, 10**9), "offsets not increasing"),
    ("unsorted-scores", _scores_shuffled, "not in ranking order"),
    ("friend-twice", lambda a: a["targets"].__setitem__(1, a["targets"][0]), "listed twice"),
]


@pytest.mark.parametrize("name, change, expected", CHECKSUM_FREE, ids=[c[0] for c in CHECKSUM_FREE])
def test_damaged_index_without_checksums_is_refused(tmp_path, index_file, name, change, expected):
    """Files written before the checksums, or damaged with the checksums redone."""
    def both(arrays):
        change(arrays)
        _meta(crc32=None)(arrays)
    with pytest.raises(InputError, match=expected):
        HeteroIndex.load(_damaged_copy(tmp_path, index_file, both))


# ----------------------------------------------------------- fuzz findings
def _crash_inputs(target):
    return sorted((FUZZ_CRASHES / target).glob("*"))


@pytest.mark.parametrize("path", _crash_inputs("imxg"), ids=lambda p: p.name)
def test_imxg_fuzz_findings(path, tmp_path):
    bad = tmp_path / "f.imxg"
    bad.write_bytes(path.read_bytes())
    for mmap in (True, False):
        with pytest.raises(InputError):
            load_binary_graph(bad, mmap=mmap)
    with pytest.raises(InputError):
        load_graph(bad)


@pytest.mark.parametrize("path", _crash_inputs("hetero"), ids=lambda p: p.name)
def test_hetero_fuzz_findings(path, tmp_path):
    bad = tmp_path / "f.idx"
    bad.write_bytes(path.read_bytes())
    with pytest.raises(InputError):
        HeteroIndex.load(bad)


def test_npz_reader_raises_input_error_naming_the_file(tmp_path):
    not_zip = tmp_path / "plain.npz"
    not_zip.write_bytes(b"hello")
    with pytest.raises(InputError, match=re.escape(f"{not_zip}: not a zip archive")):
        load_npz_members(not_zip)
    compressed = tmp_path / "deflated.npz"
    np.savez_compressed(compressed, a=np.arange(10))
    with pytest.raises(InputError, match="member 'a.npy' is compressed"):
        load_npz_members(compressed)


# ------------------------------------------------------------- binary form
@pytest.mark.parametrize("labels", [None, np.array(["ann", "bob", "cy", "dee", "ed", "flo"])])
def test_binary_round_trip_is_memory_mapped(tmp_path, labels):
    g = Graph.from_arrays([0, 1, 2, 4], [1, 2, 0, 5], [0.5, 0.25, 1.0, 0.75], n=6, labels=labels,
                          directed=False, source="src.txt")
    path = tmp_path / "g.imxg"
    save_graph(g, path)
    assert is_binary_graph(path) and not is_binary_graph(tmp_path)
    back = load_binary_graph(path)
    assert_same_graph(back, g)
    assert (back.directed, back.scheme, back.source, back.edges_read) == (False, "given",
                                                                           "src.txt", 4)
    assert isinstance(back.out_targets.base, np.memmap)
    assert not back.out_targets.flags.writeable
    for name in ("out_offsets", "out_targets", "out_probs", "in_offsets", "in_sources",
                 "in_probs", "labels"):
        assert getattr(back, name).ctypes.data % 64 == 0, name  # mapped arrays stay aligned
    assert np.array_equal(np.load(path)["out_targets"], g.out_targets)  # still a plain .npz
    assert_same_graph(load_binary_graph(path, mmap=False), g)
    assert_same_graph(load_graph(path), g)
    rewc = load_graph(path, probs="wc")
    assert rewc.scheme == "wc" and arc_dict(rewc)[(0, 1)] == 0.5


def test_binary_file_has_the_usual_permissions(tmp_path):
    path = tmp_path / "g.imxg"
    save_graph(Graph.from_arrays([0], [1]), path)
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o666 & ~umask
    assert os.listdir(tmp_path) == ["g.imxg"]


def test_binary_rejects_junk(tmp_path):
    bad = tmp_path / "bad.imxg"
    bad.write_bytes(b"PK\x03\x04" + bytes(40))
    assert not is_binary_graph(bad)
    with pytest.raises(InputError, match=str(bad)):
        load_binary_graph(bad)
    import zipfile

    other = tmp_path / "other.imxg"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("meta.npy", b"junk")
    with pytest.raises(InputError):
        load_binary_graph(other)


def test_load_graph_from_text(tmp_path):
    path = tmp_path / "g.txt"
    path.write_text("a b 0.5\nb c 0.25\nc c 1\n")
    g = load_graph(path)
    assert (g.n, g.m, g.scheme, g.edges_read) == (3, 2, "given", 3)
    assert g.labels.tolist() == ["a", "b", "c"]
    loops = load_graph(path, keep_self_loops=True, probs="uniform:0.2")
    assert loops.m == 3 and loops.scheme == "uniform:0.2"
    both = load_graph(path, directed=False)
    assert both.m == 4
    no_prob = tmp_path / "h.txt"
    no_prob.write_text("1 2\n")
    with pytest.raises(InputError, match="third column"):
        load_edgelist(no_prob, probs="given")
