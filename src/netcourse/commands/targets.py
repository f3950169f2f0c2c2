"""Finding what a ``netcourse check-*`` command checks: ``module:Name`` or ``file.py:Name``."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Any

from ..errors import UsageError

_FORM = "module:Name or path/to/file.py:Name"


def load_target(spec: str) -> Any:
    """The object ``spec`` names; a bad spec, a missing file or a failed import is a UsageError.

    The name after the colon may be dotted (``module:Outer.Inner``). A file is
    imported as a module of its own, so its classes and functions work in
    threads and pickle by reference as usual.
    """
    where, sep, name = spec.rpartition(":")
    if not sep or not where or not name or not all(p.isidentifier() for p in name.split(".")):
        raise UsageError(f"TARGET must be {_FORM}, not {spec!r}")
    module = _load_file(Path(where)) if where.endswith(".py") else _import(where)
    found: Any = module
    for part in name.split("."):
        try:
            found = getattr(found, part)
        except AttributeError:
            raise UsageError(f"{where} has no {name!r}") from None
    return found


def _import(module_name: str) -> Any:
    try:
        return importlib.import_module(module_name)
    except ImportError as exc:
        raise UsageError(f"cannot import {module_name!r}: {exc}") from None
    except Exception as exc:
        raise UsageError(f"importing {module_name!r} raised {type(exc).__name__}: {exc}") from None


def _load_file(path: Path) -> Any:
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    module_name = f"netcourse_target_{path.stem}_{abs(hash(path.resolve())):x}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[module_name]
        raise UsageError(f"loading {path} raised {type(exc).__name__}: {exc}") from None
    return module
