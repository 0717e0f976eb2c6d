"""What a benchmark ran on: the machine, and the versions of everything involved."""
from __future__ import annotations

import functools
import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from .._proc import proc_kib_field

__all__ = ["machine_info", "versions", "package_version"]

_PACKAGES = ("numpy", "numba", "scipy", "networkx", "click", "matplotlib", "cynetdiff",
             "pynetim", "ndlib")


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


@functools.lru_cache(maxsize=1)
def machine_info() -> dict:
    """Cores (logical and usable), CPU model, memory, OS and Python."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count()
    return {"hostname": platform.node(), "cpu_model": _cpu_model(),
            "logical_cores": os.cpu_count(), "usable_cores": usable,
            "memory_bytes": proc_kib_field("/proc/meminfo", "MemTotal"), "os": f"{platform.system()} {platform.release()}",
            "python": platform.python_version(), "implementation": sys.implementation.name}


def package_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _git_commit() -> str | None:
    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():
        return None
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


@functools.lru_cache(maxsize=1)
def versions() -> dict:
    """imx (and its git commit when run from a checkout) and the relevant packages."""
    from .._version import __version__

    found = {"imx": __version__, "imx_commit": _git_commit()}
    for name in _PACKAGES:
        v = package_version(name)
        if v is not None:
            found[name] = v
    return found
