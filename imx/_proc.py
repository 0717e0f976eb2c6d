"""Figures the Linux kernel publishes in /proc, read the one way imx reads them."""
from __future__ import annotations

__all__ = ["proc_kib_field"]


def proc_kib_field(path: str, key: str) -> int | None:
    """Bytes of a ``key: N kB`` line of ``path`` (e.g. ``/proc/meminfo``, ``MemAvailable``),
    or None where the file or the line cannot be read (not Linux, a sandbox)."""
    prefix = key + ":"
    try:
        with open(path, encoding="ascii") as fh:
            for line in fh:
                if line.startswith(prefix):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError, UnicodeDecodeError):
        pass
    return None
