"""Where imx keeps compiled kernels: the user's cache folder, never the install folder.

numba's ``cache=True`` writes next to the source file by default, i.e. into
``site-packages/imx/**/__pycache__``.  Those files outlive ``pip uninstall`` and,
once the package folder holds nothing else, turn it into a namespace package
that shadows a later editable install.  So imx points numba at a folder of
its own before any kernel module is imported:

* ``$IMX_CACHE_DIR/numba`` when ``IMX_CACHE_DIR`` is set,
* else ``$XDG_CACHE_HOME/imx/numba`` (``~/.cache/imx/numba``),
* a ``NUMBA_CACHE_DIR`` the user set already is respected as it is.

Below that folder each state of imx's sources gets its own subfolder, named by
:func:`source_fingerprint`.  numba checks a cached kernel against its own
source file only, not against the kernels it inlines from other files: after
``rr.py`` changed, ``sentinel.py``'s cached ``stopped_block`` still held the
old ``draw_rr_set`` and crashed on the new graph arrays.  A change to any
source file therefore starts a fresh cache; folders unused for
:data:`STALE_DAYS` days are removed.  numba also keys each file's cache by its
source path, so two installs (a wheel and an editable checkout) never share
or clobber entries.
"""
from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from pathlib import Path

__all__ = ["cache_dir", "kernel_cache_dir", "configure_kernel_cache", "kernels_cached",
           "source_fingerprint", "STALE_DAYS"]

#: Kernel cache folders of other source states unused this long are removed.
STALE_DAYS = 30
_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def cache_dir() -> Path:
    """imx's cache folder (``IMX_CACHE_DIR``, else the XDG user cache folder)."""
    explicit = os.environ.get("IMX_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "imx"


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError:
        return False
    return True


def source_fingerprint(package: str = _PACKAGE) -> str:
    """16 hex digits naming the state of every ``.py`` file under ``package``:
    their paths, sizes and modification times (a stat each, no reads: well
    under a millisecond).  Any edit, ``git pull`` or reinstall changes it."""
    digest = hashlib.blake2b(digest_size=8)
    for folder, subfolders, files in os.walk(package):
        subfolders[:] = sorted(name for name in subfolders if name != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                try:
                    info = os.stat(path)
                except OSError:
                    continue
                digest.update(f"{os.path.relpath(path, package)}\0{info.st_size}\0"
                              f"{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _remove_stale(parent: Path, keep: str) -> None:
    """Remove the kernel folders of other source states unused for STALE_DAYS."""
    import shutil
    import time

    cutoff = time.time() - STALE_DAYS * 86400
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return
    for entry in entries:
        try:
            if entry.name != keep and entry.is_dir(follow_symlinks=False) \
                    and entry.stat(follow_symlinks=False).st_mtime < cutoff:
                shutil.rmtree(entry.path, ignore_errors=True)
        except OSError:
            continue


def kernel_cache_dir() -> Path:
    """The folder numba caches compiled kernels in (created if missing):
    ``<cache>/numba/<source fingerprint>``.

    Falls back to a per-user folder under the system temp folder when the
    user's cache folder cannot be written (a read-only home, say), so the
    package folder is never the fallback.
    """
    preset = os.environ.get("NUMBA_CACHE_DIR")
    if preset:
        return Path(preset)
    fingerprint = source_fingerprint()
    parent = cache_dir() / "numba"
    folder = parent / fingerprint
    if not folder.is_dir():
        if not _writable(folder):
            uid = os.getuid() if hasattr(os, "getuid") else "user"
            return Path(tempfile.gettempdir()) / f"imx-{uid}" / "numba" / fingerprint
        _remove_stale(parent, fingerprint)
    try:
        os.utime(folder)  # in use: not stale
    except OSError:
        pass
    return folder


def configure_kernel_cache() -> None:
    """Point numba's kernel cache at :func:`kernel_cache_dir` (cheap; no numba import)."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    folder = str(kernel_cache_dir())
    numba_config = sys.modules.get("numba.core.config")
    if numba_config is not None:
        # numba was imported before imx: its config has read the environment already
        numba_config.CACHE_DIR = folder
    # also for subprocesses (bench workers, Dask workers) started from here
    os.environ["NUMBA_CACHE_DIR"] = folder


def kernels_cached() -> bool:
    """Whether this copy of imx has compiled kernels in the cache already.

    numba files each source folder's cache under ``<name>_<sha1 of its path>``
    (``UserProvidedCacheLocator``); any index file there means that a first
    run has happened for this installation.
    """
    root = Path(os.environ.get("NUMBA_CACHE_DIR") or kernel_cache_dir())
    for folder, _subfolders, files in os.walk(_PACKAGE):
        if not any(name.endswith(".py") for name in files):
            continue
        digest = hashlib.sha1(folder.encode()).hexdigest()
        entry = root / f"{os.path.basename(folder)}_{digest}"
        try:
            if any(name.endswith(".nbi") for name in os.listdir(entry)):
                return True
        except OSError:
            continue
    return False
