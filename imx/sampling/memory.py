"""Memory budgets: what the machine has, and refusing work that would not fit."""
from __future__ import annotations

import os
from typing import Callable

from .. import _validate
from .._proc import proc_kib_field
from ..errors import MemoryBudgetError, ParameterError

__all__ = ["available_memory", "default_budget", "resolve_budget", "check_budget", "format_bytes"]

#: Share of MemAvailable that imx allows itself by default.
DEFAULT_SHARE = 0.8


def available_memory() -> int | None:
    """MemAvailable from /proc/meminfo, in bytes (None where it cannot be read)."""
    available = proc_kib_field("/proc/meminfo", "MemAvailable")
    if available is not None:
        return available
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def default_budget() -> int | None:
    """80% of the memory available now (None if unknown: no limit)."""
    avail = available_memory()
    return None if avail is None else int(DEFAULT_SHARE * avail)


def resolve_budget(max_memory: int | float | None) -> int | None:
    """The budget in bytes for a call: ``max_memory`` if given, else the default."""
    if max_memory is None:
        return default_budget()
    budget = _validate.positive(max_memory, "max_memory")  # nan, inf or True are no budget
    if budget < 1:
        raise ParameterError(f"max_memory must be at least 1 byte, got {max_memory!r}")
    return int(budget)


def format_bytes(nbytes: float) -> str:
    """Human size with binary units: ``format_bytes(3 * 2**30) == '3.00 GiB'``."""
    value = float(nbytes)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024.0 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.2f} {unit}"
        value /= 1024.0
    return f"{value:.2f} TiB"  # pragma: no cover


def check_budget(needed: float, budget: int | None, what: str | Callable[[], str]) -> None:
    """Raise MemoryBudgetError if ``needed`` bytes exceed ``budget`` (None: no limit).

    ``what`` names the work in the message; a callable is only called to write it
    (the checks of every sampling round would otherwise format text for nothing).
    """
    if budget is not None and needed > budget:
        what = what() if callable(what) else what
        raise MemoryBudgetError(
            f"{what} needs about {format_bytes(needed)}, over the memory budget of "
            f"{format_bytes(budget)} (set max_memory / --max-memory, or ask for less)")
