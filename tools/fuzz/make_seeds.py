"""Write small valid seed inputs for each fuzz target into tools/fuzz/corpus/<target>/."""
from __future__ import annotations

import os
import sys

import numpy as np

from imx import Graph
from imx.io.binary import save_graph
from imx.solvers.hetero.index import HeteroIndex

_EDGELISTS = {
    "ints.txt": b"# comment\n0 1\n1 2\n2 0\n",
    "probs.tsv": b"3 2\n0\t1\t0.5\n1\t2\t0.25\n",
    "names.csv": b"source,target\n1,2\n2,3\n",
    "strings.csv": b"from,to\nalice,bob\nbob,carol\n",
    "crlf.txt": b"a b\r\nb c\r\n",
}


def main(root: str) -> None:
    for target in ("edgelist", "imxg", "hetero"):
        os.makedirs(os.path.join(root, target), exist_ok=True)
    for name, body in _EDGELISTS.items():
        with open(os.path.join(root, "edgelist", name), "wb") as fh:
            fh.write(b"\0" + body)
    g = Graph.from_arrays([0, 0, 1, 2, 3], [1, 2, 2, 3, 0], [0.5, 0.25, 1.0, 0.125, 0.75])
    save_graph(g, os.path.join(root, "imxg", "small.imxg"))
    labelled = Graph.from_arrays([0, 1], [1, 2], labels=np.array(["a", "b", "c"]))
    save_graph(labelled, os.path.join(root, "imxg", "labels.imxg"))
    HeteroIndex.build(g, solver="heteroir").save(os.path.join(root, "hetero", "small.idx"))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus"))
