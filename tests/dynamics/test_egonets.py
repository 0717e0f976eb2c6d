"""Value files and ego-network files: round trips and one-line errors naming row and column."""
from __future__ import annotations

import numpy as np
import pytest

from imx import Graph
from imx.errors import InputError, ParameterError
from imx.dynamics import (SCHWARTZ_VALUES, EgoNetworks, align_values, generate_egos, load_egos,
                          predict, read_values, save_egos, simulate, write_trajectory,
                          write_values)
from imx.graph.generate import barabasi_albert

HEADER = "node," + ",".join(SCHWARTZ_VALUES) + "\n"


def write(path, text):
    path.write_text(text)
    return str(path)


@pytest.fixture(scope="module")
def small_egos():
    g = barabasi_albert(150, 4, seed=2)
    return generate_egos(g, count=12, size=15, epsilon=0.3, mu=0.4, noise=0.0, seed=5,
                         weighted=True)


# ----------------------------------------------------------------- value files
def test_value_round_trip(tmp_path):
    labels = ["a", "b", "c"]
    vals = np.random.default_rng(0).random((3, 5))
    path = tmp_path / "v.csv"
    write_values(path, labels, SCHWARTZ_VALUES, vals)
    t = read_values(path)
    assert t.labels == labels and t.dims == SCHWARTZ_VALUES
    assert np.array_equal(t.values, vals)  # repr round-trips exactly
    sub = read_values(path, dims=["hedonism", "conservation"])
    assert np.array_equal(sub.values, vals[:, [4, 2]])


def test_align_values_by_label(tmp_path):
    g = Graph.from_arrays([0, 1], [1, 2], n=3, labels=np.array([30, 10, 20]))
    path = write(tmp_path / "v.csv", "node,x\n30,0.3\n10,0.1\n20,0.2\n")
    np.testing.assert_array_equal(align_values(read_values(path), g), [[0.3], [0.1], [0.2]])
    path = write(tmp_path / "s.csv", "node,x\nb,0.2\na,0.1\n")
    gs = Graph.from_arrays([0], [1], n=2, labels=np.array(["a", "b"], dtype=object))
    np.testing.assert_array_equal(align_values(read_values(path), gs), [[0.1], [0.2]])


@pytest.mark.parametrize("body, where, what", [
    ("0,0.1,0.2,0.3,0.4,0.5\n1,0.1,1.5,0.3,0.4,0.5\n", ":3: column self_transcendence",
     "outside [0, 1]"),
    ("0,0.1,0.2,0.3,0.4,0.5\n1,0.1,0.2,abc,0.4,0.5\n", ":3: column conservation", "not a number"),
    ("0,0.1,0.2,0.3,0.4\n", ":2: column hedonism", "missing value"),
    ("0,0.1,0.2,,0.4,0.5\n", ":2: column conservation", "missing value"),
    ("0,0.1,0.2,0.3,0.4,nan\n", ":2: column hedonism", "outside [0, 1]"),
    ("0,0.1,0.2,0.3,0.4,0.5\n0,0.1,0.2,0.3,0.4,0.5\n", ":3: column node", "appears twice"),
    ("0,0.1,0.2,0.3,0.4,0.5,0.6\n", ":2: ", "7 cells for 6 columns"),
])
def test_value_file_errors(tmp_path, body, where, what):
    path = write(tmp_path / "bad.csv", HEADER + body)
    with pytest.raises(InputError) as err:
        read_values(path)
    msg = str(err.value)
    assert "\n" not in msg and where in msg and what in msg and "bad.csv" in msg


def test_missing_dimension_and_nodes(tmp_path):
    path = write(tmp_path / "v.csv", "node,openness_to_change,hedonism\n0,0.1,0.2\n1,0.3,0.4\n")
    with pytest.raises(InputError, match=":1: column self_transcendence: dimension "
                                         "'self_transcendence' is missing"):
        read_values(path, dims=SCHWARTZ_VALUES)
    g = Graph.from_arrays([0, 1], [1, 2], n=3)
    with pytest.raises(InputError, match="node 2 of the graph has no values"):
        align_values(read_values(path), g)
    path = write(tmp_path / "w.csv", "node,x\n0,0.1\n1,0.2\n2,0.3\n7,0.4\n")
    with pytest.raises(InputError, match=r"w.csv:5: column node: node '7' is not in the graph"):
        align_values(read_values(path), g)
    with pytest.raises(InputError, match="header must start with node"):
        read_values(write(tmp_path / "h.csv", "id,x\n0,0.1\n"))
    with pytest.raises(InputError, match="no rows"):
        read_values(write(tmp_path / "e.csv", "node,x\n"))


def test_trajectory_file(tmp_path):
    g = barabasi_albert(30, 2, seed=1)
    x = np.random.default_rng(3).random((30, 2))
    r = simulate(g, x, model="hk", epsilon=0.3, steps=4, record="all")
    path = tmp_path / "t.csv"
    write_trajectory(path, g.label_list(range(g.n)), ("a", "b"), r.trajectory)
    lines = path.read_text().splitlines()
    assert lines[0] == "step,node,a,b" and len(lines) == 1 + 5 * 30
    last = np.array([[float(c) for c in ln.split(",")[2:]] for ln in lines[-30:]])
    assert np.array_equal(last, r.state)


# ------------------------------------------------------------------ ego networks
@pytest.mark.parametrize("target", ["dir", "file.csv"])
def test_ego_round_trip(tmp_path, small_egos, target):
    files = save_egos(small_egos, tmp_path / target)
    assert len(files) == (len(small_egos) if target == "dir" else 1)
    back = load_egos(tmp_path / target)
    assert len(back) == len(small_egos) and back.dims == small_egos.dims
    order = [back.names.index(n) for n in small_egos.names]
    back = back.subset(order)
    assert np.array_equal(back.sizes, small_egos.sizes)
    assert np.array_equal(back.t1, small_egos.t1)
    assert np.array_equal(back.ego_t0, small_egos.ego_t0)
    for e in range(len(small_egos)):
        a, b = small_egos[e], back[e]
        assert a.graph.m == b.graph.m
        la = {(str(a.graph.labels[u]), str(a.graph.labels[v])): p
              for u, v, p in zip(*a.graph.arcs(), a.graph.out_probs)}
        lb = {(str(b.graph.labels[u]), str(b.graph.labels[v])): p
              for u, v, p in zip(*b.graph.arcs(), b.graph.out_probs)}
        assert la.keys() == lb.keys()
        assert all(abs(la[k] - lb[k]) < 1e-6 for k in la)
    for weighted in (False, True):
        np.testing.assert_array_equal(predict(back, 0.3, 0.4, weighted=weighted),
                                      predict(small_egos, 0.3, 0.4, weighted=weighted))


def test_save_refuses_stale_directory(tmp_path, small_egos):
    save_egos(small_egos, tmp_path / "d")
    with pytest.raises(ParameterError, match="already holds"):
        save_egos(small_egos.subset([0, 1]), tmp_path / "d")
    save_egos(small_egos.subset([0, 1]), tmp_path / "d", overwrite=True)
    assert len(load_egos(tmp_path / "d")) == 2


def test_batch_kernel_matches_simulate(small_egos):
    """The ego-network kernel equals simulate() on each network's own Graph."""
    for model in ("ego", "hk"):
        pred = predict(small_egos, 0.35, 0.6, steps=3, model=model, weighted=True)
        for e in range(len(small_egos)):
            net = small_egos[e]
            stubborn = None
            if model == "ego":  # only the ego moves
                stubborn = np.setdiff1d(np.arange(net.graph.n), [net.ego])
            r = simulate(net.graph, net.t0, model=model, epsilon=0.35, mu=0.6, steps=3,
                         weights="graph", stubborn=stubborn)
            np.testing.assert_allclose(pred[e], r.state[net.ego], atol=1e-12)
    assert np.abs(pred - small_egos.ego_t0).max() > 1e-3


def test_from_networks_and_threads(small_egos):
    nets = [small_egos[e] for e in range(len(small_egos))]
    again = EgoNetworks.from_networks(nets, dims=small_egos.dims)
    for model in ("ego", "hk", "dw"):
        a = predict(again, 0.3, 0.5, steps=2, model=model, weighted=True, threads=1)
        b = predict(small_egos, 0.3, 0.5, steps=2, model=model, weighted=True, threads=2)
        np.testing.assert_allclose(a, b, atol=1e-12)


def test_friends_mean(small_egos):
    fm = small_egos.friends_mean()
    e = 3
    net = small_egos[e]
    friends = np.setdiff1d(np.arange(net.graph.n), [net.ego])
    np.testing.assert_allclose(fm[e], net.t0[friends].mean(axis=0))


def ego_file(rows, header="ego,node,time,weight,a,b\n"):
    return header + "".join(r + "\n" for r in rows)


GOOD = ["1,1,0,,0.5,0.5", "1,2,0,0.5,0.6,0.4", "1,3,0,1,0.2,0.9", "1,1,1,,0.55,0.45"]


def test_ego_file_by_hand(tmp_path):
    path = write(tmp_path / "e.csv", ego_file(GOOD))
    write(tmp_path / "e.edges.csv", "ego,source,target\n1,2,3\n")
    egos = load_egos(path)
    assert len(egos) == 1 and egos.dims == ("a", "b") and egos.has_weights
    net = egos[0]
    assert net.graph.n == 3 and net.graph.m == 6  # star (2 edges) + one friend edge, both ways
    # weighted ego update, epsilon 0.15 keeps friend 2 only in both dimensions
    pred = predict(egos, 0.15, 1.0, weighted=True)
    np.testing.assert_allclose(pred[0], [0.6, 0.4])
    pred = predict(egos, 1.0, 1.0, weighted=True)
    np.testing.assert_allclose(pred[0], (0.5 * np.array([0.6, 0.4]) + np.array([0.2, 0.9])) / 1.5)


@pytest.mark.parametrize("rows, edges, match", [
    (GOOD[:1] + ["1,2,0,0.5,0.6,1.4"] + GOOD[2:], None, r"e.csv:3: column b: value 1.4"),
    (GOOD[:1] + ["1,2,0,0.5,0.6"] + GOOD[2:], None, r"e.csv:3: column b: missing value"),
    (GOOD[:1] + ["1,2,2,0.5,0.6,0.4"] + GOOD[2:], None, r"e.csv:3: column time: time must"),
    (GOOD[:1] + ["1,2,0,heavy,0.6,0.4"] + GOOD[2:], None, r"e.csv:3: column weight: 'heavy'"),
    (GOOD[:3], None, "ego '1' has no time-1 row"),
    (GOOD[1:], None, "ego '1' has no time-0 row of its own"),
    (GOOD + ["1,2,0,0.5,0.6,0.4"], None, r"e.csv:6: column node: node '2' of ego '1' has two"),
    (GOOD, "ego,source,target\n1,2,9\n", r"e.edges.csv:2: column target: node '9'"),
])
def test_ego_file_errors(tmp_path, rows, edges, match):
    path = write(tmp_path / "e.csv", ego_file(rows))
    if edges:
        write(tmp_path / "e.edges.csv", edges)
    with pytest.raises(InputError, match=match):
        load_egos(path)


def test_ego_dir_dimension_mismatch(tmp_path):
    d = tmp_path / "egos"
    d.mkdir()
    write(d / "1.csv", ego_file(GOOD))
    write(d / "2.csv", ego_file(["2,2,0,,0.5,0.5", "2,2,1,,0.5,0.5"],
                                header="ego,node,time,weight,a,c\n"))
    with pytest.raises(InputError, match=r"2.csv:1: column b: dimension 'b' is missing"):
        load_egos(d)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no ego file"):
        load_egos(tmp_path / "empty")
