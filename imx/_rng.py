"""Counter-based random streams for numba kernels.

Every random draw of imx comes from a stream keyed by ``(seed, stream index)``:
the stream of RR set ``i`` (or Monte-Carlo run ``i``) is the same whichever
thread produces it, so results do not depend on the thread count.

A stream's state is a single uint64 counter; each draw hashes the counter with
the SplitMix64 finaliser (Steele, Lea, Flood 2014), which passes BigCrush when
used in this counter mode.  ``stream_start`` derives a well-separated starting
counter for a (seed, index) pair.
"""
from __future__ import annotations

import numpy as np
from numba import njit, uint64

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_INV_2_53 = 1.0 / 9007199254740992.0


@njit(inline="always", cache=True)
def mix64(z):
    z = (z ^ (z >> uint64(30))) * uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> uint64(27))) * uint64(0x94D049BB133111EB)
    return z ^ (z >> uint64(31))


@njit(inline="always", cache=True)
def stream_start(seed, index):
    """Initial state of stream ``index`` under ``seed`` (both non-negative ints)."""
    k = mix64(uint64(seed) * uint64(0xD1B54A32D192ED03) + uint64(0x8BB84B93962EACC9))
    return mix64(k ^ (uint64(index) * uint64(0x9E3779B97F4A7C15)))


@njit(inline="always", cache=True)
def next_u64(state):
    """Advance ``state``; return ``(new_state, 64 random bits)``."""
    state = state + uint64(0x9E3779B97F4A7C15)
    return state, mix64(state)


@njit(inline="always", cache=True)
def next_double(state):
    """Advance ``state``; return ``(new_state, u)`` with u uniform in [0, 1)."""
    state = state + uint64(0x9E3779B97F4A7C15)
    return state, float(mix64(state) >> uint64(11)) * _INV_2_53


@njit(inline="always", cache=True)
def next_below(state, bound):
    """Advance ``state``; return ``(new_state, r)`` with r uniform in [0, bound)."""
    state = state + uint64(0x9E3779B97F4A7C15)
    # Lemire's multiply-shift on 32 high bits is biased for huge bounds; the
    # float route is exact enough for bounds below 2**32 and branch free.
    r = int(float(mix64(state) >> uint64(11)) * _INV_2_53 * bound)
    if r >= bound:
        r = bound - 1
    return state, r
