"""Exceptions and warnings of jilin_spatial, in one public place (as osmnx ``_errors.py``).

Every error message has the same four parts: the argument, what was
expected, what arrived, and how to fix it.
"""

from __future__ import annotations

__all__ = [
    "InputError",
    "InputTypeError",
    "CRSError",
    "GeometryError",
    "IdMismatchError",
    "EmptyInputError",
    "FileFormatError",
    "OutputExistsError",
    "FewUnitsWarning",
    "DataNoteWarning",
    "check_choice",
]


def _message(argument: str, expected: str, got: str, fix: str) -> str:
    return f"{argument}: expected {expected}, got {got}. Fix: {fix}"


class InputError(ValueError):
    """A wrong value for an argument.

    Parameters
    ----------
    argument, expected, got, fix : str
        The four parts of the message.
    """

    def __init__(self, argument: str, expected: str, got: str, fix: str):
        self.argument = argument
        self.expected = expected
        self.got = got
        self.fix = fix
        super().__init__(_message(argument, expected, got, fix))


class InputTypeError(TypeError):
    """A wrong type for an argument."""

    def __init__(self, argument: str, expected: str, got: str, fix: str):
        self.argument = argument
        super().__init__(_message(argument, expected, got, fix))


class CRSError(InputError):
    """A missing, unknown or unsuitable coordinate reference system."""


class GeometryError(InputError):
    """Invalid or empty geometries."""


class IdMismatchError(InputError):
    """Ids that do not pair up between two inputs (or are duplicated)."""


class EmptyInputError(InputError):
    """An empty file or table."""


class FileFormatError(InputError):
    """A file that cannot be parsed: wrong delimiter, encoding or format."""


class OutputExistsError(InputError):
    """An output location that already holds files."""


class FewUnitsWarning(UserWarning):
    """Inference on few spatial units: results are fragile."""


class DataNoteWarning(UserWarning):
    """Something about the data the user should act on (a repair, a mask)."""


def check_choice(argument: str, value, allowed, fix: str | None = None):
    """Raise :class:`InputError` unless ``value`` is one of ``allowed`` (string options, as mapclassify)."""
    if value not in allowed:
        raise InputError(argument, f"one of {list(allowed)}", repr(value), fix or f"pass {argument}={allowed[0]!r}")
