"""Uncompressed ``.npz`` archives whose arrays can be memory-mapped in place.

Used by the ``.imxg`` graph form and the HeteroIndex file.  Each array is a
stored (uncompressed) zip member holding an ``.npy`` file whose data starts on
a 64-byte boundary, so mapping it costs a few system calls whatever its size
and the mapped arrays are aligned.  Nothing is pickled in either direction.
The files remain plain ``.npz`` archives that ``numpy.load`` reads.
"""
from __future__ import annotations

import io
import math
import os
import struct
import warnings
import zipfile

import numpy as np

from ..errors import InputError

__all__ = ["save_npz_aligned", "load_npz_members", "read_npz_file", "npz_member_names", "meta_bytes", "ZIP_MAGIC"]

ZIP_MAGIC = b"PK\x03\x04"
# Android's zipalign extra-field id: a padding field that zip readers skip.
_PAD_FIELD_ID = 0xD935
_ALIGN = 64


def _write_aligned_member(zf: zipfile.ZipFile, fh, name: str, array: np.ndarray) -> None:
    # The .npy header is itself padded to a multiple of 64 bytes, so aligning
    # the member's data aligns the array.
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.ascontiguousarray(array), allow_pickle=False)
    data = buf.getbuffer()
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    info.file_size = len(data)
    data_start = fh.tell() + 30 + len(name.encode("utf-8")) + 4
    pad = (-data_start) % _ALIGN
    info.extra = struct.pack("<HH", _PAD_FIELD_ID, pad) + b"\0" * pad
    zf.writestr(info, data)


def save_npz_aligned(path: str | os.PathLike, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` as an uncompressed, aligned ``.npz`` at ``path``, atomically."""
    from .atomic import atomic_open

    with atomic_open(path, "wb") as fh:
        with zipfile.ZipFile(fh, "w", zipfile.ZIP_STORED) as zf:
            for name, array in arrays.items():
                _write_aligned_member(zf, fh, name + ".npy", array)


def _read_npy_header(fh, member: str, path: str) -> tuple[tuple, bool, np.dtype]:
    # numpy's header parser runs Python's tokenizer and literal_eval on the
    # bytes, so damaged bytes raise whatever those raise (TokenError,
    # SyntaxError, MemoryError on a huge nesting, ...): all mean "not an array".
    try:
        with warnings.catch_warnings():
            # a damaged header can also make literal_eval warn (invalid escapes)
            warnings.simplefilter("ignore", (DeprecationWarning, SyntaxWarning))
            version = np.lib.format.read_magic(fh)
            if version == (1, 0):
                return np.lib.format.read_array_header_1_0(fh)
            return np.lib.format.read_array_header_2_0(fh)
    except Exception as exc:
        raise InputError(f"member {member!r} has a damaged array header "
                         f"({exc.__class__.__name__})", path=path) from None


def load_npz_members(path: str | os.PathLike, mmap: bool = True) -> dict[str, np.ndarray]:
    """Every ``.npy`` member of an uncompressed ``.npz``, memory-mapped read-only by default.

    Raises InputError for anything that is not such an archive, a compressed
    member, or an object (pickled) array (OSError when the file cannot be read).
    """
    path = os.fspath(path)
    with open(path, "rb") as fh:
        if fh.read(4) != ZIP_MAGIC:
            raise InputError("not a zip archive", path=path)
    try:
        return _read_members(path, mmap)
    except (zipfile.BadZipFile, NotImplementedError, struct.error, EOFError,
            UnicodeDecodeError, OverflowError) as exc:
        # zipfile raises all of these on damaged directories (NotImplementedError
        # for a garbled "version needed" field)
        raise InputError(f"damaged zip archive ({exc.__class__.__name__}: {exc})",
                         path=path) from None


def read_npz_file(path: str | os.PathLike, mmap: bool, what: str) -> dict[str, np.ndarray]:
    """:func:`load_npz_members` for a file format built on it (``what``: its name).

    Any failure to read the archive, an unreadable file included, is one
    InputError ``not a readable <what> file (<problem>)`` naming ``path``.
    """
    try:
        return load_npz_members(path, mmap)
    except (zipfile.BadZipFile, ValueError, OSError, struct.error, EOFError) as exc:
        raise InputError(f"not a readable {what} file ({getattr(exc, 'problem', exc)})",
                         path=os.fspath(path)) from None


def _read_members(path: str, mmap: bool) -> dict[str, np.ndarray]:
    out = {}
    file_size = os.path.getsize(path)
    with zipfile.ZipFile(path) as zf, open(path, "rb") as fh:
        for info in zf.infolist():
            name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
            if info.compress_type != zipfile.ZIP_STORED:
                raise InputError(f"member {info.filename!r} is compressed", path=path)
            fh.seek(info.header_offset)
            local = fh.read(30)
            if local[:4] != ZIP_MAGIC:
                raise InputError("bad zip member header", path=path)
            name_len, extra_len = struct.unpack("<HH", local[26:30])
            fh.seek(info.header_offset + 30 + name_len + extra_len)
            shape, fortran, dtype = _read_npy_header(fh, info.filename, path)
            if dtype.hasobject:
                raise InputError("refusing to load pickled objects", path=path)
            offset = fh.tell()
            count = math.prod(shape)
            if count * dtype.itemsize > file_size - offset:
                raise InputError(f"member {info.filename!r} is truncated", path=path)
            order = "F" if fortran else "C"
            if mmap and count > 0:
                arr = np.asarray(np.memmap(path, dtype=dtype, mode="r", offset=offset,
                                           shape=shape, order=order))
            else:
                arr = np.fromfile(fh, dtype=dtype, count=count).reshape(shape, order=order)
            out[name] = arr
    return out


def npz_member_names(path: str | os.PathLike) -> list[str] | None:
    """Member names of the zip archive at ``path``; None when it is not a readable one."""
    try:
        with open(path, "rb") as fh:
            if fh.read(4) != ZIP_MAGIC:
                return None
        with zipfile.ZipFile(path) as zf:
            return zf.namelist()
    except (OSError, zipfile.BadZipFile, NotImplementedError, struct.error, EOFError,
            UnicodeDecodeError, OverflowError, ValueError):
        return None


def meta_bytes(array: np.ndarray) -> bytes:
    """The bytes of a ``meta`` member (JSON stored as uint8); InputError for any other array.

    Converting a damaged member of another dtype instead (say unicode holding
    invalid code points) raises SystemError inside numpy.
    """
    if array.dtype != np.uint8 or array.ndim != 1:
        raise InputError(f"meta is {array.dtype}[{array.ndim}-d], expected 1-d uint8")
    return array.tobytes()
