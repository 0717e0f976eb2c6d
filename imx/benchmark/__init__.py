"""The benchmark harness: suites of graphs x solvers x parameters, run and reported.

``imx bench SUITE`` (or ``python -m bench run SUITE`` from a checkout) runs a
suite (:mod:`.suites`) with :func:`run_suite` (:mod:`.runner`, each run in a
fresh process, :mod:`.worker`), writes JSON lines, and :func:`write_report`
(:mod:`.report`) turns them into a markdown table and PNG plots.
"""
from __future__ import annotations

from .report import load_results, render_markdown, write_report
from .runner import run_suite
from .suites import Suite, RunSpec, list_suites, load_suite

__all__ = ["run_suite", "load_suite", "list_suites", "Suite", "RunSpec", "load_results",
           "render_markdown", "write_report"]
