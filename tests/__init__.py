"""imx's tests, laid out like the package (tests/graph for imx/graph, tests/solvers/cim for
imx/solvers/cim, ...); the files at this level test the package as a whole.

Every folder is a package so that test files in different folders may share a basename and
import each other as ``tests.<folder>.<module>``.  The paths below are the fixed places the
tests read from, whatever folder a test file sits in.
"""
from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
#: the bundled sample graphs (``graphs/`` at the top of the checkout)
GRAPHS = ROOT / "graphs"
KARATE = GRAPHS / "karate.txt"
#: inputs the fuzzers found, replayed by the loader tests (tools/fuzz/README.md)
FUZZ_CRASHES = TESTS / "fuzz_crashes"
#: frozen inputs the golden answers were recorded on (tests/solvers/test_doubling_golden.py)
DATA = TESTS / "data"
#: the real SNAP graphs beside the checkout (../shared/graphs)
SHARED_GRAPHS = ROOT.parent / "shared" / "graphs"
