"""What a submission's own code does that an instructor should read by hand: the ``review`` field.

The sandbox keeps a student's code away from everyone else's grade, but not
from its own: the checks run in the student's kernel, so code there can make
its own test cells report anything (display a value, patch a checker, read the
checker's expected value from its frame, return a ``bytes`` whose ``==`` is
always true). That can be detected, not prevented. So every answer cell and
every cell the student added is read (never run) for what an honest answer has
no use for: the displayhook, audit hooks, frames, ``gc``, ``ctypes``, ``/proc``,
the kernel object and its input history, patches of modules and builtins,
dynamic code, signals to other processes, builtin types with a redefined ``==``.
Lines the course's own notebooks hold are not flagged. The course's package
ships servers that answer graded exercises (notebook 07 runs them all), so an
answer that uses one, or holds a long function that is a copy of one of the
package's (names changed or not), is flagged too.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..course.cells import grade_id, is_test_cell, nbgrader_meta

# Builtin or kernel names, each with what reaching for it means.
NAMES = {
    "get_ipython": "the kernel object",
    "In": "the input history",
    "Out": "the input history",
    "_ih": "the input history",
    "_oh": "the input history",
    "_i": "the input history",
    "_ii": "the input history",
    "_iii": "the input history",
    "__builtins__": "builtins",
    "__import__": "dynamic code",
    "exec": "dynamic code",
    "eval": "dynamic code",
    "compile": "dynamic code",
    "globals": "dynamic code",
    "vars": "dynamic code",
}
INPUT_NAME = re.compile(r"^_i\d+$")
# Attributes, of whatever object.
ATTRIBUTES = {
    "displayhook": "the displayhook",
    "display_pub": "display calls",
    "publish_display_data": "display calls",
    "addaudithook": "an audit hook",
    "_getframe": "frame inspection",
    "currentframe": "frame inspection",
    "getouterframes": "frame inspection",
    "getframeinfo": "frame inspection",
    "extract_stack": "frame inspection",
    "walk_stack": "frame inspection",
    "f_back": "frame inspection",
    "f_locals": "frame inspection",
    "f_globals": "frame inspection",
    "tb_frame": "frame inspection",
    "settrace": "a trace function",
    "setprofile": "a trace function",
    "get_objects": "gc",
    "get_referrers": "gc",
    "get_referents": "gc",
    "kernel": "the kernel object",
    "user_ns": "the kernel object",
    "__builtins__": "builtins",
    "__dict__": "object internals",
    "__globals__": "object internals",
    "__code__": "object internals",
    "__closure__": "object internals",
    "__subclasses__": "object internals",
    "killpg": "signals to other processes",
    "pthread_kill": "signals to other processes",
    "pidfd_send_signal": "signals to other processes",
}
# Attributes of one module (however it was imported or renamed).
QUALIFIED = {
    ("sys", "modules"): "sys.modules",
    ("sys", "audit"): "an audit hook",
    ("os", "kill"): "signals to other processes",
    ("signal", "raise_signal"): "signals to other processes",
}
MODULES = {
    "gc": "gc",
    "ctypes": "ctypes",
    "_ctypes": "ctypes",
    "cffi": "ctypes",
    "inspect": "inspect of callers",
    "builtins": "builtins",
    "importlib": "dynamic code",
    "marshal": "dynamic code",
    "IPython": "the kernel object",
    "ipykernel": "the kernel object",
    "psutil": "signals to other processes",
}
# Modules of netcourse.tools whose servers (and scheduler) answer graded exercises.
COURSE_SERVERS = {"contenders", "coroutine_servers", "echo_pools", "echo_threads", "reactor",
                  "scheduler"}  # fmt: skip
# A cell whose functions are the package's, names changed or not, is a copy when they hold
# this many statements: two people do not write that much the same way by chance. Shorter
# functions are not compared (anyone writes a four-line echo loop the way the package does).
COPY_SIZE = 12
SHORTEST_COMPARED = 4
TOOLS = Path(__file__).resolve().parents[1] / "tools"
BUILTIN_TYPES = {"bytes", "bytearray", "str", "int", "float", "bool", "tuple", "list", "dict",
                 "set", "frozenset"}  # fmt: skip
COMPARISONS = {"__eq__", "__ne__", "__hash__", "__bool__", "__len__", "__contains__"}
ATTRIBUTE_CALLS = {"getattr", "setattr", "delattr"}
# IPython's magics become get_ipython() calls; these touch nothing but time and plots.
HARMLESS_MAGICS = {"time", "timeit", "demo", "matplotlib"}
SHELL_CALLS = {"system", "getoutput"}


class _Reader(ast.NodeVisitor):
    """Collects (line, what) for one cell's code."""

    def __init__(self, aliases: dict[str, str]) -> None:
        self.found: list[tuple[int, str]] = []
        self.aliases = aliases  # name -> the module (or module.attribute) it is bound to

    def flag(self, node: ast.AST, what: str) -> None:
        self.found.append((getattr(node, "lineno", 1), what))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._module(node, alias.name)
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        self._module(node, module)
        for alias in node.names:
            what = ATTRIBUTES.get(alias.name) or QUALIFIED.get((module, alias.name))
            if what:
                self.flag(node, what)
            self._course_server(node, f"{module}.{alias.name}")
        self.generic_visit(node)

    def _module(self, node: ast.AST, name: str) -> None:
        top = name.split(".")[0]
        if top in MODULES:
            self.flag(node, MODULES[top])
        self._course_server(node, name)

    def _course_server(self, node: ast.AST, dotted: str) -> None:
        parts = dotted.split(".")
        found = set(parts[1:]) & COURSE_SERVERS if parts[0] == "netcourse" else set()
        if found:
            self.flag(node, f"the course's own server, nc.{min(found)}")

    def visit_Name(self, node: ast.Name) -> None:
        if node.id in NAMES:
            self.flag(node, NAMES[node.id])
        elif INPUT_NAME.match(node.id):
            self.flag(node, "the input history")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in ATTRIBUTES:
            self.flag(node, ATTRIBUTES[node.attr])
        if isinstance(node.value, ast.Name):
            module = self.aliases.get(node.value.id, "").split(".")[0]
            if (module, node.attr) in QUALIFIED:
                self.flag(node, QUALIFIED[module, node.attr])
        self._course_server(node, self._dotted(node))
        if isinstance(node.ctx, ast.Store | ast.Del):
            self._patch(node, node.value)
        self.generic_visit(node)

    def _dotted(self, node: ast.expr) -> str:
        """``nc.tools.reactor`` as ``netcourse.tools.reactor`` (empty if not from an import)."""
        if isinstance(node, ast.Attribute):
            inner = self._dotted(node.value)
            return f"{inner}.{node.attr}" if inner else ""
        return self.aliases.get(node.id, "") if isinstance(node, ast.Name) else ""

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if isinstance(node.ctx, ast.Store | ast.Del):
            self._patch(node, node.value)
        self.generic_visit(node)

    def _patch(self, node: ast.AST, target: ast.expr) -> None:
        """Flag a store into anything reached from an imported module."""
        while isinstance(target, ast.Attribute | ast.Subscript):
            target = target.value
        if isinstance(target, ast.Name) and target.id in self.aliases:
            self.flag(node, f"a patch of {self.aliases[target.id]}")

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "kill" and _is_own_pid(node.args):
            for arg in node.args:  # a kernel that kills itself harms nobody else
                self.visit(arg)
            return
        if _is_kernel_call(func):
            if func.attr in SHELL_CALLS:
                self.flag(node, "a shell command")
            elif not (node.args and _constant(node.args[0]) in HARMLESS_MAGICS):
                self.flag(node, f"the magic %{_constant(node.args[0]) if node.args else '?'}")
            for arg in [*node.args, *node.keywords]:
                self.visit(arg)
            return
        if isinstance(func, ast.Name) and func.id in ATTRIBUTE_CALLS and len(node.args) > 1:
            target, name = node.args[0], node.args[1]
            if not (isinstance(name, ast.Constant) and isinstance(name.value, str)):
                self.flag(node, "dynamic code")
            elif func.id != "getattr":
                self._patch(node, target)
                what = ATTRIBUTES.get(name.value)
                if what:
                    self.flag(node, what)
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str | bytes):
            text = node.value if isinstance(node.value, str) else node.value.decode("latin-1")
            if "/proc" in text or "/sys/" in text:
                self.flag(node, "/proc")

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        bases = {b.id for b in node.bases if isinstance(b, ast.Name)} & BUILTIN_TYPES
        if bases:
            defined = {target.id for statement in node.body for target in _defined_names(statement)}
            for name in sorted(defined & COMPARISONS):
                self.flag(node, f"a {min(bases)} whose {name} is its own")
        self.generic_visit(node)


class _Shape(ast.NodeTransformer):
    """A function with its name, docstring, annotations and every variable's name taken
    out: what is left is how it is written."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def _name(self, name: str) -> str:
        return self.names.setdefault(name, f"_{len(self.names)}")

    def visit_Name(self, node: ast.Name) -> ast.Name:
        node.id = self._name(node.id)
        return node

    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.arg, node.annotation = self._name(node.arg), None
        return node

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST:
        node = self.generic_visit(node)
        return ast.Assign([node.target], node.value or ast.Constant(None))

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.AST:
        node.name, node.returns, node.decorator_list = "", None, []
        if ast.get_docstring(node, clean=False) is not None:
            node.body = node.body[1:] or [ast.Pass()]
        return self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef


def _statements(function: ast.AST) -> int:
    return sum(isinstance(n, ast.stmt) for n in ast.walk(function)) - 1


def _shape(function: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    copy = ast.parse(ast.unparse(function)).body[0]  # the original stays as it was
    return ast.dump(_Shape().visit(copy), annotate_fields=False)


@functools.cache
def _course_functions() -> dict[str, str]:
    """The shape of each function of netcourse.tools, with its name (read, not imported)."""
    shapes: dict[str, str] = {}
    for path in sorted(TOOLS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                shapes.setdefault(_shape(node), f"nc.{path.stem}.{node.name}")
    return shapes


def _copied(node: ast.AST, course: dict[str, str]) -> Iterable[tuple[ast.AST, str]]:
    """The outermost functions under ``node`` that are functions of the package."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) and (
            _statements(child) >= SHORTEST_COMPARED and (name := course.get(_shape(child)))
        ):
            yield child, name
        else:
            yield from _copied(child, course)


def _copies(tree: ast.AST, lines: list[str], known: frozenset[str]) -> list[tuple[int, str]]:
    """(line, what) for each function of a cell that copies the package, if together they
    are long enough to be a copy. The course's own code, every line of it in the course's
    notebooks (03's reactor, say), is not a copy."""
    copied = [
        (function, name)
        for function, name in _copied(tree, _course_functions())
        if not all(
            line.strip() in known
            for line in lines[function.lineno - 1 : function.end_lineno]
            if line.strip()
        )
    ]
    if sum(_statements(function) for function, _ in copied) < COPY_SIZE:
        return []
    return [(function.lineno, f"a copy of the course's {name}") for function, name in copied]


def _is_kernel_call(func: ast.expr) -> bool:
    """``get_ipython().run_line_magic`` and its kind: what IPython makes of ``%`` and ``!``."""
    return (
        isinstance(func, ast.Attribute)
        and func.attr in {"run_line_magic", "run_cell_magic", *SHELL_CALLS}
        and isinstance(func.value, ast.Call)
        and isinstance(func.value.func, ast.Name)
        and func.value.func.id == "get_ipython"
        and not func.value.args
    )


def _is_own_pid(args: list[ast.expr]) -> bool:
    """``os.kill(os.getpid(), ...)``: the first argument is this process."""
    first = args[0] if args else None
    return (
        isinstance(first, ast.Call)
        and isinstance(first.func, ast.Attribute | ast.Name)
        and getattr(first.func, "attr", getattr(first.func, "id", "")) == "getpid"
    )


def _constant(node: ast.expr) -> object:
    return node.value if isinstance(node, ast.Constant) else None


def _defined_names(statement: ast.stmt) -> list[ast.Name]:
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
        return [ast.Name(statement.name)]
    if isinstance(statement, ast.Assign):
        return [t for t in statement.targets if isinstance(t, ast.Name)]
    return []


def _imported_names(tree: ast.AST) -> dict[str, str]:
    """Names an import binds, each with what it is bound to (``socket``, ``os.path``)."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                names[alias.asname or top] = alias.name if alias.asname else top
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _python(source: str) -> str | None:
    """A cell's source as plain Python (IPython's magics and ``!`` lines turned into calls)."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        code = TransformerManager().transform_cell(source)
        ast.parse(code)
    except (SyntaxError, ValueError, IndentationError):
        return None
    return code


def _student_cells(cells: Iterable[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """(where, source) of every answer cell and every cell the student added."""
    found = []
    for index, cell in enumerate(cells, 1):
        if cell.get("cell_type") != "code" or is_test_cell(cell):
            continue
        meta = nbgrader_meta(cell)
        if meta.get("locked") and not meta.get("solution"):
            continue  # nbgrader puts the course's version back
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        where = grade_id(cell) if meta.get("solution") else f"cell {index}"
        found.append((where or f"cell {index}", source))
    return found


def course_lines(notebooks: Iterable[Mapping[str, Any]]) -> frozenset[str]:
    """Every stripped code line of the course's own notebooks (release and source)."""
    lines = set()
    for notebook in notebooks:
        for cell in notebook.get("cells", []):
            if cell.get("cell_type") == "code":
                source = cell.get("source", "")
                source = "".join(source) if isinstance(source, list) else source
                lines |= {line.strip() for line in source.splitlines()}
    return frozenset(lines)


def review(notebook: Mapping[str, Any], known: frozenset[str] = frozenset()) -> list[str]:
    """What in a submitted notebook an instructor should read, one line each (``known``: the
    course's own lines, never flagged)."""
    cells = _student_cells(notebook.get("cells", []))
    codes = [(where, src, code) for where, src in cells if (code := _python(src)) is not None]
    aliases = {"nc": "netcourse"}
    for _, _, code in codes:
        aliases |= _imported_names(ast.parse(code))
    notes = []
    for where, source, code in codes:
        tree = ast.parse(code)
        reader = _Reader(aliases)
        reader.visit(tree)
        # quote the student's own lines where IPython kept them line for line
        lines = source.splitlines()
        if len(lines) != len(code.splitlines()):
            lines = code.splitlines()
        copies = _copies(tree, lines, known)  # flagged though the course has the def line
        seen = set()
        for line, what in sorted(reader.found + copies):
            text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
            if (text in known and (line, what) not in copies) or (line, what) in seen:
                continue
            seen.add((line, what))
            notes.append(f"{where}, line {line}: {what} ({text[:60]})")
    return notes
