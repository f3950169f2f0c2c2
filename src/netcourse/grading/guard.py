"""The grading kernel's guard against tampering with the checks.

Student code runs in the same process as the checks, so it could rebind the
names test cells use, replace a checker, patch ``socket`` or rewrite cells
through IPython's hooks. Before every cell the guard restores what it
protects to the state it had before the first cell; after every test cell it
checks that nothing protected changed while the cell ran. A clean test cell
gets a *seal*, an output holding an HMAC of the cell's source under a key only
the grader and the kernel know; a test cell whose objects changed gets a line
on stderr (nbgrader scores it 0) and no seal. The grader zeroes every test
cell without a valid seal, so turning the guard off only loses points.

This raises the bar; it is not a sandbox: code that reads the guard's source
and digs the key out of memory can defeat it. autograder/README.md gives the
threat model and what needs a container.
"""

from __future__ import annotations

import errno
import hashlib
import hmac
import importlib
import inspect
import os
import pkgutil
import subprocess
import sys
import threading
import types
from dataclasses import dataclass

from ..course.cells import grade_id, is_test_cell

SEAL_MIME = "application/vnd.netcourse.seal+json"
TAMPER_NOTE = "netcourse: this check was tampered with while it ran"
STDLIB = (
    "builtins", "socket", "selectors", "select", "threading", "queue", "time", "asyncio",
    "concurrent.futures", "struct", "ipaddress", "json", "hmac", "hashlib",
)  # fmt: skip
NOT_PRELOADED = (
    "netcourse.grading",
    "netcourse.commands",
    "netcourse.course",
    "netcourse.__main__",
)
SHELL_METHODS = (
    "run_cell", "run_cell_async", "_run_cell", "transform_cell", "run_ast_nodes", "run_code",
    "showtraceback", "_showtraceback", "showsyntaxerror", "should_run_async",
)  # fmt: skip
SHELL_LISTS = ("input_transformers_cleanup", "input_transformers_post", "ast_transformers")
SHELL_OBJECTS = ("events", "display_pub", "displayhook", "compile", "input_transformer_manager")
SYS_OBJECTS = ("stdout", "stderr", "excepthook", "displayhook")
# Entries Python itself adds to class dictionaries on first use.
LAZY_CLASS_ENTRIES = frozenset({"__slotnames__", "__annotations__", "__annotate__", "_abc_impl"})
# Names the kernel itself swaps in and out around every execution.
VOLATILE = {"builtins": frozenset({"input", "raw_input", "_", "__", "___", "exit", "quit"})}
# The shell's and kernel's own classes are protected; traitlets' base classes are not.
GUARDED_CLASS_PACKAGES = ("IPython.", "ipykernel.", "netcourse.")


def cell_digest(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def seal_mac(key: bytes, digest: str) -> str:
    return hmac.new(key, digest.encode("ascii"), hashlib.sha256).hexdigest()


def _course_modules() -> list[types.ModuleType]:
    """Every module of the netcourse package that student code or the checks can reach."""
    import netcourse

    for info in pkgutil.walk_packages(netcourse.__path__, "netcourse."):
        if not info.name.startswith(NOT_PRELOADED):
            importlib.import_module(info.name)
    return [sys.modules[name] for name in sorted(sys.modules) if name.split(".")[0] == "netcourse"]


def _classes_of(module: types.ModuleType) -> list[type]:
    return [
        value
        for value in vars(module).values()
        if isinstance(value, type) and value.__module__ == module.__name__
    ]


def _functions_of(namespace: dict) -> list[types.FunctionType]:
    return [v for v in namespace.values() if isinstance(v, types.FunctionType)]


@dataclass
class _Snapshot:
    modules: dict[str, types.ModuleType]
    namespaces: dict[str, dict]
    classes: dict[type, dict]
    functions: dict[types.FunctionType, tuple]
    shell_lists: dict[str, list]
    shell_objects: dict[str, object]
    events: dict[str, list]
    sys_objects: dict[str, object]


class Guard:
    """Protects the checks' objects in one kernel; see the module docstring."""

    def __init__(self, shell, key: bytes, test_cells: frozenset[str]) -> None:
        self.shell = shell
        self.key = key
        self.test_cells = test_cells
        self.snapshot = self._take(shell)
        self.complaints = sys.stderr  # where a tampered test cell's line goes (its stderr)

    def _take(self, shell) -> _Snapshot:
        course = _course_modules()
        stdlib = [importlib.import_module(name) for name in STDLIB]
        modules = {m.__name__: m for m in course + stdlib}
        classes = [cls for m in course + stdlib for cls in _classes_of(m)]
        for owner in (shell, getattr(shell, "kernel", None)):
            classes += [
                c for c in type(owner).__mro__ if c.__module__.startswith(GUARDED_CLASS_PACKAGES)
            ]
        functions = [f for m in course for f in _functions_of(vars(m))]
        functions += [f for cls in classes for f in _functions_of(dict(vars(cls)))]
        namespaces = {
            name: {k: v for k, v in vars(m).items() if k not in VOLATILE.get(name, ())}
            for name, m in modules.items()
        }
        return _Snapshot(
            modules=modules,
            namespaces=namespaces,
            classes={cls: dict(vars(cls)) for cls in classes},
            functions={f: (f.__code__, f.__defaults__, f.__kwdefaults__) for f in functions},
            shell_lists={name: list(getattr(shell, name)) for name in SHELL_LISTS},
            shell_objects={name: getattr(shell, name) for name in SHELL_OBJECTS},
            events={name: list(cbs) for name, cbs in shell.events.callbacks.items()},
            sys_objects={name: getattr(sys, name) for name in SYS_OBJECTS},
        )

    def changes(self) -> list[str]:
        """What differs from the snapshot, one short description per change."""
        s, found = self.snapshot, []
        for name, module in s.modules.items():
            if sys.modules.get(name) is not module:
                found.append(f"sys.modules[{name!r}] was replaced")
            current = vars(module)
            for key, value in s.namespaces[name].items():
                if current.get(key, _MISSING) is not value:
                    found.append(f"{name}.{key} was replaced or deleted")
        for cls, saved in s.classes.items():
            current = vars(cls)
            for key in set(saved) | set(current):
                if key in LAZY_CLASS_ENTRIES and key not in saved:
                    continue
                if current.get(key, _MISSING) is not saved.get(key, _MISSING):
                    found.append(f"{cls.__module__}.{cls.__qualname__}.{key} was changed")
        for function, (code, defaults, kwdefaults) in s.functions.items():
            if (function.__code__, function.__defaults__, function.__kwdefaults__) != (
                code, defaults, kwdefaults,
            ):  # fmt: skip
                found.append(
                    f"the code of {function.__module__}.{function.__qualname__} was changed"
                )
        for name in SHELL_METHODS:
            if name in vars(self.shell):
                found.append(f"the shell's {name} was replaced")
        for name, saved in s.shell_lists.items():
            if getattr(self.shell, name) != saved:
                found.append(f"the shell's {name} were changed")
        for name, saved in s.shell_objects.items():
            if getattr(self.shell, name) is not saved:
                found.append(f"the shell's {name} was replaced")
        for name, saved in s.events.items():
            if any(cb not in self.shell.events.callbacks.get(name, []) for cb in saved):
                found.append(f"a {name} event callback was removed")
        for name, saved in s.sys_objects.items():
            if getattr(sys, name) is not saved:
                found.append(f"sys.{name} was replaced")
        if sys.gettrace() is not None or sys.getprofile() is not None:
            found.append("a trace or profile function was set")
        return found

    def restore(self) -> None:
        """Put everything protected back as it was in the snapshot."""
        s = self.snapshot
        for name, module in s.modules.items():
            sys.modules[name] = module
            vars(module).update(s.namespaces[name])
        for cls, saved in s.classes.items():
            for key in set(vars(cls)) - set(saved) - LAZY_CLASS_ENTRIES:
                type.__delattr__(cls, key)
            for key, value in saved.items():
                if vars(cls).get(key, _MISSING) is not value:
                    type.__setattr__(cls, key, value)
        for function, (code, defaults, kwdefaults) in s.functions.items():
            function.__code__, function.__defaults__, function.__kwdefaults__ = (
                code,
                defaults,
                kwdefaults,
            )
        for name in SHELL_METHODS:
            vars(self.shell).pop(name, None)
        for name, saved in s.shell_lists.items():
            getattr(self.shell, name)[:] = saved
        for name, saved in s.shell_objects.items():
            setattr(self.shell, name, saved)
        for name, saved in s.events.items():
            callbacks = self.shell.events.callbacks.setdefault(name, [])
            callbacks[:0] = [cb for cb in saved if cb not in callbacks]
        for name, saved in s.sys_objects.items():
            setattr(sys, name, saved)
        sys.settrace(None)
        sys.setprofile(None)
        threading.settrace(None)
        threading.setprofile(None)
        self.shell.user_ns["nc"] = s.modules["netcourse"]

    def before_cell(self) -> None:
        self.restore()

    def after_cell(self, source: str) -> None:
        """Seal a test cell that ran untouched; report one that did not."""
        digest = cell_digest(source)
        if digest not in self.test_cells:
            return
        changes = self.changes()
        self.restore()
        if changes:
            shown = "; ".join(changes[:5]) + (
                f" (and {len(changes) - 5} more)" if len(changes) > 5 else ""
            )
            stream = self.complaints
            stream.write(f"{TAMPER_NOTE} ({shown}); it scores 0\n")
            stream.flush()
            return
        self.shell.display_pub.publish(
            data={SEAL_MIME: {"cell": digest, "mac": seal_mac(self.key, digest)}}, metadata={}
        )


class _Missing:
    pass


_MISSING = _Missing()


def refuse_kernel_wedges(kernel_pid: int) -> None:
    """Turn two ways of losing the whole kernel into ordinary errors in the cell.

    ``os._exit`` in the kernel process ends grading of every later cell, and
    ``gevent.monkey.patch_all()`` with thread patching wedges an ipykernel.
    Children (forked pool workers) keep the real ``os._exit``.
    """
    real_exit = os._exit

    def _exit(status: int) -> None:
        caller = sys._getframe(1).f_globals.get("__name__", "")
        if os.getpid() != kernel_pid or caller.startswith("ipykernel."):
            real_exit(status)  # forked children, and the kernel's own exit when orphaned
        raise SystemExit(f"os._exit({status}) is refused while grading: the kernel must live on")

    os._exit = _exit
    if os.name == "posix":
        import posix

        posix._exit = _exit
    try:
        from gevent import monkey
    except ImportError:
        return
    real_patch_all = monkey.patch_all
    signature = inspect.signature(real_patch_all)

    def patch_all(*args, **kwargs):
        if signature.bind(*args, **kwargs).arguments.get("thread", True):
            raise RuntimeError(
                "gevent.monkey.patch_all() wedges a Jupyter kernel; in a notebook use "
                "patch_all(thread=False), or run fully patched programs as scripts"
            )
        return real_patch_all(*args, **kwargs)

    monkey.patch_all = patch_all


def limit_forks(budget: int, kernel_pid: int) -> None:
    """Share one budget of new processes between the kernel and everything it forks.

    The budget is a pipe holding one byte per process; every fork takes a byte,
    and children inherit the pipe, so a fork loop anywhere in the tree runs
    dry: the kernel gets an OSError (EAGAIN, as from the process limit), a
    forked child simply ends. Programs started with exec (subprocess) are
    outside it: the process limit or the pids control group holds those.
    """
    if os.name != "posix":
        return
    import _posixsubprocess
    import posix

    real_exit = os._exit
    tokens, refill = os.pipe()
    os.set_blocking(tokens, False)
    os.write(refill, b"." * budget)
    os.close(refill)

    def take() -> None:
        try:
            if os.read(tokens, 1):
                return
        except OSError:
            pass
        if os.getpid() != kernel_pid:
            real_exit(1)
        raise OSError(
            errno.EAGAIN,
            f"this kernel has started the {budget} processes it may start while being graded",
        )

    def guarded(real):
        def start(*args, **kwargs):
            take()
            return real(*args, **kwargs)

        return start

    os.fork = posix.fork = guarded(os.fork)
    _posixsubprocess.fork_exec = guarded(_posixsubprocess.fork_exec)
    if getattr(subprocess, "_fork_exec", None) is not None:  # bound at import since 3.11
        subprocess._fork_exec = _posixsubprocess.fork_exec
    if hasattr(os, "posix_spawn"):
        os.posix_spawn = posix.posix_spawn = guarded(os.posix_spawn)
        os.posix_spawnp = posix.posix_spawnp = guarded(os.posix_spawnp)


def tampered_cells(cells: list) -> list[str]:
    """Grade ids of the test cells in which the guard saw tampering (its note on stderr)."""
    return [
        grade_id(cell) or "?"
        for cell in filter(is_test_cell, cells)
        if any(TAMPER_NOTE in str(o.get("text", "")) for o in cell.get("outputs", []))
    ]


def verify_seals(cells: list, key: bytes) -> list[str]:
    """Grade ids of the test cells in an executed notebook that carry no valid seal."""
    unsealed = []
    for cell in filter(is_test_cell, cells):
        digest = cell_digest(cell.get("source", ""))
        expected = seal_mac(key, digest)
        seals = [
            o.get("data", {}).get(SEAL_MIME, {})
            for o in cell.get("outputs", [])
            if o.get("output_type") == "display_data"
        ]
        if not any(
            s.get("cell") == digest and hmac.compare_digest(str(s.get("mac", "")), expected)
            for s in seals
        ):
            unsealed.append(grade_id(cell) or "?")
    return unsealed
