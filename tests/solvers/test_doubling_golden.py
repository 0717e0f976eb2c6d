"""Golden answers of the certified-doubling solvers, recorded before they were
moved onto one driver (imx.solvers.doubling).

The values below were produced by the code as it was before the refactor
(commit fa561c9: four hand-written doubling loops).  They pin seeds, spread,
bounds, ratio and RR-set counts exactly, so that any change of the sampling
streams, the round sizes, the stopping rule or the bounds shows up here.
Floats are compared to 1e-12 relative: the same operations in the same order
give the same bits, and this tolerance only forgives printing.
"""
from __future__ import annotations

import hashlib

import numpy as np
import pytest

import imx
from imx.solvers.cim import cim
from imx.solvers.hetero import HeteroIndex, HeteroInstance, hetero_im
from imx.solvers.imm_solver import imm
from imx.solvers.opim import opim_c
from tests import DATA, KARATE


def karate():
    return imx.load_graph(KARATE, directed=False)


def er(seed=3):
    # the graphs the answers were recorded on, frozen as files: the generator has since
    # moved to counter-based streams and makes other graphs for the same seed
    arcs = np.loadtxt(DATA / f"er-200-1200-seed{seed}.txt", dtype=np.int64)
    return imx.Graph.from_arrays(arcs[:, 0], arcs[:, 1], n=200, probs="wc")


GRAPHS = {"karate": karate, "er": er, "er5": lambda: er(5)}


def digest(*arrays) -> str:
    return hashlib.sha256(b"".join(np.ascontiguousarray(a).tobytes() for a in arrays)
                          ).hexdigest()[:16]


def im_case(graph, model, k, eps, seed, max_rr_sets=None):
    r = opim_c(graph, k, model=model, eps=eps, seed=seed, threads=1, max_rr_sets=max_rr_sets,
               fast=True)  # the paper's stop, pinned before the driver existed
    c = r.record.counters
    # the golden counts rounds from the first size; rounds that could not certify are
    # now skipped (bounds.opim_first_round), so the last round's index is what must match
    return [list(map(int, r.seeds)), r.spread, r.lower_bound, r.upper_bound, r.approx_ratio,
            r.rr_sets, c["r1_sets"], c["r2_sets"], c["first_round"] + c["rounds"], c["stop"]]


def imm_case(graph, model, k, eps, seed):
    # IMM is no doubling solver, but it shares the bounds and the memory guard
    r = imm(graph, k, model=model, eps=eps, seed=seed, threads=1)
    c = r.record.counters
    return [list(map(int, r.seeds)), r.spread, r.upper_bound, r.rr_sets, c["theta"],
            c["estimate_sets"]]


def cim_case(graph, aps, k, solver, eps, seed, rr_sets=None):
    extra = {} if rr_sets is None else {"rr_sets": rr_sets}
    r = cim(graph, aps, k, solver=solver, eps=eps, seed=seed, threads=1, **extra)
    return [[[str(a), str(v)] for a, v in r.pairs], r.spread, r.lower_bound, r.upper_bound,
            r.approx_ratio, r.rr_sets, r.record.counters.get("iterations")]


def instance(graph, accept_seed):
    rng = np.random.default_rng(accept_seed)
    return HeteroInstance(graph, willingness=rng.uniform(0, 0.4, graph.m),
                          accept=rng.uniform(0.3, 1, graph.n))


def hetero_case(graph, inviters, K, eps, seed, accept_seed):
    r = hetero_im(instance(graph, accept_seed), inviters, k=K, eps=eps, seed=seed, threads=1,
                  labels=False)
    info = {key: r.info[key] for key in ("rr_sets", "approx_ratio", "spread", "lower_bound",
                                         "upper_bound", "invitees")}
    return [list(map(int, r.invitees[:12])),
            digest(np.asarray(r.invitees, np.int64), np.asarray(r.scores, np.float64)),
            info, r.record.counters.get("rounds")]


def index_case(graph, K, eps, seed, accept_seed):
    inst = instance(graph, accept_seed)
    idx = HeteroIndex.build(graph, solver="heteroim", willingness=inst.willingness,
                            accept=inst.accept, k=K, eps=eps, seed=seed, threads=1)
    return [digest(np.asarray(idx.targets, np.int64), np.asarray(idx.scores, np.float64)),
            idx.meta.get("rr_sets")]


CASES = {
    "im/karate-ic": ("karate", im_case, ("ic", 3, 0.1, 7)),
    "im/karate-ic-k2": ("karate", im_case, ("ic", 2, 0.05, 1)),
    "im/karate-lt": ("karate", im_case, ("lt", 2, 0.2, 3)),
    "im/karate-ic-capped": ("karate", im_case, ("ic", 3, 0.05, 1, 300)),
    "im/er-ic": ("er", im_case, ("ic", 5, 0.1, 11)),
    "im/er-lt": ("er5", im_case, ("lt", 4, 0.15, 2)),
    "imm/karate-ic": ("karate", imm_case, ("ic", 3, 0.1, 7)),
    "imm/er-lt": ("er", imm_case, ("lt", 4, 0.15, 2)),
    "cim/karate-rr-opim+": ("karate", cim_case, ([0, 33, 2], 2, "rr-opim+", 0.2, 5)),
    "cim/karate-rr-opim": ("karate", cim_case, ([0, 33, 2], 2, "rr-opim", 0.2, 5)),
    "cim/karate-mg-opim": ("karate", cim_case, ([0, 33, 2], 2, "mg-opim", 0.2, 5)),
    "cim/karate-local-opim": ("karate", cim_case, ([0, 33, 2], 2, "local-opim", 0.2, 5)),
    "cim/karate-rr-greedy-cov": ("karate", cim_case, ([0, 33, 2], 2, "rr-greedy-cov", 0.2, 5,
                                                      300)),
    "cim/er-rr-opim+": ("er", cim_case, ([0, 1, 2, 3], 3, "rr-opim+", 0.2, 4)),
    "cim/er-rr-opim": ("er", cim_case, ([0, 1, 2, 3], 3, "rr-opim", 0.2, 4)),
    "cim/er-mg-opim": ("er", cim_case, ([0, 1, 2, 3], 3, "mg-opim", 0.2, 4)),
    "cim/er-local-opim": ("er", cim_case, ([0, 1, 2, 3], 3, "local-opim", 0.2, 4)),
    "hetero/karate": ("karate", hetero_case, (list(range(0, 34, 3)), 2, 0.2, 5, 0)),
    "hetero/er": ("er", hetero_case, (list(range(0, 200, 9)), 3, 0.25, 9, 1)),
    "hetero-index/karate": ("karate", index_case, (2, 0.25, 3, 0)),
}

#: Produced by the code before the refactor; never regenerate these to make a change pass.
GOLDEN = {'imm/karate-ic': [[33, 0, 32], 19.776543878656554, 24.04453821716983, 10430, 7384, 3046],
 'imm/er-lt': [[108, 24, 12, 118], 118.92173913043479, 170.18078079142123, 10702, 5750, 4952],
 'im/karate-ic': [[33, 0, 32],
                  19.887820512820515,
                  16.23326016613227,
                  28.00449116943876,
                  0.579666313803537,
                  1248,
                  624,
                  624,
                  5,
                  'certified'],
 'im/karate-ic-k2': [[33, 0],
                     18.625,
                     14.822289780832854,
                     25.05810049268144,
                     0.5915168943137532,
                     1088,
                     544,
                     544,
                     5,
                     'certified'],
 'im/karate-lt': [[0, 33],
                  21.75,
                  16.20141670632299,
                  34.83271819653195,
                  0.46512065509535955,
                  544,
                  272,
                  272,
                  4,
                  'certified'],
 'im/karate-ic-capped': [[33, 0, 2],
                         21.08,
                         13.80649829276683,
                         31.69782469361046,
                         0.4355661130131084,
                         300,
                         150,
                         150,
                         3,
                         'budget'],
 'im/er-ic': [[108, 12, 138, 5, 24],
              57.00892857142857,
              50.54428989187837,
              87.90274701752416,
              0.5750023930628918,
              8960,
              4480,
              4480,
              7,
              'certified'],
 'im/er-lt': [[3, 179, 199, 27],
              138.671875,
              109.87882579010349,
              216.4929965902156,
              0.5075398628163729,
              1024,
              512,
              512,
              4,
              'certified'],
 'cim/karate-rr-opim+': [[['0', '1'],
                          ['33', '32'],
                          ['2', '3'],
                          ['0', '4'],
                          ['33', '23'],
                          ['2', '9']],
                         13.375,
                         9.273332925153749,
                         29.165698546477504,
                         0.317953396877365,
                         496,
                         2],
 'cim/karate-rr-opim': [[['0', '1'],
                         ['33', '32'],
                         ['2', '3'],
                         ['0', '6'],
                         ['33', '31'],
                         ['2', '9']],
                        15.65625,
                        13.296854312495961,
                        35.099778506636724,
                        0.3788301487424421,
                        1984,
                        4],
 'cim/karate-mg-opim': [[['2', '32'],
                         ['2', '1'],
                         ['0', '6'],
                         ['0', '31'],
                         ['33', '9'],
                         ['33', '27']],
                        15.3125,
                        12.980526730852622,
                        33.911167831079524,
                        0.38278029218905263,
                        1984,
                        4],
 'cim/karate-local-opim': [[['0', '1'], ['0', '31'], ['33', '32']],
                           10.640165346193594,
                           10.133490805898662,
                           None,
                           None,
                           1984,
                           6],
 'cim/karate-rr-greedy-cov': [[['0', '1'],
                               ['33', '32'],
                               ['2', '3'],
                               ['0', '4'],
                               ['33', '23'],
                               ['2', '9']],
                              13.33,
                              10.481739548104825,
                              25.882525679852147,
                              0.40497359793075266,
                              600,
                              1],
 'cim/er-rr-opim+': [[['0', '83'],
                      ['1', '166'],
                      ['2', '24'],
                      ['3', '58'],
                      ['0', '135'],
                      ['1', '95'],
                      ['2', '99'],
                      ['3', '138'],
                      ['0', '90'],
                      ['1', '140'],
                      ['2', '131'],
                      ['3', '189']],
                     69.75,
                     54.33918965502844,
                     106.35817723157272,
                     0.5109074926765265,
                     1568,
                     1],
 'cim/er-rr-opim': [[['0', '83'],
                     ['1', '166'],
                     ['2', '24'],
                     ['3', '58'],
                     ['0', '135'],
                     ['1', '95'],
                     ['2', '99'],
                     ['3', '138'],
                     ['0', '90'],
                     ['1', '140'],
                     ['2', '131'],
                     ['3', '189']],
                    69.75,
                    54.33918965502844,
                    177.09217258660044,
                    0.30684128418186213,
                    1568,
                    1],
 'cim/er-mg-opim': [[['2', '24'],
                     ['1', '95'],
                     ['2', '99'],
                     ['1', '166'],
                     ['1', '140'],
                     ['0', '83'],
                     ['0', '135'],
                     ['2', '131'],
                     ['0', '90'],
                     ['3', '58'],
                     ['3', '138'],
                     ['3', '189']],
                    69.75,
                    54.33918965502844,
                    177.09217258660044,
                    0.30684128418186213,
                    1568,
                    1],
 'cim/er-local-opim': [[['0', '83'],
                        ['0', '75'],
                        ['0', '135'],
                        ['1', '95'],
                        ['1', '166'],
                        ['1', '140'],
                        ['2', '24'],
                        ['2', '99'],
                        ['2', '23'],
                        ['3', '138'],
                        ['3', '58'],
                        ['3', '189']],
                       68.58810390871571,
                       65.32200372258639,
                       None,
                       None,
                       2304,
                       6],
 'hetero/karate': [[12, 21, 2, 7, 4, 5, 2, 33, 0, 3, 33, 32],
                   'f1d9a429af28c65b',
                   {'rr_sets': 344,
                    'approx_ratio': 0.3703319771004484,
                    'spread': 11.113164754890121,
                    'lower_bound': 7.691855264016156,
                    'upper_bound': 20.77016228585042,
                    'invitees': 16},
                   4],
 'hetero/er': [[90, 75, 199, 58, 141, 104, 7, 27, 40, 94, 129, 116],
               '46c336a9a44f4cb4',
               {'rr_sets': 416,
                'approx_ratio': 0.2781623606805496,
                'spread': 36.22331124655044,
                'lower_bound': 21.458636028811092,
                'upper_bound': 77.14428356270267,
                'invitees': 60},
               3],
 'hetero-index/karate': ['8e05b241b5f071dc', 84]}


def _same(got, want, where="") -> None:
    if isinstance(want, float):
        assert got == pytest.approx(want, rel=1e-12, abs=1e-12), where
    elif isinstance(want, (list, tuple)):
        assert isinstance(got, (list, tuple)) and len(got) == len(want), (where, got, want)
        for i, (a, b) in enumerate(zip(got, want, strict=True)):
            _same(a, b, f"{where}[{i}]")
    elif isinstance(want, dict):
        assert set(got) == set(want), where
        for key in want:
            _same(got[key], want[key], f"{where}.{key}")
    else:
        assert got == want, (where, got, want)


_graphs: dict = {}


@pytest.mark.parametrize("name", list(CASES))
def test_answers_unchanged(name):
    gname, fn, args = CASES[name]
    if gname not in _graphs:
        _graphs[gname] = GRAPHS[gname]()
    _same(fn(_graphs[gname], *args), GOLDEN[name], name)
