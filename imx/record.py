"""Execution records, and the behaviour every result type shares.

Every run returns a frozen dataclass deriving from :class:`Result`: a short
``repr`` (scalars and short lists only, never the arrays or the record),
``to_dict()`` (plain JSON-able data) and a :class:`RunRecord` in ``record``.
"""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

__all__ = ["RunRecord", "PhaseClock", "Result"]


@dataclass
class RunRecord:
    """Wall and CPU time per phase, counters, and free-form facts of one run."""

    phases: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    counters: dict[str, Any] = field(default_factory=dict)

    def phase(self, name: str) -> "PhaseClock":
        """``with record.phase(name):`` adds the block's wall and process CPU seconds."""
        return PhaseClock(self.phases, self.cpu, name, time.process_time)

    @property
    def total_seconds(self) -> float:
        return float(sum(self.phases.values()))

    def to_dict(self) -> dict[str, Any]:
        return {"phases": dict(self.phases), "cpu": dict(self.cpu),
                "total_seconds": self.total_seconds, "counters": dict(self.counters)}

    def __repr__(self) -> str:
        return f"RunRecord({len(self.phases)} phases, {self.total_seconds:.3g} s)"


class PhaseClock:
    """A ``with`` block's wall seconds (``time.perf_counter``) and CPU seconds
    (``cpu_clock``), added to ``wall[name]`` and ``cpu[name]``.

    A plain class, not ``contextlib.contextmanager``: solvers time a few phases
    per round, and the generator machinery cost more than the clocks.
    """

    __slots__ = ("_wall", "_cpu", "_name", "_cpu_clock", "_started", "_cpu_started")

    def __init__(self, wall: dict[str, float], cpu: dict[str, float], name: str,
                 cpu_clock: Callable[[], float]):
        self._wall, self._cpu, self._name, self._cpu_clock = wall, cpu, name, cpu_clock

    def __enter__(self) -> None:
        self._started = time.perf_counter()
        self._cpu_started = self._cpu_clock()

    def __exit__(self, *exc: object) -> None:
        name = self._name
        self._wall[name] = self._wall.get(name, 0.0) + time.perf_counter() - self._started
        self._cpu[name] = self._cpu.get(name, 0.0) + self._cpu_clock() - self._cpu_started


#: Sequences longer than this are summarised in a result's repr.
_REPR_ITEMS = 6


def _short(value: Any) -> str | None:
    """A short text for a repr, or None to leave the field out."""
    if value is None or isinstance(value, (bool, int, float, str, np.generic)):
        if isinstance(value, (float, np.floating)):
            return f"{float(value):.6g}"
        return repr(value.item() if isinstance(value, np.generic) else value)
    if isinstance(value, (list, tuple, np.ndarray)):
        items = value.tolist() if isinstance(value, np.ndarray) else list(value)
        if len(items) <= _REPR_ITEMS and all(isinstance(x, (int, float, str)) for x in items):
            return repr(items)
        return f"<{len(items)} items>"
    return None


class Result:
    """Mixin of the frozen result dataclasses: short repr, ``to_dict``.

    Subclasses are ``@dataclass(frozen=True, eq=False)`` (they hold arrays,
    which do not compare as booleans); fields with ``repr=False`` and values
    that are neither scalars nor short sequences stay out of the repr.
    """

    def __repr__(self) -> str:
        parts = []
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            if not f.repr:
                continue
            text = _short(getattr(self, f.name))
            if text is not None:
                parts.append(f"{f.name}={text}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data: scalars, lists, dicts; the record as a dict."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            if f.metadata.get("to_dict", True):
                out[f.name] = _plain(getattr(self, f.name))
        return out


def _plain(value: Any) -> Any:
    if isinstance(value, RunRecord):
        return value.to_dict()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
