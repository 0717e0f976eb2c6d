"""Edge-list files: a native streaming reader and an atomic text writer.

Formats read (all of them appear in the wild):

* SNAP text: ``#`` comment lines, tab or space separated, CRLF line ends;
* plain ``u v`` lines, ``u v p`` lines with a probability column, or the same
  comma separated (detected from the first data line);
* a first line ``n m`` (the NetHEPT convention): the node count is then ``n``
  when every id lies in ``0..n-1``, so isolated nodes count;
* gzip, bz2 or xz compression, detected from the magic bytes;
* integer ids (any non-negative ``int64``, not necessarily contiguous) or
  string ids, decided as :data:`IDS_RULES` says;
* a first line that is a header, skipped by the rules of :data:`HEADER_RULES`.

The bytes are read in chunks and parsed by the Cython tokenizer
(``imx._edgelist``) into typed arrays; in integer mode no Python object is
made per line.  A compressed file is decompressed in a helper thread while the
tokenizer (which releases the GIL) parses the previous chunk.
"""
from __future__ import annotations

import bz2
import lzma
import os
import queue
import threading
import zlib
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

from ..errors import InputError, ParameterError
from ..graph.core import Graph
from ..graph.probs import Scheme, parse_scheme
from .atomic import atomic_open

try:
    from .. import _edgelist
except ImportError as exc:  # pragma: no cover - only without a build
    raise ImportError("the native edge-list parser imx._edgelist is not built; install imx with "
                      "'pip install .' or run 'python setup.py build_ext --inplace'") from exc

__all__ = ["EdgeListData", "read_edgelist", "load_edgelist", "write_edgelist",
           "detect_compression", "decompressed_chunks", "compressing_writer", "IDS_RULES",
           "HEADER_RULES", "DETECT_LINES"]

DETECT_LINES = _edgelist.DETECT_LINES

IDS_RULES = f"""\
Node ids are integers or strings for the whole file.  With --ids auto (the
default) they are integers when every id in the first {DETECT_LINES} data lines
(lines that are not blank or '#' comments) is a non-negative integer, and
strings otherwise; a later id that is not an integer is then an error naming
its line (pass --ids str).  --ids int refuses any non-integer id; --ids str
reads every id as a string ('007' and '7' are different nodes)."""

HEADER_RULES = """\
Only the first data line can be a header; 'imx info' names the line it skipped
and why.  It is skipped when:
  1. integer ids: one of its ids is not an integer (column names such as
     'source,target' above integer rows);
  2. string ids: it has three fields and the third is not a number
     ('from,to,weight'); or it has two fields, neither is a node on any other
     line, and the file is comma-separated ('from,to' above 'u1,u2' rows) or
     both fields are integers ('n m' above string ids).  In a whitespace-
     separated file 'a b' stays an edge;
  3. it has two fields and the rows below have three ('n m' above 'u v p',
     the NetHEPT form); with integer ids every id below n makes n the node
     count, so isolated nodes count;
  4. integer ids: it is 'n m', every later id is below n, and m equals the
     number of edge lines below it.  If every later id is below n but m does
     not match, the file is refused: correct m, or make the line a '#' comment.
Any other first line is an edge."""

CHUNK_BYTES = 8 << 20          # plain text read per chunk
_COMPRESSED_BLOCK = 1 << 19    # compressed bytes read per step
_DECOMPRESSED_MAX = 16 << 20   # most decompressed bytes per step (bounds memory on bombs)
_WRITE_BATCH = 1 << 20         # arcs formatted per write
_RESERVE_MAX = 1 << 26         # most edges reserved up front (the arrays grow beyond)
_MAGIC = ((b"\x1f\x8b", "gzip"), (b"BZh", "bz2"), (b"\xfd7zXZ\x00", "xz"))
_UNSUPPORTED = ((b"\x28\xb5\x2f\xfd", "zstd-compressed"), (b"PK\x03\x04", "a zip archive"))
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class EdgeListData:
    """The content of an edge-list file.

    Attributes
    ----------
    src, dst : numpy.ndarray
        int64 internal ids ``0..n-1`` of each edge line's endpoints, in file order.
    prob : numpy.ndarray or None
        float64 third column, or None when the file has two columns.
    labels : numpy.ndarray
        Input id of each internal id: int64 when every id is an integer, else
        str.  Internal ids are the ranks of the labels in sorted order.
    n : int
        Number of nodes (``len(labels)``).
    lines : int
        Number of edge lines read (comments, blank lines and a header excluded).
    header : tuple of int or None
        ``(n, m)`` from a first line ``n m``, if the file has one.
    skipped : tuple or None
        ``(line number, text, reason)`` of a first line skipped as a header
        (see :data:`HEADER_RULES`), else None.
    """

    src: np.ndarray
    dst: np.ndarray
    prob: np.ndarray | None
    labels: np.ndarray
    n: int
    lines: int
    header: tuple[int, int] | None
    skipped: tuple[int, str, str] | None = None


class _StreamError(Exception):
    """A compressed stream could not be decoded (the reader adds file and line)."""


def detect_compression(path: str | os.PathLike) -> str | None:
    """``'gzip'``, ``'bz2'``, ``'xz'`` or None (plain text), from the first bytes of ``path``."""
    path = os.fspath(path)
    with open(path, "rb") as fh:
        head = fh.read(8)
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    for magic, what in _UNSUPPORTED:
        if head.startswith(magic):
            raise InputError(f"the file is {what}; expected a text edge list (plain, gzip, bz2 "
                             "or xz) or an .imxg graph", path=path)
    return None


def _plain_chunks(path: str) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        while True:
            block = fh.read(CHUNK_BYTES)
            if not block:
                return
            yield block


def _decompressor(kind: str):
    if kind == "gzip":
        return zlib.decompressobj(wbits=31)
    if kind == "bz2":
        return bz2.BZ2Decompressor()
    return lzma.LZMADecompressor()


def decompressed_chunks(path: str, kind: str) -> Iterator[bytes]:
    """Decompressed bytes of ``path``; concatenated streams are read one after another."""
    with open(path, "rb") as fh:
        dec = _decompressor(kind)
        while True:
            raw = fh.read(_COMPRESSED_BLOCK)
            if not raw:
                break
            while raw:
                if dec is None:
                    if not raw.strip(b"\0"):
                        break  # zero padding after the last stream
                    dec = _decompressor(kind)
                try:
                    if kind == "gzip":
                        out = dec.decompress(raw, _DECOMPRESSED_MAX)
                        raw = dec.unused_data if dec.eof else dec.unconsumed_tail
                        if out:
                            yield out
                    else:
                        out = dec.decompress(raw, _DECOMPRESSED_MAX)
                        if out:
                            yield out
                        while not dec.eof and not dec.needs_input:
                            out = dec.decompress(b"", _DECOMPRESSED_MAX)
                            if out:
                                yield out
                        raw = dec.unused_data if dec.eof else b""
                except (zlib.error, OSError, EOFError, lzma.LZMAError) as exc:
                    raise _StreamError(f"corrupt {kind} data ({exc})") from None
                if dec.eof:
                    dec = None
        if dec is not None:
            raise _StreamError(f"{kind} data is truncated (unexpected end of file)")


class _Prefetch:
    """Run a chunk generator in a thread, at most ``depth`` chunks ahead."""

    def __init__(self, chunks: Iterator[bytes], depth: int = 2):
        self._queue: queue.Queue = queue.Queue(depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(chunks,), daemon=True)
        self._thread.start()

    def _put(self, item) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def _run(self, chunks: Iterator[bytes]) -> None:
        try:
            for chunk in chunks:
                if not self._put(("data", chunk)):
                    return
            self._put(("end", None))
        except BaseException as exc:  # handed to the consumer, raised there
            self._put(("error", exc))
        finally:
            chunks.close()

    def __iter__(self) -> Iterator[bytes]:
        while True:
            kind, item = self._queue.get()
            if kind == "data":
                yield item
            elif kind == "end":
                return
            else:
                raise item

    def close(self) -> None:
        self._stop.set()
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        self._thread.join()


def _delimiter_code(delimiter: str | None, comment_code: int) -> int:
    if delimiter is None:
        return _edgelist.DELIM_AUTO
    if not isinstance(delimiter, str) or len(delimiter) != 1 or ord(delimiter) > 127:
        raise ParameterError(f"delimiter must be one ASCII character or None, got {delimiter!r}")
    if delimiter in " \t":
        return _edgelist.DELIM_WHITESPACE
    if delimiter in "\r\n\0" or ord(delimiter) == comment_code:
        raise ParameterError(f"delimiter {delimiter!r} cannot separate fields")
    return ord(delimiter)


def _comment_code(comment: str | None) -> int:
    if comment is None or comment == "":
        return -1
    if not isinstance(comment, str) or len(comment) != 1 or ord(comment) > 127:
        raise ParameterError(f"comment must be one ASCII character or None, got {comment!r}")
    return ord(comment)


def _reserve(path: str, compression: str | None, tok) -> None:
    """Reserve array room from the file size so that the arrays rarely grow.

    An edge line has at least 4 bytes, so a plain file of s bytes has at most
    s / 4 of them; compressed text is assumed to expand up to 8x.  Room that
    is never written is never touched, so a generous guess costs address
    space, not memory; the unused tail is given back at the end.
    """
    size = os.path.getsize(path)
    estimate = size // 4 if compression is None else 2 * size
    tok.reserve(min(estimate + 16, _RESERVE_MAX))


def _scan(path: str, compression: str | None, tok, progress=None) -> int:
    _reserve(path, compression, tok)
    chunks = (_plain_chunks(path) if compression is None
              else _Prefetch(decompressed_chunks(path, compression)))
    # plain text counts against the file size; decompressed text has no known total
    total = os.path.getsize(path) if compression is None else None
    done = 0
    first = True
    try:
        for chunk in chunks:
            done += len(chunk)
            if first:
                first = False
                if chunk.startswith(_BOM):
                    chunk = chunk[len(_BOM):]
            status = tok.feed(chunk)
            if status != _edgelist.ST_OK:
                return status
            if progress is not None:
                progress(done, total, "reading")
    except _StreamError as exc:
        raise InputError(str(exc), path=path, line=tok.lineno + 1) from None
    finally:
        chunks.close()
    return tok.finish()


def _ids_code(ids: str) -> int:
    try:
        return _edgelist.IDS_MODES[ids]
    except (KeyError, TypeError):
        raise ParameterError(f"ids must be 'auto', 'int' or 'str', got {ids!r}") from None


def read_edgelist(path: str | os.PathLike, *, delimiter: str | None = None,
                  comment: str | None = "#", ids: str = "auto",
                  progress: Callable[[float, float | None, str], None] | None = None
                  ) -> EdgeListData:
    """Read an edge-list file with the native streaming parser.

    Parameters
    ----------
    path : str or path-like
        The file; gzip, bz2 and xz compression are recognised by their magic bytes.
    delimiter : str, optional
        Field separator.  None (default) picks a comma when the first data line
        has one, else runs of spaces and tabs.
    comment : str or None, default ``"#"``
        A line whose first non-blank character is this one is skipped.
    ids : {"auto", "int", "str"}
        Integer or string node ids; ``auto`` decides from the first
        :data:`DETECT_LINES` data lines (see :data:`IDS_RULES`).  A first line
        that is a header is skipped by the rules of :data:`HEADER_RULES`.
    progress : callable, optional
        ``progress(bytes_read, total_bytes, "reading")`` after every chunk
        (``total_bytes`` is None for compressed files).

    Returns
    -------
    EdgeListData

    Raises
    ------
    InputError
        One line naming the file, the line and the problem: a non-numeric
        probability, a missing or extra column, a probability outside [0, 1] or
        NaN, a negative or overflowing integer id, a non-integer id once ids
        are integers, an ``n m`` first line whose m disagrees with the file, a
        file without edges, or unreadable or truncated compressed data.
    ParameterError
        For a bad ``delimiter`` or ``comment``.

    Examples
    --------
    >>> data = read_edgelist("graphs/karate.txt")
    >>> data.n, data.lines
    (34, 78)
    """
    name = os.fspath(path)
    comment_code = _comment_code(comment)
    delim = _delimiter_code(delimiter, comment_code)
    ids_code = _ids_code(ids)
    compression = detect_compression(name)
    strings, skip_names = ids == "str", False
    while True:
        tok = _edgelist.Tokenizer(delim, comment_code, strings, skip_names, ids_code)
        status = _scan(name, compression, tok, progress)
        if status == _edgelist.ST_RESTART_NAMES:
            skip_names = True
        elif status == _edgelist.ST_RESTART_STRINGS or (
                status == _edgelist.ST_OK and skip_names and tok.count == 0 and ids == "auto"):
            # (a lone non-integer line is an edge between strings, not column names)
            strings, skip_names = True, False
        else:
            break
    if status == _edgelist.ST_ERROR:
        line, column, problem = tok.error()
        raise InputError(problem, path=name, line=line, column=column)
    result = tok.result()
    if result["lines"] == 0:
        raise InputError("no edges found (the graph is empty)", path=name)
    return EdgeListData(**result)


def load_edgelist(path: str | os.PathLike, *, directed: bool = True,
                  probs: str | Scheme | None = None, seed: int = 1,
                  keep_self_loops: bool = False, merge: str = "ic",
                  delimiter: str | None = None, comment: str = "#",
                  ids: str = "auto", progress=None) -> Graph:
    """Read an edge-list file into a :class:`~imx.graph.core.Graph`; formats: :func:`read_edgelist`.

    ``probs`` defaults to ``given`` when the file has a probability column and
    to ``wc`` otherwise; ``ids`` is ``auto``, ``int`` or ``str``; ``merge`` is
    :meth:`Graph.from_arrays`'s rule for repeated arcs; ``progress`` is passed to
    :func:`read_edgelist`.
    """
    data = read_edgelist(path, delimiter=delimiter, comment=comment, ids=ids, progress=progress)
    if data.n == 0:
        raise InputError("the graph is empty (no edges)", path=str(path))
    scheme = parse_scheme(probs if probs is not None else
                          ("given" if data.prob is not None else "wc"))
    if scheme.name == "given" and data.prob is None:
        raise InputError("probability scheme 'given' needs a third column of probabilities",
                         path=str(path))
    graph = Graph.from_arrays(data.src, data.dst,
                              data.prob if scheme.name == "given" else None,
                              n=data.n, directed=directed, probs=scheme, seed=seed,
                              keep_self_loops=keep_self_loops, merge=merge, labels=data.labels,
                              source=str(path), edges_read=data.lines)
    graph.skipped_header = data.skipped
    return graph


def _label_table(graph: Graph) -> tuple[bytes, np.ndarray, bool]:
    """Encoded labels concatenated, their offsets, and whether labels are 0..n-1."""
    labels = np.asarray(graph.labels)
    is_range = labels.dtype.kind in "iu" and bool(
        np.array_equal(labels, np.arange(graph.n, dtype=labels.dtype)))
    if labels.dtype.kind in "iu":
        texts = [str(x).encode() for x in labels.tolist()]
    else:
        texts = []
        for lab in labels.tolist():
            text = str(lab)
            if not text or text[0] == "#" or any(c.isspace() or c == "," for c in text):
                raise ParameterError(f"node label {text!r} cannot be written in an edge list "
                                     "(empty, starts with '#', or holds whitespace or a comma)")
            texts.append(text.encode())
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)), out=offsets[1:])
    return b"".join(texts), offsets, is_range


def compressing_writer(fh, path: str):
    """A file object compressing into ``fh`` as ``path``'s suffix says (.gz, .bz2, .xz), else None.

    The caller closes it (which flushes the compressed stream) before ``fh``.
    """
    low = path.lower()
    if low.endswith(".gz"):
        import gzip

        return gzip.GzipFile(fileobj=fh, mode="wb", mtime=0)
    if low.endswith(".bz2"):
        return bz2.BZ2File(fh, "wb")
    if low.endswith(".xz"):
        return lzma.LZMAFile(fh, "wb")
    return None


def write_edgelist(graph: Graph, path: str | os.PathLike) -> None:
    """Write ``graph`` as text, one ``u<TAB>v<TAB>p`` line per arc, atomically.

    ``u`` and ``v`` are the node labels and ``p`` the arc's probability (the
    shortest text that reads back to the same float32).  A leading ``#`` line
    describes the graph; when the labels are ``0..n-1`` and there are arcs, a
    line ``n m`` follows (the NetHEPT convention) so that isolated nodes
    survive a round trip through :func:`read_edgelist`.  A path ending in
    ``.gz``, ``.bz2`` or ``.xz`` is compressed accordingly.
    """
    path = os.fspath(path)
    label_text, label_offsets, is_range = _label_table(graph)
    probs = np.asarray(graph.out_probs)
    values, codes = np.unique(probs, return_inverse=True)
    codes = codes.astype(np.int32).reshape(-1)
    prob_texts = [t.encode() for t in values.astype(str).tolist()]
    prob_offsets = np.zeros(len(prob_texts) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, prob_texts), dtype=np.int64, count=len(prob_texts)),
              out=prob_offsets[1:])
    prob_text = b"".join(prob_texts)
    tails, heads = graph.arcs()
    tails = np.ascontiguousarray(tails, dtype=np.int32)
    heads = np.ascontiguousarray(heads, dtype=np.int32)
    kind = "directed" if graph.directed else "undirected, both arcs of each edge"
    head_text = f"# imx edge list: {graph.n} nodes, {graph.m} arcs ({kind}), probabilities " \
                f"{graph.scheme}; columns: source, target, probability\n"
    if is_range and graph.m:
        head_text += f"{graph.n}\t{graph.m}\n"
    with atomic_open(path, "wb") as raw:
        wrapped = compressing_writer(raw, path)
        fh = wrapped if wrapped is not None else raw
        try:
            fh.write(head_text.encode())
            for start in range(0, graph.m, _WRITE_BATCH):
                stop = min(start + _WRITE_BATCH, graph.m)
                fh.write(_edgelist.format_arcs(tails[start:stop], heads[start:stop],
                                               codes[start:stop], label_text, label_offsets,
                                               prob_text, prob_offsets))
        finally:
            if wrapped is not None:
                wrapped.close()
