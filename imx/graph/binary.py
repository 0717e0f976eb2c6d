"""The ``.imxg`` binary graph form: an uncompressed ``.npz`` loaded by memory mapping.

Each array is a stored (uncompressed) zip member holding a ``.npy`` file, so
it can be mapped in place: loading a graph costs a few system calls, whatever
its size.  No pickles are written or read (``allow_pickle`` stays off); string
labels are stored as fixed-width unicode.  Writes go to a temporary file in the
target folder, then ``os.replace`` it, so a reader never sees half a file.
"""
from __future__ import annotations

import io
import json
import os
import struct
import zipfile

import numpy as np

from ..errors import InputError
from .core import Graph

__all__ = ["save_graph", "load_binary_graph", "is_binary_graph", "FORMAT_VERSION"]

FORMAT_VERSION = 1
_ARRAYS = ("out_offsets", "out_targets", "out_probs", "in_offsets", "in_sources", "in_probs",
           "labels")
_MAGIC = b"PK\x03\x04"


def is_binary_graph(path: str | os.PathLike) -> bool:
    """True if ``path`` looks like an ``.imxg`` file (a zip holding ``meta.npy``)."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        return False
    with open(path, "rb") as fh:
        if fh.read(4) != _MAGIC:
            return False
    try:
        with zipfile.ZipFile(path) as zf:
            return "meta.npy" in zf.namelist()
    except zipfile.BadZipFile:
        return False


def save_graph(graph: Graph, path: str | os.PathLike) -> None:
    """Write ``graph`` to ``path`` in the ``.imxg`` form, atomically."""
    path = os.fspath(path)
    labels = graph.labels
    if labels.dtype == object:
        labels = np.array([str(x) for x in labels.tolist()], dtype=str)
    meta = {
        "format": "imxg", "version": FORMAT_VERSION, "n": graph.n, "directed": graph.directed,
        "scheme": graph.scheme, "source": graph.source, "edges_read": graph.edges_read,
    }
    arrays = {name: np.ascontiguousarray(getattr(graph, name)) for name in _ARRAYS[:-1]}
    arrays["labels"] = np.ascontiguousarray(labels)
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    from ..io.atomic import atomic_open  # imx.io imports this module

    with atomic_open(path, "wb") as fh:
        with zipfile.ZipFile(fh, "w", zipfile.ZIP_STORED) as zf:
            for name, array in arrays.items():
                _write_aligned_member(zf, fh, name + ".npy", array)


# Android's zipalign extra-field id: a padding field that zip readers skip.
_PAD_FIELD_ID = 0xD935
_ALIGN = 64


def _write_aligned_member(zf: zipfile.ZipFile, fh, name: str, array: np.ndarray) -> None:
    """Store ``array`` as an .npy member whose data starts on a 64-byte boundary.

    The .npy header is itself padded to a multiple of 64 bytes, so aligning the
    member aligns the array: memory-mapped arrays are then aligned, and numba
    does not compile a second, unaligned variant of every kernel.
    """
    buf = io.BytesIO()
    np.lib.format.write_array(buf, array, allow_pickle=False)
    data = buf.getbuffer()
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    info.file_size = len(data)
    encoded_name = name.encode("utf-8")
    data_start = fh.tell() + 30 + len(encoded_name) + 4
    pad = (-data_start) % _ALIGN
    info.extra = struct.pack("<HH", _PAD_FIELD_ID, pad) + b"\0" * pad
    zf.writestr(info, data)


def _member_arrays(path: str, mmap: bool) -> dict:
    out = {}
    with zipfile.ZipFile(path) as zf, open(path, "rb") as fh:
        for info in zf.infolist():
            name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
            if info.compress_type != zipfile.ZIP_STORED:
                raise InputError(f"member {info.filename!r} is compressed; re-create the file "
                                 "with 'imx convert'", path=path)
            fh.seek(info.header_offset)
            local = fh.read(30)
            if local[:4] != _MAGIC:
                raise InputError("corrupt .imxg file (bad zip member header)", path=path)
            name_len, extra_len = struct.unpack("<HH", local[26:30])
            data_start = info.header_offset + 30 + name_len + extra_len
            fh.seek(data_start)
            version = np.lib.format.read_magic(fh)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
            else:
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
            if dtype.hasobject:
                raise InputError("refusing to load pickled objects from a graph file", path=path)
            offset = fh.tell()
            count = int(np.prod(shape)) if shape else 1
            if mmap and count > 0:
                arr = np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape,
                                order="F" if fortran else "C")
                arr = np.asarray(arr)
            else:
                arr = np.fromfile(fh, dtype=dtype, count=count).reshape(shape,
                                                                        order="F" if fortran else "C")
            out[name] = arr
    return out


def load_binary_graph(path: str | os.PathLike, mmap: bool = True) -> Graph:
    """Load an ``.imxg`` file written by :func:`save_graph` (memory-mapped by default)."""
    path = os.fspath(path)
    try:
        arrays = _member_arrays(path, mmap)
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise InputError(f"not a readable .imxg graph file ({exc})", path=path) from None
    missing = [a for a in _ARRAYS + ("meta",) if a not in arrays]
    if missing:
        raise InputError(f"not an .imxg graph file (missing {', '.join(missing)})", path=path)
    meta = json.loads(bytes(arrays["meta"]).decode())
    if meta.get("format") != "imxg" or meta.get("version") != FORMAT_VERSION:
        raise InputError("unsupported .imxg format version", path=path)
    n = int(meta["n"])
    if arrays["out_offsets"].shape[0] != n + 1 or arrays["in_offsets"].shape[0] != n + 1:
        raise InputError("corrupt .imxg file (offset arrays do not match n)", path=path)
    return Graph(n=n, out_offsets=arrays["out_offsets"], out_targets=arrays["out_targets"],
                 out_probs=arrays["out_probs"], in_offsets=arrays["in_offsets"],
                 in_sources=arrays["in_sources"], in_probs=arrays["in_probs"],
                 labels=arrays["labels"], directed=meta["directed"], scheme=meta["scheme"],
                 source=meta.get("source"), edges_read=meta.get("edges_read"))
