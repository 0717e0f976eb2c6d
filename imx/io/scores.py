"""The CSV primitives of the value and ego files (:mod:`imx.dynamics`): rows, a
header of key columns and value dimensions, one score cell.  Every problem is an
:class:`~imx.errors.InputError` naming the file, the line and the column."""
from __future__ import annotations

from typing import Iterable, Sequence

from ..errors import InputError

__all__ = ["data_rows", "parse_score", "parse_header", "check_dims"]


def data_rows(path: str, reader: Iterable[list[str]]):
    """Yield (line number, cells) of non-blank, non-comment rows."""
    for cells in reader:
        line = reader.line_num  # type: ignore[attr-defined]
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue
        if cells[0].lstrip().startswith("#"):
            continue
        yield line, [c.strip() for c in cells]


def parse_score(cell: str, path: str | None, line: int, column: str) -> float:
    """One value score, validated: a finite number in [0, 1]."""
    if cell == "":
        raise InputError("missing value", path=path, line=line, column=column)
    try:
        v = float(cell)
    except ValueError:
        raise InputError(f"{cell!r} is not a number", path=path, line=line,
                         column=column) from None
    if not (0.0 <= v <= 1.0):
        raise InputError(f"value {cell} is outside [0, 1]", path=path, line=line, column=column)
    return v


def parse_header(header: list[str], path: str, key_columns: Sequence[str],
                 extra_optional: Sequence[str] = ()) -> tuple[list[str], dict[str, int]]:
    """Check a header starting with ``key_columns``; return (dims, positions of optional cols)."""
    names = [h.strip() for h in header]
    if names and names[0].startswith("\ufeff"):
        names[0] = names[0][1:]
    for k, key in enumerate(key_columns):
        if len(names) <= k or names[k].lower() != key:
            got = names[k] if len(names) > k else "nothing"
            raise InputError(f"header must start with {','.join(key_columns)}, found {got!r}",
                             path=path, line=1, column=k + 1)
    optional: dict[str, int] = {}
    dims: list[str] = []
    seen: set[str] = set()
    for pos in range(len(key_columns), len(names)):
        name = names[pos]
        if name == "":
            raise InputError("empty column name in the header", path=path, line=1, column=pos + 1)
        if name in seen:
            raise InputError(f"column {name!r} appears twice in the header", path=path, line=1,
                             column=pos + 1)
        seen.add(name)
        if name.lower() in extra_optional:
            optional[name.lower()] = pos
        else:
            dims.append(name)
    if not dims:
        raise InputError("the header names no value dimension", path=path, line=1)
    return dims, optional


def check_dims(found: Sequence[str], expected: Sequence[str] | None, path: str | None) -> None:
    """InputError naming the first dimension of ``expected`` missing from ``found``."""
    if expected is None:
        return
    missing = [d for d in expected if d not in found]
    if missing:
        raise InputError(f"dimension {missing[0]!r} is missing from the header", path=path, line=1,
                         column=missing[0])
