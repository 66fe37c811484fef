"""Functions named by reference, ``"package.module:qualname"``, as python-call tasks carry them."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from typing import Any

REFERENCE = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")


def reference_of(function: Callable[..., Any] | str) -> str:
    """``"module:qualname"`` of ``function`` (a reference string is checked and returned).

    Refused: lambdas, nested functions and ``__main__`` functions — a runner could not
    import them."""
    if isinstance(function, str):
        check_reference(function)
        return function
    target = getattr(function, "__wrapped__", function)
    module = getattr(target, "__module__", None)
    qualname = getattr(target, "__qualname__", None)
    if not module or not qualname:
        raise ValueError(f"{function!r} has no module and name: pass 'package.module:function'")
    if "<" in qualname:
        raise ValueError(
            f"{module}.{qualname} is a lambda or nested function; a runner cannot import it: "
            "define it at the top level of a module, or send it pickled (pickle=True, to a "
            "tool with pickle: true)"
        )
    if module == "__main__":
        raise ValueError(
            f"{qualname} is defined in the script being run (__main__); a runner cannot import "
            "it: move it into a module and import it from there"
        )
    return f"{module}:{qualname}"


def check_reference(text: str) -> str:
    """``text`` if it looks like ``module:qualname``; ValueError naming it otherwise."""
    if not isinstance(text, str) or not REFERENCE.match(text):
        raise ValueError(
            f"function {text!r} is not a reference like 'package.module:function' "
            "(a module path, a colon, the function's name)"
        )
    return text


def load(reference: str) -> Callable[..., Any]:
    """Import the module of ``reference`` and return the callable it names."""
    module_name, qualname = check_reference(reference).split(":", 1)
    target: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise ImportError(f"module {module_name!r} has no {qualname!r}") from None
    if not callable(target):
        raise ImportError(f"{reference} is a {type(target).__name__}, not a function")
    return target
