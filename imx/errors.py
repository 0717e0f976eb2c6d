"""Exception hierarchy of imx.

Every error that imx raises on purpose derives from :class:`ImxError`; the CLI
turns those into one line on stderr and exit code 2, never a traceback.
"""
from __future__ import annotations

__all__ = ["ImxError", "InputError", "MemoryBudgetError", "ParameterError"]


class ImxError(Exception):
    """Base class of every error imx raises deliberately."""


class InputError(ImxError, ValueError):
    """Malformed input data: an edge list, an AP file, a value file...

    ``path`` and ``line`` (1-based) locate the problem when known; the message
    then reads ``path:line: problem``.
    """

    def __init__(self, problem: str, path: str | None = None, line: int | None = None,
                 column: str | int | None = None):
        self.problem = problem
        self.path = None if path is None else str(path)
        self.line = line
        self.column = column
        where = ""
        if self.path is not None:
            where = self.path
            if line is not None:
                where += f":{line}"
            where += ": "
        elif line is not None:
            where = f"line {line}: "
        if column is not None:
            problem = f"column {column}: {problem}"
        super().__init__(where + problem)


class ParameterError(ImxError, ValueError):
    """A parameter value is out of range or inconsistent with the others."""


class MemoryBudgetError(ImxError, MemoryError):
    """The estimated memory of an operation exceeds the allowed budget."""
