"""Argument checks shared by every public function.

Each check raises a one-line `ValueError` or `TypeError` that names the argument, the value it
got and what is allowed, so a caller never has to read a traceback from inside Keras.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable


def check_int(name: str, value, *, minimum: int = 1) -> int:
    """Returns `value` if it is an int >= `minimum`; `bool` is rejected on purpose."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"`{name}` must be an int >= {minimum}, got {value!r} ({type(value).__name__})."
        )
    if value < minimum:
        raise ValueError(f"`{name}` must be an int >= {minimum}, got {value!r}.")
    return int(value)


def check_optional_int(name: str, value, *, minimum: int = 1) -> int | None:
    return None if value is None else check_int(name, value, minimum=minimum)


def check_rate(name: str, value) -> float:
    """Returns `value` if it is a real number in [0, 1)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"`{name}` must be a float in [0, 1), got {value!r} ({type(value).__name__})."
        )
    if not 0.0 <= float(value) < 1.0:
        raise ValueError(f"`{name}` must be a float in [0, 1), got {value!r}.")
    return float(value)


def check_bool(name: str, value) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"`{name}` must be True or False, got {value!r} ({type(value).__name__}).")
    return value


def check_choice(name: str, value, choices: Iterable):
    choices = tuple(choices)
    if value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"`{name}` must be one of {allowed}; got {value!r}.")
    return value


def check_name(name: str, value) -> str | None:
    if value is not None and (not isinstance(value, str) or not value):
        raise TypeError(f"`{name}` must be a non-empty str or None, got {value!r}.")
    return value


def check_exactly_one(**named) -> str:
    """Returns the name of the single argument that is not None, or raises naming all of them."""
    given = [key for key, value in named.items() if value is not None]
    if len(given) != 1:
        names = " or ".join(f"`{key}`" for key in named)
        got = ", ".join(f"`{key}`" for key in given) or "neither"
        raise ValueError(f"Pass exactly one of {names}; got {got}.")
    return given[0]
