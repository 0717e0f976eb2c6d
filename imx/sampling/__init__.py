"""The RR-set engine: sampling, storage, spread estimation.

Public names
------------
sample_rr_sets(graph, count, *, model, seed, start, threads, max_memory) -> RRCollection
RRCollection                 flat int32 nodes + int64 offsets, inverted index, coverage
exact_spread(graph, seeds, model)      live-edge enumeration for tiny graphs (m <= 20)
mc_spread(graph, seeds, runs, ...)     forward Monte-Carlo simulation -> SpreadEstimate
rr_spread(graph, seeds, *, eps, ...)   RR estimator with a stopping rule -> SpreadEstimate

The spread functions take seeds as node labels, or internal ids with ``labels=False``
(docs/api.md); ``seed`` defaults to 1 as everywhere in imx.
"""
from __future__ import annotations

from .collection import RRCollection, build_node_index, sample_rr_sets
from .exact import exact_spread
from .montecarlo import SpreadEstimate, mc_spread
from .sampler import append_rr_sets, derive_seed
from .spread import rr_spread

__all__ = ["RRCollection", "build_node_index", "sample_rr_sets", "append_rr_sets",
           "derive_seed", "exact_spread", "mc_spread", "rr_spread", "SpreadEstimate"]
