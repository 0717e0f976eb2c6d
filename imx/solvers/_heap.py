"""Ordered selection on plain arrays (numba): a binary max-heap and a top-k buffer.

The greedy kernels of every solver family need the same two structures: a
lazy max-heap of candidates (coverage, CIM, HeteroIM) and the ``k`` largest
of a stream of values for their upper bounds.  Both are written once here and
take an ``order`` that says which of two items comes first:

* ``None``: the items themselves, larger first.  Kernels that pack a key and
  its tie-break into one int64 (``gain << 32 | ...``) use this; it compiles to
  a bare ``>``.
* ``(keys, ranks)``: items are ids; larger ``keys[id]`` first, then smaller
  ``ranks[id]``, then the smaller id.  For float keys, or ties that do not fit
  beside the key in 64 bits.

Every order is total, so what the heap pops and what the buffer keeps do not
depend on the order in which items arrived.  A heap is the segment
``heap[lo:lo + size]``: one array can hold a heap per group.

Examples
--------
>>> import numpy as np
>>> heap, size = np.empty(3, dtype=np.int64), 0
>>> for x in (3, 9, 5):
...     size = heap_push(heap, 0, size, x, None)
>>> heap_pop(heap, 0, size, None)
(9, 2)
>>> keys, ranks = np.array([0.5, 0.7, 0.7]), np.array([0, 2, 1])
>>> best, filled = np.empty(2, dtype=np.int64), 0
>>> for item in (0, 1, 2):
...     filled = top_k_insert(best, filled, 2, item, (keys, ranks))
>>> best.tolist()
[2, 1]
"""
from __future__ import annotations

from numba import njit, types
from numba.extending import overload

__all__ = ["above", "sift_down", "heapify", "heap_push", "heap_pop", "top_k_insert"]


def above(order, a, b):
    """True when item ``a`` comes before item ``b`` under ``order`` (kernels only)."""
    raise NotImplementedError("imx.solvers._heap.above runs inside numba kernels only")


@overload(above)
def _above_impl(order, a, b):
    if isinstance(order, (types.NoneType, types.Omitted)):
        def larger(order, a, b):
            return a > b
        return larger

    def by_key_then_rank(order, a, b):
        keys, ranks = order
        if keys[a] != keys[b]:
            return keys[a] > keys[b]
        if ranks[a] != ranks[b]:
            return ranks[a] < ranks[b]
        return a < b
    return by_key_then_rank


@njit(cache=True, nogil=True)
def sift_down(heap, lo, size, pos, order):
    """Move ``heap[lo + pos]`` down until the segment ``heap[lo:lo + size]`` is a heap again."""
    item = heap[lo + pos]
    while True:
        child = 2 * pos + 1
        if child >= size:
            break
        if child + 1 < size and above(order, heap[lo + child + 1], heap[lo + child]):
            child += 1
        if not above(order, heap[lo + child], item):
            break
        heap[lo + pos] = heap[lo + child]
        pos = child
    heap[lo + pos] = item


@njit(cache=True, nogil=True)
def heapify(heap, lo, size, order):
    """Make ``heap[lo:lo + size]`` a heap, in place (linear time)."""
    for pos in range(size // 2 - 1, -1, -1):
        sift_down(heap, lo, size, pos, order)


@njit(cache=True, nogil=True)
def heap_push(heap, lo, size, item, order):
    """Add ``item`` to a heap of ``size`` items with room for one more; returns the new size."""
    pos = size
    while pos > 0:
        parent = (pos - 1) >> 1
        if not above(order, item, heap[lo + parent]):
            break
        heap[lo + pos] = heap[lo + parent]
        pos = parent
    heap[lo + pos] = item
    return size + 1


@njit(cache=True, nogil=True)
def heap_pop(heap, lo, size, order):
    """Remove the first item of a non-empty heap; returns ``(item, new size)``."""
    top = heap[lo]
    size -= 1
    if size > 0:
        heap[lo] = heap[lo + size]
        sift_down(heap, lo, size, 0, order)
    return top, size


@njit(cache=True, nogil=True)
def top_k_insert(best, filled, k, item, order):
    """Offer ``item`` to ``best[0:filled]``, the first ``k`` items seen so far in order.

    Keeps ``best`` sorted (first item first) and at most ``k`` long; returns
    the new ``filled``.  O(k) per item, which beats a heap for the small ``k``
    of the bounds (a seed budget per group).
    """
    if k <= 0:
        return filled
    if filled == k:
        if not above(order, item, best[k - 1]):
            return filled
        pos = k - 1
    else:
        pos = filled
        filled += 1
    while pos > 0 and above(order, item, best[pos - 1]):
        best[pos] = best[pos - 1]
        pos -= 1
    best[pos] = item
    return filled
