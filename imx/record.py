"""Execution records: what a run did, phase by phase, as plain JSON-able data."""
from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from typing import Any, Iterator

__all__ = ["RunRecord"]


@dataclass
class RunRecord:
    """Wall and CPU time per phase, counters, and free-form facts of one run."""

    phases: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    counters: dict[str, Any] = field(default_factory=dict)

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.phases[name] = self.phases.get(name, 0.0) + time.perf_counter() - t0
            self.cpu[name] = self.cpu.get(name, 0.0) + time.process_time() - c0

    @property
    def total_seconds(self) -> float:
        return float(sum(self.phases.values()))

    def to_dict(self) -> dict:
        return {"phases": dict(self.phases), "cpu": dict(self.cpu),
                "total_seconds": self.total_seconds, "counters": dict(self.counters)}
