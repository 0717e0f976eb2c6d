"""The registry of standard SNAP / IM-literature graphs, and a verifying downloader.

The registry (``imx/data/registry.toml``, package data) lists each graph's
source, published node and edge counts, direction, format hints and the sha256
of the files known byte for byte.  :func:`fetch` turns a registry name into a
ready ``.imxg`` binary graph in the cache folder:

1. find the raw file: in ``data_dir`` when given (a local folder of already
   downloaded files, e.g. ``../shared/graphs``), else in the cache, else
   download it (resuming a ``.part`` file with an HTTP Range request);
2. check its sha256 when the registry knows it;
3. parse it once, check the node and edge-line counts against the registry,
   and write ``NAME.imxg`` plus a ``NAME.json`` note of what was checked.

Every file appears in the cache only by an atomic rename after its checks, so
an interrupted or failed run never leaves a corrupt cache entry: at most a
``.part`` file that the next run resumes (or discards if it proves bad).

The cache folder is ``$IMX_DATA`` if set, else the user cache directory
(``$XDG_CACHE_HOME/imx`` or ``~/.cache/imx`` on Linux).

Why not pooch, the usual library for this: pooch 1.9 streams every attempt into
a fresh temporary file that it deletes on failure, so a download cut at 50%
starts again from byte 0 (measured on the loopback server of
tests/io/test_datasets.py: pooch re-requested without a Range, this module asked
for ``bytes=4194304-`` of 8 MiB); the SNAP files run to hundreds of MiB.  A pooch
downloader cannot resume either, since each call is handed a new temporary name.
"""
from __future__ import annotations

import contextlib
import difflib
import hashlib
import http.client
import json
import os
import sys
import tomllib
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from ..errors import ImxError, InputError, ParameterError
from .atomic import atomic_write_text

__all__ = ["Dataset", "DownloadError", "registry", "get_dataset", "data_home", "find_local",
           "download", "fetch", "dataset_path", "load_dataset", "sha256_file", "cache_entry",
           "data_folder", "package_file"]

ProgressFn = Callable[[float, "float | None", str], None]

_COMPRESSED = (".gz", ".bz2", ".xz")
_CHUNK = 1 << 20


class DownloadError(ImxError, OSError):
    """A download failed, was cut short, or did not match its checksum."""


@dataclass(frozen=True)
class Dataset:
    """One registry entry; see ``imx/data/registry.toml`` for the meaning of each field."""

    name: str
    title: str
    source: str
    page: str
    url: str
    nodes: int
    edges: int
    edge_lines: int
    directed: bool
    undirected: bool
    comment: str = "#"
    delimiter: str = "\t"
    header: bool = False
    probs: str = "wc"
    aliases: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    package_file: str = ""
    sha256: dict[str, str] = field(default_factory=dict)
    notes: str = ""

    @property
    def download_name(self) -> str:
        """File name of the download (the last part of the URL), or '' if none."""
        return self.url.rstrip("/").rsplit("/", 1)[-1] if self.url else ""

    def file_names(self) -> list[str]:
        """Names a copy of this graph may have, most preferred first."""
        names: list[str] = []
        if self.download_name:
            names.append(self.download_name)
        names.extend(self.sha256)
        names.extend(self.files)
        for name in list(names):
            for ext in _COMPRESSED:
                if name.endswith(ext):
                    names.append(name[: -len(ext)])
        seen: dict[str, None] = {}
        for name in names:
            seen.setdefault(name, None)
        return list(seen)

    def to_dict(self) -> dict:
        return {"name": self.name, "title": self.title, "source": self.source,
                "page": self.page, "url": self.url, "nodes": self.nodes, "edges": self.edges,
                "edge_lines": self.edge_lines, "directed": self.directed,
                "undirected": self.undirected, "comment": self.comment,
                "delimiter": self.delimiter, "header": self.header, "probs": self.probs,
                "aliases": list(self.aliases), "files": self.file_names(),
                "sha256": dict(self.sha256), "notes": self.notes}


def _parse_registry(text: str, origin: str) -> dict[str, Dataset]:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"bad registry file ({exc})", path=origin) from None
    out: dict[str, Dataset] = {}
    for i, entry in enumerate(raw.get("dataset", []), start=1):
        try:
            ds = Dataset(
                name=entry["name"], title=entry.get("title", ""), source=entry.get("source", ""),
                page=entry.get("page", ""), url=entry.get("url", ""), nodes=int(entry["nodes"]),
                edges=int(entry["edges"]), edge_lines=int(entry.get("edge_lines", entry["edges"])),
                directed=bool(entry["directed"]),
                undirected=bool(entry.get("undirected", not entry["directed"])),
                comment=entry.get("comment", "#"), delimiter=entry.get("delimiter", "\t"),
                header=bool(entry.get("header", False)), probs=entry.get("probs", "wc"),
                aliases=tuple(entry.get("aliases", ())), files=tuple(entry.get("files", ())),
                package_file=entry.get("package_file", ""),
                sha256={k: v.lower() for k, v in entry.get("sha256", {}).items()},
                notes=entry.get("notes", ""))
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"dataset entry {i} is missing or has a bad field ({exc})",
                             path=origin) from None
        if ds.name.lower() in out:
            raise InputError(f"dataset {ds.name!r} is listed twice", path=origin)
        out[ds.name.lower()] = ds
    return out


_REGISTRY: dict[str, Dataset] | None = None


def registry() -> dict[str, Dataset]:
    """All registry entries, keyed by lower-case name, in file order."""
    global _REGISTRY  # read-only after the first call; parsing is idempotent
    if _REGISTRY is None:
        path = data_folder() / "registry.toml"
        _REGISTRY = _parse_registry(path.read_text("utf-8"), str(path))
    return _REGISTRY


def get_dataset(name: str | Dataset) -> Dataset:
    """The registry entry called ``name`` (or one of its aliases; case-insensitive)."""
    if isinstance(name, Dataset):
        return name
    reg = registry()
    key = name.lower()
    if key in reg:
        return reg[key]
    for ds in reg.values():
        if key in (a.lower() for a in ds.aliases):
            return ds
    close = difflib.get_close_matches(key, list(reg), n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(reg[c].name for c in close)}?" if close else \
        "; 'imx datasets list' shows the registry"
    raise ParameterError(f"unknown dataset {name!r}{hint}")


def data_home(cache_dir: str | os.PathLike | None = None) -> Path:
    """The cache folder: ``cache_dir``, else ``$IMX_DATA``, else the user cache directory."""
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    env = os.environ.get("IMX_DATA")
    if env:
        return Path(env).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
        return base / "imx" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "imx"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "imx"


def sha256_file(path: str | os.PathLike) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def data_folder() -> Path:
    """The folder of the sample graph and the registry.

    The repository's ``graphs/`` is the one copy; a built package carries it as
    ``imx/data`` (setup.py maps it), a source or editable checkout reads it in place.
    """
    package = Path(__file__).resolve().parent.parent
    shipped = package / "data"
    return shipped if shipped.is_dir() else package.parent / "graphs"


def package_file(ds: Dataset) -> Path | None:
    """The copy of ``ds`` that ships with imx (the sample graph), or None."""
    if not ds.package_file:
        return None
    path = data_folder() / ds.package_file
    return path if path.is_file() else None


def find_local(name: str | Dataset, data_dir: str | os.PathLike) -> Path | None:
    """A copy of the dataset in ``data_dir`` under any of its known file names, or None."""
    ds = get_dataset(name)
    folder = Path(data_dir).expanduser()
    if not folder.is_dir():
        raise ParameterError(f"data folder {str(folder)!r} does not exist")
    names = ds.file_names()
    for fname in names:
        if (folder / fname).is_file():
            return folder / fname
    lowered = {n.lower() for n in names}
    for entry in sorted(folder.iterdir()):
        if entry.name.lower() in lowered and entry.is_file():
            return entry
    return None


def cache_entry(name: str | Dataset, cache_dir: str | os.PathLike | None = None
                ) -> tuple[Path, Path]:
    """Paths of the converted graph and of its note: ``(NAME.imxg, NAME.json)``."""
    ds = get_dataset(name)
    home = data_home(cache_dir)
    return home / f"{ds.name}.imxg", home / f"{ds.name}.json"


# ------------------------------------------------------------------ download


def _open(url: str, start: int, timeout: float):
    request = urllib.request.Request(url, headers={"User-Agent": "imx-datasets",
                                                   "Accept-Encoding": "identity"})
    if start > 0:
        request.add_header("Range", f"bytes={start}-")
    return urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 (http/https only)


def _total_size(response, start: int) -> tuple[int | None, bool]:
    """(expected full size or None, whether the server resumed at ``start``)."""
    status = getattr(response, "status", 200)
    if status == 206:
        content_range = response.headers.get("Content-Range", "")
        # "bytes START-END/TOTAL"
        try:
            span, total = content_range.split(" ", 1)[1].split("/")
            first = int(span.split("-")[0])
        except (IndexError, ValueError):
            raise DownloadError(f"bad Content-Range header {content_range!r}") from None
        if first != start:
            raise DownloadError(f"server resumed at byte {first}, asked for {start}")
        return (int(total) if total != "*" else None), True
    length = response.headers.get("Content-Length")
    return (int(length) if length is not None else None), False


def download(url: str, dest: str | os.PathLike, *, sha256: str | None = None,
             progress: ProgressFn | None = None, timeout: float = 60.0) -> Path:
    """Download ``url`` to ``dest``, resuming a previous partial download.

    Bytes go to ``dest + '.part'``; a later call resumes from its end with an
    HTTP ``Range`` request (and starts over if the server ignores it).  The
    finished file is checked against ``sha256`` (when given) and only then
    renamed to ``dest``.  A checksum mismatch removes the partial file; a cut
    connection keeps it for the next call.

    Parameters
    ----------
    url : http(s) URL.
    dest : final path of the file.
    sha256 : expected hex digest, or None to skip the check.
    progress : optional ``progress(done_bytes, total_bytes_or_None, label)``.
    timeout : socket timeout in seconds.

    Returns
    -------
    Path of the verified file.

    Raises
    ------
    DownloadError
        On a network error, a short body, or a checksum mismatch.
    """
    if not url.startswith(("http://", "https://")):
        raise ParameterError(f"only http(s) downloads are supported, got {url!r}")
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    start = part.stat().st_size if part.exists() else 0
    label = dest.name
    try:
        response = _open(url, start, timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and start > 0:  # the .part is already complete (or too long)
            response = None
        else:
            raise DownloadError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", exc)
        raise DownloadError(f"{url}: cannot connect ({reason})") from None
    received = start
    if response is not None:
        with contextlib.closing(response):
            total, resumed = _total_size(response, start)
            if not resumed:
                received = 0
            mode = "ab" if resumed else "wb"
            try:
                with open(part, mode) as out:
                    while True:
                        block = response.read(_CHUNK)
                        if not block:
                            break
                        out.write(block)
                        received += len(block)
                        if progress is not None:
                            progress(received, total, label)
            except (http.client.HTTPException, OSError) as exc:
                raise DownloadError(f"{url}: download interrupted after {received:,} bytes "
                                    f"({type(exc).__name__}); run again to resume") from None
        if total is not None and received < total:
            raise DownloadError(f"{url}: download truncated at {received:,} of {total:,} bytes; "
                                "run again to resume")
    if sha256:
        got = sha256_file(part)
        if got != sha256.lower():
            part.unlink(missing_ok=True)
            raise DownloadError(f"{url}: checksum mismatch (sha256 {got[:16]}..., expected "
                                f"{sha256[:16]}...); the partial file was removed, run again")
    os.replace(part, dest)
    return dest


# ------------------------------------------------------------------ fetch and convert


def _read_note(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None


def _check_counts(ds: Dataset, graph, raw: Path) -> None:
    problems = []
    if graph.n != ds.nodes:
        problems.append(f"{graph.n:,} nodes, the registry says {ds.nodes:,}")
    if graph.edges_read is not None and graph.edges_read != ds.edge_lines:
        problems.append(f"{graph.edges_read:,} edge lines, the registry says {ds.edge_lines:,}")
    if problems:
        raise InputError(f"does not match dataset {ds.name}: " + "; ".join(problems),
                         path=str(raw))


def _convert(ds: Dataset, raw: Path, imxg: Path, note: Path, *, raw_sha256: str | None,
             verified_sha: bool) -> Path:
    from .binary import save_graph
    from .edgelist import load_edgelist

    kwargs = {}
    if ds.comment != "#":
        kwargs["comment"] = ds.comment
    if ds.delimiter == ",":
        kwargs["delimiter"] = ","
    graph = load_edgelist(raw, directed=not ds.undirected, probs=ds.probs, **kwargs)
    _check_counts(ds, graph, raw)
    imxg.parent.mkdir(parents=True, exist_ok=True)
    save_graph(graph, imxg)
    from .._version import __version__

    info = {"dataset": ds.name, "source_file": str(raw), "source_size": raw.stat().st_size,
            "source_sha256": raw_sha256, "sha256_verified": verified_sha,
            "nodes": graph.n, "arcs": graph.m, "edge_lines": graph.edges_read,
            "directed": graph.directed, "probs": graph.scheme, "imx_version": __version__}
    atomic_write_text(note, json.dumps(info, indent=2) + "\n")
    return imxg


def _verify_local(ds: Dataset, path: Path) -> tuple[str | None, bool]:
    expected = ds.sha256.get(path.name)
    if expected is None:
        return None, False
    got = sha256_file(path)
    if got != expected:
        raise InputError(f"checksum mismatch for dataset {ds.name}: sha256 {got[:16]}..., "
                         f"the registry says {expected[:16]}...", path=str(path))
    return got, True


def fetch(name: str | Dataset, *, data_dir: str | os.PathLike | None = None,
          cache_dir: str | os.PathLike | None = None, progress: ProgressFn | None = None,
          force: bool = False, timeout: float = 60.0) -> Path:
    """Make dataset ``name`` available as a verified ``.imxg`` graph; return its path.

    Parameters
    ----------
    name : a registry name or alias, or a :class:`Dataset`.
    data_dir : a folder holding the raw file already (no download); the file is
        checked and converted, never changed.
    cache_dir : where downloads and converted graphs go (default :func:`data_home`).
    progress : ``progress(done, total, label)`` for the download.
    force : convert (and, without ``data_dir``, download) again even if cached.
    timeout : socket timeout of the download, seconds.

    Raises
    ------
    ParameterError : unknown name, or no local copy and no download URL.
    DownloadError : the download failed or its checksum is wrong.
    InputError : the file does not parse or its counts differ from the registry.
    """
    ds = get_dataset(name)
    imxg, note = cache_entry(ds, cache_dir)
    raw = find_local(ds, data_dir) if data_dir is not None else None
    if raw is None:
        raw = package_file(ds)
    if not force and imxg.is_file():
        info = _read_note(note)
        if info is not None and (raw is None or (info.get("source_size") == raw.stat().st_size
                                                 and Path(info["source_file"]).name == raw.name)):
            return imxg
    if raw is None and data_dir is not None:
        raise ParameterError(f"dataset {ds.name} not found in {str(data_dir)!r} (looked for "
                             f"{', '.join(ds.file_names())})")
    if raw is not None:
        sha, verified = _verify_local(ds, raw)
        return _convert(ds, raw, imxg, note, raw_sha256=sha, verified_sha=verified)
    if not ds.url:
        raise ParameterError(f"dataset {ds.name} has no direct download; get "
                             f"{ds.file_names()[0] if ds.file_names() else 'the file'} from "
                             f"{ds.page} and pass its folder with --data-dir")
    raw = data_home(cache_dir) / "raw" / ds.download_name
    expected = ds.sha256.get(ds.download_name)
    if force or not raw.is_file():
        download(ds.url, raw, sha256=expected, progress=progress, timeout=timeout)
    try:
        return _convert(ds, raw, imxg, note, raw_sha256=expected, verified_sha=bool(expected))
    except InputError:
        if not expected:  # an unverifiable download that does not match: do not keep it
            raw.unlink(missing_ok=True)
        raise


def dataset_path(name: str | Dataset, *, data_dir: str | os.PathLike | None = None,
                 cache_dir: str | os.PathLike | None = None) -> Path:
    """Path of the converted graph if cached, else of the raw file; ParameterError if neither."""
    ds = get_dataset(name)
    imxg, _ = cache_entry(ds, cache_dir)
    if imxg.is_file():
        return imxg
    candidates: Iterator[Path | None] = iter([
        find_local(ds, data_dir) if data_dir is not None else None,
        package_file(ds),
        data_home(cache_dir) / "raw" / ds.download_name if ds.download_name else None,
    ])
    for path in candidates:
        if path is not None and path.is_file():
            return path
    raise ParameterError(f"dataset {ds.name} is not available; run 'imx datasets fetch "
                         f"{ds.name}'" + (f" --data-dir {data_dir}" if data_dir else ""))


def load_dataset(name: str | Dataset, *, data_dir: str | os.PathLike | None = None,
                 cache_dir: str | os.PathLike | None = None, probs: str | None = None,
                 seed: int = 1, progress: ProgressFn | None = None):
    """Fetch (if needed) and load dataset ``name`` as an :class:`imx.Graph`."""
    from . import load_graph

    path = fetch(name, data_dir=data_dir, cache_dir=cache_dir, progress=progress)
    return load_graph(path, probs=probs, seed=seed)
