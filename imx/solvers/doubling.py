"""The certified-doubling driver shared by the OPIM-style solvers.

OPIM-C (Tang et al., SIGMOD 2018), CIM's RR-OPIM+ / RR-OPIM / MG-OPIM and
local OPIM (Zhang et al., KDD 2023) and HeteroIM all run the same loop:

1. grow two independent RR collections, R1 (selection) and R2 (validation),
   to ``theta_0 * 2**i`` sets each (capped by ``theta_max`` and the budgets);
2. select an answer on R1 and an upper bound on the optimum;
3. validate the answer on R2 (its coverage, unbiased: R2 played no part);
4. turn both into a certificate (lower bound / upper bound) and stop once
   the stopping rule says so, else double.

:func:`run_doubling` is that loop, once.  What differs between the solvers is
passed in: ``select(r1, threads, timer)``, ``validate(r2, selection,
threads)`` and ``certify(selection, validation, r1, r2) -> Certificate``.
The stopping rule is ``should_stop(state) -> reason | None`` (default
:func:`stop_when_certified`), checked after every round; the budgets (sets,
time) and ``theta_max`` end the run whatever it says, and the record's
``counters['stop']`` says why the run ended.

Memory: before each round, the bytes R1 and R2 will hold at the round's size
(indexes included) are checked against the user's budget; before the first
round the mean set size comes from a pilot of R1's first sets (which are
kept: the answer does not change).

Which collection operations each solver needs (:class:`imx.sampling.RRSets`):
the driver itself uses ``count``, ``mean_size()``, ``nbytes``, ``grow`` and
``drop_index``; OPIM-C's selection uses :func:`max_coverage` and its
validation ``coverage``, so it runs on any implementation.  CIM, local OPIM
and HeteroIM select with their own kernels on local arrays (``nodes``,
``offsets``, ``node_index()``).
"""
from __future__ import annotations

import threading
import time
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any, Callable, Protocol

from .. import _validate
from ..record import PhaseClock, RunRecord
from ..sampling.collection import RRCollection, RRSets
from ..sampling.memory import check_budget, format_bytes
from ..sampling.sampler import derive_seed, estimate_bytes
from .coverage import GreedyCoverage, greedy_max_coverage

__all__ = ["Certificate", "RoundState", "DoublingOutcome", "PhaseTimer", "StreamLayout",
           "ROLES", "OFFSET", "rr_pair", "cluster_collections", "max_coverage", "index_bytes", "round_bytes", "stop_when_certified",
           "run_doubling", "PILOT_SETS"]

#: Sets of R1 drawn before the first round's memory check, to learn the mean size.
PILOT_SETS = 256

#: Role numbers of R1 and R2 under the ROLES layout (see :func:`derive_seed`).
R1_ROLE, R2_ROLE = 1, 2


# ------------------------------------------------------------------ streams
@dataclass(frozen=True)
class StreamLayout:
    """Where R1 and R2 come from: ``(family, first index)`` of each, from the run's seed."""

    name: str
    r2_offset: int = 0

    def streams(self, seed: int) -> tuple[tuple[int, int], tuple[int, int]]:
        if self.r2_offset:
            # one family, R2 far past any index R1 can reach
            return (int(seed), 0), (int(seed), self.r2_offset)
        return (derive_seed(seed, R1_ROLE), 0), (derive_seed(seed, R2_ROLE), 0)


#: R1 and R2 in two families derived from the seed (OPIM-C, CIM, local OPIM).
ROLES = StreamLayout("roles")
#: R1 and R2 in the seed's own family, R2 from index 2**40 (HeteroIM, whose
#: answers were pinned with it before the driver existed).
OFFSET = StreamLayout("offset", 1 << 40)


def rr_pair(n: int, model: str, seed: int, layout: StreamLayout = ROLES,
            make: Callable[[int, int], RRSets] | None = None) -> tuple[RRSets, RRSets]:
    """Empty R1 and R2 for a run with ``seed``: the one place every solver
    derives its two stream families.  Local collections, or what
    ``make(family, start)`` returns (e.g. sharded over a cluster, see
    :mod:`imx.distributed`)."""
    (f1, s1), (f2, s2) = layout.streams(seed)
    if make is not None:
        return make(f1, s1), make(f2, s2)
    return (RRCollection(n, model=model, seed=f1, start=s1),
            RRCollection(n, model=model, seed=f2, start=s2))


def cluster_collections(cluster, n: int, *, model: str, method: str = "auto",
                        gather: bool = False):
    """The ``make`` of :func:`rr_pair` for ``cluster=`` (see :func:`imx._validate.cluster`):
    a context yielding its collections factory, or None (local collections) without one.
    ``gather``: sets drawn on the workers but kept here (for selections on local arrays)."""
    if cluster is None:
        return nullcontext()
    return _validate.cluster(cluster).rr_collections(n, model=model, method=method,
                                                     gather=gather)


# ------------------------------------------------------------------ operations
def max_coverage(sets: RRSets, k: int, *, bounds: bool = True, threads: int | None = None,
                 timer: "PhaseTimer | None" = None, rooted: bool = False) -> GreedyCoverage:
    """Greedy max-coverage of ``k`` nodes on ``sets``: seeds, coverage and the
    tightened upper bound (picks by the rooted score with ``rooted``: see
    :func:`~imx.solvers.coverage.greedy_max_coverage`).  A collection that
    provides ``max_coverage`` (a sharded one) runs it itself; a local one runs
    the engine's kernels on its node index (timed as phases ``index`` and
    ``greedy``)."""
    own = getattr(sets, "max_coverage", None)
    timer = timer if timer is not None else PhaseTimer()
    if own is not None:
        with timer.phase("greedy"):
            return own(k, bounds=bounds, threads=threads, rooted=rooted)
    with timer.phase("index"):
        sets.node_index32(threads=threads)
    with timer.phase("greedy"):
        return greedy_max_coverage(sets, k, bounds=bounds, threads=threads, rooted=rooted)


def index_bytes(sets: int, mean: float, n: int) -> float:
    """Bytes of the inverted index of ``sets`` sets of mean size ``mean``: int32
    and int64 set ids (both may be cached), offsets, and the build's 2 bytes
    per entry."""
    return 14.0 * sets * max(mean, 1.0) + 16.0 * (n + 1)


def round_bytes(sets: int, mean: float, n: int, indexed: int = 1, threads: int = 1) -> float:
    """Bytes of R1 and R2 at ``sets`` sets each of mean size ``mean``, plus
    ``indexed`` inverted indexes (:func:`index_bytes`) and the samplers'
    scratch (per thread: visited flags and a 256 KiB block buffer; a round's
    blocks before they are copied in, at most 64 MiB)."""
    scratch = threads * (n + 4.0 * (1 << 16)) + min(4.0 * (1 << 24), 4.0 * sets * max(mean, 1.0))
    return 2.0 * estimate_bytes(sets, mean) + indexed * index_bytes(sets, mean, n) + scratch


class PhaseTimer:
    """Wall and CPU seconds by phase, gathered in whatever thread runs the work
    (CPU time of that thread) and added to a :class:`RunRecord` afterwards."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    def phase(self, name: str) -> PhaseClock:
        return PhaseClock(self.wall, self.cpu, name, time.thread_time)

    def add_to(self, record: RunRecord) -> None:
        for name, wall in self.wall.items():
            record.phases[name] = record.phases.get(name, 0.0) + wall
            record.cpu[name] = record.cpu.get(name, 0.0) + self.cpu[name]


# ------------------------------------------------------------------ rounds
@dataclass
class Certificate:
    """What a round certifies: ``lower`` bound on the answer's spread, ``upper``
    bound on the optimum, their ``ratio`` (None where a solver has no single
    ratio) and whether the solver's target is reached."""

    lower: float | None
    upper: float | None
    ratio: float | None
    certified: bool


@dataclass
class RoundState:
    """Where a run stands after a round (what ``should_stop`` and ``label`` see)."""

    round: int
    rounds: int
    r1_sets: int
    r2_sets: int
    theta_max: int
    certificate: Certificate
    elapsed: float
    r1_mean_size: float = 0.0


@dataclass
class DoublingOutcome:
    """The last round's selection, validation and certificate; why the run ended."""

    selection: Any
    validation: Any
    certificate: Certificate
    rounds: int
    stop: str
    r1: Any
    r2: Any
    peak_bytes: int


def stop_when_certified(state: RoundState) -> str | None:
    """The classic rule: stop at the first certified round."""
    return "certified" if state.certificate.certified else None


#: Below this many R1 entries the selection runs after R2 is drawn: starting a
#: thread and handing work over costs more than the overlap saves (small graphs).
OVERLAP_MIN_ENTRIES = 1 << 18


class _Selector(Protocol):
    def __call__(self, r1: Any, threads: int, timer: PhaseTimer) -> Any: ...


class _Background(threading.Thread):
    """Runs the selection while R2 is drawn; ``result`` re-raises its error."""

    def __init__(self, work: Callable[[], Any]):
        super().__init__(daemon=True)
        self.work, self.value, self.error = work, None, None

    def run(self) -> None:
        try:
            self.value = self.work()
        except BaseException as exc:  # noqa: BLE001 - re-raised by result()
            self.error = exc

    def result(self) -> Any:
        self.join()
        if self.error is not None:
            raise self.error
        return self.value


def _round_size(i: int, theta_zero: int, theta_max: int, have: int,
                per_set_seconds: float | None, time_left: float | None,
                set_cap: int | None) -> int:
    """Sets per collection in round ``i`` (0-based): theta_0 * 2**i, cut to the caps."""
    size = min(theta_zero << i, theta_max)
    if set_cap is not None:
        size = min(size, set_cap)
    if time_left is not None and per_set_seconds is not None and have > 0:
        size = min(size, have + int(max(0.0, time_left) / max(per_set_seconds, 1e-12)))
    return max(size, 1)


def run_doubling(graph, r1: RRSets, r2: RRSets, *, theta_zero: int, theta_max: int,
                 rounds: int, select: _Selector,
                 validate: Callable[[Any, Any, int], Any],
                 certify: Callable[[Any, Any, Any, Any], Certificate],
                 record: RunRecord, threads: int, budget: int | None,
                 what: str, should_stop: Callable[[RoundState], str | None] | None = None,
                 set_cap: int | None = None, time_budget: float | None = None,
                 overlap: bool = False, indexed: int = 1, method: str = "auto",
                 validation_phase: str = "validation",
                 progress: Callable | None = None,
                 label: Callable[[RoundState], str] | str = "",
                 first_round: int = 0) -> DoublingOutcome:
    """Sample R1 and R2, select on R1, validate on R2, bound; double until stopped.

    Parameters
    ----------
    graph : the graph the RR sets are drawn on.
    r1, r2 : empty (or already grown) collections of two independent streams
        (:func:`rr_pair`).
    theta_zero, theta_max, rounds : first size, cap on each collection, and
        the number of rounds the union bound of the certificate pays for.
    select : ``select(r1, threads, timer) -> selection``; times its phases on ``timer``.
    validate : ``validate(r2, selection, threads) -> validation``, timed as
        phase ``validation_phase``.
    certify : ``certify(selection, validation, r1, r2) -> Certificate``.
    should_stop : ``should_stop(state) -> reason | None`` after each round
        (default :func:`stop_when_certified`).  Returning None past
        certification keeps doubling (for quality) until ``theta_max``, the
        last round or a budget ends the run.
    set_cap, time_budget : online budgets: sets per collection, seconds (the
        last round is shortened to fit; a round that cannot grow ends the run).
    overlap : with several threads, select on R1 while R2 is drawn.
    indexed : inverted indexes the selection builds (for the memory estimate).
    budget : bytes (the user's own ``max_memory``, resolved); MemoryBudgetError
        before a round whose R1 + R2 would not fit.
    progress : ``progress(round, rounds, label)`` after every round.
    first_round : start at ``theta_zero * 2**first_round`` sets (rounds that could
        not certify skipped: :func:`imx.solvers.bounds.opim_first_round`); the
        union bound still pays for ``rounds`` checks, so fewer checks keep it.

    Returns
    -------
    DoublingOutcome
        The record gets phases ``sampling`` (plus what ``select`` times and
        ``validation``) and counters ``rounds``, ``stop`` (``certified``,
        ``theta_max``, ``budget`` or what ``should_stop`` said) and
        ``peak_rr_bytes``.
    """
    should_stop = stop_when_certified if should_stop is None else should_stop
    started = time.perf_counter()
    per_set_seconds = None
    peak = 0
    outcome = None
    stop = "theta_max"
    done = 0
    first_round = max(0, min(int(first_round), rounds - 1))

    def capped(i: int) -> int:
        return _round_size(i, theta_zero, theta_max, 0, None, None, set_cap)

    while first_round > 0 and capped(first_round - 1) >= capped(first_round):
        first_round -= 1  # a cap makes the rounds from here the same size: count from the first
    for i in range(first_round, rounds):
        time_left = None if time_budget is None else time_budget - (time.perf_counter()
                                                                    - started)
        size = _round_size(i, theta_zero, theta_max, r1.count, per_set_seconds, time_left,
                           set_cap)
        if outcome is not None and size <= r1.count:
            stop = "budget"
            break
        round_started = time.perf_counter()
        previous = r1.count
        r1.drop_index()
        r2.drop_index()
        with record.phase("sampling"):
            if r1.count == 0 and budget is not None:
                r1.grow(graph, min(size, PILOT_SETS), threads=threads, max_memory=budget,
                        method=method)
            mean = 0.5 * (r1.mean_size() + r2.mean_size()) if r2.count else r1.mean_size()
            check_budget(round_bytes(size, mean, graph.n, indexed, threads), budget,
                         lambda: f"{what} round {done + 1} ({size:,} RR sets in each of R1 "
                                 f"and R2, mean size {mean:,.1f})")
            r1.grow(graph, size - r1.count, threads=threads, max_memory=budget, method=method)
        timer = PhaseTimer()
        if overlap and threads > 1 and r1.count * r1.mean_size() >= OVERLAP_MIN_ENTRIES:
            background = _Background(lambda timer=timer: select(r1, 1, timer))
            background.start()
            with record.phase("sampling"):
                r2.grow(graph, size - r2.count, threads=threads, max_memory=budget,
                        method=method)
            selection = background.result()
        else:
            with record.phase("sampling"):
                r2.grow(graph, size - r2.count, threads=threads, max_memory=budget,
                        method=method)
            selection = select(r1, threads, timer)
        timer.add_to(record)
        peak = max(peak, int(r1.nbytes + r2.nbytes))
        with record.phase(validation_phase):
            validation = validate(r2, selection, threads)
        certificate = certify(selection, validation, r1, r2)
        done += 1
        outcome = (selection, validation, certificate)
        per_set_seconds = (time.perf_counter() - round_started) / max(1, size - previous)
        state = RoundState(done, rounds - first_round, r1.count, r2.count, theta_max, certificate,
                           time.perf_counter() - started, r1.mean_size())
        if progress is not None:
            progress(done, rounds - first_round, label(state) if callable(label) else label)
        reason = should_stop(state)
        if reason is not None:
            stop = reason
            break
        if r1.count >= theta_max:
            break
        if (set_cap is not None and r1.count >= set_cap) or (
                time_budget is not None and time.perf_counter() - started >= time_budget):
            stop = "budget"
            break
    record.counters.update(rounds=done, first_round=first_round, stop=stop, peak_rr_bytes=peak,
                           peak_rr_memory=format_bytes(peak))
    selection, validation, certificate = outcome
    return DoublingOutcome(selection, validation, certificate, done, stop, r1, r2, peak)
