"""CIM solvers against ground truth: brute force over every feasible assignment
of tiny instances, with exact spreads from live-edge enumeration on the passive
graph; greedy kernels against brute-force max coverage of hand-made set systems."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from imx.graph.core import Graph
from imx.sampling.exact import exact_spread
from imx.solvers.cim import SOLVERS, build_problem, cim
from imx.solvers.cim.greedy import (Selection, SetArrays, augment, mg_greedy_coverage,
                                   rr_greedy_coverage)
from imx.solvers.cim.kernels import (group_coverage, local_greedy_kernel, partition_bound,
                                     work_blocks)


# ------------------------------------------------------------------ helpers
def feasible_assignments(problem):
    """Every feasible assignment (tuple of per-AP seed tuples), distinct seeds."""
    per_ap = []
    for a in range(problem.num_aps):
        cands = problem.candidates(a).tolist()
        options = [c for size in range(min(problem.k, len(cands)) + 1)
                   for c in itertools.combinations(cands, size)]
        per_ap.append(options)
    for combo in itertools.product(*per_ap):
        seeds = [v for part in combo for v in part]
        if len(seeds) == len(set(seeds)):
            yield combo


def brute_force_opt(problem, model="ic"):
    """Maximum exact spread over feasible assignments (on P), memoised by seed set."""
    cache: dict[frozenset, float] = {}
    best = 0.0
    for combo in feasible_assignments(problem):
        key = frozenset(v for part in combo for v in part)
        if key not in cache:
            cache[key] = exact_spread(problem.passive, sorted(key), model=model, labels=False)
        best = max(best, cache[key])
    return best


def random_instance(seed, n=9, arcs=16, num_aps=3, k=2, model="ic"):
    """A tiny random directed graph whose passive graph has at most 20 arcs."""
    rng = np.random.default_rng(seed)
    src = rng.integers(0, n, 3 * arcs)
    dst = rng.integers(0, n, 3 * arcs)
    keep = src != dst
    pairs = list(dict.fromkeys(zip(src[keep].tolist(), dst[keep].tolist())))[:arcs]
    src, dst = np.array(pairs).T
    if model == "ic":
        probs = rng.uniform(0.1, 0.9, src.size)
        g = Graph.from_arrays(src, dst, probs, n=n)
    else:
        g = Graph.from_arrays(src, dst, n=n, probs="wc")
    # APs: nodes with the most out-arcs, so that they have candidates
    aps = np.argsort(-g.out_degree, kind="stable")[:num_aps]
    return g, build_problem(g, aps, k)


def assignment_ids(problem, result):
    """(AP position, seed id in P) pairs of a CIMResult."""
    ap_pos = {lab: i for i, lab in enumerate(problem.ap_labels())}
    out = []
    for ap_label, seed_label in result.pairs:
        seed_id = problem.passive_of[problem.graph.index_of(seed_label)]
        out.append((ap_pos[ap_label], int(seed_id)))
    return out


def assert_feasible(problem, result):
    pairs = assignment_ids(problem, result)
    seeds = [s for _, s in pairs]
    assert len(seeds) == len(set(seeds)), "seeds must be distinct"
    assert min(seeds, default=0) >= 0, "a seed is an AP"
    counts = np.bincount([a for a, _ in pairs], minlength=problem.num_aps)
    assert counts.max(initial=0) <= problem.k
    for a, s in pairs:
        assert s in set(problem.candidates(a).tolist())
    # the label view agrees with the pairs
    assert sum(len(v) for v in result.assignment.values()) == len(pairs)
    assert result.num_seeds == len(pairs)


# ------------------------------------------------------------ brute force
@pytest.mark.parametrize("case", range(4))
def test_every_solver_feasible_and_half_optimal_ic(case):
    graph, problem = random_instance(100 + case, k=1 + case % 2)
    assert problem.passive.m <= 20
    opt = brute_force_opt(problem)
    assert opt > 0
    for solver in SOLVERS:
        res = cim(problem, None, solver=solver, seed=3, mc_runs=2000, rr_sets=20000)
        assert_feasible(problem, res)
        seeds = [s for _, s in assignment_ids(problem, res)]
        value = exact_spread(problem.passive, seeds, labels=False)
        assert value <= opt + 1e-9
        if solver not in ("degree", "pagerank", "local-opim"):
            assert value >= 0.5 * opt - 1e-9, (solver, value, opt)
        if res.lower_bound is not None:
            assert res.lower_bound <= value + 1e-9, (solver, res.lower_bound, value)
        if res.upper_bound is not None:
            assert res.upper_bound >= opt - 1e-9, (solver, res.upper_bound, opt)
        if res.approx_ratio is not None:
            assert res.approx_ratio == pytest.approx(res.lower_bound / res.upper_bound)


def test_certified_solvers_on_lt_bracket_exact_values():
    graph, problem = random_instance(7, n=8, arcs=12, num_aps=2, k=2, model="lt")
    opt = brute_force_opt(problem, model="lt")
    for solver in ("rr-opim+", "rr-opim", "mg-opim", "rr-greedy", "mg-greedy"):
        res = cim(problem, None, solver=solver, model="lt", seed=5, mc_runs=2000)
        assert_feasible(problem, res)
        seeds = [s for _, s in assignment_ids(problem, res)]
        value = exact_spread(problem.passive, seeds, model="lt", labels=False)
        assert 0.5 * opt - 1e-9 <= value <= opt + 1e-9
        if res.upper_bound is not None:
            assert res.lower_bound <= value <= opt <= res.upper_bound


def test_greedy_reaches_optimum_when_capacity_is_never_binding():
    # every AP can take all its candidates: the best answer takes everything
    graph, _ = random_instance(11, n=9, arcs=14)
    problem = build_problem(graph, np.argsort(-graph.out_degree, kind="stable")[:2], 9)
    opt = brute_force_opt(problem)
    for solver in ("rr-opim+", "mg-opim", "rr-greedy", "mg-greedy", "degree"):
        res = cim(problem, None, solver=solver, seed=1, mc_runs=500)
        seeds = [s for _, s in assignment_ids(problem, res)]
        assert exact_spread(problem.passive, seeds, labels=False) == pytest.approx(opt)


def test_greedy_beats_a_bad_local_choice():
    # AP 0 has candidates {2, 3}; AP 1 has only {2}. With k = 1, taking the best
    # candidate first (round-robin, AP 0 moves first; the degree baseline)
    # gives 2 to AP 0 and leaves AP 1 empty; MG-Greedy gives 2 to the AP whose
    # capacity is not needed elsewhere (AP 1) and 3 to AP 0: the optimum.
    # The augmenting step repairs the round-robin answer the same way.
    src = [0, 0, 1, 2, 2, 2, 3]
    dst = [2, 3, 2, 4, 5, 6, 7]
    g = Graph.from_arrays(src, dst, [1.0] * 7, n=8)
    problem = build_problem(g, [0, 1], 1)
    opt = brute_force_opt(problem)
    assert opt == 6.0
    for solver in ("mg-opim", "mg-greedy", "mg-greedy-cov"):
        for augment in (False, True):
            res = cim(problem, None, solver=solver, seed=2, mc_runs=200, rr_sets=2000,
                      augment=augment)
            assert res.assignment == {0: [3], 1: [2]}, solver
    for solver in ("rr-opim+", "rr-opim", "rr-greedy", "rr-greedy-cov"):
        res = cim(problem, None, solver=solver, seed=2, mc_runs=200, rr_sets=2000,
                  augment=False)
        assert res.assignment == {0: [2], 1: []}, solver
        assert res.spread == pytest.approx(4.0, rel=0.1)
        res = cim(problem, None, solver=solver, seed=2, mc_runs=200, rr_sets=2000)
        assert res.assignment == {0: [3], 1: [2]}, solver
        assert res.spread == pytest.approx(6.0, rel=0.1)
    res = cim(problem, None, solver="degree")
    assert res.assignment == {0: [2], 1: []}


def max_distinct_seeds(problem):
    return max(sum(len(part) for part in combo) for combo in feasible_assignments(problem))


@pytest.mark.parametrize("case", range(8))
def test_augmenting_paths_keep_seeds_and_reach_the_most_seeds(case):
    rng = np.random.default_rng(50 + case)
    n = 12
    src = rng.integers(0, n, 40)
    dst = rng.integers(0, n, 40)
    g = Graph.from_arrays(src, dst, n=n)
    aps = rng.choice(n, 4, replace=False)
    problem = build_problem(g, aps, 1 + case % 3)
    # a poor start: each AP in turn grabs its highest-id free candidates
    taken, start = set(), []
    for a in range(problem.num_aps):
        free = [c for c in problem.candidates(a).tolist()[::-1] if c not in taken]
        for c in free[:problem.k]:
            taken.add(c)
            start.append((a, c))
    sel = Selection(np.array([a for a, _ in start], np.int32),
                    np.array([c for _, c in start], np.int32), 0.0)
    out = augment(problem, sel)
    pairs = list(zip(out.seed_aps.tolist(), out.seed_nodes.tolist()))
    seeds = [c for _, c in pairs]
    assert len(seeds) == len(set(seeds))
    assert set(c for _, c in start) <= set(seeds)
    assert out.added == len(seeds) - len(start)
    assert np.bincount(out.seed_aps, minlength=problem.num_aps).max(initial=0) <= problem.k
    for a, c in pairs:
        assert c in problem.candidates(a)
    assert len(seeds) == max_distinct_seeds(problem)


# ------------------------------------------------------- kernels on set systems
def random_sets(rng, n, count, max_size=4):
    return [sorted(rng.choice(n, rng.integers(1, max_size + 1), replace=False).tolist())
            for _ in range(count)]


def brute_max_coverage(problem, sets):
    members = [set(s) for s in sets]
    best = 0
    for combo in feasible_assignments(problem):
        chosen = {v for part in combo for v in part}
        best = max(best, sum(1 for s in members if s & chosen))
    return best


def coverage_of(sets, seeds):
    chosen = set(int(v) for v in seeds)
    return sum(1 for s in sets if chosen & set(s))


@pytest.mark.parametrize("case", range(6))
def test_coverage_greedy_kernels_against_brute_force(case):
    rng = np.random.default_rng(case)
    graph, problem = random_instance(200 + case, n=10, arcs=20, num_aps=3, k=2)
    sets = random_sets(rng, problem.passive.n, 40)
    col = SetArrays.from_lists(problem.passive.n, sets)
    best = brute_max_coverage(problem, sets)
    rr = rr_greedy_coverage(problem, col, tightened=True)
    mg = mg_greedy_coverage(problem, col)
    for sel in (rr, mg):
        assert sel.value == coverage_of(sets, sel.seed_nodes)
        assert 2 * sel.value >= best
        assert len(set(sel.seed_nodes.tolist())) == sel.seed_nodes.size
        for a, v in zip(sel.seed_aps.tolist(), sel.seed_nodes.tolist()):
            assert v in problem.candidates(a)
        assert np.bincount(sel.seed_aps, minlength=problem.num_aps).max() <= problem.k
    # Lemma 5.3: the tightened bound never falls below the optimum, nor above 2x greedy's start
    assert best <= rr.upper
    plain = rr_greedy_coverage(problem, col, tightened=False)
    assert plain.upper is None and plain.value == rr.value


@pytest.mark.parametrize("case", range(8))
def test_rr_greedy_in_one_call_equals_the_kernels_one_by_one(monkeypatch, case):
    """Small rounds run index, RR-Greedy and augmentation in one native call; larger ones
    build the collection's index, then call the greedy and the augmentation: the same
    answer, bound, counts and added seeds."""
    from imx.solvers.cim import greedy

    rng = np.random.default_rng(300 + case)
    graph, problem = random_instance(300 + case, n=14, arcs=30, num_aps=4, k=1 + case % 3)
    sets = random_sets(rng, problem.passive.n, int(rng.integers(1, 60)))
    col = SetArrays.from_lists(problem.passive.n, sets)
    answers = []
    for small_work in (greedy.SMALL_WORK, 0):
        monkeypatch.setattr(greedy, "SMALL_WORK", small_work)
        answers.append([rr_greedy_coverage(problem, col, tightened=tightened, augmented=aug)
                        for tightened in (False, True) for aug in (False, True)])
    for one_call, apart in zip(*answers):
        assert one_call.seed_aps.tolist() == apart.seed_aps.tolist()
        assert one_call.seed_nodes.tolist() == apart.seed_nodes.tolist()
        assert (one_call.value, one_call.upper, one_call.added) == \
            (apart.value, apart.upper, apart.added)
        assert np.array_equal(one_call.marginal, apart.marginal)


def reference_rr_greedy(problem, sets, tightened_k=None):
    """Round-robin greedy on coverage, written plainly: picks and the Lemma 5.3 bound."""
    k, rank = problem.k, problem.tie_rank
    members = [set(x) for x in sets]
    covered = [False] * len(sets)
    def gain(v):
        return sum(1 for i, m in enumerate(members) if not covered[i] and v in m)
    taken, picks, out, cov, upper = set(), [0] * problem.num_aps, [], 0, None
    while True:
        bound = cov + sum(sum(sorted((gain(v) for v in problem.candidates(a).tolist()),
                                     reverse=True)[:k]) for a in range(problem.num_aps))
        upper = bound if upper is None else min(upper, bound)
        moved = False
        for a in range(problem.num_aps):
            free = [v for v in problem.candidates(a).tolist() if v not in taken]
            if picks[a] >= k or not free:
                continue
            best = max(free, key=lambda v: (gain(v), rank[v]))
            cov += gain(best)
            for i, m in enumerate(members):
                if best in m:
                    covered[i] = True
            taken.add(best)
            picks[a] += 1
            out.append((a, best))
            moved = True
        if not moved:
            return out, cov, upper


@pytest.mark.parametrize("case", range(6))
def test_rr_greedy_kernel_matches_plain_reference(case):
    rng = np.random.default_rng(300 + case)
    graph, problem = random_instance(400 + case, n=14, arcs=40, num_aps=4, k=1 + case % 3)
    sets = random_sets(rng, problem.passive.n, 60, max_size=5)
    sel = rr_greedy_coverage(problem, SetArrays.from_lists(problem.passive.n, sets),
                             tightened=True)
    pairs, cov, upper = reference_rr_greedy(problem, sets)
    assert list(zip(sel.seed_aps.tolist(), sel.seed_nodes.tolist())) == pairs
    assert sel.value == cov and sel.upper == upper


def test_rr_greedy_round_robin_order_and_ties():
    # two APs share candidate 1; AP 0 moves first and takes it (largest count)
    problem = build_problem(Graph.from_arrays([0, 0, 5, 5], [1, 2, 1, 3], n=6), [0, 5], 1)
    p = problem.passive_of
    sets = [[p[1]], [p[1]], [p[2]], [p[3]]]
    col = SetArrays.from_lists(problem.passive.n, sets)
    sel = rr_greedy_coverage(problem, col, tightened=True)
    assert sel.seed_aps.tolist() == [0, 1]
    assert sel.seed_nodes.tolist() == [p[1], p[3]]
    assert sel.value == 3
    # before round 1: 0 + 2 + 2 (both APs' top-1 is node 1); after it: 3 + 1 (node 2) + 0
    assert sel.upper == 4
    # ties go to the lowest id
    sets = [[p[2]], [p[1]]]
    sel = rr_greedy_coverage(problem, SetArrays.from_lists(problem.passive.n, sets))
    assert sel.seed_nodes.tolist()[0] == p[1]


def test_partition_bound_matches_numpy():
    rng = np.random.default_rng(5)
    offsets = np.array([0, 3, 3, 10, 11], dtype=np.int64)
    nodes = rng.integers(0, 20, offsets[-1]).astype(np.int32)
    count = rng.integers(0, 50, 20).astype(np.int64)
    for k in (1, 2, 4, 12):
        expect = sum(np.sort(count[nodes[offsets[i]:offsets[i + 1]]])[::-1][:k].sum()
                     for i in range(4))
        assert partition_bound(count, offsets, nodes, k) == expect


def test_local_greedy_kernel_per_ap():
    rng = np.random.default_rng(9)
    graph, problem = random_instance(33, n=10, arcs=20, num_aps=3, k=2)
    sets = random_sets(rng, problem.passive.n, 50)
    col = SetArrays.from_lists(problem.passive.n, sets)
    idx = col.node_index()
    which = np.arange(problem.num_aps, dtype=np.int64)
    picked, cov, upper = local_greedy_kernel(col.count, idx[0], idx[1], problem.cand_offsets,
                                             problem.cand_nodes, problem.k, which, work_blocks())
    again = group_coverage(col.count, idx[0], idx[1], picked, 2)
    assert again.tolist() == cov.tolist()
    for a in range(problem.num_aps):
        cands = problem.candidates(a).tolist()
        best = max(coverage_of(sets, c) for size in range(min(problem.k, len(cands)) + 1)
                   for c in itertools.combinations(cands, size))
        assert cov[a] >= (1 - 1 / math.e) * best
        assert upper[a] >= best
        assert cov[a] == coverage_of(sets, picked[a][picked[a] >= 0])


# ------------------------------------------------------------ determinism
def test_same_seed_same_answer_any_thread_count():
    from imx.graph.generate import chung_lu

    g = chung_lu(3000, 15000, seed=4)
    aps = np.arange(0, 3000, 20)
    ref: dict = {}
    for threads in (1, 2):
        for solver in ("rr-opim+", "mg-opim", "local-opim", "pagerank"):
            res = cim(g, aps, 3, solver=solver, seed=9, threads=threads)
            key = (tuple(res.pairs), res.spread, res.lower_bound, res.upper_bound, res.rr_sets)
            assert ref.setdefault(solver, key) == key, solver
    other = cim(g, aps, 3, seed=10)
    assert other.spread != ref["rr-opim+"][1]


def test_small_graphs_with_few_aps_start_with_4n_sets():
    from imx.graph.generate import erdos_renyi
    from imx.solvers.cim.opim import FEW_APS, random_feasible_seed_count, sample_sizes
    from imx.solvers.cim.problem import build_problem

    g = erdos_renyi(500, 4000, seed=2, probs="wc")
    for count, raised in ((FEW_APS, True), (FEW_APS + 10, False)):
        problem = build_problem(g, np.arange(count, dtype=np.int32), 10)
        chi = random_feasible_seed_count(problem, 1)
        theta_0, _ = sample_sizes(problem, 0.1, 1 / g.n, chi)
        assert (theta_0 >= 4 * problem.passive.n) == raised, (count, theta_0)
