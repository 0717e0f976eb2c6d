"""The shared heap and top-k kernels (imx/solvers/_heap.py) against plain sorting."""
import numpy as np
import pytest
from numba import njit

from imx.solvers._heap import heap_pop, heap_push, heapify, sift_down, top_k_insert


@njit(cache=False)
def _drain(heap, lo, size, order):
    out = np.empty(size, dtype=heap.dtype)
    for i in range(out.shape[0]):
        out[i], size = heap_pop(heap, lo, size, order)
    return out


@njit(cache=False)
def _push_all(items, heap, lo, order):
    size = 0
    for x in items:
        size = heap_push(heap, lo, size, x, order)
    return size


@njit(cache=False)
def _top_k(items, k, order):
    best = np.empty(max(k, 1), dtype=items.dtype)
    filled = 0
    for x in items:
        filled = top_k_insert(best, filled, k, x, order)
    return best[:filled]


@pytest.mark.parametrize("seed", range(5))
def test_heap_pops_in_descending_order(seed):
    rng = np.random.default_rng(seed)
    items = rng.integers(0, 50, size=200).astype(np.int64)  # many ties
    heap = np.empty(items.size + 3, dtype=np.int64)
    size = _push_all(items, heap, 3, None)
    assert _drain(heap, 3, size, None).tolist() == sorted(items.tolist(), reverse=True)
    segment = np.concatenate((np.full(3, -7), items))
    heapify(segment, 3, items.size, None)
    assert segment[:3].tolist() == [-7, -7, -7]  # only the segment is touched
    assert _drain(segment, 3, items.size, None).tolist() == sorted(items.tolist(), reverse=True)


@pytest.mark.parametrize("seed", range(5))
def test_heap_of_ids_orders_by_key_then_rank_then_id(seed):
    rng = np.random.default_rng(seed)
    n = 300
    keys = rng.integers(0, 5, size=n).astype(np.float64)
    ranks = rng.integers(0, 5, size=n).astype(np.int64)
    ids = rng.permutation(n).astype(np.int64)
    heap = np.empty(n, dtype=np.int64)
    size = _push_all(ids, heap, 0, (keys, ranks))
    expect = np.lexsort((np.arange(n), ranks, -keys))
    assert _drain(heap, 0, size, (keys, ranks)).tolist() == expect.tolist()


def test_sift_down_restores_a_heap_after_a_key_drops():
    heap = np.array([9, 7, 8, 1, 2, 3], dtype=np.int64)
    heap[0] = 0
    sift_down(heap, 0, heap.size, 0, None)
    assert _drain(heap, 0, heap.size, None).tolist() == [8, 7, 3, 2, 1, 0]


@pytest.mark.parametrize("k", [0, 1, 3, 10, 500])
def test_top_k_keeps_the_k_first(k):
    rng = np.random.default_rng(k)
    values = rng.random(300).round(1)  # ties
    assert _top_k(values, k, None).tolist() == sorted(values.tolist(), reverse=True)[:k]
    keys = rng.integers(0, 4, size=300).astype(np.float64)
    ranks = rng.integers(0, 4, size=300).astype(np.float64)
    items = rng.permutation(300).astype(np.int64)
    expect = np.lexsort((np.arange(300), ranks, -keys))[:k]
    assert _top_k(items, k, (keys, ranks)).tolist() == expect.tolist()
