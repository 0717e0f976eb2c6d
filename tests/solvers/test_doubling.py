"""The certified-doubling driver: stopping rules, streams, the collection
interface, the memory guard before every round, and degenerate bounds."""
from __future__ import annotations

import numpy as np
import pytest

from imx.errors import MemoryBudgetError, ParameterError
from imx.graph.generate import erdos_renyi
from imx.record import RunRecord
from imx.sampling import sample_rr_sets
from imx.sampling.collection import RRCollection, RRSets
from imx.sampling.memory import format_bytes
from imx.sampling.sampler import derive_seed
from imx.solvers import bounds
from imx.solvers.cim import cim
from imx.solvers.doubling import (OFFSET, PILOT_SETS, Certificate, max_coverage, round_bytes,
                                  rr_pair, run_doubling)
from imx.solvers.hetero import HeteroInstance, hetero_im
from imx.solvers.hetero.heteroim import hetero_theta_max
from imx.solvers.opim import opim_c


@pytest.fixture(scope="module")
def graph():
    return erdos_renyi(300, 2400, seed=4, probs="wc")


def _classic(graph, k, *, should_stop=None, rounds=6, theta_zero=64, record=None,
             first_round=0, set_cap=None):
    """OPIM-C's ingredients on the driver, with a target no run can miss."""
    n = graph.n
    record = record if record is not None else RunRecord()

    def certify(greedy, covered, r1, r2):
        lower = bounds.opim_lower(covered, 0.01) * n / r2.count
        upper = bounds.opim_upper(greedy.upper_bound, 0.01) * n / r1.count
        return Certificate(lower, upper, lower / upper, True)

    r1, r2 = rr_pair(n, "ic", 5)
    run = run_doubling(
        graph, r1, r2, theta_zero=theta_zero, theta_max=theta_zero << (rounds - 1),
        rounds=rounds, select=lambda r1, t, timer: max_coverage(r1, k, threads=t, timer=timer),
        validate=lambda r2, greedy, t: r2.coverage(greedy.seeds, threads=t), certify=certify,
        record=record, threads=1, budget=None, what="test", should_stop=should_stop,
        first_round=first_round, set_cap=set_cap)
    return run, record


def test_driver_stops_when_certified_and_says_why(graph):
    run, record = _classic(graph, 3)
    assert (run.rounds, run.stop, run.r1.count, run.r2.count) == (1, "certified", 64, 64)
    assert record.counters["stop"] == "certified" and record.counters["rounds"] == 1
    assert {"sampling", "index", "greedy", "validation"} <= set(record.phases)


def test_first_round_skips_sizes_and_keeps_the_answer(graph):
    seen = []

    def watch(state):
        seen.append((state.round, state.rounds, state.r1_sets))
        return "done" if state.r1_sets == 512 else None

    run, record = _classic(graph, 3, should_stop=watch, first_round=2)
    assert seen == [(1, 4, 256), (2, 4, 512)]
    assert record.counters["first_round"] == 2 and record.counters["rounds"] == 2
    plain, _ = _classic(graph, 3, should_stop=lambda state: "done" if state.r1_sets == 512
                        else None)
    assert np.array_equal(run.selection.seeds, plain.selection.seeds)
    assert run.validation == plain.validation
    # a cap that makes rounds 1.. the same size: counted from the first of them
    _, record = _classic(graph, 3, first_round=4, set_cap=128)
    assert record.counters["first_round"] == 1


def test_first_useful_round_is_where_full_coverage_could_certify():
    for target in (0.3, 0.4, 0.532):
        i = bounds.opim_first_round(20, 12, target, 1e-6)
        theta = 20 << i
        assert bounds.opim_lower(theta, 1e-6) >= target * bounds.opim_upper(theta, 1e-6)
        if i > 0:
            half = theta // 2
            assert bounds.opim_lower(half, 1e-6) < target * bounds.opim_upper(half, 1e-6)


def test_should_stop_hook_keeps_doubling_for_quality(graph):
    seen = []

    def quality(state):
        seen.append((state.round, state.r1_sets, state.certificate.certified))
        return "quality" if state.round == 3 else None

    run, record = _classic(graph, 3, should_stop=quality)
    assert seen == [(1, 64, True), (2, 128, True), (3, 256, True)]
    assert record.counters["stop"] == "quality" and run.r1.count == 256
    # never stopping: theta_max ends the run, and the record says so
    run, record = _classic(graph, 3, should_stop=lambda state: None, rounds=4)
    assert (run.rounds, run.stop, run.r1.count) == (4, "theta_max", 512)
    # the last round's answer is the one on all the sets: the same as greedy on them
    direct = sample_rr_sets(graph, 512, model="ic", seed=derive_seed(5, 1))
    assert np.array_equal(run.selection.seeds, max_coverage(direct, 3).seeds)
    assert run.validation == sample_rr_sets(graph, 512, model="ic",
                                            seed=derive_seed(5, 2)).coverage(run.selection.seeds)


def test_stream_layouts():
    r1, r2 = rr_pair(10, "ic", 7)
    assert (r1.seed, r1.start, r2.seed, r2.start) == (derive_seed(7, 1), 0, derive_seed(7, 2), 0)
    r1, r2 = rr_pair(10, "lt", 7, OFFSET)
    assert (r1.seed, r1.start, r2.seed, r2.start, r2.model) == (7, 0, 7, 1 << 40, "lt")


def test_local_collection_implements_the_interface(graph):
    rr = RRCollection(graph.n, model="ic", seed=3)
    assert isinstance(rr, RRSets)
    rr.grow(graph, 100)
    rr.grow(graph, 50)
    whole = sample_rr_sets(graph, 150, model="ic", seed=3)
    assert np.array_equal(rr.nodes, whole.nodes) and np.array_equal(rr.offsets, whole.offsets)
    assert rr.coverage([0, 1]) == whole.coverage([0, 1])


class _Spy:
    """Counts the RR sets drawn through RRCollection.grow."""

    def __init__(self, monkeypatch):
        self.drawn = 0
        original = RRCollection.grow

        def grow(collection, graph, count, **kwargs):
            self.drawn += int(count)
            return original(collection, graph, count, **kwargs)

        monkeypatch.setattr(RRCollection, "grow", grow)


BUDGET = 10_000


def _refused(excinfo, spy):
    message = str(excinfo.value)
    assert format_bytes(BUDGET) in message and "round 1" in message
    assert format_bytes(BUDGET // 3) not in message
    # only the pilot was drawn: R2 and the bulk of R1 never were
    assert spy.drawn <= PILOT_SETS


def test_memory_guard_refuses_opim_c_before_sampling(graph, monkeypatch):
    spy = _Spy(monkeypatch)
    with pytest.raises(MemoryBudgetError) as excinfo:
        opim_c(graph, 10, eps=0.05, max_memory=BUDGET)
    _refused(excinfo, spy)
    # a budget that holds round 1 but not round 2: refused before round 2 draws a set;
    # round 1 is theta_zero under the quality rule (it compares consecutive rounds), and
    # the first size whose bounds can certify under the paper's stop (opim_first_round)
    delta = 1 / graph.n
    theta_zero = bounds.opim_theta_zero(graph.n, 10, delta)
    i_max = bounds.opim_iterations(theta_zero, bounds.opim_theta_max(graph.n, 10, 0.05, delta))
    skip = bounds.opim_first_round(theta_zero, i_max, bounds.APPROX_GREEDY - 0.05,
                                   bounds.opim_confidence(delta, i_max))
    assert skip > 0
    for fast, first in ((False, theta_zero), (True, theta_zero << skip)):
        pilot = sample_rr_sets(graph, min(first, PILOT_SETS), model="ic", seed=derive_seed(1, 1))
        # just over round 1's estimate (made on the pilot's mean); round 2's is about twice it
        budget = int(1.05 * round_bytes(first, pilot.mean_size(), graph.n, 1, 1))
        spy.drawn = 0
        with pytest.raises(MemoryBudgetError, match="round 2") as excinfo:
            opim_c(graph, 10, eps=0.05, max_memory=budget, threads=1, fast=fast)
        assert format_bytes(budget) in str(excinfo.value)
        assert spy.drawn == 2 * first


@pytest.mark.parametrize("solver", ["rr-opim+", "local-opim"])
def test_memory_guard_refuses_cim_before_sampling(graph, monkeypatch, solver):
    spy = _Spy(monkeypatch)
    with pytest.raises(MemoryBudgetError) as excinfo:
        cim(graph, [0, 1, 2, 3], 3, solver=solver, eps=0.1, max_memory=BUDGET)
    _refused(excinfo, spy)


def test_memory_guard_refuses_heteroim_before_sampling(graph, monkeypatch):
    spy = _Spy(monkeypatch)
    rng = np.random.default_rng(0)
    inst = HeteroInstance(graph, willingness=rng.uniform(0, 0.4, graph.m),
                          accept=rng.uniform(0.3, 1, graph.n))
    with pytest.raises(MemoryBudgetError) as excinfo:
        hetero_im(inst, list(range(0, 300, 3)), k=3, eps=0.1, max_memory=BUDGET, labels=False)
    _refused(excinfo, spy)


def test_a_budget_that_fits_changes_nothing(graph):
    free = opim_c(graph, 5, eps=0.1, seed=2, threads=1)
    fits = opim_c(graph, 5, eps=0.1, seed=2, threads=1,
                  max_memory=4 * free.record.counters["collection_bytes"])
    assert np.array_equal(free.seeds, fits.seeds) and free.lower_bound == fits.lower_bound


@pytest.mark.parametrize("eps", [1e-300, 1e-150, 1e-12])
def test_degenerate_eps_is_a_parameter_error(graph, eps):
    with pytest.raises(ParameterError, match="too small"):
        bounds.opim_theta_max(10**6, 50, eps, 1e-6)
    with pytest.raises(ParameterError, match="too small"):
        opim_c(graph, 5, eps=eps)
    with pytest.raises(ParameterError, match="too small"):
        cim(graph, [0, 1], 2, solver="rr-opim+", eps=eps)
    with pytest.raises(ParameterError, match="too small"):
        hetero_theta_max(10**6, eps, 1e-6, 10.0, 5.0)
    with pytest.raises(ParameterError, match="too small"):
        bounds.imm_lambda_star(10**6, 50, eps, 1.0)


def test_bounds_raise_parameter_errors():
    for call in (lambda: bounds.opim_lower(3, 0.0), lambda: bounds.opim_upper(-1, 0.1),
                 lambda: bounds.log_comb(3, 5), lambda: bounds.opim_theta_zero(10, 2, 5e-324),
                 lambda: bounds.theta_max(10, 0.1, 0.1, log_choices=1.0, opt_lower=0.0)):
        with pytest.raises(ParameterError):
            call()


def test_general_theta_max_is_each_solvers_formula():
    n, k, eps, delta = 1000, 7, 0.05, 1e-3
    core = bounds.sample_core(bounds.log_comb(n, k), delta, bounds.APPROX_GREEDY)
    assert bounds.opim_theta_max(n, k, eps, delta) == int(2 * n * core / (k * eps**2)) + 1
    assert bounds.opim_theta_zero(n, k, delta) == int(2 * core)
    half = bounds.sample_core(12.5, delta, 0.5)
    assert hetero_theta_max(n, eps, delta, 12.5, 3.0) == pytest.approx(
        2 * n * half / (eps**2 * 3.0), rel=1e-14)
