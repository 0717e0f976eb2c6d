"""Hetero reranking files (imx.io.hetero_files): score, accept and inviter files joined onto
the graph's labels, and errors naming file and line."""
from __future__ import annotations

import numpy as np
import pytest

from imx import Graph, InputError
from imx.io.hetero_files import read_accept, read_inviters, read_scores


@pytest.fixture
def small():
    # labels 10..15 (not a range) so label handling is exercised
    src = np.array([0, 0, 1, 1, 2, 3])
    dst = np.array([1, 2, 3, 4, 5, 5])
    return Graph.from_arrays(src, dst, n=6, labels=np.arange(10, 16))


# ------------------------------------------------------------------------ io
def test_read_scores_joins_onto_arcs(tmp_path, small):
    f = tmp_path / "s.txt"
    f.write_text("# u v p\n10 11 0.25\n11\t14\t1\n13,15,0\n")
    w = read_scores(f, small)
    tails, heads = small.arcs()
    got = {(int(small.labels[t]), int(small.labels[h])): x for t, h, x in zip(tails, heads, w)}
    assert got == {(10, 11): 0.25, (10, 12): 0.0, (11, 13): 0.0, (11, 14): 1.0, (12, 15): 0.0,
                   (13, 15): 0.0}


@pytest.mark.parametrize("text, message, line", [
    ("10 11 0.5\n10 12 1.5\n", "outside", 2),
    ("10 11 0.5\n\n12 11 0.5\n", "not an arc", 3),
    ("10 99 0.5\n", "node '99' is not in the graph", 1),
    ("10 11 x\n", "not a number", 1),
    ("10 11\n", "expected 3 columns", 1),
    ("10 11 0.1\n10 11 0.2\n", "second score", 2),
    ("10 11 -0.1\n", "outside", 1),
])
def test_read_scores_errors_name_file_and_line(tmp_path, small, text, message, line):
    f = tmp_path / "bad.txt"
    f.write_text(text)
    with pytest.raises(InputError, match=message) as info:
        read_scores(f, small)
    assert info.value.line == line and str(info.value).startswith(f"{f}:{line}:")


def test_read_accept_and_inviters(tmp_path, small):
    f = tmp_path / "a.txt"
    f.write_text("11 0.5\n15 0\n")
    U = read_accept(f, small)
    assert U.tolist() == [1, 0.5, 1, 1, 1, 0]
    f.write_text("11 1.2\n")
    with pytest.raises(InputError, match="outside"):
        read_accept(f, small)
    inv = tmp_path / "i.txt"
    inv.write_text("12, 10\n10 11\n")
    assert read_inviters(inv, small).tolist() == [2, 0, 1]
    inv.write_text("10\n77\n")
    with pytest.raises(InputError, match="inviter '77'") as info:
        read_inviters(inv, small)
    assert info.value.line == 2
